/**
 * The tree of a log in PostgreSQL (TreeStore): its identity, head, tiles and entries, the
 * commit that grows them, the end of its life (finalizeLog) and its witnessed checkpoints.
 *
 * Hot paths send a fixed number of parameters whatever the batch size: lists of numbers go
 * as one array parameter each, lists of bytes as one concatenated `bytea` sliced apart in SQL
 * (postgres.js cannot send `bytea[]`). So every read is one statement, and a batch's entries
 * go in one `insert … select … from unnest(…)` (a few times faster on PostgreSQL than a
 * multi-row VALUES insert, and never near the 65,535 bind-parameter limit).
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { bytesEqual, concatBytes, encodeHex } from '../encoding/index.js';
import { LogError } from '../errors.js';
import type { TreeStore } from '../log/ports.js';
import type { EventDetails, EventRows, IntegratedBatch, LogMeta, TileId, TreeHead } from '../log/types.js';
import { type Hash } from '../merkle/index.js';
import { checkBatch, checkHash, checkRange } from './checks.js';
import type { Database } from './db.js';
import { rowsOf } from './db.js';
import { eventStatements, keepPartnerSequences } from './event-store.js';
import { moneyStatements } from './money-store.js';
import type { LogTables } from './schema.js';
import { sealAll } from './sealed-details.js';
import { HASH, type StoreContext, layout } from './store-context.js';

/** Test hooks run inside the commit; a throw there must roll everything back. */
export interface CommitFaults {
  /** After every write (entries, tiles, head), just before COMMIT. */
  readonly beforeCommit?: () => void | Promise<void>;
}

/** What a unique violation during a commit means, by constraint: each is a lost race, retried. */
const COMMIT_CONFLICTS: Record<string, string> = {
  entries_pkey: 'a leaf index of the batch is already stored: another writer got there first',
  entries_leaf_hash_key: 'an entry of the batch is already in the log (its leaf hash is stored): another writer got there first',
  events_partner_seq_key: 'a partner sequence number of the batch is already used: another writer got there first',
  subject_tags_pkey: 'a subject tag of the batch is already stored: another writer moved its counter first',
  erasures_pkey: 'an entry the batch erases is already erased: another writer got there first',
};

export class PgTreeStore implements TreeStore {
  readonly #db: Database;
  readonly #writer: Database;
  readonly #t: LogTables;
  readonly #run: StoreContext['run'];
  readonly #faults: CommitFaults;
  readonly #ensureKeyPartitions: (from: number, to: number) => Promise<void>;
  readonly #onErasures: () => void;
  readonly #readHead;
  readonly #readTiles;
  readonly #readEntries;
  readonly #readEntriesWithin;
  readonly #readEntryBundle;
  readonly #findLeafHashes;

  /**
   * `hooks.ensureKeyPartitions` makes the partitions of `detail_keys` a batch's details need
   * (event-store.ts), before its commit; `hooks.onErasures` is told of each commit with erasures.
   */
  constructor(
    ctx: StoreContext,
    hooks: { readonly faults?: CommitFaults | undefined; readonly ensureKeyPartitions: (from: number, to: number) => Promise<void>; readonly onErasures: () => void },
  ) {
    const db = ctx.db;
    this.#db = db;
    this.#writer = ctx.writer;
    this.#t = ctx.t;
    this.#run = (what, fn, conflict) => ctx.run(what, fn, conflict);
    this.#faults = hooks.faults ?? {};
    this.#ensureKeyPartitions = hooks.ensureKeyPartitions;
    this.#onErasures = hooks.onErasures;
    this.#readHead = db
      .select({ treeSize: this.#t.treeHead.treeSize, rootHash: this.#t.treeHead.rootHash, checkpoint: this.#t.treeHead.checkpoint })
      .from(this.#t.treeHead)
      .where(eq(this.#t.treeHead.id, 1))
      .prepare(ctx.statementName('read_head'));
    this.#readTiles = db
      .select({ level: this.#t.tiles.level, index: this.#t.tiles.tileIndex, data: this.#t.tiles.data })
      .from(this.#t.tiles)
      .where(
        sql`(${this.#t.tiles.level}, ${this.#t.tiles.tileIndex}) in (select * from unnest(${sql.placeholder('levels')}::smallint[], ${sql.placeholder('indices')}::bigint[]))`,
      )
      .prepare(ctx.statementName('read_tiles'));
    this.#readEntries = db
      .select({ data: this.#t.entries.data })
      .from(this.#t.entries)
      .where(sql`${this.#t.entries.leafIndex} >= ${sql.placeholder('start')} and ${this.#t.entries.leafIndex} < ${sql.placeholder('end')}`)
      .orderBy(asc(this.#t.entries.leafIndex))
      .prepare(ctx.statementName('read_entries'));
    // The same range cut at a byte budget, in the one query: each entry with the bytes of it
    // and those before it (octet_length reads a stored value's size without fetching it),
    // kept while that total is within the budget; the first always (its total is its size).
    const sized = db
      .select({
        leafIndex: this.#t.entries.leafIndex,
        data: this.#t.entries.data,
        size: sql<string>`octet_length(${this.#t.entries.data})`.as('size'),
        upTo: sql<string>`sum(octet_length(${this.#t.entries.data})) over (order by ${this.#t.entries.leafIndex})`.as('up_to'),
      })
      .from(this.#t.entries)
      .where(sql`${this.#t.entries.leafIndex} >= ${sql.placeholder('start')} and ${this.#t.entries.leafIndex} < ${sql.placeholder('end')}`)
      .as('sized');
    const withinBudget = sql`${sized.upTo} <= ${sql.placeholder('maxBytes')} or ${sized.upTo} = ${sized.size}`;
    this.#readEntriesWithin = db
      .select({ data: sized.data })
      .from(sized)
      .where(withinBudget)
      .orderBy(asc(sized.leafIndex))
      .prepare(ctx.statementName('read_entries_within'));
    // The same entries encoded by the database as an entry bundle (c2sp.org/tlog-tiles): each
    // entry's length as a big-endian uint16 (the low two bytes of int4send; an entry is at
    // most 65,535 bytes) and its bytes, in index order, as one value: one value for the
    // driver to decode instead of a row per entry (a quarter less of this thread's time).
    this.#readEntryBundle = db
      .select({
        count: sql<number>`count(*)::int`,
        bundle: sql<Uint8Array>`coalesce(string_agg(substring(int4send(${sized.size}::int) from 3 for 2) || ${sized.data}, ''::bytea order by ${sized.leafIndex}), ''::bytea)`.mapWith(this.#t.entries.data),
      })
      .from(sized)
      .where(withinBudget)
      .prepare(ctx.statementName('read_entry_bundle'));
    this.#findLeafHashes = db
      .select({ leafIndex: this.#t.entries.leafIndex, leafHash: this.#t.entries.leafHash })
      .from(this.#t.entries)
      .where(
        sql`${this.#t.entries.leafHash} in (select substring(${sql.placeholder('hashes')}::bytea from k * ${HASH} + 1 for ${HASH}) from generate_series(0, ${sql.placeholder('count')}::int - 1) as k)`,
      )
      .prepare(ctx.statementName('find_leaf_hashes'));
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

  async readEntries(start: number, count: number, maxBytes?: number): Promise<Uint8Array[]> {
    checkRange(start, count, maxBytes);
    if (count === 0) return [];
    const end = start + count;
    const rows = await this.#run('reading entries', () =>
      maxBytes === undefined ? this.#readEntries.execute({ start, end }) : this.#readEntriesWithin.execute({ start, end, maxBytes }),
    );
    return rows.map((r) => r.data);
  }

  async readEntryBundle(start: number, count: number, maxBytes: number): Promise<{ count: number; bundle: Uint8Array }> {
    checkRange(start, count, maxBytes);
    if (count === 0) return { count: 0, bundle: new Uint8Array(0) };
    const [row] = await this.#run('reading an entry bundle', () => this.#readEntryBundle.execute({ start, end: start + count, maxBytes }));
    return { count: row?.count ?? 0, bundle: row?.bundle ?? new Uint8Array(0) };
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
    const events = withRecordDetails(batch.events, batch.money?.details ?? []);
    const details = events?.details ?? [];
    if (details.length > 0) await this.#ensureKeyPartitions(details[0]!.leafIndex, details.at(-1)!.leafIndex);
    // Sealed here, so that details in the clear never reach the database (sealed-details.ts).
    const statement = commitStatement(this.#t, expected, batch, events, sealAll(details));
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
    if ((batch.events?.erasures.length ?? 0) > 0) this.#onErasures();
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
}

function tileKey(level: number, index: number): string {
  return `${level}/${index}`;
}

/**
 * The whole commit as one statement. Data-modifying CTEs see one snapshot; the inserts are
 * conditioned on the head update having matched, and under READ COMMITTED a concurrent
 * writer's update makes ours re-check its WHERE against the new row, so it matches nothing.
 */
/**
 * The sealed values of redacted public-money records are details like a typed event's (kept
 * sealed, opened only on a recorded read): written with the events' details, in index order.
 */
function withRecordDetails(events: EventRows | undefined, recordDetails: readonly EventDetails[]): EventRows | undefined {
  if (recordDetails.length === 0) return events;
  const details = [...(events?.details ?? []), ...recordDetails].sort((a, b) => a.leafIndex - b.leafIndex);
  return { events: events?.events ?? [], details, tags: events?.tags ?? [], counters: events?.counters ?? [], erasures: events?.erasures ?? [] };
}

function commitStatement(
  t: LogTables,
  expected: { readonly treeSize: number; readonly rootHash: Hash },
  batch: IntegratedBatch,
  events: EventRows | undefined,
  sealing: { keys: Uint8Array[]; sealed: Uint8Array[] },
) {
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
    )${events === undefined ? sql`` : eventStatements(t, events, sealing)}${batch.money === undefined ? sql`` : moneyStatements(t, batch.money)}
    select (select count(*) from head) as moved, (select count(*) from new_entries) as entries, (select count(*) from new_tiles) as tiles`;
}
