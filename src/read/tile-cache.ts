/**
 * Tiles kept in memory for proofs and tile reads, in front of the store.
 *
 * Why it is safe to cache: the log is append-only, so a tile's content only ever grows at its
 * end (c2sp.org/tlog-tiles: a partial tile is a prefix of the full one), and a full tile
 * never changes. A cached tile of width w therefore answers every request for w or fewer
 * hashes of it; a request for more goes to the store. Only committed tiles enter the cache
 * (read from the store, or handed over by the sequencer after its commit).
 *
 * A tile that proofs are served from is also kept expanded (every complete subtree hash
 * within it, as much again as the tile), so that a proof costs lookups, not hashing.
 *
 * Bounded by bytes. Eviction is CLOCK (second chance), an approximation of least recently
 * used: a hit only sets a flag, because moving the entry to the end of the Map on every hit
 * (true LRU) makes V8 rebuild a Map of tens of thousands of tiles over and over, which
 * quadrupled the cost of a proof at 10 million entries.
 */
import type { LogStore, StoredTile, TileId } from '../log/index.js';
import { type Hash, type NodeHasher, HASH_SIZE, expandTile, hashFromExpandedTile, hashFromTile } from '../merkle/index.js';
import { evictClock } from './clock.js';

/** Where a proof's tiles come from. `widths[i]` is how many hashes of tile i are needed. */
export interface TileSource {
  readTiles(ids: readonly TileId[], widths?: readonly number[]): Promise<(Uint8Array | undefined)[]>;
  /**
   * The hash of the complete subtree of `count` hashes from `offset` of a tile this source
   * returned (`data`): `hashFromTile`, possibly remembered. Optional.
   */
  subtreeHash?(id: TileId, data: Uint8Array, offset: number, count: number): Hash;
}

export interface TileCache extends TileSource {
  subtreeHash(id: TileId, data: Uint8Array, offset: number, count: number): Hash;
  /** Offers committed tiles (a batch's); each replaces a narrower cached copy. */
  offer(tiles: readonly StoredTile[]): void;
  stats(): { tiles: number; bytes: number; hits: number; misses: number };
}

const key = (level: number, index: number): string => `${level}/${index}`;

interface Cached {
  readonly data: Uint8Array;
  /** `expandTile(data)`, once a proof has needed a subtree of it. */
  expanded?: Uint8Array;
  bytes: number;
  /** Used since the eviction hand last passed it. */
  used: boolean;
}

export function createTileCache(store: Pick<LogStore, 'readTiles'>, maxBytes: number, hashNode?: NodeHasher): TileCache {
  const tiles = new Map<string, Cached>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;

  const evict = (): void =>
    evictClock(
      tiles,
      () => bytes > maxBytes,
      (c) => (bytes -= c.bytes),
    );

  function put(k: string, data: Uint8Array): void {
    const old = tiles.get(k);
    if (old !== undefined) {
      if (old.data.length >= data.length) return;
      tiles.delete(k);
      bytes -= old.bytes;
    }
    if (data.length > maxBytes) return;
    tiles.set(k, { data, bytes: data.length, used: false });
    bytes += data.length;
    evict();
  }

  return {
    async readTiles(ids, widths) {
      const out: (Uint8Array | undefined)[] = new Array(ids.length);
      const missing: number[] = [];
      ids.forEach((id, i) => {
        const k = key(id.level, id.index);
        const cached = tiles.get(k);
        const need = (widths?.[i] ?? 0) * HASH_SIZE;
        if (cached !== undefined && need > 0 && cached.data.length >= need) {
          cached.used = true;
          out[i] = cached.data;
          hits++;
        } else missing.push(i);
      });
      if (missing.length > 0) {
        misses += missing.length;
        const fetched = await store.readTiles(missing.map((i) => ids[i]!));
        missing.forEach((i, j) => {
          const data = fetched[j];
          out[i] = data;
          if (data !== undefined) put(key(ids[i]!.level, ids[i]!.index), data);
        });
      }
      return out;
    },
    subtreeHash(id, data, offset, count) {
      if (count === 1) return data.slice(offset * HASH_SIZE, (offset + 1) * HASH_SIZE);
      const cached = tiles.get(key(id.level, id.index));
      // Only the very bytes cached are expanded and remembered (a wider copy may have
      // replaced them since they were read).
      if (cached === undefined || cached.data !== data) return hashFromTile(data, offset, count, hashNode);
      if (cached.expanded === undefined) {
        cached.expanded = expandTile(data, hashNode);
        cached.bytes += cached.expanded.length;
        bytes += cached.expanded.length;
        evict();
      }
      return hashFromExpandedTile(data, cached.expanded, offset, count);
    },
    offer(batchTiles) {
      for (const t of batchTiles) put(key(t.level, t.index), t.data);
    },
    stats: () => ({ tiles: tiles.size, bytes, hits, misses }),
  };
}
