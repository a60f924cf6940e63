/** Runs the real `sightline` CLI from source (through tsx), as a user would. */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '..', '..');
const MAIN = resolve(root, 'src', 'cli', 'main.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  // The parent's DATABASE_URL must not leak into a PGlite run.
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return { ...rest, ...env };
}

export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: root, env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `sightline serve` on an ephemeral port and waits for its "listening" log line. */
export function startServe(args: string[], env: Record<string, string | undefined> = {}): Promise<ServerProcess> {
  return startListening('serve', args, env);
}

/** Starts `sightline witness` on an ephemeral port and waits for its "listening" log line. */
export function startWitness(args: string[], env: Record<string, string | undefined> = {}): Promise<ServerProcess> {
  return startListening('witness', args, env);
}

function startListening(command: 'serve' | 'witness', args: string[], env: Record<string, string | undefined>): Promise<ServerProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, command, '--port', '0', ...args], { cwd: root, env: cleanEnv(env) });
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      lines.push(record);
      if (record.msg === 'listening') {
        resolvePromise({
          url: String(record.url),
          child,
          lines,
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`sightline ${command} exited with ${code} before listening: ${stderr.trim()}`)));
  });
}
