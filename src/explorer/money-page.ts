/**
 * "Where the money goes" (`/money`): a month's records checked in the browser before they
 * are downloaded. Each row of GET /v1/records is checked by the client (verifyRecords): its
 * entries proved, with hash tiles authenticated against a checkpoint signed by the pinned
 * key, to be in the log, and its current entry holding the row's record exactly. Only then
 * is the file made, here, from the checked rows (src/money/download.ts).
 */
import { listRecords, verifyRecords } from '../client/index.js';
import { isLineType, recordsCsv } from '../money/index.js';
import { type DomElement, byId, doc, download, setStatus, technicalDetails } from './dom.js';
import { explain } from './explain.js';
import { type PageContext, pageClient } from './pinning.js';

/** The first and last days of a month, YYYY-MM. */
function monthDays(month: string): { from: string; to: string } {
  const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

async function checkAndDownload(ctx: PageContext, button: DomElement, status: DomElement): Promise<void> {
  const { body, type, month } = button.dataset;
  if (body === undefined || month === undefined || !isLineType(type)) return;
  setStatus(status, 'checking', `Checking ${body}'s records of ${month} in your browser…`);
  try {
    const client = pageClient(ctx);
    const rows = await listRecords(client, { body, type, ...monthDays(month) });
    const { treeSize } = await verifyRecords(client, ctx.verifier, rows);
    download(`${body}-${type}-${month}-checked.csv`, recordsCsv(type, rows), 'text/csv');
    setStatus(status, 'verified', `Checked: each of the ${rows.length} records of ${body} for ${month} is an entry of the log, in its checkpoint of ${treeSize} entries signed by the log's key, and says what its row says. The file is downloaded.`);
  } catch (e) {
    const why = explain(e, 'checkpoint');
    setStatus(status, 'failed', `Not downloaded: a record could not be checked. ${why.text}`, technicalDetails('Technical details', [['Reason', why.technical]]));
  }
}

export async function runMoneyPage(ctx: PageContext): Promise<void> {
  const status = byId('money-check-status');
  if (status === null) return;
  const main = doc().body;
  if (main === null) return;
  for (const button of Array.from(main.querySelectorAll('button.check-download'))) {
    button.addEventListener('click', () => void checkAndDownload(ctx, button, status));
  }
}
