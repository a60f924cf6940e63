/**
 * A PostgreSQL database of the benchmark's own: a fresh database on the local server
 * (127.0.0.1:5432, or BENCH_PG_HOST/BENCH_PG_PORT), or else a throwaway server in a temp
 * directory, started with the installed initdb/pg_ctl. Both are removed by `drop()`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

export interface BenchDatabase {
  readonly url: string;
  /** Where it runs, for the report. */
  readonly where: string;
  /** Another fresh database on the same server. */
  create(name: string): Promise<string>;
  version(): Promise<string>;
  /** Bytes used by a database made by `create`. */
  size(url: string): Promise<number>;
  /** VACUUM ANALYZE a database made by `create`, as after any bulk load. */
  vacuum(url: string): Promise<void>;
  drop(): Promise<void>;
}

function randomName(prefix: string): string {
  return `${prefix}_${Math.random().toString(16).slice(2, 10)}`;
}

async function serverAt(adminUrl: string, where: string, stop: () => void): Promise<BenchDatabase> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const created: string[] = [];
  const urlFor = (db: string) => {
    const u = new URL(adminUrl);
    u.pathname = `/${db}`;
    return u.toString();
  };
  const create = async (name: string) => {
    const db = randomName(`sightline_bench_${name}`);
    await admin.unsafe(`create database ${db}`);
    created.push(db);
    return urlFor(db);
  };
  const url = await create('main');
  return {
    url,
    where,
    create,
    async version() {
      const [row] = await admin`show server_version`;
      return `PostgreSQL ${String(row?.server_version).split(' ')[0]}`;
    },
    async size(dbUrl) {
      const name = new URL(dbUrl).pathname.slice(1);
      const [row] = await admin`select pg_database_size(${name})::text as bytes`;
      return Number(row?.bytes);
    },
    async vacuum(dbUrl) {
      const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe('vacuum (analyze)');
      } finally {
        await sql.end();
      }
    },
    async drop() {
      for (const db of created) await admin.unsafe(`drop database if exists ${db} with (force)`).catch(() => {});
      await admin.end();
      stop();
    },
  };
}

async function reachable(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function pgBinDir(): string | undefined {
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (fromConfig.status === 0 && existsSync(join(fromConfig.stdout.trim(), 'initdb'))) return fromConfig.stdout.trim();
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(base, v, 'bin')).find((d) => existsSync(join(d, 'initdb')));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** initdb and postgres refuse to run as root: run them as the postgres user then. */
function asOwner(cmd: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export async function benchDatabase(): Promise<BenchDatabase> {
  const host = process.env.BENCH_PG_HOST ?? '127.0.0.1';
  const port = process.env.BENCH_PG_PORT ?? '5432';
  for (const user of ['postgres', process.env.USER ?? 'root']) {
    const adminUrl = `postgres://${user}@${host}:${port}/postgres`;
    if (await reachable(adminUrl)) return serverAt(adminUrl, `the server at ${host}:${port}`, () => {});
  }
  const bin = pgBinDir();
  if (bin === undefined) throw new Error('no PostgreSQL server is reachable on 127.0.0.1:5432 and initdb is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'sightline-bench-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const throwawayPort = await freePort();
  asOwner(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  asOwner(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${throwawayPort} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
  const stop = () => {
    try {
      asOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return serverAt(`postgres://postgres@127.0.0.1:${throwawayPort}/postgres`, `a throwaway server on 127.0.0.1:${throwawayPort}`, stop);
}
