/** Opens the configured database, applies migrations and wraps it in the log store. */
import type { StoreConfig } from '../config.js';
import { PgLogStore, type PgLogStoreOptions, damaged, isCorruption, migrateDatabase, openDatabase } from '../storage/index.js';

export interface StoreHandle {
  /** The store; it owns the database, and its `close()` is this handle's. */
  readonly store: PgLogStore;
  readonly kind: 'pglite' | 'postgres';
  /** Runs any purge of erased details still waiting (PgLogStore.close), then closes the database. */
  close(): Promise<void>;
}

export async function openStore(config: StoreConfig, options: Pick<PgLogStoreOptions, 'onPurge'> = {}): Promise<StoreHandle> {
  const handle = await openDatabase(
    config.databaseUrl !== undefined
      ? { databaseUrl: config.databaseUrl, ...(config.connectTimeoutSeconds === undefined ? {} : { connectTimeoutSeconds: config.connectTimeoutSeconds }) }
      : { dataDir: config.dataDir },
  );
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
