/**
 * End to end: the real `sightline witness` process on PGlite, fed a growing log's
 * checkpoints with real consistency proofs over HTTP, stopped and restarted on the same
 * data directory. The log is built here with the core's Merkle and note code.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cosignatureVerifier, ed25519Cosigner, generateKey, openCheckpoint, openNote, parseCosignatureVerifier, parseNoteVerifier } from '../../src/note/index.js';
import { TREE_SIZE_CONTENT_TYPE, formatAddCheckpointRequest, parseTreeSizeBody } from '../../src/witness/index.js';
import { spawnCli, startWitness } from '../support/cli.js';
import { TestLog, logSigner } from '../support/witness-log.js';
import { tempDir } from '../support/temp.js';


const post = (url: string, body: string) => fetch(`${url}/add-checkpoint`, { method: 'POST', body });

test('cosigns a growing log, refuses a fork with evidence, answers 409, and remembers across a restart', async () => {
  const dataDir = tempDir('witness-e2e');
  const log = new TestLog(logSigner(21, 'e2e.sightline.example/log'));
  log.grow(100);
  const args = ['--data-dir', dataDir, '--log', log.signer.verifierKey, '--name', 'e2e.witness.example'];

  let witness = await startWitness(args);
  let verifierKey: string;
  try {
    const listening = witness.lines.find((l) => l.msg === 'listening')!;
    expect(listening.name).toBe('e2e.witness.example');
    verifierKey = String(listening.verifierKey);
    expect(verifierKey).toMatch(/^e2e\.witness\.example\+[0-9a-f]{8}\+/);
    expect(listening.logs).toEqual([{ origin: log.origin, verifierKeys: [log.signer.verifierKey], treeSize: null }]);
    // The generated key is kept, readable by its owner only.
    expect(statSync(join(dataDir, 'witness.key')).mode % 0o1000).toBe(0o600);
    const verifiers = [parseCosignatureVerifier(verifierKey)];
    const { publicKey } = verifiers[0]!;
    const checkVerifier = cosignatureVerifier('e2e.witness.example', publicKey);

    // Grow: 0 → 1 → 7 → 32 → 60, each with a real consistency proof.
    let size = 0;
    for (const next of [1, 7, 32, 60]) {
      const res = await post(witness.url, await log.request(size, next));
      const body = await res.text();
      expect(res.status, body).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      const note = openNote(log.checkpoint(next) + body, verifiers);
      expect(note.verified).toHaveLength(1);
      expect(openNote(log.checkpoint(next) + body, [checkVerifier]).verified).toHaveLength(1);
      size = next;
    }

    // A fork from size 50, signed by the same key, proven in its own tree: 422 and evidence.
    const fork = log.fork(50);
    fork.grow(30, 'forked');
    const refused = await post(witness.url, await fork.request(60, 80));
    expect(refused.status).toBe(422);
    const evidenceDir = join(dataDir, 'evidence');
    const files = readdirSync(evidenceDir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const evidence = JSON.parse(readFileSync(join(evidenceDir, files[0]!), 'utf8')) as Record<string, unknown>;
    expect(evidence).toMatchObject({ type: 'tlog-witness-evidence', failure: 'inconsistent', origin: log.origin, oldSize: 60, checkpoint: fork.checkpoint(80) });
    // The witness's own cosigned checkpoint is in it: with the submitted one, proof for a third party.
    const witnessed = openCheckpoint(String(evidence.witnessedCheckpoint), log.verifier, { others: verifiers });
    expect(witnessed.checkpoint.treeSize).toBe(60);
    // The same submission again is kept once.
    expect((await post(witness.url, await fork.request(60, 80))).status).toBe(422);
    expect(readdirSync(evidenceDir).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    // A wrong old size: 409 with the size.
    const conflict = await post(witness.url, await log.request(32, 70));
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('content-type')).toBe(TREE_SIZE_CONTENT_TYPE);
    expect(parseTreeSizeBody(await conflict.text())).toBe(60);

    // The monitoring API.
    const logs = (await (await fetch(`${witness.url}/v1/logs`)).json()) as { logs: { treeSize: number }[] };
    expect(logs.logs[0]!.treeSize).toBe(60);
  } finally {
    expect(await witness.stop()).toBe(0);
  }

  // Restarted on the same data directory: same key, same state.
  witness = await startWitness(args);
  try {
    const listening = witness.lines.find((l) => l.msg === 'listening')!;
    expect(listening.verifierKey).toBe(verifierKey);
    expect(listening.logs).toEqual([{ origin: log.origin, verifierKeys: [log.signer.verifierKey], treeSize: 60 }]);
    expect(witness.lines.some((l) => l.msg === 'generated a new witness key')).toBe(false);

    // Old and inconsistent checkpoints are still refused, and 409 names the remembered size.
    const stale = await post(witness.url, await log.request(0, 32));
    expect(stale.status).toBe(409);
    expect(await stale.text()).toBe('60\n');
    const fork = log.fork(50);
    fork.grow(10, 'forked-again');
    const sameSize = await post(witness.url, await fork.request(60, 60));
    expect(sameSize.status).toBe(409);
    expect(await sameSize.text()).toBe('60\n');
    fork.grow(20, 'forked-again');
    expect((await post(witness.url, await fork.request(60, 80))).status).toBe(422);

    // And the log goes on growing from where it was.
    const res = await post(witness.url, await log.request(60, 100));
    expect(res.status).toBe(200);
    const checkpoint = await (await fetch(`${witness.url}/v1/logs/${encodeURIComponent(log.origin)}/checkpoint`)).text();
    const opened = openCheckpoint(checkpoint, log.verifier, { others: [parseCosignatureVerifier(verifierKey)] });
    expect(opened.checkpoint.treeSize).toBe(100);
    expect(opened.note.verified.map((s) => s.name)).toEqual([log.origin, 'e2e.witness.example']);
  } finally {
    expect(await witness.stop()).toBe(0);
  }
});

test('attack first: garbage proofs with published checkpoints leave no evidence; a real fork, shown many ways, leaves exactly one file', async () => {
  const dataDir = tempDir('witness-e2e');
  const log = new TestLog(logSigner(23, 'flood.sightline.example/log'));
  log.grow(40);
  const witness = await startWitness(['--data-dir', dataDir, '--log', log.signer.verifierKey, '--name', 'flood.witness.example']);
  const evidenceFiles = () => {
    try {
      return readdirSync(join(dataDir, 'evidence'));
    } catch {
      return [];
    }
  };
  try {
    expect((await post(witness.url, await log.request(0, 30))).status).toBe(200);
    // The attack: the log's own public checkpoint, the witness's size as old, a proof of junk
    // (the largest the spec allows), over and over; each answer is the spec's 422.
    const junk = (i: number) => Array.from({ length: 63 }, (_, k) => new Uint8Array(32).fill((i + k) % 256));
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          const res = await post(witness.url, formatAddCheckpointRequest({ oldSize: 30, consistencyProof: junk(round * 30 + i), checkpoint: log.checkpoint(40) }));
          await res.text();
          return res.status;
        }),
      );
      expect(new Set(answers)).toEqual(new Set([422]));
    }
    // Nothing binding, so nothing kept and nothing to warn about.
    expect(evidenceFiles()).toEqual([]);
    expect(witness.lines.filter((l) => l.level === 'warn')).toEqual([]);

    // A real fork: a second root for size 30, signed by the log key, shown many times, with
    // any old size and with signatures by unknown keys appended.
    const fork = log.fork(20);
    fork.grow(10, 'forked');
    const unknown = (i: number) => `\u2014 someone${i}.example/x ${Buffer.alloc(68, i).toString('base64')}\n`;
    for (let i = 0; i < 20; i++) {
      const res = await post(witness.url, formatAddCheckpointRequest({ oldSize: [30, 0, 20][i % 3]!, consistencyProof: [], checkpoint: fork.checkpoint(30) + (i % 2 === 0 ? '' : unknown(i)) }));
      expect(res.status).toBe(409);
      expect(await res.text()).toBe('30\n');
    }
    const files = evidenceFiles().filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const evidence = JSON.parse(readFileSync(join(dataDir, 'evidence', files[0]!), 'utf8')) as Record<string, unknown>;
    expect(evidence).toMatchObject({ type: 'tlog-witness-evidence', failure: 'conflicting-root', origin: log.origin, oldSize: 30, consistencyProof: [], checkpoint: fork.checkpoint(30) });
    // Both checkpoints open with the log key alone, and they are of one size with two roots.
    const ours = openCheckpoint(String(evidence.witnessedCheckpoint), log.verifier).checkpoint;
    const theirs = openCheckpoint(String(evidence.checkpoint), log.verifier).checkpoint;
    expect(ours.treeSize).toBe(theirs.treeSize);
    expect(Buffer.from(ours.rootHash).equals(Buffer.from(theirs.rootHash))).toBe(false);
    // The witness still cosigns the log as it grows.
    expect((await post(witness.url, await log.request(30, 40))).status).toBe(200);
  } finally {
    expect(await witness.stop()).toBe(0);
  }
});

describe('flags', () => {
  test('--key-file and --config', async () => {
    const dir = tempDir('witness-e2e');
    const key = generateKey('config.witness.example');
    writeFileSync(join(dir, 'w.key'), key.signerKey + '\n', { mode: 0o600 });
    const a = new TestLog(logSigner(31, 'a.example/log'));
    const b = new TestLog(logSigner(32, 'b.example/log'));
    const config = { logs: [{ origin: a.origin, verifierKeys: [a.signer.verifierKey] }, { origin: b.origin, verifierKeys: [b.signer.verifierKey] }] };
    writeFileSync(join(dir, 'logs.json'), JSON.stringify(config));
    const witness = await startWitness(['--data-dir', join(dir, 'data'), '--key-file', join(dir, 'w.key'), '--config', join(dir, 'logs.json'), '--evidence-dir', join(dir, 'ev')]);
    try {
      const listening = witness.lines.find((l) => l.msg === 'listening')!;
      expect(listening.name).toBe('config.witness.example');
      // The key file's Ed25519 key is the one that cosigns.
      expect(parseCosignatureVerifier(String(listening.verifierKey)).publicKey).toEqual(parseNoteVerifier(key.verifierKey).publicKey);
      expect((listening.logs as { origin: string }[]).map((l) => l.origin)).toEqual([a.origin, b.origin]);
      b.grow(3);
      const res = await post(witness.url, await b.request(0, 3));
      expect(res.status).toBe(200);
      expect(openNote(b.checkpoint(3) + (await res.text()), [parseCosignatureVerifier(String(listening.verifierKey))]).verified).toHaveLength(1);
      // A checkpoint of b signed by a's key: 403.
      const wrong = formatAddCheckpointRequest({ oldSize: 3, consistencyProof: [], checkpoint: b.checkpoint(3, [logSigner(31, b.origin)]) });
      expect((await post(witness.url, wrong)).status).toBe(403);
    } finally {
      expect(await witness.stop()).toBe(0);
    }
  });

  test('--help, and bad flags get one line on stderr and a non-zero exit', async () => {
    const help = await spawnCli(['witness', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--key-file FILE/);
    const dir = tempDir('witness-e2e');
    const cases: [string[], RegExp][] = [
      [['--data-dir', dir], /no logs to witness/],
      [['--data-dir', dir, '--log', 'not-a-key'], /--log is neither a key nor a readable file/],
      [['--data-dir', dir, '--log', ed25519Cosigner('w.example', new Uint8Array(32)).verifierKey], /not an Ed25519 verifier key/], // a witness key (0x04)
      [['--data-dir', dir, '--bogus'], /Unknown option '--bogus'/],
      [['--data-dir', dir, '--config', join(dir, 'missing.json')], /--config .*missing\.json/],
      [['--data-dir', dir, '--log', logSigner().verifierKey, '--port', '70000'], /--port/],
      [['--data-dir', dir, '--log', logSigner().verifierKey, '--name', 'has space'], /--name/],
      [['--data-dir', dir, '--log', logSigner().verifierKey, '--database-url', 'mysql://x'], /--database-url/],
    ];
    for (const [args, message] of cases) {
      const result = await spawnCli(['witness', ...args]);
      expect(result.code, result.stderr).not.toBe(0);
      expect(result.stderr).toMatch(/^sightline: .+\n$/);
      expect(result.stderr).toMatch(message);
    }
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ logs: [{ origin: 'x', verifierKeys: [] }] }));
    const bad = await spawnCli(['witness', '--data-dir', dir, '--config', join(dir, 'bad.json')]);
    expect(bad.stderr).toMatch(/^sightline: --config .*verifierKeys/);
    writeFileSync(join(dir, 'bad.key'), 'PRIVATE+KEY+nonsense\n');
    const badKey = await spawnCli(['witness', '--data-dir', dir, '--log', logSigner().verifierKey, '--key-file', join(dir, 'bad.key')]);
    expect(badKey.code).not.toBe(0);
    expect(badKey.stderr).toMatch(/^sightline: the key file .*bad\.key does not hold a signer key/);
  });
});
