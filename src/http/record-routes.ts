/**
 * The public-money API: bodies record many records in one request, each checked on its own
 * (a refused record never stops the others), each accepted one answered with its receipt;
 * anyone reads a body's records of a period as they stand and the record types' published
 * schemas; an auditor has a redacted record's sealed values opened, the opening recorded
 * first.
 *
 * Trust boundary: request bodies are untrusted. A redacted record's true values are never
 * logged, echoed in an error or put in a leaf (src/intake/record-intake.ts).
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { decodeUtf8 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { type RecordIntakeContext, prepareRecord } from '../intake/index.js';
import { PARTNER_PATTERN } from '../events/index.js';
import { LINE_TYPES, type MoneyRecord, RECORD_SCHEMAS, RECORD_TYPES, type RecordType, isDay, isLineType, parseMoneyLeaf, recordDay } from '../money/index.js';
import type { EventSequencer, SubmitResult } from '../sequencer/index.js';
import { b64, indexParam, readBody } from './encoding.js';
import { type AppEnv, type EventApi, bearerToken, operatorActs, reason, recordAct, sha256 } from './event-routes.js';
import { problemBody } from './problem.js';

/** The most records one request may carry: a month of a department's lines is a few thousand, sent in requests of this many. */
export const MAX_RECORDS_PER_REQUEST = 1_000;
/** The most bytes a POST /v1/records body may take: a thousand records of a few KiB, or a few large OCDS releases. */
export const MAX_RECORDS_BODY = 8 * 1024 * 1024;

/** The most records one GET /v1/records answer lists: the next page starts after the last. */
export const MAX_RECORDS_PER_PAGE = 1_000;
/** The longest period one GET /v1/records asks for, as a publication covers. */
const MAX_PERIOD_DAYS = 366;

export interface RecordRouteDeps {
  readonly sequencer: Pick<EventSequencer, 'submitRecord'>;
  /** The event API: its store, auditors' tokens, and the operator's acts an auditor's opening is recorded as. */
  readonly events: EventApi;
  /** The middleware that authenticates a partner (its rate limit taken once) and sets `partner`. */
  readonly partnerAuth: MiddlewareHandler<AppEnv>;
  readonly intake: RecordIntakeContext;
  /**
   * Takes the rest of a request's cost from the partner's write limits, one write per record
   * beyond the first (which the authentication took): 0 when it may go ahead, else the
   * seconds to wait.
   */
  readonly takeWrites: (partnerId: string, count: number) => number;
  /** Renders a write's receipt fields. */
  readonly receipt: (result: SubmitResult) => string;
  readonly countSubmission: (result: 'new' | 'duplicate' | 'error') => void;
}

function dayParam(value: string | undefined, field: string): string {
  if (value === undefined || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value) || !isDay(Number(value.slice(0, 4)), Number(value.slice(5, 7)), Number(value.slice(8, 10)))) {
    throw new LogError('MALFORMED_REQUEST', `${field} must be a day, YYYY-MM-DD`, { field, hint: `for example ${field}=2026-01-${field === 'from' ? '01' : '31'}` });
  }
  return value;
}

async function recordsOf(c: Context<AppEnv>): Promise<unknown[]> {
  const text = decodeUtf8(await readBody(c.req, MAX_RECORDS_BODY, 'a records request'));
  if (text === undefined) throw new LogError('MALFORMED_REQUEST', 'the body is not UTF-8', { field: 'body' });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new LogError('MALFORMED_REQUEST', 'the body is not JSON', { field: 'body', hint: 'send Content-Type: application/json and {"records": [ … ]}' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new LogError('MALFORMED_REQUEST', 'the body must be a JSON object', { field: 'body', hint: 'send {"records": [ … ]}' });
  const { records, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new LogError('MALFORMED_REQUEST', `unknown member ${JSON.stringify(extra.slice(0, 40))}`, { field: extra, hint: 'the body has one member, records' });
  if (!Array.isArray(records) || records.length === 0) throw new LogError('MALFORMED_REQUEST', 'records must be an array of 1 or more records', { field: 'records', hint: `send 1 to ${MAX_RECORDS_PER_REQUEST} records a request` });
  if (records.length > MAX_RECORDS_PER_REQUEST) {
    throw new LogError('ENTRY_TOO_LARGE', `records holds ${records.length} records, over ${MAX_RECORDS_PER_REQUEST} a request`, { field: 'records', hint: `send at most ${MAX_RECORDS_PER_REQUEST} records a request; sightline import splits a file for you` });
  }
  return records;
}

export function recordRoutes(app: Hono<AppEnv>, deps: RecordRouteDeps): void {
  // ---- Write: a body's records, many in one request -------------------------------------
  app.post('/v1/records', deps.partnerAuth, async (c) => {
    const partner = c.get('partner');
    const records = await recordsOf(c);
    const wait = deps.takeWrites(partner.id, records.length - 1);
    if (wait > 0) {
      throw new LogError('RATE_LIMITED', `partner ${partner.id} is over its write rate limit: this request is ${records.length} writes`, { field: 'records', extensions: { retryAfter: wait } });
    }
    const requestId = c.get('requestId');
    // Each record on its own, all at once: the sequencer batches them, and one refused
    // record (its schema, its key already taken) never stops the others.
    const results = await Promise.all(
      records.map(async (input, position) => {
        try {
          const result = await deps.sequencer.submitRecord(prepareRecord(input, partner, deps.intake));
          deps.countSubmission(result.duplicate ? 'duplicate' : 'new');
          return { position, status: result.duplicate ? 'duplicate' : 'created', index: result.leafIndex, leafHash: b64(result.leafHash), receipt: deps.receipt(result) };
        } catch (e) {
          deps.countSubmission('error');
          // Anything else is the server's fault, masked as such: the other records stand.
          return { position, status: 'refused', problem: problemBody(e instanceof LogError ? e : new LogError('INTERNAL', 'internal error', { cause: e }), requestId) };
        }
      }),
    );
    const refused = results.filter((r) => r.status === 'refused').length;
    return c.json({ accepted: results.length - refused, refused, results });
  });

  // ---- Read: a body's records of a period, as they stand -----------------------------------
  // Public, like the entries they are read from: what the importer compares a republished
  // file with, and where a reader starts before verifying each entry against a checkpoint.
  app.get('/v1/records', async (c) => {
    const body = c.req.query('body');
    if (body === undefined || !new RegExp(PARTNER_PATTERN).test(body)) throw new LogError('MALFORMED_REQUEST', 'body must be a partner id', { field: 'body', hint: 'the body whose records to list, as at GET /v1/partners' });
    const type = c.req.query('type');
    if (!isLineType(type)) throw new LogError('MALFORMED_REQUEST', `type must be one of ${LINE_TYPES.join(', ')}`, { field: 'type', hint: 'the type of records to list' });
    const from = dayParam(c.req.query('from'), 'from');
    const to = dayParam(c.req.query('to'), 'to');
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
    if (days < 1 || days > MAX_PERIOD_DAYS) throw new LogError('MALFORMED_REQUEST', `from to to must be 1 to ${MAX_PERIOD_DAYS} days`, { field: 'to', hint: 'ask for a month (or a publication period) at a time' });
    const after = indexParam(c.req.query('after'), 'after', false);
    const standing = await deps.events.store.readStandingRecords({ partnerId: body, recordType: type, from, to, after: after ?? -1, limit: MAX_RECORDS_PER_PAGE });
    const records = standing.flatMap((s) => {
      const record = parseMoneyLeaf(s.data)!;
      const current = record.type === 'amend' ? (record.record as MoneyRecord) : record;
      // An amendment may have moved the record out of the period: the current version decides.
      const day = recordDay(current);
      return day < from || day > to ? [] : [{ index: s.original, current: s.current, withdrawnBy: s.withdrawnBy, history: s.history, record: current }];
    });
    c.header('Cache-Control', 'no-cache');
    return c.json({ records, next: standing.length === MAX_RECORDS_PER_PAGE ? standing.at(-1)!.original : null });
  });

  // ---- An auditor opens a redacted record's sealed values ------------------------------------
  // Only a public-money record's sealed values, and only for an auditor: the opening is
  // appended to the log first (a disclosure, signed by the operator's key, naming the entry,
  // the auditor's pseudonym, why and under which law), and the values are answered only once
  // it is committed. Claimants' details are never opened here, whatever the token.
  app.get('/v1/records/:index/sealed', async (c) => {
    const index = indexParam(c.req.param('index'), 'index', true);
    const token = bearerToken(c);
    const auditor = token === undefined ? undefined : await deps.events.authenticateAuditor(sha256(token));
    if (auditor === undefined) {
      throw new LogError('UNAUTHORIZED', 'an auditor bearer token is required', { field: 'Authorization', hint: 'send "Authorization: Bearer <token>" with a token from "sightline auditor add"' });
    }
    const [record] = await deps.events.store.readMoneyRecordsAt([index]);
    const stored = record === undefined ? undefined : await deps.events.store.readDetails(index);
    if (stored === undefined || 'erasedBy' in stored) {
      throw new LogError('NOT_FOUND', `entry ${index} is not a redacted public-money record`, { field: 'index', hint: 'only a record with a field showing "Redacted personal data" has sealed values' });
    }
    const why = reason(c.req.query('purpose'), c.req.query('legalBasis'), "an auditor's opening of a record's sealed values");
    const disclosure = await recordAct(deps.events, { type: 'disclosure', actor: operatorActs(deps.events).pseudonym('auditor', auditor), ...why, target: index });
    c.header('Cache-Control', 'no-store');
    return c.json({ index, sealed: JSON.parse(stored.details) as unknown, opening: b64(stored.opening), disclosure });
  });

  // ---- What makes every record checkable: the schemas --------------------------------------
  app.get('/v1/record-schemas', (c) => c.json({ schemas: RECORD_SCHEMAS }));
  app.get('/v1/record-schemas/:type', (c) => {
    const type = c.req.param('type');
    if (!(RECORD_TYPES as readonly string[]).includes(type)) {
      throw new LogError('NOT_FOUND', `no record type ${JSON.stringify(type.slice(0, 40))}`, { field: 'type', hint: `one of ${RECORD_TYPES.join(', ')}` });
    }
    return c.body(JSON.stringify(RECORD_SCHEMAS[type as RecordType]), 200, { 'Content-Type': 'application/schema+json' });
  });
}
