/**
 * The log's HTTP security headers and its CORS policy (SECURITY.md, "The HTTP edge").
 *
 * - Reads are open to any origin: a GET or HEAD of `/checkpoint`, `/tile/*` or `/v1/*` is
 *   answered with `Access-Control-Allow-Origin: *` (never with credentials), so monitors,
 *   witnesses and explorers on other origins can follow the log from a browser.
 * - Writes never are: no CORS header is ever put on another method's answer (but for the one
 *   read that takes a POST, below), and a preflight
 *   asking for anything but GET or HEAD (or for a path that is not a read) is answered 204
 *   with no `Access-Control-Allow-*` header at all, so the browser refuses the request
 *   before it is sent. Partner and operator tokens are for servers, not web pages.
 * - Every answer has `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`;
 *   every answer gets `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`
 *   unless its route sets its own (the explorer's HTML pages do: theirs wins).
 * - The details endpoint (`/v1/entries/{i}/details`, a GET with a reveal or operator token)
 *   is readable cross-origin like every read, but every answer of it, errors included, has
 *   `Cache-Control: no-store` and `Vary: Authorization`: no cache may keep or share it.
 * - `POST /v1/details` (details by reveal tokens in the body) is a read that takes a POST: open
 *   to any origin (a preflight allows POST with Content-Type), without credentials, and every
 *   answer of it, errors included, has `Cache-Control: no-store`.
 *
 * Everything is set before the handler runs, as prepared headers that the handler's
 * response (or the error problem) is built with; a header the route sets itself replaces
 * them. Nothing is set on a finished response, which would make Hono rebuild it.
 */
import type { MiddlewareHandler } from 'hono';

/** The CSP of every answer that does not set its own: it loads nothing and is never framed. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

const READ_METHODS = 'GET, HEAD';
/** Request headers a cross-origin read may send: a bearer token (details) and a request id. */
const READ_HEADERS = 'Authorization, X-Request-Id';
/** Response headers a cross-origin reader may see beyond the CORS-safelisted ones. */
const EXPOSED_HEADERS = 'X-Request-Id, Location, Retry-After';
/** How long a browser may cache a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE = '86400';

const DETAILS = /^\/v1\/entries\/[^/]+\/details$/;
/**
 * `POST /v1/details`: a read (details by reveal token) that takes a POST so that its tokens
 * travel in the body, not the URL. Open to any origin like every read, with no credentials.
 */
const DETAILS_BY_TOKEN = '/v1/details';
const DETAILS_BY_TOKEN_HEADERS = 'Content-Type, X-Request-Id';

/** Whether a path is one of the public reads that any origin may make. */
export function isPublicRead(path: string): boolean {
  return path === '/checkpoint' || path.startsWith('/tile/') || path.startsWith('/v1/');
}

function isReadMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    const path = c.req.path;

    // A CORS preflight: answered here, never passed to a route.
    if (method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined) {
      const headers: Record<string, string> = {
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Content-Security-Policy': API_CONTENT_SECURITY_POLICY,
      };
      const asked = (c.req.header('access-control-request-method') ?? '').trim().toUpperCase();
      if (isPublicRead(path) && isReadMethod(asked)) {
        headers['Access-Control-Allow-Origin'] = '*';
        headers['Access-Control-Allow-Methods'] = READ_METHODS;
        headers['Access-Control-Allow-Headers'] = READ_HEADERS;
        headers['Access-Control-Max-Age'] = PREFLIGHT_MAX_AGE;
      } else if (path === DETAILS_BY_TOKEN && asked === 'POST') {
        headers['Access-Control-Allow-Origin'] = '*';
        headers['Access-Control-Allow-Methods'] = 'POST';
        headers['Access-Control-Allow-Headers'] = DETAILS_BY_TOKEN_HEADERS;
        headers['Access-Control-Max-Age'] = PREFLIGHT_MAX_AGE;
      }
      // Otherwise (a write, or a path that is not a read): 204 with no Access-Control-Allow-*
      // header, which the browser takes as a refusal; the request itself is never sent.
      return c.body(null, 204, headers);
    }

    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    // A route that sends its own policy (the explorer's HTML pages) replaces this one.
    c.header('Content-Security-Policy', API_CONTENT_SECURITY_POLICY);
    if (isReadMethod(method) && isPublicRead(path)) {
      c.header('Access-Control-Allow-Origin', '*');
      c.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
      if (DETAILS.test(path)) {
        c.header('Cache-Control', 'no-store');
        c.header('Vary', 'Authorization');
      }
    } else if (method === 'POST' && path === DETAILS_BY_TOKEN) {
      c.header('Access-Control-Allow-Origin', '*');
      c.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
      c.header('Cache-Control', 'no-store');
    }
    await next();
  };
}
