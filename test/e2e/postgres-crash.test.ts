/**
 * Crash safety on PostgreSQL: the real server process under concurrent writes (raw entries
 * and typed events), killed with SIGKILL at random moments and restarted on the same
 * database, a fresh one made for this run on the server of DATABASE_URL and dropped after.
 * Nothing acknowledged is lost or moved, every receipt verifies against the final head, no
 * size is ever signed with two roots, and fsck passes. `LONG=1` kills it at least 50
 * times; `CRASH_SEED=N` replays a run's kill schedule. Runs when DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, expect, test } from 'vitest';
import { drillKills, runCrashDrill } from '../support/crash-drill.js';
import { tempDir } from '../support/temp.js';

const serverUrl = process.env.DATABASE_URL;
if (serverUrl === undefined) throw new Error('postgres-crash.test.ts needs DATABASE_URL (vitest.config.ts should have left it out)');
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const name = `sightline_crash_${randomBytes(6).toString('hex')}`;
const dir = tempDir('pg-crash');
afterAll(async () => {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

const kills = drillKills();

test(`PostgreSQL: ${kills} SIGKILLs under write load lose nothing acknowledged and never fork the log`, async () => {
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const summary = await runCrashDrill({ backend: 'postgres', dir, storageArgs: ['--data-dir', join(dir, 'data')], env: { DATABASE_URL: url.toString() }, kills });
  expect(summary.kills).toBe(kills);
  expect(summary.lost).toBe(0);
  expect(summary.forks).toBe(0);
  expect(summary.acknowledged).toBeGreaterThan(0);
}, 60_000 + kills * 15_000);
