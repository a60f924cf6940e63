/**
 * The `LogStore` contract (src/log/ports.ts) as one vitest suite that every implementation
 * runs: the PostgreSQL store on PGlite and on a server, and the in-memory fake.
 *
 * `makeStore` is called once per test and must hand back an empty database (no log yet);
 * `options.faults`, when given, must reach the store's commit transaction.
 */
import { type SQL, sql } from 'drizzle-orm';
import { afterEach, describe, expect, test } from 'vitest';
import { decodeHex, encodeHex, utf8 } from '../../src/encoding/index.js';
import { type LogErrorCode, LogError } from '../../src/errors.js';
import type {
  CodeListsVersion,
  EventDetails,
  EventRecord,
  EventRows,
  IntegratedBatch,
  LogMeta,
  LogStore,
  MoneyRecordRow,
  NewEntry,
  StoredTile,
  TileId,
  TreeHead,
} from '../../src/log/index.js';
import { type Hash, MAX_ENTRY_SIZE, decodeEntryBundle, encodeEntryBundle, leafHash } from '../../src/merkle/index.js';
import { rowsOf } from '../../src/storage/db.js';
import { type CommitFaults, type DatabaseHandle, type ErasurePurge, KEY_PARTITION_SIZE, type PgLogStore, type PgLogStoreOptions } from '../../src/storage/index.js';
import { byteaFromDriver } from '../../src/storage/schema.js';
import { emptyDatabase, sharedStore, tableOf } from './pg-harness.js';
import { until } from './waits.js';

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

// --- Typed events: the rows a batch writes besides its entries, tiles and head -----------

/** A typed event's record; its hash depends on all of its fields. */
export function eventAt(leafIndex: number, partnerId: string, partnerSeq: number, type = 'access', target: number | null = null): EventRecord {
  return { leafIndex, partnerId, partnerSeq, eventHash: fakeHash(`event ${partnerId} #${partnerSeq} at ${leafIndex} ${type} ${target}`), type, target };
}

/** An event's erasable details (a fresh object at each call). */
export function detailsAt(leafIndex: number, revealHash: Hash | null = fakeHash(`reveal ${leafIndex}`)): EventDetails {
  return { leafIndex, details: `{"leaf":${leafIndex},"note":"détails ✓"}`, opening: fakeHash(`opening ${leafIndex}`), revealHash };
}

/** A 32-byte subject tag whose first two bytes are `prefix` (4 hex digits). */
export function tagOf(prefix: string, label: string): Hash {
  const tag = fakeHash(`tag ${label}`);
  tag.set(decodeHex(prefix)!, 0);
  return tag;
}

/** A batch of `count` entries on `from` (texts from `label`) with the given event rows, the others empty. */
export function eventBatch(from: TreeHead, count: number, rows: Partial<EventRows>, label = `events on ${from.treeSize}`): IntegratedBatch {
  return { ...batchOn(from, texts(label, count), [], label), events: { events: [], details: [], tags: [], counters: [], erasures: [], ...rows } };
}

/** Rows in leaf-index order: the store promises no order for these reads. */
function byIndex<T extends { readonly leafIndex: number }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => a.leafIndex - b.leafIndex);
}

/** Tag rows in the order of their bytes, as a bucket is read. */
function byTag(rows: readonly { tag: Hash; leafIndex: number }[]): { tag: Hash; leafIndex: number }[] {
  const key = (r: { tag: Hash }) => encodeHex(r.tag);
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

interface EventProbe {
  readonly indices: readonly number[];
  readonly keys: readonly { partnerId: string; partnerSeq: number }[];
  readonly counters: readonly Hash[];
  /** Tag bucket prefixes, 4 hex digits each. */
  readonly prefixes: readonly string[];
  readonly partners: readonly string[];
}

/** Everything a test can observe about typed events through the port, for before/after comparisons. */
async function eventSnapshot(store: LogStore, probe: EventProbe) {
  const head = await store.readHead();
  const details = [];
  for (const i of probe.indices) details.push(await store.readDetails(i));
  const buckets = [];
  for (const p of probe.prefixes) buckets.push(await store.readTagBucket(decodeHex(p)!));
  const sequences = [];
  for (const p of probe.partners) sequences.push(await store.partnerSequence(p, 100));
  return {
    head,
    entries: await store.readEntries(0, head.treeSize + 10),
    events: byIndex(await store.readEventsAt(probe.indices)),
    found: byIndex(await store.findEvents(probe.keys)),
    details,
    counters: [...(await store.readCounters(probe.counters)).entries()].sort(),
    buckets,
    sequences,
  };
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
      // Cut at a byte budget: as many as fit in it; the first always.
      expect(await store.readEntries(0, 5, 0)).toEqual(all.slice(0, 1));
      expect(await store.readEntries(0, 5, 1)).toEqual(all.slice(0, 1));
      expect(await store.readEntries(0, 5, 2)).toEqual(all.slice(0, 2));
      expect(await store.readEntries(1, 100, 3)).toEqual(all.slice(1, 4));
      expect(await store.readEntries(1, 2, 3)).toEqual(all.slice(1, 3));
      expect(await store.readEntries(3, 100, 1_000)).toEqual(all.slice(3));
      expect(await store.readEntries(5, 3, 10)).toEqual([]);

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

    test('an entry bundle read from the store is the core encoding of the same entries, cut at the same budget', async () => {
      const { store, head: h0 } = await openLog();
      // Lengths 1, 65,535 (the largest: ff ff), 2, 300 (01 2c) and 256 (01 00).
      const texts = ['a', 'x'.repeat(MAX_ENTRY_SIZE), 'bc', 'y'.repeat(300), 'z'.repeat(256)];
      await store.commitBatch(cas(h0), batchOn(h0, texts));
      const cases: [number, number, number][] = [[0, 5, 1 << 20], [0, 5, 0], [0, 5, MAX_ENTRY_SIZE + 1], [1, 4, MAX_ENTRY_SIZE], [2, 3, 1_000], [2, 100, 302], [5, 3, 10]];
      for (const [start, count, maxBytes] of cases) {
        const entries = await store.readEntries(start, count, maxBytes);
        expect(await store.readEntryBundle(start, count, maxBytes), `readEntryBundle(${start}, ${count}, ${maxBytes})`).toEqual({ count: entries.length, bundle: encodeEntryBundle(entries) });
      }
      expect(decodeEntryBundle((await store.readEntryBundle(0, 5, 1 << 20)).bundle)).toEqual(texts.map(utf8));
      expect((await store.readEntryBundle(0, 5, 1 << 20)).bundle.subarray(0, 6)).toEqual(Uint8Array.of(0, 1, 97, 0xff, 0xff, 120));
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

      test('a failure inside the commit leaves every event row as it was', async () => {
        let armed = false;
        const { store, head: h0 } = await openLog(0, {
          beforeCommit: () => {
            if (armed) throw new Error('injected fault beforeCommit');
          },
        });
        const counter = fakeHash('counter');
        const b1 = eventBatch(h0, 2, {
          events: [eventAt(0, 'dwp', 1), eventAt(1, 'dwp', 2)],
          details: [detailsAt(0), detailsAt(1)],
          tags: [{ tag: tagOf('c0c0', 'first'), leafIndex: 0 }],
          counters: [{ counterKey: counter, next: 1 }],
        });
        await store.commitBatch(cas(h0), b1);
        const probe: EventProbe = {
          indices: [0, 1, 2, 3],
          keys: [1, 2, 3, 4].map((partnerSeq) => ({ partnerId: 'dwp', partnerSeq })),
          counters: [counter, fakeHash('other counter')],
          prefixes: ['c0c0'],
          partners: ['dwp'],
        };
        const before = await eventSnapshot(store, probe);

        armed = true;
        const b2 = eventBatch(b1.head, 2, {
          events: [eventAt(2, 'dwp', 3, 'erasure', 0), eventAt(3, 'dwp', 4)],
          details: [detailsAt(3)],
          tags: [{ tag: tagOf('c0c0', 'second'), leafIndex: 3 }],
          counters: [
            { counterKey: counter, next: 2 },
            { counterKey: fakeHash('other counter'), next: 1 },
          ],
          erasures: [{ targetIndex: 0, erasureIndex: 2 }],
        });
        await expect(store.commitBatch(cas(b1.head), b2)).rejects.toThrow();
        expect(await eventSnapshot(store, probe)).toEqual(before);
        expect(await store.readDetails(0)).toEqual(detailsAt(0));

        // Nothing was left behind: the same batch commits once the fault is gone.
        armed = false;
        await store.commitBatch(cas(b1.head), b2);
        expect(await store.readDetails(0)).toEqual({ erasedBy: 2 });
        expect((await store.partnerSequence('dwp', 10)).last).toBe(4);
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
      await store.addPartner({ id: 'dwp', name: 'Department for Work and Pensions', tokenHash: fakeHash('token dwp'), publicKey: null });
      await store.addPartner({ id: 'council-b', name: null, tokenHash: fakeHash('token b'), publicKey: null });
      await store.addPartner({ id: 'agency-a', name: 'Agency A', tokenHash: fakeHash('token a'), publicKey: null });

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

      // The token hashes of the active partners only (what a successor shard is given).
      const hashes = await store.partnerTokenHashes();
      expect([...hashes.keys()].sort()).toEqual(['agency-a', 'dwp']);
      expect(hashes.get('dwp')).toEqual(fakeHash('token dwp'));
    });

    test('partners: a duplicate id or token fails with CONFLICT, an unknown revoke with NOT_FOUND', async () => {
      const store = await open();
      await store.addPartner({ id: 'dwp', name: 'DWP', tokenHash: fakeHash('token 1'), publicKey: null });
      const dupId = await expectRejectsWith(store.addPartner({ id: 'dwp', name: 'again', tokenHash: fakeHash('token 2'), publicKey: null }), 'CONFLICT');
      expect(dupId.message).toBe('partner dwp already exists');
      await expectRejectsWith(store.addPartner({ id: 'other', name: null, tokenHash: fakeHash('token 1'), publicKey: null }), 'CONFLICT');
      await expectRejectsWith(store.revokePartner('nobody'), 'NOT_FOUND');
      expect((await store.listPartners()).map((p) => [p.id, p.name])).toEqual([['dwp', 'DWP']]);
    });

    test('partners: the event-signing key round trips (null or 32 bytes); setPartnerKey sets or replaces it', async () => {
      const store = await open();
      const key = fakeHash('ed25519 key of dwp');
      await store.addPartner({ id: 'dwp', name: 'DWP', tokenHash: fakeHash('token dwp'), publicKey: key });
      await store.addPartner({ id: 'council-b', name: null, tokenHash: fakeHash('token b'), publicKey: null });
      expect((await store.listPartners()).map((p) => [p.id, p.publicKey])).toEqual([
        ['council-b', null],
        ['dwp', key],
      ]);
      const found = (await store.findPartnerByTokenHash(fakeHash('token dwp')))!;
      expect(found.publicKey).toEqual(key);
      expect(Object.getPrototypeOf(found.publicKey)).toBe(Uint8Array.prototype);
      found.publicKey!.fill(0);
      expect((await store.findPartnerByTokenHash(fakeHash('token dwp')))!.publicKey).toEqual(fakeHash('ed25519 key of dwp'));
      expect((await store.findPartnerByTokenHash(fakeHash('token b')))!.publicKey).toBeNull();

      // Set where there was none, replace where there was one.
      await store.setPartnerKey('council-b', fakeHash('key b'));
      await store.setPartnerKey('dwp', fakeHash('new key of dwp'));
      expect((await store.listPartners()).map((p) => [p.id, p.publicKey])).toEqual([
        ['council-b', fakeHash('key b')],
        ['dwp', fakeHash('new key of dwp')],
      ]);
      expect((await store.findPartnerByTokenHash(fakeHash('token b')))!.publicKey).toEqual(fakeHash('key b'));

      await expectRejectsWith(store.setPartnerKey('nobody', fakeHash('key')), 'NOT_FOUND');
      // A key that is not 32 bytes is the caller's bug: refused, nothing changed.
      await expectRejectsWith(store.setPartnerKey('dwp', new Uint8Array(31)), 'INTERNAL');
      await expectRejectsWith(store.addPartner({ id: 'short', name: null, tokenHash: fakeHash('token short'), publicKey: new Uint8Array(33) }), 'INTERNAL');
      expect((await store.listPartners()).map((p) => [p.id, p.publicKey])).toEqual([
        ['council-b', fakeHash('key b')],
        ['dwp', fakeHash('new key of dwp')],
      ]);
    });

    test('partners: a replaced key is kept among the previous keys, oldest first, each once', async () => {
      const store = await open();
      const k = (n: number) => fakeHash(`key ${n}`);
      await store.addPartner({ id: 'dwp', name: null, tokenHash: fakeHash('token dwp'), publicKey: k(1) });
      await store.addPartner({ id: 'hmrc', name: null, tokenHash: fakeHash('token hmrc'), publicKey: null });
      const previous = async () => (await store.listPartners()).map((p) => [p.id, p.publicKey, p.previousKeys]);
      expect(await previous()).toEqual([['dwp', k(1), []], ['hmrc', null, []]]);
      await store.setPartnerKey('dwp', k(1)); // the same key again: nothing replaced
      await store.setPartnerKey('hmrc', k(9)); // none before: nothing kept
      expect(await previous()).toEqual([['dwp', k(1), []], ['hmrc', k(9), []]]);
      await store.setPartnerKey('dwp', k(2));
      await new Promise((r) => setTimeout(r, 5)); // replacedAt orders them
      await store.setPartnerKey('dwp', k(3));
      await new Promise((r) => setTimeout(r, 5));
      await store.setPartnerKey('dwp', k(1)); // back to the first: k3 kept, k1 not twice
      expect(await previous()).toEqual([['dwp', k(1), [k(1), k(2), k(3)]], ['hmrc', k(9), []]]);
    });

    /** Operators and auditors: the same contract, each kind in its own table. */
    const staff = (store: LogStore, kind: 'operator' | 'auditor') =>
      kind === 'operator'
        ? { add: (a: { id: string; tokenHash: Hash }) => store.addOperator(a), list: () => store.listOperators(), revoke: (id: string) => store.revokeOperator(id), find: (h: Hash) => store.findOperatorByTokenHash(h) }
        : { add: (a: { id: string; tokenHash: Hash }) => store.addAuditor(a), list: () => store.listAuditors(), revoke: (id: string) => store.revokeAuditor(id), find: (h: Hash) => store.findAuditorByTokenHash(h) };

    test.each(['operator', 'auditor'] as const)('%ss: add, list by id, find by token hash, revoke; the other kind and partners unaffected', async (kind) => {
      const store = await open();
      const accounts = staff(store, kind);
      const other = staff(store, kind === 'operator' ? 'auditor' : 'operator');
      const before = Date.now();
      expect(await accounts.list()).toEqual([]);
      await accounts.add({ id: 'root', tokenHash: fakeHash(`${kind} token root`) });
      await accounts.add({ id: 'bob', tokenHash: fakeHash(`${kind} token bob`) });
      await accounts.add({ id: 'alice', tokenHash: fakeHash(`${kind} token alice`) });

      const listed = await accounts.list();
      expect(listed).toEqual(['alice', 'bob', 'root'].map((id) => ({ id, createdAt: expect.any(Date), revokedAt: null })));
      for (const o of listed) expect(Math.abs(o.createdAt.getTime() - before)).toBeLessThan(60_000);
      // Neither partners nor the other kind: a token of one kind opens nothing of the other.
      expect(await store.listPartners()).toEqual([]);
      expect(await other.list()).toEqual([]);
      expect(await other.find(fakeHash(`${kind} token bob`))).toBeUndefined();

      expect((await accounts.find(fakeHash(`${kind} token bob`)))?.id).toBe('bob');
      expect(await accounts.find(fakeHash('no such token'))).toBeUndefined();

      await accounts.revoke('bob');
      const revoked = (await accounts.list()).find((o) => o.id === 'bob')!;
      expect(revoked.revokedAt).toBeInstanceOf(Date);
      expect(await accounts.find(fakeHash(`${kind} token bob`))).toBeUndefined();
      expect((await accounts.find(fakeHash(`${kind} token alice`)))?.id).toBe('alice');

      // Revoking twice is not an error, and keeps the first time.
      await accounts.revoke('bob');
      expect((await accounts.list()).find((o) => o.id === 'bob')!.revokedAt).toEqual(revoked.revokedAt);
    });

    test.each(['operator', 'auditor'] as const)('%ss: a duplicate id or token fails with CONFLICT, an unknown revoke with NOT_FOUND', async (kind) => {
      const store = await open();
      const accounts = staff(store, kind);
      await accounts.add({ id: 'root', tokenHash: fakeHash(`${kind} token 1`) });
      const dupId = await expectRejectsWith(accounts.add({ id: 'root', tokenHash: fakeHash(`${kind} token 2`) }), 'CONFLICT');
      expect(dupId.message).toBe(`${kind} root already exists`);
      const dupToken = await expectRejectsWith(accounts.add({ id: 'other', tokenHash: fakeHash(`${kind} token 1`) }), 'CONFLICT');
      expect(dupToken.message).toBe(`another ${kind} already has the token given for other`);
      await expectRejectsWith(accounts.add({ id: 'short', tokenHash: new Uint8Array(31) }), 'INTERNAL');
      await expectRejectsWith(accounts.find(new Uint8Array(31)), 'INTERNAL');
      await expectRejectsWith(accounts.revoke('nobody'), 'NOT_FOUND');
      expect((await accounts.list()).map((o) => o.id)).toEqual(['root']);
    });

    test('typed events: a batch commits its events, details, tags and counters with its entries, and each reads back', async () => {
      const { store, head: h0 } = await openLog();
      const rows = (): EventRows => ({
        events: [eventAt(0, 'dwp', 1), eventAt(1, 'dwp', 2, 'decision'), eventAt(2, 'council-b', 1, 'note')],
        details: [detailsAt(0), detailsAt(1, null)],
        tags: [
          { tag: tagOf('ab12', 'zero'), leafIndex: 0 },
          { tag: tagOf('ab12', 'one'), leafIndex: 1 },
        ],
        counters: [
          { counterKey: fakeHash('counter 1'), next: 1 },
          { counterKey: fakeHash('counter 2'), next: 4 },
        ],
        erasures: [],
      });
      // Entry 3 is a raw entry: no event rows at all.
      const committed = rows();
      const b1: IntegratedBatch = { ...batchOn(h0, texts('typed', 4), [tileOf(0, 0, 4)], 'typed'), events: committed };
      await store.commitBatch(cas(h0), b1);
      // What the store keeps is its own copy.
      for (const d of committed.details) d.opening.fill(0);
      for (const t of committed.tags) t.tag.fill(0);
      for (const e of committed.events) e.eventHash.fill(0);

      const { events: [e0, e1, e2], details: [d0, d1], tags } = rows();
      expect(await store.readHead()).toEqual(b1.head);
      expect(await store.readEntries(0, 10)).toEqual(b1.entries.map((e) => e.data));
      expect(await store.readTiles([{ level: 0, index: 0 }])).toEqual([tileOf(0, 0, 4).data]);

      const keys = [
        { partnerId: 'council-b', partnerSeq: 1 },
        { partnerId: 'dwp', partnerSeq: 1 },
        { partnerId: 'dwp', partnerSeq: 3 }, // unused
        { partnerId: 'council-b', partnerSeq: 2 }, // used by another partner
        { partnerId: 'nobody', partnerSeq: 1 },
        { partnerId: 'dwp', partnerSeq: 1 }, // asked twice, found once
      ];
      expect(byIndex(await store.findEvents(keys))).toEqual([e0, e2]);
      expect(await store.findEvents([])).toEqual([]);

      expect(byIndex(await store.readEventsAt([2, 0, 3, 99, 0, 1]))).toEqual([
        { ...e0, erasedBy: null },
        { ...e1, erasedBy: null },
        { ...e2, erasedBy: null },
      ]);
      expect(await store.readEventsAt([])).toEqual([]);

      expect(await store.readDetails(0)).toEqual(d0);
      expect(await store.readDetails(1)).toEqual(d1);
      expect(await store.readDetails(2)).toBeUndefined(); // an event without details
      expect(await store.readDetails(3)).toBeUndefined(); // a raw entry
      expect(await store.readDetails(99)).toBeUndefined(); // no entry

      const counters = await store.readCounters([fakeHash('counter 2'), fakeHash('counter 3'), fakeHash('counter 1')]);
      expect(counters).toEqual(
        new Map([
          [encodeHex(fakeHash('counter 1')), 1],
          [encodeHex(fakeHash('counter 2')), 4],
        ]),
      );
      expect(await store.readCounters([])).toEqual(new Map());
      await expectRejectsWith(store.readCounters([new Uint8Array(31)]), 'INTERNAL');

      expect(await store.readTagBucket(decodeHex('ab12')!)).toEqual(byTag(tags));
      expect(await store.partnerSequence('dwp', 10)).toEqual({ last: 2, count: 2, gaps: [], truncated: false });
      expect(await store.partnerSequence('council-b', 10)).toEqual({ last: 1, count: 1, gaps: [], truncated: false });

      // Bytes come back as plain Uint8Arrays, and are copies.
      const details = (await store.readDetails(0)) as EventDetails;
      const [event] = await store.readEventsAt([0]);
      const [found] = await store.findEvents([{ partnerId: 'dwp', partnerSeq: 1 }]);
      const [tagged] = await store.readTagBucket(decodeHex('ab12')!);
      const bytes = [details.opening, details.revealHash!, event!.eventHash, found!.eventHash, tagged!.tag];
      for (const b of bytes) expect(Object.getPrototypeOf(b)).toBe(Uint8Array.prototype);
      for (const b of bytes) b.fill(0);
      expect(await store.readDetails(0)).toEqual(d0);
      expect(await store.readEventsAt([0])).toEqual([{ ...e0, erasedBy: null }]);
      expect(await store.readTagBucket(decodeHex('ab12')!)).toEqual(byTag(tags));
    });

    test('typed events: a batch whose head compare-and-swap fails writes none of its event rows', async () => {
      const { store, head: h0 } = await openLog();
      const counter = fakeHash('counter k');
      const b1 = eventBatch(
        h0,
        2,
        {
          events: [eventAt(0, 'dwp', 1), eventAt(1, 'dwp', 2)],
          details: [detailsAt(0), detailsAt(1)],
          tags: [{ tag: tagOf('0101', 'first'), leafIndex: 0 }],
          counters: [{ counterKey: counter, next: 1 }],
        },
        'first',
      );
      await store.commitBatch(cas(h0), b1);
      const probe: EventProbe = {
        indices: [0, 1, 2, 3],
        keys: [1, 2, 3, 4, 5].map((partnerSeq) => ({ partnerId: 'dwp', partnerSeq })),
        counters: [counter, fakeHash('counter k2')],
        prefixes: ['0101', '0202'],
        partners: ['dwp'],
      };
      const before = await eventSnapshot(store, probe);

      // Another writer's view: built on size 0, with new numbers, tags and counters.
      const stale = eventBatch(
        h0,
        2,
        {
          events: [eventAt(0, 'dwp', 3), eventAt(1, 'dwp', 4)],
          details: [detailsAt(0, null)],
          tags: [{ tag: tagOf('0202', 'stale'), leafIndex: 1 }],
          counters: [
            { counterKey: counter, next: 7 },
            { counterKey: fakeHash('counter k2'), next: 1 },
          ],
        },
        'stale',
      );
      await expectRejectsWith(store.commitBatch(cas(h0), stale), 'CONFLICT');
      // The right size but another root, erasing entry 0: its details must stay.
      const forked = eventBatch(
        b1.head,
        2,
        {
          events: [eventAt(2, 'dwp', 3, 'erasure', 0), eventAt(3, 'dwp', 5)],
          details: [detailsAt(3)],
          tags: [{ tag: tagOf('0202', 'fork'), leafIndex: 3 }],
          counters: [{ counterKey: counter, next: 9 }],
          erasures: [{ targetIndex: 0, erasureIndex: 2 }],
        },
        'fork',
      );
      await expectRejectsWith(store.commitBatch({ treeSize: b1.head.treeSize, rootHash: fakeHash('another root') }, forked), 'CONFLICT');

      expect(await eventSnapshot(store, probe)).toEqual(before);
      expect(await store.readDetails(0)).toEqual(detailsAt(0));
      expect(await store.findEvents([{ partnerId: 'dwp', partnerSeq: 3 }])).toEqual([]);

      // On the right head, the same batch commits.
      await store.commitBatch(cas(b1.head), forked);
      expect(await store.readDetails(0)).toEqual({ erasedBy: 2 });
      expect(byIndex(await store.findEvents(probe.keys)).map((e) => e.partnerSeq)).toEqual([1, 2, 3, 5]);
    });

    test('typed events: a used sequence number, tag or erased target is CONFLICT and writes nothing', async () => {
      const { store, head: h0 } = await openLog();
      const storedTag = tagOf('a0a0', 'stored');
      const newTag = tagOf('b0b0', 'new');
      const counter = fakeHash('counter k');
      const b1 = eventBatch(
        h0,
        2,
        {
          events: [eventAt(0, 'dwp', 1), eventAt(1, 'dwp', 2)],
          details: [detailsAt(0), detailsAt(1)],
          tags: [{ tag: storedTag, leafIndex: 0 }],
          counters: [{ counterKey: counter, next: 1 }],
        },
        'b1',
      );
      await store.commitBatch(cas(h0), b1);
      // Entry 2 erases entry 1's details.
      const b2 = eventBatch(b1.head, 1, { events: [eventAt(2, 'dwp', 3, 'erasure', 1)], erasures: [{ targetIndex: 1, erasureIndex: 2 }] }, 'b2');
      await store.commitBatch(cas(b1.head), b2);
      expect(await store.readDetails(1)).toEqual({ erasedBy: 2 });

      const probe: EventProbe = {
        indices: [0, 1, 2, 3, 4],
        keys: [
          ...[1, 2, 3, 4, 5].map((partnerSeq) => ({ partnerId: 'dwp', partnerSeq })),
          { partnerId: 'council-b', partnerSeq: 1 },
        ],
        counters: [counter, fakeHash('counter k2')],
        prefixes: ['a0a0', 'b0b0'],
        partners: ['dwp', 'council-b'],
      };
      const before = await eventSnapshot(store, probe);

      // A good batch of two entries (3 and 4) on the head; each case breaks one unique key.
      const good = (): EventRows => ({
        events: [eventAt(3, 'council-b', 1), eventAt(4, 'dwp', 4, 'erasure', 0)],
        details: [detailsAt(3)],
        tags: [{ tag: newTag, leafIndex: 3 }],
        counters: [
          { counterKey: counter, next: 5 },
          { counterKey: fakeHash('counter k2'), next: 1 },
        ],
        erasures: [{ targetIndex: 0, erasureIndex: 4 }],
      });
      const cases: [string, Partial<EventRows>, RegExp][] = [
        ['a sequence number of an earlier batch', { events: [eventAt(3, 'council-b', 1), eventAt(4, 'dwp', 2, 'erasure', 0)] }, /sequence number/],
        ['a sequence number twice in the batch', { events: [eventAt(3, 'dwp', 5), eventAt(4, 'dwp', 5, 'erasure', 0)] }, /sequence number/],
        [
          'a tag of an earlier batch',
          {
            tags: [
              { tag: newTag, leafIndex: 3 },
              { tag: storedTag, leafIndex: 4 },
            ],
          },
          /subject tag/,
        ],
        [
          'a tag twice in the batch',
          {
            tags: [
              { tag: newTag, leafIndex: 3 },
              { tag: newTag, leafIndex: 4 },
            ],
          },
          /subject tag/,
        ],
        [
          'an entry erased by an earlier batch',
          {
            erasures: [
              { targetIndex: 0, erasureIndex: 4 },
              { targetIndex: 1, erasureIndex: 3 },
            ],
          },
          /already erased/,
        ],
        [
          'an entry erased twice in the batch',
          {
            erasures: [
              { targetIndex: 0, erasureIndex: 3 },
              { targetIndex: 0, erasureIndex: 4 },
            ],
          },
          /already erased/,
        ],
      ];
      for (const [what, change, message] of cases) {
        const batch = eventBatch(b2.head, 2, { ...good(), ...change }, `refused: ${what}`);
        const e = await expectRejectsWith(store.commitBatch(cas(b2.head), batch), 'CONFLICT');
        expect(e.message, what).toMatch(message);
        expect(await eventSnapshot(store, probe), what).toEqual(before);
        expect(await store.readDetails(0), what).toEqual(detailsAt(0));
      }

      // Nothing was left half-written: the good batch commits.
      const b3 = eventBatch(b2.head, 2, good(), 'good');
      await store.commitBatch(cas(b2.head), b3);
      expect(await store.readHead()).toEqual(b3.head);
      expect(await store.readDetails(0)).toEqual({ erasedBy: 4 });
      expect(await store.readDetails(3)).toEqual(detailsAt(3));
      expect(await store.readTagBucket(decodeHex('b0b0')!)).toEqual([{ tag: newTag, leafIndex: 3 }]);
      expect((await store.readCounters([counter])).get(encodeHex(counter))).toBe(5);
      expect(await store.partnerSequence('council-b', 10)).toEqual({ last: 1, count: 1, gaps: [], truncated: false });
    });

    test('typed events: an erasure deletes the details in its own commit, and readDetails and readEventsAt name it', async () => {
      const { store, head: h0 } = await openLog();
      const b1 = eventBatch(h0, 4, {
        events: [eventAt(0, 'dwp', 1), eventAt(1, 'dwp', 2), eventAt(2, 'dwp', 3)],
        details: [detailsAt(0), detailsAt(1, null), detailsAt(2)],
      });
      await store.commitBatch(cas(h0), b1);
      // Entry 4 erases entry 0's details; entry 5 erases raw entry 3, which has none.
      const b2 = eventBatch(b1.head, 2, {
        events: [eventAt(4, 'dwp', 4, 'erasure', 0), eventAt(5, 'dwp', 5, 'erasure', 3)],
        erasures: [
          { targetIndex: 0, erasureIndex: 4 },
          { targetIndex: 3, erasureIndex: 5 },
        ],
      });
      await store.commitBatch(cas(b1.head), b2);

      expect(await store.readDetails(0)).toEqual({ erasedBy: 4 });
      expect(await store.readDetails(1)).toEqual(detailsAt(1, null));
      expect(await store.readDetails(2)).toEqual(detailsAt(2));
      expect(await store.readDetails(3)).toBeUndefined(); // not an event: nothing to name
      expect(await store.readDetails(4)).toBeUndefined();
      expect(byIndex(await store.readEventsAt([0, 1, 2, 3, 4, 5]))).toEqual([
        { ...eventAt(0, 'dwp', 1), erasedBy: 4 },
        { ...eventAt(1, 'dwp', 2), erasedBy: null },
        { ...eventAt(2, 'dwp', 3), erasedBy: null },
        { ...eventAt(4, 'dwp', 4, 'erasure', 0), erasedBy: null },
        { ...eventAt(5, 'dwp', 5, 'erasure', 3), erasedBy: null },
      ]);
      // The event itself is still found by its sequence number.
      expect(await store.findEvents([{ partnerId: 'dwp', partnerSeq: 1 }])).toEqual([eventAt(0, 'dwp', 1)]);

      // A later batch erasing entry 1 leaves entry 0's erasure as it was.
      const b3 = eventBatch(b2.head, 1, { events: [eventAt(6, 'dwp', 6, 'erasure', 1)], erasures: [{ targetIndex: 1, erasureIndex: 6 }] });
      await store.commitBatch(cas(b2.head), b3);
      expect(await store.readDetails(1)).toEqual({ erasedBy: 6 });
      expect(await store.readDetails(0)).toEqual({ erasedBy: 4 });
      expect(await store.readDetails(2)).toEqual(detailsAt(2));

      // What happened to an entry since: the events that target it, by index, bounded.
      const b4 = eventBatch(b3.head, 3, {
        events: [eventAt(7, 'log-operator', 1, 'disclosure', 2), eventAt(8, 'dwp', 7, 'correction', 2), eventAt(9, 'log-operator', 2, 'disclosure', 2)],
      });
      await store.commitBatch(cas(b3.head), b4);
      expect(await store.readEventsTargeting(2, 10)).toEqual([
        { leafIndex: 7, type: 'disclosure' },
        { leafIndex: 8, type: 'correction' },
        { leafIndex: 9, type: 'disclosure' },
      ]);
      expect(await store.readEventsTargeting(2, 2)).toEqual([
        { leafIndex: 7, type: 'disclosure' },
        { leafIndex: 8, type: 'correction' },
      ]);
      expect(await store.readEventsTargeting(0, 10)).toEqual([{ leafIndex: 4, type: 'erasure' }]);
      expect(await store.readEventsTargeting(99, 10)).toEqual([]);
    });

    test('public-money records: a batch commits its rows and sealed values with its entries; a key taken twice is CONFLICT and writes nothing', async () => {
      const { store, head: h0 } = await openLog();
      const row = (leafIndex: number, dedupKey: string, target: number | null = null, partnerId = 'dwp'): MoneyRecordRow => ({
        leafIndex,
        partnerId,
        dedupKey,
        contentHash: fakeHash(`content ${leafIndex}`),
        recordType: target === null ? 'spend' : 'withdraw',
        recordKey: target === null ? dedupKey : null,
        target,
        recordDay: target === null ? '2026-01-15' : null,
      });
      const sealed = detailsAt(1, null);
      const b1: IntegratedBatch = { ...batchOn(h0, texts('records', 3)), money: { records: [row(0, '["spend","T1",1]'), row(1, '["spend","T2",1]'), row(2, '["spend","T1",1]', null, 'hmrc')], details: [sealed] } };
      await store.commitBatch(cas(h0), b1);
      expect(byIndex(await store.findMoneyRecords([{ partnerId: 'dwp', dedupKey: '["spend","T1",1]' }, { partnerId: 'hmrc', dedupKey: '["spend","T1",1]' }, { partnerId: 'dwp', dedupKey: 'none' }]))).toEqual([
        row(0, '["spend","T1",1]'),
        row(2, '["spend","T1",1]', null, 'hmrc'),
      ]);
      expect(await store.findMoneyRecords([])).toEqual([]);
      expect(byIndex(await store.readMoneyRecordsAt([2, 1, 7]))).toEqual([row(1, '["spend","T2",1]'), row(2, '["spend","T1",1]', null, 'hmrc')]);
      // The sealed values of a redacted record are details, read back as a typed event's are.
      expect(await store.readDetails(1)).toEqual(sealed);
      expect(await store.readDetails(0)).toBeUndefined();

      const b2: IntegratedBatch = { ...batchOn(b1.head, texts('again', 2)), money: { records: [row(3, 'withdraw/0', 0), row(4, '["spend","T2",1]')], details: [] } };
      await expectRejectsWith(store.commitBatch(cas(b1.head), b2), 'CONFLICT');
      expect((await store.readHead()).treeSize).toBe(3);
      expect(await store.readMoneyRecordsAt([3])).toEqual([]);
      const b3: IntegratedBatch = { ...batchOn(b1.head, texts('withdrawal', 1)), money: { records: [row(3, 'withdraw/0', 0)], details: [] } };
      await store.commitBatch(cas(b1.head), b3);
      expect(await store.readMoneyRecordsAt([3])).toEqual([row(3, 'withdraw/0', 0)]);
      // An amendment names a record committed before its batch, never one of its own batch.
      const b4: IntegratedBatch = { ...batchOn(b3.head, texts('ahead', 1)), money: { records: [row(4, 'withdraw/4', 4)], details: [] } };
      await expectRejectsWith(store.commitBatch(cas(b3.head), b4), 'INTERNAL');
    });

    test('public-money records: a period as it stands, by original index, with the latest amendment and the withdrawal, paged', async () => {
      const { store, head: h0 } = await openLog();
      const row = (leafIndex: number, recordType: string, day: string | null, target: number | null = null, partnerId = 'dwp'): MoneyRecordRow => ({
        leafIndex,
        partnerId,
        dedupKey: `k${leafIndex}`,
        contentHash: fakeHash(`content ${leafIndex}`),
        recordType,
        recordKey: recordType === 'withdraw' ? null : `key ${target ?? leafIndex}`,
        target,
        recordDay: day,
      });
      const rows = [
        row(0, 'spend', '2026-01-01'),
        row(1, 'spend', '2026-01-31'),
        row(2, 'spend', '2026-02-01'), // after the period, until its amendment (5) moves it in
        row(3, 'spend', '2026-01-10', null, 'hmrc'), // another body
        row(4, 'local-spend', '2026-01-10'), // another type
        row(5, 'amend', '2026-01-20', 2),
        row(6, 'amend', '2026-01-21', 0),
        row(7, 'amend', '2026-01-22', 0),
        row(8, 'withdraw', null, 1),
        row(9, 'repay', null, 0),
        row(10, 'spend', '2025-12-31'),
      ];
      // The originals first: what names a record comes in a later batch.
      const b1: IntegratedBatch = { ...batchOn(h0, texts('originals', 5)), money: { records: rows.slice(0, 5), details: [] } };
      await store.commitBatch(cas(h0), b1);
      const b2: IntegratedBatch = { ...batchOn(b1.head, texts('later', rows.length - 5)), money: { records: rows.slice(5), details: [] } };
      await store.commitBatch(cas(b1.head), b2);
      const data = (i: number) => [...b1.entries, ...b2.entries][i]!.data;
      const query = { partnerId: 'dwp', recordType: 'spend', from: '2026-01-01', to: '2026-01-31', after: -1, limit: 100 };
      expect(await store.readStandingRecords(query)).toEqual([
        { original: 0, current: 7, withdrawnBy: null, history: [6, 7, 9], data: data(7) },
        { original: 1, current: 1, withdrawnBy: 8, history: [8], data: data(1) },
        { original: 2, current: 5, withdrawnBy: null, history: [5], data: data(5) },
      ]);
      expect((await store.readStandingRecords({ ...query, limit: 2 })).map((r) => r.original)).toEqual([0, 1]);
      expect((await store.readStandingRecords({ ...query, after: 1 })).map((r) => r.original)).toEqual([2]);
      expect((await store.readStandingRecords({ ...query, partnerId: 'hmrc' })).map((r) => r.original)).toEqual([3]);
      expect(await store.readStandingRecords({ ...query, from: '2027-01-01', to: '2027-12-31' })).toEqual([]);
    });

    test('details by reveal hash: live details, erased ones naming their erasure, and nothing for an unknown hash, in one read', async () => {
      const { store, head: h0 } = await openLog();
      const b1 = eventBatch(h0, 4, {
        events: [eventAt(0, 'dwp', 1), eventAt(1, 'dwp', 2), eventAt(2, 'dwp', 3)],
        details: [detailsAt(0), detailsAt(1, null), detailsAt(2)],
      });
      await store.commitBatch(cas(h0), b1);
      const reveal = (i: number) => detailsAt(i).revealHash!;
      const unknown = fakeHash('a reveal hash no entry has');
      const key = (h: Hash) => encodeHex(h);
      expect(await store.readDetailsByRevealHash([])).toEqual(new Map());
      expect(await store.readDetailsByRevealHash([unknown, reveal(2), reveal(0)])).toEqual(
        new Map([
          [key(reveal(2)), detailsAt(2)],
          [key(reveal(0)), detailsAt(0)],
        ]),
      );
      // Entry 4 erases entry 0's details: its reveal hash still finds it, now naming the erasure.
      const b2 = eventBatch(b1.head, 1, { events: [eventAt(4, 'dwp', 4, 'erasure', 0)], erasures: [{ targetIndex: 0, erasureIndex: 4 }] });
      await store.commitBatch(cas(b1.head), b2);
      expect(await store.readDetailsByRevealHash([reveal(0), reveal(2), unknown, reveal(1)])).toEqual(
        new Map<string, unknown>([
          [key(reveal(0)), { leafIndex: 0, erasedBy: 4 }],
          [key(reveal(2)), detailsAt(2)],
        ]),
      );
      // An event without a reveal hash (about no claimant), erased, is found by none.
      const b3 = eventBatch(b2.head, 1, { events: [eventAt(5, 'dwp', 5, 'erasure', 1)], erasures: [{ targetIndex: 1, erasureIndex: 5 }] });
      await store.commitBatch(cas(b2.head), b3);
      expect(await store.readDetailsByRevealHash([reveal(1), new Uint8Array(32)])).toEqual(new Map());
      await expectRejectsWith(store.readDetailsByRevealHash([new Uint8Array(31)]), 'INTERNAL');
    });

    test('subject counters: absent keys are not in the map; a later batch overwrites', async () => {
      const { store, head: h0 } = await openLog();
      const [a, b, c] = ['a', 'b', 'c'].map((k) => fakeHash(`counter ${k}`)) as [Hash, Hash, Hash];
      expect(await store.readCounters([a, b, c])).toEqual(new Map());

      const b1 = eventBatch(h0, 1, {
        counters: [
          { counterKey: a, next: 1 },
          { counterKey: b, next: 3 },
        ],
      });
      await store.commitBatch(cas(h0), b1);
      expect(await store.readCounters([a, b, c])).toEqual(
        new Map([
          [encodeHex(a), 1],
          [encodeHex(b), 3],
        ]),
      );

      const b2 = eventBatch(b1.head, 1, {
        counters: [
          { counterKey: a, next: 2 },
          { counterKey: c, next: 2 ** 31 - 1 },
        ],
      });
      await store.commitBatch(cas(b1.head), b2);
      const after = await store.readCounters([c, b, a]);
      expect(after).toEqual(
        new Map([
          [encodeHex(a), 2],
          [encodeHex(b), 3],
          [encodeHex(c), 2 ** 31 - 1],
        ]),
      );
      for (const key of after.keys()) expect(key).toMatch(/^[0-9a-f]{64}$/);

      // One counter moved twice in a batch is the caller's bug: refused, nothing written.
      const twice = eventBatch(b2.head, 1, {
        counters: [
          { counterKey: a, next: 5 },
          { counterKey: a, next: 6 },
        ],
      });
      await expectRejectsWith(store.commitBatch(cas(b2.head), twice), 'INTERNAL');
      expect(await store.readHead()).toEqual(b2.head);
      expect(await store.readCounters([a])).toEqual(new Map([[encodeHex(a), 2]]));
    });

    test('tag buckets: every tag starting with the two bytes, by tag, including the 0000 and ffff edges', async () => {
      const { store, head: h0 } = await openLog();
      const all = [
        new Uint8Array(32), // the lowest tag of all
        tagOf('0000', 'a'),
        tagOf('0001', 'b'),
        new Uint8Array(32).fill(0xff), // the highest tag of all
        tagOf('ffff', 'c'),
        tagOf('fffe', 'd'),
        tagOf('ab12', 'e'),
        tagOf('ab12', 'f'),
        tagOf('ab13', 'g'),
        tagOf('12ab', 'h'),
        tagOf('ab11', 'i'),
        tagOf('ab12', 'j'),
        tagOf('00ff', 'k'),
        tagOf('0100', 'l'),
      ].map((tag, leafIndex) => ({ tag, leafIndex }));
      // In two batches, so a bucket spans commits.
      const b1 = eventBatch(h0, 7, { tags: all.slice(0, 7) });
      await store.commitBatch(cas(h0), b1);
      const b2 = eventBatch(b1.head, 7, { tags: all.slice(7) });
      await store.commitBatch(cas(b1.head), b2);

      const bucket = (prefix: string) => store.readTagBucket(decodeHex(prefix)!);
      const expected = (prefix: string) => byTag(all.filter((t) => encodeHex(t.tag).startsWith(prefix)));
      expect(await bucket('0000')).toEqual([all[0], all[1]]);
      expect(await bucket('ffff')).toEqual([all[4], all[3]]);
      expect((await bucket('ab12')).map((t) => t.leafIndex).sort((x, y) => x - y)).toEqual([6, 7, 11]);
      for (const prefix of ['0000', '0001', '00ff', '0100', 'ab11', 'ab12', 'ab13', '12ab', 'fffe', 'ffff']) {
        expect(await bucket(prefix), prefix).toEqual(expected(prefix));
      }
      expect(await bucket('5555')).toEqual([]);
      expect(await bucket('ab10')).toEqual([]);
      await expectRejectsWith(store.readTagBucket(new Uint8Array([0xab])), 'INTERNAL');
      await expectRejectsWith(store.readTagBucket(new Uint8Array([0xab, 0x12, 0x00])), 'INTERNAL');
    });

    test('partnerSequence: the last number, the count, and the gaps below it (a missing 1 too), at most limit', async () => {
      const { store, head: h0 } = await openLog();
      // dwp: 2 3 5 9 10 11 14; council-b: 1 2 3; other: 4 6 7 8 (filling none of dwp's gaps);
      // agency-a: 1 2 4 2^40. Out of order and interleaved, in two batches.
      const first: [string, number][] = [
        ['dwp', 9],
        ['council-b', 1],
        ['dwp', 2],
        ['other', 4],
        ['dwp', 14],
        ['agency-a', 4],
      ];
      const second: [string, number][] = [
        ['dwp', 3],
        ['council-b', 3],
        ['dwp', 5],
        ['other', 6],
        ['dwp', 11],
        ['council-b', 2],
        ['dwp', 10],
        ['other', 7],
        ['other', 8],
        ['agency-a', 1],
        ['agency-a', 2 ** 40],
        ['agency-a', 2],
      ];
      const b1 = eventBatch(h0, first.length, { events: first.map(([p, n], i) => eventAt(i, p, n)) });
      await store.commitBatch(cas(h0), b1);
      const b2 = eventBatch(b1.head, second.length, { events: second.map(([p, n], i) => eventAt(b1.head.treeSize + i, p, n)) });
      await store.commitBatch(cas(b1.head), b2);

      const dwpGaps = [
        { from: 1, to: 1 },
        { from: 4, to: 4 },
        { from: 6, to: 8 },
        { from: 12, to: 13 },
      ];
      expect(await store.partnerSequence('dwp', 100)).toEqual({ last: 14, count: 7, gaps: dwpGaps, truncated: false });
      expect(await store.partnerSequence('dwp', 4)).toEqual({ last: 14, count: 7, gaps: dwpGaps, truncated: false });
      expect(await store.partnerSequence('dwp', 3)).toEqual({ last: 14, count: 7, gaps: dwpGaps.slice(0, 3), truncated: true });
      expect(await store.partnerSequence('dwp', 1)).toEqual({ last: 14, count: 7, gaps: dwpGaps.slice(0, 1), truncated: true });
      expect(await store.partnerSequence('dwp', 0)).toEqual({ last: 14, count: 7, gaps: [], truncated: true });
      expect(await store.partnerSequence('council-b', 100)).toEqual({ last: 3, count: 3, gaps: [], truncated: false });
      expect(await store.partnerSequence('council-b', 0)).toEqual({ last: 3, count: 3, gaps: [], truncated: false });
      expect(await store.partnerSequence('other', 100)).toEqual({
        last: 8,
        count: 4,
        gaps: [
          { from: 1, to: 3 },
          { from: 5, to: 5 },
        ],
        truncated: false,
      });
      expect(await store.partnerSequence('agency-a', 100)).toEqual({
        last: 2 ** 40,
        count: 4,
        gaps: [
          { from: 3, to: 3 },
          { from: 5, to: 2 ** 40 - 1 },
        ],
        truncated: false,
      });
      expect(await store.partnerSequence('nobody', 100)).toEqual({ last: null, count: 0, gaps: [], truncated: false });
      expect(await store.partnerSequence('nobody', 0)).toEqual({ last: null, count: 0, gaps: [], truncated: false });
    });

    test('partnerSequence, kept as batches commit, equals a full scan of every number used, on random sequences', async () => {
      let { store, head } = await openLog();
      // A seeded generator (mulberry32): the same batches on every store and every run.
      let seed = 0x5e9;
      const random = (): number => {
        seed = (seed + 0x6d2b79f5) % 2 ** 32;
        let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
      };
      const partnerIds = ['dwp', 'council-b', 'agency-a'];
      const used = new Map<string, Set<number>>(partnerIds.map((p) => [p, new Set()]));
      /** The answer a scan of every number gives: the reference the kept summary must equal. */
      const scan = (p: string, limit: number) => {
        const numbers = [...(used.get(p) ?? [])].sort((a, b) => a - b);
        const gaps: { from: number; to: number }[] = [];
        let prev = 0;
        for (const n of numbers) {
          if (n > prev + 1) gaps.push({ from: prev + 1, to: n - 1 });
          prev = n;
        }
        return { last: numbers.at(-1) ?? null, count: numbers.length, gaps: gaps.slice(0, limit), truncated: gaps.length > limit };
      };
      for (let round = 0; round < 30; round++) {
        const batch: EventRecord[] = [];
        const size = 1 + Math.floor(random() * 12);
        while (batch.length < size) {
          const p = partnerIds[Math.floor(random() * partnerIds.length)]!;
          // Mostly small numbers (filling gaps, extending by one or a few), now and then a far jump.
          const n = random() < 0.05 ? 1 + Math.floor(random() * 2 ** 40) : 1 + Math.floor(random() * 80);
          if (used.get(p)!.has(n)) continue;
          used.get(p)!.add(n);
          batch.push(eventAt(head.treeSize + batch.length, p, n));
        }
        const next = eventBatch(head, batch.length, { events: batch });
        await store.commitBatch(cas(head), next);
        head = next.head;
        for (const p of [...partnerIds, 'nobody']) {
          for (const limit of [0, 1, 3, 1000]) expect(await store.partnerSequence(p, limit), `${p} after round ${round}, limit ${limit}`).toEqual(scan(p, limit));
        }
      }
    });

    test('witnessed checkpoints: the largest kept is read back; the same again is a no-op; another root for a kept size is CONFLICT', async () => {
      const { store } = await openLog();
      expect(await store.readWitnessedCheckpoint()).toBeUndefined();
      const at5 = { ...headAt(5), checkpoint: headAt(5).checkpoint + '— witness cosignature 5\n' };
      const at9 = headAt(9);
      await store.recordWitnessedCheckpoint(at9);
      await store.recordWitnessedCheckpoint(at5); // an older one, kept by a slower server
      expect(await store.readWitnessedCheckpoint()).toEqual(at9);
      await store.recordWitnessedCheckpoint(at9);
      await expectRejectsWith(store.recordWitnessedCheckpoint(headAt(9, 'another root')), 'CONFLICT');
      expect(await store.readWitnessedCheckpoint()).toEqual(at9);
      const at12 = headAt(12);
      await store.recordWitnessedCheckpoint(at12);
      const read = await store.readWitnessedCheckpoint();
      expect(read).toEqual(at12);
      read!.rootHash.fill(0); // a copy: changing it changes nothing stored
      expect(await store.readWitnessedCheckpoint()).toEqual(at12);
    });

    test('code lists: record, read the latest (highest leaf index) or by hash; a stored hash recorded again takes the later index', async () => {
      const store = await open();
      const version = (label: string, leafIndex: number): CodeListsVersion => ({
        sha256: fakeHash(`code lists ${label}`),
        body: `{"version":"${label}"}`,
        leafIndex,
      });
      const [v0, v1, v2] = [version('0', 1), version('1', 3), version('2', 10)] as [CodeListsVersion, CodeListsVersion, CodeListsVersion];
      expect(await store.readCodeLists()).toBeUndefined();
      expect(await store.readCodeLists(v1.sha256)).toBeUndefined();

      await store.recordCodeLists(v1);
      expect(await store.readCodeLists()).toEqual(v1);
      await store.recordCodeLists(v2);
      expect(await store.readCodeLists()).toEqual(v2);
      // Recorded last but with a lower leaf index: not the latest.
      await store.recordCodeLists(v0);
      expect(await store.readCodeLists()).toEqual(v2);
      for (const v of [v0, v1, v2]) expect(await store.readCodeLists(v.sha256)).toEqual(v);
      expect(await store.readCodeLists(fakeHash('unknown code lists'))).toBeUndefined();

      // The same hash again with a lower index changes nothing; with a higher one (the lists
      // changed back) it takes that index and keeps its body, and is the latest again.
      await store.recordCodeLists({ ...version('1', 2), body: '{"version":"changed"}' });
      expect(await store.readCodeLists(v1.sha256)).toEqual(version('1', 3));
      expect(await store.readCodeLists()).toEqual(v2);
      await store.recordCodeLists({ ...version('1', 20), body: '{"version":"changed"}' });
      expect(await store.readCodeLists(v1.sha256)).toEqual(version('1', 20));
      expect(await store.readCodeLists()).toEqual(version('1', 20));

      await expectRejectsWith(store.recordCodeLists({ ...v1, sha256: new Uint8Array(31) }), 'INTERNAL');

      const read = (await store.readCodeLists())!;
      expect(Object.getPrototypeOf(read.sha256)).toBe(Uint8Array.prototype);
      read.sha256.fill(0);
      expect(await store.readCodeLists()).toEqual(version('1', 20));
    });

    test('tag key checks: the first check of a year is kept, and returned to every later claim', async () => {
      const store = await open();
      const a = fakeHash('check a');
      const b = fakeHash('check b');
      expect(await store.claimTagKeyCheck('2026', a)).toEqual(a);
      expect(await store.claimTagKeyCheck('2026', b)).toEqual(a);
      expect(await store.claimTagKeyCheck('2027', b)).toEqual(b);
      await expectRejectsWith(store.claimTagKeyCheck('2028', new Uint8Array(31)), 'INTERNAL');
    });

    test('event indices, sequence numbers and targets past 2^32 come back exact', async () => {
      const big = 2 ** 40;
      const { store, head } = await openLog(big);
      const target = 2 ** 33;
      const b = eventBatch(head, 2, {
        events: [eventAt(big, 'dwp', 2 ** 45), eventAt(big + 1, 'dwp', 2 ** 45 + 1, 'erasure', target)],
        details: [detailsAt(big)],
        tags: [{ tag: tagOf('7777', 'big'), leafIndex: big + 1 }],
        counters: [{ counterKey: fakeHash('big counter'), next: 7 }],
        erasures: [{ targetIndex: target, erasureIndex: big + 1 }],
      });
      await store.commitBatch(cas(head), b);
      expect(byIndex(await store.readEventsAt([big + 1, big, target]))).toEqual([
        { ...eventAt(big, 'dwp', 2 ** 45), erasedBy: null },
        { ...eventAt(big + 1, 'dwp', 2 ** 45 + 1, 'erasure', target), erasedBy: null },
      ]);
      expect(await store.findEvents([{ partnerId: 'dwp', partnerSeq: 2 ** 45 + 1 }])).toEqual([eventAt(big + 1, 'dwp', 2 ** 45 + 1, 'erasure', target)]);
      expect(await store.readDetails(big)).toEqual(detailsAt(big));
      expect(await store.readDetailsByRevealHash([detailsAt(big).revealHash!])).toEqual(new Map([[encodeHex(detailsAt(big).revealHash!), detailsAt(big)]]));
      expect(await store.readDetails(target)).toBeUndefined();
      expect(await store.readTagBucket(decodeHex('7777')!)).toEqual([{ tag: tagOf('7777', 'big'), leafIndex: big + 1 }]);
      expect(await store.partnerSequence('dwp', 10)).toEqual({ last: 2 ** 45 + 1, count: 2, gaps: [{ from: 1, to: 2 ** 45 - 1 }], truncated: false });
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

    // --- The read-only guard: the end of a temporal shard ---------------------------------

    test('a log is writable until finalized: readLifecycle is undefined, also before the log exists', async () => {
      const store = await open();
      expect(await store.readLifecycle()).toBeUndefined();
      await store.createLog(META, headAt(0));
      expect(await store.readLifecycle()).toBeUndefined();
    });

    test('finalizeLog stores the final checkpoint; from then on commitBatch is LOG_READ_ONLY and writes nothing', async () => {
      const { store, head } = await openLog();
      const b1 = eventBatch(head, 2, { events: [eventAt(0, 'dwp', 1)], details: [detailsAt(0)], tags: [{ tag: tagOf('0a0b', 'x'), leafIndex: 0 }] }, 'before the end');
      await store.commitBatch(cas(head), { ...b1, tiles: [tileOf(0, 0, 2, 'before')] });
      const final: TreeHead = { ...b1.head, checkpoint: `${b1.head.checkpoint}— the final signature\n` };
      await store.finalizeLog(cas(b1.head), final);
      const lifecycle = await store.readLifecycle();
      expect(lifecycle?.finalCheckpoint).toBe(final.checkpoint);
      expect(lifecycle?.readOnlyAt).toBeInstanceOf(Date);
      expect(await store.readHead()).toEqual(final);

      const probe = { indices: [0, 1, 2, 3], keys: [{ partnerId: 'dwp', partnerSeq: 1 }, { partnerId: 'dwp', partnerSeq: 2 }], counters: [], prefixes: ['0a0b', '0c0d'], partners: ['dwp'] };
      const before = { ...(await snapshot(store, ['late 0', 'late 1'], [{ level: 0, index: 0 }])), events: await eventSnapshot(store, probe) };
      // The very batch a sequencer would build on the final head: refused, with its event rows.
      const late = eventBatch(final, 2, { events: [eventAt(2, 'dwp', 2)], details: [detailsAt(2)], tags: [{ tag: tagOf('0c0d', 'y'), leafIndex: 2 }] }, 'late');
      const e = await expectRejectsWith(store.commitBatch(cas(final), { ...late, tiles: [tileOf(0, 0, 4, 'late')] }), 'LOG_READ_ONLY');
      expect(e.message).toMatch(/finalized/);
      // On a stale head too: read-only wins over the lost race.
      await expectRejectsWith(store.commitBatch(cas(head), batchOn(head, ['late 0'])), 'LOG_READ_ONLY');
      const after = { ...(await snapshot(store, ['late 0', 'late 1'], [{ level: 0, index: 0 }])), events: await eventSnapshot(store, probe) };
      expect(after).toEqual(before);
      expect(await store.readHead()).toEqual(final);
    });

    test('finalizing again at the same tree is a no-op that keeps the first final checkpoint; at another head it is CONFLICT', async () => {
      const { store, head } = await openLog();
      const b1 = batchOn(head, ['one', 'two']);
      await store.commitBatch(cas(head), b1);
      // A stale expected head (another writer committed since): CONFLICT, and still writable.
      await expectRejectsWith(store.finalizeLog(cas(head), head), 'CONFLICT');
      expect(await store.readLifecycle()).toBeUndefined();

      const first: TreeHead = { ...b1.head, checkpoint: `${b1.head.checkpoint}— server a\n` };
      await store.finalizeLog(cas(b1.head), first);
      const lifecycle = await store.readLifecycle();
      // Another server finalizing the same tree with its own signature changes nothing.
      await store.finalizeLog(cas(b1.head), { ...b1.head, checkpoint: `${b1.head.checkpoint}— server b\n` });
      expect(await store.readLifecycle()).toEqual(lifecycle);
      expect(await store.readHead()).toEqual(first);
      // Finalized at another tree than the one asked: CONFLICT.
      await expectRejectsWith(store.finalizeLog(cas(head), head), 'CONFLICT');
      // A final head of another tree than the expected one is a caller's bug.
      const other = await open();
      await other.createLog(META, headAt(0));
      await expectRejectsWith(other.finalizeLog(cas(headAt(0)), headAt(1)), 'INTERNAL');
    });

    test('a read-only log still keeps witnessed checkpoints, code lists, tag key checks and accounts', async () => {
      const { store, head } = await openLog();
      const b1 = batchOn(head, ['one']);
      await store.commitBatch(cas(head), b1);
      await store.finalizeLog(cas(b1.head), b1.head);
      const witnessed: TreeHead = { ...b1.head, checkpoint: `${b1.head.checkpoint}— a witness\n` };
      await store.recordWitnessedCheckpoint(witnessed);
      expect(await store.readWitnessedCheckpoint()).toEqual(witnessed);
      const lists: CodeListsVersion = { sha256: fakeHash('lists'), body: '{}', leafIndex: 0 };
      await store.recordCodeLists(lists);
      expect(await store.readCodeLists()).toEqual(lists);
      expect(await store.claimTagKeyCheck('2026', fakeHash('check'))).toEqual(fakeHash('check'));
      await store.addPartner({ id: 'dwp', name: null, tokenHash: fakeHash('token'), publicKey: null });
      await store.revokePartner('dwp');
      await store.addOperator({ id: 'ops', tokenHash: fakeHash('ops token') });
      expect((await store.listOperators()).map((o) => o.id)).toEqual(['ops']);
    });

    test('a finalize racing a commit on the same head: exactly one wins, and the other says why', async () => {
      for (let round = 0; round < 5; round++) {
        const { store, head } = await openLog(round);
        const batch = batchOn(head, [`race ${round}`]);
        const [commit, finalize] = await Promise.allSettled([store.commitBatch(cas(head), batch), store.finalizeLog(cas(head), head)]);
        if (commit.status === 'fulfilled') {
          expect(finalize.status).toBe('rejected');
          expect(((finalize as PromiseRejectedResult).reason as LogError).code).toBe('CONFLICT');
          expect(await store.readLifecycle()).toBeUndefined();
          expect(await store.readHead()).toEqual(batch.head);
        } else {
          expect(finalize.status).toBe('fulfilled');
          expect((commit.reason as LogError).code).toBe('LOG_READ_ONLY');
          expect(await store.readHead()).toEqual(head);
          expect(await store.readEntries(round, 1)).toEqual([]);
        }
      }
    });

    test('a closed store refuses work with UNAVAILABLE', async () => {
      const { store } = await openLog();
      await store.close();
      await expectRejectsWith(store.readHead(), 'UNAVAILABLE');
      await expectRejectsWith(store.ping(), 'UNAVAILABLE');
      await expectRejectsWith(store.readDetails(0), 'UNAVAILABLE');
      await expectRejectsWith(store.partnerSequence('dwp', 10), 'UNAVAILABLE');
      await expectRejectsWith(store.listOperators(), 'UNAVAILABLE');
    });
  });
}

// --- Details at rest and the erasure purge: the PostgreSQL store on either driver ---------

/**
 * What the PostgreSQL store adds for erasure (src/storage/sealed-details.ts,
 * src/storage/erasure-purge.ts), checked through its tables: details are stored only sealed,
 * under a key per entry in the partition of its leaf index; an erasure deletes the key with
 * them; the purge rewrites exactly the partitions that held erased keys (and `entry_details`
 * once, after rows stored in the clear were sealed), moves the WAL past them, and runs by
 * itself after an erasure and when the store closes. `handle` is the file's one database.
 * That nothing of it is left in the files is checked end to end (test/e2e/erasure-files.test.ts,
 * test/e2e/postgres-erasure.test.ts).
 */
export function describeDetailsAtRest(name: string, handle: () => DatabaseHandle, schema?: string): void {
  describe(`Details at rest and the erasure purge: ${name}`, () => {
    const table = (name: string) => tableOf(schema, name);
    let opened: PgLogStore[] = [];
    afterEach(async () => {
      const closing = opened;
      opened = [];
      for (const s of closing) await s.close();
    });
    /** A store whose purges run only when a test asks, unless `options` say otherwise. */
    function storeOf(options: Omit<PgLogStoreOptions, 'faults'> = {}): PgLogStore {
      const store = sharedStore(handle(), undefined, { purgeDelayMs: 3_600_000, ...(schema === undefined ? {} : { schema }), ...options });
      opened.push(store);
      return store;
    }
    async function openLog(size = 0, options: Omit<PgLogStoreOptions, 'faults'> = {}): Promise<{ store: PgLogStore; head: TreeHead }> {
      await emptyDatabase(handle(), schema);
      const store = storeOf(options);
      const head = headAt(size);
      await store.createLog(META, head);
      return { store, head };
    }
    const query = async (statement: SQL) => rowsOf(await handle().db.execute(statement));
    const storedKeys = async () =>
      (await query(sql`select leaf_index, key, tableoid::regclass::text as part from ${table('detail_keys')} order by leaf_index`)).map((r) => ({
        leafIndex: Number(r['leaf_index']),
        size: byteaFromDriver(r['key']).length,
        // Named with its schema when that is not on the search path.
        partition: String(r['part']).replace(/^.*\./, ''),
      }));
    const purged = (report: Partial<ErasurePurge>): ErasurePurge => ({ through: null, sealed: 0, rewritten: [], walFlushed: false, problems: [], ...report });
    const contains = (haystack: Uint8Array, needle: Uint8Array) => Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0;

    test('details are stored only sealed, each under a key of its own in the partition of its leaf index, and read back', async () => {
      const { store, head } = await openLog();
      const marker = 'contract-marker-7c1f0a';
      const d0 = { ...detailsAt(0), details: JSON.stringify({ note: marker }) };
      const b1 = eventBatch(head, 3, { events: [eventAt(0, 'dwp', 1), eventAt(1, 'dwp', 2)], details: [d0, detailsAt(1, null)] });
      await store.commitBatch(cas(head), b1);
      expect(await store.readDetails(0)).toEqual(d0);
      expect(await store.readDetails(1)).toEqual(detailsAt(1, null));

      const rows = await query(sql`select leaf_index, sealed, details, opening, reveal_hash from ${table('entry_details')} order by leaf_index`);
      expect(rows.map((r) => [Number(r['leaf_index']), r['details'], r['opening']])).toEqual([
        [0, null, null],
        [1, null, null],
      ]);
      for (const [row, d] of [
        [rows[0]!, d0],
        [rows[1]!, detailsAt(1, null)],
      ] as const) {
        const sealed = byteaFromDriver(row['sealed']);
        expect(contains(sealed, utf8(d.details))).toBe(false);
        expect(contains(sealed, d.opening)).toBe(false);
      }
      expect(contains(byteaFromDriver(rows[0]!['sealed']), utf8(marker))).toBe(false);
      expect(await storedKeys()).toEqual([
        { leafIndex: 0, size: 32, partition: 'detail_keys_0' },
        { leafIndex: 1, size: 32, partition: 'detail_keys_0' },
      ]);
    });

    test('an erasure deletes the key with the details; the purge rewrites the partition that held it and moves the WAL past it, once', async () => {
      const { store, head } = await openLog();
      // A fresh database's first purge rewrites entry_details once (no row in the clear can be left in it).
      expect(await store.purgeErased()).toEqual(purged({ rewritten: ['entry_details'], walFlushed: true }));
      expect(await store.purgeErased()).toEqual(purged({}));

      const b1 = eventBatch(head, 2, { events: [eventAt(0, 'dwp', 1), eventAt(1, 'dwp', 2)], details: [detailsAt(0), detailsAt(1)] });
      await store.commitBatch(cas(head), b1);
      const b2 = eventBatch(b1.head, 1, { events: [eventAt(2, 'dwp', 3, 'erasure', 0)], erasures: [{ targetIndex: 0, erasureIndex: 2 }] });
      await store.commitBatch(cas(b1.head), b2);
      expect((await storedKeys()).map((k) => k.leafIndex)).toEqual([1]);
      expect((await query(sql`select leaf_index from ${table('entry_details')}`)).map((r) => Number(r['leaf_index']))).toEqual([1]);

      expect(await store.purgeErased()).toEqual(purged({ through: 2, rewritten: ['detail_keys_0'], walFlushed: true }));
      expect(await store.purgeErased()).toEqual(purged({}));
      expect(Number((await query(sql`select purged_through from ${table('erasure_state')}`))[0]!['purged_through'])).toBe(2);
      expect(await store.readDetails(0)).toEqual({ erasedBy: 2 });
      expect(await store.readDetails(1)).toEqual(detailsAt(1));
    });

    test('keys go to the partition of their leaf index, and a purge rewrites only the partitions of erased entries', async () => {
      const edge = KEY_PARTITION_SIZE;
      const { store, head } = await openLog(edge - 1);
      await store.purgeErased();
      const b1 = eventBatch(head, 2, { events: [eventAt(edge - 1, 'dwp', 1), eventAt(edge, 'dwp', 2)], details: [detailsAt(edge - 1), detailsAt(edge)] });
      await store.commitBatch(cas(head), b1);
      expect(await storedKeys()).toEqual([
        { leafIndex: edge - 1, size: 32, partition: 'detail_keys_0' },
        { leafIndex: edge, size: 32, partition: 'detail_keys_1' },
      ]);
      const b2 = eventBatch(b1.head, 1, { events: [eventAt(edge + 1, 'dwp', 3, 'erasure', edge)], erasures: [{ targetIndex: edge, erasureIndex: edge + 1 }] });
      await store.commitBatch(cas(b1.head), b2);
      expect(await store.purgeErased()).toEqual(purged({ through: edge + 1, rewritten: ['detail_keys_1'], walFlushed: true }));
      expect(await store.readDetails(edge - 1)).toEqual(detailsAt(edge - 1));
      expect(await store.readDetails(edge)).toEqual({ erasedBy: edge + 1 });
    });

    test('the store purges by itself soon after an erasure, and when it closes with one waiting', async () => {
      const outcomes: unknown[] = [];
      const { store, head } = await openLog(0, { purgeDelayMs: 0, onPurge: (outcome) => outcomes.push(outcome) });
      const b1 = eventBatch(head, 2, { events: [eventAt(0, 'dwp', 1), eventAt(1, 'dwp', 2)], details: [detailsAt(0), detailsAt(1)] });
      await store.commitBatch(cas(head), b1);
      expect(outcomes).toEqual([]); // no erasure, no purge
      const b2 = eventBatch(b1.head, 1, { events: [eventAt(2, 'dwp', 3, 'erasure', 0)], erasures: [{ targetIndex: 0, erasureIndex: 2 }] });
      await store.commitBatch(cas(b1.head), b2);
      await until(() => outcomes.length > 0, 'the purge after the erasure');
      expect(outcomes).toEqual([{ report: purged({ through: 2, rewritten: ['entry_details', 'detail_keys_0'], walFlushed: true }) }]);

      // A store that would wait an hour: closing it runs the purge now.
      const waiting = storeOf();
      const b3 = eventBatch(b2.head, 1, { events: [eventAt(3, 'dwp', 4, 'erasure', 1)], erasures: [{ targetIndex: 1, erasureIndex: 3 }] });
      await waiting.commitBatch(cas(b2.head), b3);
      expect(Number((await query(sql`select purged_through from ${table('erasure_state')}`))[0]!['purged_through'])).toBe(2);
      await waiting.close();
      expect(Number((await query(sql`select purged_through from ${table('erasure_state')}`))[0]!['purged_through'])).toBe(3);
    });

    test('rows stored in the clear before details were sealed are sealed by the purge and read back unchanged', async () => {
      const { store, head } = await openLog();
      await store.purgeErased();
      const b1 = eventBatch(head, 3, { events: [eventAt(0, 'dwp', 1), eventAt(1, 'dwp', 2), eventAt(2, 'dwp', 3)], details: [detailsAt(2)] });
      await store.commitBatch(cas(head), b1);
      // As an earlier version stored them.
      for (const d of [detailsAt(0), detailsAt(1, null)]) {
        await query(sql`insert into ${table('entry_details')} (leaf_index, details, opening, reveal_hash) values (${d.leafIndex}, ${d.details}, ${d.opening}::bytea, ${d.revealHash}::bytea)`);
      }
      expect(await store.readDetails(0)).toEqual(detailsAt(0));
      expect(await store.readDetails(1)).toEqual(detailsAt(1, null));

      expect(await store.purgeErased()).toEqual(purged({ sealed: 2, rewritten: ['entry_details'], walFlushed: true }));
      const rows = await query(sql`select leaf_index, details, opening, sealed is not null as sealed from ${table('entry_details')} order by leaf_index`);
      expect(rows.map((r) => [Number(r['leaf_index']), r['details'], r['opening'], r['sealed']])).toEqual([
        [0, null, null, true],
        [1, null, null, true],
        [2, null, null, true],
      ]);
      expect((await storedKeys()).map((k) => k.leafIndex)).toEqual([0, 1, 2]);
      expect(await store.readDetails(0)).toEqual(detailsAt(0));
      expect(await store.readDetails(1)).toEqual(detailsAt(1, null));
      expect(await store.readDetails(2)).toEqual(detailsAt(2));
      expect(await store.purgeErased()).toEqual(purged({}));
    });

    test('sealed details moved to another entry, or left without their key, are INTERNAL, never other details', async () => {
      const { store, head } = await openLog();
      const b1 = eventBatch(head, 2, { events: [eventAt(0, 'dwp', 1), eventAt(1, 'dwp', 2)], details: [detailsAt(0), detailsAt(1)] });
      await store.commitBatch(cas(head), b1);
      await query(sql`update ${table('entry_details')} set sealed = (select sealed from ${table('entry_details')} where leaf_index = 1) where leaf_index = 0`);
      expect((await expectRejectsWith(store.readDetails(0), 'INTERNAL')).message).toMatch(/^the stored details of entry 0 cannot be opened/);
      await query(sql`delete from ${table('detail_keys')} where leaf_index = 1`);
      expect((await expectRejectsWith(store.readDetails(1), 'INTERNAL')).message).toBe('the details of entry 1 are stored without their key');
    });

    test('erasureSettingProblems names wal_recycle exactly when the server recycles WAL; PGlite is started so that nothing defeats the purge', async () => {
      const { store } = await openLog();
      const problems = await store.erasureSettingProblems();
      const recycling = (await query(sql`select setting from pg_settings where name = 'wal_recycle'`))[0]!['setting'];
      expect(problems.some((p) => p.startsWith('wal_recycle is on: '))).toBe(recycling === 'on');
      if (handle().kind === 'pglite') expect(problems).toEqual([]);
    });
  });
}
