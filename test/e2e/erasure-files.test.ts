/**
 * An erased record's details must not stay on disk (PGlite, the default database): after an
 * erasure answered 410 and a clean stop, no file of the data directory — heap, indexes, WAL,
 * anything — holds the erased details, their opening or the key they were sealed with.
 * The same attack on PostgreSQL is in postgres-erasure.test.ts.
 */
import { sql } from 'drizzle-orm';
import { test } from 'vitest';
import { byteaFromDriver } from '../../src/storage/schema.js';
import { rowsOf } from '../../src/storage/db.js';
import { openDatabase } from '../../src/storage/index.js';
import { startServe } from '../support/cli.js';
import { attackErasure } from '../support/erasure-scenario.js';
import { tempDir } from '../support/temp.js';

test('PGlite: after an erasure and a clean stop, no file of the data directory holds the erased details, opening or key', async () => {
  const dataDir = tempDir('erasure-files');
  const origin = 'erasure.sightline.example/log';
  await attackErasure({
    origin,
    dataDir,
    start: () => startServe(['--data-dir', dataDir, '--origin', origin]),
    cliArgs: ['--data-dir', dataDir],
    cliEnv: {},
    async readKeys(indices) {
      const handle = await openDatabase({ dataDir });
      try {
        const rows = rowsOf(await handle.db.execute(sql`select leaf_index, key from detail_keys where leaf_index = any(${sql.param([...indices])}::bigint[])`));
        return new Map(rows.map((r) => [Number(r['leaf_index']), byteaFromDriver(r['key'])]));
      } finally {
        await handle.close();
      }
    },
    settle: async () => {},
    resume: async () => {},
  });
});
