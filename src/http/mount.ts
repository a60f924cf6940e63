/**
 * One log's app at a URL prefix of a service that hosts many (`/logs/dwp-2026/checkpoint`
 * is that log's `/checkpoint`), so any c2sp.org/tlog-tiles client works on it given the
 * prefix. The log's app sees its own paths, as if it were at the root; it makes its URLs
 * under the prefix with its `basePath` (AppDeps, WebSources).
 *
 * Trust boundary: the request path is the client's. The prefix is matched against the path
 * as the WHATWG URL parser normalizes it (dot segments, `%2e` included, resolved; a
 * backslash a slash), segment by segment and case-sensitively, exactly as written: an
 * encoded form of the prefix (`/logs/dwp%2D2026/`), another case (`/LOGS/…`), a longer
 * segment (`/logs/dwp-20260/`), an encoded slash (`/logs/dwp-2026%2F…`) or a path that
 * leaves the prefix (`/logs/dwp-2026/../other`, which names `/logs/other`) is not this
 * log's, and is left to the next handler. What follows the prefix is passed on unchanged,
 * so the log answers it exactly as it would at the root.
 */
import { basePathOf } from '../web/index.js';

/** A fetch handler (Hono's `app.fetch`): the rest are the server's bindings (@hono/node-server's `{ incoming, outgoing }`). */
export type FetchHandler<Rest extends unknown[]> = (request: Request, ...rest: Rest) => Response | Promise<Response>;

/** A handler that answers only the requests it is for, and gives undefined for the others. */
export type MountedHandler<Rest extends unknown[]> = (request: Request, ...rest: Rest) => Promise<Response | undefined>;

/**
 * `fetch` at `prefix` (`/logs/dwp-2026`, with or without its trailing slash): a request for
 * `prefix/…` is passed on as `/…` (the query, method, headers, body, abort signal and the
 * server's bindings kept, so the client's address and socket still reach the app); the path
 * `prefix` itself is redirected (308, the method kept) to `prefix/`, where the log's home
 * page is; any other request gives undefined. Throws when `prefix` is not a path of plain
 * segments (see basePathOf), or is the root.
 */
export function mountAt<Rest extends unknown[]>(prefix: string, fetch: FetchHandler<Rest>): MountedHandler<Rest> {
  const base = basePathOf(prefix); // `/logs/dwp-2026/`
  if (base === '/') throw new TypeError('mountAt needs a prefix below the root: an app at the root is served as it is');
  const bare = base.slice(0, -1); // `/logs/dwp-2026`
  return async (request, ...rest) => {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === bare) return new Response(null, { status: 308, headers: { Location: `${base}${url.search}`, 'Cache-Control': 'no-cache' } });
    if (!path.startsWith(base)) return undefined;
    url.pathname = path.slice(bare.length); // keeps the slash: `/logs/dwp-2026/x` → `/x`
    return fetch(forward(url, request), ...rest);
  };
}

/** `request` at `url`: everything but the URL kept; the body streamed on, not read. */
export function forward(url: URL, request: Request): Request {
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers: request.headers, signal: request.signal, redirect: 'manual' };
  if (request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null) {
    init.body = request.body;
    init.duplex = 'half'; // a streamed body, as the Fetch standard asks of one
  }
  return new Request(url, init);
}
