/**
 * A month of a body's records as they stand, written for people to take away: CSV for
 * spreadsheets and JSON exactly. Each row carries the index of its original entry and of
 * its current version, so that anyone can check each against the log. Pure: the server
 * writes these files, and the explorer writes the same ones from rows it has checked.
 *
 * A CSV cell that a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or
 * a carriage return) is prefixed with an apostrophe.
 */
import { type LineType, type MoneyRecord, RECORD_SCHEMAS } from './records.js';

export interface DownloadRow {
  readonly index: number;
  readonly current: number;
  readonly withdrawnBy: number | null;
  readonly record: MoneyRecord;
}

/** A CSV cell: quoted when it must be, and never a formula. */
function cell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The rows as CSV: the entry's indices, then the type's fields in its schema's order (amounts in minor units). */
export function recordsCsv(type: LineType, rows: readonly DownloadRow[]): string {
  const fields = Object.keys(RECORD_SCHEMAS[type].properties as object);
  const lines = [['index', 'current', 'withdrawnBy', ...fields].join(',')];
  for (const r of rows) lines.push([r.index, r.current, r.withdrawnBy, ...fields.map((f) => (r.record as Record<string, unknown>)[f])].map(cell).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function recordsJson(rows: readonly DownloadRow[]): string {
  return JSON.stringify({ records: rows });
}
