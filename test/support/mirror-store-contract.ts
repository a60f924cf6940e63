/**
 * The contract of a `MirrorStore`, run on every implementation (in memory, PGlite, a
 * PostgreSQL server): the pending checkpoint's compare-and-swap and its recent history, the
 * commit's swap on the next entry (a lost one writes nothing), tiles and bundles that only
 * grow, the mirror checkpoint that never moves back nor passes the next entry; then a mirror
 * over the store, fed by two feeders through two stores at once, serving the log byte for byte.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { type MirrorStore, RECENT_PENDING, createMirror, feedMirror, localMirrorTarget, originHashOf } from '../../src/mirror/index.js';
import { ed25519Cosigner, ed25519Verifier } from '../../src/note/index.js';
import type { WitnessedState } from '../../src/witness/index.js';
import { TiledLog } from './tiled-log.js';

const ORIGIN = 'example.com/mirrored-log';
const root = (byte: number) => new Uint8Array(32).fill(byte);
const state = (treeSize: number, byte: number): WitnessedState => ({ treeSize, rootHash: root(byte), checkpoint: `checkpoint ${treeSize} ${byte}\n` });
const tile = (byte: number, width: number) => new Uint8Array(32 * width).fill(byte);

export interface MirrorStoreTarget {
  /** A store on a fresh, empty database. */
  fresh(): Promise<MirrorStore>;
  /** Another store on the same database ("another process"). */
  another(): Promise<MirrorStore>;
}

export function describeMirrorStore(name: string, target: MirrorStoreTarget): void {
  describe(name, () => {
    let store: MirrorStore;
    beforeEach(async () => {
      store = await target.fresh();
    });

    test('the pending checkpoint swaps as a witness state, and the recent ones are kept', async () => {
      expect(await store.latest(ORIGIN)).toBeUndefined();
      expect(await store.readProgress(ORIGIN)).toEqual({ nextEntry: 0, mirror: undefined });
      expect(await store.compareAndSwap(ORIGIN, undefined, state(2 ** 40, 1))).toBe(true);
      expect(await store.compareAndSwap(ORIGIN, undefined, state(5, 2))).toBe(false);
      expect(await store.compareAndSwap(ORIGIN, { treeSize: 2 ** 40, rootHash: root(2) }, state(2 ** 40 + 1, 2))).toBe(false);
      for (let i = 1; i <= RECENT_PENDING + 3; i++) {
        expect(await store.compareAndSwap(ORIGIN, { treeSize: 2 ** 40 + i - 1, rootHash: root(i) }, state(2 ** 40 + i, i + 1))).toBe(true);
      }
      expect(await store.latest(ORIGIN)).toEqual(state(2 ** 40 + RECENT_PENDING + 3, RECENT_PENDING + 4));
      expect(await store.pendingCheckpoint(ORIGIN, 2 ** 40 + RECENT_PENDING + 3)).toEqual(state(2 ** 40 + RECENT_PENDING + 3, RECENT_PENDING + 4));
      expect(await store.pendingCheckpoint(ORIGIN, 2 ** 40 + 4)).toEqual(state(2 ** 40 + 4, 5));
      expect(await store.pendingCheckpoint(ORIGIN, 2 ** 40)).toBeUndefined(); // older than the recent ones
    });

    test('a commit holds only on the expected next entry, and tiles and bundles only grow', async () => {
      await store.compareAndSwap(ORIGIN, undefined, state(600, 1));
      const commit = (expectedNext: number, nextEntry: number, byte: number) => ({
        origin: ORIGIN,
        expectedNext,
        nextEntry,
        bundle: { index: Math.floor(expectedNext / 256), data: new Uint8Array(nextEntry - Math.floor(expectedNext / 256) * 256).fill(byte) },
        tiles: [{ level: 0, index: Math.floor(expectedNext / 256), data: tile(byte, nextEntry - Math.floor(expectedNext / 256) * 256) }],
      });
      expect(await store.commitEntries(commit(0, 100, 1))).toBe(true);
      expect(await store.commitEntries(commit(0, 120, 2))).toBe(false); // lost the swap: nothing written
      expect(await store.readBundle(ORIGIN, 0)).toEqual({ data: new Uint8Array(100).fill(1), count: 100 });
      expect(await store.commitEntries(commit(100, 256, 3))).toBe(true);
      expect(await store.readProgress(ORIGIN)).toEqual({ nextEntry: 256, mirror: undefined });
      expect((await store.readBundle(ORIGIN, 0))?.count).toBe(256);
      expect(await store.readTiles(ORIGIN, [{ level: 0, index: 0 }, { level: 0, index: 1 }, { level: 1, index: 0 }])).toEqual([tile(3, 256), undefined, undefined]);
      expect(await store.readTiles(ORIGIN, [])).toEqual([]);
    });

    test('the mirror checkpoint never passes the next entry nor moves back', async () => {
      await store.compareAndSwap(ORIGIN, undefined, state(300, 1));
      expect(await store.advanceMirror(ORIGIN, state(0, 0))).toBe(true);
      expect(await store.advanceMirror(ORIGIN, state(10, 1))).toBe(false); // next entry is 0
      await store.commitEntries({ origin: ORIGIN, expectedNext: 0, nextEntry: 20, bundle: { index: 0, data: new Uint8Array(40) }, tiles: [] });
      expect(await store.advanceMirror(ORIGIN, state(20, 2))).toBe(true);
      expect(await store.advanceMirror(ORIGIN, state(10, 1))).toBe(false);
      expect((await store.readProgress(ORIGIN)).mirror).toEqual(state(20, 2));
    });

    test('a mirror over it, fed by two feeders through two stores at once, serves the log byte for byte', async () => {
      const log = new TiledLog();
      const cosigner = ed25519Cosigner('mirror.example/m1', new Uint8Array(32).fill(9));
      const logs = [{ origin: log.origin, verifiers: [ed25519Verifier(log.signer.name, log.signer.publicKey)] }];
      const mirrors = [store, await target.another()].map((s) => createMirror({ cosigner, logs, store: s, now: () => 1_780_000_000 }));
      const feed = (i: number) =>
        feedMirror({ target: localMirrorTarget(mirrors[i]!), source: log.served, checkpoint: { note: log.checkpoint(), origin: log.origin, treeSize: log.size, rootHash: log.root() } });
      log.grow(700);
      expect((await feed(0)).outcome).toBe('mirrored');
      log.grow(9_000, (i) => new TextEncoder().encode(`entry ${i} `.repeat(i % 7)));
      const results = await Promise.all([feed(0), feed(1)]);
      expect(results.some((r) => r.outcome === 'mirrored')).toBe(true);
      for (const [path, bytes] of await log.allPaths()) expect(await mirrors[1]!.tile(originHashOf(log.origin), path), path).toEqual(bytes);
      expect((await store.readProgress(log.origin)).mirror?.treeSize).toBe(log.size);
    });
  });
}
