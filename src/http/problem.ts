/**
 * The one place that maps errors to HTTP: `LogError` codes to RFC 9457
 * `application/problem+json`. Adding a code without a row here fails to compile.
 *
 * On the server, verification codes (INVALID_PROOF, INVALID_SIGNATURE, …) can only mean
 * corrupt storage or a bug, so they are 500s; their detail is never shown.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type LogErrorCode, LogError } from '../errors.js';

interface ProblemKind {
  /** 499 is not in HTTP's registry: nginx's "client closed request", answered to no one. */
  readonly status: ContentfulStatusCode | 499;
  readonly title: string;
  /** Whether the error's message may be shown to the client. */
  readonly expose: boolean;
}

export const PROBLEMS: Record<LogErrorCode, ProblemKind> = {
  MALFORMED_REQUEST: { status: 400, title: 'The request is not well formed', expose: true },
  OUT_OF_RANGE: { status: 400, title: 'An index or size is outside the tree', expose: true },
  MALFORMED_TILE: { status: 404, title: 'No such tile path', expose: true },
  ENTRY_TOO_LARGE: { status: 413, title: 'The entry is too large', expose: true },
  INVALID_EVENT: { status: 422, title: 'The event does not match its schema', expose: true },
  INVALID_RECORD: { status: 422, title: 'The record does not match its schema', expose: true },
  RECORD_EXISTS: { status: 409, title: 'A record with this key is already in the log, with other values', expose: true },
  UNKNOWN_CODE: { status: 422, title: 'A public value is not in the code lists', expose: true },
  PERSONAL_DATA: { status: 422, title: 'A public value looks like personal data', expose: true },
  BAD_EVENT_SIGNATURE: { status: 422, title: "The partner's signature does not verify", expose: true },
  COMMITMENT_MISMATCH: { status: 422, title: 'The details do not open the commitment', expose: true },
  SUBJECT_MISMATCH: { status: 422, title: 'The event is about another claimant than its target', expose: true },
  RESERVED_ENTRY: { status: 422, title: 'The entry has the form of a typed event or a log record', expose: true },
  // 499 (client closed request): never received by anyone, it is how logs and metrics count it.
  CLIENT_CLOSED: { status: 499, title: 'The client closed the request', expose: false },
  SEQUENCE_CONFLICT: { status: 409, title: 'The partner sequence number is already used', expose: true },
  LOG_READ_ONLY: { status: 409, title: 'The log is read-only', expose: true },
  OUTSIDE_INTERVAL: { status: 409, title: 'The log does not take entries yet', expose: true },
  QUOTA_EXCEEDED: { status: 507, title: 'The log is over its storage quota', expose: true },
  ERASED: { status: 410, title: 'The details were erased', expose: true },
  FORBIDDEN: { status: 403, title: 'Not allowed', expose: true },
  UNAUTHORIZED: { status: 401, title: 'A valid bearer token is required', expose: true },
  NOT_FOUND: { status: 404, title: 'Not found', expose: true },
  NOT_YET_WITNESSED: { status: 404, title: 'Not yet in a witnessed checkpoint', expose: true },
  NOT_YET_MIRRORED: { status: 404, title: 'Not yet in a mirrored checkpoint', expose: true },
  POOL_FULL: { status: 503, title: 'The log is busy', expose: true },
  RATE_LIMITED: { status: 429, title: 'Too many writes', expose: true },
  TOO_MANY_REQUESTS: { status: 429, title: 'Too many requests from this address', expose: true },
  CONFLICT: { status: 503, title: 'The log is busy', expose: false },
  UNAVAILABLE: { status: 503, title: 'The log is unavailable', expose: true },
  MALFORMED_NOTE: { status: 500, title: 'Internal error', expose: false },
  MALFORMED_CHECKPOINT: { status: 500, title: 'Internal error', expose: false },
  MALFORMED_KEY: { status: 500, title: 'Internal error', expose: false },
  MALFORMED_RECEIPT: { status: 500, title: 'Internal error', expose: false },
  MALFORMED_LOG_LIST: { status: 500, title: 'Internal error', expose: false },
  INVALID_PROOF: { status: 500, title: 'Internal error', expose: false },
  INVALID_SIGNATURE: { status: 500, title: 'Internal error', expose: false },
  UNVERIFIED_NOTE: { status: 500, title: 'Internal error', expose: false },
  INVALID_TILE: { status: 500, title: 'Internal error', expose: false },
  INTERNAL: { status: 500, title: 'Internal error', expose: false },
};

/** The stable problem type URI of a code, documented in openapi.yaml. */
export function problemType(code: LogErrorCode): string {
  return `urn:sightline:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

const DEFAULT_HINTS: Partial<Record<LogErrorCode, string>> = {
  UNAUTHORIZED: 'send "Authorization: Bearer <token>" with a token from "sightline partner add"',
  POOL_FULL: 'retry after the number of seconds in Retry-After',
  RATE_LIMITED: 'this partner sends more writes a second than the log allows: retry after the number of seconds in Retry-After, and spread writes out',
  TOO_MANY_REQUESTS: 'this address sends more requests a second, or holds more connections, than the log allows: retry after the number of seconds in Retry-After; a monitor or mirror may also ask the operator for a partner token',
  CONFLICT: 'retry after the number of seconds in Retry-After',
  QUOTA_EXCEEDED: "the log's operator sets each log's storage quota in the service configuration: ask them to raise it, or to start the body's next log",
  OUTSIDE_INTERVAL: "the log's interval has not started: send entries to the body's current log (its alias names it; /logs.json gives every log's interval)",
  LOG_READ_ONLY: "the log reached the end of its interval and was finalized: send entries to its successor (the log list names it), or to the body's current log",
  UNAVAILABLE: 'retry later',
  NOT_YET_WITNESSED: 'the witnesses cosign a new checkpoint every second or so: retry after the number of seconds in Retry-After',
  NOT_YET_MIRRORED: 'the mirrors cosign once they hold every entry, which takes longer for a large catch-up: retry after the number of seconds in Retry-After',
  ENTRY_TOO_LARGE: 'entries are 1 to 65,535 bytes',
};

/**
 * The RFC 9457 members of a problem (all but `instance`): also what a request of many parts
 * (POST /v1/records) answers for each part it refused.
 */
export function problemBody(e: LogError, requestId: string | undefined): Record<string, unknown> {
  const kind = PROBLEMS[e.code];
  const body: Record<string, unknown> = {
    type: problemType(e.code),
    title: kind.title,
    status: kind.status,
    detail: kind.expose ? e.message : `internal error; quote request id ${requestId ?? 'unknown'} to the operator`,
    code: kind.expose ? e.code : 'INTERNAL',
  };
  if (kind.expose && e.field !== undefined) body.field = e.field;
  if (kind.expose && e.extensions !== undefined) for (const [k, v] of Object.entries(e.extensions)) body[k] ??= v;
  const hint = kind.expose ? (e.hint ?? DEFAULT_HINTS[e.code]) : undefined;
  if (hint !== undefined) body.hint = hint;
  if (requestId !== undefined) body.requestId = requestId;
  return body;
}

/**
 * Renders any thrown value as a problem response; unknown errors become masked 500s. Its
 * `instance` is the path the client asked for: the app's own path under `basePath`, the
 * log's prefix when a service serves it under one (mount.ts).
 */
export function problemResponse(c: Context, error: unknown, requestId: string | undefined, basePath = '/'): Response {
  const e = error instanceof LogError ? error : new LogError('INTERNAL', 'internal error', { cause: error });
  const kind = PROBLEMS[e.code];
  const body = { ...problemBody(e, requestId), instance: basePath + new URL(c.req.url).pathname.slice(1) };
  const headers: Record<string, string> = { 'Content-Type': 'application/problem+json' };
  if (kind.status === 503) headers['Retry-After'] = String(1 + Math.floor(Math.random() * 3)); // jittered
  if (e.code === 'NOT_YET_WITNESSED') headers['Retry-After'] = '1';
  if (e.code === 'NOT_YET_MIRRORED') headers['Retry-After'] = '2';
  if (e.code === 'RATE_LIMITED' || e.code === 'TOO_MANY_REQUESTS') headers['Retry-After'] = String(e.extensions?.retryAfter ?? 1);
  return c.body(JSON.stringify(body), kind.status as ContentfulStatusCode, headers);
}
