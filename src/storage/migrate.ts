/**
 * Brings a database's schema up to date with `migrations/` at startup, and refuses a
 * database that a newer Sightline has migrated: the public schema (the log of a one-log
 * database, as every version before many logs kept it) with drizzle's migrator for the
 * driver, and each further log's own schema with the same migration files (migrateLogSchema).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { LogError } from '../errors.js';
import { type Database, type DatabaseHandle, rowsOf } from './db.js';
import { checkSchemaName } from './schema.js';

/**
 * The migrations this code ships: `migrations/` at the package root, two levels above this
 * file both as `src/storage/migrate.ts` (tsx, vitest) and as `dist/storage/migrate.js`.
 */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

/** drizzle's bookkeeping table (its defaults). */
const MIGRATIONS_SCHEMA = 'drizzle';
const MIGRATIONS_TABLE = '__drizzle_migrations';

/** Held while migrating a PostgreSQL server, so processes starting together migrate one at a time. */
const MIGRATION_LOCK_KEY = 5_108_473_911; // arbitrary, constant: "sightline migrate"

interface Journal {
  readonly entries: readonly { readonly idx: number; readonly when: number; readonly tag: string }[];
}

/** The `when` (ms) of the newest migration this code ships. */
export function latestMigration(folder = MIGRATIONS_FOLDER): { tag: string; when: number } {
  const journalPath = `${folder}/meta/_journal.json`;
  if (!existsSync(journalPath)) {
    throw new LogError('INTERNAL', `the migrations are missing: ${journalPath} does not exist (a broken install?)`);
  }
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
  const last = journal.entries.at(-1);
  if (!last) throw new LogError('INTERNAL', `${journalPath} lists no migration`);
  return { tag: last.tag, when: last.when };
}

/**
 * Applies every migration the database lacks; a no-op on an up-to-date database. Throws
 * LogError('UNAVAILABLE') when the database holds a migration newer than this code knows.
 */
export async function migrateDatabase(handle: DatabaseHandle, options: { migrationsFolder?: string } = {}): Promise<void> {
  const migrationsFolder = options.migrationsFolder ?? MIGRATIONS_FOLDER;
  const latest = latestMigration(migrationsFolder);
  try {
    if (handle.kind === 'pglite') {
      // One process owns a PGlite directory (the lock file), and PGlite runs one query at a time.
      await refuseNewerSchema(handle.db, latest.when);
      await migratePglite(handle.db, { migrationsFolder });
      return;
    }
    await underMigrationLock(handle, async () => {
      await refuseNewerSchema(handle.db, latest.when);
      await migratePostgres(handle.db, { migrationsFolder });
    });
  } catch (e) {
    if (e instanceof LogError) throw e;
    const cause = (e as Error).cause ?? e;
    throw new LogError('UNAVAILABLE', `cannot migrate the database: ${(cause as Error).message ?? String(cause)}`, { cause });
  }
}

/**
 * Runs `migrate` holding a session-level advisory lock on one reserved connection of a
 * PostgreSQL server, so that processes starting together migrate one at a time.
 */
async function underMigrationLock(handle: Extract<DatabaseHandle, { kind: 'postgres' }>, migrate: () => Promise<void>): Promise<void> {
  const lock = await handle.client.reserve();
  try {
    await lock.unsafe(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    try {
      await migrate();
    } finally {
      await lock.unsafe(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
    }
  } finally {
    lock.release();
  }
}

async function refuseNewerSchema(db: Database, latestWhen: number): Promise<void> {
  const table = `${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`;
  const exists = rowsOf(await db.execute(sql`select to_regclass(${table}) is not null as "exists"`))[0]?.['exists'];
  if (exists !== true) return;
  const newest = rowsOf(await db.execute(sql.raw(`select max(created_at) as "newest" from ${table}`)))[0]?.['newest'];
  if (newest === null || newest === undefined) return;
  const when = Number(newest);
  if (when > latestWhen) {
    throw new LogError(
      'UNAVAILABLE',
      `the database schema is newer than this version of Sightline: it holds a migration from ${new Date(when).toISOString()}, ` +
        `the newest this version knows is from ${new Date(latestWhen).toISOString()}; upgrade Sightline, or use another database`,
    );
  }
}

/** The bookkeeping table of a log schema's migrations, inside that schema. */
export const LOG_MIGRATIONS_TABLE = 'sightline_migrations';

/**
 * Brings the log schema `schema` up to date with the same `migrations/` files as the public
 * schema (migrateDatabase): creates the schema if missing, then applies each migration it
 * lacks in a transaction of its own with `set local search_path` to the schema, so that the
 * migrations' unqualified names make that schema's tables, and records it in
 * `<schema>.sightline_migrations` (its hash and its `when`, as drizzle keeps them) in the same
 * transaction. A no-op on an up-to-date schema. Throws LogError('UNAVAILABLE') when the schema
 * holds a migration newer than this code knows. On PostgreSQL it holds the same advisory lock
 * as migrateDatabase, so processes starting together migrate one at a time.
 */
export async function migrateLogSchema(handle: DatabaseHandle, schema: string, options: { migrationsFolder?: string } = {}): Promise<void> {
  checkSchemaName(schema);
  const migrationsFolder = options.migrationsFolder ?? MIGRATIONS_FOLDER;
  const latest = latestMigration(migrationsFolder);
  const migrations = readMigrationFiles({ migrationsFolder });
  for (const m of migrations) {
    // A migration naming the public schema would change today's log instead of this one.
    if (m.sql.some((statement) => PUBLIC_NAMED.test(statement))) {
      throw new LogError('INTERNAL', `a migration of ${migrationsFolder} names the public schema: it cannot be applied to the log schema ${schema}`);
    }
  }
  try {
    if (handle.kind === 'pglite') {
      await migrateSchema(handle.db, schema, migrations, latest.when);
      return;
    }
    await underMigrationLock(handle, () => migrateSchema(handle.db, schema, migrations, latest.when));
  } catch (e) {
    if (e instanceof LogError) throw e;
    const cause = (e as Error).cause ?? e;
    throw new LogError('UNAVAILABLE', `cannot migrate the log schema ${schema}: ${(cause as Error).message ?? String(cause)}`, { cause });
  }
}

/** `public.` or `"public".` as a qualifier, anywhere in a statement. */
const PUBLIC_NAMED = /(?:^|[^a-z0-9_"])"?public"?\s*\./i;

async function migrateSchema(db: Database, schema: string, migrations: ReturnType<typeof readMigrationFiles>, latestWhen: number): Promise<void> {
  // `schema` passed checkSchemaName: plain lowercase, safe to quote into statements.
  const table = `"${schema}"."${LOG_MIGRATIONS_TABLE}"`;
  await db.execute(sql.raw(`create schema if not exists "${schema}"`));
  await db.execute(sql.raw(`create table if not exists ${table} (hash text not null, created_at bigint primary key)`));
  const newest = rowsOf(await db.execute(sql.raw(`select max(created_at) as "newest" from ${table}`)))[0]?.['newest'];
  const appliedUpTo = newest === null || newest === undefined ? -1 : Number(newest);
  if (appliedUpTo > latestWhen) {
    throw new LogError(
      'UNAVAILABLE',
      `the log schema ${schema} is newer than this version of Sightline: it holds a migration from ${new Date(appliedUpTo).toISOString()}, ` +
        `the newest this version knows is from ${new Date(latestWhen).toISOString()}; upgrade Sightline, or use another database`,
    );
  }
  for (const m of migrations) {
    if (m.folderMillis <= appliedUpTo) continue;
    await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local search_path to "${schema}"`));
      for (const statement of m.sql) if (statement.trim() !== '') await tx.execute(sql.raw(statement));
      await tx.execute(sql`insert into ${sql.raw(table)} (hash, created_at) values (${m.hash}, ${m.folderMillis})`);
    });
  }
}
