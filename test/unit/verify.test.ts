/**
 * `sightline verify`: a receipt with the log's signature and two witnesses' cosignatures
 * verifies offline with their keys; a byte flipped anywhere in the receipt (proof, index,
 * checkpoint, any signature) or in the entry makes it fail, naming what failed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkReceipt } from '../../src/cli/verify.js';
import { isLogError } from '../../src/errors.js';
import { leafHash, proveInclusion, rootOfLeaves } from '../../src/merkle/index.js';
import { ed25519Cosigner, ed25519Signer, formatNote, parseNote, signCheckpoint } from '../../src/note/index.js';
import { formatReceipt } from '../../src/receipt/index.js';
import { runCli } from '../support/cli.js';
import { MemoryTree } from '../support/memory-tree.js';

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

const dir = mkdtempSync(join(tmpdir(), 'sightline-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkReceipt', () => {
  test('a valid receipt verifies with the log key and every witness, and names its cosigners', async () => {
    const verified = checkReceipt(await receiptFor(5), entries[5]!, keys);
    expect(verified.leafIndex).toBe(5);
    expect(verified.cosigners.map((c) => c.name)).toEqual(['witness1.example', 'witness2.example']);
    expect(checkReceipt(await receiptFor(5), entries[5]!, { ...keys, quorum: 1 }).leafIndex).toBe(5);
    expect(checkReceipt(await receiptFor(12), entries[12]!, { logKey: log.verifierKey, witnessKeys: [] }).leafIndex).toBe(12);
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
    expect(usage.stderr).toMatch(/^sightline: usage: sightline verify RECEIPT/);
    const tooMany = await runCli(['verify', receiptFile, '--entry', entryFile, '--log-key', log.verifierKey, '--quorum', '3', ...witnessArgs]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toBe('sightline: --quorum 3 is more than the 2 witness keys given\n');
  });
});
