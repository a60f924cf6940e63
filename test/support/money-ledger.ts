/**
 * A log's public-money records read back whole, for tests to inspect: each original record
 * with its history (amendments, withdrawal, repayments, in log order) and the version that
 * stands, and each publication checked by the recount the monitor runs (src/money/audit.ts).
 */
import { MoneyAudit, type MoneyRecord, type PublicationCheck } from '../../src/money/index.js';

/** An original record and what later entries did to it. */
export interface LedgerRecord {
  /** The index of the original entry. */
  readonly leafIndex: number;
  readonly body: string;
  /** The record as it stands: the original, or the latest amendment's record. */
  readonly current: MoneyRecord;
  readonly original: MoneyRecord;
  /** Later entries about it, in log order. */
  readonly history: readonly { readonly leafIndex: number; readonly record: MoneyRecord }[];
  /** The index of its withdrawal, if withdrawn. */
  readonly withdrawnAt: number | undefined;
}

interface Held {
  leafIndex: number;
  body: string;
  current: MoneyRecord;
  original: MoneyRecord;
  history: { leafIndex: number; record: MoneyRecord }[];
  withdrawnAt: number | undefined;
}

export class MoneyLedger {
  readonly #audit = new MoneyAudit();
  readonly #records = new Map<number, Held>();
  /** The original each amendment, withdrawal or repayment is about, by its own index. */
  readonly #about = new Map<number, Held>();

  /** Anything a well-behaved log would have refused: an amendment of an unknown record, a key taken twice. */
  get findings(): string[] {
    return this.#audit.findings.map((f) => f.message);
  }

  /** Adds the record at `leafIndex`; entries are added in log order. */
  add(leafIndex: number, record: MoneyRecord): void {
    const before = this.#audit.findings.length;
    this.#audit.add(leafIndex, record);
    if (this.#audit.findings.length > before) return; // refused by a well-behaved log: not shown as standing
    if (record.type !== 'amend' && record.type !== 'withdraw' && record.type !== 'repay') {
      this.#records.set(leafIndex, { leafIndex, body: record.body, current: record, original: record, history: [], withdrawnAt: undefined });
      return;
    }
    const target = this.#records.get(record.target as number)!;
    target.history.push({ leafIndex, record });
    this.#about.set(leafIndex, target);
    if (record.type === 'amend') target.current = record.record as MoneyRecord;
    if (record.type === 'withdraw') target.withdrawnAt = leafIndex;
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
    return this.#audit.check();
  }
}
