/** Opens the configured database, applies migrations and wraps it in the log store. */
import type { StoreConfig } from '../config.js';
import { sql } from 'drizzle-orm';
import { LogError } from '../errors.js';
import { type DatabaseHandle, PgLogStore, type PgLogStoreOptions, damaged, isCorruption, logSchemaName, migrateDatabase, openDatabase, openLogStoreOn } from '../storage/index.js';
import { rowsOf } from '../storage/db.js';

export interface StoreHandle {
  /** The store; it owns the database, and its `close()` is this handle's. */
  readonly store: PgLogStore;
  readonly kind: 'pglite' | 'postgres';
  /** Runs any purge of erased details still waiting (PgLogStore.close), then closes the database. */
  close(): Promise<void>;
}

/** The configured database: PostgreSQL at `databaseUrl` when given, else PGlite in `dataDir`. Not migrated. */
export function openConfiguredDatabase(config: Pick<StoreConfig, 'databaseUrl' | 'connectTimeoutSeconds' | 'dataDir'>): Promise<DatabaseHandle> {
  return openDatabase(
    config.databaseUrl !== undefined
      ? { databaseUrl: config.databaseUrl, ...(config.connectTimeoutSeconds === undefined ? {} : { connectTimeoutSeconds: config.connectTimeoutSeconds }) }
      : { dataDir: config.dataDir },
  );
}

export async function openStore(config: StoreConfig, options: Pick<PgLogStoreOptions, 'onPurge'> = {}): Promise<StoreHandle> {
  const handle = await openConfiguredDatabase(config);
  if (config.logId !== undefined) return openServiceLog(handle, config.logId, options);
  try {
    await migrateDatabase(handle);
  } catch (e) {
    await handle.close();
    if (!isCorruption(e)) throw e;
    // Files PostgreSQL can start on but whose pages are damaged: the first read says so.
    const what = handle.kind === 'pglite' ? `the data directory ${config.dataDir}` : 'the PostgreSQL database';
    throw damaged(`${what} is damaged: ${(e as Error).message.replace(/^cannot migrate the database: /, '')}`, e);
  }
  const store = new PgLogStore(handle, options);
  return { store, kind: handle.kind, close: () => store.close() };
}

/**
 * A log of a service in its own schema. Only a log the service has started exists: a
 * mistyped id must not make an empty log (its schema and its tables) that nothing serves.
 */
async function openServiceLog(handle: DatabaseHandle, logId: string, options: Pick<PgLogStoreOptions, 'onPurge'>): Promise<StoreHandle> {
  try {
    const schema = logSchemaName(logId);
    const found = rowsOf(await handle.db.execute(sql`select 1 from information_schema.schemata where schema_name = ${schema}`)).length > 0;
    if (!found) {
      throw new LogError('NOT_FOUND', `this database has no log ${logId}`, {
        field: 'log',
        hint: 'a log exists once a service with it in its configuration has started; sightline log list --config FILE shows the ids',
      });
    }
    const store = await openLogStoreOn(handle, logId, options);
    return {
      store,
      kind: handle.kind,
      async close() {
        await store.close();
        await handle.close();
      },
    };
  } catch (e) {
    await handle.close();
    throw e;
  }
}
