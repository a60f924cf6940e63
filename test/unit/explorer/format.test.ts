/**
 * Dates and numbers in words: UTC hours shown in UK time (GMT in winter, BST in summer,
 * changing at 01:00 UTC on the last Sundays of March and October), real dates only, and
 * sizes past 2^32 with their separators.
 */
import { describe, expect, test } from 'vitest';
import { describeDay, describeHour, describeInstant, entryIndexFromPath, formatCount, isBritishSummerTime, plural } from '../../../src/explorer/format.js';

describe('describeHour', () => {
  test('winter hours are GMT, summer hours BST, with the clock change at 01:00 UTC', () => {
    expect(describeHour('2026-03-14T09')).toBe('Saturday 14 March 2026, between 9am and 10am (UK time)');
    expect(describeHour('2026-07-01T09')).toBe('Wednesday 1 July 2026, between 10am and 11am (UK time)');
    // 2026: BST from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
    expect(describeHour('2026-03-29T00')).toBe('Sunday 29 March 2026, between midnight and 1am (UK time)');
    expect(describeHour('2026-03-29T01')).toBe('Sunday 29 March 2026, between 2am and 3am (UK time)');
    expect(describeHour('2026-10-25T00')).toBe('Sunday 25 October 2026, between 1am and 2am (UK time)');
    expect(describeHour('2026-10-25T01')).toBe('Sunday 25 October 2026, between 1am and 2am (UK time)');
    expect(describeHour('2026-06-30T23')).toBe('Wednesday 1 July 2026, between midnight and 1am (UK time)');
    expect(describeHour('2026-01-05T11')).toBe('Monday 5 January 2026, between 11am and midday (UK time)');
    expect(describeHour('2026-01-05T12')).toBe('Monday 5 January 2026, between midday and 1pm (UK time)');
  });

  test('anything but a real UTC hour is refused', () => {
    for (const bad of ['2026-02-30T09', '2026-03-14T24', '2026-03-14 09', '2026-3-14T09', '2026-03-14T09:00', '', '2026-03-14T9']) {
      expect(describeHour(bad), bad).toBeUndefined();
    }
  });

  test('isBritishSummerTime at the edges', () => {
    expect(isBritishSummerTime(Date.UTC(2025, 2, 30, 0, 59))).toBe(false);
    expect(isBritishSummerTime(Date.UTC(2025, 2, 30, 1))).toBe(true);
    expect(isBritishSummerTime(Date.UTC(2025, 9, 26, 0, 59))).toBe(true);
    expect(isBritishSummerTime(Date.UTC(2025, 9, 26, 1))).toBe(false);
  });
});

test('describeDay and describeInstant', () => {
  expect(describeDay('2026-03-01')).toBe('1 March 2026');
  expect(describeDay('2024-02-29')).toBe('29 February 2024');
  expect(describeDay('2026-02-29')).toBeUndefined();
  expect(describeDay('2026-13-01')).toBeUndefined();
  expect(describeInstant('2026-01-05T09:03:00.000Z')).toBe('5 January 2026 at 09:03 (UK time)');
  expect(describeInstant('2026-07-05T09:03:00Z')).toBe('5 July 2026 at 10:03 (UK time)');
  expect(describeInstant('yesterday')).toBeUndefined();
});

test('formatCount and plural: no 32-bit arithmetic', () => {
  expect(formatCount(0)).toBe('0');
  expect(formatCount(999)).toBe('999');
  expect(formatCount(1000)).toBe('1,000');
  expect(formatCount(2 ** 32 + 1)).toBe('4,294,967,297');
  expect(formatCount(Number.MAX_SAFE_INTEGER)).toBe('9,007,199,254,740,991');
  expect(plural(1, 'entry', 'entries')).toBe('1 entry');
  expect(plural(12345, 'entry', 'entries')).toBe('12,345 entries');
});

test('entryIndexFromPath: canonical decimals below 2^53 only', () => {
  expect(entryIndexFromPath('/entries/0')).toBe(0);
  expect(entryIndexFromPath('/entries/12')).toBe(12);
  expect(entryIndexFromPath('/entries/12/')).toBe(12);
  expect(entryIndexFromPath('/entries/4294967296')).toBe(2 ** 32);
  expect(entryIndexFromPath('/entries/9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
  for (const bad of ['/entries/012', '/entries/-1', '/entries/1e3', '/entries/', '/entries/x', '/entries/9007199254740992', '/entries/12/details', '/entry/1']) {
    expect(entryIndexFromPath(bad), bad).toBeUndefined();
  }
  // Under a log's base path, and only there.
  expect(entryIndexFromPath('/logs/dwp-2026/entries/12', '/logs/dwp-2026/')).toBe(12);
  expect(entryIndexFromPath('/logs/dwp-2026/entries/12')).toBeUndefined();
  expect(entryIndexFromPath('/entries/12', '/logs/dwp-2026/')).toBeUndefined();
  expect(entryIndexFromPath('/logs/dwp-20260/entries/12', '/logs/dwp-2026/')).toBeUndefined();
});
