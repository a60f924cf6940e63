/**
 * What importing a file changes in a log: each of its records compared by key with what the
 * log holds for the same body, type and period as it stands. A key the log does not have is
 * new; the same values are already recorded (importing a file twice adds nothing); other
 * values are a change, recorded only as an amendment naming the original; a record of the
 * period the file no longer has was dropped, recorded only as a withdrawal. A republished
 * file can so never add a second, unrelated record for a line it changed.
 */
import { canonicalJson } from '../encoding/index.js';
import type { MoneyRecord } from './records.js';
import { recordKey } from './leaf.js';

/** A record as the log holds it: its original's index, its current version, its withdrawal. */
export interface StandingEntry {
  readonly original: number;
  readonly current: number;
  readonly withdrawnBy: number | null;
  readonly record: MoneyRecord;
}

/**
 * The values of a record as compared: the request form (with the true values of a redacted
 * field in `sealed`) and the log's (with their commitment) compare equal when both are
 * sealed and their public fields agree (which show which fields are redacted); a change of a
 * sealed name itself is not seen here, only by an auditor who opens it.
 */
export function comparable(record: Readonly<Record<string, unknown>>): string {
  const sealed = record.sealed;
  return canonicalJson(sealed === undefined || sealed === null ? record : { ...record, sealed: true });
}

/** The members whose values differ, in the record's order. */
export function changedFields(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): string[] {
  const names = [...new Set([...Object.keys(after), ...Object.keys(before)])];
  return names.filter((n) => n !== 'sealed' && canonicalJson(before[n] ?? null) !== canonicalJson(after[n] ?? null));
}

export type Decision =
  | { readonly kind: 'new' }
  | { readonly kind: 'unchanged'; readonly original: number }
  | { readonly kind: 'changed'; readonly original: number; readonly fields: readonly string[] }
  | { readonly kind: 'withdrawn'; readonly original: number; readonly withdrawnBy: number };

/** What the log holds, by key, for deciding each record of a file. */
export class StandingIndex {
  readonly #byKey = new Map<string, StandingEntry>();

  add(entry: StandingEntry): void {
    this.#byKey.set(recordKey(entry.record), entry);
  }

  /**
   * The decision for a record of the file. Each key the log holds that the file has too is
   * marked as seen (only those: a first import of a million lines keeps no key here).
   */
  decide(record: Readonly<Record<string, unknown>>, seen: Set<string>): Decision {
    const key = recordKey(record as MoneyRecord);
    const standing = this.#byKey.get(key);
    if (standing === undefined) return { kind: 'new' };
    seen.add(key);
    if (standing.withdrawnBy !== null) return { kind: 'withdrawn', original: standing.original, withdrawnBy: standing.withdrawnBy };
    if (comparable(standing.record) === comparable(record)) return { kind: 'unchanged', original: standing.original };
    return { kind: 'changed', original: standing.original, fields: changedFields(standing.record, record) };
  }

  /** The standing records of the period the file does not have: dropped from it. */
  dropped(seen: ReadonlySet<string>): StandingEntry[] {
    return [...this.#byKey.entries()].filter(([key, e]) => !seen.has(key) && e.withdrawnBy === null).map(([, e]) => e);
  }
}
