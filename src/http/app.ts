/**
 * The HTTP API: c2sp.org/tlog-tiles at the root, the JSON API under /v1, and operations
 * endpoints. The root is the log's own: on a service of many logs it is the log's prefix
 * (mount.ts), and the URLs answers give are under `basePath`. Handlers are a few lines over the read service and the sequencer; every
 * error is thrown as a LogError and rendered once, in `onError`.
 */
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { LogError } from '../errors.js';
import { leafKind } from '../events/index.js';
import { MAX_ENTRY_SIZE, parseTilePath } from '../merkle/index.js';
import type { Metrics } from '../metrics/index.js';
import { formatReceipt, parseReceipt } from '../receipt/index.js';
import { type ReadService, createBundleCache } from '../read/index.js';
import type { EventSequencer, SubmitResult } from '../sequencer/index.js';
import type { SubmittingPartner } from '../intake/index.js';
import { b64, b64List, hexHashParam, indexParam, readBody } from './encoding.js';
import { type AppEnv, type EventApi, bearerToken, eventRoutes, sha256 } from './event-routes.js';
import { recordRoutes } from './record-routes.js';
import { clientKey } from './client-address.js';
import { createGate } from './gate.js';
import type { RateLimiter } from './rate-limit.js';
import { handleRequests } from './request-context.js';
import { securityHeaders } from './security.js';
import type { WitnessStatus, Witnessing } from '../witnessing/index.js';
import type { Mirroring } from '../mirroring/index.js';
import { type WebDeps, basePathOf, under, webRoutes } from '../web/index.js';

export interface AppDeps {
  readonly read: ReadService;
  readonly sequencer: Pick<EventSequencer, 'submit' | 'submitEvent' | 'submitRecord'>;
  /** The active partner whose bearer token hashes to `tokenHash`, if any. */
  readonly authenticate: (tokenHash: Uint8Array) => Promise<SubmittingPartner | undefined>;
  /** Typed events, subject tags, code lists and partner keys. */
  readonly events: EventApi;
  readonly metrics: Metrics;
  /** Throws if the log cannot serve (database unreachable, sequencer stopped). */
  readonly ready: () => Promise<void>;
  /** Structured log sink: one JSON object per call. */
  readonly log: (record: Record<string, unknown>) => void;
  /** Log every request; otherwise only those answered with a 5xx status. */
  readonly accessLog?: boolean;
  /** The witnesses cosigning this log's checkpoints, when it has any. */
  readonly witnessing?: Pick<Witnessing, 'quorum' | 'status' | 'waitFor' | 'current'>;
  /** The longest a write with `?witnessed=true` waits for its witnessed receipt. */
  readonly witnessWaitMs?: number;
  /** The mirrors keeping copies of this log, when it has any. */
  readonly mirroring?: Pick<Mirroring, 'quorum' | 'status' | 'waitFor' | 'current'>;
  /** The longest a write with `?mirrored=true` waits for its mirrored receipt. */
  readonly mirrorWaitMs?: number;
  /** The explorer's web pages (`/`, `/entries/{i}`, `/check`, …), when served. */
  readonly web?: WebDeps;
  /** Per-partner limits on writes (keyed by partner id), when on. */
  readonly rateLimit?: RateLimiter;
  /**
   * The log's own quota of writes a second, all partners together, when it has one: in a
   * service of many logs, one body's load cannot crowd out another's.
   */
  readonly logQuota?: { readonly limiter: RateLimiter; readonly entriesPerSecond: number };
  /** Memory for gzipped full entry bundles (GZIPPED_BUNDLE_CACHE_BYTES unless given). */
  readonly gzippedBundleCacheBytes?: number;
  /**
   * Whether the log takes a partner's write now: undefined when it does, else the error to
   * answer with (a temporal shard, before its interval or from its end on). The log's own
   * records are not partners' writes: a shard that has not opened yet can be given its
   * partners, and so record their credentials, ahead of its start.
   */
  readonly admits?: () => LogError | undefined;
  /** Per-address limits on requests without a valid partner or operator token, when on. */
  readonly addressLimit?: AddressLimit;
  /** gzip, off the event loop; zlib's on libuv's thread pool by default. */
  readonly gzip?: (data: Uint8Array) => Promise<Uint8Array>;
  /**
   * Where the log is on its site: `/` (the default), or its prefix with a trailing slash
   * (`/logs/dwp-2026/`) when a service serves it there (http/mount.ts). The app's routes stay
   * the log's own paths; the URLs its answers give (`Link`, `Location`, the pages') are under
   * it. By default the web pages' (`web.basePath`); the two may not differ.
   */
  readonly basePath?: string;
}

/**
 * Limits on clients without a partner's or operator's token, by address (client-address.ts):
 * a request rate (`limiter`, when on) and connections (`refusedConnection`: whether the
 * request's socket opened beyond its address's connection limit; see cli/http-server.ts).
 */
export interface AddressLimit {
  readonly limiter?: RateLimiter;
  /** The client is the last X-Forwarded-For entry (written by the one trusted proxy in front). */
  readonly trustProxy: boolean;
  readonly refusedConnection?: (socket: unknown) => boolean;
}

/** Full entry bundles kept gzipped, beside the read service's plain ones. */
const GZIPPED_BUNDLE_CACHE_BYTES = 64 * 1024 * 1024;
const zlibGzip = promisify(gzip);

type Env = AppEnv;

/**
 * Reads of entry data (GET /v1/entries pages, entry bundles) run at most this many at once;
 * the rest wait their turn, at most HEAVY_READS_WAITING of them (then 503, retry). An entry
 * page is up to a MiB read, hashed and encoded: run twenty at once and every cheap request
 * (/checkpoint) queues behind all of their work on the event loop, and their memory adds up.
 * Each starts in a turn of the event loop of its own, and reads in chunks with turns between
 * them (gate.ts, READ_CHUNK_BYTES), so that a cheap request waits for at most a chunk of each.
 */
export const HEAVY_READS_AT_ONCE = 2;
export const HEAVY_READS_WAITING = 1024;

/** The most bytes of entry data one page of GET /v1/entries holds (beyond its first entry). */
export const MAX_ENTRIES_PAGE_BYTES = 1024 * 1024;

const IMMUTABLE = 'public, max-age=31536000, immutable';
const NO_CACHE = 'no-cache';

export function createApp(deps: AppDeps): Hono<Env> {
  const { read, metrics } = deps;
  const base = basePathOf(deps.basePath ?? deps.web?.basePath ?? '/');
  if (deps.web !== undefined && deps.web.basePath !== base) {
    throw new LogError('MALFORMED_REQUEST', `the API's base path ${base} is not its pages' ${deps.web.basePath}`, { field: 'basePath', hint: 'give the same basePath to createApp and createWebDeps' });
  }
  const app = new Hono<Env>();
  // Compression never blocks the event loop (a bundle took 0.7 s of CPU with gzipSync), and a
  // full bundle, which never changes, is compressed once.
  const compress = deps.gzip ?? (async (data: Uint8Array) => new Uint8Array(await zlibGzip(data)));
  const gzippedBundles = createBundleCache(deps.gzippedBundleCacheBytes ?? GZIPPED_BUNDLE_CACHE_BYTES);
  const gate = createGate(HEAVY_READS_AT_ONCE, HEAVY_READS_WAITING);
  /** A read of entry data in its turn; skipped if the client has gone meanwhile. */
  const heavy = <T>(c: Context<Env>, task: () => Promise<T>): Promise<T> =>
    gate(async () => {
      if (c.req.raw.signal.aborted) throw new LogError('CLIENT_CLOSED', 'the client closed the connection while its read waited');
      return task();
    });

  handleRequests(app, {
    log: deps.log,
    accessLog: deps.accessLog,
    observe: ({ method, route, status, seconds }) => {
      metrics.http.inc({ method, route, status: String(status) });
      metrics.httpSeconds.observe({ method, route }, seconds);
    },
    routesHint: 'see openapi.yaml for the routes',
    basePath: base,
  });
  app.use(securityHeaders());

  // ---- Every route: anyone may read, within the limit of their address ----------------
  // One bucket per address for every route, /checkpoint included (cheap, but the bucket is
  // generous enough for a monitor polling it and reading every tile). Health probes are
  // exempt: they cost nothing, and an orchestrator must see a busy server as alive.
  const addressLimit = deps.addressLimit;
  if (addressLimit !== undefined) {
    app.use(async (c, next) => {
      if (c.req.path === '/healthz' || c.req.path === '/readyz') return next();
      const socket = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket;
      const overConnections = addressLimit.refusedConnection?.(socket) ?? false;
      const key = clientKey(socket?.remoteAddress, c.req.header('x-forwarded-for'), addressLimit.trustProxy);
      const wait = overConnections ? 1 : key === undefined || addressLimit.limiter === undefined ? 0 : addressLimit.limiter.take(key);
      if (wait === 0) return next();
      // Over the address's limit: a partner or an operator is not limited by address (a
      // partner's writes have their own limit). Looked up only here, so a flood of made-up
      // tokens costs no more lookups than the limits let through.
      const token = bearerToken(c);
      if (token !== undefined) {
        const hash = sha256(token);
        if ((await deps.authenticate(hash)) !== undefined || (await deps.events.authenticateOperator(hash)) !== undefined) return next();
      }
      if (overConnections) {
        c.header('Connection', 'close');
        throw new LogError('TOO_MANY_REQUESTS', `${key ?? 'this address'} already holds the most connections this log allows one address`, {
          extensions: { retryAfter: 1 },
          hint: 'reuse connections (keep-alive) instead of opening more; retry after the number of seconds in Retry-After',
        });
      }
      throw new LogError('TOO_MANY_REQUESTS', `requests from ${key} are over the limit of this log for one address`, { extensions: { retryAfter: wait } });
    });
  }

  // ---- Write: partners only, within their rate limit --------------------------------
  const partnerAuth: MiddlewareHandler<Env> = async (c, next) => {
    const token = bearerToken(c);
    const partner = token === undefined ? undefined : await deps.authenticate(sha256(token));
    if (partner === undefined) throw new LogError('UNAUTHORIZED', 'missing or invalid bearer token', { field: 'Authorization' });
    // After authentication (no bucket for a bad token), before the body is read.
    const wait = deps.rateLimit?.take(partner.id) ?? 0;
    if (wait > 0) {
      throw new LogError('RATE_LIMITED', `partner ${partner.id} is over its write rate limit`, { field: 'Authorization', extensions: { retryAfter: wait } });
    }
    const closed = deps.admits?.();
    if (closed !== undefined) throw closed;
    const quotaWait = deps.logQuota?.limiter.take('log') ?? 0;
    if (quotaWait > 0) {
      throw new LogError('RATE_LIMITED', `this log is over its quota of ${deps.logQuota!.entriesPerSecond} writes a second, all partners together`, {
        extensions: { retryAfter: quotaWait },
        hint: 'retry after the number of seconds in Retry-After; the operator sets each log\'s quota in the service configuration',
      });
    }
    c.set('partner', partner);
    await next();
  };
  const countSubmission = (result: 'new' | 'duplicate' | 'error') => metrics.submissions.inc({ result });

  // `?witnessed=` and `?mirrored=` are checked before anything is written: a rejected request changes nothing.
  const witnessedQuery: MiddlewareHandler<Env> = async (c, next) => {
    if (witnessedParam(c.req.query('witnessed')) && deps.witnessing === undefined) {
      throw new LogError('MALFORMED_REQUEST', 'this log has no witnesses: there is no witnessed receipt to wait for', { field: 'witnessed', hint: 'leave out ?witnessed=true' });
    }
    if (mirroredParam(c.req.query('mirrored')) && deps.mirroring === undefined) {
      throw new LogError('MALFORMED_REQUEST', 'this log has no mirrors: there is no mirrored receipt to wait for', { field: 'mirrored', hint: 'leave out ?mirrored=true' });
    }
    await next();
  };
  app.use('/v1/events', witnessedQuery);

  const RESERVED = {
    event: { what: 'a typed event leaf', hint: 'submit typed events to POST /v1/events, where they are checked; a raw entry may not be a JSON object with "v": 1 and an "event" member' },
    money: { what: 'a public-money record', hint: 'submit records to POST /v1/records, where they are checked; a raw entry may not be a JSON object with "v": 1 and a "money" member' },
    record: { what: 'a log record', hint: 'a raw entry may not be a code-lists or successor record' },
  } as const;
  app.post('/v1/entries', partnerAuth, witnessedQuery, async (c) => {
    const entry = await readBody(c.req, MAX_ENTRY_SIZE);
    if (entry.length === 0) throw new LogError('MALFORMED_REQUEST', 'the body is empty: send the entry as the request body', { field: 'body', hint: 'entries are 1 to 65,535 bytes' });
    // Trust boundary: only the intake makes typed leaves, and only the log its records.
    const kind = leafKind(entry);
    if (kind !== 'raw') {
      throw new LogError('RESERVED_ENTRY', `the entry has the form of ${RESERVED[kind].what}, which only the log writes`, { field: 'body', hint: RESERVED[kind].hint });
    }
    let result;
    try {
      result = await deps.sequencer.submit(entry, c.get('partner').id);
    } catch (e) {
      countSubmission('error');
      throw e;
    }
    countSubmission(result.duplicate ? 'duplicate' : 'new');
    return receiptResponse(c, result, false);
  });

  recordRoutes(app, {
    sequencer: deps.sequencer,
    events: deps.events,
    partnerAuth,
    intake: { sha256, randomBytes: (n) => new Uint8Array(randomBytes(n)) },
    takeWrites(partnerId, count) {
      const wait = deps.rateLimit?.take(partnerId, count) ?? 0;
      return wait > 0 ? wait : (deps.logQuota?.limiter.take('log', count) ?? 0);
    },
    receipt: (result) => formatReceipt({ leafIndex: result.leafIndex, inclusionProof: result.inclusionProof, checkpoint: result.checkpoint }),
    countSubmission,
  });

  eventRoutes(app, {
    events: deps.events,
    sequencer: deps.sequencer,
    partnerAuth,
    receiptResponse: (c, result) => receiptResponse(c, result, true),
    countSubmission,
  });

  /**
   * A write's answer: the receipt material, and for a typed event the leaf the log built.
   * With `?witnessed=true` the receipt is against the first witnessed checkpoint that
   * includes the entry, waited for at most `witnessWaitMs`; with `?mirrored=true`, against
   * the first checkpoint the mirror quorum holds and cosigned (the witnessed one, when the
   * log has witnesses: it carries both), waited for at most `mirrorWaitMs`. If none comes in
   * time, the answer is the log-signed receipt with `"witnessed": false` or `"mirrored":
   * false`, and the one asked for is at the `Location` given (the entry is in the log either way).
   */
  async function receiptResponse(c: Context<Env>, result: SubmitResult, withData: boolean): Promise<Response> {
    const status = result.duplicate ? 200 : 201;
    const body = {
      index: result.leafIndex,
      leafHash: b64(result.leafHash),
      ...(withData ? { data: b64(result.data) } : {}),
    };
    const witnessed = deps.witnessing !== undefined && witnessedParam(c.req.query('witnessed'));
    const mirrored = deps.mirroring !== undefined && mirroredParam(c.req.query('mirrored'));
    if (!witnessed && !mirrored) return c.json({ ...body, ...receiptFields(result) }, status);
    const head = mirrored
      ? await deps.mirroring!.waitFor(result.leafIndex + 1, deps.mirrorWaitMs ?? 30_000)
      : await deps.witnessing!.waitFor(result.leafIndex + 1, deps.witnessWaitMs ?? 10_000);
    // A mirrored checkpoint of a log with witnesses is a witnessed one.
    const flags = { ...(witnessed || (mirrored && deps.witnessing !== undefined) ? { witnessed: head !== undefined } : {}), ...(mirrored ? { mirrored: head !== undefined } : {}) };
    if (head !== undefined) {
      const receipt = await read.receiptAgainst(result.leafIndex, head);
      const { inclusionProof } = parseReceipt(receipt);
      return c.json({ ...body, treeSize: head.treeSize, inclusionProof: b64List(inclusionProof), checkpoint: head.checkpoint, receipt, ...flags }, status);
    }
    c.header('Location', under(base, `/v1/receipts/${result.leafIndex}${mirrored ? '?mirrored=true' : ''}`));
    return c.json({ ...body, ...receiptFields(result), ...flags }, status);
  }

  // ---- Read: c2sp.org/tlog-tiles ----------------------------------------------------
  app.get('/checkpoint', async (c) => {
    const head = await read.checkpoint();
    return c.body(head.checkpoint, 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': NO_CACHE });
  });

  app.get('/tile/*', async (c) => {
    const path = parseTilePath(c.req.path.slice(1));
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Cache-Control': path.width === 256 ? IMMUTABLE : NO_CACHE,
    };
    if (path.kind === 'entries') {
      headers.Vary = 'Accept-Encoding';
      const gzipped = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
      if (gzipped) headers['Content-Encoding'] = 'gzip';
      // A full bundle already in memory costs no read and no work: answered at once, not in
      // the turns of the gate, which would cap it at two a turn. Gzipped answers stay in the
      // gate: a gzipped bundle of large entries is as large as the plain one, and those asked
      // for with gzip are the ones a client is likeliest to fetch over and over.
      if (path.width === 256 && !gzipped) {
        const cached = read.cachedBundle(path.index);
        if (cached !== undefined) return c.body(cached as Uint8Array<ArrayBuffer>, 200, headers);
      }
      return heavy(c, async () => {
        const bundle = await read.tile(path);
        if (gzipped) {
          const body = path.width === 256 ? await gzippedBundles.get(path.index, () => compress(bundle)) : await compress(bundle);
          return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
        }
        return c.body(bundle as Uint8Array<ArrayBuffer>, 200, headers);
      });
    }
    return c.body((await read.tile(path)) as Uint8Array<ArrayBuffer>, 200, headers);
  });

  // ---- Read: JSON API ----------------------------------------------------------------
  app.get('/v1/log', async (c) => {
    const head = await read.head();
    const meta = read.meta();
    c.header('Cache-Control', NO_CACHE);
    const log = { origin: meta.origin, verifierKey: meta.verifierKey, treeSize: head.treeSize, rootHash: b64(head.rootHash) };
    const cosigner = (w: WitnessStatus) => ({
      name: w.name,
      url: w.url,
      verifierKey: w.verifierKey,
      ...(w.treeSize === undefined ? {} : { treeSize: w.treeSize, cosignedAt: new Date(w.cosignedAt! * 1000).toISOString() }),
      ...(w.lastError === undefined ? {} : { lastError: w.lastError }),
    });
    const witnessed = await deps.witnessing?.current();
    const mirrored = deps.mirroring?.current();
    return c.json({
      ...log,
      witnesses: deps.witnessing?.status().map(cosigner) ?? [],
      quorum: deps.witnessing?.quorum ?? 0,
      ...(witnessed === undefined ? {} : { witnessedTreeSize: witnessed.treeSize }),
      ...(deps.mirroring === undefined ? {} : { mirrors: deps.mirroring.status().map(cosigner), mirrorQuorum: deps.mirroring.quorum }),
      ...(mirrored === undefined ? {} : { mirroredTreeSize: mirrored.treeSize }),
    });
  });

  app.get('/v1/proofs/inclusion', async (c) => {
    const query = c.req.query(); // parsed once, not once per parameter
    const treeSize = indexParam(query.treeSize, 'treeSize', false);
    const indexText = query.index;
    const hashText = query.leafHash;
    if ((indexText === undefined) === (hashText === undefined)) {
      throw new LogError('MALFORMED_REQUEST', 'give exactly one of index and leafHash', { field: 'index', hint: '?index=5 or ?leafHash=<64 hex digits>' });
    }
    const leafIndex = indexText !== undefined ? indexParam(indexText, 'index', true) : await read.findLeaf(hexHashParam(hashText, 'leafHash'));
    const proof = await read.inclusionProof(leafIndex, treeSize);
    return c.json({ index: proof.leafIndex, treeSize: proof.treeSize, inclusionProof: b64List(proof.inclusionProof) });
  });

  app.get('/v1/proofs/consistency', async (c) => {
    const query = c.req.query();
    const from = indexParam(query.from, 'from', true);
    const to = indexParam(query.to, 'to', false);
    const proof = await read.consistencyProof(from, to);
    return c.json({ from: proof.from, to: proof.to, consistencyProof: b64List(proof.consistencyProof) });
  });

  app.get('/v1/entries/:index', async (c) => {
    const index = indexParam(c.req.param('index'), 'index', true);
    const [entry] = await read.entries(index, 1);
    if (entry === undefined) throw new LogError('NOT_FOUND', `no entry ${index}`, { field: 'index' });
    return c.json({ index, leafHash: b64(entry.leafHash), data: b64(entry.data) });
  });

  app.get('/v1/entries', async (c) => {
    const query = c.req.query();
    const start = indexParam(query.start, 'start', true);
    const count = indexParam(query.count, 'count', false) ?? 100;
    if (count < 1 || count > 1000) throw new LogError('MALFORMED_REQUEST', 'count must be 1 to 1000', { field: 'count' });
    // Bounded in bytes, not only in count: entries may be up to 64 KiB each, and anyone may ask.
    // Read and encoded in turn with other reads of entry data (HEAVY_READS_AT_ONCE).
    const { entries, body } = await heavy(c, async () => {
      const page = await read.entries(start, count, MAX_ENTRIES_PAGE_BYTES);
      const json: Record<string, unknown> = { entries: page.map((e) => ({ index: e.leafIndex, leafHash: b64(e.leafHash), data: b64(e.data) })) };
      return { entries: page, body: json };
    });
    const last = entries.at(-1);
    if (last !== undefined && entries.length < count) {
      // Cut short by size (or at the log's end): where the rest starts, if it exists.
      const next = last.leafIndex + 1;
      if (next < (await read.head()).treeSize) {
        body.next = next;
        c.header('Link', `<${under(base, `/v1/entries?start=${next}&count=${count - entries.length}`)}>; rel="next"`);
      }
    }
    return c.json(body);
  });

  app.get('/v1/receipts/:index', async (c) => {
    const index = indexParam(c.req.param('index'), 'index', true);
    if (mirroredParam(c.req.query('mirrored'))) {
      if (deps.mirroring === undefined) throw new LogError('MALFORMED_REQUEST', 'this log has no mirrors: there is no mirrored receipt', { field: 'mirrored', hint: 'leave out ?mirrored=true' });
      const head = deps.mirroring.current();
      if (head === undefined || head.treeSize <= index) {
        // Only an index in the log waits for the mirrors; any other is not found.
        await read.receipt(index);
        throw new LogError('NOT_YET_MIRRORED', `entry ${index} is in the log, but not yet in a checkpoint the mirror quorum holds and cosigned (the latest has ${head?.treeSize ?? 0} entries)`, { field: 'index' });
      }
      return c.body(await read.receiptAgainst(index, head), 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': NO_CACHE });
    }
    return c.body(await read.receipt(index), 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': NO_CACHE });
  });

  // ---- Operations ------------------------------------------------------------------------
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.ready();
    } catch (e) {
      throw new LogError('UNAVAILABLE', 'not ready: the database or the sequencer is down', { cause: e });
    }
    return c.json({ status: 'ready' });
  });
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }));

  // ---- The explorer's web pages --------------------------------------------------------
  if (deps.web !== undefined) webRoutes(app, deps.web);

  return app;
}

/** The receipt fields of a write's answer, against the checkpoint its batch signed. */
function receiptFields(result: SubmitResult) {
  return {
    treeSize: result.treeSize,
    inclusionProof: b64List(result.inclusionProof),
    checkpoint: result.checkpoint,
    receipt: formatReceipt({ leafIndex: result.leafIndex, inclusionProof: result.inclusionProof, checkpoint: result.checkpoint }),
  };
}

/** `?mirrored=true|false`, strictly. */
function mirroredParam(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new LogError('MALFORMED_REQUEST', `mirrored must be true or false, got ${JSON.stringify(value)}`, { field: 'mirrored' });
}

/** `?witnessed=true|false`, strictly. */
function witnessedParam(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new LogError('MALFORMED_REQUEST', `witnessed must be true or false, got ${JSON.stringify(value)}`, { field: 'witnessed' });
}
