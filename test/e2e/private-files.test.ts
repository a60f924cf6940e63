/**
 * Everything the real processes write is private to their user whatever the umask they
 * start with: the log's data directory (PGlite's files, the log key, the year keys), the
 * witness's, and the monitor's state — directories 0700, files 0600. Each process here
 * starts under umask 000, the loosest there is.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { spawnCli, startServe, startWitness } from '../support/cli.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';

const LOOSEST = { umask: '000' };

/** Every path under `dir` that anyone but its owner may read, write or enter. */
function notPrivate(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if (stat.mode % 0o100 !== 0) found.push(`${path} ${(stat.mode % 0o1000).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return found;
}

test('the log, a witness and a monitor, started under umask 000, leave only 0700 folders and 0600 files', async () => {
  const root = tempDir('private-files');
  const dataDir = join(root, 'log-data');
  const log = await startServe(['--data-dir', dataDir, '--origin', 'private.sightline.example/log'], {}, LOOSEST);
  const logKey = String(log.lines.find((l) => l.msg === 'generated a new log key')!.verifierKey);
  const added = await runCli(['partner', 'add', 'dwp-uc', '--json', '--data-dir', dataDir]);
  const { token } = JSON.parse(added.stdout) as { token: string };
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${log.url}/v1/entries`, { method: 'POST', body: `entry ${i}`, headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(201);
  }

  const witnessDir = join(root, 'witness-data');
  const witness = await startWitness(['--log', logKey, '--data-dir', witnessDir], {}, LOOSEST);

  const stateDir = join(root, 'monitor-state');
  const monitor = await spawnCli(['monitor', log.url, '--log-key', logKey, '--state', stateDir, '--once'], {}, undefined, LOOSEST);
  expect(monitor.code, monitor.stderr).toBe(0);

  expect(await witness.stop()).toBe(0);
  expect(await log.stop()).toBe(0);
  for (const dir of [dataDir, witnessDir, stateDir]) {
    expect(readdirSync(dir).length, dir).toBeGreaterThan(0);
    expect(notPrivate(dir)).toEqual([]);
  }
});
