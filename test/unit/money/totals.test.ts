/** Exact totals (src/money/totals.ts): no floating point, whatever the number of lines. */
import { expect, test } from 'vitest';
import { formatPounds, sumMinorUnits, totalsByCurrency } from '../../../src/money/index.js';

test('a million lines of £100 million each total exactly, past what a float holds', () => {
  const line = 10_000_000_000; // £100,000,000.00 in pence
  const total = sumMinorUnits((function* () {
    for (let i = 0; i < 1_000_000; i++) yield line;
  })());
  expect(total).toBe(10_000_000_000_000_000n);
  expect(total > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  expect(sumMinorUnits([0.1 * 100, 0.2 * 100].map(Math.round))).toBe(30n);
});

test('totals are kept per currency, refunds included', () => {
  const totals = totalsByCurrency([
    { currency: 'GBP', amount: 1000 },
    { currency: 'EUR', amount: 250 },
    { currency: 'GBP', amount: -300 },
  ]);
  expect(totals).toEqual(new Map([['GBP', 700n], ['EUR', 250n]]));
});

test('pounds for people', () => {
  expect(formatPounds(123456)).toBe('£1,234.56');
  expect(formatPounds(-5)).toBe('-£0.05');
  expect(formatPounds(0)).toBe('£0.00');
  expect(formatPounds(1_000_000_000_000_000n)).toBe('£10,000,000,000,000.00');
});
