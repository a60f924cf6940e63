import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DatabaseHandle, migrateDatabase, migrateLogSchema, openDatabase, openLogStoreOn } from '../../src/storage/index.js';
import { META, batchOn, describeDetailsAtRest, describeLogStore, expectRejectsWith, headAt } from '../support/log-store-contract.js';
import { describeManyLogs } from '../support/many-logs-contract.js';
import { storesOn } from '../support/pg-harness.js';
import { tempDir } from '../support/temp.js';

// One in-memory PGlite for the file: migrating takes seconds, emptying it milliseconds. The
// public schema holds the log of a one-log database; `log_b` is a log of its own, as every
// further log of a service is.
let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await openDatabase({ memory: true });
  await migrateDatabase(handle);
  await migrateLogSchema(handle, 'log_b');
});
afterAll(() => handle?.close());

describeLogStore('PgLogStore on PGlite', storesOn(() => handle));
describeDetailsAtRest('PgLogStore on PGlite', () => handle);
describeLogStore('PgLogStore on PGlite, in the schema of a log', storesOn(() => handle, 'log_b'));
describeDetailsAtRest('PgLogStore on PGlite, in the schema of a log', () => handle, 'log_b');
describeManyLogs('PGlite', () => handle);

describe('PGlite: many logs in one data directory', () => {
  test('the read-only guard and every log survive reopening the data directory', async () => {
    const dir = tempDir('many-logs');
    let h = await openDatabase({ dataDir: dir });
    try {
      const legacy = await openLogStoreOn(h, undefined);
      const log = await openLogStoreOn(h, 'dwp-2026');
      await legacy.createLog(META, headAt(0));
      await log.createLog(META, headAt(0));
      const b1 = batchOn(headAt(0), ['one']);
      await log.commitBatch({ treeSize: 0, rootHash: headAt(0).rootHash }, b1);
      await log.finalizeLog({ treeSize: 1, rootHash: b1.head.rootHash }, b1.head);
      await h.close();

      h = await openDatabase({ dataDir: dir });
      const again = await openLogStoreOn(h, 'dwp-2026');
      expect((await again.readLifecycle())?.finalCheckpoint).toBe(b1.head.checkpoint);
      await expectRejectsWith(again.commitBatch({ treeSize: 1, rootHash: b1.head.rootHash }, batchOn(b1.head, ['late'])), 'LOG_READ_ONLY');
      expect(await again.readEntries(0, 10)).toEqual([b1.entries[0]!.data]);
      // The public log of the same directory is still writable.
      const legacyAgain = await openLogStoreOn(h, undefined);
      await legacyAgain.commitBatch({ treeSize: 0, rootHash: headAt(0).rootHash }, batchOn(headAt(0), ['public one']));
      expect((await legacyAgain.readHead()).treeSize).toBe(1);
    } finally {
      await h.close();
    }
  });
});
