/**
 * Shared setup for the PostgreSQL-backed integration tests: one migrated database per test
 * file, emptied before each test, with stores that do not close it. `schema`, where taken,
 * names a log schema (migrateLogSchema) instead of the public one.
 */
import { sql } from 'drizzle-orm';
import { type DatabaseHandle, type CommitFaults, PgLogStore, type PgLogStoreOptions } from '../../src/storage/index.js';
import type { MakeStore } from './log-store-contract.js';

/** Every table of a log (not the migrations' bookkeeping). */
const LOG_TABLES =
  'entries, tiles, tree_head, log_meta, partners, operators, events, entry_details, detail_keys, erasures, subject_tags, subject_counters, code_lists, tag_key_checks, previous_partner_keys, witnessed_checkpoints, witness_state, partner_sequences, partner_sequence_gaps, money_records, auditors';

/** `name` in the log's schema: qualified for a log schema, as it was for the public one. */
export function tableOf(schema: string | undefined, name: string) {
  return sql.raw(schema === undefined ? name : `"${schema}".${name}`);
}

/** Empties every table of the log, and puts the erasure state back as a migration leaves it. */
export async function emptyDatabase(handle: DatabaseHandle, schema?: string): Promise<void> {
  const tables = LOG_TABLES.split(', ').map((name) => (schema === undefined ? name : `"${schema}".${name}`));
  await handle.db.execute(sql.raw(`truncate table ${tables.join(', ')}`));
  await handle.db.execute(sql`update ${tableOf(schema, 'erasure_state')} set purged_through = -1, legacy_purged = false`);
}

/** A `PgLogStore` over `handle` (in `options.schema`, if given) whose `close()` leaves the shared database open. */
export function sharedStore(handle: DatabaseHandle, faults?: CommitFaults, options: Omit<PgLogStoreOptions, 'faults'> = {}): PgLogStore {
  const writer = handle.kind === 'postgres' ? handle.writer : handle.db;
  const discardPreallocatedWal = handle.kind === 'pglite' ? handle.discardPreallocatedWal : undefined;
  return new PgLogStore({ db: handle.db, writer, discardPreallocatedWal, close: async () => {} }, { ...options, ...(faults === undefined ? {} : { faults }) });
}

/** `makeStore` for the contract suite: the one database of the file (its log schema `schema`, if given), emptied. */
export function storesOn(handle: () => DatabaseHandle, schema?: string): MakeStore {
  return async (options) => {
    await emptyDatabase(handle(), schema);
    const store = sharedStore(handle(), options?.faults, schema === undefined ? {} : { schema });
    return { store, close: () => store.close() };
  };
}
