/**
 * Runs a `sightline` command in this process (src/cli/run.ts), with its output captured:
 * for tests about what a command does, not about the process running it (spawnCli in
 * ./cli.ts runs the real executable).
 */
import { type CliIo, runCli as run } from '../../src/cli/run.js';
import { type CliResult, cleanEnv } from './cli.js';

export type { CliResult };

/**
 * `sightline ARGS…` in-process: its exit status and everything it wrote (the code is never
 * null here: nothing kills it), with the environment a spawned command gets. `stdin` is its
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
