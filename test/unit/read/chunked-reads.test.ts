/**
 * Reads of entry data never hold the event loop for long: a page or an entry bundle of
 * large entries is read in queries of about READ_CHUNK_BYTES, with a turn of the event loop
 * between two of them, and the gate of such reads lets at most its number of reads run
 * before a request that arrived meanwhile is served. The store here answers in promise
 * reactions alone, as PGlite (PostgreSQL in this thread) does: without the turns, a whole
 * bundle or queue of pages ran without any other callback getting in.
 */
import { describe, expect, test } from 'vitest';
import type { LogMeta, LogStore } from '../../../src/log/index.js';
import { MAX_ENTRY_SIZE, TILE_WIDTH, decodeEntryBundle, encodeEntryBundle } from '../../../src/merkle/index.js';
import { type HeadCache, READ_CHUNK_BYTES, type TileSource, createReadService } from '../../../src/read/index.js';
import { createGate } from '../../../src/http/gate.js';

/** A store of `size` entries of the largest size that answers in promise reactions and logs each query. */
function largeEntryStore(size: number, events: string[]) {
  const entry = (i: number) => new Uint8Array(MAX_ENTRY_SIZE).fill(i % 251);
  const queries: { start: number; count: number; bytes: number }[] = [];
  const store = {
    // As the stores do: with maxBytes, as many as fit in it, the first always.
    async readEntries(start: number, count: number, maxBytes = Number.POSITIVE_INFINITY) {
      const within = Math.max(1, Math.floor(maxBytes / MAX_ENTRY_SIZE));
      const data = Array.from({ length: Math.max(0, Math.min(count, size - start, within)) }, (_, k) => entry(start + k));
      queries.push({ start, count, bytes: data.reduce((n, d) => n + d.length, 0) });
      events.push('query');
      return data;
    },
    async readEntryBundle(start: number, count: number, maxBytes: number) {
      const data = await store.readEntries(start, count, maxBytes);
      return { count: data.length, bundle: encodeEntryBundle(data) };
    },
  } as unknown as LogStore;
  return { store, queries, entry };
}

function readService(store: LogStore) {
  const meta: LogMeta = { origin: 'example.com/log', verifierKey: 'unused' };
  // Neither is used by entry pages and entry bundles.
  return createReadService(store, meta, { heads: {} as HeadCache, tiles: {} as TileSource });
}

/** Resolves `run`'s promise while noting, in `events`, each time another callback of the event loop got in. */
async function withOthers<T>(events: string[], run: () => Promise<T>): Promise<T> {
  let done = false;
  const other = () => {
    if (done) return;
    events.push('other');
    setImmediate(other);
  };
  setImmediate(other);
  try {
    return await run();
  } finally {
    done = true;
  }
}

describe('reads of entry data in chunks', () => {
  test('a full bundle of 64 KiB entries is read in queries of at most READ_CHUNK_BYTES, with other callbacks between them', async () => {
    const events: string[] = [];
    const { store, queries, entry } = largeEntryStore(2 * TILE_WIDTH, events);
    const bundle = await withOthers(events, () => readService(store).tile({ kind: 'entries', index: 1, width: TILE_WIDTH }));

    const entries = decodeEntryBundle(bundle);
    expect(entries).toHaveLength(TILE_WIDTH);
    expect(entries[7]).toEqual(entry(TILE_WIDTH + 7));
    expect(queries.length).toBeGreaterThan(1);
    for (const q of queries) expect(q.bytes).toBeLessThanOrEqual(READ_CHUNK_BYTES);
    // Every query after the first comes after another callback had its turn.
    const between = events.slice(events.indexOf('query')).join(' ');
    expect(between).not.toMatch(/query query/);
  });

  test('a page bounded by bytes is read the same way, and still stops at its bound', async () => {
    const events: string[] = [];
    const { store, queries } = largeEntryStore(1000, events);
    const maxBytes = 1024 * 1024;
    const page = await withOthers(events, () => readService(store).entries(10, 1000, maxBytes));

    expect(page.map((e) => e.leafIndex)).toEqual(Array.from({ length: Math.floor(maxBytes / MAX_ENTRY_SIZE) }, (_, k) => 10 + k));
    expect(page.reduce((n, e) => n + e.data.length, 0)).toBeLessThanOrEqual(maxBytes);
    for (const q of queries) expect(q.bytes).toBeLessThanOrEqual(READ_CHUNK_BYTES);
    expect(events.slice(events.indexOf('query')).join(' ')).not.toMatch(/query query/);
  });

  test('a bundle of small entries is read in one query: no query first to learn what they weigh', async () => {
    const queries: number[] = [];
    const readEntries = async (_start: number, count: number) => (queries.push(count), Array.from({ length: count }, () => new Uint8Array(300)));
    const store = {
      readEntries,
      readEntryBundle: async (start: number, count: number) => {
        const data = await readEntries(start, count);
        return { count: data.length, bundle: encodeEntryBundle(data) };
      },
    } as unknown as LogStore;
    const bundle = await readService(store).tile({ kind: 'entries', index: 0, width: TILE_WIDTH });
    expect(decodeEntryBundle(bundle)).toHaveLength(TILE_WIDTH);
    expect(queries).toEqual([TILE_WIDTH]);
  });
});

describe('full bundles from memory', () => {
  test('a full bundle once read is given from memory without a read; a partial one never is', async () => {
    const events: string[] = [];
    const { store, queries } = largeEntryStore(TILE_WIDTH + 10, events);
    const read = readService(store);
    expect(read.cachedBundle(0)).toBeUndefined();
    const bundle = await read.tile({ kind: 'entries', index: 0, width: TILE_WIDTH });
    const reads = queries.length;
    expect(read.cachedBundle(0)).toBe(bundle);
    await read.tile({ kind: 'entries', index: 1, width: 10 });
    expect(read.cachedBundle(1)).toBeUndefined();
    expect(queries.length).toBeGreaterThan(reads);
  });
});

describe('full bundles gathered as they are committed', () => {
  const entry = (i: number) => new TextEncoder().encode(`committed entry ${i}`);
  const committed = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => ({ leafIndex: from + k, data: entry(from + k) }));

  test('a bundle committed whole, over several batches, is kept encoded: no read when asked for', async () => {
    const events: string[] = [];
    const { store, queries } = largeEntryStore(0, events);
    const read = readService(store);
    read.offerEntries(committed(0, 100));
    read.offerEntries(committed(100, 300)); // completes bundle 0, begins bundle 1
    expect(read.cachedBundle(0)).toEqual(encodeEntryBundle(committed(0, 256).map((e) => e.data)));
    expect(read.cachedBundle(1)).toBeUndefined();
    expect(await read.tile({ kind: 'entries', index: 0, width: TILE_WIDTH })).toEqual(encodeEntryBundle(committed(0, 256).map((e) => e.data)));
    expect(queries).toEqual([]);
  });

  test('a bundle seen from its middle (begun before a restart), or with a gap (another server appended), is not gathered', () => {
    const read = readService(largeEntryStore(0, []).store);
    read.offerEntries(committed(10, 256)); // from the middle
    expect(read.cachedBundle(0)).toBeUndefined();
    read.offerEntries(committed(256, 300));
    read.offerEntries(committed(301, 512)); // 300 was appended by another server
    expect(read.cachedBundle(1)).toBeUndefined();
    read.offerEntries(committed(512, 768));
    expect(read.cachedBundle(2)).toEqual(encodeEntryBundle(committed(512, 768).map((e) => e.data)));
  });
});

describe('the gate of reads of entry data', () => {
  test('reads queued together do not all run before a request that arrived meanwhile', async () => {
    const events: string[] = [];
    const gate = createGate(2, 100);
    // Work that resolves in promise reactions alone, like a read of PGlite.
    const reads = Array.from({ length: 6 }, (_, i) => gate(async () => void events.push(`read ${i}`)));
    setImmediate(() => events.push('other'));
    await Promise.all(reads);
    // At most the gate's two reads ran before the other callback got its turn.
    expect(events.indexOf('other')).toBeLessThanOrEqual(2);
    expect(events.filter((e) => e.startsWith('read'))).toEqual(['read 0', 'read 1', 'read 2', 'read 3', 'read 4', 'read 5']);
  });

  test('beyond its waiting places the gate refuses with POOL_FULL, and a refused read takes no place', async () => {
    const gate = createGate(1, 1);
    let release!: () => void;
    const held = gate(() => new Promise<void>((r) => (release = r)));
    const waiting = gate(async () => 'second');
    await expect(gate(async () => 'third')).rejects.toMatchObject({ code: 'POOL_FULL' });
    await new Promise((r) => setImmediate(r));
    release();
    await held;
    expect(await waiting).toBe('second');
    expect(await gate(async () => 'after')).toBe('after');
  });
});
