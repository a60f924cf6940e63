/**
 * The front of a service of many logs: each log's whole API (c2sp.org/tlog-tiles, the JSON
 * API, the explorer's pages) under its own prefix, `/logs/<id>/`, so that any tlog-tiles
 * client works on it unchanged given that prefix; an alias (`/logs/dwp/`) answered by the
 * log of that alias whose interval holds now; the discovery documents; and, when the
 * service has a default log (the one a single-log server always served), that log at the
 * root URLs it always had.
 *
 *   GET /logs.json                  the operator list (operator-list-v1 shape)
 *   GET /logs/<id>/metadata.json    a log's metadata (log-metadata-v1 shape)
 *   GET /logs.txt                   the witness network's logs/v0 list
 *   GET /logs/                      a page listing the logs
 *
 * Which logs there are is asked on every request (`logs()`), so that logs added while the
 * service runs are served at once.
 */
import { Hono } from 'hono';
import { type LogDescription, type LogListEntry, type OperatorDescription, formatLogList, logMetadata, operatorList } from '../discovery/index.js';
import { LogError } from '../errors.js';
import { type Interval, intervalHolds } from '../service/index.js';
import { EXPLORER_CSS } from '../web/index.js';
import { serviceLogsPage } from '../web/service-page.js';
import { forward as withUrl } from './mount.js';
import { handleRequests } from './request-context.js';
import { securityHeaders } from './security.js';

/** A fetch handler as @hono/node-server calls it: the Node bindings (`env`) ride along. */
export type FetchHandler = (request: Request, env?: unknown) => Response | Promise<Response>;

/** One log as the front serves it. */
export interface ServedLog {
  readonly id: string;
  readonly alias?: string;
  readonly interval?: Interval;
  /** The log's app, which answers paths as if at the root (`/checkpoint`, `/v1/…`). */
  readonly fetch: FetchHandler;
  /** What discovery says of the log, its URLs given `base` (the service's public URL). */
  describe(base: string): LogDescription;
  /** The log's line in the logs/v0 list. */
  listEntry(): LogListEntry;
}

export interface ServiceAppDeps {
  readonly operator: OperatorDescription;
  /** The service's public base URL (no trailing slash); undefined: taken from each request. */
  readonly publicUrl?: string;
  /** The logs served now, in the order the configuration gives them. */
  readonly logs: () => readonly ServedLog[];
  /** The log also served at the root URLs, if there is one. */
  readonly defaultLog?: () => ServedLog | undefined;
  readonly now: () => Date;
  readonly log: (record: Record<string, unknown>) => void;
  /** Throws unless every log can serve. */
  readonly ready: () => Promise<void>;
  readonly software?: { readonly name: string; readonly version?: string };
}

/** `/logs/<name>` and what follows it; a name is a log id or an alias (service/config.ts). */
const PREFIXED = /^\/logs\/([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)(\/.*)?$/;

/** The service's own paths: answered by the front even when a default log is at the root. */
const SERVICE_PATHS = new Set(['/logs', '/logs/', '/logs.json', '/logs.txt']);

/**
 * The log an alias resolves to at `at`: the one of its shards whose interval holds then.
 * Between shards (or before the first) there is none, and the alias is not served.
 */
export function resolveAlias(logs: readonly ServedLog[], alias: string, at: Date): ServedLog | undefined {
  return logs.find((l) => l.alias === alias && intervalHolds(l.interval, at));
}

export function createServiceApp(deps: ServiceAppDeps): { fetch: FetchHandler } {
  const app = new Hono<{ Variables: { requestId: string } }>();
  handleRequests(app, { log: deps.log, routesHint: 'the logs of this service are listed at /logs.json; each log is served under /logs/<id>/' });
  app.use(securityHeaders());

  const base = (request: Request): string => deps.publicUrl ?? new URL(request.url).origin;
  const described = (request: Request) => deps.logs().map((l) => ({ served: l, log: l.describe(base(request)) }));
  const fresh = { 'Cache-Control': 'no-cache', Vary: 'Host' };

  app.get('/logs.json', (c) => {
    const logs = described(c.req.raw).map(({ served, log }) => ({ log, metadataUrl: `${base(c.req.raw)}/logs/${served.id}/metadata.json` }));
    return c.json(operatorList(deps.operator, logs, deps.now()), 200, fresh);
  });
  app.get('/logs.txt', (c) => {
    const text = formatLogList(
      deps.logs().map((l) => l.listEntry()),
      [`${deps.operator.name}: the logs of this service`, `per-log metadata: ${base(c.req.raw)}/logs.json`],
    );
    return c.body(text, 200, { 'Content-Type': 'text/plain; charset=utf-8', ...fresh });
  });
  app.get('/logs/:id/metadata.json', (c) => {
    const served = deps.logs().find((l) => l.id === c.req.param('id'));
    if (served === undefined) throw unknownLog(c.req.param('id'));
    return c.json(logMetadata(served.describe(base(c.req.raw)), deps.software), 200, fresh);
  });
  app.get('/logs', (c) => c.redirect('/logs/', 308));
  app.get('/logs/', (c) => c.html(serviceLogsPage(deps.operator.name, described(c.req.raw).map(({ served, log }) => ({ id: served.id, alias: served.alias, log }))), 200, pageHeaders));
  app.get('/assets/explorer.css', (c) => c.body(EXPLORER_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' }));
  // A name under /logs/ that no log answers: an unknown log, or an alias between shards.
  const noLog = (c: { req: { param: (k: 'name') => string } }): never => {
    const name = c.req.param('name');
    const shards = deps.logs().filter((l) => l.alias === name);
    if (shards.length === 0) throw unknownLog(name);
    throw new LogError('NOT_FOUND', `no log of ${JSON.stringify(name)} takes entries now`, {
      field: 'alias',
      hint: `its logs are ${shards.map((l) => l.id).join(', ')}; each is served at /logs/<id>/ for ever, and /logs.json says when each takes entries`,
    });
  };
  app.all('/logs/:name', noLog);
  app.all('/logs/:name/*', noLog);
  app.get('/', (c) => c.redirect('/logs/', 302));
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/readyz', async (c) => {
    try {
      await deps.ready();
    } catch (e) {
      throw new LogError('UNAVAILABLE', `not ready: ${(e as Error).message}`);
    }
    return c.text('ready');
  });

  return {
    fetch(request, env) {
      const url = new URL(request.url);
      const path = url.pathname;
      const prefixed = PREFIXED.exec(path);
      if (prefixed !== null && prefixed[2] !== '/metadata.json') {
        const [, name, rest] = prefixed as unknown as [string, string, string | undefined];
        const logs = deps.logs();
        const byId = logs.find((l) => l.id === name);
        const served = byId ?? resolveAlias(logs, name, deps.now());
        if (served !== undefined) {
          if (rest === undefined) return Response.redirect(new URL(`/logs/${name}/${url.search}`, url), 308);
          if (byId !== undefined) return forward(served, request, env, url, rest, undefined);
          // Through an alias: a read is sent to the log that holds now, so that what a reader
          // keeps (a page, its links, a pinned key) names that log, never the alias, which
          // will name another log later; the redirect is not to be cached for that reason. A
          // write is taken here, so that partners need no redirects, and the answer says
          // which log took it.
          const target = `/logs/${served.id}${rest}`;
          if (request.method === 'GET' || request.method === 'HEAD') {
            return new Response(null, { status: 302, headers: { Location: `${target}${url.search}`, 'Cache-Control': 'no-store' } });
          }
          return forward(served, request, env, url, rest, target);
        }
      }
      const fallback = deps.defaultLog?.();
      if (fallback !== undefined && !SERVICE_PATHS.has(path) && !path.startsWith('/logs/')) {
        return fallback.fetch(request, env);
      }
      return app.fetch(request, env);
    },
  };
}

/** Security headers of the page listing the logs: its own stylesheet, nothing else. */
const pageHeaders = { 'Content-Security-Policy': "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" };

function unknownLog(id: string): LogError {
  return new LogError('NOT_FOUND', `this service has no log ${JSON.stringify(id)}`, { field: 'id', hint: 'the logs of this service are listed at /logs.json' });
}

/**
 * Passes a request to a log's app with the prefix taken off its path. The body is streamed
 * through; the client's abort signal rides along, so the log's app sees a client that left.
 * Through an alias, the answer names the log that gave it (`Content-Location`), since the
 * alias will name another log after the interval ends.
 */
async function forward(served: ServedLog, request: Request, env: unknown, url: URL, rest: string, location: string | undefined): Promise<Response> {
  const inner = new URL(url);
  inner.pathname = rest;
  const response = await served.fetch(withUrl(inner, request), env);
  if (location === undefined) return response;
  const headers = new Headers(response.headers);
  headers.set('Content-Location', location);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
