/**
 * Driver errors as LogErrors. drizzle wraps a driver's error in a DrizzleQueryError whose
 * message lists every parameter (a batch's entries: megabytes); the LogError keeps a short
 * `DatabaseFailure` as its cause instead, with the SQLSTATE and the constraint.
 */
import { LogError } from '../errors.js';

/** The part of a driver error worth keeping: postgres.js and PGlite name the fields differently. */
export class DatabaseFailure extends Error {
  /** SQLSTATE (`23505`) or a connection error code (`ECONNREFUSED`, `CONNECTION_CLOSED`). */
  readonly code: string | undefined;
  /** The violated constraint, for integrity errors. */
  readonly constraint: string | undefined;

  constructor(message: string, code: string | undefined, constraint: string | undefined) {
    super(message);
    this.name = 'DatabaseFailure';
    this.code = code;
    this.constraint = constraint;
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EPIPE',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

/**
 * `e` as a LogError: a LogError unchanged; unique violations (another writer stored that key
 * first) and serialization failures as CONFLICT; lost or refused connections, a full disk or
 * a server shutting down as UNAVAILABLE; anything else as INTERNAL.
 */
export function mapDatabaseError(e: unknown, what: string): LogError {
  if (e instanceof LogError) return e;
  const failure = databaseFailure(e);
  const code = failure.code;
  if (code === '23505') return new LogError('CONFLICT', `${what}: ${failure.message}`, { cause: failure });
  if (code === '40001' || code === '40P01') return new LogError('CONFLICT', `${what}: ${failure.message} (another writer)`, { cause: failure });
  if (code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('08') || code.startsWith('53'))) {
    // The driver's message (the server's address, its words) stays in the cause, for logs: a client sees only what failed.
    return new LogError('UNAVAILABLE', `${what}: the database is unavailable`, { cause: failure });
  }
  return new LogError('INTERNAL', `${what} failed: ${failure.message}`, { cause: failure });
}

/** The driver's error under drizzle's wrapper, reduced to message, code and constraint. */
export function databaseFailure(e: unknown): DatabaseFailure {
  let driver: unknown = e;
  // drizzle's DrizzleQueryError (and transaction wrappers) keep the driver's error as `cause`.
  for (let depth = 0; depth < 5 && isRecord(driver) && !hasCode(driver) && driver['cause'] !== undefined; depth++) driver = driver['cause'];
  if (!isRecord(driver)) return new DatabaseFailure(String(driver), undefined, undefined);
  const message = typeof driver['message'] === 'string' ? driver['message'] : String(driver);
  const code = typeof driver['code'] === 'string' ? driver['code'] : undefined;
  // postgres.js: constraint_name; PGlite (pg-protocol): constraint.
  const constraint = [driver['constraint_name'], driver['constraint']].find((c): c is string => typeof c === 'string');
  return new DatabaseFailure(message, code, constraint);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

function hasCode(x: Record<string, unknown>): boolean {
  return typeof x['code'] === 'string';
}
