/**
 * Shared setup for the PostgreSQL-backed integration tests: one migrated database per test
 * file, emptied before each test, with stores that do not close it. `schema`, where taken,
 * names a log schema (migrateLogSchema) instead of the public one.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { type DatabaseHandle, type CommitFaults, PgLogStore, type PgLogStoreOptions, migrateDatabase, openDatabase } from '../../src/storage/index.js';
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

/**
 * A migrated database of this test file's own on the PostgreSQL server at `serverUrl`, made
 * before its tests and dropped after them (with every handle `open` gave), for a `describe`
 * block: `handle()` is the file's handle, `open()` another one on the same database ("another
 * process").
 */
export function ownDatabaseOn(serverUrl: string): { handle(): DatabaseHandle; open(): Promise<DatabaseHandle> } {
  let admin: postgres.Sql;
  let handle: DatabaseHandle;
  let url: string;
  const opened: DatabaseHandle[] = [];
  const name = `sightline_test_${randomBytes(6).toString('hex')}`;
  beforeAll(async () => {
    admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    url = u.toString();
    handle = await openDatabase({ databaseUrl: url });
    await migrateDatabase(handle);
  });
  afterAll(async () => {
    for (const h of opened.splice(0)) await h.close();
    await handle?.close();
    await admin?.unsafe(`drop database if exists ${name} with (force)`);
    await admin?.end();
  });
  return {
    handle: () => handle,
    async open() {
      const other = await openDatabase({ databaseUrl: url });
      opened.push(other);
      return other;
    },
  };
}
