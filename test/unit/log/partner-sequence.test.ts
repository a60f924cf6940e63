/**
 * A partner's sequence summary kept batch by batch (advanceSequence) equals the one a scan of
 * every number used gives, on random numbers in random batches.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LogError } from '../../../src/errors.js';
import { type SequenceGap, type SequenceSummary, advanceSequence } from '../../../src/log/index.js';

/** What a full scan of the numbers used gives: the last, the count and every gap. */
function scan(used: Iterable<number>): { summary: SequenceSummary; gaps: SequenceGap[] } {
  const numbers = [...used].sort((a, b) => a - b);
  const gaps: SequenceGap[] = [];
  let prev = 0;
  for (const n of numbers) {
    if (n > prev + 1) gaps.push({ from: prev + 1, to: n - 1 });
    prev = n;
  }
  return { summary: { last: numbers.at(-1) ?? 0, count: numbers.length }, gaps };
}

/** Applies a batch to kept gaps as the store does: only the gaps holding a new number are read. */
function apply(summary: SequenceSummary, gaps: Map<number, SequenceGap>, batch: number[]): SequenceSummary {
  const holding = [...gaps.values()].filter((g) => batch.some((n) => g.from <= n && n <= g.to));
  const change = advanceSequence(summary, holding, batch);
  for (const from of change.removed) gaps.delete(from);
  for (const gap of change.added) {
    expect(gaps.has(gap.from), 'a gap added where one is kept').toBe(false);
    gaps.set(gap.from, gap);
  }
  return change.summary;
}

describe('advanceSequence', () => {
  test('kept incrementally, it equals a full scan after every batch', () => {
    const number = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 60 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 45 }) });
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(number, { minLength: 1, maxLength: 8 }), { maxLength: 12 }), (batches) => {
        const used = new Set<number>();
        const gaps = new Map<number, SequenceGap>();
        let summary: SequenceSummary = { last: 0, count: 0 };
        for (const raw of batches) {
          const batch = raw.filter((n) => !used.has(n));
          summary = apply(summary, gaps, batch);
          for (const n of batch) used.add(n);
          const expected = scan(used);
          expect(summary).toEqual(expected.summary);
          expect([...gaps.values()].sort((a, b) => a.from - b.from)).toEqual(expected.gaps);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a number already used, or below 1, is refused: the kept gaps and the events would disagree', () => {
    const summary = { last: 10, count: 8 };
    const gaps = [{ from: 4, to: 5 }];
    expect(() => advanceSequence(summary, gaps, [7])).toThrow(LogError);
    expect(() => advanceSequence(summary, gaps, [4, 4])).toThrow(LogError);
    expect(() => advanceSequence({ last: 0, count: 0 }, [], [0])).toThrow(LogError);
    expect(advanceSequence(summary, gaps, [5, 12])).toEqual({ summary: { last: 12, count: 10 }, removed: [4], added: [{ from: 4, to: 4 }, { from: 11, to: 11 }] });
    expect(advanceSequence(summary, [], [])).toEqual({ summary, removed: [], added: [] });
  });
});
