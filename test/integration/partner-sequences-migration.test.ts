/**
 * Upgrading a database written before sequence summaries were kept: the migration fills them
 * from the events already stored, so the first answer after the upgrade equals a scan.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { expect, test } from 'vitest';
import { type DatabaseHandle, MIGRATIONS_FOLDER, PgLogStore, migrateDatabase } from '../../src/storage/index.js';
import { fakeHash } from '../support/log-store-contract.js';
import { tempDir } from '../support/temp.js';

/** The migrations an earlier version shipped: all before the sequence summaries. */
function migrationsBefore(tag: string): string {
  const folder = join(tempDir('old-migrations'), 'migrations');
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  expect(at).toBeGreaterThan(0);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
  return folder;
}

test('the migration fills each partner sequence summary from the events stored before it', async () => {
  const client = await PGlite.create(tempDir('sequence-migration'));
  const handle: DatabaseHandle = { kind: 'pglite', db: drizzle({ client }), client, dataDir: '', discardPreallocatedWal: undefined, close: () => client.close() };
  try {
    await migrateDatabase(handle, { migrationsFolder: migrationsBefore('0007_partner_sequences') });
    const stored: [string, number][] = [
      ['dwp', 2],
      ['dwp', 3],
      ['dwp', 9],
      ['council-b', 1],
      ['council-b', 2],
      ['agency-a', 2 ** 40],
    ];
    for (const [i, [p, n]] of stored.entries()) {
      await handle.db.execute(sql`insert into events (leaf_index, partner_id, partner_seq, event_hash, type) values (${i}, ${p}, ${n}, ${fakeHash(`event ${i}`)}::bytea, 'access')`);
    }
    await migrateDatabase(handle);
    const store = new PgLogStore(handle);
    expect(await store.partnerSequence('dwp', 10)).toEqual({ last: 9, count: 3, gaps: [{ from: 1, to: 1 }, { from: 4, to: 8 }], truncated: false });
    expect(await store.partnerSequence('council-b', 10)).toEqual({ last: 2, count: 2, gaps: [], truncated: false });
    expect(await store.partnerSequence('agency-a', 10)).toEqual({ last: 2 ** 40, count: 1, gaps: [{ from: 1, to: 2 ** 40 - 1 }], truncated: false });
    expect(await store.partnerSequence('nobody', 10)).toEqual({ last: null, count: 0, gaps: [], truncated: false });
  } finally {
    await handle.close();
  }
});
