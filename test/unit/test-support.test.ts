/**
 * The suite's own guards against leaks: a process a test started and did not stop is
 * stopped with its whole group by the file's cleanups, and the run's leak check finds a
 * process by the mark in its environment, wherever it was re-parented.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { onCleanup, runCleanups } from '../support/cleanup.js';
import { markedProcesses } from '../support/global-setup.js';
import { exited, spawnTracked, stopProcess } from '../support/processes.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/waits.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a process left running, and the child it started, are stopped by the cleanups; its temp folder goes too', async () => {
  const mark = `SIGHTLINE_TEST_SUPPORT_MARK=${randomBytes(6).toString('hex')}`;
  const [name, value] = mark.split('=') as [string, string];
  const dir = tempDir('support');
  const pidFile = join(dir, 'grandchild.pid');
  // A parent that starts a grandchild, reports its pid, and then both idle for ever.
  const script = `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setInterval(() => {}, 1000);`;
  const parent = spawnTracked(process.execPath, ['-e', script], { stdio: 'ignore', env: { ...process.env, [name]: value } });
  await until(() => existsSync(pidFile), 'the grandchild to start');
  const grandchild = Number(readFileSync(pidFile, 'utf8'));

  // The leak check sees both by their mark.
  const seen = markedProcesses(mark).map((p) => p.pid);
  expect(seen).toContain(parent.pid);
  expect(seen).toContain(grandchild);

  let ran = false;
  onCleanup(() => {
    ran = true;
  });
  await runCleanups(); // what the file's afterAll does, however its tests ended
  expect(ran).toBe(true);
  await exited(parent);
  await until(() => !alive(grandchild), 'the grandchild to be gone');
  expect(markedProcesses(mark)).toEqual([]);
  expect(existsSync(dir)).toBe(false);
});

test('stopProcess sends the signal to the group and returns the exit code', async () => {
  const child = spawnTracked(process.execPath, ['-e', "process.on('SIGTERM', () => process.exit(7)); setInterval(() => {}, 1000); console.log('up')"], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  expect(await stopProcess(child)).toBe(7);
});

test('a cleanup that throws does not stop the others, and its error is reported', async () => {
  const done: string[] = [];
  onCleanup(() => void done.push('first'));
  onCleanup(() => {
    throw new Error('broken cleanup');
  });
  onCleanup(() => void done.push('last'));
  await expect(runCleanups()).rejects.toThrow('broken cleanup');
  expect(done).toEqual(['last', 'first']); // newest first, all of them
  writeFileSync(join(tempDir('support-after'), 'x'), ''); // the registry still works afterwards
});
