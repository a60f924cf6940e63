/**
 * Making an erasure reach the disk. Deleting a row in PostgreSQL leaves its bytes where they
 * were: in the dead tuple (plain VACUUM marks the space free but does not zero it), in index
 * pages, in the WAL record of its insert and in any full-page image of its page — and, with
 * `wal_recycle = on` (the default), in old WAL segments renamed for reuse with their content.
 * Details are therefore stored sealed (sealed-details.ts), so only their 32-byte keys ever
 * need to leave the files, and after erasures the server runs this purge itself:
 *
 * 1. seal any row still stored in the clear (written before details were sealed);
 * 2. rewrite (VACUUM FULL) each `detail_keys` partition that held an erased key, and
 *    `entry_details` once after legacy rows were sealed: a rewrite copies only live rows to
 *    new files, and the old files are truncated when it commits;
 * 3. with PGlite, delete the WAL segments made ahead of the current one: made by earlier
 *    versions with recycling on, they may hold old WAL, and the next step would move into one;
 * 4. switch to a new WAL segment and CHECKPOINT: every older segment, holding the keys'
 *    inserts and the images of their pages, is no longer needed and is removed — deleted,
 *    not recycled, when `wal_recycle = off` (PGlite is always started so; a server's
 *    operator must set it: `erasureSettingProblems` names what defeats the purge).
 *
 * Its progress is kept in `erasure_state`, so a purge interrupted by a crash is done again
 * at the next start, and a purge with nothing to do costs two small queries.
 */
import { sql } from 'drizzle-orm';
import { LogError } from '../errors.js';
import { concatBytes } from '../encoding/index.js';
import { databaseFailure } from './database-errors.js';
import { type Database, rowsOf } from './db.js';
import { checkSchemaName, logTables } from './schema.js';
import { DETAIL_KEY_SIZE, sealAll } from './sealed-details.js';

/**
 * Leaf indices per partition of `detail_keys`: a purge rewrites at most this many keys per
 * partition (a purge of one full partition took 0.2 s on PostgreSQL 15 and 0.35 to 0.65 s on
 * PGlite, checkpoint included, on 2 cores). Fixed for every database: partitions are made
 * with these bounds, and another value would overlap them.
 */
export const KEY_PARTITION_SIZE = 262_144;

export function keyPartitionOf(leafIndex: number): number {
  return Math.floor(leafIndex / KEY_PARTITION_SIZE);
}

/** The table of partition `n`, as ensureKeyPartitionsStatement names it. */
export function keyPartitionName(partition: number): string {
  return `detail_keys_${partition}`;
}

/**
 * One statement making partitions `first` to `last` of `detail_keys` where missing. Two
 * servers making the same one at once is not an error: the loser finds it made. A new
 * partition gets statistics off for `key` (not inherited from the parent), so that ANALYZE
 * never copies keys into pg_statistic.
 */
export function ensureKeyPartitionsStatement(schema: string | undefined, first: number, last: number) {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 0 || last < first) {
    throw new LogError('INTERNAL', `bad key partition range ${first}..${last}`);
  }
  // The log's own schema when it has one; else unqualified, as a one-log database always was.
  const where = qualifier(schema);
  // Numbers computed here, never input: safe to write into the statement (DO takes no parameters).
  return sql.raw(`do $$
declare
  n bigint := ${first};
  name text;
begin
  while n <= ${last} loop
    name := 'detail_keys_' || n;
    if to_regclass('${where}' || quote_ident(name)) is null then
      begin
        execute format('create table ${where}%I partition of ${where}detail_keys for values from (%s) to (%s)', name, n * ${KEY_PARTITION_SIZE}, (n + 1) * ${KEY_PARTITION_SIZE});
        execute format('alter table ${where}%I alter column key set statistics 0', name);
      exception when duplicate_table or unique_violation then
        null;
      end;
    end if;
    n := n + 1;
  end loop;
end $$`);
}

/** What one purge did. */
export interface ErasurePurge {
  /** Erasures at leaf indices up to this one are now purged; null when none was pending. */
  readonly through: number | null;
  /** Rows stored in the clear that this purge sealed. */
  readonly sealed: number;
  /** The tables rewritten. */
  readonly rewritten: readonly string[];
  /** Whether the WAL was switched and checkpointed after the rewrites. */
  readonly walFlushed: boolean;
  /** What this purge could not do, and so what may stay on disk. */
  readonly problems: readonly string[];
}

export interface PurgeContext {
  readonly db: Database;
  /** The log's schema; undefined: the public one (unqualified names). */
  readonly schema: string | undefined;
  /** Makes the key partitions for leaf indices `from` to `to`. */
  readonly ensureKeyPartitions: (from: number, to: number) => Promise<void>;
  /** PGlite on disk: deletes the WAL segments pre-allocated past the current one. */
  readonly discardPreallocatedWal?: () => Promise<void>;
}

/** How many legacy rows are sealed per statement. */
const SEAL_CHUNK = 500;

/**
 * Seals the rows of `entry_details` still stored in the clear, a chunk per statement; the
 * number sealed. Each row keeps its details and opening exactly (nothing recorded is lost),
 * now under a key of its own. Safe with several servers: a row is sealed only if it still
 * is not, in the same statement that stores its key.
 */
async function sealLegacyDetails(ctx: PurgeContext): Promise<number> {
  const { entryDetails, detailKeys } = logTables(ctx.schema);
  let total = 0;
  for (;;) {
    const rows = await ctx.db
      .select({ leafIndex: entryDetails.leafIndex, details: entryDetails.details, opening: entryDetails.opening })
      .from(entryDetails)
      .where(sql`${entryDetails.sealed} is null`)
      .orderBy(entryDetails.leafIndex)
      .limit(SEAL_CHUNK);
    if (rows.length === 0) return total;
    const legacy = rows.map((r) => ({ leafIndex: r.leafIndex, details: r.details!, opening: r.opening! }));
    await ctx.ensureKeyPartitions(legacy[0]!.leafIndex, legacy.at(-1)!.leafIndex);
    const { keys, sealed } = sealAll(legacy);
    const offsets: number[] = [];
    let offset = 0;
    for (const s of sealed) {
      offsets.push(offset);
      offset += s.length;
    }
    const col = (c: { name: string }) => sql.identifier(c.name);
    const done = await ctx.db.execute(sql`with u as (
        select * from unnest(${sql.param(legacy.map((r) => r.leafIndex))}::bigint[], ${sql.param(offsets)}::int[], ${sql.param(sealed.map((s) => s.length))}::int[])
          with ordinality as u(i, o, n, k)
      ), s as (
        update ${entryDetails} d
        set ${col(entryDetails.sealed)} = substring(${concatBytes(sealed)}::bytea from u.o + 1 for u.n), ${col(entryDetails.details)} = null, ${col(entryDetails.opening)} = null
        from u where d.${col(entryDetails.leafIndex)} = u.i and d.${col(entryDetails.sealed)} is null
        returning d.${col(entryDetails.leafIndex)} as i, u.k
      ), k as (
        insert into ${detailKeys} (${col(detailKeys.leafIndex)}, ${col(detailKeys.key)})
        select s.i, substring(${concatBytes(keys)}::bytea from (s.k::int - 1) * ${sql.raw(String(DETAIL_KEY_SIZE))} + 1 for ${sql.raw(String(DETAIL_KEY_SIZE))}) from s
        returning 1
      )
      select count(*) as sealed from k`);
    total += Number(rowsOf(done)[0]?.['sealed'] ?? 0);
  }
}

/**
 * Runs the purge (see the top of this file); a no-op but for two small queries when no
 * erasure is pending and no row is in the clear. MUST NOT run twice at once in one process
 * (PgLogStore queues them); with several servers on one database, two purges at once only
 * do some work twice.
 */
export async function purgeErased(ctx: PurgeContext): Promise<ErasurePurge> {
  const { db } = ctx;
  const { erasureState, erasures } = logTables(ctx.schema);
  const where = qualifier(ctx.schema);
  const states = await db.select({ purgedThrough: erasureState.purgedThrough, legacyPurged: erasureState.legacyPurged }).from(erasureState);
  const state = states[0];
  if (state === undefined) throw new LogError('INTERNAL', 'the erasure state row is missing: the database was not migrated by this version');

  const sealed = await sealLegacyDetails(ctx);
  const pending = rowsOf(
    await db.execute(sql`select max(${erasures.erasureIndex}) as through,
        coalesce(array_agg(distinct p.n) filter (where to_regclass(${`${where}detail_keys_`}::text || p.n) is not null), '{}') as partitions
      from ${erasures}, lateral (select ${erasures.targetIndex} / ${sql.raw(String(KEY_PARTITION_SIZE))} as n) as p
      where ${erasures.erasureIndex} > ${state.purgedThrough}`),
  )[0]!;
  const through = pending['through'] === null || pending['through'] === undefined ? null : Number(pending['through']);
  const partitions = bigintArray(pending['partitions']).sort((a, b) => a - b);

  const legacy = sealed > 0 || !state.legacyPurged;
  const rewritten = [...(legacy ? [TABLE_DETAILS] : []), ...partitions.map(keyPartitionName)];
  // VACUUM cannot run in a transaction: each is a statement of its own.
  for (const table of rewritten) await db.execute(sql.raw(`vacuum full ${where}${quoteIdentifier(table)}`));
  const problems = legacy ? await clearLegacyStatistics(db, ctx.schema) : [];
  let walFlushed = false;
  if (rewritten.length > 0 || through !== null) walFlushed = await flushWal(ctx, problems);
  await db.execute(
    sql`update ${erasureState} set ${sql.identifier(erasureState.purgedThrough.name)} = greatest(${sql.identifier(erasureState.purgedThrough.name)}, ${through ?? -1}::bigint),
        ${sql.identifier(erasureState.legacyPurged.name)} = true where ${sql.identifier(erasureState.id.name)} = 1`,
  );
  return { through, sealed, rewritten, walFlushed, problems };
}

const TABLE_DETAILS = 'entry_details';

/**
 * Statistics ANALYZE took of `entry_details` before its rows were sealed hold sample details
 * in the clear, in pg_statistic. ANALYZE again replaces them (the columns are null now); the
 * replaced rows' bytes stay in pg_statistic's files until it is rewritten, which only a
 * superuser may do. Returns what could not be done.
 */
async function clearLegacyStatistics(db: Database, schema: string | undefined): Promise<string[]> {
  const row = rowsOf(
    await db.execute(sql`select exists (select from pg_stats where schemaname = ${schema === undefined ? sql`current_schema()` : sql`${schema}`} and tablename = ${TABLE_DETAILS} and attname in ('details', 'opening')) as sampled,
        current_setting('is_superuser') = 'on' as superuser`),
  )[0]!;
  if (row['sampled'] !== true) return [];
  await db.execute(sql.raw(`analyze ${qualifier(schema)}${quoteIdentifier(TABLE_DETAILS)}`));
  if (row['superuser'] === true) {
    await db.execute(sql.raw('vacuum full pg_catalog.pg_statistic'));
    return [];
  }
  return [
    'pg_statistic may still hold sample details stored before details were sealed: a superuser should run VACUUM FULL pg_catalog.pg_statistic once',
  ];
}

/** Moves the WAL past everything before it and checkpoints, so those segments are removed; whether it could. */
async function flushWal(ctx: PurgeContext, problems: string[]): Promise<boolean> {
  // First, so that the switch moves into a segment made afresh, not into one renamed for
  // reuse whose tail past the switch would keep its old content.
  if (ctx.discardPreallocatedWal !== undefined) await ctx.discardPreallocatedWal();
  let flushed = true;
  for (const [statement, problem] of [
    [sql`select pg_switch_wal()`, 'this database role may not run pg_switch_wal(): erased keys stay in the current WAL segment until it fills'],
    [sql`checkpoint`, "this database role may not CHECKPOINT: erased keys stay in WAL until the server's next checkpoint"],
  ] as const) {
    try {
      await ctx.db.execute(statement);
    } catch (e) {
      if (databaseFailure(e).code !== '42501') throw e; // insufficient_privilege
      problems.push(problem);
      flushed = false;
    }
  }
  return flushed;
}

/**
 * What, in this database server's settings, keeps erased details' keys on its disk after a
 * purge, in words; empty when nothing does. The server logs them once at start: it cannot
 * change a server's settings itself, and does not try.
 */
export async function erasureSettingProblems(db: Database): Promise<string[]> {
  const settings = new Map(
    rowsOf(
      await db.execute(
        sql`select name, setting from pg_settings where name in ('wal_recycle', 'wal_keep_size', 'log_statement', 'log_min_duration_statement')`,
      ),
    ).map((r) => [String(r['name']), String(r['setting'])]),
  );
  const rights = rowsOf(
    await db.execute(sql`select current_setting('is_superuser') = 'on' as superuser,
        has_function_privilege('pg_switch_wal()', 'execute') as can_switch,
        case when exists (select from pg_roles where rolname = 'pg_checkpoint') then pg_has_role('pg_checkpoint', 'member') else false end as can_checkpoint,
        (select count(*) from pg_replication_slots) as slots`),
  )[0]!;
  const problems: string[] = [];
  if (settings.get('wal_recycle') === 'on') problems.push('wal_recycle is on: old WAL segments are renamed for reuse with their content, erased keys included (set wal_recycle = off)');
  const keep = Number(settings.get('wal_keep_size') ?? '0');
  if (keep > 0) problems.push(`wal_keep_size is ${keep} MB: that much WAL, erased keys included, is kept after every checkpoint (set it to 0, or use replication slots that standbys consume)`);
  const slots = Number(rights['slots']);
  if (slots > 0) problems.push(`${slots} replication slot(s): WAL is kept until each slot's consumer has it, erased keys included (drop slots nobody consumes)`);
  const logStatement = settings.get('log_statement');
  if (logStatement === 'mod' || logStatement === 'all') problems.push(`log_statement is ${logStatement}: statements are logged with their parameters, details' keys included (set it to none or ddl)`);
  const slow = Number(settings.get('log_min_duration_statement') ?? '-1');
  if (slow >= 0) problems.push(`log_min_duration_statement is ${slow} ms: slow statements are logged with their parameters, details' keys included (set it to -1)`);
  const superuser = rights['superuser'] === true;
  if (!superuser && rights['can_switch'] !== true) problems.push('this database role may not run pg_switch_wal(): erased keys stay in the current WAL segment until it fills (GRANT EXECUTE ON FUNCTION pg_switch_wal() to it)');
  if (!superuser && rights['can_checkpoint'] !== true) problems.push("this database role may not CHECKPOINT: erased keys stay in WAL until the server's next checkpoint (GRANT pg_checkpoint to it)");
  return problems;
}

/** A bigint[] as a driver returns it (numbers, bigints or strings; PGlite may give its text form) as numbers. */
function bigintArray(value: unknown): number[] {
  if (Array.isArray(value)) return value.map((v) => Number(v));
  if (typeof value === 'string') return value.replace(/^\{|\}$/g, '').split(',').filter((v) => v !== '').map(Number);
  throw new LogError('INTERNAL', `not an array of numbers: ${typeof value}`);
}

function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new LogError('INTERNAL', `not a plain table name: ${name}`);
  return `"${name}"`;
}

/** `"schema".` before a table name of a log schema, written into statements; nothing for the public schema. */
function qualifier(schema: string | undefined): string {
  if (schema === undefined) return '';
  checkSchemaName(schema);
  return `"${schema}".`;
}
