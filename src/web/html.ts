/**
 * HTML building blocks for the server-rendered pages. Every page is a string made with
 * hono's `html` tagged template, which escapes each interpolated value; `raw` is used only
 * for markup built here. Everything read from the log is untrusted: it is only ever
 * interpolated, never passed to `raw`.
 */
import { html, raw } from 'hono/html';
import { safeText } from '../encoding/index.js';
import { describeHour } from '../events/index.js';

/** Markup that is already escaped. */
export type Html = ReturnType<typeof raw>;

/** `html`, synchronously: the pages never interpolate promises. */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const out = html(strings, ...values);
  if (out instanceof Promise) throw new TypeError('a page fragment interpolated a promise');
  return out;
}

/** Joins fragments (an empty string for none). */
export function join(parts: readonly Html[], separator: Html = raw('')): Html {
  return raw(parts.map(String).join(String(separator)));
}

export { raw };

export { monthName } from '../events/index.js';

/** "2026-03-14T09" → "Saturday 14 March 2026, between 9am and 10am (UK time)", as the explorer's pages say it; anything else as it is. */
export function hourText(hour: string): string {
  return describeHour(hour) ?? hour;
}

/** A count with thousands separators: 12,345. */
export function count(n: number): string {
  return n.toLocaleString('en-GB');
}

/** "1 entry", "3 entries". */
export function plural(n: number, one: string, many: string): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** A POSIX time in seconds as "2026-03-14 09:12 UTC". */
export function utcTime(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * Text of untrusted bytes made safe to show: control characters (but tab, newline and carriage return) and
 * the bidirectional overrides that can make text read differently from what it is are shown
 * as U+FFFD. Escaping for HTML still happens when it is interpolated.
 */
export const visibleText = safeText;
