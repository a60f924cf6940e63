/**
 * The `LogStore` over PostgreSQL through drizzle: one code path for PGlite and postgres.js,
 * for the log of the public schema or of a log schema of its own. Its parts live by concern
 * in tree-store.ts (TreeStore), event-store.ts (EventStore) and account-store.ts
 * (AccountStore), on a shared StoreContext (store-context.ts); this file puts them together
 * and owns what spans them: the store's life (close), and the erasure purge it runs by
 * itself after commits with erasures.
 */
import { sql } from 'drizzle-orm';
import { LogError } from '../errors.js';
import type { LogStore } from '../log/ports.js';
import type {
  Auditor,
  CodeListsVersion,
  EventDetails,
  EventRecord,
  IntegratedBatch,
  ListedPartner,
  LogMeta,
  MoneyRecordRow,
  Operator,
  StandingRecord,
  Partner,
  PartnerSequence,
  TileId,
  TreeHead,
} from '../log/types.js';
import type { Hash } from '../merkle/index.js';
import { PgAccountStore } from './account-store.js';
import { DatabaseFailure, mapDatabaseError } from './database-errors.js';
import { type Database, rowsOf } from './db.js';
import { type ErasurePurge, erasureSettingProblems, purgeErased } from './erasure-purge.js';
import { PgEventStore } from './event-store.js';
import { PgMoneyStore } from './money-store.js';
import { logTables } from './schema.js';
import type { StoreContext } from './store-context.js';
import { type CommitFaults, PgTreeStore } from './tree-store.js';

export type { CommitFaults } from './tree-store.js';

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

export class PgLogStore implements LogStore {
  readonly #db: Database;
  /** The log's schema, undefined for the public one. */
  readonly #schema: string | undefined;
  readonly #close: () => Promise<void>;
  readonly #discardPreallocatedWal: (() => Promise<void>) | undefined;
  readonly #purgeDelayMs: number;
  readonly #onPurge: PgLogStoreOptions['onPurge'];
  readonly #tree: PgTreeStore;
  readonly #events: PgEventStore;
  readonly #money: PgMoneyStore;
  readonly #accounts: PgAccountStore;
  /** An erasure was committed and its purge has not started yet. */
  #purgeWanted = false;
  #purgeTimer: ReturnType<typeof setTimeout> | undefined;
  /** The purge running or queued last: purges run one at a time. */
  #purging: Promise<unknown> = Promise.resolve();
  #closed = false;

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
    this.#db = handle.db;
    this.#schema = options.schema === 'public' ? undefined : options.schema;
    this.#close = options.ownsDatabase === false ? async () => {} : () => handle.close();
    this.#discardPreallocatedWal = handle.discardPreallocatedWal;
    this.#purgeDelayMs = options.purgeDelayMs ?? DEFAULT_PURGE_DELAY_MS;
    this.#onPurge = options.onPurge;
    const schema = this.#schema;
    const ctx: StoreContext = {
      db: handle.db,
      writer: handle.writer ?? handle.db,
      t: logTables(schema),
      statementName: (name) => (schema === undefined ? `sightline_${name}` : `sightline_${schema}_${name}`),
      run: (what, fn, conflict) => this.#run(what, fn, conflict),
    };
    this.#events = new PgEventStore(ctx, schema);
    this.#money = new PgMoneyStore(ctx);
    this.#accounts = new PgAccountStore(ctx);
    this.#tree = new PgTreeStore(ctx, {
      faults: options.faults,
      ensureKeyPartitions: (from, to) => this.#events.ensureKeyPartitions(from, to),
      onErasures: () => this.#requestPurge(),
    });
  }

  readMeta(): Promise<LogMeta | undefined> {
    return this.#tree.readMeta();
  }

  createLog(meta: LogMeta, head: TreeHead): Promise<void> {
    return this.#tree.createLog(meta, head);
  }

  readHead(): Promise<TreeHead> {
    return this.#tree.readHead();
  }

  readTiles(ids: readonly TileId[]): Promise<(Uint8Array | undefined)[]> {
    return this.#tree.readTiles(ids);
  }

  readEntries(start: number, count: number, maxBytes?: number): Promise<Uint8Array[]> {
    return this.#tree.readEntries(start, count, maxBytes);
  }

  readEntryBundle(start: number, count: number, maxBytes: number): Promise<{ count: number; bundle: Uint8Array }> {
    return this.#tree.readEntryBundle(start, count, maxBytes);
  }

  findLeafHashes(leafHashes: readonly Hash[]): Promise<Map<string, number>> {
    return this.#tree.findLeafHashes(leafHashes);
  }

  commitBatch(expected: { readonly treeSize: number; readonly rootHash: Hash }, batch: IntegratedBatch): Promise<void> {
    return this.#tree.commitBatch(expected, batch);
  }

  finalizeLog(expected: { readonly treeSize: number; readonly rootHash: Hash }, finalHead: TreeHead): Promise<void> {
    return this.#tree.finalizeLog(expected, finalHead);
  }

  readLifecycle(): Promise<{ readOnlyAt: Date; finalCheckpoint: string } | undefined> {
    return this.#tree.readLifecycle();
  }

  readWitnessedCheckpoint(): Promise<TreeHead | undefined> {
    return this.#tree.readWitnessedCheckpoint();
  }

  recordWitnessedCheckpoint(head: TreeHead): Promise<void> {
    return this.#tree.recordWitnessedCheckpoint(head);
  }

  findMoneyRecords(keys: readonly { partnerId: string; dedupKey: string }[]): Promise<MoneyRecordRow[]> {
    return this.#money.findMoneyRecords(keys);
  }

  readMoneyRecordsAt(leafIndices: readonly number[]): Promise<MoneyRecordRow[]> {
    return this.#money.readMoneyRecordsAt(leafIndices);
  }

  readStandingRecords(query: { partnerId: string; recordType: string; from: string; to: string; after: number; limit: number }): Promise<StandingRecord[]> {
    return this.#money.readStandingRecords(query);
  }

  findEvents(keys: readonly { partnerId: string; partnerSeq: number }[]): Promise<EventRecord[]> {
    return this.#events.findEvents(keys);
  }

  readEventsAt(leafIndices: readonly number[]): Promise<(EventRecord & { erasedBy: number | null })[]> {
    return this.#events.readEventsAt(leafIndices);
  }

  readEventsTargeting(leafIndex: number, limit: number): Promise<{ leafIndex: number; type: string }[]> {
    return this.#events.readEventsTargeting(leafIndex, limit);
  }

  readCounters(counterKeys: readonly Hash[]): Promise<Map<string, number>> {
    return this.#events.readCounters(counterKeys);
  }

  readDetails(leafIndex: number): Promise<EventDetails | { erasedBy: number } | undefined> {
    return this.#events.readDetails(leafIndex);
  }

  readDetailsByRevealHash(revealHashes: readonly Hash[]): Promise<Map<string, EventDetails | { leafIndex: number; erasedBy: number }>> {
    return this.#events.readDetailsByRevealHash(revealHashes);
  }

  readTagBucket(prefix: Uint8Array): Promise<{ tag: Hash; leafIndex: number }[]> {
    return this.#events.readTagBucket(prefix);
  }

  partnerSequence(partnerId: string, limit: number): Promise<PartnerSequence> {
    return this.#events.partnerSequence(partnerId, limit);
  }

  readCodeLists(sha256?: Hash): Promise<CodeListsVersion | undefined> {
    return this.#events.readCodeLists(sha256);
  }

  recordCodeLists(version: CodeListsVersion): Promise<void> {
    return this.#events.recordCodeLists(version);
  }

  tagKeyYears(): Promise<string[]> {
    return this.#events.tagKeyYears();
  }

  claimTagKeyCheck(year: string, check: Hash): Promise<Hash> {
    return this.#events.claimTagKeyCheck(year, check);
  }

  addPartner(partner: { id: string; name: string | null; tokenHash: Hash; publicKey: Uint8Array | null }): Promise<void> {
    return this.#accounts.addPartner(partner);
  }

  setPartnerKey(id: string, publicKey: Uint8Array): Promise<void> {
    return this.#accounts.setPartnerKey(id, publicKey);
  }

  listPartners(): Promise<ListedPartner[]> {
    return this.#accounts.listPartners();
  }
  partnerTokenHashes(): Promise<Map<string, Hash>> {
    return this.#accounts.partnerTokenHashes();
  }


  revokePartner(id: string): Promise<void> {
    return this.#accounts.revokePartner(id);
  }

  findPartnerByTokenHash(tokenHash: Hash): Promise<Partner | undefined> {
    return this.#accounts.findPartnerByTokenHash(tokenHash);
  }

  addOperator(operator: { id: string; tokenHash: Hash }): Promise<void> {
    return this.#accounts.addOperator(operator);
  }

  listOperators(): Promise<Operator[]> {
    return this.#accounts.listOperators();
  }

  revokeOperator(id: string): Promise<void> {
    return this.#accounts.revokeOperator(id);
  }

  findOperatorByTokenHash(tokenHash: Hash): Promise<Operator | undefined> {
    return this.#accounts.findOperatorByTokenHash(tokenHash);
  }

  addAuditor(auditor: { id: string; tokenHash: Hash }): Promise<void> {
    return this.#accounts.addAuditor(auditor);
  }

  listAuditors(): Promise<Auditor[]> {
    return this.#accounts.listAuditors();
  }

  revokeAuditor(id: string): Promise<void> {
    return this.#accounts.revokeAuditor(id);
  }

  findAuditorByTokenHash(tokenHash: Hash): Promise<Auditor | undefined> {
    return this.#accounts.findAuditorByTokenHash(tokenHash);
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
          ensureKeyPartitions: (from, to) => this.#events.ensureKeyPartitions(from, to),
          ...(this.#discardPreallocatedWal === undefined ? {} : { discardPreallocatedWal: this.#discardPreallocatedWal }),
        }),
      );
    });
    this.#purging = run.catch(() => {});
    return run;
  }

  /**
   * The bytes the log's tables take on disk, indices and TOAST included (a service's storage
   * quota). One catalog query: PostgreSQL keeps each relation's size, nothing is scanned.
   */
  async storageBytes(): Promise<number> {
    const rows = await this.#run('reading the log\'s size', () =>
      this.#db.execute(
        sql`select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint as bytes from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${this.#schema ?? 'public'} and c.relkind = 'r'`,
      ),
    );
    return Number(rowsOf(rows)[0]?.['bytes'] ?? 0);
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
