/**
 * The mirror's `MirrorStore` over PostgreSQL (PGlite or a server) through drizzle: per
 * mirrored log a row of `mirror_logs` (pending checkpoint, next entry, mirror checkpoint), the
 * recent pending checkpoints, and the log's tiles and entry bundles.
 *
 * Every write is one statement, so it holds or fails whole, and each is a compare-and-swap on
 * the log's row: the pending checkpoint on its size and root (as a witness's state), a
 * package's commit on the next entry, the mirror checkpoint on its size and the next entry.
 * Under READ COMMITTED an UPDATE that waited for a concurrent one re-checks its WHERE on the
 * new row, so two mirror processes on one database never both win. A commit writes its bundle
 * and tiles only if its swap holds (`where exists (select from moved)`), and only ever makes a
 * stored tile or bundle wider: a crash at any point leaves every served byte as it was.
 */
import { and, eq, sql } from 'drizzle-orm';
import { LogError } from '../errors.js';
import type { TileId } from '../log/index.js';
import { type Hash, isHash, isIndex } from '../merkle/index.js';
import { type MirrorCommit, type MirrorProgress, type MirrorStore, RECENT_PENDING } from '../mirror/index.js';
import type { WitnessedState } from '../witness/index.js';
import { OwnedDatabase } from './owned-database.js';
import { type Database, rowsOf } from './db.js';
import { mirrorBundles, mirrorLogs, mirrorPending, mirrorTiles } from './schema.js';
import { layout } from './store-context.js';

const col = (c: { name: string }) => sql.identifier(c.name);

export class PgMirrorStore extends OwnedDatabase implements MirrorStore {
  constructor(handle: { readonly db: Database; close(): Promise<void> }) {
    super(handle, 'mirror store');
  }

  async latest(origin: string): Promise<WitnessedState | undefined> {
    const rows = await this.run(`reading the pending checkpoint of ${origin}`, () =>
      this.db
        .select({ treeSize: mirrorLogs.pendingSize, rootHash: mirrorLogs.pendingRoot, checkpoint: mirrorLogs.pendingCheckpoint })
        .from(mirrorLogs)
        .where(eq(mirrorLogs.origin, origin)),
    );
    return rows[0];
  }

  async compareAndSwap(origin: string, expected: { readonly treeSize: number; readonly rootHash: Hash } | undefined, next: WitnessedState): Promise<boolean> {
    const bad = (message: string) => new LogError('INTERNAL', `invalid pending checkpoint for ${origin}: ${message}`);
    if (!isIndex(next.treeSize) || !isHash(next.rootHash)) throw bad('not a tree size and a 32-byte root');
    if (expected !== undefined && next.treeSize < expected.treeSize) throw bad(`the tree size would go back from ${expected.treeSize} to ${next.treeSize}`);
    const L = mirrorLogs;
    const P = mirrorPending;
    const swap =
      expected === undefined
        ? sql`insert into ${L} (${col(L.origin)}, ${col(L.pendingSize)}, ${col(L.pendingRoot)}, ${col(L.pendingCheckpoint)})
            values (${origin}, ${next.treeSize}, ${next.rootHash}, ${next.checkpoint})
            on conflict (${col(L.origin)}) do nothing returning 1`
        : sql`update ${L} set ${col(L.pendingSize)} = ${next.treeSize}, ${col(L.pendingRoot)} = ${next.rootHash},
              ${col(L.pendingCheckpoint)} = ${next.checkpoint}, ${col(L.updatedAt)} = now()
            where ${col(L.origin)} = ${origin} and ${col(L.pendingSize)} = ${expected.treeSize} and ${col(L.pendingRoot)} = ${expected.rootHash}
            returning 1`;
    const rows = await this.run(`storing the pending checkpoint of ${origin}`, async () =>
      rowsOf(
        await this.db.execute(sql`with moved as (${swap}), kept as (
            insert into ${P} (${col(P.origin)}, ${col(P.treeSize)}, ${col(P.rootHash)}, ${col(P.checkpoint)})
            select ${origin}, ${next.treeSize}, ${next.rootHash}, ${next.checkpoint} where exists (select from moved)
            on conflict (${col(P.origin)}, ${col(P.treeSize)}) do update set ${col(P.checkpoint)} = excluded.${col(P.checkpoint)}
            returning 1
          ), pruned as (
            delete from ${P} where ${col(P.origin)} = ${origin} and exists (select from moved) and ${col(P.treeSize)} < (
              select min(k.s) from (select ${col(P.treeSize)} as s from ${P} where ${col(P.origin)} = ${origin} order by ${col(P.treeSize)} desc limit ${RECENT_PENDING}) k)
            returning 1
          )
          select (select count(*) from moved) as moved`),
      ),
    );
    return Number(rows[0]?.['moved'] ?? 0) === 1;
  }

  async pendingCheckpoint(origin: string, treeSize: number): Promise<WitnessedState | undefined> {
    const rows = await this.run(`reading a pending checkpoint of ${origin}`, () =>
      this.db
        .select({ treeSize: mirrorPending.treeSize, rootHash: mirrorPending.rootHash, checkpoint: mirrorPending.checkpoint })
        .from(mirrorPending)
        .where(and(eq(mirrorPending.origin, origin), eq(mirrorPending.treeSize, treeSize))),
    );
    return rows[0];
  }

  async readProgress(origin: string): Promise<MirrorProgress> {
    const rows = await this.run(`reading the mirror of ${origin}`, () =>
      this.db
        .select({ nextEntry: mirrorLogs.nextEntry, size: mirrorLogs.mirrorSize, root: mirrorLogs.mirrorRoot, checkpoint: mirrorLogs.mirrorCheckpoint })
        .from(mirrorLogs)
        .where(eq(mirrorLogs.origin, origin)),
    );
    const row = rows[0];
    if (row === undefined) return { nextEntry: 0, mirror: undefined };
    const mirror = row.size === null || row.root === null || row.checkpoint === null ? undefined : { treeSize: row.size, rootHash: row.root, checkpoint: row.checkpoint };
    return { nextEntry: row.nextEntry, mirror };
  }

  async readTiles(origin: string, ids: readonly TileId[]): Promise<(Uint8Array | undefined)[]> {
    if (ids.length === 0) return [];
    const rows = await this.run(`reading tiles of the mirror of ${origin}`, () =>
      this.db
        .select({ level: mirrorTiles.level, index: mirrorTiles.tileIndex, data: mirrorTiles.data })
        .from(mirrorTiles)
        .where(
          and(
            eq(mirrorTiles.origin, origin),
            sql`(${mirrorTiles.level}, ${mirrorTiles.tileIndex}) in (select * from unnest(${sql.param(ids.map((t) => t.level))}::smallint[], ${sql.param(ids.map((t) => t.index))}::bigint[]))`,
          ),
        ),
    );
    const found = new Map(rows.map((r) => [`${r.level}/${r.index}`, r.data]));
    return ids.map((id) => found.get(`${id.level}/${id.index}`));
  }

  async readBundle(origin: string, index: number): Promise<{ data: Uint8Array; count: number } | undefined> {
    const rows = await this.run(`reading an entry bundle of the mirror of ${origin}`, () =>
      this.db
        .select({ data: mirrorBundles.data, count: mirrorBundles.entryCount })
        .from(mirrorBundles)
        .where(and(eq(mirrorBundles.origin, origin), eq(mirrorBundles.bundleIndex, index))),
    );
    return rows[0];
  }

  async commitEntries(commit: MirrorCommit): Promise<boolean> {
    const { origin } = commit;
    const count = commit.nextEntry - commit.bundle.index * 256;
    if (!isIndex(commit.nextEntry) || commit.nextEntry <= commit.expectedNext || count < 1 || count > 256) {
      throw new LogError('INTERNAL', `invalid mirror commit for ${origin}: next entry ${commit.expectedNext} to ${commit.nextEntry} in bundle ${commit.bundle.index}`);
    }
    const L = mirrorLogs;
    const B = mirrorBundles;
    const T = mirrorTiles;
    const tiles = layout(commit.tiles);
    const rows = await this.run(`committing entries to the mirror of ${origin}`, async () =>
      rowsOf(
        await this.db.execute(sql`with moved as (
            update ${L} set ${col(L.nextEntry)} = ${commit.nextEntry}, ${col(L.updatedAt)} = now()
            where ${col(L.origin)} = ${origin} and ${col(L.nextEntry)} = ${commit.expectedNext}
            returning 1
          ), bundle as (
            insert into ${B} (${col(B.origin)}, ${col(B.bundleIndex)}, ${col(B.entryCount)}, ${col(B.data)})
            select ${origin}, ${commit.bundle.index}, ${count}, ${commit.bundle.data} where exists (select from moved)
            on conflict (${col(B.origin)}, ${col(B.bundleIndex)}) do update set ${col(B.entryCount)} = excluded.${col(B.entryCount)}, ${col(B.data)} = excluded.${col(B.data)}
              where ${B}.${col(B.entryCount)} < excluded.${col(B.entryCount)}
            returning 1
          ), new_tiles as (
            insert into ${T} (${col(T.origin)}, ${col(T.level)}, ${col(T.tileIndex)}, ${col(T.data)})
            select ${origin}, u.l, u.i, substring(${tiles.blob}::bytea from u.o + 1 for u.n)
            from unnest(${sql.param(commit.tiles.map((t) => t.level))}::smallint[], ${sql.param(commit.tiles.map((t) => t.index))}::bigint[],
                        ${sql.param(tiles.offsets)}::int[], ${sql.param(tiles.lengths)}::int[]) as u(l, i, o, n)
            where exists (select from moved)
            on conflict (${col(T.origin)}, ${col(T.level)}, ${col(T.tileIndex)}) do update set ${col(T.data)} = excluded.${col(T.data)}
              where length(${T}.${col(T.data)}) < length(excluded.${col(T.data)})
            returning 1
          )
          select (select count(*) from moved) as moved, (select count(*) from bundle) as bundles, (select count(*) from new_tiles) as tiles`),
      ),
    );
    return Number(rows[0]?.['moved'] ?? 0) === 1;
  }

  async advanceMirror(origin: string, next: WitnessedState): Promise<boolean> {
    if (!isIndex(next.treeSize) || !isHash(next.rootHash)) throw new LogError('INTERNAL', `invalid mirror checkpoint for ${origin}`);
    const L = mirrorLogs;
    const rows = await this.run(`storing the mirror checkpoint of ${origin}`, async () =>
      rowsOf(
        await this.db.execute(sql`update ${L} set ${col(L.mirrorSize)} = ${next.treeSize}, ${col(L.mirrorRoot)} = ${next.rootHash},
            ${col(L.mirrorCheckpoint)} = ${next.checkpoint}, ${col(L.updatedAt)} = now()
          where ${col(L.origin)} = ${origin} and (${col(L.mirrorSize)} is null or ${col(L.mirrorSize)} <= ${next.treeSize}) and ${col(L.nextEntry)} >= ${next.treeSize}
          returning 1 as moved`),
      ),
    );
    return rows.length === 1;
  }
}
