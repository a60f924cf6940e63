/**
 * The crash drill: write load against the real server process, SIGKILL at random moments,
 * restart on the same data (a PGlite data directory or a PostgreSQL database), keep
 * writing; then check that nothing acknowledged was lost or changed and the log never
 * forked. Shared by test/e2e/crash.test.ts (PGlite) and test/e2e/postgres-crash.test.ts.
 *
 * The kill schedule comes from a seeded PRNG; the seed is printed, and `CRASH_SEED=N`
 * replays it (the writers' timing is the machine's, so a replay hits nearby moments).
 */
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { OPERATOR_PARTNER, parseEventLeaf, parseLogRecord } from '../../src/events/index.js';
import { verifyConsistency } from '../../src/merkle/index.js';
import { type NoteVerifier, openCheckpoint, parseNoteVerifier } from '../../src/note/index.js';
import { verifyReceipt } from '../../src/receipt/index.js';
import { type ServerProcess, startServe } from './cli.js';
import { runCli } from './run-cli.js';
import { accessDraft, partnerKeyPair, signedEvent } from './events.js';

export interface DrillOptions {
  /** Names the run in its summary line: `pglite`, `postgres`. */
  readonly backend: string;
  /** A scratch directory for the key files (and, for PGlite, the data directory inside it). */
  readonly dir: string;
  /** Where the log lives: `--data-dir DIR` for PGlite; `[]` with DATABASE_URL in `env` for PostgreSQL. */
  readonly storageArgs: readonly string[];
  readonly env: Record<string, string | undefined>;
  readonly kills: number;
  /** Concurrent writers of raw entries (one more writer posts typed events). */
  readonly writers?: number;
  /** The longest wait between a (re)start and the next kill, in ms. */
  readonly maxDelayMs?: number;
}

export interface DrillSummary {
  readonly seed: number;
  readonly kills: number;
  readonly acknowledged: number;
  readonly events: number;
  readonly lost: number;
  readonly forks: number;
  readonly treeSize: number;
  readonly seconds: number;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The seed of this run: CRASH_SEED if set (to replay a failure), else a fresh one. */
export function drillSeed(): number {
  const fixed = process.env.CRASH_SEED;
  if (fixed !== undefined && fixed !== '') {
    if (!/^\d{1,10}$/.test(fixed) || Number(fixed) > 0xffffffff) throw new Error(`CRASH_SEED ${JSON.stringify(fixed)} is not a 32-bit unsigned integer`);
    return Number(fixed);
  }
  return randomInt(0, 0xffffffff);
}

interface Ack {
  readonly index: number;
  /** The entry's bytes as the log holds them (for a typed event, the leaf the log built). */
  readonly data: Uint8Array;
  readonly receipt: string;
  readonly checkpoint: string;
  readonly status: number;
  /** Which incarnation of the server answered. */
  readonly life: number;
}

interface WriteResponse {
  index: number;
  data?: string;
  receipt: string;
  checkpoint: string;
}

const ORIGIN = 'crash.sightline.example/log';
const EVENT_PARTNER = 'crash-events';
const RAW_PARTNER = 'crash-raw';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A network failure (the server is down, or died mid-request), as opposed to an answer. */
function isNetworkError(e: unknown): boolean {
  return e instanceof TypeError || (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError'));
}

/**
 * A GET during the checks. Retried on a network error only: a kept-alive socket the
 * server closed as idle just as it was reused fails with "other side closed".
 */
async function get(url: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      if (!isNetworkError(e) || attempt === 5) throw e;
      await sleep(50 * attempt);
    }
  }
}

export async function runCrashDrill(options: DrillOptions): Promise<DrillSummary> {
  const seed = drillSeed();
  const random = prng(seed);
  const label = `crash drill [${options.backend}] seed ${seed}`;
  console.log(`${label}: ${options.kills} kills (replay with CRASH_SEED=${seed})`);
  const started = performance.now();
  const { env, dir } = options;
  const storage = [...options.storageArgs];

  const keygen = await runCli(['keygen', '--origin', ORIGIN]);
  expect(keygen.code, keygen.stderr).toBe(0);
  const [signerKey, verifierKey] = keygen.stdout.trim().split('\n') as [string, string];
  const keyFile = join(dir, 'log.key');
  writeFileSync(keyFile, signerKey + '\n', { mode: 0o600 });
  const tagKeys = join(dir, 'tag-keys.json');
  writeFileSync(tagKeys, JSON.stringify({ '2026': '5a'.repeat(32) }), { mode: 0o600 });
  const verifier: NoteVerifier = parseNoteVerifier(verifierKey);
  const serveArgs = ['--key-file', keyFile, '--tag-key-file', tagKeys, ...storage];

  let life = 0;
  let aborted = false;
  const restartMs: number[] = [];
  let server: ServerProcess | undefined;
  let url = '';
  const start = async (): Promise<void> => {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${label}: the server did not start within 60 s after kill ${life}`)), 60_000).unref());
    try {
      server = await Promise.race([startServe(serveArgs, env), timeout]);
    } catch (e) {
      throw new Error(`${label}: the server failed to start again after kill ${life} of ${options.kills} on the same ${options.backend} data: ${(e as Error).message}`, { cause: e });
    }
    url = server.url;
  };
  await start();
  try {
    return await drive();
  } catch (e) {
    // Leave no server and no writer behind a failed run.
    aborted = true;
    server?.child.kill('SIGKILL');
    throw e;
  }

  async function drive(): Promise<DrillSummary> {
    const tokens: Record<string, string> = {};
    for (const [id, args] of [
      [RAW_PARTNER, []],
      [EVENT_PARTNER, ['--public-key', b64(partnerKeyPair(EVENT_PARTNER).publicKey)]],
    ] as const) {
      const added = await runCli(['partner', 'add', id, ...args, '--json', '--key-file', keyFile, ...storage], env);
      expect(added.code, added.stderr).toBe(0);
      tokens[id] = (JSON.parse(added.stdout) as { token: string }).token;
    }

    const acks: Ack[] = [];
    const checkpoints = new Set<string>();
    const problems: string[] = [];
    let retries = 0;
    let stopping = false;

    /** POSTs one body until some incarnation of the server answers it with a 2xx. */
    async function post(path: string, token: string, body: Uint8Array | string, json: boolean): Promise<Ack> {
      for (let failures = 0; ; failures++) {
        if (aborted) throw new Error(`${label}: the run failed`);
        const at = life;
        let res: Response;
        let text: string;
        try {
          res = await fetch(`${url}${path}`, {
            method: 'POST',
            body,
            headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
            signal: AbortSignal.timeout(30_000),
          });
          text = await res.text();
        } catch (e) {
          if (!isNetworkError(e)) throw e;
          retries++;
          // The server is down: back off (up to 200 ms) so the writers don't starve its restart.
          await sleep(Math.random() * Math.min(200, 10 * 2 ** failures));
          continue;
        }
        if (res.status === 503 || res.status === 500 || res.status === 429) {
          // Nothing is lost by retrying: a committed entry comes back as a duplicate.
          retries++;
          await sleep(Math.random() * Math.min(200, 10 * 2 ** failures));
          continue;
        }
        if (res.status !== 200 && res.status !== 201) {
          throw new Error(`${label}: POST ${path} answered ${res.status}: ${text}`);
        }
        const r = JSON.parse(text) as WriteResponse;
        const data = r.data !== undefined ? new Uint8Array(Buffer.from(r.data, 'base64')) : (body as Uint8Array);
        const ack: Ack = { index: r.index, data, receipt: r.receipt, checkpoint: r.checkpoint, status: res.status, life: at };
        acks.push(ack);
        checkpoints.add(r.checkpoint);
        return ack;
      }
    }

    // Raw-entry writers: each posts distinct entries, one at a time, each until acknowledged.
    const rawAcked = new Map<string, Ack>();
    const writers = Array.from({ length: options.writers ?? 32 }, async (_, w) => {
      for (let n = 0; !stopping; n++) {
        const entry = new TextEncoder().encode(`crash drill ${options.backend} seed ${seed} writer ${w} entry ${n}`);
        rawAcked.set(hex(entry), await post('/v1/entries', tokens[RAW_PARTNER]!, entry, false));
      }
    });
    // One writer of typed events: each body signed once and replayed as is until acknowledged.
    let eventCount = 0;
    const eventWriter = (async () => {
      const { seed: partnerSeed } = partnerKeyPair(EVENT_PARTNER);
      for (let seq = 1; !stopping; seq++) {
        const body = JSON.stringify(signedEvent(accessDraft(EVENT_PARTNER, seq, '2026-06-01T10', 'AB123456C'), ORIGIN, partnerSeed));
        await post('/v1/events', tokens[EVENT_PARTNER]!, body, true);
        eventCount++;
        await sleep(20);
      }
    })();
    // A reader of the checkpoint, so heads nobody got a receipt against are compared too.
    const reader = (async () => {
      while (!stopping) {
        try {
          const res = await fetch(`${url}/checkpoint`, { signal: AbortSignal.timeout(10_000) });
          if (res.status === 200) checkpoints.add(await res.text());
        } catch (e) {
          if (!isNetworkError(e)) throw e;
        }
        await sleep(25);
      }
    })();
    const load = Promise.all([...writers, eventWriter, reader]);
    load.catch(() => {}); // awaited below; a failure must not go unhandled while we kill

    let survived = 0;
    try {
      for (let k = 0; k < options.kills; k++) {
        await Promise.race([sleep(random() * (options.maxDelayMs ?? 1_200)), load]);
        const victim = server!;
        const exited = new Promise<void>((r) => (victim.child.exitCode !== null || victim.child.signalCode !== null ? r() : victim.child.once('exit', () => r())));
        victim.child.kill('SIGKILL');
        await exited;
        life++;
        const down = performance.now();
        await start();
        restartMs.push(performance.now() - down);
        survived++;
        // An entry acknowledged before the kill, sent again: the same index, as a duplicate.
        const known = [...rawAcked.entries()];
        if (known.length > 0) {
          const [entryHex, first] = known[Math.floor(random() * known.length)]!;
          const again = await post('/v1/entries', tokens[RAW_PARTNER]!, new Uint8Array(Buffer.from(entryHex, 'hex')), false);
          if (again.index !== first.index || again.status !== 200) {
            problems.push(`entry acknowledged at ${first.index} was given ${again.index} (status ${again.status}) when sent again after kill ${life}`);
          }
        }
      }
      await Promise.race([sleep(300), load]);
    } finally {
      stopping = true;
    }
    await load; // every writer finishes its entry in hand: each entry it made is acknowledged

    // The final head.
    const finalText = await (await get(`${url}/checkpoint`)).text();
    checkpoints.add(finalText);
    const final = openCheckpoint(finalText, verifier).checkpoint;

    // Every receipt verifies; one entry per index and one index per entry.
    const entryAt = new Map<number, string>();
    const indexOf = new Map<string, number>();
    for (const a of acks) {
      try {
        verifyReceipt(a.receipt, a.data, { log: verifier });
      } catch (e) {
        problems.push(`receipt for entry ${a.index} does not verify: ${(e as Error).message}`);
      }
      const key = hex(a.data);
      const other = entryAt.get(a.index);
      if (other !== undefined && other !== key) problems.push(`index ${a.index} was handed out for two different entries`);
      entryAt.set(a.index, key);
      const before = indexOf.get(key);
      if (before !== undefined && before !== a.index) problems.push(`one entry was acknowledged at ${before} and at ${a.index}`);
      indexOf.set(key, a.index);
    }

    // No size ever signed with two roots; every head seen is consistent with the final one.
    const rootBySize = new Map<number, string>();
    let forks = 0;
    const heads: { treeSize: number; rootHash: Uint8Array }[] = [];
    for (const text of checkpoints) {
      const { checkpoint } = openCheckpoint(text, verifier);
      const root = b64(checkpoint.rootHash);
      const seen = rootBySize.get(checkpoint.treeSize);
      if (seen === undefined) {
        rootBySize.set(checkpoint.treeSize, root);
        heads.push(checkpoint);
      } else if (seen !== root) {
        forks++;
        problems.push(`tree size ${checkpoint.treeSize} was signed with two roots: ${seen} and ${root}`);
      }
    }
    for (let i = 0; i < heads.length; i += 16) {
      await Promise.all(
        heads.slice(i, i + 16).map(async (h) => {
          if (h.treeSize > final.treeSize) {
            problems.push(`a checkpoint of size ${h.treeSize} was seen, beyond the final size ${final.treeSize}`);
            return;
          }
          const res = await get(`${url}/v1/proofs/consistency?from=${h.treeSize}&to=${final.treeSize}`);
          const body = (await res.json()) as { consistencyProof: string[] };
          try {
            expect(res.status, JSON.stringify(body)).toBe(200);
            const proof = body.consistencyProof.map((p) => new Uint8Array(Buffer.from(p, 'base64')));
            verifyConsistency(h.treeSize, final.treeSize, proof, h.rootHash, final.rootHash);
          } catch (e) {
            problems.push(`the checkpoint of size ${h.treeSize} is not consistent with the final one of size ${final.treeSize}: ${(e as Error).message}`);
          }
        }),
      );
    }

    // Every acknowledged entry is in the log at its index, and the log holds nothing else.
    let lost = 0;
    const inLog = new Map<number, string>();
    // Pages are bounded in bytes too: each goes on where the last one ended.
    for (let start = 0; start < final.treeSize; ) {
      const res = await get(`${url}/v1/entries?start=${start}&count=1000`);
      const { entries } = (await res.json()) as { entries: { index: number; data: string }[] };
      for (const e of entries) inLog.set(e.index, Buffer.from(e.data, 'base64').toString('hex'));
      if (entries.length === 0) break;
      start = entries.at(-1)!.index + 1;
    }
    for (const [index, key] of entryAt) {
      if (inLog.get(index) !== key) {
        lost++;
        problems.push(`entry acknowledged at ${index} is ${inLog.has(index) ? 'replaced by other bytes' : 'missing'} in the log of size ${final.treeSize}`);
      }
    }
    // Spot-check the one-entry endpoint too.
    for (const index of [...entryAt.keys()].filter((_, i) => i % 97 === 0)) {
      const res = await get(`${url}/v1/entries/${index}`);
      const { data } = (await res.json()) as { data: string };
      if (Buffer.from(data, 'base64').toString('hex') !== entryAt.get(index)) problems.push(`GET /v1/entries/${index} differs from the acknowledged entry`);
    }
    // Besides the acknowledged entries, the log holds only its own records: the code lists it
    // serves, recorded once on the first start (a restart with the same lists adds none), and
    // the operator's record of each partner it gave a token (one each, before the token).
    const stray = [...inLog.keys()].filter((i) => !entryAt.has(i));
    const issued = (i: number) => {
      let leaf;
      try {
        leaf = parseEventLeaf(Buffer.from(inLog.get(i)!, 'hex'));
      } catch {
        return undefined;
      }
      const e = leaf?.event;
      return e?.partner === OPERATOR_PARTNER && e.type === 'credential' && e.action === 'issue' ? String(e.account) : undefined;
    };
    const records = stray.filter((i) => parseLogRecord(Buffer.from(inLog.get(i)!, 'hex')) !== undefined);
    const credentials = stray.map(issued).filter((a) => a !== undefined).sort();
    const expectedCredentials = [RAW_PARTNER, EVENT_PARTNER].sort();
    if (records.length !== 1 || JSON.stringify(credentials) !== JSON.stringify(expectedCredentials) || stray.length !== 3 || inLog.size !== final.treeSize) {
      const show = (i: number) => `${i}: ${Buffer.from(inLog.get(i)!, 'hex').toString('utf8').slice(0, 160)}`;
      problems.push(
        `the log holds ${final.treeSize} entries: ${entryAt.size} acknowledged, and ${stray.length} nobody was given (expected only the code-list record and a credential per partner): ` +
          stray.slice(0, 5).map(show).join(' | '),
      );
    }

    const code = await server!.stop();
    if (code !== 0) problems.push(`the server exited with ${code} on SIGTERM`);
    const fsck = await runCli(['fsck', ...storage], env);
    if (fsck.code !== 0 || !fsck.stdout.startsWith(`fsck: ok, ${final.treeSize} entries`)) {
      problems.push(`fsck exited with ${fsck.code}: ${fsck.stdout}${fsck.stderr}`);
    }

    const seconds = (performance.now() - started) / 1000;
    const summary: DrillSummary = { seed, kills: survived, acknowledged: entryAt.size, events: eventCount, lost, forks, treeSize: final.treeSize, seconds };
    console.log(
      `${label}: kills survived ${survived}, entries acknowledged ${entryAt.size} (${eventCount} typed events, ${acks.length} 2xx answers, ${retries} retries), ` +
        `entries lost ${lost}, forks ${forks}, checkpoints seen ${checkpoints.size}, final size ${final.treeSize}, ` +
        `restart ${restartMs.length === 0 ? '-' : `${Math.round(restartMs.reduce((a, b) => a + b, 0) / restartMs.length)} ms mean, ${Math.round(Math.max(...restartMs))} ms max`}, duration ${seconds.toFixed(1)} s`,
    );
    expect(problems, `${label}: replay with CRASH_SEED=${seed}`).toEqual([]);
    return summary;
  }
}

/** How many kills a run makes: 4 by default, at least 50 with LONG=1 (or CRASH_KILLS). */
export function drillKills(): number {
  const fixed = process.env.CRASH_KILLS;
  if (fixed !== undefined && /^\d+$/.test(fixed)) return Number(fixed);
  return process.env.LONG ? 50 : 4;
}
