/**
 * What a `sightline` command talks to: its output streams, its standard input, its
 * environment and the signals that stop it. The executable passes this process's
 * (`processIo`); a caller running a command in-process passes its own, and the command
 * then touches no process-wide state.
 */
import { readFileSync } from 'node:fs';

/** Where a command writes: a stream, or a buffer. */
export interface CliWriter {
  write(text: string): unknown;
  /** True when it is a terminal (progress lines are drawn only there). */
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: CliWriter;
  readonly stderr: CliWriter;
  /** Reads standard input to its end (for `--id -`, `verify -` and the like). */
  stdin(): Promise<Uint8Array>;
  /** The environment the command sees, in place of process.env. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Calls `handler` on SIGINT or SIGTERM until the returned function is called. A caller
   * that cannot be signalled may never call `handler`.
   */
  onStopSignal(handler: () => void): () => void;
}

/** This process's streams, environment and signals: what the `sightline` executable runs with. */
export const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: async () => new Uint8Array(readFileSync(0)),
  env: process.env,
  onStopSignal(handler) {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
};

/** A server's log: one JSON object per line, with the time, on `out`. */
export function jsonLines(out: CliWriter): (record: Record<string, unknown>) => void {
  return (record) => {
    out.write(JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
  };
}

/** The log lines of a server run by the executable, on this process's stdout. */
export const processLogger = jsonLines(processIo.stdout);
