/**
 * "Where the money goes" (`/money`): a month's records checked in the browser before they
 * are downloaded. For each row of GET /money/records.json, the entry of its current version
 * (and of its original and its withdrawal) is read from the entry bundles and proved, with
 * hash tiles authenticated against a checkpoint signed by the pinned key, to be in the log;
 * the current entry must hold the row's record exactly. Only then is the file made, here,
 * from the checked rows (src/money/download.ts).
 */
import { createClient } from '../client/index.js';
import { globalFetch } from '../client/http.js';
import { tileTreeReader } from '../client/tiles.js';
import { canonicalJson } from '../encoding/index.js';
import { leafHash, verifyInclusion } from '../merkle/index.js';
import { type DownloadRow, type MoneyRecord, isLineType, parseMoneyLeaf, recordsCsv } from '../money/index.js';
import { openCheckpoint } from '../note/index.js';
import { type DomElement, byId, doc, download, setStatus, technicalDetails } from './dom.js';
import { explain } from './explain.js';
import type { PageContext } from './pinning.js';

/** Bundles and tiles fetched at once. */
const AT_ONCE = 8;

async function bytes(url: string): Promise<Uint8Array | undefined> {
  const res = await globalFetch()(url);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Checks each row against the log; resolves with the rows, or throws naming the first that fails. */
async function checkRows(ctx: PageContext, rows: readonly DownloadRow[]): Promise<{ treeSize: number }> {
  const client = createClient({ url: ctx.baseUrl });
  const { checkpoint } = openCheckpoint(await client.checkpoint(), ctx.verifier);
  const tree = tileTreeReader((path: string) => bytes(`${ctx.baseUrl}/${path}`), checkpoint);
  const proved = new Map<number, Promise<Uint8Array>>();
  const prove = (index: number): Promise<Uint8Array> => {
    let p = proved.get(index);
    if (p === undefined) {
      p = (async () => {
        if (index >= checkpoint.treeSize) throw new Error(`entry ${index} is not yet in the log's latest checkpoint (size ${checkpoint.treeSize}): try again in a moment`);
        const [entry, proof] = await Promise.all([tree.entry(index), tree.inclusionProof(index)]);
        verifyInclusion(leafHash(entry), index, checkpoint.treeSize, proof, checkpoint.rootHash);
        return entry;
      })();
      proved.set(index, p);
    }
    return p;
  };
  for (let i = 0; i < rows.length; i += AT_ONCE) {
    await Promise.all(
      rows.slice(i, i + AT_ONCE).map(async (row) => {
        const [current] = await Promise.all([prove(row.current), prove(row.index), ...(row.withdrawnBy === null ? [] : [prove(row.withdrawnBy)])]);
        const leaf = parseMoneyLeaf(current);
        const record = leaf?.type === 'amend' ? (leaf.record as MoneyRecord) : leaf;
        if (record === undefined || canonicalJson(record) !== canonicalJson(row.record)) throw new Error(`entry ${row.current} does not hold the record the server gave for it`);
      }),
    );
  }
  return { treeSize: checkpoint.treeSize };
}

async function checkAndDownload(ctx: PageContext, button: DomElement, status: DomElement): Promise<void> {
  const { body, type, month } = button.dataset;
  if (body === undefined || month === undefined || !isLineType(type)) return;
  setStatus(status, 'checking', `Checking ${body}'s records of ${month} in your browser…`);
  try {
    const query = new URLSearchParams({ body, type, month }).toString();
    const res = await globalFetch()(`${ctx.baseUrl}/money/records.json?${query}`);
    if (!res.ok) throw new Error(`GET /money/records.json: HTTP ${res.status}`);
    const rows = ((await res.json()) as { records: DownloadRow[] }).records;
    const { treeSize } = await checkRows(ctx, rows);
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
