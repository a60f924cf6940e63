/**
 * Runs a `sightline` command in this process (src/cli/run.ts), with its output captured:
 * for tests about what a command does, not about the process running it (spawnCli in
 * ./cli.ts runs the real executable).
 */
import { type CliIo, runCli as run } from '../../src/cli/run.js';

/** What a command did, shaped like spawnCli's result (code is never null here: nothing kills it). */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a spawned command would get: this process's, without DATABASE_URL, plus `env`. */
function cleanEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  // The parent's DATABASE_URL must not leak into a PGlite run.
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return { ...rest, ...env };
}

/**
 * `sightline ARGS…` in-process: its exit status and everything it wrote. `stdin` is its
 * standard input (read once, as a pipe is; empty when not given). Nothing signals it: a
 * command that runs until SIGTERM (serve, witness) never returns here.
 */
export async function runCli(args: string[], env: Record<string, string | undefined> = {}, stdin?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  let input: Uint8Array | undefined = new TextEncoder().encode(stdin ?? '');
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: async () => {
      const bytes = input ?? new Uint8Array(0);
      input = undefined;
      return bytes;
    },
    env: cleanEnv(env),
    onStopSignal: () => () => {},
  };
  const code = await run(args, io);
  return { code, stdout, stderr };
}
