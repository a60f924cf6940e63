/**
 * Shared setup for the PostgreSQL-backed integration tests: one migrated database per test
 * file, emptied before each test, with stores that do not close it.
 */
import { sql } from 'drizzle-orm';
import { type DatabaseHandle, type CommitFaults, PgLogStore, type PgLogStoreOptions } from '../../src/storage/index.js';
import type { MakeStore } from './log-store-contract.js';

/** Empties every table of the log (not drizzle's migration bookkeeping), and puts the erasure state back as a migration leaves it. */
export async function emptyDatabase(handle: DatabaseHandle): Promise<void> {
  await handle.db.execute(
    sql`truncate table entries, tiles, tree_head, log_meta, partners, operators, events, entry_details, detail_keys, erasures, subject_tags, subject_counters, code_lists, tag_key_checks, previous_partner_keys, witnessed_checkpoints, witness_state, partner_sequences, partner_sequence_gaps`,
  );
  await handle.db.execute(sql`update erasure_state set purged_through = -1, legacy_purged = false`);
}

/** A `PgLogStore` over `handle` whose `close()` leaves the shared database open. */
export function sharedStore(handle: DatabaseHandle, faults?: CommitFaults, options: Omit<PgLogStoreOptions, 'faults'> = {}): PgLogStore {
  const writer = handle.kind === 'postgres' ? handle.writer : handle.db;
  const discardPreallocatedWal = handle.kind === 'pglite' ? handle.discardPreallocatedWal : undefined;
  return new PgLogStore({ db: handle.db, writer, discardPreallocatedWal, close: async () => {} }, { ...options, ...(faults === undefined ? {} : { faults }) });
}

/** `makeStore` for the contract suite: the one database of the file, emptied. */
export function storesOn(handle: () => DatabaseHandle): MakeStore {
  return async (options) => {
    await emptyDatabase(handle());
    const store = sharedStore(handle(), options?.faults);
    return { store, close: () => store.close() };
  };
}
