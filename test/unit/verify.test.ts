/**
 * `sightline verify`: a receipt with the log's signature and two witnesses' cosignatures
 * verifies offline with their keys; a byte flipped anywhere in the receipt (proof, index,
 * checkpoint, any signature) or in the entry makes it fail, naming what failed. With
 * `--bundle`, the receipt and the entry come from an explorer evidence bundle, and the keys
 * still only from the command line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkReceipt } from '../../src/cli/verify.js';
import { isLogError } from '../../src/errors.js';
import { buildEvidenceBundle, evidenceBundleText, parseEvidenceBundle } from '../../src/explorer/evidence-bundle.js';
import { leafHash, proveInclusion, rootOfLeaves } from '../../src/merkle/index.js';
import { ed25519Cosigner, ed25519Signer, formatNote, parseNote, signCheckpoint } from '../../src/note/index.js';
import { formatReceipt } from '../../src/receipt/index.js';
import { runCli } from '../support/run-cli.js';
import { MemoryTree } from '../support/memory-tree.js';
import { tempDir } from '../support/temp.js';

const entries = Array.from({ length: 13 }, (_, i) => new TextEncoder().encode(`entry ${i} of the verify tests`));
const log = ed25519Signer('verify.sightline.example/log', new Uint8Array(32).fill(3));
const witnesses = [1, 2].map((i) => ed25519Cosigner(`witness${i}.example`, new Uint8Array(32).fill(20 + i)));
const keys = { logKey: log.verifierKey, witnessKeys: witnesses.map((w) => w.verifierKey) };

async function receiptFor(index: number): Promise<string> {
  const hashes = entries.map(leafHash);
  const base = parseNote(signCheckpoint({ origin: log.name, treeSize: entries.length, rootHash: rootOfLeaves(hashes), extensions: [] }, log));
  const checkpoint = formatNote({ text: base.text, signatures: [...base.signatures, ...witnesses.map((w, i) => w.cosign(base.text, 1_790_000_000 + i))] });
  const reader = new MemoryTree(hashes).hashReader(entries.length);
  return formatReceipt({ leafIndex: index, inclusionProof: await proveInclusion(reader, index, entries.length), checkpoint });
}

const dir = tempDir('verify');

describe('checkReceipt', () => {
  test('a valid receipt verifies with the log key and every witness, and names its cosigners', async () => {
    const verified = checkReceipt(await receiptFor(5), entries[5]!, keys);
    expect(verified.leafIndex).toBe(5);
    expect(verified.cosigners.map((c) => c.name)).toEqual(['witness1.example', 'witness2.example']);
    expect(checkReceipt(await receiptFor(5), entries[5]!, { ...keys, quorum: 1 }).leafIndex).toBe(5);
    expect(checkReceipt(await receiptFor(12), entries[12]!, { logKey: log.verifierKey, witnessKeys: [] }).leafIndex).toBe(12);
  });

  test("mirror keys: their cosignatures count apart from the witnesses', and a key may not be both", async () => {
    // The witnesses' keys taken as mirror keys: the same cosignatures, now counted as mirrors'.
    const asMirrors = { logKey: log.verifierKey, witnessKeys: [], mirrorKeys: keys.witnessKeys };
    const verified = checkReceipt(await receiptFor(5), entries[5]!, asMirrors);
    expect(verified.mirrorCosigners.map((c) => c.name)).toEqual(['witness1.example', 'witness2.example']);
    expect(verified.cosigners).toEqual([]);
    const stranger = ed25519Cosigner('mirror.example', new Uint8Array(32).fill(77));
    expect(() => checkReceipt(`x`, entries[5]!, { ...keys, mirrorKeys: [keys.witnessKeys[0]!] })).toThrow(/--witness-key and --mirror-key/);
    expect(() => checkReceipt(`x`, entries[5]!, { ...keys, mirrorKeys: [stranger.verifierKey], mirrorQuorum: 2 })).toThrow(/--mirror-quorum 2 is more than the 1/);
    const five = await receiptFor(5);
    expect(() => checkReceipt(five, entries[5]!, { ...keys, mirrorKeys: [stranger.verifierKey] })).toThrow(/mirror cosignatures/);
    const cli = await runCli(['verify', '-', '--entry', '/dev/null', '--log-key', log.verifierKey, '--mirror-key', 'not-a-key']);
    expect(cli.code).toBe(2);
  });

  test('every byte of the receipt flipped, and every byte of the entry, is refused with a LogError', async () => {
    const receipt = await receiptFor(5);
    const bytes = new TextEncoder().encode(receipt);
    let refused = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x20]) {
        const mutated = bytes.slice();
        mutated[i] = mutated[i]! ^ bit;
        const text = new TextDecoder().decode(mutated);
        let error: unknown;
        try {
          checkReceipt(text, entries[5]!, keys);
        } catch (e) {
          error = e;
        }
        expect(isLogError(error), `byte ${i} ^ ${bit}: ${JSON.stringify(text.slice(Math.max(0, i - 10), i + 10))}`).toBe(true);
        refused++;
      }
    }
    expect(refused).toBe(bytes.length * 2);
    for (let i = 0; i < entries[5]!.length; i++) {
      const entry = entries[5]!.slice();
      entry[i] = entry[i]! ^ 1;
      expect(() => checkReceipt(receipt, entry, keys)).toThrow();
    }
    // Another entry's bytes, a missing witness, a wrong log key.
    expect(() => checkReceipt(receipt, entries[4]!, keys)).toThrow(/inclusion|proof/i);
    const stranger = ed25519Cosigner('witness3.example', new Uint8Array(32).fill(30));
    expect(() => checkReceipt(receipt, entries[5]!, { ...keys, witnessKeys: [...keys.witnessKeys, stranger.verifierKey] })).toThrow(/cosignatures/);
    const otherLog = ed25519Signer(log.name, new Uint8Array(32).fill(4));
    expect(() => checkReceipt(receipt, entries[5]!, { ...keys, logKey: otherLog.verifierKey })).toThrow();
  });
});

describe('sightline verify', () => {
  test('exit 0 and one line for a valid receipt; 1 and one line naming the failure; 2 for usage', async () => {
    const receiptFile = join(dir, 'entry5.tlog-proof');
    const entryFile = join(dir, 'entry5');
    const logKeyFile = join(dir, 'log.vkey');
    writeFileSync(receiptFile, await receiptFor(5));
    writeFileSync(entryFile, entries[5]!);
    writeFileSync(logKeyFile, log.verifierKey + '\n');
    const witnessArgs = witnesses.flatMap((w) => ['--witness-key', w.verifierKey]);

    const ok = await runCli(['verify', receiptFile, '--entry', entryFile, '--log-key', logKeyFile, ...witnessArgs]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^verified: entry 5 is in verify\.sightline\.example\/log at tree size 13, root [A-Za-z0-9+/]{43}=; cosigned by witness1\.example \(.*\), witness2\.example \(.*\)\n$/);

    writeFileSync(join(dir, 'other'), entries[6]!);
    const wrongEntry = await runCli(['verify', receiptFile, '--entry', join(dir, 'other'), '--log-key', log.verifierKey, ...witnessArgs]);
    expect(wrongEntry.code).toBe(1);
    expect(wrongEntry.stderr).toMatch(/^sightline: the receipt does not verify: the inclusion proof does not lead from this entry to the checkpoint’s root: .*\n$/);

    const unwitnessed = await runCli(['verify', receiptFile, '--entry', entryFile, '--log-key', log.verifierKey, ...witnessArgs, '--witness-key', ed25519Cosigner('witness3.example', new Uint8Array(32).fill(30)).verifierKey]);
    expect(unwitnessed.code).toBe(1);
    expect(unwitnessed.stderr.split('\n')).toHaveLength(2);

    const usage = await runCli(['verify', receiptFile, '--log-key', log.verifierKey]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('sightline: verify needs --entry FILE with RECEIPT; see sightline verify --help\n');
    const tooMany = await runCli(['verify', receiptFile, '--entry', entryFile, '--log-key', log.verifierKey, '--quorum', '3', ...witnessArgs]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toBe('sightline: --quorum 3 is more than the 2 witness keys given\n');
  });
});

describe('sightline verify --bundle', () => {
  async function bundleFile(name: string, change: (b: Record<string, unknown>) => void = () => {}): Promise<string> {
    const bundle = JSON.parse(
      evidenceBundleText(
        buildEvidenceBundle({
          index: 5,
          entry: entries[5]!,
          receipt: await receiptFor(5),
          logKey: log.verifierKey,
          witnessKeys: witnesses.map((w) => w.verifierKey),
          quorum: 2,
          summary: 'Record 5 in the public log: a test entry.',
          createdAt: new Date('2026-03-20T10:00:00.000Z'),
        }),
      ),
    ) as Record<string, unknown>;
    change(bundle);
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(bundle, null, 2));
    return path;
  }
  const witnessArgs = () => witnesses.flatMap((w) => ['--witness-key', w.verifierKey]);

  test('a bundle verifies with the keys given on the command line, with or without witnesses', async () => {
    const file = await bundleFile('sightline-evidence-5.json');
    const ok = await runCli(['verify', '--bundle', file, '--log-key', log.verifierKey, ...witnessArgs(), '--quorum', '2']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^verified: entry 5 is in verify\.sightline\.example\/log at tree size 13, root [A-Za-z0-9+/]{43}=; cosigned by witness1\.example \(.*\), witness2\.example \(.*\)\n$/);
    const bare = await runCli(['verify', '--bundle', file, '--log-key', log.verifierKey, '--json']);
    expect(bare.code).toBe(0);
    expect(JSON.parse(bare.stdout)).toMatchObject({ verified: true, leafIndex: 5, treeSize: 13, cosigners: [], bundleLogKeyDiffers: false });
  });

  test('the log key inside the bundle is never trusted: only --log-key counts', async () => {
    // A bundle forged with another log key: it names its own key, which verifies its checkpoint…
    const forger = ed25519Signer(log.name, new Uint8Array(32).fill(99));
    const hashes = entries.map(leafHash);
    const forgedNote = signCheckpoint({ origin: log.name, treeSize: entries.length, rootHash: rootOfLeaves(hashes), extensions: [] }, forger);
    const proof = await proveInclusion(new MemoryTree(hashes).hashReader(entries.length), 5, entries.length);
    const forgedReceipt = formatReceipt({ leafIndex: 5, inclusionProof: proof, checkpoint: forgedNote });
    const file = await bundleFile('forged.json', (b) => {
      b.receipt = forgedReceipt;
      b.checkpoint = forgedNote;
      b.logKey = forger.verifierKey;
    });
    expect(parseEvidenceBundle(readFileSync(file, 'utf8')).logKey).toBe(forger.verifierKey);
    // …but the real log key refuses it.
    const refused = await runCli(['verify', '--bundle', file, '--log-key', log.verifierKey]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^sightline: the bundle does not verify: the checkpoint lacks a signature it needs: /);
    // With the right key, a bundle naming another key verifies, and says the bundle's key was not used.
    const named = await bundleFile('named-other.json', (b) => {
      b.logKey = forger.verifierKey;
    });
    const ok = await runCli(['verify', '--bundle', named, '--log-key', log.verifierKey]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/\nnote: the bundle names a different log key from --log-key; it was not used\n$/);
  });

  test('a tampered entry, a malformed bundle and wrong usage', async () => {
    const tampered = await bundleFile('tampered.json', (b) => {
      b.entry = Buffer.from(entries[6]!).toString('base64');
    });
    const bad = await runCli(['verify', '--bundle', tampered, '--log-key', log.verifierKey]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^sightline: the bundle does not verify: the inclusion proof does not lead from this entry to the checkpoint’s root: .*\n$/);

    const wrongIndex = await bundleFile('wrong-index.json', (b) => {
      b.index = 6;
    });
    const malformed = await runCli(['verify', '--bundle', wrongIndex, '--log-key', log.verifierKey]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toBe('sightline: the bundle does not verify: not a valid evidence bundle: the receipt is for entry 5, the bundle says 6\n');

    writeFileSync(join(dir, 'not-json.json'), 'c2sp.org/tlog-proof@v1\n');
    expect((await runCli(['verify', '--bundle', join(dir, 'not-json.json'), '--log-key', log.verifierKey])).stderr).toMatch(/not a valid evidence bundle: it is not JSON/);

    const file = await bundleFile('usage.json');
    const withEntry = await runCli(['verify', '--bundle', file, '--entry', file, '--log-key', log.verifierKey]);
    expect(withEntry.code).toBe(2);
    expect(withEntry.stderr).toBe('sightline: --bundle holds the receipt and the entry: give neither RECEIPT nor --entry with it\n');
    const noKey = await runCli(['verify', '--bundle', file]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toBe('sightline: verify needs --log-key; see sightline verify --help\n');
    const missing = await runCli(['verify', '--bundle', join(dir, 'missing.json'), '--log-key', log.verifierKey]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/couldn't read the bundle .*missing\.json: ENOENT/);
    const tooMany = await runCli(['verify', '--bundle', file, '--log-key', log.verifierKey, ...witnessArgs(), '--quorum', '3']);
    expect(tooMany.code).toBe(2);

    const help = await runCli(['verify', '--help']);
    expect(help.stdout).toContain('--bundle FILE');
    expect(help.stdout).toContain('sightline verify --bundle FILE --log-key VKEY');
  });
});
