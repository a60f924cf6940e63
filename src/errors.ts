/**
 * The one error type of Sightline. Every layer throws `LogError` with a code from
 * `LogErrorCode`; the HTTP edge maps codes to statuses in one table, the CLI to exit
 * codes. This module imports nothing, so every layer, including the pure core, may use it.
 *
 * Verification failures in the core (`INVALID_PROOF`, `INVALID_SIGNATURE`, …) are the
 * *finding* for a monitor or a claimant's verifier; on the server they mean corrupt
 * storage or a bug.
 */
export type LogErrorCode =
  /** An argument is outside what the tree of the given size allows (index ≥ size, …). */
  | 'OUT_OF_RANGE'
  /** A signed note is not well formed (c2sp.org/signed-note). */
  | 'MALFORMED_NOTE'
  /** A checkpoint body is not well formed (c2sp.org/tlog-checkpoint). */
  | 'MALFORMED_CHECKPOINT'
  /** A tile path, tile or entry bundle is not well formed (c2sp.org/tlog-tiles). */
  | 'MALFORMED_TILE'
  /** A signer or verifier key text is not well formed. */
  | 'MALFORMED_KEY'
  /** A c2sp.org/tlog-proof receipt is not well formed. */
  | 'MALFORMED_RECEIPT'
  /** A log list (the witness network's logs/v0) is not well formed. */
  | 'MALFORMED_LOG_LIST'
  /** A Merkle inclusion or consistency proof does not verify. */
  | 'INVALID_PROOF'
  /** A signature by a trusted key does not verify. */
  | 'INVALID_SIGNATURE'
  /** No signature by a trusted key is on the note (or too few cosignatures for a quorum). */
  | 'UNVERIFIED_NOTE'
  /** A tile fetched from an untrusted source does not match the trusted checkpoint. */
  | 'INVALID_TILE'
  /** A request is not well formed (bad JSON, bad query parameter, empty body). */
  | 'MALFORMED_REQUEST'
  /** An entry or request body is over its size limit. */
  | 'ENTRY_TOO_LARGE'
  /** A typed event does not match its published JSON Schema (or names a target it may not). */
  | 'INVALID_EVENT'
  /** A public-money record does not match its published JSON Schema, or the rules beside it. */
  | 'INVALID_RECORD'
  /**
   * A record with this key (a transaction number and line, a grant id, an ocid and release
   * id, a claim number, a publication's period) is already in the log with other values:
   * a change is recorded as an amendment, never as a second record.
   */
  | 'RECORD_EXISTS'
  /** A public field of a typed event holds a value that is not in the code lists. */
  | 'UNKNOWN_CODE'
  /** A public field of a typed event holds what looks like personal data. */
  | 'PERSONAL_DATA'
  /** A typed event's partner signature does not verify with the partner's registered key. */
  | 'BAD_EVENT_SIGNATURE'
  /** A typed event's `details` and `opening` do not open its `commitment`. */
  | 'COMMITMENT_MISMATCH'
  /** An erasure or a correction names another claimant than the entry it targets. */
  | 'SUBJECT_MISMATCH'
  /**
   * A raw entry has the form of a typed event leaf or of a log record: those are only ever
   * made by the log, from checked events (POST /v1/events) and its own records.
   */
  | 'RESERVED_ENTRY'
  /** A partner sequence number is already used by a different event. */
  | 'SEQUENCE_CONFLICT'
  /** The client closed the connection before its request was complete: its abort, not a server error. */
  | 'CLIENT_CLOSED'
  /** What was asked for existed and was deliberately erased (an entry's details). */
  | 'ERASED'
  /** The credentials are valid but do not allow this (a wrong reveal token, a partner without a key). */
  | 'FORBIDDEN'
  /** No valid bearer token. */
  | 'UNAUTHORIZED'
  /** What was asked for does not exist (unknown index, leaf hash, tile or partner). */
  | 'NOT_FOUND'
  /** The entry is in the log but not yet in a checkpoint the witness quorum cosigned: retry shortly. */
  | 'NOT_YET_WITNESSED'
  /** The entry is in the log but not yet in a checkpoint the mirror quorum holds and cosigned: retry later. */
  | 'NOT_YET_MIRRORED'
  /** The pending pool is full: retry later. */
  | 'POOL_FULL'
  /** The partner is over its write rate limit: retry after the seconds given. */
  | 'RATE_LIMITED'
  /** A client without a partner token is over its address's request rate or connection limit: retry after the seconds given. */
  | 'TOO_MANY_REQUESTS'
  /** Another writer changed the log first (compare-and-swap lost), or the object already exists. */
  | 'CONFLICT'
  /**
   * The log is read-only: it was finalized at the end of its interval (a temporal shard, with
   * its final checkpoint) and never takes another entry; write to its successor.
   */
  | 'LOG_READ_ONLY'
  /** A temporal shard asked to take an entry before its interval starts: the body's current log takes it. */
  | 'OUTSIDE_INTERVAL'
  /** The log holds as many bytes as its storage quota allows: it takes no more partner writes until the operator raises it. */
  | 'QUOTA_EXCEEDED'
  /** The log or database cannot be used as it is (wrong key, newer schema, locked data directory). */
  | 'UNAVAILABLE'
  /** Anything else: a bug or an outage. Never shown in detail to clients. */
  | 'INTERNAL';

export interface LogErrorOptions {
  /** The underlying error, kept for logs; never shown to untrusted clients. */
  cause?: unknown;
  /** The input field at fault, when there is one (`index`, `rootHash`, `signature`, …). */
  field?: string;
  /** A short hint for the caller on how to fix the input. */
  hint?: string;
  /** Further facts for the caller (RFC 9457 extension members), such as the index of an erasure. */
  extensions?: Record<string, string | number>;
}

export class LogError extends Error {
  readonly code: LogErrorCode;
  readonly field: string | undefined;
  readonly hint: string | undefined;
  readonly extensions: Record<string, string | number> | undefined;

  constructor(code: LogErrorCode, message: string, options: LogErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LogError';
    this.code = code;
    this.field = options.field;
    this.hint = options.hint;
    this.extensions = options.extensions;
  }
}

/** True when `e` is a `LogError`, optionally with the given code. */
export function isLogError(e: unknown, code?: LogErrorCode): e is LogError {
  return e instanceof LogError && (code === undefined || e.code === code);
}
