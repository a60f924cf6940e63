/**
 * The lifecycle both servers share (`sightline serve`, `sightline witness`): listen with a
 * Hono app, stop gracefully, and run until SIGTERM or SIGINT.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';

/** How long requests in flight get to finish once a server stops, before their connections are cut. */
const CLOSE_GRACE_MS = 2_000;

/** Listens on `host:port` (0: any free port) with `fetch`; resolves once listening, with its URL. */
export async function listen(fetch: (request: Request) => Response | Promise<Response>, port: number, host: string): Promise<{ server: Server; url: string }> {
  const server = createServer(getRequestListener(fetch));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${shownHost}:${address.port}` };
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

/** Resolves once SIGTERM or SIGINT came and `stop` has finished (a failure to stop is one line on stderr). */
export function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      stop().then(resolve, (e) => {
        process.stderr.write(`sightline: couldn't stop cleanly: ${(e as Error).message}\n`);
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
