/**
 * PgMirrorStore: the mirror store contract on PGlite (always) and on a PostgreSQL server
 * (when DATABASE_URL is set: a database of its own, made and dropped here), where "another
 * process" is another connection pool on the same database.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe } from 'vitest';
import { encodeHex } from '../../src/encoding/index.js';
import { type DatabaseHandle, PgMirrorStore, migrateDatabase, openDatabase } from '../../src/storage/index.js';
import { describeMirrorStore } from '../support/mirror-store-contract.js';

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
  let admin: postgres.Sql;
  let handle: DatabaseHandle;
  let url: string;
  const others: DatabaseHandle[] = [];
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
    for (const h of others.splice(0)) await h.close();
    await handle?.close();
    await admin?.unsafe(`drop database if exists ${name} with (force)`);
    await admin?.end();
  });
  describeMirrorStore('PgMirrorStore on PostgreSQL', {
    fresh: async () => {
      await handle.db.execute(TABLES);
      return unowned(handle);
    },
    another: async () => {
      const other = await openDatabase({ databaseUrl: url });
      others.push(other);
      return new PgMirrorStore(other);
    },
  });
});
