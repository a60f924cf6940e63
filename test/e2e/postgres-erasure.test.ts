/**
 * An erased record's details must not stay on disk, on PostgreSQL: the real server on a
 * throwaway cluster of this test's own, set as SECURITY.md asks of an operator
 * (`ALTER SYSTEM SET wal_recycle = off`); after an erasure answered 410, the server's clean
 * stop and the cluster's, no file of the cluster's data directory holds the erased details,
 * their opening or their key. Then the cluster is set back as PostgreSQL ships
 * (`wal_recycle = on`), and the server says so in one warning line when it starts. Runs when
 * DATABASE_URL is set, as the other PostgreSQL tests do.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { expect, test } from 'vitest';
import { byteaFromDriver } from '../../src/storage/schema.js';
import { type ServerProcess, startServe } from '../support/cli.js';
import { onCleanup } from '../support/cleanup.js';
import { attackErasure } from '../support/erasure-scenario.js';
import { runCli } from '../support/run-cli.js';
import { startThrowawayPostgres } from '../support/throwaway-postgres.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/waits.js';

if (process.env.DATABASE_URL === undefined) throw new Error('postgres-erasure.test.ts needs DATABASE_URL (vitest.config.ts should have left it out)');

const ERASURE_WARNING = /^erased details can stay on the database server's disk: /;

test('PostgreSQL: after an erasure and clean stops, no file of the cluster holds the erased details, opening or key; a setting that defeats it is named at start', async () => {
  const pg = await startThrowawayPostgres();
  await setWalRecycle(pg.url, 'off');
  const dir = tempDir('pg-erasure');
  const origin = 'pg-erasure.sightline.example/log';
  const keygen = await runCli(['keygen', '--origin', origin]);
  expect(keygen.code, keygen.stderr).toBe(0);
  const keyFile = join(dir, 'log.key');
  writeFileSync(keyFile, keygen.stdout.split('\n')[0] + '\n', { mode: 0o600 });
  const env = { DATABASE_URL: pg.url };
  const servers: ServerProcess[] = [];
  const start = async () => {
    const server = await startServe(['--key-file', keyFile, '--data-dir', join(dir, 'data')], env);
    servers.push(server);
    return server;
  };

  await attackErasure({
    origin,
    dataDir: pg.dataDir,
    start,
    cliArgs: ['--key-file', keyFile],
    cliEnv: env,
    async readKeys(indices) {
      const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
      try {
        const rows = await sql`select leaf_index, key from detail_keys where leaf_index = any(${[...indices]}::bigint[])`;
        return new Map(rows.map((r) => [Number(r['leaf_index']), byteaFromDriver(r['key'])]));
      } finally {
        await sql.end();
      }
    },
    settle: () => pg.stopCleanly(),
    resume: () => pg.start(),
  });
  // Set as SECURITY.md asks, nothing defeats the purge, and the server says nothing about it.
  for (const server of servers) expect(server.lines.filter((l) => ERASURE_WARNING.test(String(l.msg)))).toEqual([]);

  // As PostgreSQL ships: the server does not change it, and says so once, naming the setting.
  await setWalRecycle(pg.url, 'on');
  const server = await start();
  try {
    const warnings = server.lines.filter((l) => ERASURE_WARNING.test(String(l.msg)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!['level']).toBe('warn');
    expect(warnings[0]!['problems']).toEqual([expect.stringMatching(/^wal_recycle is on: /)]);
    // Serving: so its stop signal handler is in place before the stop.
    expect((await fetch(`${server.url}/checkpoint`)).status).toBe(200);
  } finally {
    expect(await server.stop()).toBe(0);
  }
  await pg.destroy();
});

/** Sets `wal_recycle` as an operator would, and waits until new sessions see it. */
async function setWalRecycle(url: string, value: 'on' | 'off'): Promise<void> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const ended = onCleanup(() => admin.end());
  await admin.unsafe(`alter system set wal_recycle = ${value}`);
  await admin.unsafe('select pg_reload_conf()');
  await ended();
  await until(async () => {
    const session = postgres(url, { max: 1, onnotice: () => {} });
    try {
      return (await session`show wal_recycle`)[0]!['wal_recycle'] === value;
    } finally {
      await session.end();
    }
  }, `wal_recycle = ${value} in new sessions`);
}
