/**
 * PgWitnessStore: the witness's compare-and-swap on PGlite (always) and on a PostgreSQL
 * server (when DATABASE_URL is set: a database of its own, made and dropped here).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { bytesEqual, encodeHex } from '../../src/encoding/index.js';
import type { Hash } from '../../src/merkle/index.js';
import { ed25519Cosigner } from '../../src/note/index.js';
import { type DatabaseHandle, PgWitnessStore, migrateDatabase, openDatabase } from '../../src/storage/index.js';
import { type WitnessedState, createWitness } from '../../src/witness/index.js';
import { TestLog } from '../support/witness-log.js';

const ORIGIN = 'example.com/log';
const root = (byte: number): Hash => new Uint8Array(32).fill(byte);
const state = (treeSize: number, byte: number): WitnessedState => ({ treeSize, rootHash: root(byte), checkpoint: `checkpoint ${treeSize} ${byte}\n` });

interface Target {
  /** Opens another handle on the same database ("another process"), or undefined for PGlite. */
  readonly other: () => Promise<DatabaseHandle> | undefined;
  readonly handle: () => DatabaseHandle;
}

function describeWitnessStore(name: string, target: Target): void {
  describe(name, () => {
    let store: PgWitnessStore;
    beforeEach(async () => {
      await target.handle().db.execute(sql`truncate table witness_state`);
      store = new PgWitnessStore({ db: target.handle().db, close: async () => {} });
    });

    test('no state, then the first swap from undefined stores it, exactly', async () => {
      expect(await store.latest(ORIGIN)).toBeUndefined();
      const first = state(2 ** 40 + 1, 1); // sizes past 2^32 are kept exactly
      expect(await store.compareAndSwap(ORIGIN, undefined, first)).toBe(true);
      const read = await store.latest(ORIGIN);
      expect(read).toEqual(first);
      expect(read!.rootHash).toBeInstanceOf(Uint8Array);
      expect(await store.latest('example.com/other')).toBeUndefined();
    });

    test('a swap from undefined loses once a state exists', async () => {
      expect(await store.compareAndSwap(ORIGIN, undefined, state(1, 1))).toBe(true);
      expect(await store.compareAndSwap(ORIGIN, undefined, state(5, 2))).toBe(false);
      expect(await store.latest(ORIGIN)).toEqual(state(1, 1));
    });

    test('a swap needs both the expected size and the expected root', async () => {
      await store.compareAndSwap(ORIGIN, undefined, state(3, 3));
      expect(await store.compareAndSwap(ORIGIN, { treeSize: 4, rootHash: root(3) }, state(9, 9))).toBe(false);
      expect(await store.compareAndSwap(ORIGIN, { treeSize: 3, rootHash: root(4) }, state(9, 9))).toBe(false);
      expect(await store.compareAndSwap(ORIGIN, { treeSize: 3, rootHash: root(3) }, state(9, 9))).toBe(true);
      expect(await store.latest(ORIGIN)).toEqual(state(9, 9));
      // The same size again (a re-cosigned checkpoint) is allowed, going back is a bug.
      expect(await store.compareAndSwap(ORIGIN, { treeSize: 9, rootHash: root(9) }, { ...state(9, 9), checkpoint: 'again\n' })).toBe(true);
      await expect(store.compareAndSwap(ORIGIN, { treeSize: 9, rootHash: root(9) }, state(8, 8))).rejects.toMatchObject({ code: 'INTERNAL' });
    });

    test('a swap with an expected state for an origin that has none loses', async () => {
      expect(await store.compareAndSwap(ORIGIN, { treeSize: 0, rootHash: root(0) }, state(1, 1))).toBe(false);
      expect(await store.latest(ORIGIN)).toBeUndefined();
    });

    test('origins are independent', async () => {
      await store.compareAndSwap('a.example/log', undefined, state(1, 1));
      await store.compareAndSwap('b.example/log', undefined, state(2, 2));
      expect((await store.latest('a.example/log'))?.treeSize).toBe(1);
      expect((await store.latest('b.example/log'))?.treeSize).toBe(2);
    });

    test('refuses malformed states (caller bugs) without touching the row', async () => {
      await expect(store.compareAndSwap(ORIGIN, undefined, { treeSize: -1, rootHash: root(1), checkpoint: 'x' })).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(store.compareAndSwap(ORIGIN, undefined, { treeSize: 1, rootHash: new Uint8Array(31), checkpoint: 'x' })).rejects.toMatchObject({ code: 'INTERNAL' });
      expect(await store.latest(ORIGIN)).toBeUndefined();
    });

    test('concurrent swaps from one state: exactly one wins', async () => {
      await store.compareAndSwap(ORIGIN, undefined, state(1, 1));
      const stores = [store, ...(await extraStores(target, 2))];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => stores[i % stores.length]!.compareAndSwap(ORIGIN, { treeSize: 1, rootHash: root(1) }, state(2 + i, 10 + i))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await store.latest(ORIGIN)).toEqual(state(2 + winner, 10 + winner));
    });

    test('racing writers that each read, then swap to a larger size: the state never goes back', async () => {
      const stores = [store, ...(await extraStores(target, 2))];
      const wins: { expected: number | undefined; next: WitnessedState }[] = [];
      let counter = 0;
      await Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          const own = stores[w % stores.length]!;
          for (let i = 0; i < 15; i++) {
            const current = await own.latest(ORIGIN);
            const next = state((current?.treeSize ?? 0) + 1 + (counter++ % 3), (w * 16 + i) % 250);
            const expected = current === undefined ? undefined : { treeSize: current.treeSize, rootHash: current.rootHash };
            if (await own.compareAndSwap(ORIGIN, expected, next)) wins.push({ expected: current?.treeSize, next });
          }
        }),
      );
      expect(wins.length).toBeGreaterThan(0);
      // Each win is built on the one before: a chain, growing, never rolled back.
      const bySize = [...wins].sort((a, b) => a.next.treeSize - b.next.treeSize);
      expect(bySize[0]!.expected).toBeUndefined();
      for (let i = 1; i < bySize.length; i++) expect(bySize[i]!.expected).toBe(bySize[i - 1]!.next.treeSize);
      expect((await store.latest(ORIGIN))?.treeSize).toBe(bySize.at(-1)!.next.treeSize);
    });

    test('the witness over this store: concurrent add-checkpoint requests never cosign two roots for one size', async () => {
      const cosigner = ed25519Cosigner('witness.example/w1', new Uint8Array(32).fill(1));
      const log = new TestLog();
      log.grow(12);
      const fork = log.fork(4);
      fork.grow(8, 'fork');
      const stores = [store, ...(await extraStores(target, 1))];
      const witnesses = stores.map((s) => createWitness({ cosigner, logs: [{ origin: log.origin, verifiers: [log.verifier] }], store: s, now: () => 1_700_000_000 }));
      expect((await witnesses[0]!.addCheckpoint(await log.request(0, 4))).status).toBe(200);
      const bodies = [...(await Promise.all([6, 8, 12].map((n) => log.request(4, n)))), ...(await Promise.all([6, 8, 12].map((n) => fork.request(4, n))))];
      const results = await Promise.all(bodies.map((b, i) => witnesses[i % witnesses.length]!.addCheckpoint(b)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      const final = (await store.latest(log.origin))!;
      expect(bytesEqual(final.rootHash, log.root(final.treeSize)) || bytesEqual(final.rootHash, fork.root(final.treeSize))).toBe(true);
    });
  });
}

/** `n` more stores on the same database, through their own connections where the driver allows. */
const openedExtra: DatabaseHandle[] = [];
async function extraStores(target: Target, n: number): Promise<PgWitnessStore[]> {
  const stores: PgWitnessStore[] = [];
  for (let i = 0; i < n; i++) {
    const other = await target.other();
    if (other === undefined) stores.push(new PgWitnessStore({ db: target.handle().db, close: async () => {} }));
    else {
      openedExtra.push(other);
      stores.push(new PgWitnessStore(other));
    }
  }
  return stores;
}
afterAll(async () => {
  for (const h of openedExtra) await h.close();
});

// ---- PGlite, in memory -------------------------------------------------------------
let pglite: DatabaseHandle;
beforeAll(async () => {
  pglite = await openDatabase({ memory: true });
  await migrateDatabase(pglite);
});
afterAll(() => pglite?.close());
describeWitnessStore('PgWitnessStore on PGlite', { handle: () => pglite, other: () => undefined });

// ---- PostgreSQL, when DATABASE_URL is set -------------------------------------------
const serverUrl = process.env.DATABASE_URL;
describe.skipIf(serverUrl === undefined)('on PostgreSQL', () => {
  let admin: postgres.Sql;
  let handle: DatabaseHandle;
  let url: string;
  const name = `sightline_test_${encodeHex(randomBytes(6))}`;
  beforeAll(async () => {
    admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const u = new URL(serverUrl!);
    u.pathname = `/${name}`;
    url = u.toString();
    handle = await openDatabase({ databaseUrl: url });
    await migrateDatabase(handle);
  });
  afterAll(async () => {
    for (const h of openedExtra.splice(0)) await h.close();
    await handle?.close();
    await admin?.unsafe(`drop database if exists ${name} with (force)`);
    await admin?.end();
  });
  describeWitnessStore('PgWitnessStore on PostgreSQL', { handle: () => handle, other: () => openDatabase({ databaseUrl: url }) });
});
