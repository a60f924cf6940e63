/**
 * The attack on erasure, end to end, for any database the real server runs on: a claimant's
 * details are recorded, erased (410), and the server stopped cleanly; then every file of the
 * database's directory is searched for the erased details, their opening and the key they
 * were sealed with. The key is read from the database before the erasure, as an attacker
 * holding a copy of the files would find it: whatever the defence, those 32 bytes must go too.
 * A second entry, not erased, is the control: its key must be found (the search works) and
 * its details must read back unchanged after a restart (nothing else was lost).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { ServerProcess } from './cli.js';
import { countFiles, filesHolding, type Needle } from './data-files.js';
import { accessDraft, partnerKeyPair, signedEvent, targetingEvent } from './events.js';
import { runCli } from './run-cli.js';

const PARTNER = 'dwp-uc';
const SUBJECT = { scheme: 'nino', id: 'AB123456C' };

export interface ErasureBackend {
  /** The log's origin (its key's name). */
  readonly origin: string;
  /** Starts `sightline serve` on the database. */
  start(): Promise<ServerProcess>;
  /** Extra arguments and environment of the CLI commands that reach that database. */
  readonly cliArgs: readonly string[];
  readonly cliEnv: Record<string, string>;
  /** The keys in `detail_keys` of the given entries, read while no server runs. */
  readKeys(indices: readonly number[]): Promise<Map<number, Uint8Array>>;
  /** After the server's clean stop: make the database's files final (stop a PostgreSQL server cleanly). */
  settle(): Promise<void>;
  /** Undoes `settle`, so that the server can start again. */
  resume(): Promise<void>;
  /** The directory holding every file of the database. */
  readonly dataDir: string;
}

/** The marker text of each entry, so that they can be told apart in a failure. */
export async function attackErasure(backend: ErasureBackend): Promise<void> {
  const run = (args: string[]) => runCli([...args, ...backend.cliArgs], backend.cliEnv);
  const keptMarker = `kept-marker-${randomBytes(12).toString('hex')}`;
  const erasedMarker = `erased-marker-${randomBytes(12).toString('hex')}`;
  const keptOpening = new Uint8Array(randomBytes(32));
  const erasedOpening = new Uint8Array(randomBytes(32));
  const seed = partnerKeyPair(PARTNER).seed;

  let server = await backend.start();
  let token: string;
  let operator: string;
  let kept: number;
  let erased: number;
  const post = async (url: string, body: Record<string, unknown>) => {
    const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { index: number };
    expect(res.status, JSON.stringify(json)).toBe(201);
    return json.index;
  };
  // An operator's read: recorded in the log (with why and under which law) before it is answered.
  const details = (url: string, index: number) =>
    fetch(`${url}/v1/entries/${index}/details?purpose=complaint-handling&legalBasis=ukgdpr-6-1-e`, { headers: { authorization: `Bearer ${operator}` } });
  try {
    const publicKey = Buffer.from(partnerKeyPair(PARTNER).publicKey).toString('base64');
    const added = await run(['partner', 'add', PARTNER, '--public-key', publicKey, '--json']);
    expect(added.stderr).toBe('');
    token = (JSON.parse(added.stdout) as { token: string }).token;
    operator = (JSON.parse((await run(['operator', 'add', 'casework', '--json'])).stdout) as { token: string }).token;
    const draft = (n: number) => accessDraft(PARTNER, n, '2026-06-01T09', SUBJECT.id);
    kept = await post(server.url, signedEvent({ ...draft(1), details: { note: keptMarker }, opening: keptOpening }, backend.origin, seed));
    erased = await post(server.url, signedEvent({ ...draft(2), details: { note: erasedMarker, caseRef: 'case-2' }, opening: erasedOpening }, backend.origin, seed));
    for (const [index, marker] of [[kept, keptMarker], [erased, erasedMarker]] as const) {
      const res = await details(server.url, index);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { details: { note: string } }).details.note).toBe(marker);
    }
  } finally {
    expect(await server.stop()).toBe(0);
  }

  // What an attacker with the files would use: the keys, as stored.
  const keys = await backend.readKeys([kept, erased]);
  expect(keys.get(kept)).toHaveLength(32);
  expect(keys.get(erased)).toHaveLength(32);

  server = await backend.start();
  let erasedBy: number;
  try {
    const erasure = targetingEvent('erasure', PARTNER, 3, '2026-06-01T10', erased);
    erasedBy = await post(server.url, signedEvent({ event: erasure, subject: SUBJECT, details: { reason: 'recorded against the wrong claimant' } }, backend.origin, seed));
    expect((await details(server.url, erased)).status).toBe(410);
  } finally {
    expect(await server.stop()).toBe(0);
  }
  // The server purged by itself (soon after the erasure, or as it stopped), with nothing in its way.
  expect(server.lines.filter((l) => l.msg === 'purged erased details')).toEqual([
    expect.objectContaining({ level: 'info', through: erasedBy, walFlushed: true }),
  ]);
  await backend.settle();

  expect(countFiles(backend.dataDir)).toBeGreaterThan(100);
  const needle = (what: string, bytes: Uint8Array): Needle => ({ what, bytes });
  const text = (s: string) => new TextEncoder().encode(s);
  const found = filesHolding(backend.dataDir, [
    needle('the erased details', text(erasedMarker)),
    needle('the erased opening', erasedOpening),
    needle('the erased key', keys.get(erased)!),
    // Never written in the clear at all: sealed before they reach the database.
    needle('the kept details', text(keptMarker)),
    needle('the kept opening', keptOpening),
    needle('the kept key', keys.get(kept)!),
  ]);
  // The control: a live key is on disk, so the search would have found the erased one.
  expect(found.filter((f) => f.what === 'the kept key').length).toBeGreaterThan(0);
  expect(found.filter((f) => f.what !== 'the kept key')).toEqual([]);

  // Nothing else was lost: the kept details read back after the restart; the erased stay erased.
  await backend.resume();
  server = await backend.start();
  try {
    const res = await details(server.url, kept);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { details: { note: string }; opening: string };
    expect(body.details.note).toBe(keptMarker);
    expect(body.opening).toBe(Buffer.from(keptOpening).toString('base64'));
    expect((await details(server.url, erased)).status).toBe(410);
  } finally {
    expect(await server.stop()).toBe(0);
  }
}
