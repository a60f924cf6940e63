/**
 * The few calendar facts subject tags need, on ISO 8601 text (UTC, proleptic Gregorian):
 * which `YYYY`, `YYYY-MM`, `YYYY-MM-DD` and `YYYY-MM-DDTHH` are real, and the day after a
 * day. Plain arithmetic rather than `Date`, whose two-digit-year rule (`Date.UTC(99, …)` is
 * 1999) would make years 0000–0099 silently wrong.
 */

export interface CalendarDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

// `\d` without the `u` flag is ASCII 0–9 only, so no other script's digits get through.
const YEAR = /^\d{4}$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HOUR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/;

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `YYYY` → the year, or `undefined`. */
export function parseYear(text: string): number | undefined {
  return YEAR.test(text) ? Number(text) : undefined;
}

/** `YYYY-MM` → year and month, or `undefined` when the month does not exist. */
export function parseMonth(text: string): { year: number; month: number } | undefined {
  const m = MONTH.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? { year, month } : undefined;
}

/** `YYYY-MM-DD` → the day, or `undefined` when that date does not exist (2026-02-29, 2026-04-31). */
export function parseDate(text: string): CalendarDay | undefined {
  const m = DATE.exec(text);
  if (m === null) return undefined;
  return realDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** `YYYY-MM-DDTHH` (an event's hour bucket) → the day and hour 00–23, or `undefined`. */
export function parseHour(text: string): (CalendarDay & { hour: number }) | undefined {
  const m = HOUR.exec(text);
  if (m === null) return undefined;
  const day = realDay(Number(m[1]), Number(m[2]), Number(m[3]));
  const hour = Number(m[4]);
  return day !== undefined && hour <= 23 ? { ...day, hour } : undefined;
}

function realDay(year: number, month: number, day: number): CalendarDay | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function formatYear(year: number): string {
  return pad(year, 4);
}

/** `YYYY-MM`, the month string K_month is derived over. */
export function formatMonth(d: { year: number; month: number }): string {
  return `${pad(d.year, 4)}-${pad(d.month, 2)}`;
}

/** `DD`, the day string K_day is derived over. */
export function formatDayOfMonth(d: CalendarDay): string {
  return pad(d.day, 2);
}

export function formatDate(d: CalendarDay): string {
  return `${formatMonth(d)}-${pad(d.day, 2)}`;
}

export function nextDay(d: CalendarDay): CalendarDay {
  if (d.day < daysInMonth(d.year, d.month)) return { year: d.year, month: d.month, day: d.day + 1 };
  if (d.month < 12) return { year: d.year, month: d.month + 1, day: 1 };
  return { year: d.year + 1, month: 1, day: 1 };
}
