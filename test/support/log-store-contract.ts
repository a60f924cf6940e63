/**
 * The `LogStore` contract (src/log/ports.ts) as one vitest suite that every implementation
 * runs: the PostgreSQL store on PGlite and on a server, and the in-memory fake.
 *
 * `makeStore` is called once per test and must hand back an empty database (no log yet);
 * `options.faults`, when given, must reach the store's commit transaction.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { encodeHex, utf8 } from '../../src/encoding/index.js';
import { type LogErrorCode, LogError } from '../../src/errors.js';
import type { IntegratedBatch, LogMeta, LogStore, NewEntry, StoredTile, TileId, TreeHead } from '../../src/log/index.js';
import { type Hash, leafHash } from '../../src/merkle/index.js';
import type { CommitFaults } from '../../src/storage/index.js';

export interface StoreUnderTest {
  readonly store: LogStore;
  close(): Promise<void>;
}

export type MakeStore = (options?: { faults?: CommitFaults }) => Promise<StoreUnderTest>;

export interface ContractOptions {
  /** Whether the store runs `options.faults` inside its commit (default true). */
  readonly faults?: boolean;
}

/** Awaits `promise` and asserts it rejects with a LogError of `code`; returns the error. */
export async function expectRejectsWith(promise: Promise<unknown>, code: LogErrorCode): Promise<LogError> {
  let thrown: unknown;
  try {
    await promise;
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected LogError ${code}, nothing was thrown`).toBeInstanceOf(LogError);
  expect((thrown as LogError).code, (thrown as Error).message).toBe(code);
  return thrown as LogError;
}

// --- Fixtures: the store checks shapes, not Merkle math, so roots are arbitrary ----------

export const META: LogMeta = { origin: 'contract.sightline.example/log', verifierKey: 'contract.sightline.example/log+01234567+AQ==' };

/** A 32-byte value derived from a label: distinct labels give distinct hashes. */
export function fakeHash(label: string): Hash {
  return leafHash(utf8(label));
}

export function headAt(treeSize: number, label = `root ${treeSize}`): TreeHead {
  return { treeSize, rootHash: fakeHash(label), checkpoint: `${META.origin}\n${treeSize}\n${label}\n\n— signature ${label}\n` };
}

export function entryAt(leafIndex: number, text = `entry ${leafIndex}`, partnerId: string | null = null): NewEntry {
  const data = utf8(text);
  return { leafIndex, leafHash: leafHash(data), data, partnerId };
}

/** A tile of `width` hashes whose content depends on its id and the label. */
export function tileOf(level: number, index: number, width: number, label = ''): StoredTile {
  const data = new Uint8Array(32 * width);
  for (let i = 0; i < width; i++) data.set(fakeHash(`tile ${level}/${index} #${i} ${label}`), 32 * i);
  return { level, index, data };
}

/** A batch of `texts` on top of `from`, with the given tiles and a new head. */
export function batchOn(from: TreeHead, texts: readonly string[], tiles: readonly StoredTile[] = [], label?: string): IntegratedBatch {
  const entries = texts.map((t, i) => entryAt(from.treeSize + i, t));
  return { entries, tiles, head: headAt(from.treeSize + texts.length, label) };
}

function cas(head: TreeHead): { treeSize: number; rootHash: Hash } {
  return { treeSize: head.treeSize, rootHash: head.rootHash };
}

/** Everything a test can observe about the given entries and tiles, for before/after comparisons. */
async function snapshot(store: LogStore, entryTexts: readonly string[], tileIds: readonly TileId[]) {
  const head = await store.readHead();
  return {
    head,
    entries: await store.readEntries(0, head.treeSize + 10),
    tiles: await store.readTiles(tileIds),
    hashes: [...(await store.findLeafHashes(entryTexts.map((t) => leafHash(utf8(t))))).entries()].sort(),
  };
}

function texts(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix} ${i}`);
}

export function describeLogStore(name: string, makeStore: MakeStore, options: ContractOptions = {}): void {
  describe(`LogStore contract: ${name}`, () => {
    let opened: StoreUnderTest[] = [];
    afterEach(async () => {
      const closing = opened;
      opened = [];
      for (const s of closing) await s.close();
    });
    async function open(faults?: CommitFaults): Promise<LogStore> {
      const s = await makeStore(faults === undefined ? {} : { faults });
      opened.push(s);
      return s.store;
    }
    /** A store holding a log whose head is at `size` (entries below it are not stored). */
    async function openLog(size = 0, faults?: CommitFaults): Promise<{ store: LogStore; head: TreeHead }> {
      const store = await open(faults);
      const head = headAt(size);
      await store.createLog(META, head);
      return { store, head };
    }

    test('a new database has no log: readMeta is undefined, readHead refuses', async () => {
      const store = await open();
      expect(await store.readMeta()).toBeUndefined();
      await expectRejectsWith(store.readHead(), 'UNAVAILABLE');
    });

    test('createLog stores the identity and the first head', async () => {
      const { store, head } = await openLog();
      expect(await store.readMeta()).toEqual(META);
      expect(await store.readHead()).toEqual(head);
      await store.ping();
    });

    test('createLog on an existing log fails with CONFLICT and changes nothing', async () => {
      const { store, head } = await openLog();
      const e = await expectRejectsWith(store.createLog({ origin: 'other', verifierKey: 'other+00000000+AQ==' }, headAt(0, 'other')), 'CONFLICT');
      expect(e.message).toMatch(/already exists/);
      expect(await store.readMeta()).toEqual(META);
      expect(await store.readHead()).toEqual(head);
    });

    test('commitBatch appends entries, tiles and the head, which read back', async () => {
      const { store, head: h0 } = await openLog();
      const b1 = batchOn(h0, ['a', 'b', 'c'], [tileOf(0, 0, 3)]);
      await store.commitBatch(cas(h0), b1);
      const b2 = batchOn(b1.head, ['d', 'e'], [tileOf(0, 0, 5), tileOf(1, 7, 2)]);
      await store.commitBatch(cas(b1.head), b2);

      expect(await store.readHead()).toEqual(b2.head);
      const all = ['a', 'b', 'c', 'd', 'e'].map(utf8);
      expect(await store.readEntries(0, 5)).toEqual(all);
      expect(await store.readEntries(1, 2)).toEqual(all.slice(1, 3));
      expect(await store.readEntries(3, 100)).toEqual(all.slice(3)); // fewer at the end of the log
      expect(await store.readEntries(5, 3)).toEqual([]);
      expect(await store.readEntries(2, 0)).toEqual([]);

      // In the order asked, undefined where none is stored, the latest (widest) content.
      const ids = [{ level: 1, index: 7 }, { level: 0, index: 1 }, { level: 0, index: 0 }, { level: 1, index: 7 }, { level: 2, index: 0 }];
      expect(await store.readTiles(ids)).toEqual([tileOf(1, 7, 2).data, undefined, tileOf(0, 0, 5).data, tileOf(1, 7, 2).data, undefined]);
      expect(await store.readTiles([])).toEqual([]);

      const unknown = fakeHash('not in the log');
      const found = await store.findLeafHashes([leafHash(utf8('e')), unknown, leafHash(utf8('a'))]);
      expect(found).toEqual(
        new Map([
          [encodeHex(leafHash(utf8('e'))), 4],
          [encodeHex(leafHash(utf8('a'))), 0],
        ]),
      );
      for (const key of found.keys()) expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(await store.findLeafHashes([])).toEqual(new Map());
    });

    test('bytes come back as plain Uint8Arrays, and are copies', async () => {
      const { store, head } = await openLog();
      const b = batchOn(head, ['x'], [tileOf(0, 0, 1)]);
      await store.commitBatch(cas(head), b);
      const [entry] = await store.readEntries(0, 1);
      const [tile] = await store.readTiles([{ level: 0, index: 0 }]);
      const read = await store.readHead();
      for (const bytes of [entry, tile, read.rootHash]) {
        expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
      }
      entry!.fill(0);
      tile!.fill(0);
      expect(await store.readEntries(0, 1)).toEqual([utf8('x')]);
      expect(await store.readTiles([{ level: 0, index: 0 }])).toEqual([tileOf(0, 0, 1).data]);
    });

    test('commitBatch on a stale head fails with CONFLICT and writes nothing', async () => {
      const { store, head: h0 } = await openLog();
      const b1 = batchOn(h0, ['a', 'b'], [tileOf(0, 0, 2)]);
      await store.commitBatch(cas(h0), b1);
      const tileIds = [{ level: 0, index: 0 }, { level: 0, index: 1 }];
      const before = await snapshot(store, ['a', 'b', 'late'], tileIds);

      // Another writer's view: built on size 0.
      const stale = batchOn(h0, ['late'], [tileOf(0, 0, 1, 'late')], 'late root');
      await expectRejectsWith(store.commitBatch(cas(h0), stale), 'CONFLICT');
      // The right size but another root: a fork, refused the same way.
      const forked = batchOn(b1.head, ['late'], [tileOf(0, 1, 1, 'late')], 'fork');
      await expectRejectsWith(store.commitBatch({ treeSize: b1.head.treeSize, rootHash: fakeHash('another root') }, forked), 'CONFLICT');

      expect(await snapshot(store, ['a', 'b', 'late'], tileIds)).toEqual(before);
    });

    test('a leaf hash already in the log fails with CONFLICT and writes nothing', async () => {
      const { store, head: h0 } = await openLog();
      const b1 = batchOn(h0, ['a', 'b'], [tileOf(0, 0, 2)]);
      await store.commitBatch(cas(h0), b1);
      const before = await snapshot(store, ['a', 'b', 'new'], [{ level: 0, index: 0 }]);

      const dup = batchOn(b1.head, ['new', 'a'], [tileOf(0, 0, 4, 'dup')]);
      const e = await expectRejectsWith(store.commitBatch(cas(b1.head), dup), 'CONFLICT');
      expect(e.message).toMatch(/already in the log/);
      expect(await snapshot(store, ['a', 'b', 'new'], [{ level: 0, index: 0 }])).toEqual(before);

      // Twice within one batch is refused the same way.
      await expectRejectsWith(store.commitBatch(cas(b1.head), batchOn(b1.head, ['same', 'same'])), 'CONFLICT');
      expect(await snapshot(store, ['a', 'b', 'new', 'same'], [{ level: 0, index: 0 }])).toEqual(before);
    });

    test('a batch that does not fit the expected head is refused before anything is written', async () => {
      const { store, head: h0 } = await openLog();
      const good = batchOn(h0, ['a', 'b'], [tileOf(0, 0, 2)]);
      const cases: IntegratedBatch[] = [
        { ...good, entries: [entryAt(0, 'a'), entryAt(2, 'b')] }, // a gap
        { ...good, entries: [entryAt(1, 'a'), entryAt(2, 'b')] }, // not at the expected size
        { ...good, head: headAt(3) }, // head size ≠ size + entries
        { ...good, tiles: [tileOf(0, 0, 1), tileOf(0, 0, 2)] }, // a tile twice
        { ...good, tiles: [{ level: 0, index: 0, data: new Uint8Array(33) }] }, // not whole hashes
        { ...good, entries: [{ ...entryAt(0, 'a'), leafHash: new Uint8Array(31) }, entryAt(1, 'b')] },
      ];
      for (const batch of cases) await expectRejectsWith(store.commitBatch(cas(h0), batch), 'INTERNAL');
      expect(await store.readHead()).toEqual(h0);
      expect(await store.readEntries(0, 10)).toEqual([]);
      expect(await store.readTiles([{ level: 0, index: 0 }])).toEqual([undefined]);
      // The good batch still commits: nothing was left half-written.
      await store.commitBatch(cas(h0), good);
      expect(await store.readHead()).toEqual(good.head);
    });

    test('an empty batch may re-sign the same size', async () => {
      const { store, head: h0 } = await openLog();
      const b1 = batchOn(h0, ['a']);
      await store.commitBatch(cas(h0), b1);
      const resigned: IntegratedBatch = { entries: [], tiles: [], head: { ...b1.head, checkpoint: `${b1.head.checkpoint}— another signature\n` } };
      await store.commitBatch(cas(b1.head), resigned);
      expect(await store.readHead()).toEqual(resigned.head);
    });

    if (options.faults ?? true) {
      test.each(['beforeCommit'] as const)('a failure inside the commit (%s) leaves entries, tiles and head as they were', async (hook) => {
        let armed = false;
        const fault = () => {
          if (armed) throw new Error(`injected fault ${hook}`);
        };
        const { store, head: h0 } = await openLog(0, { [hook]: fault });
        const b1 = batchOn(h0, ['a', 'b'], [tileOf(0, 0, 2)]);
        await store.commitBatch(cas(h0), b1);
        const tileIds = [{ level: 0, index: 0 }, { level: 1, index: 0 }];
        const names = ['a', 'b', 'c', 'd'];
        const before = await snapshot(store, names, tileIds);

        armed = true;
        const b2 = batchOn(b1.head, ['c', 'd'], [tileOf(0, 0, 4), tileOf(1, 0, 1)]);
        await expect(store.commitBatch(cas(b1.head), b2)).rejects.toThrow();
        expect(await snapshot(store, names, tileIds)).toEqual(before);

        // Nothing was left behind: the same batch commits once the fault is gone.
        armed = false;
        await store.commitBatch(cas(b1.head), b2);
        expect(await store.readHead()).toEqual(b2.head);
        expect(await store.readEntries(0, 10)).toEqual(names.map(utf8));
        expect(await store.readTiles(tileIds)).toEqual([tileOf(0, 0, 4).data, tileOf(1, 0, 1).data]);
      });

      test('a commit waits for the one in flight: a re-signing of the old head cannot undo an append', async () => {
        // A re-signing writes no entry, so no unique index stops it: only the lock on the head
        // does. The append is held inside its transaction, after its head update, while the
        // re-signing of the head it replaces starts.
        let inside!: () => void;
        const reached = new Promise<void>((resolve) => (inside = resolve));
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let hold = true;
        const { store, head: h0 } = await openLog(0, {
          beforeCommit: async () => {
            if (!hold) return;
            hold = false;
            inside();
            await gate;
          },
        });
        const append = batchOn(h0, ['appended'], [tileOf(0, 0, 1)]);
        const appending = store.commitBatch(cas(h0), append);
        await reached;
        const resign: IntegratedBatch = { entries: [], tiles: [], head: { ...h0, checkpoint: `${h0.checkpoint}— resigned\n` } };
        const resigning = store.commitBatch(cas(h0), resign);
        await new Promise((resolve) => setTimeout(resolve, 100));
        release();
        await appending;
        await expectRejectsWith(resigning, 'CONFLICT');
        expect(await store.readHead()).toEqual(append.head);
      });
    }

    test('concurrent commits on one head: exactly one wins, the others get CONFLICT', async () => {
      const { store, head: h0 } = await openLog();
      const writers = 8;
      const batches = Array.from({ length: writers }, (_, w) => batchOn(h0, texts(`writer ${w}`, 3), [tileOf(0, 0, 3, `w${w}`)], `root of writer ${w}`));
      const results = await Promise.allSettled(batches.map((b) => store.commitBatch(cas(h0), b)));
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as LogError).code, String(r.reason)).toBe('CONFLICT');
      }
      const winner = batches[won[0]!]!;
      expect(await store.readHead()).toEqual(winner.head);
      expect(await store.readEntries(0, 10)).toEqual(winner.entries.map((e) => e.data));
      expect(await store.readTiles([{ level: 0, index: 0 }])).toEqual([winner.tiles[0]!.data]);
    });

    test('writers racing and retrying on the new head build one contiguous log', async () => {
      const { store } = await openLog();
      const writers = 4;
      const perWriter = 5;
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let n = 0; n < perWriter; ) {
            const head = await store.readHead();
            try {
              await store.commitBatch(cas(head), batchOn(head, [`w${w} e${n}`], [], `w${w} e${n} root`));
              n++;
            } catch (e) {
              if (!(e instanceof LogError && e.code === 'CONFLICT')) throw e;
            }
          }
        }),
      );
      const head = await store.readHead();
      expect(head.treeSize).toBe(writers * perWriter);
      const entries = (await store.readEntries(0, 100)).map((b) => new TextDecoder().decode(b));
      expect(new Set(entries).size).toBe(writers * perWriter);
      const indices = await store.findLeafHashes(entries.map((t) => leafHash(utf8(t))));
      expect([...indices.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: writers * perWriter }, (_, i) => i));
    });

    test('partners: add, list by id, find by token hash, revoke', async () => {
      const store = await open();
      const before = Date.now();
      await store.addPartner({ id: 'dwp', name: 'Department for Work and Pensions', tokenHash: fakeHash('token dwp') });
      await store.addPartner({ id: 'council-b', name: null, tokenHash: fakeHash('token b') });
      await store.addPartner({ id: 'agency-a', name: 'Agency A', tokenHash: fakeHash('token a') });

      const listed = await store.listPartners();
      expect(listed.map((p) => [p.id, p.name, p.revokedAt])).toEqual([
        ['agency-a', 'Agency A', null],
        ['council-b', null, null],
        ['dwp', 'Department for Work and Pensions', null],
      ]);
      for (const p of listed) {
        expect(p.createdAt).toBeInstanceOf(Date);
        expect(Math.abs(p.createdAt.getTime() - before)).toBeLessThan(60_000);
      }

      expect((await store.findPartnerByTokenHash(fakeHash('token b')))?.id).toBe('council-b');
      expect(await store.findPartnerByTokenHash(fakeHash('no such token'))).toBeUndefined();

      await store.revokePartner('council-b');
      const revoked = (await store.listPartners()).find((p) => p.id === 'council-b')!;
      expect(revoked.revokedAt).toBeInstanceOf(Date);
      expect(await store.findPartnerByTokenHash(fakeHash('token b'))).toBeUndefined();
      expect((await store.findPartnerByTokenHash(fakeHash('token a')))?.id).toBe('agency-a');

      // Revoking twice is not an error, and keeps the first time.
      await store.revokePartner('council-b');
      expect((await store.listPartners()).find((p) => p.id === 'council-b')!.revokedAt).toEqual(revoked.revokedAt);
    });

    test('partners: a duplicate id or token fails with CONFLICT, an unknown revoke with NOT_FOUND', async () => {
      const store = await open();
      await store.addPartner({ id: 'dwp', name: 'DWP', tokenHash: fakeHash('token 1') });
      const dupId = await expectRejectsWith(store.addPartner({ id: 'dwp', name: 'again', tokenHash: fakeHash('token 2') }), 'CONFLICT');
      expect(dupId.message).toBe('partner dwp already exists');
      await expectRejectsWith(store.addPartner({ id: 'other', name: null, tokenHash: fakeHash('token 1') }), 'CONFLICT');
      await expectRejectsWith(store.revokePartner('nobody'), 'NOT_FOUND');
      expect((await store.listPartners()).map((p) => [p.id, p.name])).toEqual([['dwp', 'DWP']]);
    });

    test('indices and sizes past 2^32 come back exact, up to 2^53 - 1', async () => {
      for (const size of [2 ** 40, Number.MAX_SAFE_INTEGER - 3]) {
        // The store does not check the Merkle math: a head of any size can be created.
        const { store, head } = await openLog(size);
        const tileIndex = Math.floor(size / 256);
        const b = batchOn(head, ['big 0', 'big 1'], [tileOf(0, tileIndex, 2), tileOf(5, 2 ** 33 + 7, 1)]);
        await store.commitBatch(cas(head), b);
        expect((await store.readHead()).treeSize).toBe(size + 2);
        expect(await store.readEntries(size, 2)).toEqual([utf8('big 0'), utf8('big 1')]);
        expect(await store.readEntries(size + 1, 1)).toEqual([utf8('big 1')]);
        const found = await store.findLeafHashes([leafHash(utf8('big 1'))]);
        expect(found.get(encodeHex(leafHash(utf8('big 1'))))).toBe(size + 1);
        expect(await store.readTiles([{ level: 5, index: 2 ** 33 + 7 }, { level: 0, index: tileIndex }])).toEqual([
          tileOf(5, 2 ** 33 + 7, 1).data,
          tileOf(0, tileIndex, 2).data,
        ]);
        const last = opened.pop()!;
        await last.close();
      }
    });

    test('a closed store refuses work with UNAVAILABLE', async () => {
      const { store } = await openLog();
      await store.close();
      await expectRejectsWith(store.readHead(), 'UNAVAILABLE');
      await expectRejectsWith(store.ping(), 'UNAVAILABLE');
    });
  });
}
