/**
 * The load of issue 15's "bounded work" case, at a chosen scale: a log holding entries of
 * 64 KiB; while clients ask for the largest pages of GET /v1/entries, ask for full entry
 * bundles gzipped (compressed once and cached),
 * and hold sockets on which they asked for much and read nothing, one client polls
 * /checkpoint. The figures: /checkpoint latency, the server's peak RSS, and what the clients
 * that never read were sent before the server cut them off.
 *
 * Used by `npm run bench` (bench/main.ts) and by the e2e test test/e2e/bounded-load.test.ts.
 * Plain node:http (no automatic decompression, so gzip costs only the server).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { type Socket, connect } from 'node:net';

/** The largest entry (2^16 - 1 bytes). */
export const LARGE_ENTRY = 65_535;

export interface BoundedLoadOptions {
  /** The server's URL. */
  readonly url: string;
  /** The server's process id, for its RSS (Linux /proc). */
  readonly pid: number;
  /** How long the load lasts, in ms. */
  readonly durationMs: number;
  /** Concurrent clients asking GET /v1/entries?start=0&count=1000 again and again. */
  readonly pageClients: number;
  /** Concurrent clients asking gzipped entry bundles again and again. */
  readonly gzipClients: number;
  /** Sockets that ask for `pipelined` pages each and never read. */
  readonly stalledSockets: number;
  readonly pipelined: number;
  /** The longest wait for anything once the load is over (a hang stop), in ms. */
  readonly hangMs: number;
}

export interface BoundedLoadResult {
  readonly checkpoint: { readonly count: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number; readonly failed: number };
  readonly pages: number;
  /** The bytes of one page's body. */
  readonly pageBytes: number;
  readonly gzipBundles: number;
  readonly peakRssMiB: number;
  /** The server's RSS before the load (after the log was written and its bundles read once). */
  readonly startRssMiB: number;
  /** Per socket that never read: the bytes it got when it finally read, and the bytes it asked for. */
  readonly stalled: readonly { readonly received: number; readonly asked: number }[];
}

/** Appends `count` entries of LARGE_ENTRY bytes with the partner `token`, `concurrency` at a time. */
export async function appendLargeEntries(url: string, token: string, count: number, concurrency = 8): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const entry = randomBytes(LARGE_ENTRY);
      entry[0] = 0; // never the form of a JSON object (a typed leaf), which only the log writes
      const { status, body } = await send(url, '/v1/entries', { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: entry });
      if (status !== 201) throw new Error(`appending an entry: ${status} ${body.toString('utf8').slice(0, 200)}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
}

/** Runs the load against a log holding at least 256 entries of LARGE_ENTRY bytes. */
export async function boundedLoad(o: BoundedLoadOptions): Promise<BoundedLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.pageClients + o.gzipClients });
  const pollAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const treeSize = Number(/\n(\d+)\n/.exec((await send(o.url, '/checkpoint', { agent: pollAgent })).body.toString('utf8'))![1]);
  if (treeSize < 256) throw new Error(`the log holds ${treeSize} entries: the load needs a full entry bundle (256)`);
  const bundles = Math.min(Math.floor(treeSize / 256), 1000);
  // The steady state: each full bundle read and gzipped once (a first read of a bundle of
  // 64 KiB entries is 16 MiB from the database), as a log's monitors and mirrors leave it.
  for (let n = 0; n < bundles; n++) await send(o.url, `/tile/entries/${String(n).padStart(3, '0')}`, { agent: pollAgent, headers: { 'accept-encoding': 'gzip' } });

  const startRssMiB = rssMiB(o.pid);
  let peak = startRssMiB;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(o.pid))), 50);
  const stalled = Array.from({ length: o.stalledSockets }, () => stallingSocket(o.url, o.pipelined));
  const until = performance.now() + o.durationMs;
  let pages = 0;
  let pageBytes = 0;
  let gzipBundles = 0;
  const latencies: number[] = [];
  let failed = 0;
  const pageClient = async () => {
    while (performance.now() < until) {
      const { status, body } = await send(o.url, '/v1/entries?start=0&count=1000', { agent });
      if (status !== 200) throw new Error(`GET /v1/entries: ${status}`);
      pageBytes = body.length;
      pages++;
    }
  };
  const gzipClient = async (i: number) => {
    for (let n = i; performance.now() < until; n++) {
      const path = `/tile/entries/${String(n % bundles).padStart(3, '0')}`;
      const { status, headers } = await send(o.url, path, { agent, headers: { 'accept-encoding': 'gzip' } });
      if (status !== 200 || headers['content-encoding'] !== 'gzip') throw new Error(`GET ${path} (gzip): ${status} ${headers['content-encoding']}`);
      gzipBundles++;
    }
  };
  const poller = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      const { status } = await send(o.url, '/checkpoint', { agent: pollAgent });
      latencies.push(performance.now() - started);
      if (status !== 200) failed++;
    }
  };
  try {
    await Promise.all([...Array.from({ length: o.pageClients }, pageClient), ...Array.from({ length: o.gzipClients }, (_, i) => gzipClient(i)), poller()]);
    const received = await Promise.all(stalled.map((s) => s.readRest(o.hangMs)));
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    return {
      checkpoint: { count: latencies.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: latencies.at(-1) ?? NaN, failed },
      pages,
      pageBytes,
      gzipBundles,
      peakRssMiB: Math.max(peak, rssMiB(o.pid)),
      startRssMiB,
      stalled: received.map((r) => ({ received: r, asked: o.pipelined })),
    };
  } finally {
    clearInterval(sampler);
    for (const s of stalled) s.socket.destroy();
    agent.destroy();
    pollAgent.destroy();
  }
}

/** A socket that asks for `pipelined` of the largest pages at once and reads nothing until readRest. */
function stallingSocket(url: string, pipelined: number): { socket: Socket; readRest(hangMs: number): Promise<number> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.pause();
  socket.on('error', () => {}); // the server's cut may come as a reset
  socket.write('GET /v1/entries?start=0&count=1000 HTTP/1.1\r\nHost: load\r\n\r\n'.repeat(pipelined));
  return {
    socket,
    /** Reads what is left until the server closes the connection: the bytes received. */
    readRest(hangMs: number): Promise<number> {
      return new Promise((resolve, reject) => {
        let received = 0;
        const hang = setTimeout(() => reject(new Error(`a socket that never read was not closed by the server within ${hangMs} ms`)), hangMs);
        const done = () => {
          clearTimeout(hang);
          resolve(received);
        };
        socket.on('data', (d: Buffer) => (received += d.length));
        socket.once('close', done);
        if (socket.destroyed) done();
        socket.resume();
      });
    },
  };
}

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** One request; its status, headers and whole body. */
function send(
  url: string,
  path: string,
  options: { method?: string; agent: Agent; headers?: Record<string, string>; body?: Uint8Array },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method: options.method ?? 'GET', agent: options.agent, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', (e) => reject(new Error(`${options.method ?? 'GET'} ${path}: ${e.message}`, { cause: e })));
    req.end(options.body);
  });
}
