/**
 * Public-money records of a log in PostgreSQL (MoneyStore): the index of their keys, and the
 * rows a commit of records writes (commitStatement, tree-store.ts).
 */
import { inArray, sql } from 'drizzle-orm';
import { concatBytes } from '../encoding/index.js';
import type { MoneyStore } from '../log/ports.js';
import type { MoneyRecordRow, MoneyRows, StandingRecord } from '../log/types.js';
import { type Database, rowsOf } from './db.js';
import { type LogTables, byteaFromDriver } from './schema.js';
import { type StoreContext, slice32 } from './store-context.js';

export class PgMoneyStore implements MoneyStore {
  readonly #db: Database;
  readonly #t: LogTables;
  readonly #run: StoreContext['run'];

  constructor(ctx: StoreContext) {
    this.#db = ctx.db;
    this.#t = ctx.t;
    this.#run = (what, fn, conflict) => ctx.run(what, fn, conflict);
  }

  async findMoneyRecords(keys: readonly { partnerId: string; dedupKey: string }[]): Promise<MoneyRecordRow[]> {
    if (keys.length === 0) return [];
    const t = this.#t.moneyRecords;
    return this.#run('looking up record keys', () =>
      this.#db
        .select(columns(this.#t))
        .from(t)
        .where(sql`(${t.partnerId}, ${t.dedupKey}) in (select * from unnest(${sql.param(keys.map((k) => k.partnerId))}::text[], ${sql.param(keys.map((k) => k.dedupKey))}::text[]))`),
    );
  }

  async readMoneyRecordsAt(leafIndices: readonly number[]): Promise<MoneyRecordRow[]> {
    if (leafIndices.length === 0) return [];
    const t = this.#t.moneyRecords;
    return this.#run('reading records', () => this.#db.select(columns(this.#t)).from(t).where(inArray(t.leafIndex, [...leafIndices])));
  }

  /**
   * The originals of the period (by their own day, or by an amendment's), each with its
   * latest amendment, its withdrawal and the current version's leaf: one statement, on the
   * type index (a body's records of a type in log order) and the target index.
   */
  async readStandingRecords(q: { partnerId: string; recordType: string; from: string; to: string; after: number; limit: number }): Promise<StandingRecord[]> {
    const m = this.#t.moneyRecords;
    const e = this.#t.entries;
    const col = (c: { name: string }) => sql.identifier(c.name);
    const [leaf, partner, type, day, target] = [col(m.leafIndex), col(m.partnerId), col(m.recordType), col(m.recordDay), col(m.target)];
    const rows = await this.#run('reading records of a period', async () =>
      rowsOf(
        await this.#db.execute(sql`with originals as (
            -- Each side ordered and cut at the limit first, so that a page reads about as many
            -- rows as it answers (the type index in log order), whatever the log's size.
            (select o.${leaf} as i from ${m} o
              where o.${partner} = ${q.partnerId} and o.${type} = ${q.recordType} and o.${target} is null
                and o.${day} between ${q.from} and ${q.to} and o.${leaf} > ${q.after}
              order by o.${leaf} limit ${q.limit})
            union
            (select a.${target} from ${m} a join ${m} o on o.${leaf} = a.${target}
              where a.${partner} = ${q.partnerId} and a.${type} = 'amend' and o.${type} = ${q.recordType}
                and a.${day} between ${q.from} and ${q.to} and a.${target} > ${q.after}
              order by a.${target} limit ${q.limit})
          ), standing as (
            select g.i,
              coalesce((select x.${leaf} from ${m} x where x.${target} = g.i and x.${type} = 'amend' order by x.${leaf} desc limit 1), g.i) as c,
              (select x.${leaf} from ${m} x where x.${target} = g.i and x.${type} = 'withdraw' limit 1) as w,
              array(select x.${leaf} from ${m} x where x.${target} = g.i order by x.${leaf}) as h
            from (select i from originals order by i limit ${q.limit}) g
          )
          select s.i, s.c, s.w, s.h, d.${col(e.data)} as data from standing s join ${e} d on d.${col(e.leafIndex)} = s.c order by s.i`),
      ),
    );
    // An original in the period whose amendment moved it out is still here: the caller reads the
    // current version's day, which decides.
    return rows.map((r) => ({
      original: Number(r['i']),
      current: Number(r['c']),
      withdrawnBy: r['w'] === null ? null : Number(r['w']),
      history: bigintArray(r['h']),
      data: byteaFromDriver(r['data']),
    }));
  }
}

/** A bigint[] as the drivers give it (an array, or PostgreSQL's `{1,2}` text), as numbers. */
function bigintArray(value: unknown): number[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.replace(/^\{|\}$/g, '').split(',').filter((s) => s !== '') : [];
  return items.map((v) => Number(v));
}

function columns(t: LogTables) {
  const m = t.moneyRecords;
  return { leafIndex: m.leafIndex, partnerId: m.partnerId, dedupKey: m.dedupKey, contentHash: m.contentHash, recordType: m.recordType, recordKey: m.recordKey, target: m.target, recordDay: m.recordDay };
}

/** The insert of a batch's record rows, as a CTE of the commit statement (conditioned on the head having moved). */
export function moneyStatements(t: LogTables, rows: MoneyRows) {
  const col = (c: { name: string }) => sql.identifier(c.name);
  const m = t.moneyRecords;
  const r = rows.records;
  return sql`, new_money_records as (
      insert into ${m} (${col(m.leafIndex)}, ${col(m.partnerId)}, ${col(m.dedupKey)}, ${col(m.contentHash)}, ${col(m.recordType)}, ${col(m.recordKey)}, ${col(m.target)}, ${col(m.recordDay)})
      select u.i, u.p, u.d, ${slice32(concatBytes(r.map((x) => x.contentHash)))}, u.t, u.r, u.g, u.y
      from unnest(${sql.param(r.map((x) => x.leafIndex))}::bigint[], ${sql.param(r.map((x) => x.partnerId))}::text[], ${sql.param(r.map((x) => x.dedupKey))}::text[],
                  ${sql.param(r.map((x) => x.recordType))}::text[], ${sql.param(r.map((x) => x.recordKey))}::text[],
                  ${sql.param(r.map((x) => x.target))}::bigint[], ${sql.param(r.map((x) => x.recordDay))}::text[]) with ordinality as u(i, p, d, t, r, g, y, k)
      where exists (select from head)
      returning 1
    )`;
}
