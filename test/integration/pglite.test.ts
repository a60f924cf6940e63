import { afterAll, beforeAll } from 'vitest';
import { type DatabaseHandle, migrateDatabase, migrateLogSchema, openDatabase } from '../../src/storage/index.js';
import { describeDetailsAtRest, describeLogStore } from '../support/log-store-contract.js';
import { storesOn } from '../support/pg-harness.js';

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
