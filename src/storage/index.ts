// The storage adapter: the LogStore over PostgreSQL (PGlite or a server) through drizzle.
export { type DatabaseConfig, type DatabaseHandle, type Database, LOCK_FILE, DEFAULT_DATA_DIR, DEFAULT_CONNECT_TIMEOUT_SECONDS, damaged, isCorruption, openDatabase, redactUrl } from './db.js';
export { LOG_MIGRATIONS_TABLE, MIGRATIONS_FOLDER, latestMigration, migrateDatabase, migrateLogSchema } from './migrate.js';
export { LOG_ID, type LogTables, logSchemaName, logTables } from './schema.js';
export { openLogStoreOn } from './open-log-store.js';
export { type CommitFaults, type PgLogStoreOptions, DEFAULT_PURGE_DELAY_MS, PgLogStore } from './pg-log-store.js';
export { type ErasurePurge, KEY_PARTITION_SIZE } from './erasure-purge.js';
export { checkBatch, checkHash, checkRange } from './checks.js';
export { DatabaseFailure, mapDatabaseError } from './database-errors.js';
export { PgWitnessStore } from './witness-store.js';
export { ensurePrivateDir } from './private-dir.js';
export { PgMirrorStore } from './mirror-store.js';
