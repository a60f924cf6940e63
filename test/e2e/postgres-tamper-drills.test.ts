/**
 * Tamper drills against the real server on PostgreSQL: someone with write access to the
 * database changes one byte of a stored entry, one byte of a stored tile, or replaces the
 * tree with another history signed by the same key and shows one view to a witness and
 * another to a monitor. Each time `fsck`, the monitor or the witness catches it, and the
 * evidence file it writes is enough for a third party to check, with only the log's public
 * key, that the log misbehaved. Runs when DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeBase64 } from '../../src/encoding/index.js';
import { verifyConsistency } from '../../src/merkle/index.js';
import { cosignatureVerifier, openCheckpoint, parseCosignatureVerifier, parseNoteVerifier } from '../../src/note/index.js';
import { type ServerProcess, startServe, startWitness } from '../support/cli.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/waits.js';

const serverUrl = process.env.DATABASE_URL;
if (serverUrl === undefined) throw new Error('postgres-tamper-drills.test.ts needs DATABASE_URL (vitest.config.ts should have left it out)');
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const suffix = randomBytes(5).toString('hex');
const databases = { a: `sightline_drill_a_${suffix}`, b: `sightline_drill_b_${suffix}` };
const dir = tempDir('drills');
const ORIGIN = 'drills.sightline.example/log';

function urlOf(database: string): string {
  const url = new URL(serverUrl!);
  url.pathname = `/${database}`;
  return url.toString();
}

const running: ServerProcess[] = [];
let logVerifierKey: string;
let keyFile: string;
let witness: ServerProcess;
let witnessVerifierKey: string;
let logA: ServerProcess;
let sqlA: postgres.Sql;

/** Appends `count` raw entries with text `label i` through the partner API. */
async function write(url: string, token: string, label: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async (_, j) => {
        const res = await fetch(`${url}/v1/entries`, { method: 'POST', body: `${label} ${i + j}`, headers: { authorization: `Bearer ${token}` } });
        expect(res.status, await res.clone().text()).toBe(201);
      }),
    );
  }
}

async function partnerToken(database: string): Promise<string> {
  const added = await runCli(['partner', 'add', 'drill', '--json', '--key-file', keyFile], { DATABASE_URL: urlOf(database) });
  expect(added.stderr).toBe('');
  return (JSON.parse(added.stdout) as { token: string }).token;
}

async function startLog(database: string, withWitness: boolean): Promise<ServerProcess> {
  const server = await startServe(['--key-file', keyFile, '--data-dir', join(dir, database), ...(withWitness ? ['--witness', `${witness.url} ${witnessVerifierKey}`] : [])], { DATABASE_URL: urlOf(database) });
  running.push(server);
  return server;
}

/** Runs `sightline monitor --once` with a state directory; returns its result and evidence files. */
async function monitorOnce(url: string, state: string) {
  const run = await runCli(['monitor', url, '--log-key', logVerifierKey, '--state', state, '--once']);
  let evidence: Record<string, unknown>[] = [];
  try {
    evidence = readdirSync(join(state, 'evidence')).map((f) => JSON.parse(readFileSync(join(state, 'evidence', f), 'utf8')) as Record<string, unknown>);
  } catch {
    // no evidence directory: nothing was found
  }
  return { ...run, evidence };
}

/** Every string in an evidence file that is a checkpoint note signed by the log key, opened. */
function signedCheckpointsIn(evidence: unknown): { treeSize: number; rootHash: Uint8Array }[] {
  const found: { treeSize: number; rootHash: Uint8Array }[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string' && value.startsWith(`${ORIGIN}\n`)) {
      try {
        found.push(openCheckpoint(value, parseNoteVerifier(logVerifierKey)).checkpoint);
      } catch {
        // not a checkpoint the log key signed
      }
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(evidence);
  return found;
}

beforeAll(async () => {
  await admin.unsafe(`create database ${databases.a}`);
  await admin.unsafe(`create database ${databases.b}`);
  const [signerKey, verifierKey] = (await runCli(['keygen', '--origin', ORIGIN])).stdout.trim().split('\n') as [string, string];
  logVerifierKey = verifierKey;
  keyFile = join(dir, 'log.key');
  writeFileSync(keyFile, signerKey + '\n', { mode: 0o600 });
  const [witnessKey] = (await runCli(['keygen', '--origin', 'drill-witness.example'])).stdout.trim().split('\n') as [string];
  writeFileSync(join(dir, 'witness.key'), witnessKey + '\n', { mode: 0o600 });
  witness = await startWitness(['--key-file', join(dir, 'witness.key'), '--log', logVerifierKey, '--data-dir', join(dir, 'witness')]);
  running.push(witness);
  witnessVerifierKey = String(witness.lines.find((l) => l.msg === 'listening')!.verifierKey);

  // The honest log, view A: 300 entries, witnessed (its own first two — the code lists, its
  // record of the partner's token — and 298 of the partner's).
  logA = await startLog(databases.a, true);
  await write(logA.url, await partnerToken(databases.a), 'honest entry', 298);
  await until(async () => ((await (await fetch(`${logA.url}/v1/log`)).json()) as { witnessedTreeSize?: number }).witnessedTreeSize === 300, 'size 300 to be witnessed');
  sqlA = postgres(urlOf(databases.a), { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  for (const s of running) s.child.kill('SIGKILL');
  await sqlA?.end();
  for (const name of Object.values(databases)) await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

describe('tamper drills on PostgreSQL', () => {
  test('one byte of a stored entry: fsck and a fresh monitor both catch it, the evidence names the entry', async () => {
    const fresh = await monitorOnce(logA.url, join(dir, 'monitor-clean'));
    expect(fresh.stderr).toBe('');
    expect(fresh.code).toBe(0);

    const [original] = await sqlA`select data from entries where leaf_index = 123`;
    await sqlA`update entries set data = overlay(data placing '\\x21'::bytea from 3 for 1) where leaf_index = 123`;
    try {
      const checked = await runCli(['fsck'], { DATABASE_URL: urlOf(databases.a) });
      expect(checked.code).toBe(1);
      expect(checked.stdout).toContain('fsck: tile 0/0: differs from the tile recomputed from the entries');

      // A running server keeps serving the full bundle it read before (a full bundle never
      // changes, so it is cached): the tampered bytes are served once it reads them again.
      expect(await logA.stop()).toBe(0);
      logA = await startLog(databases.a, true);
      const caught = await monitorOnce(logA.url, join(dir, 'monitor-entry'));
      expect(caught.code).toBe(3);
      expect(caught.evidence).toHaveLength(1);
      const evidence = caught.evidence[0]!;
      // A third party holds the signed checkpoint and the bytes the log served for entry 123:
      // their leaf hash is not the one in the tree the log signed.
      expect(signedCheckpointsIn(evidence).map((c) => c.treeSize)).toContain(300);
      expect(evidence).toMatchObject({ kind: 'root-mismatch', leafIndex: 123, checkpoint: { treeSize: 300 } });
      // The byte changed ('n' → '!'); leaf 123 is the partner's entry 121, after the log's own two.
      expect(Buffer.from(evidence.entry as string, 'base64').toString()).toBe('ho!est entry 121');
    } finally {
      await sqlA`update entries set data = ${original!.data as Uint8Array} where leaf_index = 123`;
    }
    expect((await runCli(['fsck'], { DATABASE_URL: urlOf(databases.a) })).code).toBe(0);
  });
  test('one byte of a stored tile: fsck and a fresh monitor both catch it, the evidence holds both tiles', async () => {
    const [original] = await sqlA`select data from tiles where level = 0 and tile_index = 1`;
    await sqlA`update tiles set data = overlay(data placing '\\x00'::bytea from 7 for 1) where level = 0 and tile_index = 1`;
    // The server keeps tiles in memory: restart it so that it serves what the database holds.
    expect(await logA.stop()).toBe(0);
    logA = await startLog(databases.a, true);
    try {
      const checked = await runCli(['fsck'], { DATABASE_URL: urlOf(databases.a) });
      expect(checked.code).toBe(1);
      expect(checked.stdout).toContain('fsck: tile 0/1: differs from the tile recomputed from the entries');

      const caught = await monitorOnce(logA.url, join(dir, 'monitor-tile'));
      expect(caught.code).toBe(3);
      expect(caught.evidence).toHaveLength(1);
      const evidence = caught.evidence[0] as { kind: string; tile: { path: string; computed: string; served: string } };
      expect(evidence.kind).toBe('tile-mismatch');
      expect(evidence.tile.path).toBe('tile/0/001.p/44');
      // Both tiles are in the evidence: they differ in the one byte changed.
      const computed = Buffer.from(evidence.tile.computed, 'base64');
      const served = Buffer.from(evidence.tile.served, 'base64');
      expect(served.length).toBe(computed.length);
      expect([...served].filter((b, i) => b !== computed[i])).toHaveLength(1);
      expect(signedCheckpointsIn(caught.evidence[0]).map((c) => c.treeSize)).toContain(300);
    } finally {
      await sqlA`update tiles set data = ${original!.data as Uint8Array} where level = 0 and tile_index = 1`;
      expect(await logA.stop()).toBe(0); // and forget the tampered tile it cached
      logA = await startLog(databases.a, true);
    }
    expect((await runCli(['fsck'], { DATABASE_URL: urlOf(databases.a) })).code).toBe(0);
  });
  test('a split view: another history signed by the same key is caught by the monitor and refused by the witness, with evidence', async () => {
    const state = join(dir, 'monitor-split');
    const followed = await monitorOnce(logA.url, state);
    expect(followed.code).toBe(0); // the monitor has verified view A at size 300

    // View B: the same key over another history of 300 entries, shown to the monitor.
    let logB = await startLog(databases.b, false);
    const tokenB = await partnerToken(databases.b);
    await write(logB.url, tokenB, 'forged entry', 298); // and its own two first, as in view A
    const forked = await monitorOnce(logB.url, state);
    expect(forked.code).toBe(3);
    expect(forked.evidence).toHaveLength(1);
    expect(forked.evidence[0]).toMatchObject({ kind: 'fork', previous: { treeSize: 300 }, checkpoint: { treeSize: 300 } });
    const roots = signedCheckpointsIn(forked.evidence[0]);
    // Two checkpoints of size 300 with different roots, both signed by the log key: proof of a fork.
    const at300 = roots.filter((c) => c.treeSize === 300);
    expect(at300.length).toBeGreaterThanOrEqual(2);
    expect(new Set(at300.map((c) => Buffer.from(c.rootHash).toString('hex'))).size).toBe(2);

    // View B grows, and is shown to the witness: it refuses, and keeps what it was shown.
    await write(logB.url, tokenB, 'forged later entry', 10);
    expect(await logB.stop()).toBe(0);
    logB = await startLog(databases.b, true);
    await until(async () => readdirSafe(join(dir, 'witness', 'evidence')).length > 0, 'the witness to refuse view B');
    const log = (await (await fetch(`${logB.url}/v1/log`)).json()) as { witnessedTreeSize?: number; witnesses: { lastError?: string }[] };
    expect(log.witnessedTreeSize).toBeUndefined();
    expect(log.witnesses[0]!.lastError).toBeDefined();
    expect((await fetch(`${logB.url}/checkpoint`)).status).toBe(503);

    const witnessEvidence = readdirSafe(join(dir, 'witness', 'evidence')).map((f) => JSON.parse(readFileSync(join(dir, 'witness', 'evidence', f), 'utf8')) as { checkpoint: string; witnessedCheckpoint: string; oldSize: number; consistencyProof: string[] });
    const refused = witnessEvidence.find((e) => openCheckpoint(e.checkpoint, parseNoteVerifier(logVerifierKey)).checkpoint.treeSize === 310)!;
    expect(refused).toBeDefined();
    // The witness's own cosigned checkpoint (view A) and the refused one (view B), both signed by
    // the log key; the proof the log sent does not connect them.
    const mine = openCheckpoint(refused.witnessedCheckpoint, parseNoteVerifier(logVerifierKey));
    const witnessKey = parseCosignatureVerifier(witnessVerifierKey);
    const cosigned = openCheckpoint(refused.witnessedCheckpoint, parseNoteVerifier(logVerifierKey), { others: [cosignatureVerifier(witnessKey.name, witnessKey.publicKey)] });
    expect(cosigned.checkpoint.treeSize).toBe(300);
    expect(cosigned.note.verified.map((s) => s.name)).toEqual([ORIGIN, witnessKey.name]);
    const theirs = openCheckpoint(refused.checkpoint, parseNoteVerifier(logVerifierKey));
    expect(() =>
      verifyConsistency(refused.oldSize, theirs.checkpoint.treeSize, refused.consistencyProof.map((h) => decodeBase64(h)!), mine.checkpoint.rootHash, theirs.checkpoint.rootHash),
    ).toThrow();
    expect(await logB.stop()).toBe(0);

    // The witness never cosigned view B: its latest is still view A's 300.
    const latest = await (await fetch(`${witness.url}/v1/logs/${encodeURIComponent(ORIGIN)}/checkpoint`)).text();
    expect(openCheckpoint(latest, parseNoteVerifier(logVerifierKey)).checkpoint.rootHash).toEqual(mine.checkpoint.rootHash);
  });
});

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
