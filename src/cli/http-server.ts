/**
 * The lifecycle both servers share (`sightline serve`, `sightline witness`): listen with a
 * Hono app, stop gracefully, and run until SIGTERM or SIGINT.
 */
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
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
 */
export async function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  host: string,
  limits: Partial<HttpLimits> = {},
): Promise<{ server: Server; url: string }> {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxHeaderSize } = { ...DEFAULT_HTTP_LIMITS, ...limits };
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
    getRequestListener(fetch),
  );
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
