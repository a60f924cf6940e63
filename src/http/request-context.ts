/**
 * What every request of both apps (the log's and the witness's) goes through: a request id
 * (the caller's, if well formed, echoed in `X-Request-Id`), an access log line (every request,
 * or only 5xx answers), errors rendered once as problems, unhandled ones logged with their
 * stack but never shown, and a problem for unknown routes.
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { LogError } from '../errors.js';
import { problemResponse } from './problem.js';

export interface RequestHandling {
  /** Structured log sink: one JSON object per call. */
  readonly log: (record: Record<string, unknown>) => void;
  /** Log every request; otherwise only those answered with a 5xx status. */
  readonly accessLog?: boolean;
  /** Called for every request answered, for metrics. */
  readonly observe?: (request: { method: string; route: string; status: number; seconds: number }) => void;
  /** Where the routes are described, for the hint of a 404 on an unknown route. */
  readonly routesHint: string;
  /** Where the app is on its site (`/`, or a log's prefix such as `/logs/dwp-2026/`): problems name their instance under it. */
  readonly basePath?: string;
}

export function handleRequests<E extends { Variables: { requestId: string } }>(app: Hono<E>, options: RequestHandling): void {
  app.use(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming !== undefined && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    // Set before the handler runs, so it goes into the response as it is built: setting a
    // header on a finished response makes Hono rebuild it as a full WHATWG Response.
    c.header('X-Request-Id', requestId);
    const started = performance.now();
    await next();
    const route = c.req.routePath;
    const seconds = (performance.now() - started) / 1000;
    const status = c.res.status;
    options.observe?.({ method: c.req.method, route, status, seconds });
    if (options.accessLog || status >= 500) options.log({ level: status >= 500 ? 'error' : 'info', msg: 'request', requestId, method: c.req.method, route, status, ms: Math.round(seconds * 1e4) / 10 });
  });

  app.onError((error, c) => {
    const requestId = c.get('requestId');
    // The client closed the connection before its request was done (mid-body, say): whatever
    // failed then is the client's abort, not the server's error, and must not set off 5xx
    // alerts that anyone could trigger. Answered (to no one) and counted as 499.
    if (c.req.raw.signal.aborted) {
      return problemResponse(c, new LogError('CLIENT_CLOSED', 'the client closed the connection before its request was complete', { cause: error }), requestId, options.basePath);
    }
    if (!(error instanceof LogError) || error.code === 'INTERNAL') {
      options.log({ level: 'error', msg: 'unhandled error', requestId, error: String(error), cause: error instanceof Error ? String(error.cause ?? '') : undefined, stack: error instanceof Error ? error.stack : undefined });
    }
    return problemResponse(c, error, requestId, options.basePath);
  });
  app.notFound((c) => problemResponse(c, new LogError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`, { hint: options.routesHint }), c.get('requestId'), options.basePath));
}
