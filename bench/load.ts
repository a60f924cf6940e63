/**
 * The load generator: runs in its own process (so its CPU is not the server's), drives one
 * URL over a pool of keep-alive connections with undici, and prints one JSON result.
 *
 * Two modes:
 *  - closed loop (`rate` absent): every connection sends its next request as soon as the
 *    last is answered; the completion rate is the sustained maximum at that concurrency.
 *  - open loop (`rate` given): requests start on a fixed schedule whatever the server does,
 *    and latency is measured from the *scheduled* start, so a stalled server is charged for
 *    every request it delayed (no coordinated omission).
 *
 * POST bodies are either made here (`entryBytes`: distinct entries, cheap to make) or read
 * from a file made beforehand (`bodies`: one a line, each sent once, in file order), for
 * bodies that cost more to make than the server takes to check them (signed typed events).
 *
 * Usage: node --import tsx bench/load.ts < spec.json   (a LoadSpec; the result on stdout)
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { accessEventPrefix } from './entries.js';

export interface LoadSpec {
  readonly origin: string;
  readonly method: 'GET' | 'POST';
  /** Paths to request, taken in turn. */
  readonly paths: readonly string[];
  readonly headers?: Record<string, string>;
  /** POST bodies: each request one distinct entry of about this many bytes. */
  readonly entryBytes?: number;
  /**
   * POST bodies instead: a file of bodies, one a line (so none may hold a newline), sent in
   * file order, each once. When they run out the run stops there: the measured window ends
   * at that moment (`bodiesRanOut`), and running out during the warmup is an error.
   */
  readonly bodies?: string;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Requests per second, open loop; absent for closed loop. */
  readonly rate?: number;
  /** Keep every Nth answered body (with its entry) for verification; 0 keeps none. */
  readonly sampleEvery?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rate: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /** The generator's own CPU seconds during the measured window. */
  readonly cpuSeconds: number;
  /** With `bodies`: how many were sent (warmup and measured window alike), and whether they ran out. */
  readonly bodiesSent?: number;
  readonly bodiesRanOut?: boolean;
  /** Kept answers; `entry` is the body sent (base64). */
  readonly samples: { readonly entry?: string; readonly status: number; readonly body: string }[];
}

/** The lines of a file of bodies, as views of one buffer. */
function readBodies(file: string): Buffer[] {
  const data = readFileSync(file);
  const out: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    let nl = data.indexOf(10, at);
    if (nl === -1) nl = data.length;
    if (nl > at) out.push(data.subarray(at, nl));
    at = nl + 1;
  }
  return out;
}

/** A distinct entry of about `bytes` bytes for each counter value (see `./entries.ts`). */
export function entryMaker(bytes: number): (n: number) => Buffer {
  const head = accessEventPrefix();
  return (n) => {
    const fill = Math.max(0, bytes - head.length - 24);
    return Buffer.from(`${head}${n},"pad":"${'x'.repeat(fill)}"}`);
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const pool = new Pool(spec.origin, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  if (spec.bodies !== undefined && spec.entryBytes !== undefined) throw new Error('give entryBytes or bodies, not both');
  const fromFile = spec.bodies === undefined ? undefined : readBodies(spec.bodies);
  const makeEntry = spec.entryBytes !== undefined ? entryMaker(spec.entryBytes) : fromFile && ((n: number) => fromFile[n]);
  const sampleEvery = spec.sampleEvery ?? 0;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const samples: LoadResult['samples'][number][] = [];
  let sent = 0;
  let errors = 0;
  let measured = 0;
  let ranOut = false;

  /**
   * One request through undici's dispatch API: no response stream objects, and the body
   * kept only when asked for, so that the generator costs the machine as little as it can.
   */
  function send(path: string, body: Buffer | undefined, keep: boolean): Promise<{ status: number; text: string | undefined }> {
    return new Promise((resolve) => {
      let status = 0;
      let chunks: Buffer[] | undefined;
      pool.dispatch(
        { method: spec.method, path, headers: spec.headers, body: body ?? null },
        {
          onRequestStart() {},
          onResponseStart(_controller, statusCode) {
            status = statusCode;
            if (keep || statusCode >= 300) chunks = [];
          },
          onResponseData(_controller, chunk) {
            chunks?.push(chunk);
          },
          onResponseEnd() {
            resolve({ status, text: chunks && Buffer.concat(chunks).toString('utf8') });
          },
          onResponseError(_controller, error) {
            resolve({ status: 0, text: String(error) });
          },
        },
      );
    });
  }

  /** Sends the next request; false (sending nothing) when the bodies from the file have run out. */
  function one(scheduledAt: number): Promise<void> | false {
    if (fromFile !== undefined && sent >= fromFile.length) {
      if (!ranOut) {
        ranOut = true;
        // The measured window ends here: what is still in flight completes outside it.
        end = Math.min(end, scheduledAt);
      }
      return false;
    }
    return request(scheduledAt);
  }

  async function request(scheduledAt: number): Promise<void> {
    const n = sent++;
    const path = spec.paths[n % spec.paths.length]!;
    const body = makeEntry?.(n);
    const keep = sampleEvery > 0 && n % sampleEvery === 0;
    const { status, text } = await send(path, body, keep);
    const done = performance.now();
    // Closed loop counts what completes inside the window; open loop, what was scheduled
    // inside it (however late it completes, so slow answers are never dropped).
    const counted = spec.rate === undefined ? done >= measureFrom && done <= end : scheduledAt >= measureFrom && scheduledAt < end;
    if (!counted) return;
    const ms = done - scheduledAt;
    measured++;
    latencies.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status < 200 || status >= 300) {
      errors++;
      if (samples.length < 20) samples.push({ status, body: text ?? '' });
    } else if (keep) samples.push({ entry: body?.toString('base64'), status, body: text ?? '' });
  }

  const start = performance.now();
  const measureFrom = start + spec.warmupMs;
  let end = measureFrom + spec.durationMs;
  let cpuStart = process.cpuUsage();
  const startMeasuring = setTimeout(() => (cpuStart = process.cpuUsage()), spec.warmupMs);

  if (spec.rate === undefined) {
    const workers = Array.from({ length: spec.connections }, async () => {
      while (performance.now() < end) {
        const p = one(performance.now());
        if (p === false) break;
        await p;
      }
    });
    await Promise.all(workers);
  } else {
    const interval = 1000 / spec.rate;
    const inFlight = new Set<Promise<void>>();
    let next = start;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const now = performance.now();
        while (next <= now && next < end) {
          const p = one(next);
          if (p === false) break;
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
          next += interval;
        }
        if (now >= end) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    await Promise.all(inFlight);
  }
  clearTimeout(startMeasuring);
  const cpu = process.cpuUsage(cpuStart);
  await pool.close();
  if (end <= measureFrom) throw new Error(`the ${fromFile?.length} bodies in ${spec.bodies} ran out during the warmup`);
  const measuredSeconds = (end - measureFrom) / 1000;

  const sorted = Float64Array.from(latencies).sort();
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    requests: measured,
    seconds: measuredSeconds,
    rate: Math.round(measured / measuredSeconds),
    errors,
    statuses,
    latencyMs: { p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? 0) },
    cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    ...(fromFile === undefined ? {} : { bodiesSent: sent, bodiesRanOut: ranOut }),
    samples,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as LoadSpec;
  runLoad(spec).then(
    (result) => process.stdout.write(JSON.stringify(result) + '\n'),
    (e) => {
      process.stderr.write(`load: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
