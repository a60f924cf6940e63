/**
 * The HTTP API of `sightline mirror` (c2sp.org/tlog-mirror). The submission prefix and the
 * monitoring prefix are both the root:
 *
 *   POST /add-checkpoint        a witness's add-checkpoint, moving the pending checkpoint
 *   POST /add-entries           entry packages (gzip accepted), 200 with the mirror's cosignature
 *   GET  /<origin hash>/checkpoint, /<origin hash>/tile/…
 *                               each mirrored log as c2sp.org/tlog-tiles, under the hex SHA-256
 *                               of its origin, the checkpoint carrying the mirror's cosignature
 *   GET  /logs.txt              the logs it accepts, in the witness network's logs/v0 format
 *   GET  /v1/logs               how far it holds each log (JSON)
 *
 * The spec's own answers (400, 404, 409, 422, 202, 200) are sent as the spec words them;
 * anything else is an RFC 9457 problem, as in the log's API.
 */
import { Hono } from 'hono';
import { formatLogList } from '../discovery/index.js';
import { LogError } from '../errors.js';
import type { Mirror } from '../mirror/index.js';
import type { WitnessEvidence } from '../witness/index.js';
import { handleRequests } from './request-context.js';
import { addCheckpointRoute } from './witness-app.js';

export interface MirrorAppDeps {
  readonly mirror: Mirror;
  readonly onEvidence?: (evidence: WitnessEvidence) => Promise<void> | void;
  /** Told of each checkpoint the mirror cosigned (for the log and the metrics). */
  readonly onMirrored?: (origin: string, treeSize: number) => void;
  readonly ready?: () => Promise<void>;
  readonly log: (record: Record<string, unknown>) => void;
  readonly accessLog?: boolean;
  /** The contact line of the logs/v0 list. */
  readonly contact: string;
  /** add-entries requests read at once (default 16); more are answered 503 without reading their body. */
  readonly maxUploads?: number;
}

type Env = { Variables: { requestId: string } };

const IMMUTABLE = 'public, max-age=31536000, immutable';
const NO_CACHE = 'no-cache';
const ORIGIN_HASH = /^[0-9a-f]{64}$/;
/** The add-checkpoint rate the logs/v0 list offers each log (one a minute). */
const LIST_QPD = 1440;

/** The body as it comes, gunzipped when it says so (c2sp.org/tlog-mirror: gzip MUST be accepted). */
function bodyChunks(request: Request): AsyncIterable<Uint8Array> {
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  const body = request.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  if (encoding === 'identity') return body as unknown as AsyncIterable<Uint8Array>;
  if (encoding === 'gzip' || encoding === 'x-gzip') return body.pipeThrough(new DecompressionStream('gzip')) as unknown as AsyncIterable<Uint8Array>;
  throw new LogError('MALFORMED_REQUEST', `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported`, {
    field: 'Content-Encoding',
    hint: 'send the body as it is, or gzipped with Content-Encoding: gzip',
  });
}

export function createMirrorApp(deps: MirrorAppDeps): Hono<Env> {
  const { mirror } = deps;
  const app = new Hono<Env>();
  handleRequests(app, { log: deps.log, accessLog: deps.accessLog, routesHint: 'POST /add-checkpoint, POST /add-entries, GET /logs.txt, GET /v1/logs, GET /<origin hash>/checkpoint' });

  // Reads are open to any origin (a browser's checks read tiles from the mirror, as from the
  // log), never with credentials; writes get no CORS header, so a web page cannot send them.
  app.use(async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    if (c.req.method === 'GET' || c.req.method === 'HEAD') c.header('Access-Control-Allow-Origin', '*');
    await next();
  });

  addCheckpointRoute(app, mirror.addCheckpoint, deps);

  // Each upload being read may hold one package (up to 256 entries of 64 KiB, however small its
  // gzipped bytes were): the number read at once bounds what anyone can make the mirror hold.
  const maxUploads = deps.maxUploads ?? 16;
  let uploads = 0;
  app.post('/add-entries', async (c) => {
    if (uploads >= maxUploads) {
      throw new LogError('UNAVAILABLE', `the mirror is reading ${maxUploads} uploads already`, { field: 'body', hint: 'retry after the seconds in Retry-After; the next entry is kept, so an upload resumes where it stopped' });
    }
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/octet-stream') {
      throw new LogError('MALFORMED_REQUEST', 'an add-entries body must be sent as application/octet-stream', {
        field: 'Content-Type',
        hint: 'set Content-Type: application/octet-stream',
      });
    }
    // Trust boundary: the body is the uploader's; the mirror core verifies every package before storing it.
    const body = bodyChunks(c.req.raw);
    uploads++;
    let result;
    try {
      result = await mirror.addEntries(body);
    } finally {
      uploads--;
    }
    if (result.mirrored !== undefined) deps.onMirrored?.(result.mirrored.origin, result.mirrored.treeSize);
    return c.body(result.body, result.status, { 'Content-Type': result.contentType, 'Cache-Control': 'no-store', 'Accept-Encoding': 'gzip' });
  });

  app.get('/logs.txt', (c) => {
    const logs = mirror.logs.flatMap((log) => (log.verifierKeys ?? []).map((vkey) => ({ vkey, origin: log.origin, qpd: LIST_QPD, contact: deps.contact })));
    return c.body(formatLogList(logs, [`the logs mirrored by ${mirror.name}`, `mirror key ${mirror.verifierKey}`]), 200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': NO_CACHE,
    });
  });

  app.get('/v1/logs', async (c) => {
    const logs = await Promise.all(
      mirror.logs.map(async (log) => {
        const p = await mirror.progress(log.origin);
        return {
          origin: log.origin,
          originHash: log.originHash,
          verifierKeys: log.verifierKeys ?? [],
          pendingSize: p.pending?.treeSize ?? null,
          nextEntry: p.nextEntry,
          mirrorSize: p.mirror?.treeSize ?? null,
        };
      }),
    );
    return c.json({ name: mirror.name, verifierKey: mirror.verifierKey, logs }, 200, { 'Cache-Control': NO_CACHE });
  });

  const unknownLog = (hash: string) =>
    new LogError('NOT_FOUND', `this mirror serves no log at ${JSON.stringify(hash.slice(0, 70))}`, { field: 'origin', hint: 'GET /v1/logs lists the logs and their origin hashes' });

  app.get('/:hash/checkpoint', async (c) => {
    const hash = c.req.param('hash');
    if (!ORIGIN_HASH.test(hash)) throw unknownLog(hash);
    const note = await mirror.checkpoint(hash);
    if (note === undefined) {
      if (!mirror.logs.some((l) => l.originHash === hash)) throw unknownLog(hash);
      throw new LogError('NOT_FOUND', 'this mirror has not cosigned a checkpoint of the log yet', { field: 'origin' });
    }
    return c.body(note, 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': NO_CACHE });
  });

  app.get('/:hash/tile/*', async (c) => {
    const hash = c.req.param('hash');
    if (!ORIGIN_HASH.test(hash)) throw unknownLog(hash);
    const path = new URL(c.req.url).pathname.slice(hash.length + 2);
    const data = await mirror.tile(hash, path); // MALFORMED_TILE (404, as the log answers it) for a path that is not one canonical tile path
    if (data === undefined) {
      throw new LogError('NOT_FOUND', `${path} is not in the tree this mirror cosigned`, { field: 'path', hint: 'read the mirror checkpoint first: only the tiles of its tree are served' });
    }
    return c.body(data as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/octet-stream',
      // A tile of a given width never changes; a partial one is superseded by wider ones, so it is not kept long by caches in between.
      'Cache-Control': path.includes('.p/') ? 'public, max-age=3600' : IMMUTABLE,
    });
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.ready?.();
    } catch (e) {
      throw new LogError('UNAVAILABLE', 'not ready: the database is down or the mirror is stopping', { cause: e });
    }
    return c.json({ status: 'ready' });
  });

  return app;
}
