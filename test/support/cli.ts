/**
 * Runs the real, built `sightline` bin (test/support/build-setup.ts builds it into a temp
 * folder) as its own process: for tests about the process — servers, signals, exit codes.
 * Commands that are not about the process run in-process (test/support/run-cli.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { exited, spawnTracked, stopProcess } from './processes.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built package's folder, laid out as installed (package.json, dist/, migrations/). */
export function builtPackage(): string {
  const pkg = process.env.SIGHTLINE_TEST_PACKAGE;
  if (pkg === undefined) throw new Error('the built package is missing: run this file in the e2e or browser project (npm run test:e2e), whose global setup builds it');
  return pkg;
}

/** The bin, as `node dist/cli/main.js`. */
export function binArgs(args: readonly string[]): string[] {
  return [join(builtPackage(), 'dist', 'cli', 'main.js'), ...args];
}

/** How a spawned command is started. */
export interface SpawnOptions {
  /** The umask it starts with (octal text, e.g. '000'); by default this process's. */
  readonly umask?: string;
}

/** The program and arguments that run `sightline ARGS…`, under `umask` when given. */
function command(args: readonly string[], options: SpawnOptions): [string, string[]] {
  if (options.umask === undefined) return [process.execPath, binArgs(args)];
  if (!/^[0-7]{3,4}$/.test(options.umask)) throw new Error(`not a umask: ${options.umask}`);
  return ['sh', ['-c', `umask ${options.umask} && exec "$0" "$@"`, process.execPath, ...binArgs(args)]];
}

/** The environment of a spawned command: the parent's, whose DATABASE_URL must not leak into a PGlite run. */
export function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return { ...rest, ...env };
}

/** Spawns `sightline ARGS…`, optionally with `stdin`, and gathers its exit code and output. */
export async function spawnCli(args: string[], env: Record<string, string | undefined> = {}, stdin?: string, options: SpawnOptions = {}): Promise<CliResult> {
  const running = startCli(args, env, options);
  running.child.stdin!.end(stdin);
  const code = await running.exited;
  return { code, ...running.output };
}

/** A `sightline` process: its output so far, and ways to wait for it and to stop it. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything it wrote so far. */
  readonly output: { stdout: string; stderr: string };
  /** Its exit code, once it has exited and its output is complete. */
  readonly exited: Promise<number | null>;
  /** Resolves once `check` holds for the output (checked on every write; the test's time limit catches a hang). */
  until(check: (output: { stdout: string; stderr: string }) => boolean, what: string): Promise<void>;
  /** SIGTERM (or `signal`), then the exit code once its output is complete. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `sightline ARGS…` and returns at once; the test waits for the states it needs with `until`. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}, options: SpawnOptions = {}): CliProcess {
  const child = spawnTracked(...command(args, options), { cwd: builtPackage(), env: cleanEnv(env) });
  const output = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const w of [...waiters]) w();
  };
  // Each stream decoded as one UTF-8 stream: a character split across two chunks stays whole.
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    output.stdout += d;
    changed();
  });
  child.stderr!.on('data', (d: string) => {
    output.stderr += d;
    changed();
  });
  // Its output is complete once its streams close, which may come after the exit.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const done = exited(child).then(async (code) => {
    await closed;
    return code;
  });
  return {
    child,
    output,
    exited: done,
    until: (check, what) =>
      new Promise<void>((resolvePromise, reject) => {
        const test = () => {
          if (!check(output)) return;
          waiters.delete(test);
          resolvePromise();
        };
        waiters.add(test);
        void done.then((code) => {
          if (!waiters.has(test)) return;
          waiters.delete(test);
          if (check(output)) resolvePromise();
          else reject(new Error(`sightline ${args[0]} exited with ${code} before ${what}:\n${output.stderr.trim()}`));
        });
        test();
      }),
    stop: async (signal = 'SIGTERM') => {
      await stopProcess(child, signal);
      return done;
    },
  };
}

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Its JSON log lines so far. */
  readonly lines: Record<string, unknown>[];
  /** SIGTERM (or `signal`), then the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `sightline serve` on an ephemeral port and waits for its "listening" log line. */
export function startServe(args: string[], env: Record<string, string | undefined> = {}, options: SpawnOptions = {}): Promise<ServerProcess> {
  return startListening('serve', args, env, options);
}

/** Starts `sightline witness` on an ephemeral port and waits for its "listening" log line. */
export function startWitness(args: string[], env: Record<string, string | undefined> = {}, options: SpawnOptions = {}): Promise<ServerProcess> {
  return startListening('witness', args, env, options);
}

/** Starts `sightline mirror` on an ephemeral port and waits for its "listening" log line. */
export function startMirror(args: string[], env: Record<string, string | undefined> = {}, options: SpawnOptions = {}): Promise<ServerProcess> {
  return startListening('mirror', args, env, options);
}

/** The JSON records among a server's output lines. */
function logLines(stdout: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line still being written
    }
  }
  return records;
}

async function startListening(name: 'serve' | 'witness' | 'mirror', args: string[], env: Record<string, string | undefined>, options: SpawnOptions): Promise<ServerProcess> {
  const running = startCli([name, '--port', '0', ...args], env, options);
  const listening = () => logLines(running.output.stdout).find((r) => r.msg === 'listening');
  await running.until(() => listening() !== undefined, 'listening');
  return {
    url: String(listening()!.url),
    child: running.child,
    get lines() {
      return logLines(running.output.stdout);
    },
    stop: (signal) => running.stop(signal),
  };
}
