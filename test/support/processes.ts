/**
 * The one way tests start processes. Each child runs in a process group of its own
 * (`detached`), so stopping it also stops whatever it started (npm's node, pg_ctl's
 * postgres); it is killed at the end of the test file if the test did not stop it, and
 * synchronously if the test worker itself exits. The suite's global teardown then checks
 * that no process of the run is left (test/support/global-setup.ts).
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { onCleanup } from './cleanup.js';

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

// A worker that exits (a crash, or the runner ending it) takes its children with it.
process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

/** The child has exited (resolves at once if it already has). */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Stops a tracked child: `signal` to its group, then SIGKILL to the group if it has not
 * exited after `graceMs` (a hang stop, not a wait: a healthy child exits long before).
 */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<number | null> {
  const done = exited(child);
  if (child.exitCode === null && child.signalCode === null) {
    killGroup(child, signal);
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        killGroup(child, 'SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([done, killed]);
    clearTimeout(timer);
  }
  const code = await done;
  // Whatever the child started and left behind in its group goes too.
  killGroup(child, 'SIGKILL');
  return code;
}

/** `spawn`, in a process group of its own, stopped at the end of the test file at the latest. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  live.add(child);
  const forget = onCleanup(async () => {
    await stopProcess(child, 'SIGKILL');
  });
  child.once('exit', () => {
    live.delete(child);
    // The group may outlive its leader; it is killed with it.
    killGroup(child, 'SIGKILL');
    void forget(); // nothing left to stop: drop it from the file's cleanups
  });
  return child;
}
