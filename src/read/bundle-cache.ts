/**
 * Full entry bundles kept in memory, encoded, in front of the store.
 *
 * Why it is safe to cache: a full bundle (256 entries, c2sp.org/tlog-tiles) of a log that
 * only appends never changes, so its bytes, once read from committed entries, answer every
 * later request for it. Monitors, mirrors and archives read every bundle, over and over;
 * without this each request was a database read of 256 entries and their encoding.
 * Partial bundles (the right edge) are not cached: they grow.
 *
 * Bounded by bytes, with CLOCK eviction as the tile cache (clock.ts). Requests
 * for a bundle not yet cached share one read.
 */

import { evictClock } from './clock.js';

interface Cached {
  readonly data: Uint8Array;
  /** Used since the eviction hand last passed it. */
  used: boolean;
}

export interface BundleCache {
  /** The encoded full bundle `index`: cached, or made by `read` once however many ask at once. */
  get(index: number, read: () => Promise<Uint8Array>): Promise<Uint8Array>;
  /** Keeps `data` as the encoded full bundle `index` (made from committed entries). */
  put(index: number, data: Uint8Array): void;
  /** The encoded full bundle `index` if it is cached (counted as a hit), without reading. */
  peek(index: number): Uint8Array | undefined;
  stats(): { bundles: number; bytes: number; hits: number; misses: number };
}

export function createBundleCache(maxBytes: number): BundleCache {
  const bundles = new Map<number, Cached>();
  const reading = new Map<number, Promise<Uint8Array>>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;

  const evict = (): void =>
    evictClock(
      bundles,
      () => bytes > maxBytes,
      (c) => (bytes -= c.data.length),
    );
  const keep = (index: number, data: Uint8Array): void => {
    if (data.length > maxBytes || bundles.has(index)) return;
    bundles.set(index, { data, used: false });
    bytes += data.length;
    evict();
  };

  return {
    get(index, read) {
      const cached = bundles.get(index);
      if (cached !== undefined) {
        cached.used = true;
        hits++;
        return Promise.resolve(cached.data);
      }
      let pending = reading.get(index);
      if (pending === undefined) {
        misses++;
        pending = read().then(
          (data) => {
            reading.delete(index);
            keep(index, data);
            return data;
          },
          (e: unknown) => {
            reading.delete(index);
            throw e;
          },
        );
        reading.set(index, pending);
      }
      return pending;
    },
    put: keep,
    peek(index) {
      const cached = bundles.get(index);
      if (cached === undefined) return undefined;
      cached.used = true;
      hits++;
      return cached.data;
    },
    stats: () => ({ bundles: bundles.size, bytes, hits, misses }),
  };
}
