/**
 * Upgrading a PGlite data directory written before details were sealed: there, details
 * were stored in the clear, an erasure only deleted the row, and PGlite recycled its WAL,
 * so the files hold erased and live details alike — in dead tuples, in WAL, in segments
 * renamed for reuse. After the first start of this version (migration, then the purge the
 * server runs when it starts), every row is sealed and reads back unchanged, and no file
 * holds any of those details in the clear, erased or not.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { expect, test } from 'vitest';
import { encodeHex } from '../../src/encoding/index.js';
import type { EventDetails } from '../../src/log/index.js';
import { type DatabaseHandle, MIGRATIONS_FOLDER, PgLogStore, migrateDatabase, openDatabase } from '../../src/storage/index.js';
import { filesHolding } from '../support/data-files.js';
import { detailsAt, fakeHash } from '../support/log-store-contract.js';
import { tempDir } from '../support/temp.js';

/** The migrations an earlier version shipped: all but the one that seals details. */
function migrationsBeforeSealing(): string {
  const folder = join(tempDir('old-migrations'), 'migrations');
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag === '0005_sealed_details');
  expect(at).toBeGreaterThan(0);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
  return folder;
}

test('a data directory from before sealing: after the first start, every row is sealed and reads back, and no file holds details in the clear', async () => {
  const dataDir = tempDir('legacy-details');
  const marker = (what: string) => `legacy-${what}-marker-${encodeHex(fakeHash(what).subarray(0, 6))}`;
  const erased: EventDetails = { ...detailsAt(0), details: JSON.stringify({ note: marker('erased') }) };
  const kept: EventDetails = { ...detailsAt(1), details: JSON.stringify({ note: marker('kept') }) };

  // As an earlier version ran PGlite (recycling WAL) and stored and erased details.
  const client = await PGlite.create(dataDir);
  const old: DatabaseHandle = { kind: 'pglite', db: drizzle({ client }), client, dataDir, discardPreallocatedWal: undefined, close: () => client.close() };
  try {
    await migrateDatabase(old, { migrationsFolder: migrationsBeforeSealing() });
    for (const [i, type, target] of [
      [0, 'access', null],
      [1, 'access', null],
      [2, 'erasure', 0],
    ] as const) {
      await old.db.execute(sql`insert into events (leaf_index, partner_id, partner_seq, event_hash, type, target) values (${i}, 'dwp', ${i + 1}, ${fakeHash(`event ${i}`)}::bytea, ${type}, ${target})`);
    }
    for (const d of [erased, kept]) {
      await old.db.execute(sql`insert into entry_details (leaf_index, details, opening, reveal_hash) values (${d.leafIndex}, ${d.details}, ${d.opening}::bytea, ${d.revealHash}::bytea)`);
    }
    await old.db.execute(sql`checkpoint`);
    await old.db.execute(sql`delete from entry_details where leaf_index = 0`);
    await old.db.execute(sql`insert into erasures (target_index, erasure_index) values (0, 2)`);
    // The segment holding all that, renamed for reuse with its content: a segment "ahead".
    await old.db.execute(sql`select pg_switch_wal()`);
    await old.db.execute(sql`checkpoint`);
  } finally {
    await old.close();
  }
  const needles = [
    { what: 'erased details', bytes: new TextEncoder().encode(marker('erased')) },
    { what: 'erased opening', bytes: erased.opening },
    { what: 'kept details', bytes: new TextEncoder().encode(marker('kept')) },
    { what: 'kept opening', bytes: kept.opening },
  ];
  // The attack works on such a directory: the erased details are in its table's file and in WAL.
  const before = filesHolding(dataDir, needles).filter((f) => f.what === 'erased details');
  expect(before.some((f) => f.file.startsWith('base/'))).toBe(true);
  expect(before.some((f) => f.file.startsWith('pg_wal/'))).toBe(true);

  // This version's first start: migration, then the purge the server runs before serving.
  const handle = await openDatabase({ dataDir });
  await migrateDatabase(handle);
  let store = new PgLogStore(handle);
  try {
    // The erasure's partition of keys is rewritten too: the sealing made it, and it may hold the key of any later row there.
    expect(await store.purgeErased()).toEqual({ through: 2, sealed: 1, rewritten: ['entry_details', 'detail_keys_0'], walFlushed: true, problems: [] });
    expect(await store.readDetails(1)).toEqual(kept);
    expect(await store.readDetails(0)).toEqual({ erasedBy: 2 });
  } finally {
    await store.close();
  }
  expect(filesHolding(dataDir, needles)).toEqual([]);

  // Nothing recorded was lost, across a restart.
  store = new PgLogStore(await openDatabase({ dataDir }));
  try {
    expect(await store.readDetails(1)).toEqual(kept);
  } finally {
    await store.close();
  }
});
