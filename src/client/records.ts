/**
 * Public-money records for anyone reading them: a body's records of a type and period as
 * the log says they stand (GET /v1/records), and their check against the log itself. The
 * list is the server's word; `verifyRecords` proves each row's entries — its original, its
 * current version, each later entry it lists about it — to be in a checkpoint signed by the
 * log's key, from hash tiles authenticated against that checkpoint, that they agree with one
 * another, and that the current entry holds exactly the row's record. A row the server
 * changed or made up fails with LogError('INVALID_PROOF'). That no later entry was left out
 * of a row's history, or no row out of the list, only an audit of every entry shows (a
 * monitor, or the explorer's monitor page). Pure: runs in Node 20 and browsers.
 */
import { canonicalJson } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { leafHash, verifyInclusion } from '../merkle/index.js';
import { type LineType, type MoneyRecord, parseMoneyLeaf, recordKey } from '../money/index.js';
import { type Checkpoint, openCheckpoint } from '../note/index.js';
import type { SightlineClient } from './client.js';
import { badAnswer, isIndexValue, isObject } from './http.js';
import { tileTreeReader } from './tiles.js';
import { type LogKey, logVerifier } from './verify.js';

/** A record as it stands: its original's index, its current version's, its withdrawal, and every later entry about it. */
export interface RecordRow {
  readonly index: number;
  readonly current: number;
  readonly withdrawnBy: number | null;
  readonly history: readonly number[];
  readonly record: MoneyRecord;
}

export interface RecordsQuery {
  readonly body: string;
  readonly type: LineType;
  /** Days, YYYY-MM-DD, at most 366 apart. */
  readonly from: string;
  readonly to: string;
}

/** Entries fetched and proved at once. */
const AT_ONCE = 8;

function row(value: unknown, what: string): RecordRow {
  if (!isObject(value) || !isIndexValue(value.index) || !isIndexValue(value.current) || !(value.withdrawnBy === null || isIndexValue(value.withdrawnBy))) throw badAnswer(what, 'holds a row without its indices');
  if (!Array.isArray(value.history) || !value.history.every(isIndexValue) || !isObject(value.record)) throw badAnswer(what, 'holds a row without its history or record');
  return { index: value.index, current: value.current, withdrawnBy: value.withdrawnBy, history: value.history, record: value.record as MoneyRecord };
}

/** Every row of the query, page by page (the server's word: see verifyRecords). */
export async function listRecords(client: Pick<SightlineClient, 'records'>, query: RecordsQuery): Promise<RecordRow[]> {
  const rows: RecordRow[] = [];
  let after: number | null = null;
  do {
    const page = await client.records(query, after);
    rows.push(...page.records.map((r) => row(r, 'GET /v1/records')));
    after = page.next;
  } while (after !== null);
  return rows;
}

function failed(message: string): LogError {
  return new LogError('INVALID_PROOF', message, { field: 'records', hint: 'the log served records its own entries do not support: keep the answers as evidence' });
}

/**
 * Checks `rows` against the log's latest checkpoint, verified with `logKey`; resolves with
 * that checkpoint when every row holds.
 */
export async function verifyRecords(client: Pick<SightlineClient, 'checkpoint' | 'tile'>, logKey: LogKey, rows: readonly RecordRow[]): Promise<Checkpoint> {
  const { checkpoint } = openCheckpoint(await client.checkpoint(), logVerifier(logKey));
  const tree = tileTreeReader((path: string) => client.tile(path), checkpoint);
  const proved = new Map<number, Promise<Uint8Array>>();
  const prove = (index: number): Promise<Uint8Array> => {
    let p = proved.get(index);
    if (p === undefined) {
      p = (async () => {
        if (index >= checkpoint.treeSize) throw failed(`entry ${index} is not in the log's latest checkpoint (size ${checkpoint.treeSize}): try again once a checkpoint includes it`);
        const [entry, proof] = await Promise.all([tree.entry(index), tree.inclusionProof(index)]);
        verifyInclusion(leafHash(entry), index, checkpoint.treeSize, proof, checkpoint.rootHash);
        return entry;
      })();
      proved.set(index, p);
    }
    return p;
  };
  const check = async (r: RecordRow): Promise<void> => {
    const parse = async (index: number) => {
      const leaf = parseMoneyLeaf(await prove(index));
      if (leaf === undefined) throw failed(`entry ${index} is not a public-money record`);
      return leaf;
    };
    const original = await parse(r.index);
    const later = await Promise.all(r.history.map(parse));
    // Each listed entry names the original, and the current version and withdrawal are the
    // ones the listed history implies.
    for (const [i, e] of later.entries()) if (e.target !== r.index || e.body !== original.body) throw failed(`entry ${r.history[i]} is not about entry ${r.index}`);
    const amendments = r.history.filter((_, i) => later[i]!.type === 'amend');
    const withdrawal = r.history.find((_, i) => later[i]!.type === 'withdraw') ?? null;
    if (r.current !== (amendments.at(-1) ?? r.index) || r.withdrawnBy !== withdrawal) throw failed(`the record at entry ${r.index} does not stand as the server says`);
    const current = r.current === r.index ? original : ((await parse(r.current)).record as MoneyRecord);
    if (canonicalJson(current) !== canonicalJson(r.record) || recordKey(current) !== recordKey(original)) throw failed(`entry ${r.current} does not hold the record the server gave for it`);
  };
  for (let i = 0; i < rows.length; i += AT_ONCE) await Promise.all(rows.slice(i, i + AT_ONCE).map(check));
  return checkpoint;
}
