/**
 * Tiles kept in memory for proofs and tile reads, in front of the store.
 *
 * Why it is safe to cache: the log is append-only, so a tile's content only ever grows at its
 * end (c2sp.org/tlog-tiles: a partial tile is a prefix of the full one), and a full tile
 * never changes. A cached tile of width w therefore answers every request for w or fewer
 * hashes of it; a request for more goes to the store. Only committed tiles enter the cache
 * (read from the store, or handed over by the sequencer after its commit).
 *
 * Bounded by bytes, least recently used first out.
 */
import type { LogStore, StoredTile, TileId } from '../log/index.js';
import { HASH_SIZE } from '../merkle/index.js';

/** Where a proof's tiles come from. `widths[i]` is how many hashes of tile i are needed. */
export interface TileSource {
  readTiles(ids: readonly TileId[], widths?: readonly number[]): Promise<(Uint8Array | undefined)[]>;
}

export interface TileCache extends TileSource {
  /** Offers committed tiles (a batch's); each replaces a narrower cached copy. */
  offer(tiles: readonly StoredTile[]): void;
  stats(): { tiles: number; bytes: number; hits: number; misses: number };
}

const key = (level: number, index: number): string => `${level}/${index}`;

export function createTileCache(store: Pick<LogStore, 'readTiles'>, maxBytes: number): TileCache {
  const tiles = new Map<string, Uint8Array>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;

  function put(k: string, data: Uint8Array): void {
    const old = tiles.get(k);
    if (old !== undefined) {
      if (old.length >= data.length) return;
      tiles.delete(k);
      bytes -= old.length;
    }
    if (data.length > maxBytes) return;
    tiles.set(k, data);
    bytes += data.length;
    // Map iteration is insertion order: the first keys are the least recently used.
    for (const [oldest, d] of tiles) {
      if (bytes <= maxBytes) break;
      tiles.delete(oldest);
      bytes -= d.length;
    }
  }

  return {
    async readTiles(ids, widths) {
      const out: (Uint8Array | undefined)[] = new Array(ids.length);
      const missing: number[] = [];
      ids.forEach((id, i) => {
        const k = key(id.level, id.index);
        const data = tiles.get(k);
        const need = (widths?.[i] ?? 0) * HASH_SIZE;
        if (data !== undefined && need > 0 && data.length >= need) {
          // Refresh its place in the LRU order.
          tiles.delete(k);
          tiles.set(k, data);
          out[i] = data;
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
    offer(batchTiles) {
      for (const t of batchTiles) put(key(t.level, t.index), t.data);
    },
    stats: () => ({ tiles: tiles.size, bytes, hits, misses }),
  };
}
