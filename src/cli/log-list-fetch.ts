/**
 * Fetching a list of logs for `sightline monitor --log-list` and `sightline witness
 * --log-list`: an operator list (JSON, `operator-list-v1` shape) whose every log's metadata
 * document is fetched in turn, or a `logs/v0` text list. The parsing is src/discovery's;
 * this is its I/O edge.
 *
 * Trust boundary: the list's server is not trusted. Every body is read up to its bound and
 * no further (a server that sends more is cut off), requests time out, and the number of
 * metadata documents fetched is bounded by the number of logs a list may name.
 */
import {
  type ListedLog,
  MAX_LOG_LIST_BYTES,
  MAX_LOG_METADATA_BYTES,
  MAX_OPERATOR_LIST_BYTES,
  checkDistinctOrigins,
  isJsonList,
  logsOfTextList,
  parseLogMetadata,
  parseOperatorList,
} from '../discovery/index.js';
import { readAtMost } from '../encoding/index.js';
import { LogError } from '../errors.js';

export type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

const FETCH_TIMEOUT_MS = 30_000;
/** Metadata documents fetched at once. */
const METADATA_CONCURRENCY = 8;

/** The body of a 200 answer as text, read up to `max` bytes; more is refused (and not read). */
export async function readBounded(response: Response, max: number, what: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel();
    throw new LogError('MALFORMED_LOG_LIST', `${what} is over ${max} bytes`);
  }
  const body = await readAtMost(response.body, max);
  if (body === undefined) throw new LogError('MALFORMED_LOG_LIST', `${what} is over ${max} bytes`);
  return new TextDecoder('utf-8', { fatal: false }).decode(body);
}

async function getText(fetchFn: Fetch, url: string, max: number, what: string): Promise<string> {
  const response = await fetchFn(url, { headers: { Accept: 'application/json, text/plain' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new LogError('UNAVAILABLE', `GET ${url} answered ${response.status}`);
  }
  return readBounded(response, max, what);
}

export interface FetchedList {
  readonly logs: readonly ListedLog[];
  /** Logs left out, one line each (a metadata document that could not be read or does not check). */
  readonly problems: readonly string[];
}

/**
 * The logs of the list at `url`. A list that cannot be read, is malformed, too large or
 * names an origin twice is refused as a whole (thrown); a log whose metadata cannot be read
 * is left out and said in `problems`, so one broken log does not hide the others.
 */
export async function fetchLogList(url: string, options: { fetch?: Fetch; urlTemplate?: string } = {}): Promise<FetchedList> {
  const fetchFn = options.fetch ?? fetch;
  const text = await getText(fetchFn, url, Math.max(MAX_LOG_LIST_BYTES, MAX_OPERATOR_LIST_BYTES), 'the log list');
  if (!isJsonList(text)) {
    const logs = logsOfTextList(text, options.urlTemplate);
    checkDistinctOrigins(logs);
    return { logs, problems: [] };
  }
  const list = parseOperatorList(text, url);
  const results: (ListedLog | string)[] = new Array(list.logs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.logs.length) {
      const i = next++;
      const { logId, metadataUrl } = list.logs[i]!;
      try {
        const doc = await getText(fetchFn, metadataUrl, MAX_LOG_METADATA_BYTES, `the metadata at ${metadataUrl}`);
        results[i] = parseLogMetadata(doc, metadataUrl, logId);
      } catch (e) {
        results[i] = `log ${logId} left out: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(METADATA_CONCURRENCY, list.logs.length) }, worker));
  const logs = results.filter((r): r is ListedLog => typeof r !== 'string');
  checkDistinctOrigins(logs);
  return { logs, problems: results.filter((r): r is string => typeof r === 'string') };
}
