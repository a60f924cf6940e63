/**
 * Opens the database a log lives in: PGlite (PostgreSQL in WASM, in-process) in a data
 * directory by default, in memory for tests, or a PostgreSQL server through postgres.js
 * when a URL is given. Both are driven by the same drizzle code.
 */
import { closeSync, existsSync, openSync, readFileSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite, type PgliteDatabase } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { LogError } from '../errors.js';
import { ensurePrivateDir } from './private-dir.js';

export interface DatabaseConfig {
  /** A PostgreSQL URL (`postgres://user:pass@host:5432/db`): use that server. Wins over the others. */
  readonly databaseUrl?: string;
  /** The PGlite data directory, created if missing, locked while open. Default `./data`. */
  readonly dataDir?: string;
  /** An in-memory PGlite that vanishes on close (tests). */
  readonly memory?: boolean;
  /** With `memory`: start from this `dumpDataDir()` dump instead of an empty cluster (tests clone one migrated database). */
  readonly loadDataDir?: Blob;
  /**
   * With `databaseUrl`: the longest, in seconds, to wait for PostgreSQL to answer when the
   * database is opened, and for each new connection after. Default: the URL's
   * `connect_timeout`, else DEFAULT_CONNECT_TIMEOUT_SECONDS.
   */
  readonly connectTimeoutSeconds?: number;
}

/** How long a connection to PostgreSQL may take by default, in seconds. */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 5;

/** The drizzle API both drivers share: what the log store is written against. */
export type Database = PgDatabase<PgQueryResultHKT>;

export type DatabaseHandle =
  | {
      readonly kind: 'pglite';
      readonly db: PgliteDatabase;
      readonly client: PGlite;
      /** The data directory, or undefined in memory. */
      readonly dataDir: string | undefined;
      /**
       * On disk: deletes the WAL segments made ahead of the current one (a step of the
       * erasure purge, erasure-purge.ts); undefined in memory.
       */
      readonly discardPreallocatedWal: (() => Promise<void>) | undefined;
      /** Closes the database and releases the data directory; safe to call twice. */
      close(): Promise<void>;
    }
  | {
      readonly kind: 'postgres';
      readonly db: PostgresJsDatabase;
      readonly client: postgres.Sql;
      /**
       * One connection of its own for the sequencer's commits. Statements on one connection
       * run in the order sent, so a commit pipelined behind another always finds the head
       * that one made (on the pool, it could overtake it and lose its compare-and-swap).
       */
      readonly writer: PostgresJsDatabase;
      /**
       * A writer connection of its own for one log of a service (by its schema): each log's
       * sequencer pipelines its commits on its own connection, so logs of one service commit
       * side by side, and one log's batches never queue behind another's. Made once per name;
       * closed with the handle.
       */
      writerFor(name: string): PostgresJsDatabase;
      /** Closes every pooled connection; safe to call twice. */
      close(): Promise<void>;
    };

export const LOCK_FILE = 'sightline.lock';
export const DEFAULT_DATA_DIR = 'data';

export async function openDatabase(config: DatabaseConfig): Promise<DatabaseHandle> {
  if (config.databaseUrl !== undefined) return openPostgres(config.databaseUrl, config.connectTimeoutSeconds);
  if (config.memory === true) {
    const client = await createPglite(undefined, config.loadDataDir, 'an in-memory database');
    return pgliteHandle(client, undefined, async () => {});
  }
  const dataDir = resolve(config.dataDir ?? DEFAULT_DATA_DIR);
  try {
    ensurePrivateDir(dataDir);
  } catch (e) {
    throw new LogError('UNAVAILABLE', `cannot create the data directory ${dataDir}: ${(e as Error).message}`, { cause: e });
  }
  const release = lockDataDir(dataDir);
  let client: PGlite;
  try {
    client = await createPglite(dataDir, undefined, `the data directory ${dataDir}`);
    // PGlite lays out a new cluster with files anyone may read and write; the folder itself
    // is 0700 already, so nobody else could reach them, and they are made 0600 here and on
    // close too (for the files made while it ran).
    ensurePrivateDir(dataDir);
  } catch (e) {
    release();
    throw e;
  }
  return pgliteHandle(client, dataDir, async () => {
    try {
      ensurePrivateDir(dataDir);
    } catch {
      // Not worth failing a close over: the folder stays 0700, and the next open tightens it.
    } finally {
      release();
    }
  });
}

/**
 * How PGlite's PostgreSQL is started: as PGlite starts it, but with `wal_recycle = off`, so
 * a WAL segment no longer needed is deleted rather than renamed for reuse with its old
 * content — which could hold an erased entry's key long after the purge (erasure-purge.ts).
 */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'wal_recycle=off'];

/** PostgreSQL's type OID of bytea. */
const BYTEA_OID = 17;

/**
 * bytea to and from PostgreSQL's hex text form with Node's native hex codec. PGlite's own
 * converts a byte at a time in JavaScript (about a third of a second per MiB, on the event
 * loop, since PGlite runs in this thread): a page of large entries then stalled every request.
 */
const PGLITE_TYPES = {
  parsers: { [BYTEA_OID]: (text: string) => new Uint8Array(Buffer.from(text.slice(2), 'hex')) },
  serializers: {
    [BYTEA_OID]: (bytes: unknown) => {
      if (!(bytes instanceof Uint8Array)) throw new TypeError('a bytea parameter must be a Uint8Array');
      return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
    },
  },
};

async function createPglite(dataDir: string | undefined, loadDataDir: Blob | undefined, what: string): Promise<PGlite> {
  // A database was there before this start: its files, not the setup, are what failed.
  const existing = dataDir !== undefined && existsSync(join(dataDir, 'PG_VERSION'));
  try {
    return await PGlite.create(dataDir, { startParams: PGLITE_START_PARAMS, ...PGLITE_TYPES, ...(loadDataDir === undefined ? {} : { loadDataDir }) });
  } catch (e) {
    if (existing) {
      // PGlite's own words here are WebAssembly internals ("Aborted(). Build with
      // -sASSERTIONS …") that tell a user nothing; what they can do is restore a backup.
      throw damaged(`${what} is damaged: its database cannot be started`, e);
    }
    throw new LogError('UNAVAILABLE', `cannot open ${what} with PGlite: ${(e as Error).message}`, { cause: e });
  }
}

function pgliteHandle(client: PGlite, dataDir: string | undefined, release: () => Promise<void>): DatabaseHandle {
  let closing: Promise<void> | undefined;
  return {
    kind: 'pglite',
    db: drizzlePglite({ client }),
    client,
    dataDir,
    discardPreallocatedWal: dataDir === undefined ? undefined : () => discardPreallocatedWal(client, dataDir),
    close() {
      closing ??= (async () => {
        try {
          if (!client.closed) await client.close();
        } finally {
          await release();
        }
      })();
      return closing;
    },
  };
}

/** What a user can do about a damaged database, after `what` says which one and how it shows. */
export function damaged(what: string, cause: unknown): LogError {
  return new LogError('UNAVAILABLE', `${what}; restore the log from a backup and check the copy with sightline fsck (README, "Backing up and restoring a log")`, { cause });
}

/** PostgreSQL's own word that what it read is damaged: data_corrupted (XX001) or index_corrupted (XX002), anywhere in the cause chain. */
export function isCorruption(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c !== null && typeof c === 'object' && depth < 8; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (code === 'XX001' || code === 'XX002') return true;
  }
  return false;
}

/**
 * Deletes the segments in `pg_wal` past the one WAL is being written to. PostgreSQL makes
 * them ahead of need, and with recycling on (PGlite's default before it was started with
 * `wal_recycle = off`) by renaming old segments, content and all; it makes a missing one
 * afresh when it gets there, so deleting them is safe — as long as no statement moves the
 * WAL into one meanwhile, which PGlite's transaction lock ensures: PGlite runs no other
 * statement until the callback returns. The current segment is that of the insert position
 * plus one byte (`pg_walfile_name` names the segment before when given its first byte).
 */
async function discardPreallocatedWal(client: PGlite, dataDir: string): Promise<void> {
  const walDir = join(dataDir, 'pg_wal');
  await client.transaction(async (tx) => {
    const current = (await tx.query<{ name: string }>('select pg_walfile_name(pg_current_wal_insert_lsn() + 1::numeric) as name')).rows[0]?.name;
    if (current === undefined || !WAL_SEGMENT.test(current)) throw new LogError('INTERNAL', `PGlite named no current WAL segment: ${String(current)}`);
    for (const name of readdirSync(walDir)) {
      if (WAL_SEGMENT.test(name) && name > current) unlinkSync(join(walDir, name));
    }
  });
}

/** A WAL segment's file name: timeline, log and segment, 8 hex digits each. */
const WAL_SEGMENT = /^[0-9A-F]{24}$/;

/**
 * While the server is unreachable, a query waits for a connection boundedly, then fails
 * (UNAVAILABLE), and connections come back on their own soon after the server does.
 * postgres.js's defaults wait 30 s to connect and back off between reconnections by up to
 * 20 s, growing with every failure across the pool: after a few seconds of outage a query
 * (and /readyz) waited 10 s or more, and so did the recovery. Seconds, as postgres.js takes them.
 */
function connectionOptions(connectTimeoutSeconds: number) {
  return {
    connect_timeout: connectTimeoutSeconds,
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2),
  } as const;
}

/** The URL's own `connect_timeout` (as libpq reads it), when it is a whole number of seconds. */
function urlConnectTimeout(url: string): number | undefined {
  try {
    const text = new URL(url).searchParams.get('connect_timeout');
    return text !== null && /^[1-9][0-9]{0,4}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

async function openPostgres(url: string, connectTimeoutSeconds: number | undefined): Promise<DatabaseHandle> {
  const timeout = connectTimeoutSeconds ?? urlConnectTimeout(url) ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
  const options = { onnotice: () => {}, ...connectionOptions(timeout) };
  let client: postgres.Sql;
  try {
    client = postgres(url, { max: 10, ...options });
  } catch (e) {
    throw new LogError('UNAVAILABLE', `the database URL ${redactUrl(url)} is not valid: ${(e as Error).message}`, { cause: e });
  }
  await firstAnswer(client, url, timeout);
  const writer = postgres(url, { max: 1, ...options });
  const writers = new Map<string, { client: postgres.Sql; db: PostgresJsDatabase }>();
  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    db: drizzlePostgres({ client }),
    client,
    writer: drizzlePostgres({ client: writer }),
    writerFor(name) {
      let made = writers.get(name);
      if (made === undefined) {
        const own = postgres(url, { max: 1, ...options });
        made = { client: own, db: drizzlePostgres({ client: own }) };
        writers.set(name, made);
      }
      return made.db;
    },
    close() {
      closing ??= Promise.all([client.end({ timeout: 5 }), writer.end({ timeout: 5 }), ...[...writers.values()].map((w) => w.client.end({ timeout: 5 }))]).then(() => undefined);
      return closing;
    },
  };
}

/**
 * Waits, at most `timeout` seconds, for PostgreSQL's first answer; else ends the client and
 * throws one line naming the host and what to check. postgres.js's own connect_timeout is
 * not enough: it bounds one TCP connection, but a host that accepts and then closes (a
 * proxy, a load balancer with no backend, a port that is not PostgreSQL's) makes it
 * reconnect forever, and the command would hang silently.
 */
async function firstAnswer(client: postgres.Sql, url: string, timeout: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), timeout * 1000)));
  let failure: unknown;
  try {
    const answered = client`select 1`.then(() => 'answered' as const);
    answered.catch(() => {}); // once the wait is over, its end rejects it: nobody is listening then
    const outcome = await Promise.race([answered, expired]);
    if (outcome === 'answered') return;
  } catch (e) {
    failure = e;
  } finally {
    clearTimeout(timer);
  }
  await client.end({ timeout: 0 }).catch(() => {});
  throw new LogError('UNAVAILABLE', unreachableMessage(url, timeout, failure), failure === undefined ? {} : { cause: failure });
}

/** Why PostgreSQL could not be reached, in one line a user can act on. `failure` undefined: no answer in time. */
function unreachableMessage(url: string, timeout: number, failure: unknown): string {
  const where = `PostgreSQL at ${hostOf(url)}`;
  const e = failure as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const noAnswer = `check that the host and port in the database URL are right, that PostgreSQL runs there and that no firewall drops the connection; the wait is set with --connect-timeout`;
  if (failure === undefined || code === 'CONNECT_TIMEOUT') return `${where} did not answer within ${timeout} s: ${noAnswer}`;
  if (code === 'ECONNREFUSED') return `${where} refused the connection: check that PostgreSQL runs there and listens on that port`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the database host of ${redactUrl(url)} was not found: check the host name in the database URL`;
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(failure);
  // PostgreSQL's own refusals (a wrong password, a database that does not exist) say what is wrong.
  return `cannot use ${where}: ${message}; check the user, password and database name in the database URL`;
}

/** `host:port` of a database URL, for messages. */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

// --- The data directory lock -------------------------------------------------------------
// PGlite does not lock its data directory, and two processes writing one directory lose
// writes silently. A lock file holding the owner's pid keeps a second process out; a lock
// left by a process that died is taken over.

/** Lock files this process holds, so a pid equal to ours tells "us, again" from "a previous us". */
const held = new Set<string>();

function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      held.add(path);
      return () => unlockDataDir(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new LogError('UNAVAILABLE', `cannot create the lock file ${path}: ${(e as Error).message}`, { cause: e });
      }
    }
    const owner = lockOwner(path);
    if (owner === 'busy') {
      throw new LogError('UNAVAILABLE', `the data directory ${dataDir} is being opened by another process; stop it or use another --data-dir`);
    }
    if (owner !== undefined) {
      throw new LogError('UNAVAILABLE', `the data directory ${dataDir} is in use by process ${owner}; stop it or use another --data-dir`);
    }
    // A stale lock: its process is gone. Remove it and try again.
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new LogError('UNAVAILABLE', `cannot remove the stale lock file ${path}: ${(e as Error).message}`, { cause: e });
      }
    }
  }
  throw new LogError('UNAVAILABLE', `cannot take the lock file ${path}: other processes keep taking it`);
}

/**
 * The live process holding the lock at `path`; undefined when the lock is stale (gone, its
 * process dead, or our own pid left by an earlier run, as after a container restart);
 * 'busy' when the file is too fresh to judge (another process is still writing its pid).
 */
function lockOwner(path: string): number | 'busy' | undefined {
  let text: string;
  let ageMs: number;
  try {
    text = readFileSync(path, 'utf8');
    ageMs = Date.now() - statSync(path).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LogError('UNAVAILABLE', `cannot read the lock file ${path}: ${(e as Error).message}`, { cause: e });
  }
  const match = /^(\d{1,10})\n?$/.exec(text);
  if (!match) return ageMs < 2_000 ? 'busy' : undefined;
  const pid = Number(match[1]);
  if (pid === process.pid) return held.has(path) ? pid : undefined;
  return processAlive(pid) ? pid : undefined;
}

function processAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unlockDataDir(path: string): void {
  if (!held.delete(path)) return;
  try {
    if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
  } catch {
    // Already gone: nothing to release.
  }
}

/** The rows of a raw `execute`: postgres.js returns an array, PGlite `{ rows }`. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  return (result as { rows: Record<string, unknown>[] }).rows;
}
