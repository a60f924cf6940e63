/**
 * Days as public bodies publish them ("31/01/2026", "2026-01-31", "31 Jan 2026",
 * "31-Jan-2026", a spreadsheet's "31/01/2026 00:00:00"), read into one normal form,
 * `YYYY-MM-DD`. Day first, as UK files are: a date that only reads as month first
 * ("01/31/2026") is refused rather than guessed, as are two-digit years and a spreadsheet's
 * serial numbers, which name a day only by a convention the file does not state.
 */
import { LogError } from '../errors.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** A month's number (1–12) from its English name, short ("Sep", "Sept") or full; 0 if none. */
function monthNamed(name: string): number {
  const n = name.toLowerCase();
  const index = n.length === 3 ? MONTHS.indexOf(n) : n === 'sept' ? 8 : FULL_MONTHS.indexOf(n);
  return index + 1;
}
/** A time of day after the date, as spreadsheets export it; the day is what is kept. */
const TIME = '(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]+)?)?)?';
const DAY_FIRST = new RegExp(`^([0-9]{1,2})([/.-])([0-9]{1,2})\\2([0-9]{4})${TIME}$`);
const ISO = new RegExp(`^([0-9]{4})-([0-9]{2})-([0-9]{2})${TIME}$`);
const NAMED = new RegExp(`^([0-9]{1,2})[ -]([A-Za-z]{3,9})[ -]([0-9]{4})${TIME}$`);

/** The earliest and latest years a record's day may be in. */
export const FIRST_YEAR = 1900;
export const LAST_YEAR = 2199;

/** Whether `year-month-day` is a day of the Gregorian calendar within the years allowed. */
export function isDay(year: number, month: number, day: number): boolean {
  if (year < FIRST_YEAR || year > LAST_YEAR || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

function isoDay(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A day as published, as `YYYY-MM-DD`. */
export function parsePublishedDate(text: string, field: string): string {
  const refuse = (why: string, hint = 'write days as DD/MM/YYYY or YYYY-MM-DD'): never => {
    throw new LogError('MALFORMED_REQUEST', `${field}: ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} ${why}`, { field, hint });
  };
  const t = text.trim();
  if (t === '') refuse('is empty');
  let year: number;
  let month: number;
  let day: number;
  let m: RegExpExecArray | null;
  if ((m = ISO.exec(t)) !== null) {
    [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if ((m = DAY_FIRST.exec(t)) !== null) {
    [day, month, year] = [Number(m[1]), Number(m[3]), Number(m[4])];
    if (month > 12 && day <= 12) refuse('reads only as month first; days are day first here', 'write it as DD/MM/YYYY');
  } else if ((m = NAMED.exec(t)) !== null) {
    const named = monthNamed(m[2]!);
    if (named === 0) refuse(`has no month called ${JSON.stringify(m[2])}`);
    [day, month, year] = [Number(m[1]), named, Number(m[3])];
  } else if (/^[0-9]{5}(?:\.[0-9]+)?$/.test(t)) {
    return refuse('is a number, not a day (a spreadsheet\'s serial date?)', 'format the column as dates (DD/MM/YYYY) before saving the file');
  } else if (/^[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}$/.test(t)) {
    return refuse('has a two-digit year', 'write the year in full: DD/MM/YYYY');
  } else {
    return refuse('is not a day');
  }
  if (!isDay(year, month, day)) refuse(`is not a day of the calendar between ${FIRST_YEAR} and ${LAST_YEAR}`);
  return isoDay(year, month, day);
}

const FULL_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
