/**
 * The HTTP API of `sightline witness`: c2sp.org/tlog-witness `add-checkpoint` (the
 * submission prefix is the root), a small monitoring API under /v1, and health checks.
 *
 * The spec's own answers to add-checkpoint (400, 403, 404, 409, 422, 200) are sent as the
 * spec words them: plain text, or `text/x.tlog.size` for a wrong old size. Anything else (a
 * body over the limit, a storage outage, an unknown route) is an RFC 9457 problem, as in
 * the log's API.
 */
import { Hono } from 'hono';
import { decodeUtf8 } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import { type AddCheckpointResult, MAX_ADD_CHECKPOINT_BODY, type Witness, type WitnessEvidence } from '../witness/index.js';
import { readBody } from './encoding.js';
import { handleRequests } from './request-context.js';

export interface WitnessAppDeps {
  readonly witness: Witness;
  /**
   * Keeps a correctly signed checkpoint refused as inconsistent: proof of log misbehaviour
   * for a third party. A failure here is logged; the client still gets its answer.
   */
  readonly onEvidence?: (evidence: WitnessEvidence) => Promise<void> | void;
  /** Throws if the witness cannot serve (database unreachable, stopping). */
  readonly ready?: () => Promise<void>;
  /** Structured log sink: one JSON object per call. */
  readonly log: (record: Record<string, unknown>) => void;
  /** Log every request; otherwise only 5xx answers and refused-as-inconsistent checkpoints. */
  readonly accessLog?: boolean;
}

type Env = { Variables: { requestId: string } };

const TEXT = 'text/plain; charset=utf-8';

/**
 * POST /add-checkpoint (c2sp.org/tlog-witness), answered by `addCheckpoint`: a witness's, or a
 * mirror's moving its pending checkpoint (c2sp.org/tlog-mirror). A refusal that rests on two
 * checkpoints the log signed is logged and its evidence kept.
 */
export function addCheckpointRoute<E extends Env>(
  app: Hono<E>,
  addCheckpoint: (body: string) => Promise<AddCheckpointResult>,
  deps: Pick<WitnessAppDeps, 'onEvidence' | 'log'>,
): void {
  app.post('/add-checkpoint', async (c) => {
    let bytes: Uint8Array;
    try {
      bytes = await readBody(c.req, MAX_ADD_CHECKPOINT_BODY);
    } catch (e) {
      if (isLogError(e, 'ENTRY_TOO_LARGE')) {
        throw new LogError('ENTRY_TOO_LARGE', `an add-checkpoint body is at most ${MAX_ADD_CHECKPOINT_BODY} bytes`, {
          field: 'body',
          hint: 'send the old size, at most 63 proof lines and one checkpoint',
        });
      }
      throw e;
    }
    // Trust boundary: the body is untrusted; the witness core parses and checks all of it.
    const body = decodeUtf8(bytes);
    if (body === undefined) return c.body("couldn't parse add-checkpoint request: the body is not valid UTF-8\n", 400, { 'Content-Type': TEXT });
    const result = await addCheckpoint(body);
    if (result.evidence !== undefined) await keepEvidence(result.evidence, c.get('requestId'));
    return c.body(result.body, result.status, { 'Content-Type': result.contentType, 'Cache-Control': 'no-store' });
  });

  async function keepEvidence(evidence: WitnessEvidence, requestId: string): Promise<void> {
    deps.log({ level: 'warn', msg: 'refused an inconsistent checkpoint', requestId, origin: evidence.origin, failure: evidence.failure, detail: evidence.detail });
    if (deps.onEvidence === undefined) return;
    try {
      await deps.onEvidence(evidence);
    } catch (e) {
      deps.log({ level: 'error', msg: "couldn't keep the evidence", requestId, origin: evidence.origin, error: String(e) });
    }
  }
}

export function createWitnessApp(deps: WitnessAppDeps): Hono<Env> {
  const { witness } = deps;
  const app = new Hono<Env>();

  handleRequests(app, { log: deps.log, accessLog: deps.accessLog, routesHint: 'POST /add-checkpoint, GET /v1/logs' });

  // ---- c2sp.org/tlog-witness "add-checkpoint" ----------------------------------------
  addCheckpointRoute(app, witness.addCheckpoint, deps);

  // ---- Monitoring ---------------------------------------------------------------------
  app.get('/v1/logs', async (c) => {
    const logs = await Promise.all(
      witness.logs.map(async (log) => {
        const state = await witness.latestCheckpoint(log.origin);
        return { origin: log.origin, verifierKeys: log.verifierKeys ?? [], treeSize: state?.treeSize ?? null };
      }),
    );
    return c.json({ name: witness.name, verifierKey: witness.verifierKey, logs }, 200, { 'Cache-Control': 'no-cache' });
  });

  // The origin usually holds slashes, so it is one URL-encoded path segment; read from the
  // raw path, since routers decode %2F into a separator.
  app.get('/v1/logs/*', async (c) => {
    const path = new URL(c.req.url).pathname;
    const prefix = '/v1/logs/';
    const suffix = '/checkpoint';
    if (!path.startsWith(prefix) || !path.endsWith(suffix) || path.length <= prefix.length + suffix.length) {
      throw new LogError('NOT_FOUND', `no route for GET ${path}`, { hint: 'GET /v1/logs/<URL-encoded origin>/checkpoint' });
    }
    let origin: string;
    try {
      origin = decodeURIComponent(path.slice(prefix.length, -suffix.length));
    } catch {
      throw new LogError('MALFORMED_REQUEST', 'the origin in the path is not valid percent-encoded UTF-8', { field: 'origin' });
    }
    if (!witness.logs.some((log) => log.origin === origin)) {
      throw new LogError('NOT_FOUND', `this witness does not witness the log ${JSON.stringify(origin)}`, { field: 'origin', hint: 'GET /v1/logs lists the logs' });
    }
    const state = await witness.latestCheckpoint(origin);
    if (state === undefined) throw new LogError('NOT_FOUND', `this witness has not cosigned a checkpoint of ${origin} yet`, { field: 'origin' });
    return c.body(state.checkpoint, 200, { 'Content-Type': TEXT, 'Cache-Control': 'no-cache' });
  });

  // ---- Operations ---------------------------------------------------------------------
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.ready?.();
    } catch (e) {
      throw new LogError('UNAVAILABLE', 'not ready: the database is down or the witness is stopping', { cause: e });
    }
    return c.json({ status: 'ready' });
  });

  return app;
}
