/**
 * A partner's sequence numbers kept incrementally: the last number used, how many are used,
 * and the unused ranges (gaps) between 1 and the last. A batch of new numbers changes only the
 * gaps that hold one of them, and the range above the old last; so the store reads and writes
 * those few rows, never every event of the partner.
 */
import { LogError } from '../errors.js';

/** An inclusive range of unused sequence numbers. */
export interface SequenceGap {
  readonly from: number;
  readonly to: number;
}

/** A partner's last number (0: none yet) and how many numbers are used. */
export interface SequenceSummary {
  readonly last: number;
  readonly count: number;
}

/** What to write after a batch: the new summary, the gaps to delete (by `from`), the gaps to add. */
export interface SequenceChange {
  readonly summary: SequenceSummary;
  readonly removed: readonly number[];
  readonly added: readonly SequenceGap[];
}

/**
 * The change that `numbers` (new, distinct, each unused before) make to a partner whose
 * summary is `summary` and whose stored gaps holding any of them are `holding`. Each number
 * is in one of those gaps or above the old last: anything else means the number was used
 * already (the store's unique key refuses that first) or the kept gaps are wrong.
 */
export function advanceSequence(summary: SequenceSummary, holding: readonly SequenceGap[], numbers: readonly number[]): SequenceChange {
  const sorted = [...numbers].sort((a, b) => a - b);
  const top = sorted.at(-1);
  if (top === undefined) return { summary, removed: [], added: [] };
  const last = Math.max(summary.last, top);
  // The ranges the new numbers fall in: the gaps holding them, and everything above the old last.
  const ranges = [...holding].sort((a, b) => a.from - b.from);
  if (last > summary.last) ranges.push({ from: summary.last + 1, to: last });
  const added: SequenceGap[] = [];
  let i = 0;
  for (const range of ranges) {
    let from = range.from;
    while (i < sorted.length && sorted[i]! <= range.to) {
      const n = sorted[i]!;
      if (n < from) break; // not in this range: reported below
      if (n > from) added.push({ from, to: n - 1 });
      from = n + 1;
      i++;
    }
    if (from <= range.to) added.push({ from, to: range.to });
  }
  if (i < sorted.length || sorted.some((n, k) => n < 1 || (k > 0 && n === sorted[k - 1]))) {
    throw new LogError('INTERNAL', `partner sequence numbers ${sorted.join(', ')} are not all unused (last ${summary.last}); the kept gaps disagree with the events`);
  }
  return { summary: { last, count: summary.count + sorted.length }, removed: holding.map((g) => g.from), added };
}
