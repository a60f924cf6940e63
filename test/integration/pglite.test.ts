import { afterAll, beforeAll } from 'vitest';
import { type DatabaseHandle, migrateDatabase, openDatabase } from '../../src/storage/index.js';
import { describeDetailsAtRest, describeLogStore } from '../support/log-store-contract.js';
import { storesOn } from '../support/pg-harness.js';

// One in-memory PGlite for the file: migrating takes seconds, emptying it milliseconds.
let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await openDatabase({ memory: true });
  await migrateDatabase(handle);
});
afterAll(() => handle?.close());

describeLogStore('PgLogStore on PGlite', storesOn(() => handle));
describeDetailsAtRest('PgLogStore on PGlite', () => handle);
