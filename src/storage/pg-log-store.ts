/**
 * The `LogStore` over PostgreSQL through drizzle: one code path for PGlite and postgres.js.
 *
 * Hot paths send a fixed number of parameters whatever the batch size: lists of numbers go
 * as one array parameter each, lists of bytes as one concatenated `bytea` sliced apart in SQL
 * (postgres.js cannot send `bytea[]`). So every read is one statement, and a batch's entries
 * go in one `insert … select … from unnest(…)` (a few times faster on PostgreSQL than a
 * multi-row VALUES insert, and never near the 65,535 bind-parameter limit).
 */
import { asc, eq, sql } from 'drizzle-orm';
import { concatBytes, encodeHex } from '../encoding/index.js';
import { LogError } from '../errors.js';
import type { LogStore } from '../log/ports.js';
import type { IntegratedBatch, LogMeta, Partner, TileId, TreeHead } from '../log/types.js';
import { HASH_SIZE, type Hash } from '../merkle/index.js';
import { checkBatch, checkHash, checkRange } from './checks.js';
import { DatabaseFailure, mapDatabaseError } from './database-errors.js';
import { type Database, rowsOf } from './db.js';
import { entries, logMeta, partners, tiles, treeHead } from './schema.js';

/** Test hooks run inside the commit; a throw there must roll everything back. */
export interface CommitFaults {
  /** After every write (entries, tiles, head), just before COMMIT. */
  readonly beforeCommit?: () => void | Promise<void>;
}

export interface PgLogStoreOptions {
  /** Fault injection, for tests. */
  readonly faults?: CommitFaults;
}

/** The hash size as SQL text, for slicing concatenated hashes apart. */
const HASH = sql.raw(String(HASH_SIZE));

export class PgLogStore implements LogStore {
  readonly #db: Database;
  readonly #writer: Database;
  readonly #close: () => Promise<void>;
  readonly #faults: CommitFaults;
  #closed = false;
  readonly #readHead;
  readonly #readTiles;
  readonly #readEntries;
  readonly #findLeafHashes;
  readonly #findPartner;

  /**
   * `handle.close()` is called by `close()`: the store owns the database it is given.
   * Commits go through `handle.writer` (one connection, so pipelined commits keep their
   * order) when there is one.
   */
  constructor(handle: { readonly db: Database; readonly writer?: Database; close(): Promise<void> }, options: PgLogStoreOptions = {}) {
    const db = handle.db;
    this.#db = db;
    this.#writer = handle.writer ?? db;
    this.#close = () => handle.close();
    this.#faults = options.faults ?? {};
    this.#readHead = db
      .select({ treeSize: treeHead.treeSize, rootHash: treeHead.rootHash, checkpoint: treeHead.checkpoint })
      .from(treeHead)
      .where(eq(treeHead.id, 1))
      .prepare('sightline_read_head');
    this.#readTiles = db
      .select({ level: tiles.level, index: tiles.tileIndex, data: tiles.data })
      .from(tiles)
      .where(
        sql`(${tiles.level}, ${tiles.tileIndex}) in (select * from unnest(${sql.placeholder('levels')}::smallint[], ${sql.placeholder('indices')}::bigint[]))`,
      )
      .prepare('sightline_read_tiles');
    this.#readEntries = db
      .select({ data: entries.data })
      .from(entries)
      .where(sql`${entries.leafIndex} >= ${sql.placeholder('start')} and ${entries.leafIndex} < ${sql.placeholder('end')}`)
      .orderBy(asc(entries.leafIndex))
      .prepare('sightline_read_entries');
    this.#findLeafHashes = db
      .select({ leafIndex: entries.leafIndex, leafHash: entries.leafHash })
      .from(entries)
      .where(
        sql`${entries.leafHash} in (select substring(${sql.placeholder('hashes')}::bytea from k * ${HASH} + 1 for ${HASH}) from generate_series(0, ${sql.placeholder('count')}::int - 1) as k)`,
      )
      .prepare('sightline_find_leaf_hashes');
    this.#findPartner = db
      .select(partnerColumns)
      .from(partners)
      .where(sql`${partners.tokenHash} = ${sql.placeholder('tokenHash')} and ${partners.revokedAt} is null`)
      .prepare('sightline_find_partner');
  }

  async readMeta(): Promise<LogMeta | undefined> {
    const rows = await this.#run('reading the log identity', () =>
      this.#db.select({ origin: logMeta.origin, verifierKey: logMeta.verifierKey }).from(logMeta).where(eq(logMeta.id, 1)),
    );
    const row = rows[0];
    return row && { origin: row.origin, verifierKey: row.verifierKey };
  }

  async createLog(meta: LogMeta, head: TreeHead): Promise<void> {
    await this.#run(
      'creating the log',
      () =>
        this.#db.transaction(async (tx) => {
          await tx.insert(logMeta).values({ id: 1, origin: meta.origin, verifierKey: meta.verifierKey });
          await tx.insert(treeHead).values({ id: 1, treeSize: head.treeSize, rootHash: head.rootHash, checkpoint: head.checkpoint });
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
    const statement = commitStatement(expected, batch);
    const beforeCommit = this.#faults.beforeCommit;
    const rows = await this.#run(
      'committing a batch',
      async () => {
        if (beforeCommit === undefined) return rowsOf(await this.#writer.execute(statement));
        // Fault injection: the same statement, inside a transaction the hook can abort.
        return this.#writer.transaction(async (tx) => {
          const result = rowsOf(await tx.execute(statement));
          await beforeCommit();
          return result;
        });
      },
      (constraint) =>
        constraint === 'entries_pkey'
          ? 'a leaf index of the batch is already stored: another writer got there first'
          : 'an entry of the batch is already in the log (its leaf hash is stored): another writer got there first',
    );
    const moved = Number(rows[0]?.['moved'] ?? 0);
    if (moved !== 1) {
      const stored = await this.readHead();
      throw new LogError(
        'CONFLICT',
        `the stored tree head (size ${stored.treeSize}) is not the expected one (size ${expected.treeSize}): another writer committed first`,
      );
    }
  }

  async addPartner(partner: { id: string; name: string | null; tokenHash: Hash }): Promise<void> {
    checkHash(partner.tokenHash, 'token hash');
    await this.#run(
      'adding a partner',
      () => this.#db.insert(partners).values({ id: partner.id, name: partner.name, tokenHash: partner.tokenHash }),
      (constraint) =>
        constraint === 'partners_token_hash_key' ? `another partner already has the token given for ${partner.id}` : `partner ${partner.id} already exists`,
    );
  }

  async listPartners(): Promise<Partner[]> {
    const rows = await this.#run('listing partners', () => this.#db.select(partnerColumns).from(partners).orderBy(asc(partners.id)));
    return rows.map(toPartner);
  }

  async revokePartner(id: string): Promise<void> {
    const rows = await this.#run('revoking a partner', () =>
      this.#db
        .update(partners)
        .set({ revokedAt: sql`coalesce(${partners.revokedAt}, now())` })
        .where(eq(partners.id, id))
        .returning({ id: partners.id }),
    );
    if (rows.length === 0) throw new LogError('NOT_FOUND', `no partner ${id}`);
  }

  async findPartnerByTokenHash(tokenHash: Hash): Promise<Partner | undefined> {
    checkHash(tokenHash, 'token hash');
    const rows = await this.#run('looking up a partner', () => this.#findPartner.execute({ tokenHash }));
    const row = rows[0];
    return row && toPartner(row);
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

  /** Closes the database handle it was given; later calls fail with UNAVAILABLE. */
  close(): Promise<void> {
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

const partnerColumns = { id: partners.id, name: partners.name, createdAt: partners.createdAt, revokedAt: partners.revokedAt };

function toPartner(row: { id: string; name: string | null; createdAt: Date; revokedAt: Date | null }): Partner {
  return { id: row.id, name: row.name, createdAt: row.createdAt, revokedAt: row.revokedAt };
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
function commitStatement(expected: { readonly treeSize: number; readonly rootHash: Hash }, batch: IntegratedBatch) {
  const e = layout(batch.entries);
  const t = layout(batch.tiles);
  const hashes = concatBytes(batch.entries.map((x) => x.leafHash));
  const col = (c: { name: string }) => sql.identifier(c.name);
  return sql`with head as (
      update ${treeHead}
      set ${col(treeHead.treeSize)} = ${batch.head.treeSize}, ${col(treeHead.rootHash)} = ${batch.head.rootHash},
          ${col(treeHead.checkpoint)} = ${batch.head.checkpoint}, ${col(treeHead.updatedAt)} = now()
      where ${col(treeHead.id)} = 1 and ${col(treeHead.treeSize)} = ${expected.treeSize} and ${col(treeHead.rootHash)} = ${expected.rootHash}
      returning 1
    ), new_entries as (
      insert into ${entries} (${col(entries.leafIndex)}, ${col(entries.leafHash)}, ${col(entries.data)}, ${col(entries.partnerId)})
      select u.i, substring(${hashes}::bytea from (u.k::int - 1) * ${HASH} + 1 for ${HASH}), substring(${e.blob}::bytea from u.o + 1 for u.n), u.p
      from unnest(${sql.param(batch.entries.map((x) => x.leafIndex))}::bigint[], ${sql.param(e.offsets)}::int[], ${sql.param(e.lengths)}::int[],
                  ${sql.param(batch.entries.map((x) => x.partnerId))}::text[]) with ordinality as u(i, o, n, p, k)
      where exists (select from head)
      returning 1
    ), new_tiles as (
      insert into ${tiles} (${col(tiles.level)}, ${col(tiles.tileIndex)}, ${col(tiles.data)})
      select u.l, u.i, substring(${t.blob}::bytea from u.o + 1 for u.n)
      from unnest(${sql.param(batch.tiles.map((x) => x.level))}::smallint[], ${sql.param(batch.tiles.map((x) => x.index))}::bigint[],
                  ${sql.param(t.offsets)}::int[], ${sql.param(t.lengths)}::int[]) as u(l, i, o, n)
      where exists (select from head)
      on conflict (${col(tiles.level)}, ${col(tiles.tileIndex)}) do update set ${col(tiles.data)} = excluded.${col(tiles.data)}
      returning 1
    )
    select (select count(*) from head) as moved, (select count(*) from new_entries) as entries, (select count(*) from new_tiles) as tiles`;
}
