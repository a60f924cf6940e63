/**
 * The explorer's server side: the HTML pages, the stylesheet and the bundled browser module,
 * registered on the log's own Hono app beside the API.
 *
 * Every page is useful without JavaScript; what must not be taken on the server's word (the
 * log's signature, inclusion and consistency proofs, a claimant's lookup) is done by the
 * browser module, which the pages load from /assets/explorer.js. The pages allow no inline
 * script or style (Content-Security-Policy), and everything read from the log is escaped.
 */
import { existsSync, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Env, Hono } from 'hono';
import { isLogError } from '../errors.js';
import { basePathOf, under } from './base-path.js';
import { type CodeLists, leafKind } from '../events/index.js';
import type { LogStore, TreeHead } from '../log/index.js';
import type { ReadService } from '../read/index.js';
import { checkPage } from './check-page.js';
import { MAX_LISTED_SINCE, entryPage } from './entry-page.js';
import { errorPage } from './error-page.js';
import { type FiguresOptions, type FiguresStore, type FiguresTracker, createFigures } from './figures.js';
import type { Html } from './html.js';
import { labelsFrom } from './labels.js';
import { type ServiceLogLink, type WitnessView, logPage } from './log-page.js';
import { monitorPage } from './monitor-page.js';
import { type MoneyTracker, createMoneyFigures } from './money-figures.js';
import { moneyPage } from './money-page.js';
import { recordsCsv, recordsJson } from '../money/index.js';
import { downloadRows, moneyDownload } from './money-download.js';
import { EXPLORER_CSS } from './styles.js';
import { verifyPage } from './verify-page.js';

/** The witnesses of the log, as the witnessing service reports them. */
export interface WebWitnessing {
  readonly quorum: number;
  status(): readonly WitnessView[];
}

/** What the pages are made from. */
export interface WebSources {
  readonly read: Pick<ReadService, 'meta' | 'head' | 'checkpoint' | 'entries'>;
  /** The entries and partners' sequence numbers, for the public figures; the events that target an entry, for its page; a period's records, to download. */
  readonly store: FiguresStore & Pick<LogStore, 'readEventsTargeting' | 'readStandingRecords'>;
  /** The code lists in force, for their labels (the log's EventApi). */
  readonly events: { codes(): { readonly codes: CodeLists } };
  /** The log's witnesses, when it has any. */
  readonly witnessing?: WebWitnessing;
  /** Where the bundled browser module is; by default dist/explorer/explorer.js in the package. */
  readonly explorerScript?: string;
  /** How the public figures are refreshed. */
  readonly figures?: FiguresOptions;
  /** Structured log sink, for pages that fail. */
  readonly log?: (record: Record<string, unknown>) => void;
  /**
   * Where the log is on its site (base-path.ts): `/` (the default) or, for one of a
   * service's logs, its prefix with a trailing slash (`/logs/dwp-2026/`). Every link, form,
   * stylesheet, script and redirect of the pages is under it.
   */
  readonly basePath?: string;
  /** The logs of the service this log is one of (itself included), for its home page; none for a log on its own. */
  readonly service?: () => readonly ServiceLogLink[];
  /**
   * The base URLs of the mirrors the log keeps copies in (c2sp.org/tlog-mirror): the pages name
   * them, so that the browser checks read tiles and bundles from them too, and their origins are
   * added to the pages' `connect-src`.
   */
  readonly mirrors?: readonly string[];
}

/** The explorer's dependencies, ready to serve: `createWebDeps` makes them. */
export interface WebDeps {
  readonly read: WebSources['read'];
  readonly events: WebSources['events'];
  readonly witnessing: WebWitnessing | undefined;
  /** The path of the bundled browser module; undefined when the package root was not found. */
  readonly explorerScript: string | undefined;
  readonly figures: FiguresTracker;
  /** Where the money goes: the public-money records, counted from the entries. */
  readonly money: MoneyTracker;
  /** A body's records of a type and period as they stand, a page at a time. */
  readonly standing: LogStore['readStandingRecords'];
  readonly log: (record: Record<string, unknown>) => void;
  /** The log's base path, checked: `/` or `/seg/…/`. */
  readonly basePath: string;
  /** The typed events that target an entry (its erasure, corrections, the operator's reads), the first `limit`. */
  targeting(leafIndex: number, limit: number): Promise<{ leafIndex: number; type: string }[]>;
  /** The logs of this log's service, itself included (none for a log on its own). */
  service(): readonly ServiceLogLink[];
  /** The mirrors' base URLs (http or https only). */
  readonly mirrors: readonly string[];
}

export function createWebDeps(sources: WebSources): WebDeps {
  return {
    read: sources.read,
    events: sources.events,
    witnessing: sources.witnessing,
    explorerScript: sources.explorerScript ?? defaultExplorerScript(),
    figures: createFigures(sources.store, sources.figures),
    money: createMoneyFigures(sources.store, sources.figures === undefined ? {} : { waitMs: sources.figures.waitMs }),
    standing: (query) => sources.store.readStandingRecords(query),
    log: sources.log ?? (() => {}),
    basePath: basePathOf(sources.basePath ?? '/'),
    mirrors: (sources.mirrors ?? []).filter((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol)),
    targeting: (leafIndex, limit) => sources.store.readEventsTargeting(leafIndex, limit),
    service: sources.service ?? (() => []),
  };
}

/** dist/explorer/explorer.js under the package root: the nearest folder above this module with a package.json. */
export function defaultExplorerScript(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'explorer', 'explorer.js');
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The Content-Security-Policy of every page: nothing inline, nothing from elsewhere. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** The pages' security headers: the policy above, its connect-src opened to the log's mirrors only (for reads). */
function securityHeaders(mirrors: readonly string[]): Record<string, string> {
  const origins = [...new Set(mirrors.map((url) => new URL(url).origin))];
  return {
    'Content-Security-Policy': origins.length === 0 ? CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY.replace("connect-src 'self'", `connect-src 'self' ${origins.join(' ')}`),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

const NOT_BUILT = 'The explorer script is not built. Run `npm run build` to make dist/explorer/explorer.js, then reload.\n';

/** Where the API lives: an unknown path under these is an API client's mistake, answered as a JSON problem. */
// An encoded slash (`/v1%2Fproofs`) still names an API path: the class is the first segment's.
const API_PATHS = /^\/(v1|tile|checkpoint|assets|healthz|readyz|metrics)(\/|%2f|$)/i;

/** The q-value an Accept header gives a media type (0 when it is not listed); wildcards are not counted as asking. */
function quality(accept: string, types: readonly string[]): number {
  let best = 0;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    if (type === undefined || !types.includes(type.trim())) continue;
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)).find((m) => m !== null);
    const value = q === undefined ? 1 : Number(q[1]);
    if (Number.isFinite(value) && value > best) best = value;
  }
  return best;
}

/**
 * Whether an unknown path is a person's browser asking for a page (RFC 9110, section 12.5.1):
 * HTML asked for by name, and not less than JSON. A client that accepts anything (`*\/*`,
 * curl's default) or JSON keeps the problem document it can read.
 */
export function wantsHtmlPage(path: string, accept: string | undefined): boolean {
  if (API_PATHS.test(path) || accept === undefined) return false;
  const html = quality(accept, ['text/html', 'application/xhtml+xml']);
  return html > 0 && html >= quality(accept, ['application/json', 'application/problem+json']);
}

/** A non-negative integer index written in decimal, or undefined. */
function indexOf(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function webRoutes<E extends Env>(app: Hono<E>, deps: WebDeps): void {
  const { read } = deps;
  const base = deps.basePath;
  const pageHeaders = securityHeaders(deps.mirrors);
  /** The log's identity for a page, with its mirrors for the page to name. */
  const pageMeta = () => ({ ...read.meta(), mirrors: deps.mirrors });

  function respond(c: Context<E>, status: 200 | 400 | 404 | 503, body: Html): Response {
    return c.body(String(body), status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache', ...pageHeaders });
  }

  /** A page handler whose failures answer with an HTML page, not a JSON problem. */
  function page(render: (c: Context<E>) => Promise<Response> | Response) {
    return async (c: Context<E>): Promise<Response> => {
      try {
        return await render(c);
      } catch (e) {
        deps.log({ level: 'error', msg: 'page failed', path: c.req.path, error: String(e), cause: e instanceof Error ? String(e.cause ?? '') : undefined });
        return respond(c, 503, errorPage(pageMeta(), base, 503, 'Something went wrong while reading the log. Please try again in a few minutes.'));
      }
    };
  }

  /** The published checkpoint, or undefined while a witnessed log waits for its first. */
  async function published(): Promise<TreeHead | undefined> {
    try {
      return await read.checkpoint();
    } catch (e) {
      if (isLogError(e, 'UNAVAILABLE')) return undefined;
      throw e;
    }
  }

  const labels = () => labelsFrom(deps.events.codes().codes);

  app.get(
    '/',
    page(async (c) => {
      const [head, checkpoint, figures] = await Promise.all([read.head(), published(), deps.figures.current()]);
      const size = head.treeSize;
      const first = Math.max(0, size - 10);
      const latest = size === 0 ? [] : (await read.entries(first, size - first)).map((e) => ({ index: e.leafIndex, data: e.data })).reverse();
      const witnesses = deps.witnessing === undefined ? undefined : { quorum: deps.witnessing.quorum, list: deps.witnessing.status() };
      return respond(
        c,
        200,
        logPage({
          meta: pageMeta(),
          base,
          treeSize: checkpoint?.treeSize ?? size,
          awaitingWitnesses: deps.witnessing !== undefined && checkpoint === undefined,
          witnesses,
          latest,
          figures,
          labels: labels(),
          service: deps.service(),
        }),
      );
    }),
  );

  app.get(
    '/entries',
    page((c) => {
      const index = indexOf(c.req.query('index')?.trim());
      if (index === undefined) return respond(c, 400, errorPage(pageMeta(), base, 400, 'An entry number is a whole number, such as 0, 12 or 3456.'));
      return c.redirect(under(base, `/entries/${index}`), 303);
    }),
  );

  app.get(
    '/entries/:index',
    page(async (c) => {
      const meta = pageMeta();
      const index = indexOf(c.req.param('index'));
      if (index === undefined) return respond(c, 400, errorPage(meta, base, 400, 'An entry number is a whole number, such as 0, 12 or 3456.'));
      const [[entry], head] = await Promise.all([read.entries(index, 1), read.head()]);
      if (entry === undefined) {
        return respond(c, 404, errorPage(meta, base, 404, `This log has no entry ${index}: it has ${head.treeSize} ${head.treeSize === 1 ? 'entry' : 'entries'}, numbered from 0.`));
      }
      // Bounded: a page lists the first of them and says there are more.
      // Only a public-money record has a record's history: other entries never wait on its count.
      const [since, record] = await Promise.all([deps.targeting(index, MAX_LISTED_SINCE + 1), leafKind(entry.data) === 'money' ? deps.money.record(index) : undefined]);
      return respond(
        c,
        200,
        entryPage({
          meta,
          base,
          index,
          data: entry.data,
          leafHash: entry.leafHash,
          treeSize: Math.max(head.treeSize, index + 1),
          labels: labels(),
          since,
          ...(record === undefined ? {} : { record: { original: record.index, history: record.history } }),
        }),
      );
    }),
  );

  app.get(
    '/check',
    page((c) => respond(c, 200, checkPage(pageMeta(), base, deps.service().length > 1))),
  );
  app.get(
    '/verify',
    page((c) => respond(c, 200, verifyPage(pageMeta(), base))),
  );
  app.get(
    '/monitor',
    page(async (c) => respond(c, 200, monitorPage(pageMeta(), base, await published()))),
  );

  app.get(
    '/money',
    page(async (c) => {
      const q = c.req.query('q');
      // A search is of 3 to 120 characters, as the form says; anything else is no search.
      const query = q !== undefined && q.trim().length >= 3 && q.length <= 120 ? q.trim() : undefined;
      const [figures, found] = await Promise.all([deps.money.current(), query === undefined ? undefined : deps.money.search(query)]);
      return respond(c, 200, moneyPage({ meta: pageMeta(), base, figures, ...(query === undefined ? {} : { query, found: found! }) }));
    }),
  );

  for (const kind of ['csv', 'json'] as const) {
    app.get(
      `/money/records.${kind}`,
      page(async (c) => {
        const meta = pageMeta();
        const { body, type, month } = c.req.query();
        const wanted = moneyDownload(body, type, month);
        if (wanted === undefined) return respond(c, 400, errorPage(meta, base, 400, 'A download names a body (its partner id), a type of record and a month (YYYY-MM).'));
        const rows = await downloadRows(deps.standing, wanted);
        const headers = { 'Content-Disposition': `attachment; filename="${wanted.body}-${wanted.type}-${wanted.month}.${kind}"`, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
        if (kind === 'csv') return c.body(recordsCsv(wanted.type, rows), 200, { ...headers, 'Content-Type': 'text/csv; charset=utf-8' });
        return c.body(recordsJson(rows), 200, { ...headers, 'Content-Type': 'application/json' });
      }),
    );
  }

  app.get('/assets/explorer.css', (c) =>
    c.body(EXPLORER_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' }),
  );

  app.get('/assets/explorer.js', async (c) => {
    let script: Uint8Array | undefined;
    if (deps.explorerScript !== undefined) {
      try {
        script = await fs.readFile(deps.explorerScript);
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'ENOENT' && (e as { code?: unknown }).code !== 'ENOTDIR') throw e;
      }
    }
    if (script === undefined) {
      return c.body(NOT_BUILT, 503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
    }
    return c.body(script as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  });

  // Last: a GET no route above answered. A browser gets the explorer's 404 page; anything
  // else goes on to the app's not-found handler and its JSON problem.
  app.get('*', async (c, next) => {
    if (!wantsHtmlPage(c.req.path, c.req.header('accept'))) return next();
    return respond(c, 404, errorPage(pageMeta(), base, 404, 'There is no page at this address. Check the address, or start again from one of the pages below.'));
  });
}
