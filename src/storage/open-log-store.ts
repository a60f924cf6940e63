/**
 * A log's store on a database shared by many logs: each log's tables live in a schema of its
 * own (logSchemaName), except the log of a one-log database, which keeps the public schema
 * it always had — so a database from before many logs serves on unchanged, with no step for
 * its operator.
 */
import type { DatabaseHandle } from './db.js';
import { migrateDatabase, migrateLogSchema } from './migrate.js';
import { PgLogStore, type PgLogStoreOptions } from './pg-log-store.js';
import { logSchemaName } from './schema.js';

/**
 * Migrates the log's tables and returns its store on `handle`: `logId` undefined is the log
 * of the public schema (migrateDatabase), any other the log `logId` in its own schema
 * (migrateLogSchema; MALFORMED_REQUEST, field `id`, for a malformed id). The store does not
 * own the handle: its `close()` leaves the database open for the other logs' stores, and
 * whoever opened the handle closes it after them. Migrating is a no-op on an up-to-date
 * schema, so calling this at every start, or for a log added while the service runs, is safe.
 */
export async function openLogStoreOn(
  handle: DatabaseHandle,
  logId: string | undefined,
  options: Omit<PgLogStoreOptions, 'schema' | 'ownsDatabase'> = {},
): Promise<PgLogStore> {
  const schema = logId === undefined ? undefined : logSchemaName(logId);
  if (schema === undefined) await migrateDatabase(handle);
  else await migrateLogSchema(handle, schema);
  // On PostgreSQL a log of its own schema commits on a connection of its own (writerFor); the
  // public schema's log keeps the handle's writer. PGlite has one connection for all.
  const writer = handle.kind === 'postgres' && schema !== undefined ? handle.writerFor(schema) : undefined;
  return new PgLogStore(writer === undefined ? handle : { ...handle, writer }, { ...options, schema, ownsDatabase: false });
}
