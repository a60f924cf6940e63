/**
 * Crash safety on PGlite: the real server process under concurrent writes (raw entries and
 * typed events), killed with SIGKILL at random moments and restarted on the same data
 * directory. Nothing acknowledged is lost or moved, every receipt verifies against the
 * final head, no size is ever signed with two roots, and fsck passes. `LONG=1` kills it
 * at least 50 times; `CRASH_SEED=N` replays a run's kill schedule.
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { drillKills, runCrashDrill } from '../support/crash-drill.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('crash');

const kills = drillKills();

test(`PGlite: ${kills} SIGKILLs under write load lose nothing acknowledged and never fork the log`, async () => {
  const summary = await runCrashDrill({ backend: 'pglite', dir, storageArgs: ['--data-dir', join(dir, 'data')], env: {}, kills });
  expect(summary.kills).toBe(kills);
  expect(summary.lost).toBe(0);
  expect(summary.forks).toBe(0);
  expect(summary.acknowledged).toBeGreaterThan(0);
}, 60_000 + kills * 15_000);
