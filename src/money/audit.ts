/**
 * The recount of public money anyone can run over a log's records: each original record's
 * standing contribution (its day, currency and amount as last amended, or none once
 * withdrawn) and each publication's statement, checked against the records of its body,
 * type and period. Compact and serialisable, so a monitor keeps it between runs and only
 * ever reads each entry once; the explorer's page of public money (src/web/money-figures.ts)
 * checks its statements with it too.
 *
 * What a well-behaved log's intake refuses (an amendment of no record, of another body's,
 * of a withdrawn one, or changing its key; a key taken twice) is a finding about the log.
 */
import { isPlainObject } from '../encoding/index.js';
import { type MoneyRecord, isAmendmentType, isLineType } from './records.js';
import { recordAmount, recordDay, recordKey } from './leaf.js';

/** An original record (or publication) as the recount keeps it. */
export interface AuditedRecord {
  readonly body: string;
  readonly type: string;
  readonly key: string;
  /** Its standing day, currency and amount (a contract release has no amount). */
  readonly day: string | null;
  readonly currency: string | null;
  readonly amount: number;
  readonly withdrawnAt: number | null;
  /** The entry of its standing version: the original or its latest amendment. */
  readonly versionAt: number;
  /** The last entry that changed what it adds to a period (not a repayment). */
  readonly touchedAt: number;
  /** A publication's statement, as it stands. */
  readonly statement?: { readonly recordType: string; readonly periodStart: string; readonly periodEnd: string; readonly count: number; readonly totals: Readonly<Record<string, string>> };
}

export interface MoneyAuditState {
  /** By original index (decimal). */
  readonly records: Readonly<Record<string, AuditedRecord>>;
  /** Publications whose mismatch was reported, with the version reported: reported once per version. */
  readonly reported: Readonly<Record<string, number>>;
}

export const EMPTY_MONEY_AUDIT: MoneyAuditState = Object.freeze({ records: Object.freeze({}), reported: Object.freeze({}) });

/** A publication's statement against what the log holds for its period. */
export interface PublicationCheck {
  readonly leafIndex: number;
  readonly body: string;
  readonly recordType: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly declared: { readonly count: number; readonly totals: Readonly<Record<string, string>> };
  readonly found: { readonly count: number; readonly totals: Readonly<Record<string, string>> };
  readonly matches: boolean;
  /** Entries after the statement's version that changed its period: what reopened a closed period. */
  readonly lateEntries: readonly number[];
}

function sameTotals(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if ((a[k] ?? '0') !== (b[k] ?? '0')) return false;
  return true;
}

function contribution(record: MoneyRecord): Pick<AuditedRecord, 'day' | 'currency' | 'amount' | 'statement'> {
  if (record.type === 'publication') {
    const r = record as Record<string, unknown>;
    return {
      day: null,
      currency: null,
      amount: 0,
      statement: { recordType: r.recordType as string, periodStart: r.periodStart as string, periodEnd: r.periodEnd as string, count: r.count as number, totals: r.totals as Record<string, string> },
    };
  }
  const amount = recordAmount(record);
  return { day: recordDay(record), currency: amount?.currency ?? null, amount: amount?.amount ?? 0 };
}

export class MoneyAudit {
  readonly #records: Map<number, AuditedRecord>;
  readonly #reported: Map<number, number>;
  readonly #keys = new Map<string, number>();
  /** Findings about the log since this audit was made (not kept in the state). */
  readonly findings: { readonly leafIndex: number; readonly message: string }[] = [];

  constructor(state: MoneyAuditState = EMPTY_MONEY_AUDIT) {
    this.#records = new Map(Object.entries(state.records).map(([i, r]) => [Number(i), r]));
    this.#reported = new Map(Object.entries(state.reported).map(([i, v]) => [Number(i), v]));
    for (const [i, r] of this.#records) this.#keys.set(`${r.body}\n${r.key}`, i);
  }

  /** Adds the record at `leafIndex`; entries come in log order. */
  add(leafIndex: number, record: MoneyRecord): void {
    const find = (message: string) => this.findings.push({ leafIndex, message });
    if (isAmendmentType(record.type)) {
      const targetIndex = record.target as number;
      const target = this.#records.get(targetIndex);
      if (target === undefined || target.body !== record.body) return void find(`entry ${leafIndex}: a ${record.type} of entry ${targetIndex}, which is not a record of ${record.body}`);
      if (target.withdrawnAt !== null) return void find(`entry ${leafIndex}: a ${record.type} of entry ${targetIndex}, withdrawn at ${target.withdrawnAt}`);
      if (record.type === 'withdraw') {
        this.#records.set(targetIndex, { ...target, withdrawnAt: leafIndex, touchedAt: leafIndex });
      } else if (record.type === 'amend') {
        const inner = record.record as MoneyRecord;
        if (inner.type !== target.type || recordKey(inner) !== target.key) return void find(`entry ${leafIndex}: an amendment of entry ${targetIndex} changes its type or key`);
        this.#records.set(targetIndex, { ...target, ...contribution(inner), versionAt: leafIndex, touchedAt: leafIndex });
      }
      return;
    }
    const key = recordKey(record);
    const scoped = `${record.body}\n${key}`;
    const earlier = this.#keys.get(scoped);
    if (earlier !== undefined) return void find(`entry ${leafIndex}: a second record under the key of entry ${earlier}`);
    this.#keys.set(scoped, leafIndex);
    this.#records.set(leafIndex, { body: record.body, type: record.type, key, ...contribution(record), withdrawnAt: null, versionAt: leafIndex, touchedAt: leafIndex });
  }

  /** Each standing publication checked against the standing records of its body, type and period. */
  check(): PublicationCheck[] {
    const lines = new Map<string, [number, AuditedRecord][]>();
    for (const [i, r] of this.#records) {
      if (!isLineType(r.type)) continue;
      const group = `${r.body}\n${r.type}`;
      const list = lines.get(group);
      if (list === undefined) lines.set(group, [[i, r]]);
      else list.push([i, r]);
    }
    const checks: PublicationCheck[] = [];
    for (const [index, p] of this.#records) {
      if (p.statement === undefined || p.withdrawnAt !== null) continue;
      const { recordType, periodStart, periodEnd } = p.statement;
      const inPeriod = (r: AuditedRecord) => r.day !== null && r.day >= periodStart && r.day <= periodEnd;
      const group = lines.get(`${p.body}\n${recordType}`) ?? [];
      const totals = new Map<string, bigint>();
      let count = 0;
      const late: number[] = [];
      for (const [, r] of group) {
        if (r.touchedAt > p.versionAt && inPeriod(r)) late.push(r.touchedAt);
        if (r.withdrawnAt !== null || !inPeriod(r)) continue;
        count++;
        if (r.currency !== null) totals.set(r.currency, (totals.get(r.currency) ?? 0n) + BigInt(r.amount));
      }
      const found = { count, totals: Object.fromEntries([...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, t]) => [c, t.toString()])) };
      const declared = { count: p.statement.count, totals: p.statement.totals };
      checks.push({ leafIndex: index, body: p.body, recordType, periodStart, periodEnd, declared, found, matches: found.count === declared.count && sameTotals(found.totals, declared.totals), lateEntries: late.sort((a, b) => a - b) });
    }
    return checks.sort((a, b) => a.leafIndex - b.leafIndex);
  }

  /**
   * The mismatches not yet reported for the statement's version, marked reported; a
   * statement that matches again is forgotten, so a later mismatch is reported anew.
   */
  newMismatches(): PublicationCheck[] {
    const out: PublicationCheck[] = [];
    for (const c of this.check()) {
      const version = this.#records.get(c.leafIndex)!.versionAt;
      if (c.matches) this.#reported.delete(c.leafIndex);
      else if (this.#reported.get(c.leafIndex) !== version) {
        this.#reported.set(c.leafIndex, version);
        out.push(c);
      }
    }
    return out;
  }

  /** The record at an original's index, as the recount keeps it. */
  recordAt(leafIndex: number): AuditedRecord | undefined {
    return this.#records.get(leafIndex);
  }

  state(): MoneyAuditState {
    return {
      records: Object.fromEntries([...this.#records].sort(([a], [b]) => a - b).map(([i, r]) => [String(i), r])),
      reported: Object.fromEntries([...this.#reported].sort(([a], [b]) => a - b).map(([i, v]) => [String(i), v])),
    };
  }
}

const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * A recount's state read back from disk, strictly: every record and statement of the right
 * shape, or an Error naming what is wrong (a damaged state must stop its reader rather than
 * make it report wrong totals).
 */
export function parseMoneyAudit(value: unknown): MoneyAuditState {
  if (!isPlainObject(value) || !isPlainObject(value.records) || !isPlainObject(value.reported)) throw new Error('money is not {records, reported}');
  const records: Record<string, AuditedRecord> = {};
  for (const [i, r] of Object.entries(value.records)) {
    const bad = () => new Error(`money record ${i.slice(0, 20)} is malformed`);
    if (!/^(?:0|[1-9][0-9]*)$/.test(i) || !isIndex(Number(i)) || !isPlainObject(r)) throw bad();
    const { body, type, key, day, currency, amount, withdrawnAt, versionAt, touchedAt, statement } = r;
    if (typeof body !== 'string' || typeof type !== 'string' || typeof key !== 'string') throw bad();
    if (!(day === null || (typeof day === 'string' && DAY.test(day))) || !(currency === null || (typeof currency === 'string' && /^[A-Z]{3}$/.test(currency)))) throw bad();
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || !(withdrawnAt === null || isIndex(withdrawnAt)) || !isIndex(versionAt) || !isIndex(touchedAt)) throw bad();
    const out: { -readonly [K in keyof AuditedRecord]: AuditedRecord[K] } = { body, type, key, day, currency, amount, withdrawnAt, versionAt, touchedAt };
    if (statement !== undefined) {
      if (!isPlainObject(statement) || typeof statement.recordType !== 'string' || typeof statement.periodStart !== 'string' || !DAY.test(statement.periodStart)) throw bad();
      if (typeof statement.periodEnd !== 'string' || !DAY.test(statement.periodEnd) || !isIndex(statement.count) || !isPlainObject(statement.totals)) throw bad();
      const totals: Record<string, string> = {};
      for (const [c, t] of Object.entries(statement.totals)) {
        if (!/^[A-Z]{3}$/.test(c) || typeof t !== 'string' || !/^(?:0|-?[1-9][0-9]{0,30})$/.test(t)) throw bad();
        totals[c] = t;
      }
      out.statement = { recordType: statement.recordType, periodStart: statement.periodStart, periodEnd: statement.periodEnd, count: statement.count, totals };
    }
    records[i] = out;
  }
  const reported: Record<string, number> = {};
  for (const [i, v] of Object.entries(value.reported)) {
    if (!/^(?:0|[1-9][0-9]*)$/.test(i) || !isIndex(v)) throw new Error('money.reported is malformed');
    reported[i] = v;
  }
  return { records, reported };
}
