/**
 * Public-money records as anyone reads them back from a log: each original record with its
 * history (amendments, withdrawal, repayments, in log order) and the version that stands;
 * and each `publication` checked against the records it covers, recomputed from the entries
 * (count and exact totals per currency). A monitor runs this over every entry it verified;
 * the explorer over the entries it shows. Pure: the same answer in Node and in a browser.
 */
import { type MoneyRecord, isLineType } from './records.js';
import { recordAmount, recordDay, recordKey } from './leaf.js';

/** An original record and what later entries did to it. */
export interface LedgerRecord {
  /** The index of the original entry. */
  readonly leafIndex: number;
  readonly body: string;
  readonly key: string;
  /** The record as it stands: the original, or the latest amendment's record. */
  readonly current: MoneyRecord;
  readonly original: MoneyRecord;
  /** Later entries about it, in log order. */
  readonly history: readonly { readonly leafIndex: number; readonly record: MoneyRecord }[];
  /** The index of its withdrawal, if withdrawn. */
  readonly withdrawnAt: number | undefined;
  /** The index of its latest version: the original, or the latest amendment. */
  readonly versionAt: number;
}

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
  /** Records of the period recorded, amended or withdrawn after the statement's latest version: what changed a closed period. */
  readonly lateEntries: readonly number[];
}

interface Held {
  leafIndex: number;
  body: string;
  key: string;
  current: MoneyRecord;
  original: MoneyRecord;
  history: { leafIndex: number; record: MoneyRecord }[];
  withdrawnAt: number | undefined;
  versionAt: number;
  /** The last entry that touched it: the original, an amendment, a withdrawal (not a repayment). */
  touchedAt: number;
}

export class MoneyLedger {
  readonly #records = new Map<number, Held>();
  /** Anything a well-behaved log would have refused: an amendment of an unknown record, a key taken twice. */
  readonly findings: string[] = [];
  readonly #keys = new Map<string, number>();
  /** The original each amendment, withdrawal or repayment is about, by its own index. */
  readonly #about = new Map<number, Held>();

  /** Adds the record at `leafIndex`; entries are added in log order. */
  add(leafIndex: number, record: MoneyRecord): void {
    if (record.type === 'amend' || record.type === 'withdraw' || record.type === 'repay') {
      const target = this.#records.get(record.target as number);
      if (target === undefined || target.body !== record.body) {
        this.findings.push(`entry ${leafIndex}: a ${record.type} of entry ${String(record.target)}, which is not a record of ${record.body}`);
        return;
      }
      if (target.withdrawnAt !== undefined) {
        this.findings.push(`entry ${leafIndex}: a ${record.type} of entry ${target.leafIndex}, withdrawn at ${target.withdrawnAt}`);
        return;
      }
      target.history.push({ leafIndex, record });
      this.#about.set(leafIndex, target);
      if (record.type === 'amend') {
        const inner = record.record as MoneyRecord;
        if (inner.type !== target.original.type || recordKey(inner) !== target.key) {
          this.findings.push(`entry ${leafIndex}: an amendment of entry ${target.leafIndex} changes its type or key`);
          return;
        }
        target.current = inner;
        target.versionAt = leafIndex;
        target.touchedAt = leafIndex;
      } else if (record.type === 'withdraw') {
        target.withdrawnAt = leafIndex;
        target.touchedAt = leafIndex;
      }
      return;
    }
    const key = recordKey(record);
    const scoped = `${record.body}\n${key}`;
    const earlier = this.#keys.get(scoped);
    if (earlier !== undefined) this.findings.push(`entry ${leafIndex}: a second record under the key of entry ${earlier}`);
    else this.#keys.set(scoped, leafIndex);
    this.#records.set(leafIndex, { leafIndex, body: record.body, key, current: record, original: record, history: [], withdrawnAt: undefined, versionAt: leafIndex, touchedAt: leafIndex });
  }

  /** Every original record, in log order. */
  records(): LedgerRecord[] {
    return [...this.#records.values()];
  }

  /** The record at `leafIndex`, or the original an amendment at `leafIndex` is about. */
  recordAt(leafIndex: number): LedgerRecord | undefined {
    return this.#records.get(leafIndex) ?? this.#about.get(leafIndex);
  }

  /** Each standing publication checked against the standing records of its body, type and period. */
  checkPublications(): PublicationCheck[] {
    const standing = [...this.#records.values()].filter((r) => r.withdrawnAt === undefined);
    return standing
      .filter((p) => p.current.type === 'publication')
      .map((p) => {
        const pub = p.current as Record<string, unknown>;
        const [start, end] = [pub.periodStart as string, pub.periodEnd as string];
        const all = [...this.#records.values()].filter((r) => r.body === p.body && r.current.type === pub.recordType && isLineType(r.current.type));
        const inPeriod = (r: Held) => {
          const day = recordDay(r.current);
          return day >= start && day <= end;
        };
        const covered = all.filter((r) => r.withdrawnAt === undefined && inPeriod(r));
        const totals = new Map<string, bigint>();
        for (const r of covered) {
          const a = recordAmount(r.current);
          if (a !== undefined) totals.set(a.currency, (totals.get(a.currency) ?? 0n) + BigInt(a.amount));
        }
        const found = { count: covered.length, totals: Object.fromEntries([...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, t]) => [c, t.toString()])) };
        const declared = { count: pub.count as number, totals: pub.totals as Record<string, string> };
        const matches = found.count === declared.count && sameTotals(found.totals, declared.totals);
        const lateEntries = all.filter((r) => r.touchedAt > p.versionAt && (inPeriod(r) || dayOf(r.original, start, end))).map((r) => r.touchedAt);
        return { leafIndex: p.leafIndex, body: p.body, recordType: pub.recordType as string, periodStart: start, periodEnd: end, declared, found, matches, lateEntries };
      });
  }
}

function dayOf(record: MoneyRecord, start: string, end: string): boolean {
  const day = recordDay(record);
  return day >= start && day <= end;
}

function sameTotals(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? '0') !== (b[k] ?? '0')) return false;
  return true;
}
