/**
 * The benchmark's bulk preload writes a log the checkers accept: the full fsck and the
 * sampled one pass on it, and the sampled one finds a tile hash changed behind its back.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { preload } from '../../bench/preload.js';
import { fsck, fsckSample } from '../../src/cli/fsck.js';
import { nodeNodeHash } from '../../src/cli/node-crypto.js';
import { ensureLog } from '../../src/cli/server.js';
import type { LogStore } from '../../src/log/index.js';
import { leafHash } from '../../src/merkle/index.js';
import { ed25519Signer, formatCheckpoint, signNote } from '../../src/note/index.js';
import { createTileCache } from '../../src/read/index.js';
import { type DatabaseHandle, PgLogStore, migrateDatabase, openDatabase } from '../../src/storage/index.js';

let handle: DatabaseHandle;
let store: PgLogStore;
beforeAll(async () => {
  handle = await openDatabase({ memory: true });
  await migrateDatabase(handle);
  store = new PgLogStore(handle);
});
afterAll(() => store?.close());

/**
 * `store` behind the server's tile cache (native hashing; each tile's subtree hashes are
 * computed once, so a proof costs lookups). Straight from the store, as the other samples
 * here read it, every proof rehashes up to 255 hashes of each of its tiles with the pure
 * hasher: for the sample that proves all 5,000 leaves, most of the file's time.
 */
function withTileCache(store: PgLogStore): LogStore {
  const cache = createTileCache(store, 16 * 1024 * 1024, nodeNodeHash);
  return new Proxy(store, {
    get(target, name) {
      if (name === 'readTiles' || name === 'subtreeHash') return cache[name].bind(cache);
      const value: unknown = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value; // its private fields need the store itself as `this`
    },
  });
}

/** A random source that yields `values` in turn, then 0.5. */
const scripted = (values: number[]) => () => values.shift() ?? 0.5;

test('preload grows the log in batches to a log that fsck, whole and sampled, accepts; the sample finds a bad tile hash', async () => {
  const signer = ed25519Signer('preload.sightline.example/log', new Uint8Array(32).fill(7));
  const meta = await ensureLog(store, signer);

  const progress: number[] = [];
  const first = await preload(store, signer, meta.origin, 2_500, { batchSize: 1_000, entryBytes: 250, onProgress: (n) => progress.push(n) });
  expect(first.treeSize).toBe(2_500);
  expect(progress).toEqual([1_000, 2_000, 2_500]);
  // It continues from the stored right edge (a partial tile), and a full log is left alone.
  const head = await preload(store, signer, meta.origin, 5_000, { batchSize: 1_000, onProgress: (n) => progress.push(n) });
  expect(head.treeSize).toBe(5_000);
  expect(progress.slice(3)).toEqual([3_500, 4_500, 5_000]);
  expect(await store.readHead()).toEqual(head);
  expect((await preload(store, signer, meta.origin, 4_000)).treeSize).toBe(5_000);

  // Distinct, JSON-like access events of about the asked size; the stored leaf hash is RFC 6962's.
  const entries = await store.readEntries(0, 5_000);
  expect(new Set(entries.map((e) => Buffer.from(e).toString('latin1'))).size).toBe(5_000);
  const event = JSON.parse(new TextDecoder().decode(entries[4_321])) as Record<string, unknown>;
  expect(event).toMatchObject({ type: 'access', n: 4_321 });
  expect(entries[10]!.length).toBe(250);
  expect(entries[4_321]!.length).toBe(300);
  const found = await store.findLeafHashes([leafHash(entries[4_321]!)]);
  expect([...found.values()]).toEqual([4_321]);

  expect(await fsck(store)).toEqual({ treeSize: 5_000, problems: [] });
  const sampled = await fsckSample(store, 50);
  expect(sampled.problems).toEqual([]);
  expect(sampled.treeSize).toBe(5_000);
  expect(sampled.sampled).toBeGreaterThanOrEqual(50);
  expect(sampled.sampled).toBeLessThanOrEqual(52);
  // A sample as large as the log checks every entry.
  expect(await fsckSample(withTileCache(store), 1_000_000)).toEqual({ treeSize: 5_000, sampled: 5_000, problems: [] });

  // Corrupt the hash of leaf 1,000 in the stored level-0 tile 3 (leaves 768–1023).
  const offset = (1_000 - 768) * 32 + 1;
  await handle.db.execute(sql`update tiles set data = overlay(data placing '\\x00'::bytea from ${offset} for 1) where level = 0 and tile_index = 3`);

  // A sample of just the first and the last leaf does not touch tile 0/3 …
  expect((await fsckSample(store, 1, scripted([0]))).problems).toEqual([]);
  // … one that draws leaf 1,000 compares the tile with its bundle (its own proof holds: a
  // leaf's hash is never an element of its proof) …
  const leaf = await fsckSample(store, 1, scripted([1_000 / 5_000 + 1e-9]));
  expect(leaf.sampled).toBe(3);
  expect(leaf.problems).toEqual(['tile 0/3: differs from the tile recomputed from the entries']);
  // … and one that draws another leaf of the tile also fails that leaf's inclusion proof.
  const other = await fsckSample(store, 1, scripted([800 / 5_000]));
  expect(other.problems).toEqual([
    'tile 0/3: differs from the tile recomputed from the entries',
    'entry 800: inclusion proof for leaf 800 does not lead to the root of tree size 5000',
  ]);
  // The whole check finds it too.
  expect((await fsck(store)).problems).toContain('tile 0/3: differs from the tile recomputed from the entries');
});
test('the sampled fsck names a missing tile, a missing entry and a forged checkpoint (on the log above)', async () => {
  const firstAndLast = () => fsckSample(store, 1, scripted([0]));
  await handle.db.execute(sql`delete from tiles where level = 1 and tile_index = 0`);
  expect((await firstAndLast()).problems).toEqual([
    'entry 0: stored tile 1/0 is missing or too narrow for tree size 5000',
    'entry 4999: stored tile 1/0 is missing or too narrow for tree size 5000',
  ]);
  await handle.db.execute(sql`delete from entries where leaf_index = 4990`);
  expect((await firstAndLast()).problems).toEqual([
    'entry 0: stored tile 1/0 is missing or too narrow for tree size 5000',
    'entries: bundle 19 holds 135 of the 136 entries from index 4864',
  ]);
  const forger = ed25519Signer('preload.sightline.example/log', new Uint8Array(32).fill(1));
  const forged = signNote(formatCheckpoint({ origin: forger.name, treeSize: 5_000, rootHash: new Uint8Array(32), extensions: [] }), [forger]);
  await handle.db.execute(sql`update tree_head set checkpoint = ${forged}`);
  expect((await firstAndLast()).problems[0]).toBe('checkpoint: the note carries no signature by a trusted key');
});

test('the sampled fsck takes a positive sample size and a random source in [0, 1)', async () => {
  await expect(fsckSample(store, 0)).rejects.toThrow(RangeError);
  await expect(fsckSample(store, 1.5)).rejects.toThrow(RangeError);
  await expect(fsckSample(store, 3, () => 1)).rejects.toThrow('fsck: the random source gave 1, not a number in [0, 1)');
});
