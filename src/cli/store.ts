/** Opens the configured database, applies migrations and wraps it in the log store. */
import type { StoreConfig } from '../config.js';
import type { LogStore } from '../log/index.js';
import { PgLogStore, migrateDatabase, openDatabase } from '../storage/index.js';

export interface StoreHandle {
  readonly store: LogStore;
  readonly kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

export async function openStore(config: StoreConfig): Promise<StoreHandle> {
  const handle = await openDatabase(config.databaseUrl !== undefined ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  try {
    await migrateDatabase(handle);
  } catch (e) {
    await handle.close();
    throw e;
  }
  return { store: new PgLogStore(handle), kind: handle.kind, close: () => handle.close() };
}
