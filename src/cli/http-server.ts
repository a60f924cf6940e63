/**
 * The lifecycle both servers share (`sightline serve`, `sightline witness`): listen with a
 * Hono app, stop gracefully, and run until SIGTERM or SIGINT.
 */
import { type ServerResponse, createServer, type Server } from 'node:http';
import { type AddressInfo, type Socket, createServer as createNetServer } from 'node:net';
import { addressKey } from '../http/client-address.js';
import { type TurnPacer, createTurnPacer } from '../http/turns.js';
import { LogError } from '../errors.js';
import { getRequestListener } from '@hono/node-server';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from '../config.js';
import { type CliIo, processIo } from './io.js';

/** How long requests in flight get to finish once a server stops, before their connections are cut. */
const CLOSE_GRACE_MS = 2_000;

/**
 * Listens on `host:port` (0: any free port) with `fetch`; resolves once listening, with its URL.
 *
 * Slow clients cannot hold a connection forever: headers must arrive within
 * `headersTimeoutMs` and the whole request, body included, within `requestTimeoutMs`
 * (then Node answers 408 and closes the connection); idle keep-alive connections close
 * after `keepAliveTimeoutMs`, and headers are at most `maxHeaderSize` bytes (431 beyond).
 * A client that does not read its answers is cut off once an answer has waited unsent for
 * `sendTimeoutMs` (sendTimeout); `connections` counts connections per address, and marks those
 * over its limit for the app to refuse (createConnectionLimit).
 */
export async function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  host: string,
  limits: Partial<HttpLimits> = {},
  options: { readonly connections?: ConnectionLimit; readonly pacer?: TurnPacer } = {},
): Promise<{ server: Server; url: string }> {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxHeaderSize, sendTimeoutMs } = { ...DEFAULT_HTTP_LIMITS, ...limits };
  const listener = getRequestListener(fetch);
  // Requests start a bounded number a turn (src/http/turns.ts), so that turns stay short and
  // connections are accepted while others keep the server busy.
  const pacer = options.pacer ?? createTurnPacer();
  const server = createServer(
    {
      maxHeaderSize,
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default): check often
      // enough that they hold to within a quarter of the shorter.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(Math.min(headersTimeoutMs, requestTimeoutMs) / 4))),
    },
    (req, res) => {
      inPieces(res);
      oneAtATime(req.socket, () => pacer.start(() => req.socket.destroyed || listener(req, res)), res);
    },
  );
  // Before the HTTP server's own listener, so that a refused socket is marked before its request is parsed.
  if (options.connections !== undefined) server.prependListener('connection', options.connections.onConnection);
  server.prependListener('connection', pacer.connected);
  sendTimeout(server, sendTimeoutMs);
  // Also set on the server, where Node documents them (and older versions only read them).
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = requestTimeoutMs;
  server.keepAliveTimeout = keepAliveTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(listenError(e, port, host)));
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${shownHost}:${address.port}` };
}

/** Per connection, the requests waiting for the one being answered to finish (see oneAtATime). */
const waitingOn = new WeakMap<Socket, (() => void)[]>();

/**
 * Answers a connection's requests one at a time: a pipelined request (HTTP/1.1 §9.3.2) is
 * handled only once the answer before it is finished. Node would otherwise run the handlers
 * of every request in a pipelined burst at once and keep each answer in memory until the
 * client reads the ones before: a client sending a thousand requests and reading nothing
 * would make the server build and hold a thousand answers. Now it holds one, and the
 * requests behind it are dropped unanswered when sendTimeout cuts the connection.
 */
function oneAtATime(socket: Socket, handle: () => unknown, res: ServerResponse): void {
  const next = (): void => {
    const queue = waitingOn.get(socket);
    const start = queue?.shift();
    if (start !== undefined) start();
    else waitingOn.delete(socket);
  };
  const start = (): void => {
    if (socket.destroyed) return next();
    res.once('close', next);
    handle();
  };
  const queue = waitingOn.get(socket);
  if (queue === undefined) {
    waitingOn.set(socket, []);
    start();
  } else {
    queue.push(start);
  }
}

/** The most bytes of an answer handed to the socket in one write (see inPieces). */
const WRITE_PIECE = 64 * 1024;

/**
 * Makes `res.end(body)` with a large body write it in pieces of WRITE_PIECE bytes, each once
 * the socket has taken the one before ('drain'). Node reports a write done only when all of
 * it is in the kernel, so a whole 16 MiB bundle in one write would show no progress to
 * sendTimeout until a slow reader had read nearly all of it; in pieces, steady reading shows.
 */
function inPieces(res: ServerResponse): void {
  const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => ServerResponse;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    const body = typeof chunk === 'string' && chunk.length > WRITE_PIECE && rest.length === 0 ? Buffer.from(chunk) : chunk;
    if (!(body instanceof Uint8Array) || body.length <= WRITE_PIECE || rest.length > 0) return end(chunk, ...rest);
    let at = 0;
    const next = (): void => {
      while (at + WRITE_PIECE < body.length) {
        const piece = body.subarray(at, at + WRITE_PIECE);
        at += WRITE_PIECE;
        if (!res.write(piece)) {
          res.once('drain', next);
          return;
        }
      }
      end(body.subarray(at));
    };
    next();
    return res;
  }) as typeof res.end;
}

/**
 * Cuts the connection of a client that leaves an answer unread for `timeoutMs`: every quarter
 * of it, each connection with bytes waiting to be sent (`writableLength`) is checked for
 * progress (writes the kernel completed since the last look, at most WRITE_PIECE bytes each);
 * one that made none for `timeoutMs` is destroyed, and with it every answer queued on it.
 * Unlike a socket inactivity timeout (Node's `server.timeout`), it never cuts a request that
 * waits for the server (a witnessed write), nor a client reading a long answer slowly but
 * steadily (at least a piece per timeout), and counts time only while something waits to be
 * sent; idle keep-alive connections are keepAliveTimeout's.
 */
function sendTimeout(server: Server, timeoutMs: number): void {
  const watched = new Map<Socket, { taken: number; since: number }>();
  server.on('connection', (socket: Socket) => {
    watched.set(socket, { taken: 0, since: performance.now() });
    socket.once('close', () => watched.delete(socket));
  });
  const sweep = setInterval(
    () => {
      const now = performance.now();
      for (const [socket, seen] of watched) {
        // bytesWritten counts what was written to the socket, writableLength what is not yet
        // wholly in the kernel: the difference grows as writes complete.
        const taken = socket.bytesWritten - socket.writableLength;
        if (socket.writableLength === 0 || taken > seen.taken) {
          seen.taken = taken;
          seen.since = now;
        } else if (now - seen.since >= timeoutMs) {
          watched.delete(socket);
          socket.destroy();
        }
      }
    },
    Math.max(10, Math.min(1_000, Math.floor(timeoutMs / 4))),
  );
  sweep.unref();
  server.once('close', () => clearInterval(sweep));
}

/** Counts connections per client address; marks those beyond the limit (see createConnectionLimit). */
export interface ConnectionLimit {
  /** Called for each new connection, before the HTTP server's own listener. */
  onConnection(socket: Socket): void;
  /** Whether `socket` opened when its address already held the most connections allowed. */
  refused(socket: unknown): boolean;
}

/**
 * At most `max` open connections per client address (IPv6 per /64; 0: no limit). A
 * connection beyond that is marked when it opens, and not counted; the app answers each
 * request on it 429 too-many-requests with Retry-After and closes it, unless the request
 * carries a partner's or operator's token (partners are limited per partner, and may well
 * write over many connections). So an honest client sees why instead of a reset, and the
 * cost of a refused connection is one request's headers, bounded by the headers timeout and
 * size. Behind a trusted proxy every connection comes from the proxy: the proxy must limit
 * connections per client, and this limit is off.
 */
export function createConnectionLimit(max: number): ConnectionLimit {
  const open = new Map<string, number>();
  const refused = new WeakSet<object>();
  return {
    onConnection(socket) {
      if (max === 0) return;
      const key = addressKey(socket.remoteAddress);
      if (key === undefined) return;
      const n = open.get(key) ?? 0;
      if (n >= max) {
        refused.add(socket);
        return;
      }
      open.set(key, n + 1);
      socket.once('close', () => {
        const left = (open.get(key) ?? 1) - 1;
        if (left === 0) open.delete(key);
        else open.set(key, left);
      });
    },
    refused: (socket) => typeof socket === 'object' && socket !== null && refused.has(socket),
  };
}

/** Why `host:port` cannot be listened on, in one line naming the flag to change. */
function listenError(e: Error, port: number, host: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new LogError('UNAVAILABLE', `port ${port} on ${host} is already in use: stop what listens there, or give another --port`, { field: 'port', cause: e });
  if (code === 'EACCES') return new LogError('UNAVAILABLE', `not allowed to listen on port ${port} on ${host} (ports below 1024 need privileges): give another --port`, { field: 'port', cause: e });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new LogError('UNAVAILABLE', `cannot listen on ${host}: it is not an address of this machine; give another --host`, { field: 'host', cause: e });
  }
  return e;
}

/**
 * Fails, as `listen` would, when `host:port` cannot be listened on: checked before a server
 * writes anything, so that a port in use leaves no data directory or key behind. Port 0
 * (any free port) always can. Another program may still take the port before the server
 * listens; then `listen` says the same.
 */
export async function checkListenable(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (e) => reject(listenError(e, port, host)));
    probe.listen({ port, host, exclusive: true }, () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/**
 * Stops accepting and drops idle keep-alive connections, runs `drain` (the work whose
 * requests are still open gets answered), then gives open requests a short grace before
 * cutting their connections.
 */
export async function closeServer(server: Server, drain: () => Promise<void> = async () => {}): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await drain();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref())]);
  server.closeAllConnections();
  await closed;
}

/**
 * Starts what `start` makes, and runs it until SIGTERM or SIGINT, then closes it (a failure
 * to close is one line on stderr). The signal is heeded from before the start: one that comes
 * as soon as the server says it is listening, or while it starts, still stops it cleanly once
 * it has. A start that fails takes its handler away and throws.
 */
export async function runUntilSignal(start: () => Promise<{ close(): Promise<void> }>, io: Pick<CliIo, 'stderr' | 'onStopSignal'> = processIo): Promise<void> {
  let signalled!: () => void;
  const signal = new Promise<void>((resolve) => (signalled = resolve));
  const off = io.onStopSignal(() => {
    off();
    signalled();
  });
  let running;
  try {
    running = await start();
  } catch (e) {
    off();
    throw e;
  }
  await signal;
  try {
    await running.close();
  } catch (e) {
    io.stderr.write(`sightline: couldn't stop cleanly: ${(e as Error).message}\n`);
  }
}
