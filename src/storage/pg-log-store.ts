/**
 * The `LogStore` over PostgreSQL through drizzle: one code path for PGlite and postgres.js.
 *
 * Hot paths send a fixed number of parameters whatever the batch size: lists of numbers go
 * as one array parameter each, lists of bytes as one concatenated `bytea` sliced apart in SQL
 * (postgres.js cannot send `bytea[]`). So every read is one statement, and a batch's entries
 * go in one `insert … select … from unnest(…)` (a few times faster on PostgreSQL than a
 * multi-row VALUES insert, and never near the 65,535 bind-parameter limit).
 */
import { type SQL, and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { bytesEqual, concatBytes, encodeHex } from '../encoding/index.js';
import { LogError } from '../errors.js';
import type { LogStore } from '../log/ports.js';
import { type SequenceGap, type SequenceSummary, advanceSequence } from '../log/partner-sequence.js';
import type {
  CodeListsVersion,
  EventDetails,
  EventRecord,
  EventRows,
  IntegratedBatch,
  ListedPartner,
  LogMeta,
  Operator,
  Partner,
  PartnerSequence,
  TileId,
  TreeHead,
} from '../log/types.js';
import { HASH_SIZE, type Hash } from '../merkle/index.js';
import { checkBatch, checkHash, checkRange } from './checks.js';
import { DatabaseFailure, mapDatabaseError } from './database-errors.js';
import { type Database, rowsOf } from './db.js';
import { type ErasurePurge, ensureKeyPartitionsStatement, erasureSettingProblems, keyPartitionOf, purgeErased } from './erasure-purge.js';
import { type LogTables, byteaFromDriver, logTables } from './schema.js';
import { openDetails, sealAll } from './sealed-details.js';

/** Test hooks run inside the commit; a throw there must roll everything back. */
export interface CommitFaults {
  /** After every write (entries, tiles, head), just before COMMIT. */
  readonly beforeCommit?: () => void | Promise<void>;
}

export interface PgLogStoreOptions {
  /** Fault injection, for tests. */
  readonly faults?: CommitFaults;
  /**
   * How long after a commit with erasures the purge runs (default 2 s): erasures that come
   * meanwhile are purged together, each partition of keys rewritten once.
   */
  readonly purgeDelayMs?: number;
  /** Told how each purge run by the store itself ended, for logs. */
  readonly onPurge?: (outcome: { readonly report: ErasurePurge } | { readonly error: unknown }) => void;
  /**
   * The PostgreSQL schema holding the log's tables (logSchemaName, migrated by
   * migrateLogSchema); undefined or `public`: the public schema, where a one-log database
   * keeps its log. Every statement of the store names this schema's tables.
   */
  readonly schema?: string | undefined;
  /**
   * Whether `close()` closes the database handle too (default true: the store owns it).
   * False when several stores share one handle (one per log of a service).
   */
  readonly ownsDatabase?: boolean;
}

export const DEFAULT_PURGE_DELAY_MS = 2_000;

/** What a unique violation during a commit means, by constraint: each is a lost race, retried. */
const COMMIT_CONFLICTS: Record<string, string> = {
  entries_pkey: 'a leaf index of the batch is already stored: another writer got there first',
  entries_leaf_hash_key: 'an entry of the batch is already in the log (its leaf hash is stored): another writer got there first',
  events_partner_seq_key: 'a partner sequence number of the batch is already used: another writer got there first',
  subject_tags_pkey: 'a subject tag of the batch is already stored: another writer moved its counter first',
  erasures_pkey: 'an entry the batch erases is already erased: another writer got there first',
};

/** The hash size as SQL text, for slicing concatenated hashes apart. */
const HASH = sql.raw(String(HASH_SIZE));

export class PgLogStore implements LogStore {
  readonly #db: Database;
  /** The log's tables, in its schema. */
  readonly #t: LogTables;
  /** The log's schema, undefined for the public one. */
  readonly #schema: string | undefined;
  readonly #writer: Database;
  readonly #close: () => Promise<void>;
  readonly #faults: CommitFaults;
  readonly #discardPreallocatedWal: (() => Promise<void>) | undefined;
  readonly #purgeDelayMs: number;
  readonly #onPurge: PgLogStoreOptions['onPurge'];
  /** Partitions of `detail_keys` known to exist: made once, never dropped. */
  readonly #keyPartitions = new Set<number>();
  /** An erasure was committed and its purge has not started yet. */
  #purgeWanted = false;
  #purgeTimer: ReturnType<typeof setTimeout> | undefined;
  /** The purge running or queued last: purges run one at a time. */
  #purging: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #readHead;
  readonly #readTiles;
  readonly #readEntries;
  readonly #findLeafHashes;
  readonly #findPartner;

  /**
   * `handle.close()` is called by `close()` unless `options.ownsDatabase` is false.
   * Commits go through `handle.writer` (one connection, so pipelined commits keep their
   * order) when there is one. `handle.discardPreallocatedWal`, when given, is a step of the
   * erasure purge (PGlite on disk).
   */
  constructor(
    handle: { readonly db: Database; readonly writer?: Database; readonly discardPreallocatedWal?: (() => Promise<void>) | undefined; close(): Promise<void> },
    options: PgLogStoreOptions = {},
  ) {
    const db = handle.db;
    this.#db = db;
    this.#schema = options.schema === 'public' ? undefined : options.schema;
    this.#t = logTables(this.#schema);
    this.#writer = handle.writer ?? db;
    this.#close = options.ownsDatabase === false ? async () => {} : () => handle.close();
    this.#faults = options.faults ?? {};
    this.#discardPreallocatedWal = handle.discardPreallocatedWal;
    this.#purgeDelayMs = options.purgeDelayMs ?? DEFAULT_PURGE_DELAY_MS;
    this.#onPurge = options.onPurge;
    // Statement names are per connection: two logs' stores on one connection (the writer has
    // one) must not share a name, or one would run the other's statement on the wrong schema.
    const prefix = this.#schema === undefined ? 'sightline_' : `sightline_${this.#schema}_`;
    this.#readHead = db
      .select({ treeSize: this.#t.treeHead.treeSize, rootHash: this.#t.treeHead.rootHash, checkpoint: this.#t.treeHead.checkpoint })
      .from(this.#t.treeHead)
      .where(eq(this.#t.treeHead.id, 1))
      .prepare(`${prefix}read_head`);
    this.#readTiles = db
      .select({ level: this.#t.tiles.level, index: this.#t.tiles.tileIndex, data: this.#t.tiles.data })
      .from(this.#t.tiles)
      .where(
        sql`(${this.#t.tiles.level}, ${this.#t.tiles.tileIndex}) in (select * from unnest(${sql.placeholder('levels')}::smallint[], ${sql.placeholder('indices')}::bigint[]))`,
      )
      .prepare(`${prefix}read_tiles`);
    this.#readEntries = db
      .select({ data: this.#t.entries.data })
      .from(this.#t.entries)
      .where(sql`${this.#t.entries.leafIndex} >= ${sql.placeholder('start')} and ${this.#t.entries.leafIndex} < ${sql.placeholder('end')}`)
      .orderBy(asc(this.#t.entries.leafIndex))
      .prepare(`${prefix}read_entries`);
    this.#findLeafHashes = db
      .select({ leafIndex: this.#t.entries.leafIndex, leafHash: this.#t.entries.leafHash })
      .from(this.#t.entries)
      .where(
        sql`${this.#t.entries.leafHash} in (select substring(${sql.placeholder('hashes')}::bytea from k * ${HASH} + 1 for ${HASH}) from generate_series(0, ${sql.placeholder('count')}::int - 1) as k)`,
      )
      .prepare(`${prefix}find_leaf_hashes`);
    this.#findPartner = db
      .select(partnerColumns(this.#t))
      .from(this.#t.partners)
      .where(sql`${this.#t.partners.tokenHash} = ${sql.placeholder('tokenHash')} and ${this.#t.partners.revokedAt} is null`)
      .prepare(`${prefix}find_partner`);
  }

  async readMeta(): Promise<LogMeta | undefined> {
    const rows = await this.#run('reading the log identity', () =>
      this.#db.select({ origin: this.#t.logMeta.origin, verifierKey: this.#t.logMeta.verifierKey }).from(this.#t.logMeta).where(eq(this.#t.logMeta.id, 1)),
    );
    const row = rows[0];
    return row && { origin: row.origin, verifierKey: row.verifierKey };
  }

  async createLog(meta: LogMeta, head: TreeHead): Promise<void> {
    await this.#run(
      'creating the log',
      () =>
        this.#db.transaction(async (tx) => {
          await tx.insert(this.#t.logMeta).values({ id: 1, origin: meta.origin, verifierKey: meta.verifierKey });
          await tx.insert(this.#t.treeHead).values({ id: 1, treeSize: head.treeSize, rootHash: head.rootHash, checkpoint: head.checkpoint });
        }),
      () => 'a log already exists in this database',
    );
  }

  async readHead(): Promise<TreeHead> {
    const rows = await this.#run('reading the tree head', () => this.#readHead.execute());
    const row = rows[0];
    if (!row) throw new LogError('UNAVAILABLE', 'no log exists in this database yet');
    return { treeSize: row.treeSize, rootHash: row.rootHash, checkpoint: row.checkpoint };
  }

  async readTiles(ids: readonly TileId[]): Promise<(Uint8Array | undefined)[]> {
    if (ids.length === 0) return [];
    const rows = await this.#run('reading tiles', () =>
      this.#readTiles.execute({ levels: ids.map((t) => t.level), indices: ids.map((t) => t.index) }),
    );
    const found = new Map<string, Uint8Array>();
    for (const row of rows) found.set(tileKey(row.level, row.index), row.data);
    return ids.map((t) => found.get(tileKey(t.level, t.index)));
  }

  async readEntries(start: number, count: number): Promise<Uint8Array[]> {
    checkRange(start, count);
    if (count === 0) return [];
    const rows = await this.#run('reading entries', () => this.#readEntries.execute({ start, end: start + count }));
    return rows.map((r) => r.data);
  }

  async findLeafHashes(leafHashes: readonly Hash[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (leafHashes.length === 0) return found;
    for (const h of leafHashes) checkHash(h, 'leaf hash');
    const rows = await this.#run('looking up leaf hashes', () =>
      this.#findLeafHashes.execute({ hashes: concatBytes(leafHashes), count: leafHashes.length }),
    );
    for (const row of rows) found.set(encodeHex(row.leafHash), row.leafIndex);
    return found;
  }

  /**
   * One statement, so one round trip and atomic without an explicit transaction: the head
   * moves only if it is still `expected` (compare-and-swap), and the entries and tiles are
   * written only if it moved. A lost race writes nothing and is reported as CONFLICT.
   */
  async commitBatch(expected: { readonly treeSize: number; readonly rootHash: Hash }, batch: IntegratedBatch): Promise<void> {
    checkBatch(expected, batch);
    const details = batch.events?.details ?? [];
    if (details.length > 0) await this.#ensureKeyPartitions(details[0]!.leafIndex, details.at(-1)!.leafIndex);
    // Sealed here, so that details in the clear never reach the database (sealed-details.ts).
    const statement = commitStatement(this.#t, expected, batch, sealAll(details));
    const beforeCommit = this.#faults.beforeCommit;
    const rows = await this.#run(
      'committing a batch',
      async () => {
        const numbered = batch.events?.events ?? [];
        if (beforeCommit === undefined && numbered.length === 0) return rowsOf(await this.#writer.execute(statement));
        // Typed events move their partners' sequence summaries in the same transaction; the
        // head row the statement updated stays locked until COMMIT, so no other writer's batch
        // can read the summaries in between. Fault injection runs inside it, and can abort it.
        return this.#writer.transaction(async (tx) => {
          const result = rowsOf(await tx.execute(statement));
          if (Number(result[0]?.['moved'] ?? 0) === 1 && numbered.length > 0) await keepPartnerSequences(this.#t, tx, numbered);
          await beforeCommit?.();
          return result;
        });
      },
      (constraint) => COMMIT_CONFLICTS[constraint ?? ''] ?? 'a row of the batch is already stored: another writer got there first',
    );
    const moved = Number(rows[0]?.['moved'] ?? 0);
    if (moved !== 1) {
      // Nothing was written; a second look, after the statement, says why.
      const stored = await this.#readState();
      if (stored.readOnlyAt !== null) {
        throw new LogError('LOG_READ_ONLY', `the log was finalized at ${stored.readOnlyAt.toISOString()} (size ${stored.treeSize}): it takes no more entries`);
      }
      throw new LogError(
        'CONFLICT',
        `the stored tree head (size ${stored.treeSize}) is not the expected one (size ${expected.treeSize}): another writer committed first`,
      );
    }
    if ((batch.events?.erasures.length ?? 0) > 0) this.#requestPurge();
  }

  /**
   * Makes the log read-only at `expected`, with `finalHead` (the same tree, a newly signed
   * checkpoint: the final checkpoint) as its head, in one compare-and-swap statement: only if
   * the stored head is `expected` and the log is still writable. From then on every
   * commitBatch fails with LOG_READ_ONLY, on every server of the database, for ever. A log
   * already read-only at the same tree is left as it is (another server finalized it first);
   * any other head is CONFLICT.
   */
  async finalizeLog(expected: { readonly treeSize: number; readonly rootHash: Hash }, finalHead: TreeHead): Promise<void> {
    checkHash(expected.rootHash, 'root hash');
    if (finalHead.treeSize !== expected.treeSize || !bytesEqual(finalHead.rootHash, expected.rootHash)) {
      throw new LogError('INTERNAL', `the final head (size ${finalHead.treeSize}) is not of the tree it finalizes (size ${expected.treeSize})`);
    }
    const { treeHead } = this.#t;
    const rows = await this.#run('finalizing the log', () =>
      this.#writer
        .update(treeHead)
        .set({ checkpoint: finalHead.checkpoint, updatedAt: sql`now()`, readOnlyAt: sql`now()` })
        .where(
          and(eq(treeHead.id, 1), eq(treeHead.treeSize, expected.treeSize), eq(treeHead.rootHash, expected.rootHash), sql`${treeHead.readOnlyAt} is null`),
        )
        .returning({ treeSize: treeHead.treeSize }),
    );
    if (rows.length === 1) return;
    const stored = await this.#readState();
    if (stored.readOnlyAt !== null && stored.treeSize === expected.treeSize && bytesEqual(stored.rootHash, expected.rootHash)) return;
    throw new LogError(
      'CONFLICT',
      stored.readOnlyAt !== null
        ? `the log was already finalized at another tree (size ${stored.treeSize}), not at size ${expected.treeSize}`
        : `the stored tree head (size ${stored.treeSize}) is not the expected one (size ${expected.treeSize}): another writer committed first`,
    );
  }

  /** When the log became read-only and its final checkpoint; undefined while it is writable (or not yet created). */
  async readLifecycle(): Promise<{ readOnlyAt: Date; finalCheckpoint: string } | undefined> {
    const { treeHead } = this.#t;
    const rows = await this.#run('reading the log lifecycle', () =>
      this.#db.select({ readOnlyAt: treeHead.readOnlyAt, checkpoint: treeHead.checkpoint }).from(treeHead).where(eq(treeHead.id, 1)),
    );
    const row = rows[0];
    return row?.readOnlyAt == null ? undefined : { readOnlyAt: row.readOnlyAt, finalCheckpoint: row.checkpoint };
  }

  /** The stored head's tree and whether the log is read-only, read afresh (after a compare-and-swap that matched nothing). */
  async #readState(): Promise<{ treeSize: number; rootHash: Hash; readOnlyAt: Date | null }> {
    const { treeHead } = this.#t;
    // On the writer's connection: after the statement that failed, never overtaking it.
    const rows = await this.#run('reading the tree head', () =>
      this.#writer.select({ treeSize: treeHead.treeSize, rootHash: treeHead.rootHash, readOnlyAt: treeHead.readOnlyAt }).from(treeHead).where(eq(treeHead.id, 1)),
    );
    const row = rows[0];
    if (!row) throw new LogError('UNAVAILABLE', 'no log exists in this database yet');
    return row;
  }

  /** Makes the partitions of `detail_keys` for leaf indices `from` to `to`, unless known to exist. */
  async #ensureKeyPartitions(from: number, to: number): Promise<void> {
    const first = keyPartitionOf(Math.min(from, to));
    const last = keyPartitionOf(Math.max(from, to));
    let known = true;
    for (let n = first; n <= last; n++) known &&= this.#keyPartitions.has(n);
    if (known) return;
    // On the writer's connection: a commit sent after it finds the partitions made.
    await this.#run('making partitions for details keys', () => this.#writer.execute(ensureKeyPartitionsStatement(this.#schema, first, last)));
    for (let n = first; n <= last; n++) this.#keyPartitions.add(n);
  }

  /**
   * Makes erased details unrecoverable from the database's files (erasure-purge.ts): seals
   * rows still stored in the clear, rewrites what held erased keys, moves the WAL past them.
   * The store runs it by itself after a commit with erasures and when it closes; the server
   * also runs it when it starts, to finish a purge a crash interrupted. One at a time.
   */
  purgeErased(): Promise<ErasurePurge> {
    const run = this.#purging.then(() => {
      this.#purgeWanted = false;
      return this.#run('purging erased details', () =>
        purgeErased({
          db: this.#db,
          schema: this.#schema,
          ensureKeyPartitions: (from, to) => this.#ensureKeyPartitions(from, to),
          ...(this.#discardPreallocatedWal === undefined ? {} : { discardPreallocatedWal: this.#discardPreallocatedWal }),
        }),
      );
    });
    this.#purging = run.catch(() => {});
    return run;
  }

  /** What in the database server's settings keeps erased keys on its disk despite the purge, in words (erasure-purge.ts). */
  erasureSettingProblems(): Promise<string[]> {
    return this.#run('reading the database settings', () => erasureSettingProblems(this.#db));
  }

  /** A purge soon: erasures committed meanwhile join it. */
  #requestPurge(): void {
    this.#purgeWanted = true;
    if (this.#purgeTimer !== undefined || this.#closed) return;
    this.#purgeTimer = setTimeout(() => {
      this.#purgeTimer = undefined;
      void this.#purgeAndReport();
    }, this.#purgeDelayMs);
    this.#purgeTimer.unref();
  }

  async #purgeAndReport(): Promise<void> {
    try {
      const report = await this.purgeErased();
      this.#onPurge?.({ report });
    } catch (error) {
      // Not lost: the erasures stay pending in erasure_state, for the next purge or start.
      this.#onPurge?.({ error });
    }
  }

  async findEvents(keys: readonly { partnerId: string; partnerSeq: number }[]): Promise<EventRecord[]> {
    if (keys.length === 0) return [];
    const rows = await this.#run('looking up partner sequence numbers', () =>
      this.#db
        .select(eventColumns(this.#t))
        .from(this.#t.events)
        .where(
          sql`(${this.#t.events.partnerId}, ${this.#t.events.partnerSeq}) in (select * from unnest(${sql.param(keys.map((k) => k.partnerId))}::text[], ${sql.param(keys.map((k) => k.partnerSeq))}::bigint[]))`,
        ),
    );
    return rows.map(toEventRecord);
  }

  async readEventsAt(leafIndices: readonly number[]): Promise<(EventRecord & { erasedBy: number | null })[]> {
    if (leafIndices.length === 0) return [];
    const rows = await this.#run('reading events', () =>
      this.#db
        .select({ ...eventColumns(this.#t), erasedBy: this.#t.erasures.erasureIndex })
        .from(this.#t.events)
        .leftJoin(this.#t.erasures, eq(this.#t.erasures.targetIndex, this.#t.events.leafIndex))
        .where(inArray(this.#t.events.leafIndex, [...leafIndices])),
    );
    return rows.map((r) => ({ ...toEventRecord(r), erasedBy: r.erasedBy }));
  }

  async readEventsTargeting(leafIndex: number, limit: number): Promise<{ leafIndex: number; type: string }[]> {
    return this.#run('reading the events about an entry', () =>
      this.#db
        .select({ leafIndex: this.#t.events.leafIndex, type: this.#t.events.type })
        .from(this.#t.events)
        .where(eq(this.#t.events.target, leafIndex))
        .orderBy(asc(this.#t.events.leafIndex))
        .limit(limit),
    );
  }

  async readCounters(counterKeys: readonly Hash[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (counterKeys.length === 0) return found;
    for (const k of counterKeys) checkHash(k, 'counter key');
    const rows = await this.#run('reading subject counters', () =>
      this.#db
        .select({ counterKey: this.#t.subjectCounters.counterKey, next: this.#t.subjectCounters.next })
        .from(this.#t.subjectCounters)
        .where(
          sql`${this.#t.subjectCounters.counterKey} in (select substring(${concatBytes(counterKeys)}::bytea from k * ${HASH} + 1 for ${HASH}) from generate_series(0, ${counterKeys.length}::int - 1) as k)`,
        ),
    );
    for (const row of rows) found.set(encodeHex(row.counterKey), row.next);
    return found;
  }

  async readDetails(leafIndex: number): Promise<EventDetails | { erasedBy: number } | undefined> {
    const rows = await this.#run('reading details', () =>
      this.#db
        .select({
          sealed: this.#t.entryDetails.sealed,
          details: this.#t.entryDetails.details,
          opening: this.#t.entryDetails.opening,
          revealHash: this.#t.entryDetails.revealHash,
          key: this.#t.detailKeys.key,
          erasedBy: this.#t.erasures.erasureIndex,
        })
        .from(this.#t.events)
        .leftJoin(this.#t.entryDetails, eq(this.#t.entryDetails.leafIndex, this.#t.events.leafIndex))
        // The index given again, so that the planner reads one partition of keys.
        .leftJoin(this.#t.detailKeys, and(eq(this.#t.detailKeys.leafIndex, this.#t.events.leafIndex), eq(this.#t.detailKeys.leafIndex, leafIndex)))
        .leftJoin(this.#t.erasures, eq(this.#t.erasures.targetIndex, this.#t.events.leafIndex))
        .where(eq(this.#t.events.leafIndex, leafIndex)),
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    if (row.erasedBy !== null) return { erasedBy: row.erasedBy };
    if (row.sealed !== null) {
      if (row.key === null) throw new LogError('INTERNAL', `the details of entry ${leafIndex} are stored without their key`);
      return { leafIndex, ...openDetails(leafIndex, row.key, row.sealed), revealHash: row.revealHash };
    }
    // A row stored before details were sealed, not sealed yet (sealLegacyDetails).
    if (row.details === null || row.opening === null) return undefined;
    return { leafIndex, details: row.details, opening: row.opening, revealHash: row.revealHash };
  }

  async readDetailsByRevealHash(revealHashes: readonly Hash[]): Promise<Map<string, EventDetails | { leafIndex: number; erasedBy: number }>> {
    const found = new Map<string, EventDetails | { leafIndex: number; erasedBy: number }>();
    if (revealHashes.length === 0) return found;
    for (const h of revealHashes) checkHash(h, 'reveal hash');
    // The hashes as one bytea array, sliced in SQL (one parameter on both drivers); `= any`
    // of it is an index lookup per hash on each table.
    const wanted = sql`array(select substring(${concatBytes(revealHashes)}::bytea from k * ${HASH} + 1 for ${HASH}) from generate_series(0, ${revealHashes.length}::int - 1) as k)`;
    const bytes = (v: Uint8Array | string | null): Uint8Array | null => (v === null ? null : byteaFromDriver(v));
    const rows = await this.#run('reading details by reveal hash', () =>
      this.#db
        .select({
          leafIndex: this.#t.entryDetails.leafIndex,
          // Nullable, and decoded for the erasures' rows below too: a union keeps the first select's decoders.
          sealed: sql`${this.#t.entryDetails.sealed}`.mapWith(bytes),
          key: sql`${this.#t.detailKeys.key}`.mapWith(bytes),
          details: sql<string | null>`${this.#t.entryDetails.details}`,
          opening: sql`${this.#t.entryDetails.opening}`.mapWith(bytes),
          revealHash: this.#t.entryDetails.revealHash,
          erasedBy: sql`null::bigint`.mapWith((v: string | number): number | null => Number(v)),
        })
        .from(this.#t.entryDetails)
        .leftJoin(this.#t.detailKeys, eq(this.#t.detailKeys.leafIndex, this.#t.entryDetails.leafIndex))
        .where(sql`${this.#t.entryDetails.revealHash} = any(${wanted})`)
        .unionAll(
          this.#db
            .select({
              leafIndex: this.#t.erasures.targetIndex,
              sealed: sql<Uint8Array | null>`null::bytea`,
              key: sql<Uint8Array | null>`null::bytea`,
              details: sql<string | null>`null::text`,
              opening: sql<Uint8Array | null>`null::bytea`,
              revealHash: this.#t.erasures.revealHash,
              erasedBy: this.#t.erasures.erasureIndex,
            })
            .from(this.#t.erasures)
            .where(sql`${this.#t.erasures.revealHash} = any(${wanted})`),
        )
        .orderBy(sql`1`),
    );
    // In leaf-index order, so that if two entries ever shared a reveal hash, the first wins.
    for (const row of rows) {
      if (row.revealHash === null) continue;
      const key = encodeHex(row.revealHash);
      if (found.has(key)) continue;
      if (row.erasedBy !== null) {
        found.set(key, { leafIndex: row.leafIndex, erasedBy: row.erasedBy });
      } else if (row.sealed !== null) {
        if (row.key === null) throw new LogError('INTERNAL', `the details of entry ${row.leafIndex} are stored without their key`);
        found.set(key, { leafIndex: row.leafIndex, ...openDetails(row.leafIndex, row.key, row.sealed), revealHash: row.revealHash });
      } else if (row.details !== null && row.opening !== null) {
        // A row stored before details were sealed, not sealed yet (sealLegacyDetails).
        found.set(key, { leafIndex: row.leafIndex, details: row.details, opening: row.opening, revealHash: row.revealHash });
      }
    }
    return found;
  }

  async readTagBucket(prefix: Uint8Array): Promise<{ tag: Hash; leafIndex: number }[]> {
    if (prefix.length !== 2) throw new LogError('INTERNAL', 'a tag bucket prefix is 2 bytes');
    // A btree range on bytea: every tag starting with the prefix sorts in [prefix, prefix + 1).
    const next = prefix[0]! * 256 + prefix[1]! + 1;
    const upper = next > 0xffff ? sql`true` : sql`${this.#t.subjectTags.tag} < ${new Uint8Array([Math.floor(next / 256), next % 256])}::bytea`;
    const rows = await this.#run('reading a tag bucket', () =>
      this.#db
        .select({ tag: this.#t.subjectTags.tag, leafIndex: this.#t.subjectTags.leafIndex })
        .from(this.#t.subjectTags)
        .where(and(sql`${this.#t.subjectTags.tag} >= ${prefix}::bytea`, upper))
        .orderBy(asc(this.#t.subjectTags.tag)),
    );
    return rows;
  }

  async partnerSequence(partnerId: string, limit: number): Promise<PartnerSequence> {
    // The summary and the first gaps, kept by each commit (keepPartnerSequences): one row and
    // at most limit + 1 gaps read, however many events the partner has sent.
    const rows = await this.#run('reading a partner sequence', () =>
      this.#db.execute(sql`select s.${sql.identifier(this.#t.partnerSequences.last.name)} as last, s.${sql.identifier(this.#t.partnerSequences.count.name)} as count,
          coalesce((select json_agg(json_build_array(g.f, g.t) order by g.f) from (
            select ${this.#t.partnerSequenceGaps.gapFrom} as f, ${this.#t.partnerSequenceGaps.gapTo} as t from ${this.#t.partnerSequenceGaps}
            where ${this.#t.partnerSequenceGaps.partnerId} = ${partnerId} order by ${this.#t.partnerSequenceGaps.gapFrom} limit ${limit + 1}) g), '[]'::json) as gaps
        from (select 1) as one left join ${this.#t.partnerSequences} s on s.${sql.identifier(this.#t.partnerSequences.partnerId.name)} = ${partnerId}`),
    ).then(rowsOf);
    const row = rows[0]!;
    const gaps = (typeof row['gaps'] === 'string' ? JSON.parse(row['gaps']) : row['gaps']) as [number | string, number | string][];
    return {
      last: row['last'] === null ? null : Number(row['last']),
      count: row['count'] === null ? 0 : Number(row['count']),
      gaps: gaps.slice(0, limit).map(([from, to]) => ({ from: Number(from), to: Number(to) })),
      truncated: gaps.length > limit,
    };
  }

  async readWitnessedCheckpoint(): Promise<TreeHead | undefined> {
    const rows = await this.#run('reading the witnessed checkpoint', () =>
      this.#db
        .select({ treeSize: this.#t.witnessedCheckpoints.treeSize, rootHash: this.#t.witnessedCheckpoints.rootHash, checkpoint: this.#t.witnessedCheckpoints.checkpoint })
        .from(this.#t.witnessedCheckpoints)
        .orderBy(desc(this.#t.witnessedCheckpoints.treeSize))
        .limit(1),
    );
    return rows[0];
  }

  async recordWitnessedCheckpoint(head: TreeHead): Promise<void> {
    checkHash(head.rootHash, 'root hash');
    const rows = await this.#run('recording a witnessed checkpoint', async () => {
      await this.#db.insert(this.#t.witnessedCheckpoints).values(head).onConflictDoNothing();
      return this.#db.select({ rootHash: this.#t.witnessedCheckpoints.rootHash }).from(this.#t.witnessedCheckpoints).where(eq(this.#t.witnessedCheckpoints.treeSize, head.treeSize));
    });
    if (!bytesEqual(rows[0]!.rootHash, head.rootHash)) {
      throw new LogError('CONFLICT', `a checkpoint of size ${head.treeSize} with another root is already witnessed`);
    }
  }

  async readCodeLists(sha256?: Hash): Promise<CodeListsVersion | undefined> {
    const columns = { sha256: this.#t.codeLists.sha256, body: this.#t.codeLists.body, leafIndex: this.#t.codeLists.leafIndex };
    const rows = await this.#run('reading code lists', () =>
      sha256 === undefined
        ? this.#db.select(columns).from(this.#t.codeLists).orderBy(desc(this.#t.codeLists.leafIndex)).limit(1)
        : this.#db.select(columns).from(this.#t.codeLists).where(eq(this.#t.codeLists.sha256, sha256)),
    );
    return rows[0];
  }

  async recordCodeLists(version: CodeListsVersion): Promise<void> {
    checkHash(version.sha256, 'code lists hash');
    await this.#run('recording code lists', () =>
      this.#db
        .insert(this.#t.codeLists)
        .values(version)
        .onConflictDoUpdate({ target: this.#t.codeLists.sha256, set: { leafIndex: sql`greatest(${this.#t.codeLists.leafIndex}, excluded.${sql.identifier(this.#t.codeLists.leafIndex.name)})` } }),
    );
  }

  /** The years whose subject-tag key this log already uses (a check value is stored), ascending. */
  async tagKeyYears(): Promise<string[]> {
    const rows = await this.#run('reading the tag key checks', () => this.#db.select({ year: this.#t.tagKeyChecks.year }).from(this.#t.tagKeyChecks).orderBy(this.#t.tagKeyChecks.year));
    return rows.map((r) => r.year);
  }

  async claimTagKeyCheck(year: string, check: Hash): Promise<Hash> {
    checkHash(check, 'tag key check');
    const rows = await this.#run('claiming a tag key check', async () => {
      await this.#db.insert(this.#t.tagKeyChecks).values({ year, check }).onConflictDoNothing();
      return this.#db.select({ check: this.#t.tagKeyChecks.check }).from(this.#t.tagKeyChecks).where(eq(this.#t.tagKeyChecks.year, year));
    });
    return rows[0]!.check;
  }

  async addPartner(partner: { id: string; name: string | null; tokenHash: Hash; publicKey: Uint8Array | null }): Promise<void> {
    checkHash(partner.tokenHash, 'token hash');
    await this.#run(
      'adding a partner',
      () => this.#db.insert(this.#t.partners).values({ id: partner.id, name: partner.name, tokenHash: partner.tokenHash, publicKey: partner.publicKey }),
      (constraint) =>
        constraint === 'partners_token_hash_key' ? `another partner already has the token given for ${partner.id}` : `partner ${partner.id} already exists`,
    );
  }

  async listPartners(): Promise<ListedPartner[]> {
    const [rows, previous] = await this.#run('listing partners', () =>
      Promise.all([
        this.#db.select(partnerColumns(this.#t)).from(this.#t.partners).orderBy(asc(this.#t.partners.id)),
        this.#db
          .select({ partnerId: this.#t.previousPartnerKeys.partnerId, publicKey: this.#t.previousPartnerKeys.publicKey })
          .from(this.#t.previousPartnerKeys)
          .orderBy(asc(this.#t.previousPartnerKeys.replacedAt), asc(this.#t.previousPartnerKeys.publicKey)),
      ]),
    );
    return rows.map((row) => ({ ...toPartner(row), previousKeys: previous.filter((k) => k.partnerId === row.id).map((k) => k.publicKey) }));
  }

  async revokePartner(id: string): Promise<void> {
    const rows = await this.#run('revoking a partner', () =>
      this.#db
        .update(this.#t.partners)
        .set({ revokedAt: sql`coalesce(${this.#t.partners.revokedAt}, now())` })
        .where(eq(this.#t.partners.id, id))
        .returning({ id: this.#t.partners.id }),
    );
    if (rows.length === 0) throw new LogError('NOT_FOUND', `no partner ${id}`);
  }

  async setPartnerKey(id: string, publicKey: Uint8Array): Promise<void> {
    if (publicKey.length !== 32) throw new LogError('INTERNAL', 'an Ed25519 public key is 32 bytes');
    const col = (c: { name: string }) => sql.identifier(c.name);
    // One statement: the key replaced (read from the snapshot before the update) is kept
    // with the partner's previous keys, atomically with the update.
    const rows = await this.#run('setting a partner key', () =>
      this.#db
        .execute(
          sql`with old as (
              select ${col(this.#t.partners.publicKey)} as k from ${this.#t.partners} where ${col(this.#t.partners.id)} = ${id}
            ), kept as (
              insert into ${this.#t.previousPartnerKeys} (${col(this.#t.previousPartnerKeys.partnerId)}, ${col(this.#t.previousPartnerKeys.publicKey)})
              select ${id}, k from old where k is not null and k <> ${publicKey}::bytea
              on conflict do nothing
              returning 1
            ), updated as (
              update ${this.#t.partners} set ${col(this.#t.partners.publicKey)} = ${publicKey}::bytea where ${col(this.#t.partners.id)} = ${id} returning 1
            )
            select (select count(*) from updated) as updated, (select count(*) from kept) as kept`,
        )
        .then(rowsOf),
    );
    if (Number(rows[0]?.['updated'] ?? 0) === 0) throw new LogError('NOT_FOUND', `no partner ${id}`);
  }

  async findPartnerByTokenHash(tokenHash: Hash): Promise<Partner | undefined> {
    checkHash(tokenHash, 'token hash');
    const rows = await this.#run('looking up a partner', () => this.#findPartner.execute({ tokenHash }));
    const row = rows[0];
    return row && toPartner(row);
  }

  async addOperator(operator: { id: string; tokenHash: Hash }): Promise<void> {
    checkHash(operator.tokenHash, 'token hash');
    await this.#run(
      'adding an operator',
      () => this.#db.insert(this.#t.operators).values({ id: operator.id, tokenHash: operator.tokenHash }),
      (constraint) =>
        constraint === 'operators_token_hash_key' ? `another operator already has the token given for ${operator.id}` : `operator ${operator.id} already exists`,
    );
  }

  async listOperators(): Promise<Operator[]> {
    return this.#run('listing operators', () => this.#db.select(operatorColumns(this.#t)).from(this.#t.operators).orderBy(asc(this.#t.operators.id)));
  }

  async revokeOperator(id: string): Promise<void> {
    const rows = await this.#run('revoking an operator', () =>
      this.#db
        .update(this.#t.operators)
        .set({ revokedAt: sql`coalesce(${this.#t.operators.revokedAt}, now())` })
        .where(eq(this.#t.operators.id, id))
        .returning({ id: this.#t.operators.id }),
    );
    if (rows.length === 0) throw new LogError('NOT_FOUND', `no operator ${id}`);
  }

  async findOperatorByTokenHash(tokenHash: Hash): Promise<Operator | undefined> {
    checkHash(tokenHash, 'token hash');
    const rows = await this.#run('looking up an operator', () =>
      this.#db
        .select(operatorColumns(this.#t))
        .from(this.#t.operators)
        .where(and(eq(this.#t.operators.tokenHash, tokenHash), sql`${this.#t.operators.revokedAt} is null`)),
    );
    return rows[0];
  }

  async ping(): Promise<void> {
    this.#checkOpen();
    try {
      await this.#db.execute(sql`select 1`);
    } catch (e) {
      const error = mapDatabaseError(e, 'pinging the database');
      throw error.code === 'UNAVAILABLE' ? error : new LogError('UNAVAILABLE', error.message, { cause: error.cause });
    }
  }

  /**
   * Runs the purge an erasure is waiting for, then closes the database handle it was given;
   * later calls fail with UNAVAILABLE.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      if (this.#purgeTimer !== undefined) clearTimeout(this.#purgeTimer);
      this.#purgeTimer = undefined;
      if (this.#purgeWanted) await this.#purgeAndReport();
      await this.#purging;
    }
    this.#closed = true;
    return this.#close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new LogError('UNAVAILABLE', 'the log store is closed');
  }

  /**
   * Runs `fn`, mapping a driver's error to a LogError; `conflict` words the CONFLICT of a
   * unique violation from the violated constraint's name.
   */
  async #run<T>(what: string, fn: () => Promise<T>, conflict?: (constraint: string | undefined) => string): Promise<T> {
    this.#checkOpen();
    try {
      return await fn();
    } catch (e) {
      const error = mapDatabaseError(e, what);
      if (conflict !== undefined && error.cause instanceof DatabaseFailure && error.cause.code === '23505') {
        throw new LogError('CONFLICT', conflict(error.cause.constraint), { cause: error.cause });
      }
      throw error;
    }
  }
}

const partnerColumns = (t: LogTables) => ({ id: t.partners.id, name: t.partners.name, publicKey: t.partners.publicKey, createdAt: t.partners.createdAt, revokedAt: t.partners.revokedAt });

function toPartner(row: { id: string; name: string | null; publicKey: Uint8Array | null; createdAt: Date; revokedAt: Date | null }): Partner {
  return { id: row.id, name: row.name, publicKey: row.publicKey, createdAt: row.createdAt, revokedAt: row.revokedAt };
}

const operatorColumns = (t: LogTables) => ({ id: t.operators.id, createdAt: t.operators.createdAt, revokedAt: t.operators.revokedAt });

const eventColumns = (t: LogTables) => ({
  leafIndex: t.events.leafIndex,
  partnerId: t.events.partnerId,
  partnerSeq: t.events.partnerSeq,
  eventHash: t.events.eventHash,
  type: t.events.type,
  target: t.events.target,
});

function toEventRecord(row: EventRecord): EventRecord {
  return { leafIndex: row.leafIndex, partnerId: row.partnerId, partnerSeq: row.partnerSeq, eventHash: row.eventHash, type: row.type, target: row.target };
}

function tileKey(level: number, index: number): string {
  return `${level}/${index}`;
}

/** Offsets and lengths of `items` laid end to end in one blob. */
function layout(items: readonly { readonly data: Uint8Array }[]): { offsets: number[]; lengths: number[]; blob: Uint8Array } {
  const offsets: number[] = [];
  const lengths: number[] = [];
  let offset = 0;
  for (const item of items) {
    offsets.push(offset);
    lengths.push(item.data.length);
    offset += item.data.length;
  }
  return { offsets, lengths, blob: concatBytes(items.map((item) => item.data)) };
}

/**
 * The whole commit as one statement. Data-modifying CTEs see one snapshot; the inserts are
 * conditioned on the head update having matched, and under READ COMMITTED a concurrent
 * writer's update makes ours re-check its WHERE against the new row, so it matches nothing.
 */
function commitStatement(t: LogTables, expected: { readonly treeSize: number; readonly rootHash: Hash }, batch: IntegratedBatch, sealing: { keys: Uint8Array[]; sealed: Uint8Array[] }) {
  const e = layout(batch.entries);
  const tileLayout = layout(batch.tiles);
  const hashes = concatBytes(batch.entries.map((x) => x.leafHash));
  const col = (c: { name: string }) => sql.identifier(c.name);
  return sql`with head as (
      update ${t.treeHead}
      set ${col(t.treeHead.treeSize)} = ${batch.head.treeSize}, ${col(t.treeHead.rootHash)} = ${batch.head.rootHash},
          ${col(t.treeHead.checkpoint)} = ${batch.head.checkpoint}, ${col(t.treeHead.updatedAt)} = now()
      where ${col(t.treeHead.id)} = 1 and ${col(t.treeHead.treeSize)} = ${expected.treeSize} and ${col(t.treeHead.rootHash)} = ${expected.rootHash}
        and ${col(t.treeHead.readOnlyAt)} is null
      returning 1
    ), new_entries as (
      insert into ${t.entries} (${col(t.entries.leafIndex)}, ${col(t.entries.leafHash)}, ${col(t.entries.data)}, ${col(t.entries.partnerId)})
      select u.i, substring(${hashes}::bytea from (u.k::int - 1) * ${HASH} + 1 for ${HASH}), substring(${e.blob}::bytea from u.o + 1 for u.n), u.p
      from unnest(${sql.param(batch.entries.map((x) => x.leafIndex))}::bigint[], ${sql.param(e.offsets)}::int[], ${sql.param(e.lengths)}::int[],
                  ${sql.param(batch.entries.map((x) => x.partnerId))}::text[]) with ordinality as u(i, o, n, p, k)
      where exists (select from head)
      returning 1
    ), new_tiles as (
      insert into ${t.tiles} (${col(t.tiles.level)}, ${col(t.tiles.tileIndex)}, ${col(t.tiles.data)})
      select u.l, u.i, substring(${tileLayout.blob}::bytea from u.o + 1 for u.n)
      from unnest(${sql.param(batch.tiles.map((x) => x.level))}::smallint[], ${sql.param(batch.tiles.map((x) => x.index))}::bigint[],
                  ${sql.param(tileLayout.offsets)}::int[], ${sql.param(tileLayout.lengths)}::int[]) as u(l, i, o, n)
      where exists (select from head)
      on conflict (${col(t.tiles.level)}, ${col(t.tiles.tileIndex)}) do update set ${col(t.tiles.data)} = excluded.${col(t.tiles.data)}
      returning 1
    )${batch.events === undefined ? sql`` : eventStatements(t, batch.events, sealing)}
    select (select count(*) from head) as moved, (select count(*) from new_entries) as entries, (select count(*) from new_tiles) as tiles`;
}

/** A 32-byte value per row, as one blob sliced in SQL by the row's ordinality `k`. */
function slice32(blob: Uint8Array) {
  return sql`substring(${blob}::bytea from (u.k::int - 1) * ${HASH} + 1 for ${HASH})`;
}

/**
 * The further CTEs of a batch of typed events, gated on the same head update: their
 * records, erasable details (sealed, `sealing.sealed[i]` under `sealing.keys[i]` for
 * `rows.details[i]`) and their keys, subject tags, counters, and the erasures — whose
 * deletes are in this very statement, so details are never erased without the erasure being
 * logged, nor an erasure logged with the details left behind.
 */
function eventStatements(t: LogTables, rows: EventRows, sealing: { keys: Uint8Array[]; sealed: Uint8Array[] }) {
  const col = (c: { name: string }) => sql.identifier(c.name);
  const zero = new Uint8Array(HASH_SIZE);
  const sealed = layout(sealing.sealed.map((data) => ({ data })));
  const targets = sql.param(rows.erasures.map((x) => x.targetIndex));
  return sql`, new_events as (
      insert into ${t.events} (${col(t.events.leafIndex)}, ${col(t.events.partnerId)}, ${col(t.events.partnerSeq)}, ${col(t.events.eventHash)}, ${col(t.events.type)}, ${col(t.events.target)})
      select u.i, u.p, u.s, ${slice32(concatBytes(rows.events.map((e) => e.eventHash)))}, u.t, u.g
      from unnest(${sql.param(rows.events.map((e) => e.leafIndex))}::bigint[], ${sql.param(rows.events.map((e) => e.partnerId))}::text[],
                  ${sql.param(rows.events.map((e) => e.partnerSeq))}::bigint[], ${sql.param(rows.events.map((e) => e.type))}::text[],
                  ${sql.param(rows.events.map((e) => e.target))}::bigint[]) with ordinality as u(i, p, s, t, g, k)
      where exists (select from head)
      returning 1
    ), new_details as (
      insert into ${t.entryDetails} (${col(t.entryDetails.leafIndex)}, ${col(t.entryDetails.sealed)}, ${col(t.entryDetails.revealHash)})
      select u.i, substring(${sealed.blob}::bytea from u.o + 1 for u.n),
             case when u.r = 1 then ${slice32(concatBytes(rows.details.map((d) => d.revealHash ?? zero)))} end
      from unnest(${sql.param(rows.details.map((d) => d.leafIndex))}::bigint[], ${sql.param(sealed.offsets)}::int[], ${sql.param(sealed.lengths)}::int[],
                  ${sql.param(rows.details.map((d) => (d.revealHash === null ? 0 : 1)))}::int[]) with ordinality as u(i, o, n, r, k)
      where exists (select from head)
      returning 1
    ), new_keys as (
      insert into ${t.detailKeys} (${col(t.detailKeys.leafIndex)}, ${col(t.detailKeys.key)})
      select u.i, ${slice32(concatBytes(sealing.keys))}
      from unnest(${sql.param(rows.details.map((d) => d.leafIndex))}::bigint[]) with ordinality as u(i, k)
      where exists (select from head)
      returning 1
    ), new_tags as (
      insert into ${t.subjectTags} (${col(t.subjectTags.tag)}, ${col(t.subjectTags.leafIndex)})
      select ${slice32(concatBytes(rows.tags.map((t) => t.tag)))}, u.i
      from unnest(${sql.param(rows.tags.map((t) => t.leafIndex))}::bigint[]) with ordinality as u(i, k)
      where exists (select from head)
      returning 1
    ), new_counters as (
      insert into ${t.subjectCounters} (${col(t.subjectCounters.counterKey)}, ${col(t.subjectCounters.next)})
      select ${slice32(concatBytes(rows.counters.map((c) => c.counterKey)))}, u.n
      from unnest(${sql.param(rows.counters.map((c) => c.next))}::int[]) with ordinality as u(n, k)
      where exists (select from head)
      on conflict (${col(t.subjectCounters.counterKey)}) do update set ${col(t.subjectCounters.next)} = excluded.${col(t.subjectCounters.next)}
      returning 1
    ), erased_details as (
      delete from ${t.entryDetails}
      where ${col(t.entryDetails.leafIndex)} = any(${targets}::bigint[]) and exists (select from head)
      returning ${col(t.entryDetails.leafIndex)} as t, ${col(t.entryDetails.revealHash)} as h
    ), erased_keys as (
      delete from ${t.detailKeys}
      where ${col(t.detailKeys.leafIndex)} = any(${targets}::bigint[]) and exists (select from head)
      returning 1
    ), new_erasures as (
      insert into ${t.erasures} (${col(t.erasures.targetIndex)}, ${col(t.erasures.erasureIndex)}, ${col(t.erasures.revealHash)})
      select u.t, u.e, (select d.h from erased_details d where d.t = u.t)
      from unnest(${sql.param(rows.erasures.map((x) => x.targetIndex))}::bigint[], ${sql.param(rows.erasures.map((x) => x.erasureIndex))}::bigint[]) as u(t, e)
      where exists (select from head)
      returning 1
    )`;
}

/**
 * Moves the sequence summary and gaps of every partner with numbers in `numbered`, inside the
 * commit's transaction: reads each partner's summary and the gaps holding the new numbers
 * (an index probe per number), works out the change (advanceSequence), writes it. So a batch
 * costs a few statements and rows in proportion to its own events, never to the log.
 */
async function keepPartnerSequences(t: LogTables, tx: { execute(query: SQL): Promise<unknown> }, numbered: readonly { readonly partnerId: string; readonly partnerSeq: number }[]): Promise<void> {
  const byPartner = new Map<string, number[]>();
  for (const e of numbered) {
    const list = byPartner.get(e.partnerId);
    if (list === undefined) byPartner.set(e.partnerId, [e.partnerSeq]);
    else list.push(e.partnerSeq);
  }
  const ids = [...byPartner.keys()];
  const col = (c: { name: string }) => sql.identifier(c.name);
  const summaries = new Map<string, SequenceSummary>();
  for (const row of rowsOf(
    await tx.execute(sql`select ${col(t.partnerSequences.partnerId)} as p, ${col(t.partnerSequences.last)} as l, ${col(t.partnerSequences.count)} as c
      from ${t.partnerSequences} where ${col(t.partnerSequences.partnerId)} = any(${sql.param(ids)}::text[])`),
  )) {
    summaries.set(String(row['p']), { last: Number(row['l']), count: Number(row['c']) });
  }
  // The one gap that can hold each number: the last starting at or below it, if it reaches it.
  const holding = new Map<string, Map<number, SequenceGap>>();
  for (const row of rowsOf(
    await tx.execute(sql`select u.p, g.f, g.t from unnest(${sql.param(numbered.map((e) => e.partnerId))}::text[], ${sql.param(numbered.map((e) => e.partnerSeq))}::bigint[]) as u(p, n)
      cross join lateral (select ${col(t.partnerSequenceGaps.gapFrom)} as f, ${col(t.partnerSequenceGaps.gapTo)} as t from ${t.partnerSequenceGaps}
        where ${col(t.partnerSequenceGaps.partnerId)} = u.p and ${col(t.partnerSequenceGaps.gapFrom)} <= u.n order by ${col(t.partnerSequenceGaps.gapFrom)} desc limit 1) as g
      where g.t >= u.n`),
  )) {
    const p = String(row['p']);
    const gap = { from: Number(row['f']), to: Number(row['t']) };
    let gaps = holding.get(p);
    if (gaps === undefined) holding.set(p, (gaps = new Map()));
    gaps.set(gap.from, gap);
  }
  const removed: { p: string; from: number }[] = [];
  const added: { p: string; gap: SequenceGap }[] = [];
  const moved: { p: string; summary: SequenceSummary }[] = [];
  for (const [p, numbers] of byPartner) {
    const change = advanceSequence(summaries.get(p) ?? { last: 0, count: 0 }, [...(holding.get(p)?.values() ?? [])], numbers);
    for (const from of change.removed) removed.push({ p, from });
    for (const gap of change.added) added.push({ p, gap });
    moved.push({ p, summary: change.summary });
  }
  if (removed.length > 0) {
    await tx.execute(sql`delete from ${t.partnerSequenceGaps} where (${col(t.partnerSequenceGaps.partnerId)}, ${col(t.partnerSequenceGaps.gapFrom)}) in
      (select * from unnest(${sql.param(removed.map((r) => r.p))}::text[], ${sql.param(removed.map((r) => r.from))}::bigint[]))`);
  }
  await tx.execute(sql`with new_gaps as (
      insert into ${t.partnerSequenceGaps} (${col(t.partnerSequenceGaps.partnerId)}, ${col(t.partnerSequenceGaps.gapFrom)}, ${col(t.partnerSequenceGaps.gapTo)})
      select * from unnest(${sql.param(added.map((a) => a.p))}::text[], ${sql.param(added.map((a) => a.gap.from))}::bigint[], ${sql.param(added.map((a) => a.gap.to))}::bigint[])
      returning 1
    )
    insert into ${t.partnerSequences} (${col(t.partnerSequences.partnerId)}, ${col(t.partnerSequences.last)}, ${col(t.partnerSequences.count)})
    select * from unnest(${sql.param(moved.map((m) => m.p))}::text[], ${sql.param(moved.map((m) => m.summary.last))}::bigint[], ${sql.param(moved.map((m) => m.summary.count))}::bigint[])
    on conflict (${col(t.partnerSequences.partnerId)}) do update set ${col(t.partnerSequences.last)} = excluded.${col(t.partnerSequences.last)}, ${col(t.partnerSequences.count)} = excluded.${col(t.partnerSequences.count)}`);
}
