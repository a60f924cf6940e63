/**
 * A month of a body's records as they stand, to download (`/money/records.csv` and `.json`):
 * read from the log a page at a time, each with the index of its original and of its
 * current version, so that anyone can check each against the log (its entry page, or
 * `sightline verify` with its receipt).
 *
 * The CSV is for spreadsheets: a cell that a spreadsheet would run as a formula (it starts
 * with =, +, -, @, a tab or a carriage return) is prefixed with an apostrophe; the JSON
 * holds the records exactly.
 */
import { PARTNER_PATTERN } from '../events/index.js';
import type { LogStore, StandingRecord } from '../log/index.js';
import { type LineType, type MoneyRecord, RECORD_SCHEMAS, isLineType, parseMoneyLeaf, recordDay } from '../money/index.js';

/** Most rows of one download: a month of a department's lines, many times over. */
export const MAX_DOWNLOAD_ROWS = 200_000;

export interface DownloadRow {
  readonly index: number;
  readonly current: number;
  readonly withdrawnBy: number | null;
  readonly record: MoneyRecord;
}

export interface Wanted {
  readonly body: string;
  readonly type: LineType;
  readonly month: string;
}

const PARTNER = new RegExp(PARTNER_PATTERN);

/** The body, type and month asked for, checked; undefined for anything else. */
export function moneyDownload(body: unknown, type: unknown, month: unknown): Wanted | undefined {
  if (typeof body !== 'string' || !PARTNER.test(body) || !isLineType(type) || typeof month !== 'string') return undefined;
  const m = /^([0-9]{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (m === null) return undefined;
  return { body, type, month };
}

export async function downloadRows(standing: LogStore['readStandingRecords'], w: Wanted): Promise<DownloadRow[]> {
  const [y, m] = [Number(w.month.slice(0, 4)), Number(w.month.slice(5, 7))];
  const from = `${w.month}-01`;
  const to = `${w.month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
  const rows: DownloadRow[] = [];
  let after = -1;
  for (;;) {
    const page: StandingRecord[] = await standing({ partnerId: w.body, recordType: w.type, from, to, after, limit: 1000 });
    for (const s of page) {
      const leaf = parseMoneyLeaf(s.data)!;
      const record = leaf.type === 'amend' ? (leaf.record as MoneyRecord) : leaf;
      const day = recordDay(record);
      if (day >= from && day <= to) rows.push({ index: s.original, current: s.current, withdrawnBy: s.withdrawnBy, record });
    }
    if (page.length < 1000 || rows.length >= MAX_DOWNLOAD_ROWS) break;
    after = page.at(-1)!.original;
  }
  return rows.slice(0, MAX_DOWNLOAD_ROWS);
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
