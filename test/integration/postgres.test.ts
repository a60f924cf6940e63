/**
 * The storage adapter on a PostgreSQL server, through postgres.js. Runs when DATABASE_URL
 * is set (vitest.config.ts leaves this file out otherwise). Every run makes its own
 * databases on that server, named sightline_test_<random>, and drops them at the end, so
 * reruns and parallel runs never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeHex } from '../../src/encoding/index.js';
import { LogError } from '../../src/errors.js';
import type { TreeHead } from '../../src/log/index.js';
import { type DatabaseHandle, PgLogStore, latestMigration, migrateDatabase, migrateLogSchema, openDatabase, openLogStoreOn } from '../../src/storage/index.js';
import { describeManyLogs } from '../support/many-logs-contract.js';
import { META, batchOn, describeDetailsAtRest, describeLogStore, expectRejectsWith, headAt } from '../support/log-store-contract.js';
import { storesOn } from '../support/pg-harness.js';
import { ensureLog } from '../../src/cli/server.js';
import { ed25519Signer } from '../../src/note/index.js';
import { storeHashReader } from '../../src/read/index.js';
import { createSequencer } from '../../src/sequencer/index.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseServeArgs } from '../../src/config.js';
import { startService } from '../../src/cli/service.js';
import { tempDir } from '../support/temp.js';

const serverUrl = process.env.DATABASE_URL;
if (serverUrl === undefined) throw new Error('postgres.test.ts needs DATABASE_URL (vitest.config.ts should have left it out)');

let admin: postgres.Sql;
const created: string[] = [];

/** A new, empty database on the server; its URL. Dropped after the file. */
async function createDatabase(): Promise<string> {
  const name = `sightline_test_${encodeHex(randomBytes(6))}`;
  await admin.unsafe(`create database ${name}`);
  created.push(name);
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

let handle: DatabaseHandle;
beforeAll(async () => {
  admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  handle = await openDatabase({ databaseUrl: await createDatabase() });
  await migrateDatabase(handle);
  await migrateLogSchema(handle, 'log_b');
});
afterAll(async () => {
  await handle?.close();
  for (const name of created) await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin?.end();
});

describeLogStore('PgLogStore on PostgreSQL', storesOn(() => handle));
describeDetailsAtRest('PgLogStore on PostgreSQL', () => handle);
describeLogStore('PgLogStore on PostgreSQL, in the schema of a log', storesOn(() => handle, 'log_b'));
describeDetailsAtRest('PgLogStore on PostgreSQL, in the schema of a log', () => handle, 'log_b');
describeManyLogs('PostgreSQL', () => handle);

describe('PostgreSQL: the logs of one service', () => {
  test('each log commits on a writer connection of its own, made once, and all commit side by side', async () => {
    if (handle.kind !== 'postgres') throw new Error('a PostgreSQL handle');
    expect(handle.writerFor('log_a')).toBe(handle.writerFor('log_a'));
    expect(handle.writerFor('log_a')).not.toBe(handle.writerFor('log_b'));
    expect(handle.writerFor('log_a')).not.toBe(handle.writer);
    // Three logs' stores on the one handle, each committing at once: every head moves.
    const stores = await Promise.all(['writer-a', 'writer-b', 'writer-c'].map((id) => openLogStoreOn(handle, id)));
    const signer = ed25519Signer('writers.sightline.example/log', new Uint8Array(32).fill(9));
    await Promise.all(
      stores.map(async (store) => {
        await ensureLog(store, signer);
        const sequencer = await createSequencer({ store, signer, origin: signer.name, hashReader: (n) => storeHashReader(store, n) });
        await Promise.all(Array.from({ length: 50 }, (_, i) => sequencer.submit(new TextEncoder().encode(`entry ${i}`), 'p')));
        await sequencer.stop();
      }),
    );
    for (const store of stores) expect((await store.readHead()).treeSize).toBe(50);
    await Promise.all(stores.map((s) => s.close()));
  });
});

describe('PostgreSQL: a service whose logs spread over two databases', () => {
  test('a log naming a database of its own keeps its tables there, and only there', async () => {
    const [serviceDb, ownDb] = [await createDatabase(), await createDatabase()];
    const dir = tempDir('service-two-databases');
    const file = join(dir, 'service.yaml');
    const entry = (id: string, extra = '') => `  - id: ${id}\n    name: Log ${id}\n    origin: two.sightline.example/${id}\n${extra}`;
    writeFileSync(file, `operator:\n  name: Test\n  contact: [ops@test.example]\nlogs:\n${entry('shared')}${entry('apart', `    databaseUrl: "${ownDb}"\n`)}`);
    const config = parseServeArgs(['--port', '0', '--config', file, '--data-dir', join(dir, 'data'), '--database-url', serviceDb], {});
    if (config === 'help') throw new Error('unexpected help');
    const service = await startService(config, () => {});
    try {
      for (const id of ['shared', 'apart']) expect((await fetch(`${service.url}/logs/${id}/checkpoint`)).status).toBe(200);
      const schemas = async (url: string) => {
        const sql = postgres(url, { max: 1, onnotice: () => {} });
        try {
          return (await sql<{ name: string }[]>`select schema_name as name from information_schema.schemata where schema_name like 'log_%' order by 1`).map((r) => r.name);
        } finally {
          await sql.end();
        }
      };
      expect(await schemas(serviceDb)).toEqual(['log_shared']);
      expect(await schemas(ownDb)).toEqual(['log_apart']);
    } finally {
      await service.close();
    }
  });
});

describe('PostgreSQL: several processes on one database', () => {
  test('two stores with their own pools racing on one head: one wins, the log never forks', async () => {
    const url = await createDatabase();
    const handles = await Promise.all([openDatabase({ databaseUrl: url }), openDatabase({ databaseUrl: url })]);
    try {
      // Both "processes" start at once: concurrent migrations must not break.
      await Promise.all(handles.map((h) => migrateDatabase(h)));
      const [a, b] = handles.map((h) => new PgLogStore(h));
      const h0 = headAt(0);
      await a!.createLog(META, h0);
      await expectRejectsWith(b!.createLog(META, h0), 'CONFLICT');

      // Rounds of both committing a different tree of the same size on the same head.
      let head: TreeHead = h0;
      for (let round = 0; round < 10; round++) {
        const mine = batchOn(head, [`a ${round}`], [], `a root ${round}`);
        const theirs = batchOn(head, [`b ${round}`], [], `b root ${round}`);
        const results = await Promise.allSettled([
          a!.commitBatch({ treeSize: head.treeSize, rootHash: head.rootHash }, mine),
          b!.commitBatch({ treeSize: head.treeSize, rootHash: head.rootHash }, theirs),
        ]);
        const won = results.map((r) => r.status === 'fulfilled');
        expect(won.filter(Boolean)).toHaveLength(1);
        const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect((lost.reason as LogError).code).toBe('CONFLICT');
        head = won[0] ? mine.head : theirs.head;
        expect(await a!.readHead()).toEqual(head);
        expect(await b!.readHead()).toEqual(head);
      }
      expect((await a!.readEntries(0, 100)).length).toBe(10);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
  });

  test('two servers on one database: one finalizes a log, the other may never commit to it again, also after both restart', async () => {
    const url = await createDatabase();
    let handles = await Promise.all([openDatabase({ databaseUrl: url }), openDatabase({ databaseUrl: url })]);
    try {
      // Both start at once: the log's schema and the public one are migrated one process at a time.
      const [a, b] = await Promise.all(handles.map((h) => openLogStoreOn(h, 'dwp-2026')));
      const [publicA] = await Promise.all(handles.map((h) => openLogStoreOn(h, undefined)));
      const h0 = headAt(0);
      await a!.createLog(META, h0);
      await publicA!.createLog(META, h0);
      const b1 = batchOn(h0, ['one', 'two']);
      await b!.commitBatch({ treeSize: 0, rootHash: h0.rootHash }, b1);
      expect(await a!.readHead()).toEqual(b1.head);

      const final: TreeHead = { ...b1.head, checkpoint: `${b1.head.checkpoint}— final, by a\n` };
      await a!.finalizeLog({ treeSize: 2, rootHash: b1.head.rootHash }, final);
      // b's sequencer still holds the head it committed: its next batch is refused, and nothing is written.
      const e = await expectRejectsWith(b!.commitBatch({ treeSize: 2, rootHash: b1.head.rootHash }, batchOn(b1.head, ['late'])), 'LOG_READ_ONLY');
      expect(e.message).toMatch(/finalized/);
      expect(await b!.readEntries(0, 10)).toHaveLength(2);
      // b reaching the end too, with its own signature: no-op; the final checkpoint stays a's.
      await b!.finalizeLog({ treeSize: 2, rootHash: b1.head.rootHash }, { ...b1.head, checkpoint: `${b1.head.checkpoint}— final, by b\n` });
      expect((await b!.readLifecycle())?.finalCheckpoint).toBe(final.checkpoint);
      // The public log of the same database is not finished.
      await publicA!.commitBatch({ treeSize: 0, rootHash: h0.rootHash }, batchOn(h0, ['public one']));

      // Rounds of a commit on one server racing the end on the other, on a fresh log each.
      for (let round = 0; round < 6; round++) {
        const [ra, rb] = await Promise.all(handles.map((h) => openLogStoreOn(h, `race-${round}`)));
        await ra!.createLog(META, h0);
        const batch = batchOn(h0, [`race ${round}`]);
        const [commit, finalize] = await Promise.allSettled([ra!.commitBatch({ treeSize: 0, rootHash: h0.rootHash }, batch), rb!.finalizeLog({ treeSize: 0, rootHash: h0.rootHash }, h0)]);
        if (commit.status === 'fulfilled') {
          expect(finalize.status === 'rejected' && (finalize.reason as LogError).code).toBe('CONFLICT');
          expect(await rb!.readLifecycle()).toBeUndefined();
          expect(await rb!.readHead()).toEqual(batch.head);
        } else {
          expect(finalize.status).toBe('fulfilled');
          expect((commit.reason as LogError).code).toBe('LOG_READ_ONLY');
          expect(await ra!.readEntries(0, 10)).toEqual([]);
          expect(await ra!.readHead()).toEqual(h0);
        }
      }

      // Both servers restart: the log is still finished.
      await Promise.all(handles.map((h) => h.close()));
      handles = await Promise.all([openDatabase({ databaseUrl: url }), openDatabase({ databaseUrl: url })]);
      const [c, d] = await Promise.all(handles.map((h) => openLogStoreOn(h, 'dwp-2026')));
      expect((await c!.readLifecycle())?.finalCheckpoint).toBe(final.checkpoint);
      await expectRejectsWith(d!.commitBatch({ treeSize: 2, rootHash: b1.head.rootHash }, batchOn(b1.head, ['after restart'])), 'LOG_READ_ONLY');
      expect(await d!.readHead()).toEqual(final);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
  });

  test('migrating an up-to-date database is a no-op; a newer schema is refused', async () => {
    const url = await createDatabase();
    const h = await openDatabase({ databaseUrl: url });
    try {
      if (h.kind !== 'postgres') throw new Error('expected postgres');
      await migrateDatabase(h);
      const migrations = () => h.client`select hash, created_at from drizzle.__drizzle_migrations order by id`;
      const applied = await migrations();
      expect(applied.map((r) => Number(r['created_at']))).toContain(latestMigration().when);
      await migrateDatabase(h);
      expect(await migrations()).toEqual(applied);

      await h.client`insert into drizzle.__drizzle_migrations (hash, created_at) values ('from the future', ${latestMigration().when + 1})`;
      const e = await expectRejectsWith(migrateDatabase(h), 'UNAVAILABLE');
      expect(e.message).toMatch(/^the database schema is newer than this version of Sightline/);
    } finally {
      await h.close();
    }
  });

  test('a pool that can no longer reach the server surfaces as UNAVAILABLE', async () => {
    const h = await openDatabase({ databaseUrl: await createDatabase() });
    await migrateDatabase(h);
    const store = new PgLogStore({ db: h.db, close: async () => {} });
    await store.ping();
    await h.close();
    await expectRejectsWith(store.ping(), 'UNAVAILABLE');
    await expectRejectsWith(store.readMeta(), 'UNAVAILABLE');
  });
});
