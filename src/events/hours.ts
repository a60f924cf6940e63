/**
 * Dates and times of typed events in words, for people rather than machines. An event's hour
 * is a UTC hour (`YYYY-MM-DDTHH`); people in the UK read clock time, so it is shown in UK
 * time (GMT in winter, BST in summer). Pure: no DOM, no Intl (the same words in every
 * browser, on the server and in tests).
 */

/** The months' names, January first. */
export const MONTHS: readonly string[] = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const HOUR = /^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3])$/;
const DAY = /^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;

/** Milliseconds since the epoch of a UTC date and hour, or undefined when the date is not real (30 February). */
function utcTime(year: number, month: number, day: number, hour: number): number | undefined {
  const t = Date.UTC(year, month - 1, day, hour);
  const d = new Date(t);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return t;
}

/** 01:00 UTC on the last Sunday of a month: when UK clocks change (March forward, October back). */
function lastSundayOneAm(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month, 0)); // day 0 of the next month
  const back = lastDay.getUTCDay(); // 0 when it is a Sunday
  return Date.UTC(year, month - 1, lastDay.getUTCDate() - back, 1);
}

/** Whether UK clocks are on British Summer Time (UTC+1) at a UTC instant. */
export function isBritishSummerTime(time: number): boolean {
  const year = new Date(time).getUTCFullYear();
  return time >= lastSundayOneAm(year, 3) && time < lastSundayOneAm(year, 10);
}

function clock(hour: number): string {
  if (hour === 0) return 'midnight';
  if (hour === 12) return 'midday';
  return hour < 12 ? `${hour}am` : `${hour - 12}pm`;
}

function dateWords(d: Date): string {
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/**
 * "Saturday 14 March 2026, between 9am and 10am (UK time)" for the UTC hour `2026-03-14T09`;
 * undefined when the text is not a real UTC hour.
 */
export function describeHour(hour: string): string | undefined {
  const m = HOUR.exec(hour);
  if (m === null) return undefined;
  const t = utcTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]));
  if (t === undefined) return undefined;
  const local = t + (isBritishSummerTime(t) ? 3_600_000 : 0);
  const start = new Date(local);
  const end = new Date(local + 3_600_000);
  return `${dateWords(start)}, between ${clock(start.getUTCHours())} and ${clock(end.getUTCHours())} (UK time)`;
}

/** "14 March 2026" for `2026-03-14`; undefined when it is not a real date. */
export function describeDay(day: string): string | undefined {
  const m = DAY.exec(day);
  if (m === null) return undefined;
  const t = utcTime(Number(m[1]), Number(m[2]), Number(m[3]), 0);
  if (t === undefined) return undefined;
  const d = new Date(t);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "14 March 2026 at 10:13 (UK time)" for an ISO instant; undefined when it is not one. */
export function describeInstant(iso: string): string | undefined {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})$/.test(iso)) return undefined;
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return undefined;
  const d = new Date(t + (isBritishSummerTime(t) ? 3_600_000 : 0));
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} at ${hh}:${mm} (UK time)`;
}

/** "2026-03" → "March 2026"; anything else as it is. */
export function monthName(month: string): string {
  const m = /^([0-9]{4})-(0[1-9]|1[0-2])$/.exec(month);
  return m === null ? month : `${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
}
