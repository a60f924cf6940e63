/** searchedPeriod: the part of [from, to] a held key covers, which is what a lookup with it searches. */
import { expect, test } from 'vitest';
import { type HeldKey, dayKeysInRange, searchedPeriod } from '../../../src/subject/index.js';

const key = new Uint8Array(32).fill(9);
const subject: HeldKey = { kind: 'subject', year: '2026', key };
const month: HeldKey = { kind: 'month', month: '2026-02', key };
const day: HeldKey = { kind: 'day', day: '2026-03-04', key };

test('a key asked for a wider period covers only its own days', () => {
  expect(searchedPeriod(day, '2026-03-01', '2026-03-31')).toEqual({ from: '2026-03-04', to: '2026-03-04', days: 1 });
  expect(searchedPeriod(month, '2026-01-15', '2026-12-31')).toEqual({ from: '2026-02-01', to: '2026-02-28', days: 28 });
  expect(searchedPeriod(subject, '2025-12-01', '2027-01-31')).toEqual({ from: '2026-01-01', to: '2026-12-31', days: 365 });
  expect(searchedPeriod({ kind: 'month', month: '2028-02', key }, '2028-01-01', '2028-12-31')).toEqual({ from: '2028-02-01', to: '2028-02-29', days: 29 });
});

test('a narrower period is searched as asked; a period outside the key is none', () => {
  expect(searchedPeriod(subject, '2026-03-01', '2026-03-31')).toEqual({ from: '2026-03-01', to: '2026-03-31', days: 31 });
  expect(searchedPeriod(day, '2026-03-04', '2026-03-04')).toEqual({ from: '2026-03-04', to: '2026-03-04', days: 1 });
  expect(searchedPeriod(day, '2026-03-05', '2026-03-31')).toBeUndefined();
  expect(searchedPeriod(month, '2026-03-01', '2026-03-31')).toBeUndefined();
});

test('it agrees with the days dayKeysInRange derives, and refuses what it does', () => {
  for (const [k, from, to] of [
    [day, '2026-01-01', '2026-12-31'],
    [month, '2026-02-10', '2026-05-01'],
    [subject, '2026-12-25', '2027-01-05'],
  ] as const) {
    const days = dayKeysInRange(k, from, to);
    expect(searchedPeriod(k, from, to)).toEqual({ from: days[0]!.day, to: days.at(-1)!.day, days: days.length });
  }
  expect(() => searchedPeriod(day, '2026-03-31', '2026-03-01')).toThrow(/ends .* before it starts/);
  expect(() => searchedPeriod(day, '2026-02-30', '2026-03-01')).toThrow(/real date/);
});
