/**
 * Numbers and paths in words for the explorer's pages; event hours and dates in words are the
 * events core's (`describeHour`, …, re-exported here), shared with the server-rendered pages.
 */
export { describeDay, describeHour, describeInstant, isBritishSummerTime } from '../events/index.js';

/** A whole number with thousands separators: 1234567 → "1,234,567". No bitwise arithmetic: sizes pass 2^32. */
export function formatCount(n: number): string {
  const digits = String(n);
  if (!/^[0-9]+$/.test(digits)) return digits;
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return out;
}

/** "1 entry", "2 entries". */
export function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Today's date (YYYY-MM-DD, UTC) of a clock reading. */
export function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** The entry index of an entry page's path (`/entries/12` under the log's base path, canonical decimal below 2^53), or undefined. */
export function entryIndexFromPath(pathname: string, basePath = '/'): number | undefined {
  if (!pathname.startsWith(basePath)) return undefined;
  const m = /^entries\/(0|[1-9][0-9]{0,15})\/?$/.exec(pathname.slice(basePath.length));
  if (m === null) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}
