/**
 * The typed-event API: partners record events; claimants (or their advocates) find their
 * entries by tag bucket and open the details with reveal tokens; operators issue subject
 * keys; anyone reads the schemas, code lists, partner keys and sequence gaps that make
 * every event checkable.
 *
 * Trust boundary: request bodies and tokens are untrusted. A subject id, `details` and `r`
 * are never logged, never put in a metric label and never echoed in an error.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { decodeHex, decodeUtf8, encodeHex } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType, MAX_DETAILS_REQUEST_BODY, parseDetailsRequest } from '../events/index.js';
import type { LogStore } from '../log/index.js';
import type { Hash } from '../merkle/index.js';
import type { EventSequencer, EventSubmission, SubmitResult } from '../sequencer/index.js';
import type { CodeListsInForce, SubmittingPartner } from '../intake/index.js';
import type { OperatorAct } from '../operator/index.js';
import { b64, hexHashParam, indexParam, readBody } from './encoding.js';

/** The most bytes a POST /v1/events body may take: the event, details up to 16 KiB, and the rest. */
export const MAX_EVENT_BODY = 64 * 1024;

/** Most sequence gaps listed in one answer. */
const MAX_GAPS = 1_000;

export interface EventApi {
  /** Checks a POST /v1/events body from an authenticated partner. */
  prepare(body: unknown, partner: SubmittingPartner): Promise<EventSubmission>;
  /** The code lists in force. */
  codes(): CodeListsInForce;
  readonly store: Pick<LogStore, 'readDetails' | 'readDetailsByRevealHash' | 'readTagBucket' | 'partnerSequence' | 'listPartners' | 'readCodeLists' | 'readStandingRecords' | 'readMoneyRecordsAt'>;
  /** The active operator holding the token with this hash. */
  authenticateOperator(tokenHash: Uint8Array): Promise<string | undefined>;
  /** The active auditor holding the token with this hash. */
  authenticateAuditor(tokenHash: Uint8Array): Promise<string | undefined>;
  /** A claimant's subject key for a year, as held-key text (`subject-key:YYYY:<hex>`). */
  subjectKey(scheme: string, id: string, year: string): Promise<string>;
  /**
   * The operator's own acts, recorded in the log before they take effect. Without it, the
   * routes that would need it (an operator's read of details, a subject key) refuse.
   */
  readonly operatorActs?: {
    record(act: OperatorAct): Promise<number>;
    /** The pseudonym an account's acts are recorded under. */
    pseudonym(kind: 'operator' | 'auditor' | 'admin', id: string): string;
  };
}

const NO_STORE = 'no-store';

/** What the app's middleware puts on each request's context. */
export type AppEnv = { Variables: { requestId: string; partner: SubmittingPartner } };

/** The bearer token of the request, or undefined. */
export function bearerToken(c: Context): string | undefined {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(c.req.header('authorization') ?? '');
  return match?.[1];
}

export function sha256(data: Uint8Array | string): Hash {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

async function jsonBody(c: Context, max: number, what?: string): Promise<unknown> {
  const text = decodeUtf8(await readBody(c.req, max, what));
  if (text === undefined) throw new LogError('MALFORMED_REQUEST', 'the body is not UTF-8', { field: 'body' });
  try {
    return JSON.parse(text);
  } catch {
    throw new LogError('MALFORMED_REQUEST', 'the body is not JSON', { field: 'body', hint: 'send Content-Type: application/json and a JSON object' });
  }
}

async function requireOperator(c: Context, api: EventApi): Promise<string> {
  const token = bearerToken(c);
  const operator = token === undefined ? undefined : await api.authenticateOperator(sha256(token));
  if (operator === undefined) {
    throw new LogError('UNAUTHORIZED', 'an operator bearer token is required', { field: 'Authorization', hint: 'send "Authorization: Bearer <token>" with a token from "sightline operator add"' });
  }
  return operator;
}

export function operatorActs(api: EventApi): NonNullable<EventApi['operatorActs']> {
  if (api.operatorActs === undefined) throw new LogError('UNAVAILABLE', "this log cannot record the operator's acts, so it does not do them", { hint: 'the server assembles its log with the operator key' });
  return api.operatorActs;
}

/**
 * Why an operator acts: a purpose and a legal basis, each a code from the lists in force
 * (GET /v1/codes). Required: the log records them with the act, and refuses the act without.
 */
export function reason(purpose: unknown, legalBasis: unknown, what: string): { purpose: string; legalBasis: string } {
  for (const [field, value, list] of [
    ['purpose', purpose, 'purposes'],
    ['legalBasis', legalBasis, 'legalBases'],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) {
      throw new LogError('MALFORMED_REQUEST', `${what} must say ${field === 'purpose' ? 'why' : 'under which law'}: ${field} is required`, {
        field,
        hint: `a code from the ${list} list at GET /v1/codes (for example ${field === 'purpose' ? 'subject-access-request' : 'ukgdpr-6-1-c'}); the log records it with the act`,
      });
    }
  }
  return { purpose: purpose as string, legalBasis: legalBasis as string };
}

/** Records an operator's act; a refused code is named by the request's own field. */
export async function recordAct(api: EventApi, act: OperatorAct): Promise<number> {
  try {
    return await operatorActs(api).record(act);
  } catch (e) {
    if (e instanceof LogError && (e.field === 'event.purpose' || e.field === 'event.legalBasis')) {
      throw new LogError(e.code, e.message.replace('event.', ''), { field: e.field.slice('event.'.length), hint: e.hint, cause: e });
    }
    throw e;
  }
}

export interface EventRouteDeps {
  readonly events: EventApi;
  readonly sequencer: Pick<EventSequencer, 'submitEvent'>;
  /** The middleware that authenticates a partner and sets `partner`. */
  readonly partnerAuth: MiddlewareHandler<AppEnv>;
  /** Renders a write's receipt response. */
  readonly receiptResponse: (c: Context<AppEnv>, result: SubmitResult) => Promise<Response>;
  readonly countSubmission: (result: 'new' | 'duplicate' | 'error') => void;
}

export function eventRoutes(app: Hono<AppEnv>, deps: EventRouteDeps): void {
  const api = deps.events;

  // ---- Write: a partner's typed event ------------------------------------------------
  app.post('/v1/events', deps.partnerAuth, async (c) => {
    const body = await jsonBody(c, MAX_EVENT_BODY);
    let result;
    try {
      const submission = await api.prepare(body, c.get('partner'));
      result = await deps.sequencer.submitEvent(submission);
    } catch (e) {
      deps.countSubmission('error');
      throw e;
    }
    deps.countSubmission(result.duplicate ? 'duplicate' : 'new');
    return deps.receiptResponse(c, result);
  });

  // ---- A claimant's details, by reveal token (or an operator's token) --------------------
  app.get('/v1/entries/:index/details', async (c) => {
    const index = indexParam(c.req.param('index'), 'index', true);
    const stored = await api.store.readDetails(index);
    if (stored === undefined) {
      throw new LogError('NOT_FOUND', `entry ${index} has no details: it is not a typed event, or not in the log`, { field: 'index', hint: 'only typed events (POST /v1/events) have details' });
    }
    if ('erasedBy' in stored) {
      // Public anyway: the erasure event names its target in the log.
      throw new LogError('ERASED', `the details of entry ${index} were erased by the erasure event at index ${stored.erasedBy}`, {
        field: 'index',
        hint: `see GET /v1/entries/${stored.erasedBy}`,
        extensions: { erasedBy: stored.erasedBy },
      });
    }
    const token = bearerToken(c);
    if (token === undefined) {
      throw new LogError('UNAUTHORIZED', 'a reveal token or an operator token is required', {
        field: 'Authorization',
        hint: 'send "Authorization: Bearer <reveal token in hex>", derived from your key, or an operator token',
      });
    }
    const reveal = /^[0-9a-f]{64}$/.test(token) ? decodeHex(token)! : undefined;
    if (reveal !== undefined) {
      // Constant time: the comparison must not tell a guesser how much of a hash matched.
      if (stored.revealHash === null || !timingSafeEqual(sha256(reveal), stored.revealHash)) {
        throw new LogError('FORBIDDEN', `the token does not open entry ${index}'s details`, { field: 'Authorization', hint: "a reveal token opens only its own entry; derive it from the day key for the entry's tag" });
      }
      c.header('Cache-Control', NO_STORE);
      return c.json({ index, details: JSON.parse(stored.details) as unknown, opening: b64(stored.opening) });
    }
    const operator = await api.authenticateOperator(sha256(token));
    if (operator === undefined) throw new LogError('FORBIDDEN', `the token does not open entry ${index}'s details`, { field: 'Authorization', hint: "a reveal token opens only its own entry; derive it from the day key for the entry's tag" });
    // The operator's read is appended to the log, and committed, before the details are
    // shown: nobody reads a claimant's details without the log growing (issue 14, seam 3).
    const why = reason(c.req.query('purpose'), c.req.query('legalBasis'), "an operator's read of an entry's details");
    const disclosure = await recordAct(api, { type: 'disclosure', actor: operatorActs(api).pseudonym('operator', operator), ...why, target: index });
    c.header('Cache-Control', NO_STORE);
    return c.json({ index, details: JSON.parse(stored.details) as unknown, opening: b64(stored.opening), disclosure });
  });

  // ---- A claimant's details, by reveal tokens alone -------------------------------------
  // What a lookup uses (src/client/lookup.ts): the request names no entry — no index in the
  // path, no token in a header — only a body of tokens, which a client pads to a fixed count
  // with random ones and shuffles (src/events/details-request.ts). Each token's entry is found
  // by SHA-256(token), as the route above checks it; one indexed query for the whole request.
  // Unauthenticated: a token opens only its own entry. `Cache-Control: no-store` is set on
  // every answer, errors included, by the security middleware.
  app.post('/v1/details', async (c) => {
    const tokens = parseDetailsRequest(await jsonBody(c, MAX_DETAILS_REQUEST_BODY, 'a details request'));
    const hashes = tokens.map((t) => sha256(t));
    const found = await api.store.readDetailsByRevealHash(hashes);
    // One answer per token, in the order asked; the same shape whether or not it opened anything.
    const results = hashes.map((h) => {
      const stored = found.get(encodeHex(h));
      if (stored === undefined) return { status: 'unknown' };
      if ('erasedBy' in stored) return { status: 'erased', index: stored.leafIndex, erasedBy: stored.erasedBy };
      return { status: 'found', index: stored.leafIndex, details: JSON.parse(stored.details) as unknown, opening: b64(stored.opening) };
    });
    return c.json({ results });
  });

  // ---- Lookup by tag prefix bucket ------------------------------------------------------
  app.get('/v1/tags/:prefix', async (c) => {
    const prefix = c.req.param('prefix');
    if (!/^[0-9a-f]{4}$/.test(prefix)) {
      throw new LogError('MALFORMED_REQUEST', 'the prefix is the first 4 lowercase hex digits of a tag', { field: 'prefix', hint: 'for example /v1/tags/3fa9' });
    }
    const rows = await api.store.readTagBucket(decodeHex(prefix)!);
    c.header('Cache-Control', 'no-cache');
    return c.json({ prefix, tags: rows.map((r) => ({ tag: encodeHex(r.tag), index: r.leafIndex })) });
  });

  // ---- Subject keys, for claimants (behind identity verification in production) ---------
  app.post('/v1/subject-keys', async (c) => {
    const operator = await requireOperator(c, api);
    const body = await jsonBody(c, 4096);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new LogError('MALFORMED_REQUEST', 'the body must be a JSON object', { field: 'body', hint: 'send {"scheme", "id", "year"}' });
    const { scheme, id, year, purpose, legalBasis, ...rest } = body as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw new LogError('MALFORMED_REQUEST', `unknown member ${JSON.stringify(extra.slice(0, 40))}`, { field: extra, hint: 'the members are scheme, id, year, purpose and legalBasis' });
    if (typeof year !== 'string' || !/^2[0-9]{3}$/.test(year)) throw new LogError('MALFORMED_REQUEST', 'year must be a four-digit year as a string', { field: 'year', hint: 'for example "2026"' });
    if (typeof scheme !== 'string') throw new LogError('MALFORMED_REQUEST', 'scheme must be a string', { field: 'scheme', hint: 'nino or customer-ref' });
    if (typeof id !== 'string') throw new LogError('MALFORMED_REQUEST', 'id must be a string', { field: 'id', hint: "the claimant's identifier in the scheme" });
    const subjectKey = await api.subjectKey(scheme, id, year); // checks the reference and the year
    const why = reason(purpose, legalBasis, "an operator's issue of a subject key");
    // Recorded, under the claimant's own tag, before the key is handed over.
    const recordedAs = await recordAct(api, { type: 'subject-key', actor: operatorActs(api).pseudonym('operator', operator), ...why, year, subject: { scheme, id } });
    c.header('Cache-Control', NO_STORE);
    return c.json({ year, subjectKey, recordedAs });
  });

  // ---- What makes every event checkable: schemas, codes, partners ------------------------
  app.get('/v1/schemas', (c) => c.json({ schemas: EVENT_SCHEMAS }));
  app.get('/v1/schemas/:type', (c) => {
    const type = c.req.param('type');
    if (!(EVENT_TYPES as readonly string[]).includes(type)) throw new LogError('NOT_FOUND', `no event type ${JSON.stringify(type.slice(0, 40))}`, { field: 'type', hint: `one of ${EVENT_TYPES.join(', ')}` });
    return c.body(JSON.stringify(EVENT_SCHEMAS[type as EventType]), 200, { 'Content-Type': 'application/schema+json' });
  });

  app.get('/v1/codes', (c) => {
    const inForce = api.codes();
    c.header('Cache-Control', 'no-cache');
    // leafIndex is null until the first typed event since the lists changed is accepted.
    return c.json({ sha256: encodeHex(inForce.sha256), leafIndex: inForce.recorded()?.leafIndex ?? null, codes: inForce.codes });
  });
  app.get('/v1/codes/:sha256', async (c) => {
    const version = await api.store.readCodeLists(hexHashParam(c.req.param('sha256'), 'sha256'));
    if (version === undefined) throw new LogError('NOT_FOUND', 'no code lists with that hash were ever used by this log', { field: 'sha256', hint: 'GET /v1/codes for the lists in force' });
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    return c.json({ sha256: encodeHex(version.sha256), leafIndex: version.leafIndex, codes: JSON.parse(version.body) as unknown });
  });

  app.get('/v1/partners', async (c) => {
    const partners = await api.store.listPartners();
    c.header('Cache-Control', 'no-cache');
    return c.json({
      partners: partners.map((p) => ({
        id: p.id,
        name: p.name,
        publicKey: p.publicKey === null ? null : b64(p.publicKey),
        previousKeys: p.previousKeys.map(b64),
        active: p.revokedAt === null,
        createdAt: p.createdAt.toISOString(),
        revokedAt: p.revokedAt?.toISOString() ?? null,
      })),
    });
  });
  app.get('/v1/partners/:id/sequence', async (c) => {
    const id = c.req.param('id');
    const partners = await api.store.listPartners();
    if (!partners.some((p) => p.id === id)) throw new LogError('NOT_FOUND', 'no such partner', { field: 'id', hint: 'GET /v1/partners lists them' });
    const sequence = await api.store.partnerSequence(id, MAX_GAPS);
    c.header('Cache-Control', 'no-cache');
    return c.json({ partner: id, ...sequence });
  });
}
