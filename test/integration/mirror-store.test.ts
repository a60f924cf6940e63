/**
 * PgMirrorStore: the mirror store contract on PGlite (always) and on a PostgreSQL server
 * (when DATABASE_URL is set: a database of its own, made and dropped here), where "another
 * process" is another connection pool on the same database.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe } from 'vitest';
import { type DatabaseHandle, PgMirrorStore, migrateDatabase, openDatabase } from '../../src/storage/index.js';
import { describeMirrorStore } from '../support/mirror-store-contract.js';
import { ownDatabaseOn } from '../support/pg-harness.js';

const TABLES = sql`truncate table mirror_logs, mirror_pending, mirror_tiles, mirror_bundles`;
const unowned = (handle: DatabaseHandle) => new PgMirrorStore({ db: handle.db, close: async () => {} });

// ---- PGlite, in memory: one process owns it, so "another" store shares the handle ----------
let pglite: DatabaseHandle;
beforeAll(async () => {
  pglite = await openDatabase({ memory: true });
  await migrateDatabase(pglite);
});
afterAll(() => pglite?.close());
describeMirrorStore('PgMirrorStore on PGlite', {
  fresh: async () => {
    await pglite.db.execute(TABLES);
    return unowned(pglite);
  },
  another: async () => unowned(pglite),
});

// ---- PostgreSQL, when DATABASE_URL is set ---------------------------------------------------
const serverUrl = process.env.DATABASE_URL;
describe.skipIf(serverUrl === undefined)('on PostgreSQL', () => {
  const db = ownDatabaseOn(serverUrl ?? '');
  describeMirrorStore('PgMirrorStore on PostgreSQL', {
    fresh: async () => {
      await db.handle().db.execute(TABLES);
      return unowned(db.handle());
    },
    another: async () => unowned(await db.open()),
  });
});
