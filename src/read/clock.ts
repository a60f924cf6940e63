/**
 * CLOCK (second chance) eviction, an approximation of least recently used, for the caches in
 * front of the store: the hand sweeps a Map in insertion order; an entry used since its last
 * pass gets a second chance (moved to the end, flag cleared), any other is evicted. A hit only
 * sets a flag: moving the entry on every hit (true LRU) makes V8 rebuild a large Map over and
 * over (tile-cache.ts measured it).
 */
export function evictClock<K, V extends { used: boolean }>(entries: Map<K, V>, overBudget: () => boolean, evicted: (value: V) => void): void {
  while (overBudget()) {
    for (const [k, v] of entries) {
      if (!overBudget()) break;
      entries.delete(k);
      if (v.used) {
        v.used = false;
        entries.set(k, v);
      } else evicted(v);
    }
  }
}
