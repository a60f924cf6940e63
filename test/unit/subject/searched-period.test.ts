/**
 * searchedPeriod: the days of a requested range a held key actually covers, which lookups and
 * /check report as the period searched (issue 15: a day key asked for a month searches one day).
 */
import { describe, expect, test } from 'vitest';
import { LogError } from '../../../src/errors.js';
import { type HeldKey, dayKeysInRange, deriveDayKey, deriveMonthKey, searchedPeriod } from '../../../src/subject/index.js';

const subject: HeldKey = { kind: 'subject', year: '2028', key: new Uint8Array(32).fill(3) };
const feb = deriveMonthKey(subject, '2028-02');
const day = deriveDayKey(subject, '2028-02-29');

function field(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LogError);
    return (e as LogError).field;
  }
  throw new Error('expected a LogError');
}

describe('searchedPeriod', () => {
  test('a day key asked for a month searches one day', () => {
    expect(searchedPeriod(day, '2028-02-01', '2028-02-29')).toEqual({ from: '2028-02-29', to: '2028-02-29', days: 1 });
  });

  test('a month key asked for a year searches its month, leap day included', () => {
    expect(searchedPeriod(feb, '2028-01-01', '2028-12-31')).toEqual({ from: '2028-02-01', to: '2028-02-29', days: 29 });
    expect(searchedPeriod(feb, '2028-02-10', '2028-03-05')).toEqual({ from: '2028-02-10', to: '2028-02-29', days: 20 });
  });

  test('a subject key covers only its year, however wide the range', () => {
    expect(searchedPeriod(subject, '2000-01-01', '2999-12-31')).toEqual({ from: '2028-01-01', to: '2028-12-31', days: 366 });
    expect(searchedPeriod(subject, '2027-12-30', '2028-01-02')).toEqual({ from: '2028-01-01', to: '2028-01-02', days: 2 });
    expect(searchedPeriod(subject, '2028-06-01', '2028-06-01')).toEqual({ from: '2028-06-01', to: '2028-06-01', days: 1 });
  });

  test('agrees with the days dayKeysInRange derives', () => {
    for (const [k, from, to] of [
      [subject, '2027-11-03', '2028-03-14'],
      [feb, '2028-02-27', '2028-04-01'],
      [day, '2028-01-01', '2028-12-31'],
    ] as const) {
      const days = dayKeysInRange(k, from, to).map((d) => d.day);
      expect(searchedPeriod(k, from, to)).toEqual({ from: days[0], to: days.at(-1), days: days.length });
    }
  });

  test('undefined when the key covers none of the range', () => {
    expect(searchedPeriod(feb, '2028-03-01', '2028-03-31')).toBeUndefined();
    expect(searchedPeriod(day, '2028-02-28', '2028-02-28')).toBeUndefined();
    expect(searchedPeriod(subject, '2029-01-01', '2029-12-31')).toBeUndefined();
  });

  test('refuses bad dates and a reversed range, naming the field', () => {
    expect(field(() => searchedPeriod(subject, '2028-02-30', '2028-03-01'))).toBe('from');
    expect(field(() => searchedPeriod(subject, '2028-02-01', '2028-3-1'))).toBe('to');
    expect(field(() => searchedPeriod(subject, '2028-03-02', '2028-03-01'))).toBe('to');
    expect(field(() => searchedPeriod({ kind: 'month', month: '2028-13', key: feb.key }, '2028-01-01', '2028-01-02'))).toBe('key');
  });
});

describe('searchedPeriod over 2026, as the command line reports it', () => {
  const key = new Uint8Array(32).fill(9);
  const subject26: HeldKey = { kind: 'subject', year: '2026', key };
  const month: HeldKey = { kind: 'month', month: '2026-02', key };
  const day: HeldKey = { kind: 'day', day: '2026-03-04', key };
  test('a key asked for a wider period covers only its own days', () => {
    expect(searchedPeriod(day, '2026-03-01', '2026-03-31')).toEqual({ from: '2026-03-04', to: '2026-03-04', days: 1 });
    expect(searchedPeriod(month, '2026-01-15', '2026-12-31')).toEqual({ from: '2026-02-01', to: '2026-02-28', days: 28 });
    expect(searchedPeriod(subject26, '2025-12-01', '2027-01-31')).toEqual({ from: '2026-01-01', to: '2026-12-31', days: 365 });
    expect(searchedPeriod({ kind: 'month', month: '2028-02', key }, '2028-01-01', '2028-12-31')).toEqual({ from: '2028-02-01', to: '2028-02-29', days: 29 });
  });

  test('a narrower period is searched as asked; a period outside the key is none', () => {
    expect(searchedPeriod(subject26, '2026-03-01', '2026-03-31')).toEqual({ from: '2026-03-01', to: '2026-03-31', days: 31 });
    expect(searchedPeriod(day, '2026-03-04', '2026-03-04')).toEqual({ from: '2026-03-04', to: '2026-03-04', days: 1 });
    expect(searchedPeriod(day, '2026-03-05', '2026-03-31')).toBeUndefined();
    expect(searchedPeriod(month, '2026-03-01', '2026-03-31')).toBeUndefined();
  });

  test('it agrees with the days dayKeysInRange derives, and refuses what it does', () => {
    for (const [k, from, to] of [
      [day, '2026-01-01', '2026-12-31'],
      [month, '2026-02-10', '2026-05-01'],
      [subject26, '2026-12-25', '2027-01-05'],
    ] as const) {
      const days = dayKeysInRange(k, from, to);
      expect(searchedPeriod(k, from, to)).toEqual({ from: days[0]!.day, to: days.at(-1)!.day, days: days.length });
    }
    expect(() => searchedPeriod(day, '2026-03-31', '2026-03-01')).toThrow(/ends .* before it starts/);
    expect(() => searchedPeriod(day, '2026-02-30', '2026-03-01')).toThrow(/real date/);
  });
});
