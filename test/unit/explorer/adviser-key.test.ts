/**
 * The keys /check makes for an adviser: one month key per chosen month of the key's year, or
 * one day key per chosen day, each the subject core's own derivation, and a plain refusal for
 * anything the entered key cannot give.
 */
import { describe, expect, test } from 'vitest';
import { AdviserKeyProblem, MAX_DAY_KEYS, adviserKeys } from '../../../src/explorer/adviser-key.js';
import { type HeldKey, deriveDayKey, deriveMonthKey, formatHeldKey, parseHeldKey } from '../../../src/subject/index.js';

const subject: HeldKey = { kind: 'subject', year: '2026', key: new Uint8Array(32).fill(5) };
const march = deriveMonthKey(subject, '2026-03');

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AdviserKeyProblem);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('adviserKeys', () => {
  test('month keys for the chosen months of the subject key’s year, each derived as the core derives it, as a file of its own', () => {
    const keys = adviserKeys(subject, { kind: 'month', from: '03', to: '05' });
    expect(keys.map((k) => k.fileName)).toEqual(['month-key-2026-03.txt', 'month-key-2026-04.txt', 'month-key-2026-05.txt']);
    expect(keys.map((k) => k.text)).toEqual(['2026-03', '2026-04', '2026-05'].map((m) => formatHeldKey(deriveMonthKey(subject, m))));
    expect(keys[0]).toMatchObject({ kind: 'month', opens: 'March 2026', label: 'Month key for March 2026' });
    // Each is a key /check and `lookup` read as they read any held key.
    for (const k of keys) expect(parseHeldKey(k.text).kind).toBe('month');
  });

  test('day keys for the chosen days, across a month’s end, from a subject or a month key alike', () => {
    const keys = adviserKeys(subject, { kind: 'day', from: '2026-02-27', to: '2026-03-02' });
    expect(keys.map((k) => k.fileName)).toEqual(['day-key-2026-02-27.txt', 'day-key-2026-02-28.txt', 'day-key-2026-03-01.txt', 'day-key-2026-03-02.txt']);
    expect(keys[2]!.text).toBe(formatHeldKey(deriveDayKey(subject, '2026-03-01')));
    expect(keys[2]!.label).toBe('Day key for 1 March 2026');
    expect(adviserKeys(march, { kind: 'day', from: '2026-03-14', to: '2026-03-14' }).map((k) => k.text)).toEqual([formatHeldKey(deriveDayKey(subject, '2026-03-14'))]);
    // A month key gives its own month (itself) too.
    expect(adviserKeys(march, { kind: 'month', from: '03', to: '03' }).map((k) => k.text)).toEqual([formatHeldKey(march)]);
  });

  test('refuses, in words, what the key cannot give: never a wider key, and never silently fewer days', () => {
    expect(refusal(() => adviserKeys(march, { kind: 'month', from: '03', to: '04' }))).toMatch(/^Your key is a month key, for March 2026: it can make a key for that month only/);
    expect(refusal(() => adviserKeys(march, { kind: 'day', from: '2026-03-30', to: '2026-04-02' }))).toBe('Your key covers March 2026 only. Choose days within it.');
    expect(refusal(() => adviserKeys(subject, { kind: 'day', from: '2025-12-31', to: '2026-01-01' }))).toBe('Your key covers the year 2026 only. Choose days within it.');
    const day = deriveDayKey(subject, '2026-03-14');
    expect(refusal(() => adviserKeys(day, { kind: 'day', from: '2026-03-14', to: '2026-03-14' }))).toMatch(/^Your key is a day key, for 14 March 2026: it opens that one day/);
    expect(refusal(() => adviserKeys(subject, { kind: 'month', from: '05', to: '03' }))).toMatch(/first month is after the last/);
    expect(refusal(() => adviserKeys(subject, { kind: 'month', from: '', to: '03' }))).toBe('Choose the first and the last month.');
    expect(refusal(() => adviserKeys(subject, { kind: 'day', from: '2026-03-02', to: '2026-03-01' }))).toMatch(/first day is after the last/);
    expect(refusal(() => adviserKeys(subject, { kind: 'day', from: '2026-02-30', to: '2026-03-01' }))).toMatch(/real date/);
    expect(refusal(() => adviserKeys(subject, { kind: 'day', from: '', to: '2026-03-01' }))).toMatch(/first and the last day/);
    expect(adviserKeys(subject, { kind: 'day', from: '2026-01-01', to: '2026-01-31' })).toHaveLength(MAX_DAY_KEYS);
    expect(refusal(() => adviserKeys(subject, { kind: 'day', from: '2026-01-01', to: '2026-02-01' }))).toBe('That is 32 days. Choose up to 31 days, or make month keys instead.');
  });

  test('no refusal repeats the key', () => {
    const hex = formatHeldKey(subject).split(':')[2]!;
    for (const message of [
      refusal(() => adviserKeys(march, { kind: 'month', from: '01', to: '12' })),
      refusal(() => adviserKeys(subject, { kind: 'day', from: '2027-01-01', to: '2027-01-02' })),
    ]) {
      expect(message).not.toContain(hex.slice(0, 8));
    }
  });
});
