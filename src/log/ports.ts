/**
 * The storage port: the only interface the sequencer and the read services consume.
 * One adapter implements it over PostgreSQL (PGlite or a server); tests also use an
 * in-memory fake. Every method MUST be safe to call concurrently.
 */
import type { Hash } from '../merkle/index.js';
import type { Auditor, CodeListsVersion, EventDetails, EventRecord, IntegratedBatch, ListedPartner, LogMeta, MoneyRecordRow, Operator, StandingRecord, Partner, PartnerSequence, TileId, TreeHead } from './types.js';

/**
 * The tree: the log's identity, its head, tiles and entries, how they grow (commitBatch), the
 * end of the log's life (finalizeLog), and the checkpoints the witnesses cosigned.
 */
export interface TreeStore {
  /** The log's identity, or undefined on a database where no log was created yet. */
  readMeta(): Promise<LogMeta | undefined>;

  /**
   * Creates the log: stores `meta` and the first head (size 0) in one transaction.
   * MUST fail with LogError('CONFLICT') if a log already exists (another process won the race).
   */
  createLog(meta: LogMeta, head: TreeHead): Promise<void>;

  /** The current head. MUST only be called once the log exists. */
  readHead(): Promise<TreeHead>;

  /**
   * The latest stored content of each tile, in the order asked, undefined where none is
   * stored. MUST be one query, whatever the number of tiles.
   */
  readTiles(ids: readonly TileId[]): Promise<(Uint8Array | undefined)[]>;

  /**
   * Entries [start, start + count) that exist, in order (fewer at the end of the log). With
   * `maxBytes`, only as many as fit in it, and the first always: a caller reads large
   * entries a bounded amount at a time without first asking what they weigh. One query.
   */
  readEntries(start: number, count: number, maxBytes?: number): Promise<Uint8Array[]>;

  /**
   * The same entries as `readEntries(start, count, maxBytes)`, in the encoding of an entry
   * bundle (c2sp.org/tlog-tiles: each a big-endian uint16 length and its bytes), and how many
   * they are: a bundle is answered without making an object of each entry. One query.
   */
  readEntryBundle(start: number, count: number, maxBytes: number): Promise<{ readonly count: number; readonly bundle: Uint8Array }>;

  /** The leaf index of each given leaf hash that is in the log, keyed by the hash in hex. One query. */
  findLeafHashes(leafHashes: readonly Hash[]): Promise<Map<string, number>>;

  /**
   * Appends a batch atomically: either every entry, tile and the new head are visible,
   * or none is.
   * MUST fail with LogError('CONFLICT') — and write nothing — if the stored head is not
   * `expected` (size and root), or if an entry's leaf hash or index is already stored:
   * another writer got there first. This compare-and-swap is what keeps two processes on
   * one database from ever signing two different trees of one size.
   * MUST fail with LogError('LOG_READ_ONLY') — and write nothing — once the log is read-only
   * (finalizeLog), checked in the same compare-and-swap.
   */
  commitBatch(expected: { readonly treeSize: number; readonly rootHash: Hash }, batch: IntegratedBatch): Promise<void>;

  /**
   * Makes the log read-only (the end of a temporal shard): in one compare-and-swap, only if
   * the stored head is `expected` (size and root) and the log is still writable, stores
   * `finalHead` — the same tree with a newly signed checkpoint, the final one — and the time.
   * From then on, and across restarts and servers, commitBatch MUST fail with
   * LogError('LOG_READ_ONLY') and write nothing. If the log is already read-only at the same
   * tree it is a no-op (another server finalized it first); otherwise LogError('CONFLICT').
   */
  finalizeLog(expected: { readonly treeSize: number; readonly rootHash: Hash }, finalHead: TreeHead): Promise<void>;

  /** When the log became read-only and its final checkpoint; undefined while it is writable. */
  readLifecycle(): Promise<{ readOnlyAt: Date; finalCheckpoint: string } | undefined>;

  /**
   * The latest checkpoint that met the witness quorum (the largest size), with its
   * cosignatures, or undefined when none has yet.
   */
  readWitnessedCheckpoint(): Promise<TreeHead | undefined>;
  /**
   * Keeps a checkpoint that met the witness quorum. Keeping one of a size already kept
   * with the same root is a no-op (another server of the log got there first); one with a
   * different root MUST fail with LogError('CONFLICT') and change nothing.
   */
  recordWitnessedCheckpoint(head: TreeHead): Promise<void>;
}

/**
 * Typed events beside the tree: their records, erasable details, subject tags and counters,
 * partners' sequence numbers, the code lists and the subject-tag key checks.
 */
export interface EventStore {
  /** Typed events by (partner, sequence number), those that exist. One query. */
  findEvents(keys: readonly { partnerId: string; partnerSeq: number }[]): Promise<EventRecord[]>;
  /** Typed events at the given leaf indices, those that exist, with the erasure of their details if any. One query. */
  readEventsAt(leafIndices: readonly number[]): Promise<(EventRecord & { erasedBy: number | null })[]>;
  /**
   * The typed events whose target is `leafIndex` (its erasure, corrections, the operator's
   * reads of it), the first `limit` by index. One query, on the target index.
   */
  readEventsTargeting(leafIndex: number, limit: number): Promise<{ leafIndex: number; type: string }[]>;
  /** The stored next j of each subject-day counter, keyed by the counter key in hex; absent means 0. One query. */
  readCounters(counterKeys: readonly Hash[]): Promise<Map<string, number>>;
  /** An entry's erasable details, `{ erasedBy }` once erased, undefined when the entry has none. */
  readDetails(leafIndex: number): Promise<EventDetails | { erasedBy: number } | undefined>;
  /**
   * The details of the typed events whose reveal hash (SHA-256 of the reveal token) is one of
   * `revealHashes`, keyed by that hash in hex: the stored details, or `{ leafIndex, erasedBy }`
   * once an erasure deleted them. A hash no entry has is absent. MUST be one query (an index
   * lookup per hash, never a scan), whatever the number of hashes; the caller bounds it.
   */
  readDetailsByRevealHash(revealHashes: readonly Hash[]): Promise<Map<string, EventDetails | { readonly leafIndex: number; readonly erasedBy: number }>>;
  /** Every (tag, leaf index) whose tag starts with the two bytes of `prefix`, by tag. */
  readTagBucket(prefix: Uint8Array): Promise<{ tag: Hash; leafIndex: number }[]>;
  /** A partner's last sequence number and the gaps below it (at most `limit` gaps). */
  partnerSequence(partnerId: string, limit: number): Promise<PartnerSequence>;
  /** A stored version of the code lists by hash; the latest recorded when `sha256` is omitted. */
  readCodeLists(sha256?: Hash): Promise<CodeListsVersion | undefined>;
  /**
   * Keeps a version of the code lists. A version used again (the lists changed back) keeps
   * its body and takes the later leaf index, so the latest recorded is the one in force.
   */
  recordCodeLists(version: CodeListsVersion): Promise<void>;

  /**
   * The check value of a year's subject-tag key: `check` is stored if the year has none yet,
   * and the stored one is returned either way (a different one means another key).
   */
  claimTagKeyCheck(year: string, check: Hash): Promise<Hash>;
}

/** Public-money records beside the tree: their keys, for replays, conflicts and amendments. */
export interface MoneyStore {
  /** Records by (partner, dedup key), those that exist. One query. */
  findMoneyRecords(keys: readonly { partnerId: string; dedupKey: string }[]): Promise<MoneyRecordRow[]>;
  /** Records at the given leaf indices, those that exist. One query. */
  readMoneyRecordsAt(leafIndices: readonly number[]): Promise<MoneyRecordRow[]>;
  /**
   * A body's records of one type whose day, originally or in an amendment, is in [from, to],
   * as they stand, by original index after `after`, at most `limit`. One query. The caller
   * reads the current version's day (an amendment may have moved it out of the period).
   */
  readStandingRecords(query: { partnerId: string; recordType: string; from: string; to: string; after: number; limit: number }): Promise<StandingRecord[]>;
}

/** Who may write and read: partners and operators, by the hashes of their bearer tokens. */
export interface AccountStore {
  /** Partners: their bearer tokens are stored only as SHA-256 hashes. */
  addPartner(partner: { id: string; name: string | null; tokenHash: Hash; publicKey: Uint8Array | null }): Promise<void>;
  /**
   * Sets (or replaces) a partner's event-signing key; a replaced key is kept as one of its
   * previous keys, so that the events it signed still verify. MUST fail with NOT_FOUND for
   * an unknown partner.
   */
  setPartnerKey(id: string, publicKey: Uint8Array): Promise<void>;
  listPartners(): Promise<ListedPartner[]>;
  /** MUST fail with LogError('NOT_FOUND') for an unknown partner. Revoking twice is not an error. */
  revokePartner(id: string): Promise<void>;
  /**
   * The SHA-256 of each active partner's token, by partner id: what a log's successor shard
   * is given, so that a partner's token goes on working through the alias at the interval's
   * end. The tokens themselves are never stored.
   */
  partnerTokenHashes(): Promise<Map<string, Hash>>;
  /** The active (not revoked) partner whose token hashes to `tokenHash`. */
  findPartnerByTokenHash(tokenHash: Hash): Promise<Partner | undefined>;

  /** Operators, who may read any entry's details and issue subject keys; tokens stored as SHA-256 hashes. */
  addOperator(operator: { id: string; tokenHash: Hash }): Promise<void>;
  listOperators(): Promise<Operator[]>;
  /** MUST fail with LogError('NOT_FOUND') for an unknown operator. */
  revokeOperator(id: string): Promise<void>;
  findOperatorByTokenHash(tokenHash: Hash): Promise<Operator | undefined>;

  /**
   * Auditors, who may have a redacted record's sealed values opened (each opening recorded
   * first); tokens stored as SHA-256 hashes. The same contract as operators'.
   */
  addAuditor(auditor: { id: string; tokenHash: Hash }): Promise<void>;
  listAuditors(): Promise<Auditor[]>;
  /** MUST fail with LogError('NOT_FOUND') for an unknown auditor. */
  revokeAuditor(id: string): Promise<void>;
  findAuditorByTokenHash(tokenHash: Hash): Promise<Auditor | undefined>;
}

/** The whole storage port of one log: every concern, on one database, and its life. */
export interface LogStore extends TreeStore, EventStore, MoneyStore, AccountStore {
  /** Whether the database answers (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
