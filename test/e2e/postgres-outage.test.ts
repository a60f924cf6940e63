/**
 * The real server under concurrent write load while its PostgreSQL dies (`pg_ctl stop -m
 * immediate`) and comes back, several times: while it is down every submission answers 503
 * with Retry-After in bounded time (never a hang, a 500 or internals in the body), /readyz
 * says the database is down and cached reads keep working; once it is back the server
 * recovers by itself; and nothing acknowledged is lost. Runs when DATABASE_URL is set, on a
 * throwaway cluster of its own (it never stops the shared server). LONG=1 does more outages.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, test } from 'vitest';
import { parseNoteVerifier } from '../../src/note/index.js';
import { verifyReceipt } from '../../src/receipt/index.js';
import { type ServerProcess, startServe } from '../support/cli.js';
import { runCli } from '../support/run-cli.js';
import { type ThrowawayPostgres, startThrowawayPostgres } from '../support/throwaway-postgres.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/waits.js';

if (process.env.DATABASE_URL === undefined) throw new Error('postgres-outage.test.ts needs DATABASE_URL (vitest.config.ts should have left it out)');

const OUTAGES = process.env.LONG ? 6 : 2;
/** How long each outage lasts, and how long the load runs before and after it. */
const DOWN_MS = 3_000;
const UP_MS = 2_000;
const WORKERS = 12;
/** The longest any answer may take while the database is down. */
const MAX_ANSWER_MS = 10_000;
/** How long the server may take to commit writes again once the database is back. */
const MAX_RECOVERY_MS = 15_000;
/** A request taking this long is a hang. */
const HANG_MS = 30_000;

/** What must never be in an answer's body: SQL, a stack trace, connection internals. */
const INTERNALS = [/\b(select|insert|update|delete)\b[\s\S]*\b(from|into|set)\b/i, /\n\s+at\s/, /Failed query/i, /\bparams:/i, /postgres:\/\//i];

interface Attempt {
  readonly entry: Uint8Array;
  readonly started: number;
  readonly ms: number;
  readonly status: number; // 0: no answer (a hang, or a refused connection)
  readonly body: string;
  readonly retryAfter: string | null;
}

const dir = tempDir('outage');
let pg: ThrowawayPostgres | undefined;
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.stop();
  await pg?.destroy();
});

test(`the server survives ${OUTAGES} database outages under write load and loses nothing acknowledged`, async () => {
  pg = await startThrowawayPostgres();
  const env = { DATABASE_URL: pg.url };
  const keygen = await runCli(['keygen', '--origin', 'outage.sightline.example/log']);
  expect(keygen.code, keygen.stderr).toBe(0);
  const [signerKey, verifierKey] = keygen.stdout.trim().split('\n') as [string, string];
  const keyFile = join(dir, 'log.key');
  writeFileSync(keyFile, signerKey + '\n', { mode: 0o600 });
  const verifier = parseNoteVerifier(verifierKey);
  // The test polls reads from one address as fast as it can through the outages: the
  // per-address limit (tested in its own files) is off, so that only the outage is measured.
  server = await startServe(['--key-file', keyFile, '--data-dir', join(dir, 'data'), '--address-rate-limit', '0'], env);
  const base = server.url;
  const added = await runCli(['partner', 'add', 'outage', '--json', '--key-file', keyFile], env);
  expect(added.code, added.stderr).toBe(0);
  const { token } = JSON.parse(added.stdout) as { token: string };

  const attempts: Attempt[] = [];
  let counter = 0;
  let loading = true;
  async function submit(): Promise<Attempt> {
    const entry = new TextEncoder().encode(`outage entry ${counter++} ${Math.random()}`);
    const started = performance.now();
    let status = 0;
    let body = '';
    let retryAfter: string | null = null;
    try {
      const res = await fetch(`${base}/v1/entries`, {
        method: 'POST',
        body: entry,
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(HANG_MS),
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      body = await res.text();
    } catch (e) {
      body = String(e);
    }
    const attempt = { entry, started, ms: performance.now() - started, status, body, retryAfter };
    attempts.push(attempt);
    return attempt;
  }
  const load = Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (loading) {
        const a = await submit();
        if (a.status !== 201) await sleep(20); // as a client honouring Retry-After would, but briskly
      }
    }),
  );

  /** GETs a path with a bound, for reads while the database is down. */
  async function get(path: string): Promise<{ status: number; body: string; ms: number; bytes: Uint8Array }> {
    const started = performance.now();
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(HANG_MS) });
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, body: new TextDecoder().decode(bytes), ms: performance.now() - started, bytes };
  }

  const windows: { down: number; up: number }[] = [];
  let longestDownMs = 0;
  let shed = 0;
  const recoveries: number[] = [];
  try {
    await sleep(UP_MS);
    // A full first tile, so that a tile read is one the cache can serve.
    await until(async () => Number((await get('/checkpoint')).body.split('\n')[1]) >= 256, 'the log to reach 256 entries');
    for (let outage = 0; outage < OUTAGES; outage++) {
      // What the caches hold before the outage: the checkpoint, the first tile, a proof.
      const checkpoint = await get('/checkpoint');
      expect(checkpoint.status).toBe(200);
      const size = Number(checkpoint.body.split('\n')[1]);
      expect(size).toBeGreaterThan(0);
      const tile = await get('/tile/0/000');
      expect(tile.status).toBe(200);
      const proof = await get(`/v1/proofs/inclusion?index=0&treeSize=${size}`);
      expect(proof.status, proof.body).toBe(200);

      await pg.stop();
      const down = performance.now();
      // Give the pool and the writer a moment to see their connections gone.
      await sleep(200);
      while (performance.now() - down < DOWN_MS) {
        const ready = await get('/readyz');
        expect(ready.status, ready.body).toBe(503);
        expect(ready.body).toMatch(/database/i);
        expect(ready.ms).toBeLessThan(MAX_ANSWER_MS);
        const cachedTile = await get('/tile/0/000');
        expect(cachedTile.status, cachedTile.body).toBe(200);
        expect(Buffer.from(cachedTile.bytes).equals(Buffer.from(tile.bytes.subarray(0, cachedTile.bytes.length)))).toBe(true);
        const cachedCheckpoint = await get('/checkpoint');
        expect(cachedCheckpoint.status, cachedCheckpoint.body).toBe(200);
        const cachedProof = await get(`/v1/proofs/inclusion?index=0&treeSize=${size}`);
        expect(cachedProof.status, cachedProof.body).toBe(200);
        expect(cachedProof.body).toBe(proof.body);
        await sleep(250);
      }
      const up = performance.now();
      windows.push({ down, up });
      await pg.start();
      const restarted = performance.now();
      // Writes commit again, without restarting the server, within a bound.
      let recovered: number | undefined;
      while (recovered === undefined && performance.now() - restarted < MAX_RECOVERY_MS) {
        if (attempts.some((a) => a.status === 201 && a.started >= restarted)) recovered = performance.now() - restarted;
        else await sleep(50);
      }
      expect(recovered, `writes did not succeed within ${MAX_RECOVERY_MS} ms of the database coming back`).toBeDefined();
      recoveries.push(recovered!);
      const ready = await get('/readyz');
      expect(ready.status, ready.body).toBe(200);
      await sleep(UP_MS);
    }
  } finally {
    loading = false;
    await load;
  }

  // Every answer: 201 or a 503 with Retry-After, in bounded time, with no internals.
  for (const a of attempts) {
    expect(a.status === 201 || a.status === 503, `a submission answered ${a.status} after ${Math.round(a.ms)} ms: ${a.body}`).toBe(true);
    for (const internal of INTERNALS) expect(a.body, `an answer shows internals: ${a.body}`).not.toMatch(internal);
    if (a.status === 503) {
      expect(a.retryAfter, a.body).toMatch(/^\d+$/);
      expect(a.body).toMatch(/"code":"(UNAVAILABLE|POOL_FULL|CONFLICT)"/);
    }
    const window = windows.find((w) => a.started >= w.down && a.started < w.up);
    if (window !== undefined) {
      expect(a.ms, `a submission sent ${Math.round(a.started - window.down)} ms into an outage of ${Math.round(window.up - window.down)} ms took ${Math.round(a.ms)} ms: ${a.status} ${a.body.slice(0, 300)}\n${server?.lines.filter((l) => l.level === 'error').slice(-5).map((l) => JSON.stringify(l)).join('\n')}`).toBeLessThanOrEqual(MAX_ANSWER_MS);
      longestDownMs = Math.max(longestDownMs, a.ms);
      // Sent and answered while the database was down: it cannot have been committed. (One
      // still waiting when the database came back may be committed after all.)
      if (a.started + a.ms < window.up) expect(a.status, a.body).toBe(503);
      if (a.status === 503) shed++;
    }
  }

  // Nothing acknowledged is lost: every receipt verifies and its entry is in the final log.
  const acknowledged = attempts.filter((a) => a.status === 201);
  expect(acknowledged.length).toBeGreaterThan(0);
  const byIndex = new Map<number, Uint8Array>();
  for (const a of acknowledged) {
    const result = JSON.parse(a.body) as { index: number; receipt: string };
    verifyReceipt(result.receipt, a.entry, { log: verifier });
    expect(byIndex.has(result.index), `index ${result.index} acknowledged twice`).toBe(false);
    byIndex.set(result.index, a.entry);
  }
  let lost = 0;
  for (const [index, entry] of byIndex) {
    // One retry: a kept-alive socket the server closes as it is reused fails the fetch.
    const read = () => fetch(`${base}/v1/entries/${index}`);
    const res = await read().catch(() => read());
    const stored = res.status === 200 ? ((await res.json()) as { data: string }).data : undefined;
    if (stored !== Buffer.from(entry).toString('base64')) lost++;
  }
  expect(lost, 'acknowledged entries lost').toBe(0);

  expect(await server.stop()).toBe(0);
  server = undefined;
  const checked = await runCli(['fsck'], env);
  expect(checked.code, checked.stdout + checked.stderr).toBe(0);
  expect(checked.stdout).toMatch(/fsck: ok/);

  console.log(
    `postgres outages: ${OUTAGES} survived; ${acknowledged.length} writes acknowledged, ${shed} shed with 503 while down; ` +
      `${lost} acknowledged entries lost; longest answer while down ${Math.round(longestDownMs)} ms; ` +
      `writes resumed ${recoveries.map((ms) => `${Math.round(ms)} ms`).join(', ')} after each restart`,
  );
}, 60_000 + OUTAGES * 45_000);
