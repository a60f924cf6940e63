/**
 * Typed events of a log in PostgreSQL (EventStore): their records, sealed details and the
 * keys' partitions, subject tags and counters, partners' sequence numbers, code lists and
 * tag key checks; and the rows a commit of typed events writes (commitStatement, tree-store.ts).
 */
import { type SQL, and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { concatBytes, encodeHex } from '../encoding/index.js';
import { LogError } from '../errors.js';
import type { EventStore } from '../log/ports.js';
import { type SequenceGap, type SequenceSummary, advanceSequence } from '../log/partner-sequence.js';
import type { CodeListsVersion, EventDetails, EventRecord, EventRows, PartnerSequence } from '../log/types.js';
import { HASH_SIZE, type Hash } from '../merkle/index.js';
import { checkHash } from './checks.js';
import { type Database, rowsOf } from './db.js';
import { ensureKeyPartitionsStatement, keyPartitionOf } from './erasure-purge.js';
import { type LogTables, byteaFromDriver } from './schema.js';
import { openDetails } from './sealed-details.js';
import { HASH, type StoreContext, layout, slice32 } from './store-context.js';

export class PgEventStore implements EventStore {
  readonly #db: Database;
  readonly #writer: Database;
  readonly #t: LogTables;
  readonly #schema: string | undefined;
  readonly #run: StoreContext['run'];
  /** Partitions of `detail_keys` known to exist: made once, never dropped. */
  readonly #keyPartitions = new Set<number>();

  constructor(ctx: StoreContext, schema: string | undefined) {
    this.#db = ctx.db;
    this.#writer = ctx.writer;
    this.#t = ctx.t;
    this.#schema = schema;
    this.#run = (what, fn, conflict) => ctx.run(what, fn, conflict);
  }

  /** Makes the partitions of `detail_keys` for leaf indices `from` to `to`, unless known to exist. */
  async ensureKeyPartitions(from: number, to: number): Promise<void> {
    const first = keyPartitionOf(Math.min(from, to));
    const last = keyPartitionOf(Math.max(from, to));
    let known = true;
    for (let n = first; n <= last; n++) known &&= this.#keyPartitions.has(n);
    if (known) return;
    // On the writer's connection: a commit sent after it finds the partitions made.
    await this.#run('making partitions for details keys', () => this.#writer.execute(ensureKeyPartitionsStatement(this.#schema, first, last)));
    for (let n = first; n <= last; n++) this.#keyPartitions.add(n);
  }

  async findEvents(keys: readonly { partnerId: string; partnerSeq: number }[]): Promise<EventRecord[]> {
    if (keys.length === 0) return [];
    const rows = await this.#run('looking up partner sequence numbers', () =>
      this.#db
        .select(eventColumns(this.#t))
        .from(this.#t.events)
        .where(
          sql`(${this.#t.events.partnerId}, ${this.#t.events.partnerSeq}) in (select * from unnest(${sql.param(keys.map((k) => k.partnerId))}::text[], ${sql.param(keys.map((k) => k.partnerSeq))}::bigint[]))`,
        ),
    );
    return rows.map(toEventRecord);
  }

  async readEventsAt(leafIndices: readonly number[]): Promise<(EventRecord & { erasedBy: number | null })[]> {
    if (leafIndices.length === 0) return [];
    const rows = await this.#run('reading events', () =>
      this.#db
        .select({ ...eventColumns(this.#t), erasedBy: this.#t.erasures.erasureIndex })
        .from(this.#t.events)
        .leftJoin(this.#t.erasures, eq(this.#t.erasures.targetIndex, this.#t.events.leafIndex))
        .where(inArray(this.#t.events.leafIndex, [...leafIndices])),
    );
    return rows.map((r) => ({ ...toEventRecord(r), erasedBy: r.erasedBy }));
  }

  async readEventsTargeting(leafIndex: number, limit: number): Promise<{ leafIndex: number; type: string }[]> {
    return this.#run('reading the events about an entry', () =>
      this.#db
        .select({ leafIndex: this.#t.events.leafIndex, type: this.#t.events.type })
        .from(this.#t.events)
        .where(eq(this.#t.events.target, leafIndex))
        .orderBy(asc(this.#t.events.leafIndex))
        .limit(limit),
    );
  }

  async readCounters(counterKeys: readonly Hash[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (counterKeys.length === 0) return found;
    for (const k of counterKeys) checkHash(k, 'counter key');
    const rows = await this.#run('reading subject counters', () =>
      this.#db
        .select({ counterKey: this.#t.subjectCounters.counterKey, next: this.#t.subjectCounters.next })
        .from(this.#t.subjectCounters)
        .where(
          sql`${this.#t.subjectCounters.counterKey} in (select substring(${concatBytes(counterKeys)}::bytea from k * ${HASH} + 1 for ${HASH}) from generate_series(0, ${counterKeys.length}::int - 1) as k)`,
        ),
    );
    for (const row of rows) found.set(encodeHex(row.counterKey), row.next);
    return found;
  }

  async readDetails(leafIndex: number): Promise<EventDetails | { erasedBy: number } | undefined> {
    const rows = await this.#run('reading details', () =>
      this.#db
        .select({ ...detailsColumns(this.#t), erasedBy: this.#t.erasures.erasureIndex })
        .from(this.#t.events)
        .leftJoin(this.#t.entryDetails, eq(this.#t.entryDetails.leafIndex, this.#t.events.leafIndex))
        // The index given again, so that the planner reads one partition of keys.
        .leftJoin(this.#t.detailKeys, and(eq(this.#t.detailKeys.leafIndex, this.#t.events.leafIndex), eq(this.#t.detailKeys.leafIndex, leafIndex)))
        .leftJoin(this.#t.erasures, eq(this.#t.erasures.targetIndex, this.#t.events.leafIndex))
        .where(eq(this.#t.events.leafIndex, leafIndex)),
    );
    const row = rows[0] ?? (await this.#readRecordDetails(leafIndex));
    if (row === undefined) return undefined;
    if (row.erasedBy !== null) return { erasedBy: row.erasedBy };
    if (row.sealed !== null) {
      if (row.key === null) throw new LogError('INTERNAL', `the details of entry ${leafIndex} are stored without their key`);
      return { leafIndex, ...openDetails(leafIndex, row.key, row.sealed), revealHash: row.revealHash };
    }
    // A row stored before details were sealed, not sealed yet (sealLegacyDetails).
    if (row.details === null || row.opening === null) return undefined;
    return { leafIndex, details: row.details, opening: row.opening, revealHash: row.revealHash };
  }

  /** The sealed values of a redacted public-money record: details of an entry that is no typed event. */
  async #readRecordDetails(leafIndex: number) {
    const rows = await this.#run('reading sealed values', () =>
      this.#db
        .select({ ...detailsColumns(this.#t), erasedBy: sql<number | null>`null` })
        .from(this.#t.moneyRecords)
        .innerJoin(this.#t.entryDetails, eq(this.#t.entryDetails.leafIndex, this.#t.moneyRecords.leafIndex))
        .leftJoin(this.#t.detailKeys, and(eq(this.#t.detailKeys.leafIndex, this.#t.moneyRecords.leafIndex), eq(this.#t.detailKeys.leafIndex, leafIndex)))
        .where(eq(this.#t.moneyRecords.leafIndex, leafIndex)),
    );
    return rows[0];
  }

  async readDetailsByRevealHash(revealHashes: readonly Hash[]): Promise<Map<string, EventDetails | { leafIndex: number; erasedBy: number }>> {
    const found = new Map<string, EventDetails | { leafIndex: number; erasedBy: number }>();
    if (revealHashes.length === 0) return found;
    for (const h of revealHashes) checkHash(h, 'reveal hash');
    // The hashes as one bytea array, sliced in SQL (one parameter on both drivers); `= any`
    // of it is an index lookup per hash on each table.
    const wanted = sql`array(select substring(${concatBytes(revealHashes)}::bytea from k * ${HASH} + 1 for ${HASH}) from generate_series(0, ${revealHashes.length}::int - 1) as k)`;
    const bytes = (v: Uint8Array | string | null): Uint8Array | null => (v === null ? null : byteaFromDriver(v));
    const rows = await this.#run('reading details by reveal hash', () =>
      this.#db
        .select({
          leafIndex: this.#t.entryDetails.leafIndex,
          // Nullable, and decoded for the erasures' rows below too: a union keeps the first select's decoders.
          sealed: sql`${this.#t.entryDetails.sealed}`.mapWith(bytes),
          key: sql`${this.#t.detailKeys.key}`.mapWith(bytes),
          details: sql<string | null>`${this.#t.entryDetails.details}`,
          opening: sql`${this.#t.entryDetails.opening}`.mapWith(bytes),
          revealHash: this.#t.entryDetails.revealHash,
          erasedBy: sql`null::bigint`.mapWith((v: string | number): number | null => Number(v)),
        })
        .from(this.#t.entryDetails)
        .leftJoin(this.#t.detailKeys, eq(this.#t.detailKeys.leafIndex, this.#t.entryDetails.leafIndex))
        .where(sql`${this.#t.entryDetails.revealHash} = any(${wanted})`)
        .unionAll(
          this.#db
            .select({
              leafIndex: this.#t.erasures.targetIndex,
              sealed: sql<Uint8Array | null>`null::bytea`,
              key: sql<Uint8Array | null>`null::bytea`,
              details: sql<string | null>`null::text`,
              opening: sql<Uint8Array | null>`null::bytea`,
              revealHash: this.#t.erasures.revealHash,
              erasedBy: this.#t.erasures.erasureIndex,
            })
            .from(this.#t.erasures)
            .where(sql`${this.#t.erasures.revealHash} = any(${wanted})`),
        )
        .orderBy(sql`1`),
    );
    // In leaf-index order, so that if two entries ever shared a reveal hash, the first wins.
    for (const row of rows) {
      if (row.revealHash === null) continue;
      const key = encodeHex(row.revealHash);
      if (found.has(key)) continue;
      if (row.erasedBy !== null) {
        found.set(key, { leafIndex: row.leafIndex, erasedBy: row.erasedBy });
      } else if (row.sealed !== null) {
        if (row.key === null) throw new LogError('INTERNAL', `the details of entry ${row.leafIndex} are stored without their key`);
        found.set(key, { leafIndex: row.leafIndex, ...openDetails(row.leafIndex, row.key, row.sealed), revealHash: row.revealHash });
      } else if (row.details !== null && row.opening !== null) {
        // A row stored before details were sealed, not sealed yet (sealLegacyDetails).
        found.set(key, { leafIndex: row.leafIndex, details: row.details, opening: row.opening, revealHash: row.revealHash });
      }
    }
    return found;
  }

  async readTagBucket(prefix: Uint8Array): Promise<{ tag: Hash; leafIndex: number }[]> {
    if (prefix.length !== 2) throw new LogError('INTERNAL', 'a tag bucket prefix is 2 bytes');
    // A btree range on bytea: every tag starting with the prefix sorts in [prefix, prefix + 1).
    const next = prefix[0]! * 256 + prefix[1]! + 1;
    const upper = next > 0xffff ? sql`true` : sql`${this.#t.subjectTags.tag} < ${new Uint8Array([Math.floor(next / 256), next % 256])}::bytea`;
    const rows = await this.#run('reading a tag bucket', () =>
      this.#db
        .select({ tag: this.#t.subjectTags.tag, leafIndex: this.#t.subjectTags.leafIndex })
        .from(this.#t.subjectTags)
        .where(and(sql`${this.#t.subjectTags.tag} >= ${prefix}::bytea`, upper))
        .orderBy(asc(this.#t.subjectTags.tag)),
    );
    return rows;
  }

  async partnerSequence(partnerId: string, limit: number): Promise<PartnerSequence> {
    // The summary and the first gaps, kept by each commit (keepPartnerSequences): one row and
    // at most limit + 1 gaps read, however many events the partner has sent.
    const rows = await this.#run('reading a partner sequence', () =>
      this.#db.execute(sql`select s.${sql.identifier(this.#t.partnerSequences.last.name)} as last, s.${sql.identifier(this.#t.partnerSequences.count.name)} as count,
          coalesce((select json_agg(json_build_array(g.f, g.t) order by g.f) from (
            select ${this.#t.partnerSequenceGaps.gapFrom} as f, ${this.#t.partnerSequenceGaps.gapTo} as t from ${this.#t.partnerSequenceGaps}
            where ${this.#t.partnerSequenceGaps.partnerId} = ${partnerId} order by ${this.#t.partnerSequenceGaps.gapFrom} limit ${limit + 1}) g), '[]'::json) as gaps
        from (select 1) as one left join ${this.#t.partnerSequences} s on s.${sql.identifier(this.#t.partnerSequences.partnerId.name)} = ${partnerId}`),
    ).then(rowsOf);
    const row = rows[0]!;
    const gaps = (typeof row['gaps'] === 'string' ? JSON.parse(row['gaps']) : row['gaps']) as [number | string, number | string][];
    return {
      last: row['last'] === null ? null : Number(row['last']),
      count: row['count'] === null ? 0 : Number(row['count']),
      gaps: gaps.slice(0, limit).map(([from, to]) => ({ from: Number(from), to: Number(to) })),
      truncated: gaps.length > limit,
    };
  }

  async readCodeLists(sha256?: Hash): Promise<CodeListsVersion | undefined> {
    const columns = { sha256: this.#t.codeLists.sha256, body: this.#t.codeLists.body, leafIndex: this.#t.codeLists.leafIndex };
    const rows = await this.#run('reading code lists', () =>
      sha256 === undefined
        ? this.#db.select(columns).from(this.#t.codeLists).orderBy(desc(this.#t.codeLists.leafIndex)).limit(1)
        : this.#db.select(columns).from(this.#t.codeLists).where(eq(this.#t.codeLists.sha256, sha256)),
    );
    return rows[0];
  }

  async recordCodeLists(version: CodeListsVersion): Promise<void> {
    checkHash(version.sha256, 'code lists hash');
    await this.#run('recording code lists', () =>
      this.#db
        .insert(this.#t.codeLists)
        .values(version)
        .onConflictDoUpdate({ target: this.#t.codeLists.sha256, set: { leafIndex: sql`greatest(${this.#t.codeLists.leafIndex}, excluded.${sql.identifier(this.#t.codeLists.leafIndex.name)})` } }),
    );
  }

  /** The years whose subject-tag key this log already uses (a check value is stored), ascending. */
  async tagKeyYears(): Promise<string[]> {
    const rows = await this.#run('reading the tag key checks', () => this.#db.select({ year: this.#t.tagKeyChecks.year }).from(this.#t.tagKeyChecks).orderBy(this.#t.tagKeyChecks.year));
    return rows.map((r) => r.year);
  }

  async claimTagKeyCheck(year: string, check: Hash): Promise<Hash> {
    checkHash(check, 'tag key check');
    const rows = await this.#run('claiming a tag key check', async () => {
      await this.#db.insert(this.#t.tagKeyChecks).values({ year, check }).onConflictDoNothing();
      return this.#db.select({ check: this.#t.tagKeyChecks.check }).from(this.#t.tagKeyChecks).where(eq(this.#t.tagKeyChecks.year, year));
    });
    return rows[0]!.check;
  }
}

const eventColumns = (t: LogTables) => ({
  leafIndex: t.events.leafIndex,
  partnerId: t.events.partnerId,
  partnerSeq: t.events.partnerSeq,
  eventHash: t.events.eventHash,
  type: t.events.type,
  target: t.events.target,
});

function toEventRecord(row: EventRecord): EventRecord {
  return { leafIndex: row.leafIndex, partnerId: row.partnerId, partnerSeq: row.partnerSeq, eventHash: row.eventHash, type: row.type, target: row.target };
}

/**
 * The further CTEs of a batch of typed events, gated on the same head update: their
 * records, erasable details (sealed, `sealing.sealed[i]` under `sealing.keys[i]` for
 * `rows.details[i]`) and their keys, subject tags, counters, and the erasures — whose
 * deletes are in this very statement, so details are never erased without the erasure being
 * logged, nor an erasure logged with the details left behind.
 */
/** An entry's stored details and the key they are sealed under: what readDetails opens. */
function detailsColumns(t: LogTables) {
  return { sealed: t.entryDetails.sealed, details: t.entryDetails.details, opening: t.entryDetails.opening, revealHash: t.entryDetails.revealHash, key: t.detailKeys.key };
}

export function eventStatements(t: LogTables, rows: EventRows, sealing: { keys: Uint8Array[]; sealed: Uint8Array[] }) {
  const col = (c: { name: string }) => sql.identifier(c.name);
  const zero = new Uint8Array(HASH_SIZE);
  const sealed = layout(sealing.sealed.map((data) => ({ data })));
  const targets = sql.param(rows.erasures.map((x) => x.targetIndex));
  return sql`, new_events as (
      insert into ${t.events} (${col(t.events.leafIndex)}, ${col(t.events.partnerId)}, ${col(t.events.partnerSeq)}, ${col(t.events.eventHash)}, ${col(t.events.type)}, ${col(t.events.target)})
      select u.i, u.p, u.s, ${slice32(concatBytes(rows.events.map((e) => e.eventHash)))}, u.t, u.g
      from unnest(${sql.param(rows.events.map((e) => e.leafIndex))}::bigint[], ${sql.param(rows.events.map((e) => e.partnerId))}::text[],
                  ${sql.param(rows.events.map((e) => e.partnerSeq))}::bigint[], ${sql.param(rows.events.map((e) => e.type))}::text[],
                  ${sql.param(rows.events.map((e) => e.target))}::bigint[]) with ordinality as u(i, p, s, t, g, k)
      where exists (select from head)
      returning 1
    ), new_details as (
      insert into ${t.entryDetails} (${col(t.entryDetails.leafIndex)}, ${col(t.entryDetails.sealed)}, ${col(t.entryDetails.revealHash)})
      select u.i, substring(${sealed.blob}::bytea from u.o + 1 for u.n),
             case when u.r = 1 then ${slice32(concatBytes(rows.details.map((d) => d.revealHash ?? zero)))} end
      from unnest(${sql.param(rows.details.map((d) => d.leafIndex))}::bigint[], ${sql.param(sealed.offsets)}::int[], ${sql.param(sealed.lengths)}::int[],
                  ${sql.param(rows.details.map((d) => (d.revealHash === null ? 0 : 1)))}::int[]) with ordinality as u(i, o, n, r, k)
      where exists (select from head)
      returning 1
    ), new_keys as (
      insert into ${t.detailKeys} (${col(t.detailKeys.leafIndex)}, ${col(t.detailKeys.key)})
      select u.i, ${slice32(concatBytes(sealing.keys))}
      from unnest(${sql.param(rows.details.map((d) => d.leafIndex))}::bigint[]) with ordinality as u(i, k)
      where exists (select from head)
      returning 1
    ), new_tags as (
      insert into ${t.subjectTags} (${col(t.subjectTags.tag)}, ${col(t.subjectTags.leafIndex)})
      select ${slice32(concatBytes(rows.tags.map((t) => t.tag)))}, u.i
      from unnest(${sql.param(rows.tags.map((t) => t.leafIndex))}::bigint[]) with ordinality as u(i, k)
      where exists (select from head)
      returning 1
    ), new_counters as (
      insert into ${t.subjectCounters} (${col(t.subjectCounters.counterKey)}, ${col(t.subjectCounters.next)})
      select ${slice32(concatBytes(rows.counters.map((c) => c.counterKey)))}, u.n
      from unnest(${sql.param(rows.counters.map((c) => c.next))}::int[]) with ordinality as u(n, k)
      where exists (select from head)
      on conflict (${col(t.subjectCounters.counterKey)}) do update set ${col(t.subjectCounters.next)} = excluded.${col(t.subjectCounters.next)}
      returning 1
    ), erased_details as (
      delete from ${t.entryDetails}
      where ${col(t.entryDetails.leafIndex)} = any(${targets}::bigint[]) and exists (select from head)
      returning ${col(t.entryDetails.leafIndex)} as t, ${col(t.entryDetails.revealHash)} as h
    ), erased_keys as (
      delete from ${t.detailKeys}
      where ${col(t.detailKeys.leafIndex)} = any(${targets}::bigint[]) and exists (select from head)
      returning 1
    ), new_erasures as (
      insert into ${t.erasures} (${col(t.erasures.targetIndex)}, ${col(t.erasures.erasureIndex)}, ${col(t.erasures.revealHash)})
      select u.t, u.e, (select d.h from erased_details d where d.t = u.t)
      from unnest(${sql.param(rows.erasures.map((x) => x.targetIndex))}::bigint[], ${sql.param(rows.erasures.map((x) => x.erasureIndex))}::bigint[]) as u(t, e)
      where exists (select from head)
      returning 1
    )`;
}

/**
 * Moves the sequence summary and gaps of every partner with numbers in `numbered`, inside the
 * commit's transaction: reads each partner's summary and the gaps holding the new numbers
 * (an index probe per number), works out the change (advanceSequence), writes it. So a batch
 * costs a few statements and rows in proportion to its own events, never to the log.
 */
export async function keepPartnerSequences(t: LogTables, tx: { execute(query: SQL): Promise<unknown> }, numbered: readonly { readonly partnerId: string; readonly partnerSeq: number }[]): Promise<void> {
  const byPartner = new Map<string, number[]>();
  for (const e of numbered) {
    const list = byPartner.get(e.partnerId);
    if (list === undefined) byPartner.set(e.partnerId, [e.partnerSeq]);
    else list.push(e.partnerSeq);
  }
  const ids = [...byPartner.keys()];
  const col = (c: { name: string }) => sql.identifier(c.name);
  const summaries = new Map<string, SequenceSummary>();
  for (const row of rowsOf(
    await tx.execute(sql`select ${col(t.partnerSequences.partnerId)} as p, ${col(t.partnerSequences.last)} as l, ${col(t.partnerSequences.count)} as c
      from ${t.partnerSequences} where ${col(t.partnerSequences.partnerId)} = any(${sql.param(ids)}::text[])`),
  )) {
    summaries.set(String(row['p']), { last: Number(row['l']), count: Number(row['c']) });
  }
  // The one gap that can hold each number: the last starting at or below it, if it reaches it.
  const holding = new Map<string, Map<number, SequenceGap>>();
  for (const row of rowsOf(
    await tx.execute(sql`select u.p, g.f, g.t from unnest(${sql.param(numbered.map((e) => e.partnerId))}::text[], ${sql.param(numbered.map((e) => e.partnerSeq))}::bigint[]) as u(p, n)
      cross join lateral (select ${col(t.partnerSequenceGaps.gapFrom)} as f, ${col(t.partnerSequenceGaps.gapTo)} as t from ${t.partnerSequenceGaps}
        where ${col(t.partnerSequenceGaps.partnerId)} = u.p and ${col(t.partnerSequenceGaps.gapFrom)} <= u.n order by ${col(t.partnerSequenceGaps.gapFrom)} desc limit 1) as g
      where g.t >= u.n`),
  )) {
    const p = String(row['p']);
    const gap = { from: Number(row['f']), to: Number(row['t']) };
    let gaps = holding.get(p);
    if (gaps === undefined) holding.set(p, (gaps = new Map()));
    gaps.set(gap.from, gap);
  }
  const removed: { p: string; from: number }[] = [];
  const added: { p: string; gap: SequenceGap }[] = [];
  const moved: { p: string; summary: SequenceSummary }[] = [];
  for (const [p, numbers] of byPartner) {
    const change = advanceSequence(summaries.get(p) ?? { last: 0, count: 0 }, [...(holding.get(p)?.values() ?? [])], numbers);
    for (const from of change.removed) removed.push({ p, from });
    for (const gap of change.added) added.push({ p, gap });
    moved.push({ p, summary: change.summary });
  }
  if (removed.length > 0) {
    await tx.execute(sql`delete from ${t.partnerSequenceGaps} where (${col(t.partnerSequenceGaps.partnerId)}, ${col(t.partnerSequenceGaps.gapFrom)}) in
      (select * from unnest(${sql.param(removed.map((r) => r.p))}::text[], ${sql.param(removed.map((r) => r.from))}::bigint[]))`);
  }
  await tx.execute(sql`with new_gaps as (
      insert into ${t.partnerSequenceGaps} (${col(t.partnerSequenceGaps.partnerId)}, ${col(t.partnerSequenceGaps.gapFrom)}, ${col(t.partnerSequenceGaps.gapTo)})
      select * from unnest(${sql.param(added.map((a) => a.p))}::text[], ${sql.param(added.map((a) => a.gap.from))}::bigint[], ${sql.param(added.map((a) => a.gap.to))}::bigint[])
      returning 1
    )
    insert into ${t.partnerSequences} (${col(t.partnerSequences.partnerId)}, ${col(t.partnerSequences.last)}, ${col(t.partnerSequences.count)})
    select * from unnest(${sql.param(moved.map((m) => m.p))}::text[], ${sql.param(moved.map((m) => m.summary.last))}::bigint[], ${sql.param(moved.map((m) => m.summary.count))}::bigint[])
    on conflict (${col(t.partnerSequences.partnerId)}) do update set ${col(t.partnerSequences.last)} = excluded.${col(t.partnerSequences.last)}, ${col(t.partnerSequences.count)} = excluded.${col(t.partnerSequences.count)}`);
}
