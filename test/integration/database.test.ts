/**
 * Opening and migrating databases: migrations are idempotent and a newer schema is refused
 * (on one migrated in-memory PGlite), the PGlite data directory is locked against a second
 * process and survives a reopen, and an unreachable server fails with UNAVAILABLE.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type DatabaseHandle,
  LOCK_FILE,
  PgLogStore,
  latestMigration,
  migrateDatabase,
  openDatabase,
} from '../../src/storage/index.js';
import { META, batchOn, expectRejectsWith, headAt, tileOf } from '../support/log-store-contract.js';
import { exited, spawnTracked, stopProcess } from '../support/processes.js';
import { tempDir } from '../support/temp.js';

/**
 * One migrated in-memory database for the migration tests (opening a PGlite, or loading a
 * copy of one, is the costly part): each leaves the migration records as it found them.
 */
let migrated: DatabaseHandle;
beforeAll(async () => {
  migrated = await openDatabase({ memory: true });
  await migrateDatabase(migrated);
});
afterAll(() => migrated?.close());

async function appliedMigrations(handle: DatabaseHandle): Promise<{ hash: string; created_at: number }[]> {
  if (handle.kind !== 'pglite') throw new Error('PGlite only');
  return (await handle.client.query<{ hash: string; created_at: number }>('select hash, created_at from drizzle.__drizzle_migrations order by id')).rows;
}

describe('migrateDatabase', () => {
  test('creates every table, records each migration, and a second run changes nothing', async () => {
    const handle = migrated;
    const applied = await appliedMigrations(handle);
    expect(applied.at(-1)?.created_at).toBe(latestMigration().when);
    const store = new PgLogStore({ db: handle.db, close: async () => {} });
    await store.createLog(META, headAt(0));
    await store.commitBatch({ treeSize: 0, rootHash: headAt(0).rootHash }, batchOn(headAt(0), ['kept'], [tileOf(0, 0, 1)]));

    await migrateDatabase(handle);
    await migrateDatabase(handle);
    expect(await appliedMigrations(handle)).toEqual(applied);
    expect((await store.readHead()).treeSize).toBe(1);
    expect(await store.readEntries(0, 1)).toEqual([new TextEncoder().encode('kept')]);
  });

  test('refuses a database migrated by a newer Sightline with UNAVAILABLE', async () => {
    const handle = migrated;
    await handle.db.execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('from the future', ${latestMigration().when + 1})`);
    try {
      const e = await expectRejectsWith(migrateDatabase(handle), 'UNAVAILABLE');
      expect(e.message).toMatch(/^the database schema is newer than this version of Sightline/);
    } finally {
      await handle.db.execute(sql`delete from drizzle.__drizzle_migrations where hash = 'from the future'`);
    }
  });

  test('the migrations folder is found from the source tree', () => {
    const { tag } = latestMigration();
    expect(existsSync(join(import.meta.dirname, '..', '..', 'migrations', `${tag}.sql`))).toBe(true);
  });
});

describe('PGlite data directory', () => {
  const dir = tempDir('datadir');
  const lockPath = join(dir, LOCK_FILE);

  /** Opens the directory, runs `fn` on a store over it, closes. */
  async function withStore<T>(fn: (store: PgLogStore, handle: DatabaseHandle) => Promise<T>): Promise<T> {
    const handle = await openDatabase({ dataDir: dir });
    try {
      await migrateDatabase(handle);
      return await fn(new PgLogStore(handle), handle);
    } finally {
      await handle.close();
    }
  }

  test('is locked while open: a second open fails with UNAVAILABLE naming the process', async () => {
    await withStore(async (store) => {
      expect(readFileSync(lockPath, 'utf8').trim()).toBe(String(process.pid));
      await store.createLog(META, headAt(0));
      await store.commitBatch({ treeSize: 0, rootHash: headAt(0).rootHash }, batchOn(headAt(0), ['one', 'two'], [tileOf(0, 0, 2)]));
      const e = await expectRejectsWith(openDatabase({ dataDir: dir }), 'UNAVAILABLE');
      expect(e.message).toBe(`the data directory ${dir} is in use by process ${process.pid}; stop it or use another --data-dir`);
    });
    expect(existsSync(lockPath)).toBe(false);
  });

  test('keeps the log across close and reopen', async () => {
    await withStore(async (store) => {
      expect(await store.readMeta()).toEqual(META);
      expect((await store.readHead()).treeSize).toBe(2);
      expect(await store.readEntries(0, 5)).toEqual(['one', 'two'].map((t) => new TextEncoder().encode(t)));
      expect(await store.readTiles([{ level: 0, index: 0 }])).toEqual([tileOf(0, 0, 2).data]);
    });
  });

  test('refuses a lock held by another live process', async () => {
    const child = spawnTracked(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      writeFileSync(lockPath, `${child.pid}\n`);
      const e = await expectRejectsWith(openDatabase({ dataDir: dir }), 'UNAVAILABLE');
      expect(e.message).toBe(`the data directory ${dir} is in use by process ${child.pid}; stop it or use another --data-dir`);
      expect(readFileSync(lockPath, 'utf8')).toBe(`${child.pid}\n`);
    } finally {
      await stopProcess(child);
      rmSync(lockPath, { force: true });
    }
  });

  test('takes over a stale lock: a dead process, or our own pid left by an earlier run', async () => {
    const child = spawnTracked(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await exited(child);
    const deadPid = child.pid!;
    for (const stale of [deadPid, process.pid]) {
      writeFileSync(lockPath, `${stale}\n`);
      await withStore(async (store) => {
        expect(readFileSync(lockPath, 'utf8').trim()).toBe(String(process.pid));
        expect((await store.readHead()).treeSize).toBe(2);
      });
      expect(existsSync(lockPath)).toBe(false);
    }
  });
});

describe('openDatabase with a PostgreSQL URL', () => {
  test('fails with UNAVAILABLE when no server answers, without the password in the message', async () => {
    const e = await expectRejectsWith(openDatabase({ databaseUrl: 'postgres://sightline:s3cret@127.0.0.1:1/sightline' }), 'UNAVAILABLE');
    expect(e.message).toMatch(/^PostgreSQL at 127\.0\.0\.1:1 refused the connection: check that PostgreSQL runs there/);
    expect(e.message).not.toMatch(/s3cret/);
  });
});
