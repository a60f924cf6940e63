/**
 * Once per run: the run gets a temp folder of its own (TMPDIR, so every `os.tmpdir()` of
 * the tests, of the processes they start and of the libraries they use lands in it) and a
 * mark in the environment that every process it starts inherits. At the end the run is
 * checked: a process that still carries the mark, or anything left in the temp folder,
 * fails the run — after being killed or removed, so one leak never outlives the run.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The variable whose value marks the processes of this run. */
export const RUN_MARK = 'SIGHTLINE_TEST_RUN';

export interface Leftover {
  readonly pid: number;
  readonly command: string;
}

/** Live processes whose environment carries `mark`, except this process and the children of `runner` (the test runner's own). */
export function markedProcesses(mark: string, runner?: number): Leftover[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d));
  } catch {
    return []; // no /proc: the per-file cleanups are the only guard
  }
  const found: Leftover[] = [];
  for (const pid of pids) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(mark)) continue;
      const ppid = Number(/^PPid:\s+([0-9]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]);
      if (Number(pid) === process.pid || ppid === runner) continue;
      found.push({ pid: Number(pid), command: readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim().slice(0, 160) });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

export default function setup(): () => void {
  const runId = randomBytes(6).toString('hex');
  const runTmp = mkdtempSync(join(tmpdir(), 'sightline-test-run-'));
  // Traversable, not listable: a throwaway PostgreSQL runs as the postgres user in a folder
  // of its own inside (each test folder is itself made private by mkdtemp).
  chmodSync(runTmp, 0o711);
  process.env[RUN_MARK] = runId;
  process.env.TMPDIR = runTmp;
  return () => {
    const processes = markedProcesses(`${RUN_MARK}=${runId}`, process.pid);
    for (const p of processes) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    let files: string[] = [];
    try {
      files = readdirSync(runTmp);
    } catch {
      // removed already
    }
    rmSync(runTmp, { recursive: true, force: true });
    const lines = [
      ...processes.map((p) => `  process ${p.pid} still running: ${p.command}`),
      ...files.map((f) => `  left in the temp folder: ${f}`),
    ];
    if (lines.length === 0) {
      process.stdout.write('leak check: no process of this run is alive, and no temp folder or file of it remains\n');
    } else {
      process.stderr.write(`leak check: FAILED: the run left ${processes.length} process(es) and ${files.length} temp item(s); each was stopped or removed:\n${lines.join('\n')}\n`);
      process.exitCode = 1;
    }
  };
}
