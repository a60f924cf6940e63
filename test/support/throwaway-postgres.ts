/**
 * A throwaway PostgreSQL cluster of a test's own (initdb + pg_ctl in a temp dir, on a free
 * port), for tests that stop and start the server: never the shared one of DATABASE_URL.
 * initdb and postgres refuse to run as root, so as root they run as the postgres user.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import process from 'node:process';
import { promisify } from 'node:util';
import { onCleanup } from './cleanup.js';
import { freePort } from './ports.js';
import { tempDir } from './temp.js';

const run = promisify(execFile);

export interface ThrowawayPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  readonly port: number;
  /** The cluster's data directory (owned by the postgres user when running as root). */
  readonly dataDir: string;
  /** `pg_ctl stop -m immediate`: the server dies at once, as in a crash. */
  stop(): Promise<void>;
  /** `pg_ctl stop -m fast`: a clean shutdown, with its final checkpoint. */
  stopCleanly(): Promise<void>;
  /** `pg_ctl start`, waiting until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (if running) and removes its directory. */
  destroy(): Promise<void>;
}

/** The directory holding initdb and pg_ctl: the newest /usr/lib/postgresql/N/bin, else PATH. */
function findPgBin(): string | undefined {
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const candidates = [...versions.map((v) => `/usr/lib/postgresql/${v}/bin`), ...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== '')];
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = findPgBin();
  if (bin === undefined) {
    throw new Error('a throwaway PostgreSQL needs initdb and pg_ctl (in /usr/lib/postgresql/*/bin or on PATH); install the PostgreSQL server package');
  }
  const root = process.getuid?.() === 0;
  if (root && spawnSync('id', ['postgres']).status !== 0) {
    throw new Error('running as root, a throwaway PostgreSQL needs a postgres user to run as (initdb and postgres refuse root)');
  }
  /** Runs a PostgreSQL program as the cluster's owner; throws with its output if it fails. */
  const asOwner = async (program: string, args: string[]): Promise<void> => {
    const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args];
    try {
      await run(file, argv);
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${program} ${args[0] ?? ''} failed: ${err.stderr?.trim() || err.stdout?.trim() || err.message}`);
    }
  };

  const dir = tempDir('pg'); // removed at the end of the test file at the latest
  if (root) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const data = join(dir, 'data');
  const port = await freePort();
  let running = false;
  const start = async (): Promise<void> => {
    try {
      await asOwner('pg_ctl', ['start', '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`]);
    } catch (e) {
      let log = '';
      try {
        log = execFileSync('tail', ['-n', '20', join(dir, 'server.log')]).toString();
      } catch {
        // No log yet.
      }
      throw new Error(`${(e as Error).message}\n${log}`);
    }
    running = true;
  };
  // A test that fails or times out before destroy() still stops its cluster.
  onCleanup(async () => {
    if (running) await asOwner('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
    running = false;
  });
  await asOwner('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir: data,
    start,
    async stop() {
      await asOwner('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
      running = false;
    },
    async stopCleanly() {
      await asOwner('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w']);
      running = false;
    },
    async destroy() {
      try {
        if (running) await asOwner('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
      } finally {
        running = false;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
