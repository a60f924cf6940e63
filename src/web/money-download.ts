/**
 * A month of a body's records as they stand, to download (`/money/records.csv` and `.json`):
 * read from the log a page at a time, each with the index of its original and of its
 * current version, and written by the core (src/money/download.ts).
 */
import { PARTNER_PATTERN } from '../events/index.js';
import type { LogStore, StandingRecord } from '../log/index.js';
import { type DownloadRow, type LineType, type MoneyRecord, isLineType, parseMoneyLeaf, recordDay } from '../money/index.js';

/** Most rows of one download: a month of a department's lines, many times over. */
export const MAX_DOWNLOAD_ROWS = 200_000;

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
