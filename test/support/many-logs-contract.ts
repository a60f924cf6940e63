/**
 * Many logs in one database (issue 16), on either driver: each log's tables in a schema of
 * its own (logSchemaName, migrateLogSchema), the public schema keeping the log of a one-log
 * database. Each log reads and writes only its own rows, its statements never run on another
 * log's tables, its purge rewrites only its own files, and its lifecycle is its own.
 * `handle` is the file's one database, migrated for the public schema.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import { afterEach, describe, expect, test } from 'vitest';
import { utf8 } from '../../src/encoding/index.js';
import type { TreeHead } from '../../src/log/index.js';
import { leafHash } from '../../src/merkle/index.js';
import { rowsOf } from '../../src/storage/db.js';
import {
  type DatabaseHandle,
  LOG_MIGRATIONS_TABLE,
  MIGRATIONS_FOLDER,
  type PgLogStore,
  latestMigration,
  logSchemaName,
  migrateLogSchema,
  openLogStoreOn,
} from '../../src/storage/index.js';
import { META, batchOn, detailsAt, eventAt, eventBatch, expectRejectsWith, fakeHash, headAt, tagOf, tileOf } from './log-store-contract.js';
import { emptyDatabase, tableOf } from './pg-harness.js';
import { tempDir } from './temp.js';

const cas = (head: TreeHead) => ({ treeSize: head.treeSize, rootHash: head.rootHash });

export function describeManyLogs(name: string, handle: () => DatabaseHandle): void {
  describe(`Many logs in one database: ${name}`, () => {
    let opened: PgLogStore[] = [];
    afterEach(async () => {
      const closing = opened;
      opened = [];
      for (const s of closing) await s.close();
    });
    const query = async (statement: SQL) => rowsOf(await handle().db.execute(statement));

    /** The store of log `logId` (the public schema's when undefined), emptied. */
    async function logStore(logId: string | undefined): Promise<PgLogStore> {
      const store = await openLogStoreOn(handle(), logId, { purgeDelayMs: 3_600_000 });
      opened.push(store);
      await emptyDatabase(handle(), logId === undefined ? undefined : logSchemaName(logId));
      return store;
    }

    /** The shape of a schema's tables, columns and indices, with the schema's name taken out. */
    async function shape(schema: string) {
      const partition = /^detail_keys_[0-9]+/;
      const columns = await query(
        sql`select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns where table_schema = ${schema} order by table_name, column_name`,
      );
      const indices = await query(sql`select tablename, indexname, indexdef from pg_indexes where schemaname = ${schema} order by tablename, indexname`);
      const checks = await query(
        sql`select r.relname, c.conname, pg_get_constraintdef(c.oid) as def from pg_constraint c join pg_namespace n on n.oid = c.connamespace join pg_class r on r.oid = c.conrelid
          where n.nspname = ${schema} and not r.relispartition and r.relname <> ${LOG_MIGRATIONS_TABLE} order by r.relname, c.conname`,
      );
      return {
        columns: columns.filter((r) => !partition.test(String(r['table_name'])) && r['table_name'] !== LOG_MIGRATIONS_TABLE),
        indices: indices
          .filter((r) => !partition.test(String(r['tablename'])) && r['tablename'] !== LOG_MIGRATIONS_TABLE)
          .map((r) => ({ ...r, indexdef: String(r['indexdef']).replaceAll(`${schema}.`, '') })),
        checks,
      };
    }

    test('a log schema gets every table, column, index and check of the public one; migrating it again is a no-op', async () => {
      const schema = logSchemaName('twice-2026');
      await migrateLogSchema(handle(), schema);
      const applied = await query(sql`select hash, created_at from ${tableOf(schema, LOG_MIGRATIONS_TABLE)} order by created_at`);
      const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };
      expect(applied.map((r) => Number(r['created_at']))).toEqual(journal.entries.map((e) => e.when));
      expect(Number(applied.at(-1)!['created_at'])).toBe(latestMigration().when);
      const migrated = await shape(schema);
      expect(migrated.columns.some((c) => c['table_name'] === 'tree_head' && c['column_name'] === 'read_only_at')).toBe(true);
      expect(migrated).toEqual(await shape('public'));

      await migrateLogSchema(handle(), schema);
      expect(await query(sql`select hash, created_at from ${tableOf(schema, LOG_MIGRATIONS_TABLE)} order by created_at`)).toEqual(applied);
      expect(await shape(schema)).toEqual(migrated);
    });

    test('a log schema migrated by a newer version is refused', async () => {
      const schema = logSchemaName('newer');
      await migrateLogSchema(handle(), schema);
      await query(sql`insert into ${tableOf(schema, LOG_MIGRATIONS_TABLE)} (hash, created_at) values ('from the future', ${latestMigration().when + 1})`);
      const e = await expectRejectsWith(migrateLogSchema(handle(), schema), 'UNAVAILABLE');
      expect(e.message).toMatch(/^the log schema log_newer is newer than this version of Sightline/);
    });

    test('the migrations name no schema, and one that names the public schema is never applied to a log schema', async () => {
      for (const file of readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql'))) {
        expect(readFileSync(join(MIGRATIONS_FOLDER, file), 'utf8'), file).not.toMatch(/"?public"?\s*\./i);
      }
      const folder = tempDir('public-migration');
      mkdirSync(join(folder, 'meta'));
      writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify({ entries: [{ idx: 0, version: '7', when: 1, tag: '0000_x', breakpoints: true }] }));
      writeFileSync(join(folder, '0000_x.sql'), 'CREATE TABLE "public"."entries_elsewhere" ("id" integer);');
      await expectRejectsWith(migrateLogSchema(handle(), logSchemaName('misled'), { migrationsFolder: folder }), 'INTERNAL');
      expect((await query(sql`select to_regclass('public.entries_elsewhere') is null as absent, to_regnamespace('log_misled') is null as no_schema`))[0]).toEqual({
        absent: true,
        no_schema: true,
      });
    });

    test('a log id must be one: openLogStoreOn refuses anything else with MALFORMED_REQUEST on its id', async () => {
      for (const id of ['', 'DWP', 'dwp_2026', '-dwp', 'dwp-', 'dwp 2026', 'a'.repeat(41), 'public"; drop schema public; --']) {
        const e = await expectRejectsWith(openLogStoreOn(handle(), id), 'MALFORMED_REQUEST');
        expect(e.field).toBe('id');
      }
      expect(logSchemaName('a'.repeat(40))).toBe(`log_${'a'.repeat(40)}`);
      expect(logSchemaName('nhs-trust-7-2026')).toBe('log_nhs_trust_7_2026');
    });

    test('two logs in one database: each reads only its own tree, events, details, tags, accounts, code lists, witnessed checkpoints and lifecycle', async () => {
      const a = await logStore(undefined);
      const b = await logStore('dwp-2026');
      const metaB = { origin: 'dwp-2026.sightline.example/log', verifierKey: 'dwp-2026.sightline.example/log+89abcdef+AQ==' };
      await a.createLog(META, headAt(0, 'a 0'));
      await b.createLog(metaB, headAt(0, 'b 0'));
      expect(await a.readMeta()).toEqual(META);
      expect(await b.readMeta()).toEqual(metaB);

      const rowsA = { events: [eventAt(0, 'dwp', 1)], details: [detailsAt(0, fakeHash('reveal a'))], tags: [{ tag: tagOf('0a0a', 'a'), leafIndex: 0 }], counters: [{ counterKey: fakeHash('counter a'), next: 1 }] };
      const batchA = { ...eventBatch(headAt(0, 'a 0'), 3, rowsA, 'a'), tiles: [tileOf(0, 0, 3, 'a')] };
      const detailsB = { ...detailsAt(0, fakeHash('reveal b')), details: '{"log":"b"}' };
      const rowsB = { events: [eventAt(0, 'dwp', 1, 'share')], details: [detailsB], tags: [{ tag: tagOf('0b0b', 'b'), leafIndex: 0 }], counters: [{ counterKey: fakeHash('counter b'), next: 1 }] };
      const batchB = { ...eventBatch(headAt(0, 'b 0'), 2, rowsB, 'b'), tiles: [tileOf(0, 0, 2, 'b')] };
      await a.commitBatch(cas(headAt(0, 'a 0')), batchA);
      await b.commitBatch(cas(headAt(0, 'b 0')), batchB);

      expect(await a.readHead()).toEqual(batchA.head);
      expect(await b.readHead()).toEqual(batchB.head);
      expect(await a.readEntries(0, 10)).toEqual(batchA.entries.map((e) => e.data));
      expect(await b.readEntries(0, 10)).toEqual(batchB.entries.map((e) => e.data));
      expect(await a.readTiles([{ level: 0, index: 0 }])).toEqual([tileOf(0, 0, 3, 'a').data]);
      expect(await b.readTiles([{ level: 0, index: 0 }])).toEqual([tileOf(0, 0, 2, 'b').data]);
      expect((await a.findLeafHashes(batchB.entries.map((e) => e.leafHash))).size).toBe(0);
      expect((await b.findLeafHashes(batchB.entries.map((e) => e.leafHash))).size).toBe(2);
      expect(await a.readEventsAt([0])).toEqual([{ ...rowsA.events[0], erasedBy: null }]);
      expect(await b.readEventsAt([0])).toEqual([{ ...rowsB.events[0], erasedBy: null }]);
      expect(await b.findEvents([{ partnerId: 'dwp', partnerSeq: 1 }])).toEqual(rowsB.events);
      expect(await a.readDetails(0)).toEqual(rowsA.details[0]);
      expect(await b.readDetails(0)).toEqual(detailsB);
      expect((await a.readDetailsByRevealHash([fakeHash('reveal b')])).size).toBe(0);
      expect((await b.readDetailsByRevealHash([fakeHash('reveal b')])).size).toBe(1);
      expect(await a.readTagBucket(new Uint8Array([0x0b, 0x0b]))).toEqual([]);
      expect(await b.readTagBucket(new Uint8Array([0x0b, 0x0b]))).toEqual([{ tag: tagOf('0b0b', 'b'), leafIndex: 0 }]);
      expect([...(await a.readCounters([fakeHash('counter a'), fakeHash('counter b')])).keys()]).toHaveLength(1);
      expect((await b.partnerSequence('dwp', 10)).last).toBe(1);
      expect((await a.partnerSequence('hmrc', 10)).last).toBeNull();

      // The same partner id and token in both logs: accounts are per log.
      await a.addPartner({ id: 'dwp', name: 'DWP', tokenHash: fakeHash('token'), publicKey: null });
      await b.addPartner({ id: 'dwp', name: 'DWP in 2026', tokenHash: fakeHash('token'), publicKey: null });
      await b.addPartner({ id: 'hmrc', name: null, tokenHash: fakeHash('hmrc token'), publicKey: null });
      await b.revokePartner('dwp');
      expect((await a.listPartners()).map((p) => [p.id, p.revokedAt === null])).toEqual([['dwp', true]]);
      expect((await b.listPartners()).map((p) => [p.id, p.revokedAt === null])).toEqual([
        ['dwp', false],
        ['hmrc', true],
      ]);
      expect((await a.findPartnerByTokenHash(fakeHash('token')))?.name).toBe('DWP');
      expect(await b.findPartnerByTokenHash(fakeHash('token'))).toBeUndefined();
      expect(await a.findPartnerByTokenHash(fakeHash('hmrc token'))).toBeUndefined();
      await b.addOperator({ id: 'ops', tokenHash: fakeHash('ops') });
      expect(await a.listOperators()).toEqual([]);
      expect(await a.findOperatorByTokenHash(fakeHash('ops'))).toBeUndefined();

      await a.recordCodeLists({ sha256: fakeHash('lists a'), body: '{"a":1}', leafIndex: 0 });
      expect(await b.readCodeLists()).toBeUndefined();
      expect(await a.claimTagKeyCheck('2026', fakeHash('check a'))).toEqual(fakeHash('check a'));
      expect(await b.claimTagKeyCheck('2026', fakeHash('check b'))).toEqual(fakeHash('check b'));
      await b.recordWitnessedCheckpoint(batchB.head);
      expect(await a.readWitnessedCheckpoint()).toBeUndefined();
      expect(await b.readWitnessedCheckpoint()).toEqual(batchB.head);

      // One log's end is not another's.
      await b.finalizeLog(cas(batchB.head), batchB.head);
      expect(await a.readLifecycle()).toBeUndefined();
      await expectRejectsWith(b.commitBatch(cas(batchB.head), batchOn(batchB.head, ['b late'])), 'LOG_READ_ONLY');
      await a.commitBatch(cas(batchA.head), batchOn(batchA.head, ['a later']));
      expect((await a.readHead()).treeSize).toBe(4);
      expect((await b.readHead()).treeSize).toBe(2);
    });

    test('stores of three logs on one handle, interleaved: reads and commits never cross logs, nor do their prepared statements', async () => {
      const logs = [undefined, 'x-1', 'y-1'] as const;
      const stores = await Promise.all(logs.map((id) => logStore(id)));
      const heads = logs.map((id) => headAt(0, `${id ?? 'public'} 0`));
      await Promise.all(stores.map((s, i) => s.createLog(META, heads[i]!)));
      await Promise.all(stores.map((s, i) => s.addPartner({ id: 'p', name: `partner of ${logs[i] ?? 'public'}`, tokenHash: fakeHash('shared token'), publicKey: null })));
      for (let round = 0; round < 12; round++) {
        await Promise.all(
          stores.map(async (store, i) => {
            const label = `${logs[i] ?? 'public'} ${round}`;
            const head = heads[i]!;
            // Reads on the prepared statements of every store at once, while the others commit.
            const [seen, tiles, found, partner] = await Promise.all([
              store.readHead(),
              store.readTiles([{ level: 0, index: 0 }]),
              store.findLeafHashes([leafHash(utf8(`${label} entry`))]),
              store.findPartnerByTokenHash(fakeHash('shared token')),
            ]);
            expect(seen).toEqual(head);
            expect(tiles).toEqual([round === 0 ? undefined : tileOf(0, 0, round, `${logs[i] ?? 'public'} ${round - 1}`).data]);
            expect(found.size).toBe(0);
            expect(partner?.name).toBe(`partner of ${logs[i] ?? 'public'}`);
            const batch = { ...batchOn(head, [`${label} entry`], [], label), tiles: [tileOf(0, 0, round + 1, label)] };
            await store.commitBatch(cas(head), batch);
            heads[i] = batch.head;
            expect(await store.readEntries(round, 1)).toEqual([utf8(`${label} entry`)]);
            expect([...(await store.findLeafHashes([leafHash(utf8(`${label} entry`))])).values()]).toEqual([round]);
          }),
        );
      }
      for (const [i, store] of stores.entries()) {
        expect(await store.readHead()).toEqual(heads[i]);
        expect(await store.readEntries(0, 100)).toEqual(Array.from({ length: 12 }, (_, r) => utf8(`${logs[i] ?? 'public'} ${r} entry`)));
      }
    });

    test("the erasure purge of one log rewrites only its own schema's files and state", async () => {
      const a = await logStore(undefined);
      const b = await logStore('purge-b');
      const schemaB = logSchemaName('purge-b');
      for (const store of [a, b]) {
        const head = headAt(0);
        await store.createLog(META, head);
        await store.purgeErased(); // the first purge of a fresh log rewrites its entry_details once
        const b1 = eventBatch(head, 2, { events: [eventAt(0, 'dwp', 1), eventAt(1, 'dwp', 2)], details: [detailsAt(0), detailsAt(1)] });
        await store.commitBatch(cas(head), b1);
        await store.commitBatch(cas(b1.head), eventBatch(b1.head, 1, { events: [eventAt(2, 'dwp', 3, 'erasure', 0)], erasures: [{ targetIndex: 0, erasureIndex: 2 }] }));
      }
      const purgedThrough = async (schema: string | undefined) => Number((await query(sql`select purged_through from ${tableOf(schema, 'erasure_state')}`))[0]!['purged_through']);
      const partitionOf = async (schema: string | undefined) =>
        (await query(sql`select tableoid::regclass::text as part from ${tableOf(schema, 'detail_keys')}`)).map((r) => String(r['part']));
      expect(await partitionOf(schemaB)).toEqual([`${schemaB}.detail_keys_0`]);
      expect(await partitionOf(undefined)).toEqual(['detail_keys_0']);

      expect(await b.purgeErased()).toMatchObject({ through: 2, rewritten: ['detail_keys_0'], walFlushed: true });
      expect(await purgedThrough(schemaB)).toBe(2);
      expect(await purgedThrough(undefined)).toBe(-1);
      expect(await a.readDetails(1)).toEqual(detailsAt(1));
      expect(await a.purgeErased()).toMatchObject({ through: 2, rewritten: ['detail_keys_0'] });
      expect(await purgedThrough(undefined)).toBe(2);
      expect(await b.purgeErased()).toMatchObject({ through: null, rewritten: [] });
    });

    test('a store of a shared database leaves it open when it closes', async () => {
      const a = await logStore(undefined);
      const b = await logStore('closing-1');
      await b.createLog(META, headAt(0));
      await b.close();
      await expectRejectsWith(b.readHead(), 'UNAVAILABLE');
      await a.ping();
      await a.createLog(META, headAt(0));
      expect(await a.readHead()).toEqual(headAt(0));
      const again = await logStore('closing-1');
      await again.createLog(META, headAt(0));
      expect(await again.readHead()).toEqual(headAt(0));
    });
  });
}
