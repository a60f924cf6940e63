/**
 * `npm run bench`: the benchmark. Runs the real server process (dist/cli/main.js) on a
 * PostgreSQL database of its own and on PGlite, drives it from a load generator in another
 * process (bench/load.ts), and prints one markdown report: the machine, every figure, the
 * targets, and the command that reproduces it.
 *
 * It trusts nothing the server says about itself: a sample of the receipts it returned is
 * verified against the final checkpoint with the log key made here, so a fast wrong answer
 * cannot pass (for typed events, the leaf too: the event sent, and a subject tag that the
 * log's year key derives); the preloaded growth log is checked with `sightline fsck --sample`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir, type as osType, release } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { decodeBase64, decodeHex, parseDecimal } from '../src/encoding/index.js';
import { openStore } from '../src/cli/store.js';
import { TAG_KEY_FILE, ensureLog } from '../src/cli/server.js';
import { formatEntryBundlePath, formatTilePath, leafHash, verifyConsistency, verifyInclusion, type Hash } from '../src/merkle/index.js';
import { openCheckpoint, parseNoteVerifier, parseSignerKey, type NoteVerifier } from '../src/note/index.js';
import { verifyReceipt } from '../src/receipt/index.js';
import { checkEventLeaf, newEventPartner, writeEventBodies } from './events.js';
import type { LoadResult, LoadSpec } from './load.js';
import { type BenchDatabase, benchDatabase } from './postgres.js';
import { appendLargeEntries, boundedLoad } from './bounded-load.js';
import { importBench } from './import.js';
import { ProcessMeter } from './meter.js';
import { mirrorBench } from './mirror.js';

const root = resolve(import.meta.dirname, '..');
const CLI = join(root, 'dist', 'cli', 'main.js');
const LOAD = join(root, 'bench', 'load.ts');
const NOOP = join(root, 'bench', 'noop-server.ts');

/** Most typed-event bodies made for one run (about 820 bytes each). */
const MAX_EVENT_BODIES = 600_000;
/** The raw write rate the event bodies are counted for when the PostgreSQL write section is skipped. */
const ASSUMED_RAW_RATE = 10_000;

/** Memory for full entry bundles on the server the reads run on (see the reads section). */
const READS_BUNDLE_CACHE_MIB = 256;

/** The logs of the service section: three bodies written to, and a small log read from. */
const SERVICE_BODIES = ['body-a', 'body-b', 'body-c'] as const;
const SMALL_LOG = 'small';
/** Requests per second of each read load on the small log (open loop, the same idle and busy). */
const SERVICE_READ_RATE = 200;
/** How far apart the load generators of one run of the service section start (see measureAll). */
const SERVICE_START_GAP_MS = 500;
/** The most connections of each load generator of the service section (three run at once). */
const SERVICE_MAX_CONNECTIONS = 256;

const HELP = `Usage: npm run bench -- [flags]

Measures the log server in one run: the HTTP ceiling (a no-op Hono endpoint), writes with
receipts on PostgreSQL (highest sustained rate, then half of it), reads, typed-event writes
on PostgreSQL, writes on PGlite, proof latency as the log grows from N/10 to N entries
(--growth), a full audit of that log by \`sightline monitor --once\`, and a mirror's
copy of it by \`sightline mirror --follow\` with reads from the mirror beside the log's. Prints a markdown
report.

Typed events (section "events"): signed access events from one partner (POST /v1/events)
on a log of their own, closed loop for --duration at the concurrency of the best PostgreSQL
write run (else --connections, or 256), with their ratio to raw writes. Their bodies are
signed beforehand, not measured: the raw write rate (else ${ASSUMED_RAW_RATE.toLocaleString('en-GB')}/s) x (warmup +
duration) x 1.2 of them, at most ${MAX_EVENT_BODIES.toLocaleString('en-GB')}.

A service of many logs (section "service"): one \`sightline serve --config\` on PostgreSQL
with four logs, each its own partner token. Writes on one log alone, then on three at once
(a load generator per log, each at the concurrency of the best PostgreSQL write run, else
--connections, or 256; at most ${SERVICE_MAX_CONNECTIONS}), each log's rate, their sum and its ratio to the one log alone; then
proof and /checkpoint latency on a small log (open loop, ${SERVICE_READ_RATE}/s each) with the others
idle, and while one of them takes writes at full speed; then (not with --quick), as a
control, the three at once again on a service whose logs each have a PostgreSQL database of
their own. Sampled receipts of every log are verified against its final checkpoint, and
sampled proofs against the small log's.

PostgreSQL: a fresh database on the server at 127.0.0.1:5432 (BENCH_PG_HOST, BENCH_PG_PORT),
or a throwaway server started with initdb/pg_ctl; dropped at the end.

Flags:
  --quick               a small version, under two minutes (used by CI to prove it still works)
  --duration S          seconds measured per write run (default 15; quick 3)
  --read-duration S     seconds measured per read route (default 8; quick 1.5)
  --connections N       connections of the load generator for writes (default: the best of a
                        short sweep over 64, 128, 256 and 512; quick: 128 and 256)
  --entry-bytes N       size of each entry written (default 300)
  --growth N            entries in the growth log (default 10000000; quick 200000);
                        proofs are measured at N/10 and at N
  --import-lines N      spend lines imported in the import section (default 1000000; quick 100000)
  --skip SECTION        leave out a section: ceiling, postgres, reads, events, service, pglite,
                        growth, mirror (the mirror of the growth log), bounded, import (repeatable)
  --out FILE            also write the report to FILE
  -h, --help            show this help
`;

interface Options {
  quick: boolean;
  duration: number;
  readDuration: number;
  /** Fixed write concurrency, or undefined to sweep for the best. */
  connections: number | undefined;
  entryBytes: number;
  growth: number;
  /** Spend lines imported in the import section. */
  importLines: number;
  skip: Set<string>;
  out: string | undefined;
}

/**
 * The machine's count of connections dropped because a listening socket's accept queue was
 * full (/proc/net/netstat, TcpExt ListenOverflows); undefined where it cannot be read.
 */
function listenOverflows(): number | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const names = lines[i]!.split(' ');
      const at = names.indexOf('ListenOverflows');
      if (at > 0) return Number(lines[i + 1]!.split(' ')[at]);
    }
  } catch {
    // not Linux
  }
  return undefined;
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function positive(text: string | undefined, name: string, fallback: number, max: number, fraction = false): number {
  if (text === undefined) return fallback;
  const n = fraction ? (/^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined) : parseDecimal(text);
  if (n === undefined || n <= 0 || n > max) fail(`--${name} must be a number above 0 and at most ${max}, got ${JSON.stringify(text)}`);
  return n;
}

function parseOptions(argv: string[]): Options | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        quick: { type: 'boolean' },
        duration: { type: 'string' },
        'read-duration': { type: 'string' },
        connections: { type: 'string' },
        'entry-bytes': { type: 'string' },
        growth: { type: 'string' },
        'import-lines': { type: 'string' },
        skip: { type: 'string', multiple: true },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const quick = v.quick ?? false;
  const sections = ['ceiling', 'postgres', 'reads', 'events', 'service', 'pglite', 'growth', 'mirror', 'bounded', 'import'];
  if (v.growth !== undefined && (parseDecimal(v.growth) ?? 0) < 10_000) fail(`--growth must be at least 10000 entries, got ${JSON.stringify(v.growth)}`);
  for (const s of v.skip ?? []) if (!sections.includes(s)) fail(`--skip takes one of ${sections.join(', ')}, got ${JSON.stringify(s)}`);
  return {
    quick,
    duration: positive(v.duration, 'duration', quick ? 3 : 15, 600, true),
    readDuration: positive(v['read-duration'], 'read-duration', quick ? 1.5 : 8, 600, true),
    connections: v.connections === undefined ? undefined : positive(v.connections, 'connections', 128, 4096),
    entryBytes: positive(v['entry-bytes'], 'entry-bytes', 300, 65_535),
    growth: positive(v.growth, 'growth', quick ? 200_000 : 10_000_000, 1e9),
    importLines: positive(v['import-lines'], 'import-lines', quick ? 100_000 : 1_000_000, 1e8),
    skip: new Set(v.skip ?? []),
    out: v.out,
  };
}

// ---- Processes ----------------------------------------------------------------------------

interface Running {
  readonly url: string;
  readonly pid: number;
  readonly meter: ProcessMeter;
  stop(): Promise<void>;
}

/** Starts a server process and waits for its `{"msg":"listening","url":…}` line. */
function startProcess(args: string[]): Promise<Running> {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolvePromise, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.includes('"listening"')) return;
      const url = String((JSON.parse(line) as { url: string }).url);
      resolvePromise({
        url,
        pid: child.pid!,
        meter: new ProcessMeter(child.pid!),
        async stop() {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
    void exited.then(() => reject(new Error(`${args.join(' ')} exited before listening: ${stderr.trim()}`)));
  });
}

/** The server as `npm start` and the Dockerfile run it (a larger young generation). */
const SERVER_NODE_FLAGS = ['--max-semi-space-size=64'];

/** The load generator is one address: the per-address limits are off, or they would be what is measured. */
function serve(args: string[]): Promise<Running> {
  return startProcess([...SERVER_NODE_FLAGS, CLI, 'serve', '--port', '0', '--address-rate-limit', '0', '--max-connections-per-address', '0', ...args]);
}

function cli(args: string[]): string {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  return execFileSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8', env });
}

function load(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolvePromise, reject) => {
    // The spec (thousands of paths) goes on stdin: too long for an argument.
    const child = spawn(process.execPath, ['--import', 'tsx', LOAD], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin.end(JSON.stringify(spec));
    // Decoded as one UTF-8 stream: a character split across two pipe chunks (the em dash of
    // every signature line) must not become three replacement characters.
    child.stdout.setEncoding('utf8');
    let out = '';
    child.stdout.on('data', (d: string) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolvePromise(JSON.parse(out) as LoadResult) : reject(new Error(`the load generator exited with ${code}`))));
  });
}

async function getText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res.text();
}

// ---- Report -------------------------------------------------------------------------------

const fmt = (n: number, digits = 0) => n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (n: number) => fmt(n, 1);

interface Measured {
  readonly load: LoadResult;
  readonly server: { cpuSeconds: number; peakRssMiB: number };
  readonly wallSeconds: number;
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Runs a load against a server, metering the server over exactly that run. */
async function measure(server: Running, spec: Omit<LoadSpec, 'origin'>): Promise<Measured> {
  return (await measureAll(server, [spec]))[0]!;
}

/**
 * Runs loads at once, each from a load generator of its own, metering the server over them
 * all: each result carries the server's figures for the whole run. With `startGapMs`, the
 * generators start that far apart, each warming up longer by what the later ones wait, so
 * that their measured windows still coincide: hundreds of connections opened in one burst
 * overflow the server's accept queue, and a dropped connection attempt is retried by the
 * kernel only after a second or three, which would be measured as a stalled log.
 */
async function measureAll(server: Running, specs: readonly Omit<LoadSpec, 'origin'>[], startGapMs = 0): Promise<Measured[]> {
  server.meter.start();
  const started = performance.now();
  const last = specs.length - 1;
  const after = (ms: number) => new Promise((r) => setTimeout(r, ms));
  try {
    const results = await Promise.all(
      specs.map(async (spec, k) => {
        await after(k * startGapMs);
        return load({ origin: server.url, ...spec, warmupMs: spec.warmupMs + (last - k) * startGapMs });
      }),
    );
    const figures = server.meter.stop();
    const wallSeconds = (performance.now() - started) / 1000;
    return results.map((result) => ({ load: result, server: figures, wallSeconds }));
  } catch (e) {
    server.meter.stop();
    throw e;
  }
}

// ---- Sections -----------------------------------------------------------------------------

interface WriteRun {
  readonly label: string;
  readonly m: Measured;
}

interface LogUnderTest {
  readonly server: Running;
  readonly verifier: NoteVerifier;
  readonly token: string;
}

const WRITE_HEADERS = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' });

/** A new log key written to `dir`, its verifier kept here: receipts are checked against it. */
function newLogKey(dir: string, name = 'log'): { keyFile: string; verifier: NoteVerifier } {
  const [signerKey, verifierKey] = cli(['keygen', '--origin', `bench.sightline.example/${name}`]).trim().split('\n');
  const keyFile = join(dir, `${name}.key`);
  writeFileSync(keyFile, signerKey + '\n', { mode: 0o600 });
  return { keyFile, verifier: parseNoteVerifier(verifierKey!) };
}

async function startLog(dir: string, store: string[], partnerFlags: string[] = [], serverFlags: string[] = []): Promise<LogUnderTest> {
  const { keyFile, verifier } = newLogKey(dir);
  // The token is recorded in the log (with the log's key) before it is stored.
  const { token } = JSON.parse(cli(['partner', 'add', 'bench', '--json', '--key-file', keyFile, ...partnerFlags, ...store])) as { token: string };
  const server = await serve(['--key-file', keyFile, ...store, ...serverFlags]);
  return { server, verifier, token };
}

/**
 * The concurrency at which a server sustains its highest write rate: short closed-loop runs
 * at each level of a sweep (or the one level given with --connections).
 */
async function bestConnections(server: Running, path: string, token: string, o: Options, label: string, notes: string[]): Promise<number> {
  if (o.connections !== undefined) return o.connections;
  const levels = o.quick ? [128, 256] : [64, 128, 256, 512];
  const rates: string[] = [];
  let best = { connections: levels[0]!, rate: 0 };
  for (const connections of levels) {
    progress(`${label}: probing writes with ${connections} connections`);
    const r = await load({
      origin: server.url,
      method: 'POST',
      paths: [path],
      headers: WRITE_HEADERS(token),
      entryBytes: o.entryBytes,
      connections,
      warmupMs: o.quick ? 300 : 1_000,
      durationMs: o.quick ? 1_500 : 4_000,
    });
    rates.push(`${connections}: ${fmt(r.rate)}/s`);
    if (r.errors === 0 && r.rate > best.rate) best = { connections, rate: r.rate };
  }
  notes.push(`${label}: concurrency sweep (requests/s by connections) ${rates.join(', ')}; the best, ${best.connections}, is measured`);
  return best.connections;
}

/** The highest sustained rate (closed loop), then half of it (open loop), with receipts sampled. */
async function writeRuns(log: LogUnderTest, o: Options, label: string, notes: string[]): Promise<{ runs: WriteRun[]; samples: LoadResult['samples']; connections: number }> {
  const connections = await bestConnections(log.server, '/v1/entries', log.token, o, label, notes);
  const base = {
    method: 'POST' as const,
    paths: ['/v1/entries'],
    headers: WRITE_HEADERS(log.token),
    entryBytes: o.entryBytes,
    connections,
    warmupMs: o.quick ? 500 : 2_000,
    durationMs: o.duration * 1000,
    sampleEvery: 97,
  };
  progress(`${label}: writes at the highest rate the server sustains (${connections} connections)`);
  const max = await measure(log.server, base);
  const half = Math.max(1, Math.round(max.load.rate / 2));
  progress(`${label}: writes at half of it, ${half}/s`);
  const atHalf = await measure(log.server, { ...base, rate: half });
  return {
    runs: [
      { label: `${label}, highest sustained rate (${connections} connections)`, m: max },
      { label: `${label}, at half of it (${fmt(half)}/s, open loop)`, m: atHalf },
    ],
    samples: [...max.load.samples, ...atHalf.load.samples],
    connections,
  };
}

/** `check(text)`, its failure saying what the text was: a wrong answer is shown, not only named. */
function withText<T>(text: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw new Error(`${(e as Error).message}, in the answer ${JSON.stringify(text.slice(0, 800))}`, { cause: e });
  }
}

/**
 * Every sampled receipt verifies for the entry that was sent (log signature, inclusion),
 * and its checkpoint is proven consistent with the final checkpoint: the entry is in the
 * final tree. `leafOf` gives the entry a sample's receipt is for (by default the body sent),
 * checking whatever else there is to check about it.
 */
async function verifySamples(
  log: { readonly server: Pick<Running, 'url'>; readonly verifier: NoteVerifier },
  samples: LoadResult['samples'],
  leafOf: (sample: LoadResult['samples'][number] & { entry: string }) => Uint8Array = (s) => bytes(s.entry),
): Promise<{ verified: number; finalSize: number }> {
  const final = openCheckpoint(await getText(`${log.server.url}/checkpoint`), log.verifier).checkpoint;
  const roots = new Map<number, Hash>();
  let verified = 0;
  for (const s of samples) {
    if (s.status !== 201 || s.entry === undefined) throw new Error(`a write failed: ${s.status} ${s.body.slice(0, 200)}`);
    const body = JSON.parse(s.body) as { receipt: string };
    const leaf = leafOf({ ...s, entry: s.entry });
    const receipt = withText(body.receipt, () => verifyReceipt(body.receipt, leaf, { log: log.verifier }));
    roots.set(receipt.checkpoint.treeSize, receipt.checkpoint.rootHash);
    verified++;
  }
  for (const [size, rootHash] of roots) {
    const json = JSON.parse(await getText(`${log.server.url}/v1/proofs/consistency?from=${size}&to=${final.treeSize}`)) as { consistencyProof: string[] };
    verifyConsistency(size, final.treeSize, json.consistencyProof.map(bytes), rootHash, final.rootHash);
  }
  return { verified, finalSize: final.treeSize };
}

function bytes(base64: string): Uint8Array {
  const b = decodeBase64(base64);
  if (b === undefined) throw new Error(`not base64: ${base64.slice(0, 40)}`);
  return b;
}

function randomInt(n: number): number {
  return Math.floor(Math.random() * n);
}

interface ReadRoute {
  readonly name: string;
  readonly paths: string[];
}

function readRoutes(treeSize: number, which: 'all' | 'proofs'): ReadRoute[] {
  const n = 4_000;
  const fullTiles = Math.floor(treeSize / 256);
  const routes: ReadRoute[] = [{ name: '`/checkpoint`', paths: ['/checkpoint'] }];
  if (which === 'all' && fullTiles > 0) {
    routes.push({ name: 'full tile (level 0, random)', paths: Array.from({ length: n }, () => '/' + formatTilePath({ level: 0, index: randomInt(fullTiles), width: 256 })) });
    if (treeSize % 256 !== 0) {
      routes.push({ name: 'partial tile (right edge, level 0)', paths: ['/' + formatTilePath({ level: 0, index: fullTiles, width: treeSize % 256 })] });
    }
    routes.push({ name: 'entry bundle (full, random)', paths: Array.from({ length: n }, () => '/' + formatEntryBundlePath({ index: randomInt(fullTiles), width: 256 })) });
  }
  routes.push({ name: 'inclusion proof (random index)', paths: Array.from({ length: n }, () => `/v1/proofs/inclusion?index=${randomInt(treeSize)}&treeSize=${treeSize}`) });
  routes.push({
    name: 'consistency proof (random sizes)',
    paths: Array.from({ length: n }, () => {
      const to = 1 + randomInt(treeSize);
      return `/v1/proofs/consistency?from=${1 + randomInt(to)}&to=${to}`;
    }),
  });
  return routes;
}

async function readRuns(server: Running, treeSize: number, o: Options, which: 'all' | 'proofs', connections = 64): Promise<{ name: string; m: Measured }[]> {
  const out: { name: string; m: Measured }[] = [];
  for (const route of readRoutes(treeSize, which)) {
    progress(`reads: ${route.name} at ${fmt(treeSize)} entries`);
    const m = await measure(server, { method: 'GET', paths: route.paths, connections, warmupMs: o.quick ? 300 : 1_000, durationMs: o.readDuration * 1000 });
    if (m.load.errors > 0) throw new Error(`reads: ${route.name}: ${m.load.errors} errors, e.g. ${JSON.stringify(m.load.samples[0])}`);
    out.push({ name: route.name, m });
  }
  return out;
}

/** What the raw PostgreSQL write section found, for the typed-event section. */
interface RawWrites {
  readonly rate: number;
  readonly connections: number;
  /** Server CPU seconds per write at that rate. */
  readonly cpuPerWrite: number;
}

interface EventWrites {
  readonly m: Measured;
  readonly connections: number;
  readonly bodies: number;
  readonly bodyBytes: number;
}

/**
 * Typed-event writes on a fresh PostgreSQL log: one partner with an event-signing key,
 * signed access events made beforehand (not measured), sent closed loop at the concurrency
 * of the best raw write run for the write duration. Sampled answers are checked like raw
 * writes' (receipt, consistency with the final checkpoint), and more: the leaf is the event
 * sent with its signature, and its subject tag is tag_j of the claimant's day key under the
 * log's year key; at the end the partner's numbers are gapless.
 */
async function eventWrites(db: BenchDatabase, o: Options, tmp: string, raw: RawWrites | undefined, notes: string[]): Promise<EventWrites> {
  const dir = mkdtempSync(join(tmp, 'events-'));
  const url = await db.create('events');
  const partner = newEventPartner('bench');
  const log = await startLog(dir, ['--database-url', url, '--data-dir', dir], ['--public-key', partner.publicKey]);
  try {
    const connections = raw?.connections ?? o.connections ?? 256;
    const warmupMs = o.quick ? 500 : 2_000;
    const durationMs = o.duration * 1000;
    const expected = raw?.rate ?? ASSUMED_RAW_RATE;
    const count = Math.min(MAX_EVENT_BODIES, Math.max(1_000, Math.ceil((expected * (warmupMs + durationMs) * 1.2) / 1000)));
    const file = join(dir, 'event-bodies.jsonl');
    progress(`events: signing ${fmt(count)} event bodies (${raw === undefined ? `an assumed ${fmt(expected)}/s` : `the raw rate, ${fmt(expected)}/s`} × ${fmt((warmupMs + durationMs) / 1000, 1)} s × 1.2)`);
    const made = await writeEventBodies(file, count, partner, log.verifier.name);
    progress(`events: made in ${fmt(made.seconds, 1)} s by ${made.processes} processes; writes at ${connections} connections`);
    const m = await measure(log.server, {
      method: 'POST',
      paths: ['/v1/events'],
      headers: { authorization: `Bearer ${log.token}`, 'content-type': 'application/json' },
      bodies: file,
      connections,
      warmupMs,
      durationMs,
      sampleEvery: 97,
    });
    rmSync(file);
    const sent = m.load.bodiesSent ?? 0;
    if (m.load.bodiesRanOut) {
      notes.push(`typed events: the ${fmt(count)} bodies made beforehand ran out ${fmt(m.load.seconds, 1)} s into the ${fmt(o.duration, 1)} s window; the rate is over those ${fmt(m.load.seconds, 1)} s`);
    }

    // The year keys the server derives subject tags with, from its own key file.
    const keys = JSON.parse(readFileSync(join(dir, TAG_KEY_FILE), 'utf8')) as Record<string, string>;
    const yearKey = (year: string) => {
      const key = keys[year] === undefined ? undefined : decodeHex(keys[year]);
      if (key === undefined) throw new Error(`no subject-tag key for ${year} in the server's ${TAG_KEY_FILE}`);
      return key;
    };
    const tags = new Set<string>();
    let maxJ = 0;
    const v = await verifySamples(log, m.load.samples, (s) => {
      const data = (JSON.parse(s.body) as { data?: string }).data;
      if (data === undefined) throw new Error(`an event answer has no data: ${s.body.slice(0, 200)}`);
      const leaf = bytes(data);
      const { tag, j } = checkEventLeaf(Buffer.from(s.entry, 'base64').toString('utf8'), leaf, yearKey);
      if (tags.has(tag)) throw new Error('two sampled events carry the same subject tag');
      tags.add(tag);
      maxJ = Math.max(maxJ, j);
      return leaf;
    });
    const seq = JSON.parse(await getText(`${log.server.url}/v1/partners/${partner.id}/sequence`)) as { last: number | null; count: number; gaps: unknown[] };
    if (seq.last !== sent || seq.count !== sent || seq.gaps.length > 0) {
      throw new Error(`events: ${fmt(sent)} events were sent, numbered 1 to ${fmt(sent)}, but the log holds ${fmt(seq.count)} up to ${seq.last} with ${seq.gaps.length} gaps`);
    }
    if (v.finalSize < sent) throw new Error(`events: ${fmt(sent)} events were accepted but the final tree has ${fmt(v.finalSize)} entries`);
    notes.push(
      `typed events: ${v.verified} sampled receipts verified with the log key, each proven consistent with the final checkpoint (size ${fmt(v.finalSize)}); ` +
        `each leaf holds the event and signature sent, and a subject tag that is tag_j of the claimant's day key under the server's year key (j from 0 to ${maxJ}, no tag twice); ` +
        `the partner's numbers in the log are 1 to ${fmt(sent)}, gapless`,
    );
    const perEvent = m.server.cpuSeconds / m.load.requests;
    notes.push(
      `typed events: ${fmt(count)} bodies (mean ${fmt(made.bytes / count)} bytes, 4,000 claimants, hours in September–October 2026) signed beforehand in ${fmt(made.seconds, 1)} s, not measured; ` +
        `server CPU per write: ${fmt(perEvent * 1000, 3)} ms per event` +
        (raw === undefined ? '' : ` against ${fmt(raw.cpuPerWrite * 1000, 3)} ms per raw entry (${fmt(perEvent / raw.cpuPerWrite, 1)}×)`),
    );
    return { m, connections, bodies: count, bodyBytes: made.bytes / count };
  } finally {
    await log.server.stop();
  }
}

function machine(pgVersion: string): string[] {
  const cpu = cpus();
  return [
    `- Date: ${new Date().toISOString().slice(0, 10)}`,
    `- Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30, 0)} GiB memory, ${osType()} ${release()}`,
    `- Node ${process.version}; ${pgVersion}; PGlite ${pgliteVersion()}`,
    `- Load generator: bench/load.ts (undici) in its own process on the same machine; server: \`node ${SERVER_NODE_FLAGS.join(' ')} dist/cli/main.js serve\` (as \`npm start\` runs it)`,
  ];
}

function pgliteVersion(): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The server's CPU time over a run, and as cores (CPU seconds per second of load). */
function cpu(m: Measured, l: LoadResult): string {
  return `${fmt(m.server.cpuSeconds, 1)} s (${fmt(m.server.cpuSeconds / l.seconds, 2)})`;
}

function writeRow(label: string, m: Measured, ceiling: number | undefined): string {
  const l = m.load;
  const share = ceiling === undefined ? '–' : fmt(l.rate / ceiling, 2);
  return `| ${label} | ${fmt(l.rate)} | ${share} | ${ms(l.latencyMs.p50)} | ${ms(l.latencyMs.p90)} | ${ms(l.latencyMs.p99)} | ${ms(l.latencyMs.max)} | ${l.errors} | ${cpu(m, l)} | ${fmt(m.server.peakRssMiB)} |`;
}

function readRow(name: string, m: Measured): string {
  const l = m.load;
  return `| ${name} | ${fmt(l.rate)} | ${ms(l.latencyMs.p50)} | ${ms(l.latencyMs.p99)} | ${ms(l.latencyMs.max)} | ${cpu(m, l)} | ${fmt(m.server.peakRssMiB)} |`;
}

// ---- Main ---------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'sightline-bench-'));
  let db: BenchDatabase | undefined;
  const report: string[] = [];
  const targets: string[] = [];
  const target = (figure: string, goal: string, value: string, met: boolean | undefined) => targets.push(`| ${figure} | ${goal} | ${value} | ${met === undefined ? '–' : met ? 'yes' : '**no**'} |`);
  try {
    db = ['postgres', 'reads', 'events', 'service', 'growth', 'import'].every((s) => o.skip.has(s)) ? undefined : await benchDatabase();
    const pgVersion = db ? await db.version() : 'PostgreSQL not used';
    progress(`PostgreSQL: ${db?.where ?? 'skipped'}`);

    const writeRows: string[] = [];
    const verifications: string[] = [];
    let ceiling: number | undefined;
    if (!o.skip.has('ceiling')) {
      progress('ceiling: a no-op Hono POST endpoint');
      const noop = await startProcess(['--import', 'tsx', NOOP]);
      const connections = await bestConnections(noop, '/noop', 'sl_none', o, 'no-op endpoint', verifications);
      const m = await measure(noop, {
        method: 'POST',
        paths: ['/noop'],
        headers: WRITE_HEADERS('sl_none'),
        entryBytes: o.entryBytes,
        connections,
        warmupMs: o.quick ? 500 : 2_000,
        durationMs: o.duration * 1000,
      });
      await noop.stop();
      ceiling = m.load.rate;
      writeRows.push(writeRow(`no-op Hono POST endpoint, the HTTP ceiling (${connections} connections)`, m, ceiling));
    }

    let readRows: string[] = [];
    let readSize = 0;
    let raw: RawWrites | undefined;
    if (db && !(o.skip.has('postgres') && o.skip.has('reads'))) {
      const dir = mkdtempSync(join(tmp, 'pg-'));
      // Memory for every full bundle of the log the reads run on, as an operator serving
      // mirrors and monitors would give it (the default, 64 MiB, holds about 850 bundles of
      // 300-byte entries): a bundle not in memory is a database read, ~0.5 ms of this
      // server's time in the driver.
      const log = await startLog(dir, ['--database-url', db.url, '--data-dir', dir], [], ['--bundle-cache-mb', String(READS_BUNDLE_CACHE_MIB)]);
      try {
        if (!o.skip.has('postgres')) {
          const { runs, samples, connections } = await writeRuns(log, o, 'PostgreSQL', verifications);
          for (const r of runs) writeRows.push(writeRow(r.label, r.m, ceiling));
          raw = { rate: runs[0]!.m.load.rate, connections, cpuPerWrite: runs[0]!.m.server.cpuSeconds / runs[0]!.m.load.requests };
          const v = await verifySamples(log, samples);
          verifications.push(`PostgreSQL: ${v.verified} sampled receipts verified with the log key, each proven consistent with the final checkpoint (size ${fmt(v.finalSize)})`);
          const [max, half] = runs as [WriteRun, WriteRun];
          target('writes with receipts, PostgreSQL', '≥ 10,000 entries/s', `${fmt(max.m.load.rate)}/s`, max.m.load.rate >= 10_000);
          if (ceiling !== undefined) target('as a share of the no-op endpoint', '≥ 0.5', fmt(max.m.load.rate / ceiling, 2), max.m.load.rate / ceiling >= 0.5);
          const lat = half.m.load.latencyMs;
          target('receipt latency at half the max rate', 'p50 ≤ 25 ms, p99 ≤ 100 ms', `p50 ${ms(lat.p50)} ms, p99 ${ms(lat.p99)} ms`, lat.p50 <= 25 && lat.p99 <= 100);
        }
        if (!o.skip.has('reads')) {
          readSize = openCheckpoint(await getText(`${log.server.url}/checkpoint`), log.verifier).checkpoint.treeSize;
          if (readSize === 0) {
            // Reads need a tree: write one quickly when the write section was skipped.
            await load({ origin: log.server.url, method: 'POST', paths: ['/v1/entries'], headers: WRITE_HEADERS(log.token), entryBytes: o.entryBytes, connections: 128, warmupMs: 0, durationMs: 2_000 });
            readSize = openCheckpoint(await getText(`${log.server.url}/checkpoint`), log.verifier).checkpoint.treeSize;
          }
          const reads = await readRuns(log.server, readSize, o, 'all');
          readRows = reads.map((r) => readRow(r.name, r.m));
          const proofs = reads.filter((r) => r.name.includes('proof'));
          const slowest = Math.min(...proofs.map((r) => r.m.load.rate));
          target('inclusion and consistency proofs', '≥ 10,000 requests/s', `${fmt(slowest)}/s (the slower of the two)`, slowest >= 10_000);
          const tile = reads.find((r) => r.name.startsWith('full tile'));
          const bundle = reads.find((r) => r.name.startsWith('entry bundle (full'));
          if (tile !== undefined && bundle !== undefined) {
            const ratio = bundle.m.load.rate / tile.m.load.rate;
            target('full entry bundles against full tiles (same run)', '≥ 0.5 of the full-tile rate', `${fmt(bundle.m.load.rate)}/s against ${fmt(tile.m.load.rate)}/s: ${fmt(ratio, 2)}`, ratio >= 0.5);
          }
        }
      } finally {
        await log.server.stop();
      }
    }

    let eventRows: string[] = [];
    if (db && !o.skip.has('events')) {
      const e = await eventWrites(db, o, tmp, raw, verifications);
      const l = e.m.load;
      const ratio = raw === undefined ? undefined : l.rate / raw.rate;
      eventRows = [
        `### Typed-event writes on PostgreSQL: signed access events (POST /v1/events, about ${fmt(e.bodyBytes)} bytes each), one partner, receipt in every answer, closed loop, ${fmt(l.seconds, 1)} s`,
        '',
        '| run | events/s | ratio to raw writes | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU time (cores) | server peak RSS MiB |',
        '|---|---|---|---|---|---|---|---|---|---|',
        `| PostgreSQL, typed events (${e.connections} connections${raw === undefined ? '; raw writes skipped' : ', as the best raw run'}) | ${fmt(l.rate)} | ${ratio === undefined ? '–' : fmt(ratio, 2)} | ${ms(l.latencyMs.p50)} | ${ms(l.latencyMs.p90)} | ${ms(l.latencyMs.p99)} | ${ms(l.latencyMs.max)} | ${l.errors} | ${cpu(e.m, l)} | ${fmt(e.m.server.peakRssMiB)} |`,
      ];
      targets.push(
        `| typed-event writes, PostgreSQL (${e.connections} connections) | no target (typed events; ratio to raw writes) | ${fmt(l.rate)}/s${ratio === undefined ? '' : ` (${fmt(ratio, 2)} of raw writes, ${fmt(raw!.rate)}/s)`}; p50 ${ms(l.latencyMs.p50)} ms, p99 ${ms(l.latencyMs.p99)} ms | – |`,
      );
    }

    if (!o.skip.has('pglite')) {
      const dir = mkdtempSync(join(tmp, 'pglite-'));
      const data = join(dir, 'data');
      const log = await startLog(dir, ['--data-dir', data]);
      try {
        const { runs, samples } = await writeRuns(log, o, 'PGlite', verifications);
        for (const r of runs) writeRows.push(writeRow(r.label, r.m, ceiling));
        const v = await verifySamples(log, samples);
        verifications.push(`PGlite: ${v.verified} sampled receipts verified with the log key, each proven consistent with the final checkpoint (size ${fmt(v.finalSize)})`);
        const max = runs[0]!.m.load.rate;
        target('writes with receipts, PGlite (the default)', '≥ 2,000 entries/s', `${fmt(max)}/s`, max >= 2_000);
      } finally {
        await log.server.stop();
      }
    }

    let serviceRows: string[] = [];
    if (db && !o.skip.has('service')) serviceRows = await service(db, o, tmp, raw, target, verifications);

    let boundedRows: string[] = [];
    if (!o.skip.has('bounded')) boundedRows = await bounded(tmp, o, target);

    let importRows: string[] = [];
    if (db && !o.skip.has('import')) importRows = await importSection(db, o, tmp, target, verifications);

    let growthRows: string[] = [];
    if (db && !o.skip.has('growth')) growthRows = await growth(db, o, tmp, target, verifications);

    report.push('## Sightline benchmark', '', ...machine(pgVersion), `- Command: \`npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}\``, '');
    if (targets.length > 0) report.push('### Targets', '', '| figure | target | measured | met |', '|---|---|---|---|', ...targets, '');
    if (writeRows.length > 0) {
      report.push(
        `### Writes: one distinct ${o.entryBytes}-byte entry per request, partner token, receipt in every answer, ${o.duration} s each`,
        '',
        '| run | entries/s | share of no-op | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU time (cores) | server peak RSS MiB |',
        '|---|---|---|---|---|---|---|---|---|---|',
        ...writeRows,
        '',
      );
    }
    if (readRows.length > 0) {
      report.push(
        `### Reads on PostgreSQL, a log of ${fmt(readSize)} entries, 64 connections, ${o.readDuration} s each, \`--bundle-cache-mb ${READS_BUNDLE_CACHE_MIB}\` (its full bundles are about ${fmt((Math.floor(readSize / 256) * 256 * (o.entryBytes + 2)) / 1024 / 1024)} MiB)`,
        '',
        '| request | requests/s | p50 ms | p99 ms | max ms | server CPU time (cores) | server peak RSS MiB |',
        '|---|---|---|---|---|---|---|',
        ...readRows,
        '',
      );
    }
    if (eventRows.length > 0) report.push(...eventRows, '');
    if (serviceRows.length > 0) report.push(...serviceRows, '');
    if (importRows.length > 0) report.push(...importRows, '');
    if (growthRows.length > 0) report.push(...growthRows, '');
    if (boundedRows.length > 0) report.push(...boundedRows, '');
    if (verifications.length > 0) report.push('### Checks and notes', '', ...verifications.map((v) => `- ${v}`), '');
    const text = report.join('\n');
    process.stdout.write(text + '\n');
    if (o.out !== undefined) writeFileSync(o.out, text + '\n');
  } finally {
    await db?.drop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The import section (bench/import.ts): a month of spending lines into a fresh PostgreSQL log. */
async function importSection(db: BenchDatabase, o: Options, tmp: string, target: (figure: string, goal: string, value: string, met: boolean | undefined) => void, notes: string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmp, 'import-'));
  const url = await db.create('import');
  const log = await startLog(dir, ['--database-url', url, '--data-dir', dir]);
  try {
    const r = await importBench({ cliPath: CLI, root, server: log.server, token: log.token, progress }, dir, o.importLines);
    target('record import (public money), PostgreSQL', '≥ 10,000 records/s with a receipt each', `${fmt(r.rate)}/s (${fmt(r.lines)} spend lines in ${fmt(r.seconds, 1)} s)`, r.rate >= 10_000);
    notes.push(
      `import: \`sightline import spend\` of ${fmt(r.lines)} lines (${fmt(r.fileBytes / 2 ** 20)} MiB of HM Treasury CSV) created ${fmt(r.summary.created)} records, refused none; the log grew by exactly ${fmt(r.lines)} entries, and the ${fmt(r.checked)} records of the period's first page hold the amounts and days of their lines`,
    );
    return [
      `### Record import on PostgreSQL: \`sightline import spend\` (its own process) of ${fmt(r.lines)} HM Treasury spending lines, a receipt for each record in the log's answers`,
      '',
      '| records | seconds | records/s | importer CPU s, peak RSS MiB | server CPU s (cores), peak RSS MiB |',
      '|---|---|---|---|---|',
      `| ${fmt(r.lines)} | ${fmt(r.seconds, 1)} | ${fmt(r.rate)} | ${fmt(r.importer.cpuSeconds, 1)}, ${fmt(r.importer.peakRssMiB)} | ${fmt(r.server.cpuSeconds, 1)} (${fmt(r.server.cpuSeconds / r.seconds, 2)}), ${fmt(r.server.peakRssMiB)} |`,
    ];
  } finally {
    await log.server.stop();
  }
}

/** A log of a service under test: its prefix URL, key and partner token. */
interface ServiceLog {
  readonly server: Pick<Running, 'url'>;
  readonly verifier: NoteVerifier;
  readonly token: string;
}

/**
 * Starts one `serve --config` with the logs `ids` on the database `url` (a log named in
 * `ownDatabases` lives in that PostgreSQL database instead), and gives each log a partner of
 * its own, added on its database while the server runs (recorded in that log with its key):
 * a token of one log is no token on another.
 */
async function startService(dir: string, url: string, ids: readonly string[], ownDatabases: ReadonlyMap<string, string> = new Map()): Promise<{ server: Running; logs: Map<string, ServiceLog> }> {
  const keys = new Map(ids.map((id) => [id, newLogKey(dir, id)]));
  const configFile = join(dir, 'service.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      operator: { name: 'Sightline benchmark', contact: ['bench@bench.sightline.example'] },
      logs: ids.map((id) => ({
        id,
        name: `Benchmark log ${id}`,
        origin: `bench.sightline.example/${id}`,
        keyFile: keys.get(id)!.keyFile,
        ...(ownDatabases.has(id) ? { databaseUrl: ownDatabases.get(id) } : {}),
      })),
    }),
  );
  const server = await serve(['--config', configFile, '--database-url', url, '--data-dir', dir]);
  try {
    const logs = new Map(
      ids.map((id) => {
        const store = ['--database-url', ownDatabases.get(id) ?? url, '--data-dir', dir];
        const { token } = JSON.parse(cli(['partner', 'add', 'bench', '--log', id, '--json', '--key-file', keys.get(id)!.keyFile, ...store])) as { token: string };
        return [id, { server: { url: `${server.url}/logs/${id}` }, verifier: keys.get(id)!.verifier, token }] as const;
      }),
    );
    return { server, logs };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

/**
 * A service of many logs on PostgreSQL (issue 16): one `serve --config` hosting four logs in
 * one database, a partner token for each. Shows (1) the write rate of one log alone and of
 * three written at once, a load generator per log; (2) proof and `/checkpoint` latency on a
 * small log with the others idle, and while one of them takes writes at full speed. Then,
 * as a control, the three at once again on a service whose logs each have a PostgreSQL
 * database of their own. Every log's sampled receipts are verified against its final
 * checkpoint with its key, and the small log's sampled proofs and checkpoints against its
 * final tree.
 */
async function service(
  db: BenchDatabase,
  o: Options,
  tmp: string,
  raw: RawWrites | undefined,
  target: (figure: string, goal: string, value: string, met: boolean | undefined) => void,
  notes: string[],
): Promise<string[]> {
  const ids = [...SERVICE_BODIES, SMALL_LOG];
  const asked = raw?.connections ?? o.connections ?? 256;
  const connections = Math.min(asked, SERVICE_MAX_CONNECTIONS);
  if (connections < asked) notes.push(`service: each load generator has ${connections} connections, not ${asked}: three generators of ${asked} had connections reset by the server (ECONNRESET) on this machine`);
  const warmupMs = o.quick ? 500 : 2_000;
  const [first] = SERVICE_BODIES;
  const writes = (logs: Map<string, ServiceLog>, id: string, durationMs = o.duration * 1000): Omit<LoadSpec, 'origin'> => ({
    method: 'POST',
    paths: [`/logs/${id}/v1/entries`],
    headers: WRITE_HEADERS(logs.get(id)!.token),
    entryBytes: o.entryBytes,
    connections,
    warmupMs,
    durationMs,
    sampleEvery: 97,
  });
  // A fresh server is slower on its first writes (compilation, connections, caches): every
  // body's log takes writes for a moment first, unmeasured, so that no run pays for it.
  const warmUp = (server: Running, logs: Map<string, ServiceLog>) => {
    progress(`service: warming up ${SERVICE_BODIES.join(', ')}`);
    return Promise.all(SERVICE_BODIES.map((id) => load({ origin: server.url, ...writes(logs, id, 1_000), warmupMs: 0, sampleEvery: 0 })));
  };
  const verifyAll = async (logs: Map<string, ServiceLog>, samples: Map<string, LoadResult['samples'][number][]>) => {
    const verified: string[] = [];
    for (const [id, s] of samples) {
      const v = await verifySamples(logs.get(id)!, s);
      verified.push(`${id} ${v.verified} (size ${fmt(v.finalSize)})`);
    }
    return verified.join(', ');
  };

  // Connections dropped by a full accept queue during a run (counted machine-wide): a stall
  // they cause is the kernel's retry, not the server's, so the report says when there were any.
  const overflowed: string[] = [];
  const overflowsIn = async <T>(run: string, f: () => Promise<T>): Promise<T> => {
    const before = listenOverflows();
    const result = await f();
    const after = listenOverflows();
    if (before !== undefined && after !== undefined && after > before) overflowed.push(`${run}: ${fmt(after - before)}`);
    return result;
  };

  const dir = mkdtempSync(join(tmp, 'service-'));
  progress(`service: ${ids.length} logs of one service on PostgreSQL`);
  const { server, logs } = await startService(dir, await db.create('service'), ids);
  let alone: Measured, together: Measured[], idle: Measured[], busy: Measured[], busyWrites: Measured;
  let smallSize: number;
  let readsChecked = 0;
  const reads: { name: string; spec: Omit<LoadSpec, 'origin'> }[] = [];
  try {
    const samples = new Map<string, LoadResult['samples'][number][]>(ids.map((id) => [id, []]));
    const keep = (id: string, m: Measured) => samples.get(id)!.push(...m.load.samples);
    await warmUp(server, logs);
    progress(`service: writes on ${first} alone (${connections} connections)`);
    alone = await measure(server, writes(logs, first));
    keep(first, alone);
    progress(`service: writes on ${SERVICE_BODIES.join(', ')} at once (${connections} connections each)`);
    together = await overflowsIn('three logs at once', () => measureAll(server, SERVICE_BODIES.map((id) => writes(logs, id)), SERVICE_START_GAP_MS));
    SERVICE_BODIES.forEach((id, i) => keep(id, together[i]!));

    // The small log: entries written first (every receipt kept, so that each proof asked
    // for below can be checked against the entry it proves).
    progress(`service: filling ${SMALL_LOG}`);
    const small = logs.get(SMALL_LOG)!;
    const fill = await load({ origin: server.url, method: 'POST', paths: [`/logs/${SMALL_LOG}/v1/entries`], headers: WRITE_HEADERS(small.token), entryBytes: o.entryBytes, connections: 32, warmupMs: 0, durationMs: 1_000, sampleEvery: 1 });
    samples.get(SMALL_LOG)!.push(...fill.samples);
    const final = openCheckpoint(await getText(`${small.server.url}/checkpoint`), small.verifier).checkpoint;
    smallSize = final.treeSize;
    const entryAt = new Map<number, Uint8Array>();
    for (const s of fill.samples) {
      if (s.status !== 201 || s.entry === undefined) throw new Error(`service: a write to ${SMALL_LOG} failed: ${s.status} ${s.body.slice(0, 200)}`);
      entryAt.set((JSON.parse(s.body) as { index: number }).index, bytes(s.entry));
    }
    const indices = [...entryAt.keys()];
    const read = { method: 'GET' as const, connections: 16, warmupMs, durationMs: o.readDuration * 1000, rate: SERVICE_READ_RATE, sampleEvery: 20 };
    reads.push(
      { name: `inclusion proof on \`${SMALL_LOG}\` (random index)`, spec: { ...read, paths: Array.from({ length: 4_000 }, () => `/logs/${SMALL_LOG}/v1/proofs/inclusion?index=${indices[randomInt(indices.length)]!}&treeSize=${final.treeSize}`) } },
      { name: `\`/logs/${SMALL_LOG}/checkpoint\``, spec: { ...read, paths: [`/logs/${SMALL_LOG}/checkpoint`] } },
    );
    // Every read answer counted, and the sampled ones checked: a proof for the entry written
    // at its index, to the small log's final root; a checkpoint signed with its key, at its final size.
    const checkReads = (runs: Measured[]) => {
      runs.forEach((m, i) => {
        if (m.load.errors > 0) throw new Error(`service: ${reads[i]!.name}: ${m.load.errors} errors, e.g. ${JSON.stringify(m.load.samples.find((s) => s.status !== 200))}`);
        for (const s of m.load.samples) {
          if (i === 0) {
            const p = JSON.parse(s.body) as { index: number; treeSize: number; inclusionProof: string[] };
            const entry = entryAt.get(p.index);
            if (entry === undefined || p.treeSize !== final.treeSize) throw new Error(`service: a proof for index ${p.index} at size ${p.treeSize} was not asked for`);
            verifyInclusion(leafHash(entry), p.index, p.treeSize, p.inclusionProof.map(bytes), final.rootHash);
          } else {
            const c = withText(s.body, () => openCheckpoint(s.body, small.verifier)).checkpoint;
            if (c.treeSize !== final.treeSize) throw new Error(`service: ${SMALL_LOG} moved from ${final.treeSize} to ${c.treeSize} entries while only read`);
          }
          readsChecked++;
        }
      });
    };
    progress(`service: reads on ${SMALL_LOG} (${fmt(final.treeSize)} entries), the other logs idle`);
    idle = await measureAll(server, reads.map((r) => r.spec));
    checkReads(idle);
    // The writes run a little longer than the reads, so that every read is measured while they go on.
    progress(`service: reads on ${SMALL_LOG} while ${first} takes writes (${connections} connections)`);
    [busyWrites, ...busy] = (await overflowsIn('reads while writes', () => measureAll(server, [writes(logs, first, o.readDuration * 1000 + 1_000), ...reads.map((r) => r.spec)], SERVICE_START_GAP_MS))) as [Measured, ...Measured[]];
    keep(first, busyWrites);
    checkReads(busy);
    notes.push(
      `service: sampled receipts verified with each log's key, each proven consistent with that log's final checkpoint: ${await verifyAll(logs, samples)}; ` +
        `${fmt(readsChecked)} sampled read answers on ${SMALL_LOG} checked (inclusion proofs for the entry written at that index to its final root, checkpoints signed by its key at its final size)`,
    );
  } finally {
    await server.stop();
  }

  // The control: the same three logs at once, each in a PostgreSQL database of its own (so
  // each its own connections), on one server process as before. Left out of the quick run
  // (its budget), where the section shows that it works rather than how fast.
  async function ownDatabases(): Promise<Measured[]> {
    const controlDir = mkdtempSync(join(tmp, 'service-own-'));
    const own = new Map<string, string>();
    for (const id of SERVICE_BODIES) own.set(id, await db.create(`service_${id.replace(/-/g, '_')}`));
    progress(`service: control, ${SERVICE_BODIES.length} logs each in a database of its own`);
    const control = await startService(controlDir, await db.create('service_control'), SERVICE_BODIES, own);
    try {
      await warmUp(control.server, control.logs);
      progress(`service: control, writes on ${SERVICE_BODIES.join(', ')} at once (${connections} connections each)`);
      const runs = await overflowsIn('the control', () => measureAll(control.server, SERVICE_BODIES.map((id) => writes(control.logs, id)), SERVICE_START_GAP_MS));
      const samples = new Map(SERVICE_BODIES.map((id, i) => [id, [...runs[i]!.load.samples]]));
      notes.push(`service, control (each log in a database of its own): sampled receipts verified likewise: ${await verifyAll(control.logs, samples)}`);
      return runs;
    } finally {
      await control.server.stop();
    }
  }
  let apart: Measured[] | undefined;
  if (!o.quick) apart = await ownDatabases();

  notes.push(
    overflowed.length === 0
      ? `service: no connection attempt was dropped by a full accept queue during the runs of several load generators at once (TcpExt ListenOverflows; they start ${fmt(SERVICE_START_GAP_MS)} ms apart, measured over the same window)`
      : `service: connection attempts dropped by a full accept queue (TcpExt ListenOverflows, machine-wide), each retried by the kernel after 1 s or more, so that some connections of a load generator stall: ${overflowed.join('; ')}`,
  );
  const sumOf = (runs: Measured[]) => runs.reduce((t, m) => t + m.load.rate, 0);
  const sum = sumOf(together);
  const ratio = sum / alone.load.rate;
  const genCpu = (runs: Measured[]) => fmt(runs.reduce((t, m) => t + m.load.cpuSeconds, 0) / runs[0]!.load.seconds, 2);
  notes.push(`service: the load generators' CPU (cores): ${genCpu([alone])} for one log alone, ${genCpu(together)} for the three together, on a machine of ${cpus().length} cores shared with the server and PostgreSQL`);
  // A sum reached by starving one log is not a service of many logs: each must get at least
  // half of an equal share.
  const fairShare = sum / together.length;
  const slowest = Math.min(...together.map((m) => m.load.rate));
  target(
    'writes with receipts, three logs of one service at once (PostgreSQL)',
    'sum ≥ one log alone, each log ≥ half an equal share',
    `${fmt(sum)}/s (${together.map((m) => fmt(m.load.rate)).join(' + ')}) against ${fmt(alone.load.rate)}/s alone: ${fmt(ratio, 2)}; the slowest log ${fmt(slowest / fairShare, 2)} of an equal share`,
    sum >= alone.load.rate && slowest >= fairShare / 2,
  );
  const lat = (m: Measured) => `${ms(m.load.latencyMs.p50)} / ${ms(m.load.latencyMs.p99)}`;
  const worst = Math.max(...busy.map((m, i) => m.load.latencyMs.p99 / Math.max(idle[i]!.load.latencyMs.p99, 0.05)));
  target('proof and checkpoint latency on a small log while another takes writes', 'no target (ratio to the other idle)', `p99 ratio ${fmt(worst, 2)} (the worse of the two)`, undefined);
  const writeLine = (run: string, id: string, m: Measured, cores: boolean) =>
    `| ${run} | ${id} | ${fmt(m.load.rate)} | ${ms(m.load.latencyMs.p50)} | ${ms(m.load.latencyMs.p99)} | ${ms(m.load.latencyMs.max)} | ${m.load.errors} | ${cores ? `${cpu(m, m.load)}, ${fmt(m.server.peakRssMiB)}` : ''} |`;
  const threeLines = (run: string, runs: Measured[]) => [
    ...SERVICE_BODIES.map((id, i) => writeLine(i === 0 ? run : '', id, runs[i]!, i === 0)),
    `| | **sum** | **${fmt(sumOf(runs))}** | | | | | ratio to one log alone: **${fmt(sumOf(runs) / alone.load.rate, 2)}** |`,
  ];
  return [
    `### A service of many logs: ${ids.length} logs of one \`serve --config\` on one PostgreSQL database (a schema each), a partner token per log, ${o.entryBytes}-byte entries, receipt in every answer, ${o.duration} s each`,
    '',
    '| run | log | entries/s | p50 ms | p99 ms | max ms | errors | server CPU time (cores), peak RSS MiB |',
    '|---|---|---|---|---|---|---|---|',
    writeLine(`one log alone (${connections} connections)`, first, alone, true),
    ...threeLines(`three logs at once (${connections} connections each)`, together),
    ...(apart === undefined ? [] : threeLines(`control: three logs at once, each in a PostgreSQL database of its own (${connections} connections each)`, apart)),
    '',
    `Latency on \`${SMALL_LOG}\` (${fmt(smallSize)} entries), open loop ${SERVICE_READ_RATE} requests/s each, proofs and checkpoints at once, ${o.readDuration} s:`,
    '',
    `| request | the other logs idle: p50 / p99 ms | while ${first} takes writes: p50 / p99 ms | ratio p50 / p99 |`,
    '|---|---|---|---|',
    ...reads.map((r, i) => {
      const a = idle[i]!.load.latencyMs;
      const b = busy[i]!.load.latencyMs;
      return `| ${r.name} | ${lat(idle[i]!)} | ${lat(busy[i]!)} | ${fmt(b.p50 / Math.max(a.p50, 0.05), 2)} / ${fmt(b.p99 / Math.max(a.p99, 0.05), 2)} |`;
    }),
    `| meanwhile: writes on ${first}, entries/s (${connections} connections) | – | ${fmt(busyWrites.load.rate)} (p99 ${ms(busyWrites.load.latencyMs.p99)} ms) | ${fmt(busyWrites.load.rate / alone.load.rate, 2)} of alone |`,
  ];
}

/** Entries of 64 KiB in the bounded-work log (issue 15 had 560): two full bundles. */
const BOUNDED_ENTRIES = 512;

/**
 * Bounded work under load (bench/bounded-load.ts), on PGlite with the per-address limits off:
 * 20 clients asking for the largest /v1/entries page, 6 asking for gzipped bundles, 12
 * sockets asking for 20 pages each and never reading (a 2 s send timeout); /checkpoint's
 * latency and the server's peak RSS meanwhile.
 */
async function bounded(tmp: string, o: Options, target: (figure: string, goal: string, value: string, met: boolean) => void): Promise<string[]> {
  progress(`bounded work: ${BOUNDED_ENTRIES} entries of 64 KiB, then large pages, gzipped bundles and sockets that never read`);
  const dir = mkdtempSync(join(tmp, 'bounded-'));
  const store = ['--data-dir', join(dir, 'data')];
  const { keyFile } = newLogKey(dir);
  const { token } = JSON.parse(cli(['partner', 'add', 'bench', '--json', '--key-file', keyFile, ...store])) as { token: string };
  const server = await serve(['--key-file', keyFile, '--send-timeout', '2', ...store]);
  try {
    await appendLargeEntries(server.url, token, BOUNDED_ENTRIES);
    const r = await boundedLoad({ url: server.url, pid: server.pid, durationMs: (o.quick ? 5 : 15) * 1000, pageClients: 20, gzipClients: 6, stalledSockets: 12, pipelined: 20, hangMs: 60_000 });
    const c = r.checkpoint;
    target('/checkpoint under the bounded-work load', 'p99 < 100 ms', `p99 ${ms(c.p99Ms)} ms`, c.p99Ms < 100);
    const cut = r.stalled.filter((s) => s.received < (s.asked * r.pageBytes) / 2).length;
    return [
      `### Bounded work under load: PGlite, ${BOUNDED_ENTRIES} entries of 64 KiB, per-address limits off, --send-timeout 2, ${o.quick ? 5 : 15} s`,
      '',
      '| figure | value |',
      '|---|---|',
      `| /checkpoint latency, p50 / p99 / max ms (${fmt(c.count)} requests, one client in a loop) | ${ms(c.p50Ms)} / ${ms(c.p99Ms)} / ${ms(c.maxMs)} |`,
      `| server peak RSS MiB | ${fmt(r.peakRssMiB)} |`,
      `| GET /v1/entries?start=0&count=1000 answered (20 clients), bytes each | ${fmt(r.pages)}, ${fmt(r.pageBytes)} |`,
      `| gzipped full entry bundles answered (6 clients) | ${fmt(r.gzipBundles)} |`,
      `| sockets that asked for 20 pages and never read, cut off by the send timeout | ${cut} of ${r.stalled.length} |`,
    ];
  } finally {
    await server.stop();
  }
}

/** The growth server's tile cache: the level-0 tiles of 10M entries, expanded, are 640 MiB. */
const GROWTH_TILE_CACHE_MIB = 1_024;

/**
 * Proofs and `/checkpoint` at N/10 and at N entries, on a log grown with the bulk preload
 * (through the real commit path) and checked with `sightline fsck --sample`.
 */
async function growth(
  db: BenchDatabase,
  o: Options,
  tmp: string,
  target: (figure: string, goal: string, value: string, met: boolean) => void,
  verifications: string[],
): Promise<string[]> {
  const dir = mkdtempSync(join(tmp, 'growth-'));
  const url = await db.create('growth');
  const { keyFile } = newLogKey(dir);
  const signer = parseSignerKey(readFileSync(keyFile, 'utf8').trim());
  const sizes = [Math.max(1_000, Math.floor(o.growth / 10)), o.growth];
  const columns: { size: number; reads: { name: string; m: Measured }[]; bytesPerEntry: number; preloadRate: number }[] = [];
  const { preload } = await import('./preload.js');
  const handle = await openStore({ databaseUrl: url, dataDir: dir });
  try {
    await ensureLog(handle.store, signer);
  } finally {
    await handle.close();
  }
  for (const size of sizes) {
    const started = performance.now();
    const from = columns.at(-1)?.size ?? 0;
    const h = await openStore({ databaseUrl: url, dataDir: dir });
    try {
      let last = 0;
      await preload(h.store, signer, signer.name, size, {
        entryBytes: o.entryBytes,
        onProgress: (n) => {
          if (n - last >= 1_000_000 || n === size) {
            last = n;
            progress(`growth: preloaded ${fmt(n)} of ${fmt(size)}`);
          }
        },
      });
    } finally {
      await h.close();
    }
    const preloadRate = (size - from) / ((performance.now() - started) / 1000);
    // A log that grew by itself would have been vacuumed on the way: do it now, so that
    // autovacuum does not run over millions of fresh rows while proofs are measured.
    progress(`growth: VACUUM ANALYZE at ${fmt(size)} entries`);
    await db.vacuum(url);
    const sample = o.quick ? 100 : 1_000;
    const fsckOut = cli(['fsck', '--sample', String(sample), '--database-url', url]).trim();
    verifications.push(`growth log at ${fmt(size)} entries: \`sightline fsck --sample ${sample}\`: ${fsckOut.replace(/^fsck: /, '')}`);
    const server = await serve(['--key-file', keyFile, '--database-url', url, '--data-dir', dir, '--tile-cache-mb', String(GROWTH_TILE_CACHE_MIB)]);
    try {
      // Warm the tile cache as a running log's would be: one proof per level-0 tile.
      progress(`growth: warming the tile cache at ${fmt(size)} entries`);
      const warm = Array.from({ length: Math.ceil(size / 256) }, (_, k) => `/v1/proofs/inclusion?index=${Math.min(size - 1, k * 256)}&treeSize=${size}`);
      await load({ origin: server.url, method: 'GET', paths: warm, connections: 32, warmupMs: 0, durationMs: Math.max(1_000, (warm.length / 2_000) * 1_000) });
      columns.push({ size, reads: await readRuns(server, size, o, 'proofs', 32), bytesPerEntry: (await db.size(url)) / size, preloadRate });
    } finally {
      await server.stop();
    }
  }
  const [a, b] = columns as [(typeof columns)[0], (typeof columns)[0]];
  const audited = await monitorAudit(['--key-file', keyFile, '--database-url', url, '--data-dir', dir], signer.verifierKey, b.size, tmp);
  verifications.push(
    `monitor: \`sightline monitor --once\` from an empty state audited all ${fmt(b.size)} entries (every entry bundle and tile fetched, every tile and the root recomputed, the consistency proof checked) in ${fmt(audited.seconds, 1)} s: ${fmt(b.size / audited.seconds)} entries/s; monitor CPU ${fmt(audited.cpuSeconds, 1)} s, peak RSS ${fmt(audited.peakRssMiB)} MiB; server CPU ${fmt(audited.server.cpuSeconds, 1)} s`,
  );
  const rows = [
    `### Growth: a log preloaded to ${fmt(a.size)} and then ${fmt(b.size)} entries on PostgreSQL, 32 connections, ${o.readDuration} s each, \`--tile-cache-mb ${GROWTH_TILE_CACHE_MIB}\`, cache warmed with one proof per level-0 tile`,
    '',
    `| figure | at ${fmt(a.size)} | at ${fmt(b.size)} | ratio |`,
    '|---|---|---|---|',
  ];
  let worst = 0;
  a.reads.forEach((r, i) => {
    const s = b.reads[i]!;
    const ratio = s.m.load.latencyMs.p50 / Math.max(r.m.load.latencyMs.p50, 0.05);
    if (r.name.includes('proof')) worst = Math.max(worst, ratio);
    rows.push(`| ${r.name}: requests/s | ${fmt(r.m.load.rate)} | ${fmt(s.m.load.rate)} | ${fmt(s.m.load.rate / r.m.load.rate, 2)} |`);
    rows.push(`| ${r.name}: p50 / p99 ms | ${ms(r.m.load.latencyMs.p50)} / ${ms(r.m.load.latencyMs.p99)} | ${ms(s.m.load.latencyMs.p50)} / ${ms(s.m.load.latencyMs.p99)} | ${fmt(ratio, 2)} |`);
    rows.push(`| ${r.name}: server CPU time (cores), peak RSS MiB | ${cpu(r.m, r.m.load)}, ${fmt(r.m.server.peakRssMiB)} | ${cpu(s.m, s.m.load)}, ${fmt(s.m.server.peakRssMiB)} | |`);
  });
  rows.push(`| storage bytes per entry (whole database) | ${fmt(a.bytesPerEntry)} | ${fmt(b.bytesPerEntry)} | ${fmt(b.bytesPerEntry / a.bytesPerEntry, 2)} |`);
  rows.push(`| bulk preload, entries/s | ${fmt(a.preloadRate)} | ${fmt(b.preloadRate)} | |`);
  target(`proof latency ${fmt(a.size)} → ${fmt(b.size)}`, 'flat (within noise)', `p50 ratio ${fmt(worst, 2)}`, worst <= 1.5);
  if (!o.skip.has('mirror')) {
    const auditRate = b.size / audited.seconds;
    const m = await mirrorBench(
      { start: (args) => startProcess([CLI, ...args]), serve, load, progress },
      { serveArgs: ['--key-file', keyFile, '--database-url', url, '--data-dir', dir], verifierKey: signer.verifierKey, origin: signer.name, size: b.size, databaseUrl: await db.create('mirror'), tmp, readSeconds: o.readDuration, quick: o.quick },
    );
    rows.push(
      '',
      `#### A mirror of the growth log: \`sightline mirror --follow\` on PostgreSQL copying all ${fmt(b.size)} entries from an empty state (every package verified with its subtree consistency proof, then cosigned), beside the monitor's full audit of the same log in this run`,
      '',
      '| figure | value |',
      '|---|---|',
      `| mirror catch-up, entries/s | ${fmt(m.rate)} (${fmt(m.seconds, 1)} s) |`,
      `| as a share of the monitor's audit rate (${fmt(auditRate)} entries/s) | ${fmt(m.rate / auditRate, 2)} |`,
      `| mirror CPU time (cores), peak RSS MiB | ${fmt(m.cpuSeconds / m.seconds, 2)}, ${fmt(m.peakRssMiB)} |`,
      '',
      `| reads, 32 connections, ${o.readDuration} s each | log: requests/s | log: p50 / p99 ms | mirror: requests/s | mirror: p50 / p99 ms | mirror / log |`,
      '|---|---|---|---|---|---|',
      ...m.reads.map(
        (r) =>
          `| ${r.name} | ${fmt(r.log.rate)} | ${ms(r.log.latencyMs.p50)} / ${ms(r.log.latencyMs.p99)} | ${fmt(r.mirror.rate)} | ${ms(r.mirror.latencyMs.p50)} / ${ms(r.mirror.latencyMs.p99)} | ${fmt(r.mirror.rate / r.log.rate, 2)} |`,
      ),
    );
  }
  return rows;
}

/**
 * A full audit by the real monitor of the log a server serves at `treeSize`, from an empty
 * state, on this machine: wall time, and the monitor's CPU time and peak memory, read from
 * /proc while it runs (the last reading before it exits).
 */
async function monitorAudit(serveArgs: string[], verifierKey: string, treeSize: number, tmp: string) {
  const server = await serve(serveArgs);
  try {
    progress(`monitor: auditing ${fmt(treeSize)} entries from an empty state`);
    server.meter.start();
    const started = performance.now();
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const child = spawn(process.execPath, [CLI, 'monitor', server.url, '--log-key', verifierKey, '--state', mkdtempSync(join(tmp, 'monitor-')), '--once'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => (stderr += d));
    child.stdout!.resume();
    // Read, not started: its CPU time counts from the process's start, and no timer of its
    // own outlives the child.
    const meter = new ProcessMeter(child.pid!);
    let last = { cpuSeconds: 0, peakRssMiB: 0 };
    const sampler = setInterval(() => {
      try {
        last = meter.read();
      } catch {
        // exited between readings
      }
    }, 100);
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`sightline monitor exited with ${code}: ${stderr.trim()}`);
    return { seconds, ...last, server: server.meter.stop() };
  } finally {
    await server.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
