/**
 * Public-money records of a log in PostgreSQL (MoneyStore): the index of their keys, and the
 * rows a commit of records writes (commitStatement, tree-store.ts).
 */
import { inArray, sql } from 'drizzle-orm';
import { concatBytes } from '../encoding/index.js';
import type { MoneyStore } from '../log/ports.js';
import type { MoneyRecordRow, MoneyRows } from '../log/types.js';
import type { Database } from './db.js';
import type { LogTables } from './schema.js';
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
}

function columns(t: LogTables) {
  const m = t.moneyRecords;
  return { leafIndex: m.leafIndex, partnerId: m.partnerId, dedupKey: m.dedupKey, contentHash: m.contentHash, recordType: m.recordType, recordKey: m.recordKey, target: m.target };
}

/** The insert of a batch's record rows, as a CTE of the commit statement (conditioned on the head having moved). */
export function moneyStatements(t: LogTables, rows: MoneyRows) {
  const col = (c: { name: string }) => sql.identifier(c.name);
  const m = t.moneyRecords;
  const r = rows.records;
  return sql`, new_money_records as (
      insert into ${m} (${col(m.leafIndex)}, ${col(m.partnerId)}, ${col(m.dedupKey)}, ${col(m.contentHash)}, ${col(m.recordType)}, ${col(m.recordKey)}, ${col(m.target)})
      select u.i, u.p, u.d, ${slice32(concatBytes(r.map((x) => x.contentHash)))}, u.t, u.r, u.g
      from unnest(${sql.param(r.map((x) => x.leafIndex))}::bigint[], ${sql.param(r.map((x) => x.partnerId))}::text[], ${sql.param(r.map((x) => x.dedupKey))}::text[],
                  ${sql.param(r.map((x) => x.recordType))}::text[], ${sql.param(r.map((x) => x.recordKey))}::text[],
                  ${sql.param(r.map((x) => x.target))}::bigint[]) with ordinality as u(i, p, d, t, r, g, k)
      where exists (select from head)
      returning 1
    )`;
}
