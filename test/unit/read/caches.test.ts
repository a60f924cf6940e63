/**
 * The read-side caches: a tile is answered from memory only when the cached copy is at
 * least as wide as asked (tiles only grow at their end), the cache stays within its
 * bytes, and the head cache sees this process's commits at once and others' within its age.
 */
import { describe, expect, test } from 'vitest';
import type { LogStore, TileId, TreeHead } from '../../../src/log/index.js';
import { createBundleCache, createHeadCache, createTileCache } from '../../../src/read/index.js';
import { expandTile, hashFromExpandedTile, hashFromTile } from '../../../src/merkle/index.js';

const tile = (width: number, fill: number) => new Uint8Array(width * 32).fill(fill);

/** A store of tiles that counts its queries. */
function tileStore(tiles: Map<string, Uint8Array>) {
  const queries: TileId[][] = [];
  const store: Pick<LogStore, 'readTiles'> = {
    async readTiles(ids) {
      queries.push([...ids]);
      return ids.map((id) => tiles.get(`${id.level}/${id.index}`));
    },
  };
  return { store, queries };
}

describe('tile cache', () => {
  test('answers from memory only what the cached width covers, in one store query per miss set', async () => {
    const stored = new Map([['0/0', tile(256, 1)], ['0/1', tile(10, 2)], ['1/0', tile(1, 3)]]);
    const { store, queries } = tileStore(stored);
    const cache = createTileCache(store, 1 << 20);
    const first = await cache.readTiles([{ level: 0, index: 0 }, { level: 0, index: 1 }], [256, 5]);
    expect(first.map((d) => d?.length)).toEqual([8192, 320]);
    expect(queries).toHaveLength(1);

    // Narrower or equal: from memory.
    await cache.readTiles([{ level: 0, index: 0 }, { level: 0, index: 1 }], [3, 10]);
    expect(queries).toHaveLength(1);

    // The tile grew in the store; asking for more than the cached 10 hashes reads it again.
    stored.set('0/1', tile(20, 2));
    const wider = await cache.readTiles([{ level: 0, index: 1 }, { level: 1, index: 0 }], [15, 1]);
    expect(wider.map((d) => d?.length)).toEqual([640, 32]);
    expect(queries.at(-1)).toEqual([{ level: 0, index: 1 }, { level: 1, index: 0 }]);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 4 });
  });

  test('a missing tile is reported missing and never cached', async () => {
    const { store, queries } = tileStore(new Map());
    const cache = createTileCache(store, 1 << 20);
    expect(await cache.readTiles([{ level: 2, index: 7 }], [1])).toEqual([undefined]);
    expect(await cache.readTiles([{ level: 2, index: 7 }], [1])).toEqual([undefined]);
    expect(queries).toHaveLength(2);
  });

  test('offered (committed) tiles are served without a query, and never shrink a wider copy', async () => {
    const { store, queries } = tileStore(new Map());
    const cache = createTileCache(store, 1 << 20);
    cache.offer([{ level: 0, index: 3, data: tile(40, 9) }]);
    cache.offer([{ level: 0, index: 3, data: tile(20, 9) }]);
    const [data] = await cache.readTiles([{ level: 0, index: 3 }], [40]);
    expect(data?.length).toBe(40 * 32);
    expect(queries).toHaveLength(0);
  });

  test('stays within its byte budget, evicting the least recently used', async () => {
    const { store, queries } = tileStore(new Map());
    const cache = createTileCache(store, 3 * 8192);
    cache.offer([0, 1, 2].map((index) => ({ level: 0, index, data: tile(256, index) })));
    await cache.readTiles([{ level: 0, index: 0 }], [256]); // 0 is now the most recent
    cache.offer([{ level: 0, index: 3, data: tile(256, 3) }]); // evicts 1
    expect(cache.stats()).toMatchObject({ tiles: 3, bytes: 3 * 8192 });
    await cache.readTiles([{ level: 0, index: 0 }, { level: 0, index: 2 }, { level: 0, index: 3 }], [256, 256, 256]);
    expect(queries).toHaveLength(0);
    await cache.readTiles([{ level: 0, index: 1 }], [256]);
    expect(queries).toEqual([[{ level: 0, index: 1 }]]);
  });
});

describe('head cache', () => {
  const head = (treeSize: number): TreeHead => ({ treeSize, rootHash: new Uint8Array(32).fill(treeSize % 256), checkpoint: `head ${treeSize}` });

  function headStore(initial: number) {
    let current = head(initial);
    let reads = 0;
    return {
      store: { readHead: async () => (reads++, current) } satisfies Pick<LogStore, 'readHead'>,
      set: (n: number) => (current = head(n)),
      reads: () => reads,
    };
  }

  test('a stale head whose re-read is held up (a database busy with large reads) is answered with the head last seen; the re-read still lands', async () => {
    let release!: (h: TreeHead) => void;
    let reads = 0;
    const store = {
      readHead: () => {
        reads++;
        return reads === 1 ? Promise.resolve(head(5)) : new Promise<TreeHead>((resolve) => (release = resolve));
      },
    } satisfies Pick<LogStore, 'readHead'>;
    const cache = createHeadCache(store, 0, 20);
    expect((await cache.current()).treeSize).toBe(5);
    expect((await cache.current()).treeSize).toBe(5); // the re-read hangs: the last head seen
    expect(reads).toBe(2);
    release(head(8));
    await new Promise((resolve) => setImmediate(resolve));
    expect((await cache.atLeast(0)).treeSize).toBeGreaterThanOrEqual(5);
    cache.offer(head(8));
    expect((await cache.atLeast(8)).treeSize).toBe(8);
  });

  test('reads once, then serves from memory within its age; concurrent misses share one read', async () => {
    const s = headStore(5);
    const cache = createHeadCache(s.store, 60_000);
    const [a, b] = await Promise.all([cache.current(), cache.current()]);
    expect(a.treeSize).toBe(5);
    expect(b).toBe(a);
    await cache.current();
    expect(s.reads()).toBe(1);
  });

  test("a commit offered by this process's sequencer is visible at once; an older one is ignored", async () => {
    const s = headStore(5);
    const cache = createHeadCache(s.store, 60_000);
    await cache.current();
    cache.offer(head(9));
    expect((await cache.current()).treeSize).toBe(9);
    cache.offer(head(7));
    expect((await cache.current()).treeSize).toBe(9);
    expect(s.reads()).toBe(1);
  });

  test("another writer's commit is seen when a request names a larger size, and once the age has passed", async () => {
    const s = headStore(5);
    const cache = createHeadCache(s.store, 60_000);
    await cache.current();
    s.set(12);
    expect((await cache.current()).treeSize).toBe(5); // within its age
    expect((await cache.atLeast(10)).treeSize).toBe(12);
    s.set(20);
    const aged = createHeadCache(s.store, 0);
    expect((await aged.current()).treeSize).toBe(20);
  });
});

describe('expanded tiles', () => {
  test('every complete subtree of every tile width is the same from the expansion as hashed directly', () => {
    for (const width of [1, 2, 3, 7, 8, 100, 255, 256]) {
      const data = new Uint8Array(width * 32).map((_, i) => (i * 7 + width) % 251);
      const expanded = expandTile(data);
      for (let count = 1; count <= width; count *= 2) {
        for (let offset = 0; offset + count <= width; offset += count) {
          expect(hashFromExpandedTile(data, expanded, offset, count)).toEqual(hashFromTile(data, offset, count));
        }
      }
    }
  });

  test('the tile cache answers subtree hashes from an expansion of the bytes it holds, counted in its budget', async () => {
    const full = new Uint8Array(256 * 32).map((_, i) => i % 256);
    const { store } = tileStore(new Map([['0/0', full]]));
    const cache = createTileCache(store, 1 << 20);
    const [data] = await cache.readTiles([{ level: 0, index: 0 }], [256]);
    const id = { level: 0, index: 0 };
    expect(cache.subtreeHash(id, data!, 128, 128)).toEqual(hashFromTile(full, 128, 128));
    expect(cache.stats().bytes).toBe(8192 + 255 * 32);
    // Bytes it does not hold (another copy) are hashed directly, and nothing is kept.
    const copy = full.slice();
    expect(cache.subtreeHash(id, copy, 64, 64)).toEqual(hashFromTile(full, 64, 64));
    expect(cache.stats().bytes).toBe(8192 + 255 * 32);
  });
});

describe('bundle cache', () => {
  test('a bundle is read once however often and however many at once ask; a failed read is not kept', async () => {
    const cache = createBundleCache(1 << 20);
    let reads = 0;
    const read = async () => {
      reads++;
      await new Promise((r) => setImmediate(r));
      return new Uint8Array(100).fill(reads);
    };
    const [a, b] = await Promise.all([cache.get(0, read), cache.get(0, read)]);
    expect(a).toBe(b);
    expect(await cache.get(0, read)).toBe(a);
    expect(reads).toBe(1);
    await expect(cache.get(1, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get(1, read)).toHaveLength(100);
    expect(cache.stats()).toEqual({ bundles: 2, bytes: 200, hits: 1, misses: 3 });
  });

  test('bounded by bytes: an unused bundle goes first, a used one gets a second chance, one too big for the cache is served but not kept', async () => {
    const cache = createBundleCache(250);
    const of = (n: number, size = 100) => () => Promise.resolve(new Uint8Array(size).fill(n));
    await cache.get(0, of(0));
    await cache.get(1, of(1));
    await cache.get(0, of(9)); // used: bundle 0 gets its second chance
    await cache.get(2, of(2)); // over 250 bytes: bundle 1, unused, goes
    expect(cache.stats()).toMatchObject({ bundles: 2, bytes: 200 });
    expect((await cache.get(0, of(9)))[0]).toBe(0);
    expect((await cache.get(1, of(7)))[0]).toBe(7); // read again
    expect(await cache.get(3, of(3, 300))).toHaveLength(300);
    expect(cache.stats().bytes).toBeLessThanOrEqual(250);
  });
});
