/**
 * A claimant's timeline across every log of a service: one subject key per year finds that
 * person's entries in every log of that year (the service's tag keys are the same in all of
 * them), so a lookup reads the service's list of logs (`/logs.json` and each log's metadata,
 * c2sp-style operator-published log metadata) and runs `lookup` on every log whose interval
 * meets the days asked, saying which body each record came from.
 *
 * Trust: each log's entries are verified against its own key, pinned by the caller where it
 * can be (`logKeys`, by origin); a log without a pinned key is checked against the key the
 * service's metadata names (trust on first use, and said so in the result).
 *
 * Privacy: every log whose interval meets the days is searched, whether or not it holds the
 * claimant, so which logs were asked says nothing about them; and only logs served from the
 * service's own origin are read, so a list cannot send a claimant's reads (and their
 * address and timing) to another host.
 *
 * Pure: the caller's fetch function (or the global one); runs in browsers.
 */
import { type ListedLog, MAX_LOG_METADATA_BYTES, MAX_OPERATOR_LIST_BYTES, parseLogMetadata, parseOperatorList } from '../discovery/index.js';
import { readAtMost } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { type FetchLike, globalFetch } from './http.js';
import { type LookupOptions, type LookupResult, lookup } from './lookup.js';

export interface ServiceLookupOptions extends Omit<LookupOptions, 'url' | 'client' | 'logKey' | 'partnerKeys'> {
  /** The service's base URL, where `/logs.json` is served. */
  readonly serviceUrl: string;
  /** Verifier keys the caller pins (`<origin>+<hex8>+<base64>`), by the log's origin. */
  readonly logKeys?: Readonly<Record<string, string>>;
}

/** One log of the service, and what the lookup found in it. */
export interface ServiceLogLookup {
  readonly origin: string;
  /** The body and period, as the service names the log. */
  readonly name: string;
  readonly url: string;
  /** The log key its entries were verified with. */
  readonly logKey: string;
  /** Whether its key was pinned by the caller (else trusted as the service's metadata names it). */
  readonly keyPinned: boolean;
  readonly result?: LookupResult;
  /** Why this log could not be searched (its rows are then unknown, not empty). */
  readonly error?: string;
}

export interface ServiceLookupResult {
  /** The logs searched: every log whose interval meets the days asked, in the service's order. */
  readonly logs: readonly ServiceLogLookup[];
  /** Logs of the service left out, and why (their interval, or a URL on another host). */
  readonly skipped: readonly { readonly origin: string; readonly name: string; readonly why: string }[];
}

const DAY_MS = 86_400_000;

async function boundedText(get: FetchLike, url: string, max: number, what: string): Promise<string> {
  const res = await get(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new LogError('UNAVAILABLE', `${what} at ${url} answered ${res.status}`);
  // Read up to the bound and no further: the service is not trusted to send what it says.
  const body = await readAtMost(res.body, max);
  if (body === undefined) throw new LogError('MALFORMED_LOG_LIST', `${what} at ${url} is over ${max} bytes`);
  return new TextDecoder().decode(body);
}

export async function lookupAcrossLogs(options: ServiceLookupOptions): Promise<ServiceLookupResult> {
  const get: FetchLike = options['fetch'] ?? globalFetch();
  const base = new URL(options.serviceUrl.replace(/\/*$/, '/'));
  const listUrl = new URL('logs.json', base).href;
  const list = parseOperatorList(await boundedText(get, listUrl, MAX_OPERATOR_LIST_BYTES, "the service's list of logs"), listUrl);
  // The days asked, as instants: [from 00:00, to + 1 day 00:00), UTC.
  const from = Date.parse(`${options.from}T00:00:00Z`);
  const to = Date.parse(`${options.to}T00:00:00Z`) + DAY_MS;
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) throw new LogError('MALFORMED_REQUEST', 'from and to must be days, from first', { field: 'from' });

  const logs: ServiceLogLookup[] = [];
  const skipped: { origin: string; name: string; why: string }[] = [];
  const listed: ListedLog[] = [];
  for (const entry of list.logs) {
    if (new URL(entry.metadataUrl).origin !== base.origin) {
      skipped.push({ origin: entry.logId, name: entry.logId, why: `its metadata is on another host (${new URL(entry.metadataUrl).host})` });
      continue;
    }
    listed.push(parseLogMetadata(await boundedText(get, entry.metadataUrl, MAX_LOG_METADATA_BYTES, "a log's metadata"), entry.metadataUrl, entry.logId));
  }
  for (const log of listed) {
    const name = log.name ?? log.origin;
    if (log.monitoringUrl === undefined || new URL(log.monitoringUrl).origin !== base.origin) {
      skipped.push({ origin: log.origin, name, why: 'it is served from another host' });
      continue;
    }
    if (log.interval !== undefined && (log.interval.end.getTime() <= from || log.interval.start.getTime() >= to)) {
      skipped.push({ origin: log.origin, name, why: `its interval (${log.interval.start.toISOString()} to ${log.interval.end.toISOString()}) does not meet the days asked` });
      continue;
    }
    const pinned = options.logKeys?.[log.origin];
    const logKey = pinned ?? log.vkey;
    const url = log.monitoringUrl.replace(/\/+$/, '');
    const searched = { origin: log.origin, name, url, logKey, keyPinned: pinned !== undefined };
    try {
      logs.push({ ...searched, result: await lookup({ ...options, url, 'fetch': get, logKey }) });
    } catch (e) {
      logs.push({ ...searched, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return { logs, skipped };
}
