/**
 * The keys a claimant holds (or hands to an advocate), as text that carries its scope:
 *
 *   subject-key:2026:<64 hex>        K_s of one year
 *   month-key:2026-03:<64 hex>       K_month
 *   day-key:2026-03-14:<64 hex>      K_day
 *
 * The scope travels with the key because the key alone cannot tell which month or day it
 * belongs to, and deriving with the wrong one silently finds nothing. A held key narrows
 * only downward (year → month → day): the derivation is one-way. Key text is secret, so
 * no message here ever repeats it.
 */
import { LogError } from '../errors.js';
import { decodeHex, encodeHex, isBytes } from '../encoding/index.js';
import {
  type CalendarDay,
  daysInMonth,
  formatDate,
  formatDayOfMonth,
  formatMonth,
  formatYear,
  nextDay,
  parseDate,
  parseMonth,
  parseYear,
} from './calendar.js';
import { SUBJECT_KEY_SIZE, dayKey, monthKey } from './derive.js';

export type HeldKey =
  | { kind: 'subject'; year: string; key: Uint8Array }
  | { kind: 'month'; month: string; key: Uint8Array }
  | { kind: 'day'; day: string /* YYYY-MM-DD */; key: Uint8Array };

const HELD_KEY_FORMS = 'subject-key:YYYY:<64 hex>, month-key:YYYY-MM:<64 hex> or day-key:YYYY-MM-DD:<64 hex>';

/** kind-key:scope:hex, with the scope's own shape checked against the kind below. */
const HELD_KEY = /^(subject|month|day)-key:([0-9-]{4,10}):([0-9a-f]{64})$/;

function refuseKey(message: string): LogError {
  return new LogError('MALFORMED_REQUEST', message, { field: 'key', hint: `a held key is ${HELD_KEY_FORMS}, the hex in lower case` });
}

function outOfScope(field: 'month' | 'day', message: string): LogError {
  return new LogError('MALFORMED_REQUEST', message, {
    field,
    hint: 'a subject key covers its year, a month key its month and a day key its day; a key never gives a wider one',
  });
}

/** The scope of a held key as text, or `undefined` when it is not a real year, month or day of the kind's shape. */
function checkedScope(k: HeldKey): string | undefined {
  switch (k.kind) {
    case 'subject':
      return typeof k.year === 'string' && parseYear(k.year) !== undefined ? k.year : undefined;
    case 'month':
      return typeof k.month === 'string' && parseMonth(k.month) !== undefined ? k.month : undefined;
    case 'day':
      return typeof k.day === 'string' && parseDate(k.day) !== undefined ? k.day : undefined;
    default:
      return undefined;
  }
}

export function formatHeldKey(k: HeldKey): string {
  const scope = checkedScope(k);
  if (scope === undefined) throw refuseKey('a held key is a subject key of a year YYYY, a month key of a month YYYY-MM or a day key of a real date YYYY-MM-DD');
  if (!isBytes(k.key) || k.key.length !== SUBJECT_KEY_SIZE) throw refuseKey(`a held key must be ${SUBJECT_KEY_SIZE} bytes`);
  return `${k.kind}-key:${scope}:${encodeHex(k.key)}`;
}

/** Strict: exactly one of the three forms, lowercase hex of 32 bytes, a real year, month or date; no surrounding space. */
export function parseHeldKey(text: string): HeldKey {
  if (typeof text !== 'string') throw refuseKey('the key must be text');
  const m = HELD_KEY.exec(text);
  if (m === null) throw refuseKey(`the key is not ${HELD_KEY_FORMS}`);
  const [, kind, scope, hex] = m as unknown as [string, 'subject' | 'month' | 'day', string, string];
  const key = decodeHex(hex)!; // 64 lowercase hex digits by the pattern
  const k: HeldKey = kind === 'subject' ? { kind, year: scope, key } : kind === 'month' ? { kind, month: scope, key } : { kind, day: scope, key };
  if (checkedScope(k) === undefined) {
    throw refuseKey(
      `the ${kind} key's scope is not ${kind === 'subject' ? 'a year YYYY' : kind === 'month' ? 'a month YYYY-MM' : 'a real date YYYY-MM-DD'}`,
    );
  }
  return k;
}

function checkedHeldKey(k: HeldKey): void {
  if (checkedScope(k) === undefined || !isBytes(k.key) || k.key.length !== SUBJECT_KEY_SIZE) throw refuseKey('the held key is not well formed');
}

/** A subject key of year Y gives K_month for each month of Y; a month key gives (a copy of) itself. */
export function deriveMonthKey(k: HeldKey, month: string): HeldKey {
  checkedHeldKey(k);
  const m = parseMonth(month);
  if (m === undefined) throw new LogError('MALFORMED_REQUEST', 'month must be a month YYYY-MM', { field: 'month', hint: 'e.g. 2026-03' });
  switch (k.kind) {
    case 'subject':
      if (formatYear(m.year) !== k.year) throw outOfScope('month', `the subject key of ${k.year} does not cover ${month}`);
      return { kind: 'month', month, key: monthKey(k.key, month) };
    case 'month':
      if (month !== k.month) throw outOfScope('month', `the month key of ${k.month} does not cover ${month}`);
      return { kind: 'month', month, key: k.key.slice() };
    case 'day':
      throw outOfScope('month', `the day key of ${k.day} cannot give a month key`);
  }
}

/** A subject or month key gives K_day for each day it covers (a subject key through the day's month); a day key gives itself. */
export function deriveDayKey(k: HeldKey, day: string): HeldKey {
  checkedHeldKey(k);
  const d = parseDate(day);
  if (d === undefined) throw new LogError('MALFORMED_REQUEST', 'day must be a real date YYYY-MM-DD', { field: 'day', hint: 'e.g. 2026-03-14' });
  switch (k.kind) {
    case 'subject':
      if (formatYear(d.year) !== k.year) throw outOfScope('day', `the subject key of ${k.year} does not cover ${day}`);
      return { kind: 'day', day, key: dayKey(monthKey(k.key, formatMonth(d)), formatDayOfMonth(d)) };
    case 'month':
      if (formatMonth(d) !== k.month) throw outOfScope('day', `the month key of ${k.month} does not cover ${day}`);
      return { kind: 'day', day, key: dayKey(k.key, formatDayOfMonth(d)) };
    case 'day':
      if (day !== k.day) throw outOfScope('day', `the day key of ${k.day} does not cover ${day}`);
      return { kind: 'day', day, key: k.key.slice() };
  }
}

/** First and last day (YYYY-MM-DD) a held key covers; ISO dates compare as strings. */
function scopeDays(k: HeldKey): [string, string] {
  switch (k.kind) {
    case 'subject':
      return [`${k.year}-01-01`, `${k.year}-12-31`];
    case 'month': {
      const m = parseMonth(k.month)!;
      return [`${k.month}-01`, formatDate({ ...m, day: daysInMonth(m.year, m.month) })];
    }
    case 'day':
      return [k.day, k.day];
  }
}

/**
 * Every day of [from, to] (inclusive YYYY-MM-DD) that the key covers, ascending, with its
 * K_day: the days a claimant derives tags for. At most a year's days, however wide the range.
 */
export function dayKeysInRange(k: HeldKey, from: string, to: string): { day: string; dayKey: Uint8Array }[] {
  const covered = searchedPeriod(k, from, to);
  if (covered === undefined) return [];
  const { from: start, to: end } = covered;
  const out: { day: string; dayKey: Uint8Array }[] = [];
  // A subject key's K_month is derived once per month, not once per day.
  let month: HeldKey | undefined;
  let d: CalendarDay = parseDate(start)!;
  for (let day = start; day <= end; d = nextDay(d), day = formatDate(d)) {
    if (k.kind === 'subject') {
      if (month === undefined || month.kind !== 'month' || month.month !== formatMonth(d)) month = deriveMonthKey(k, formatMonth(d));
      out.push({ day, dayKey: dayKey(month.key, formatDayOfMonth(d)) });
    } else {
      out.push({ day, dayKey: deriveDayKey(k, day).key });
    }
  }
  return out;
}

/**
 * The part of [from, to] (inclusive YYYY-MM-DD) that a held key covers: what a search with
 * it actually looks at, so it can be reported as searched (a day key asked for a month
 * searches one day). `undefined` when the key covers none of the range.
 */
export function searchedPeriod(k: HeldKey, from: string, to: string): { from: string; to: string; days: number } | undefined {
  checkedHeldKey(k);
  if (parseDate(from) === undefined) throw new LogError('MALFORMED_REQUEST', 'from must be a real date YYYY-MM-DD', { field: 'from', hint: 'e.g. 2026-03-01' });
  if (parseDate(to) === undefined) throw new LogError('MALFORMED_REQUEST', 'to must be a real date YYYY-MM-DD', { field: 'to', hint: 'e.g. 2026-03-31' });
  if (to < from) throw new LogError('MALFORMED_REQUEST', `the range ends (${to}) before it starts (${from})`, { field: 'to', hint: 'give from ≤ to' });
  const [first, last] = scopeDays(k);
  const start = from > first ? from : first;
  const end = to < last ? to : last;
  if (end < start) return undefined;
  // Counted by walking the days (at most a year's): calendar arithmetic without Date, as above.
  let days = 1;
  for (let d = parseDate(start)!; formatDate(d) < end; d = nextDay(d)) days++;
  return { from: start, to: end, days };
}
