/**
 * The real app in-process for client tests: `app.request` as the client's fetch, a
 * tampering wrapper that rewrites chosen answers (a dishonest or broken server), and
 * drafts of every event type with valid default codes.
 */
import { createHash } from 'node:crypto';
import { type EventFields, type FetchLike, createClient } from '../../src/client/index.js';
import { DEFAULT_CODES } from '../../src/events/index.js';
import { decodeEntryBundle, encodeEntryBundle, parseTilePath } from '../../src/merkle/index.js';
import { formatHeldKey, subjectKey } from '../../src/subject/index.js';
import { MemoryStore } from './memory-store.js';
import { TEST_YEAR_KEYS, newTestLog } from './test-log.js';

export const URL_BASE = 'http://log.test';
/** Valid National Insurance numbers (issued prefixes), made up. */
export const NINO_A = 'AB123456C';
export const NINO_B = 'CE654321A';

export type Log = Awaited<ReturnType<typeof newTestLog>>;

export async function newLog(): Promise<Log> {
  return newTestLog(new MemoryStore());
}

export function appFetch(log: Log): FetchLike {
  return (input, init) => log.app.request(input, init);
}

/** One request as the network sees it: what a proxy, a CDN or an access log in front of the log could record. */
export interface RecordedRequest {
  readonly method: string;
  /** The path after the base URL, without the query. */
  readonly path: string;
  /** The query string without its `?` ('' when none). */
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The body, as text (undefined for none). */
  readonly body?: string;
}

/**
 * A route handler that may answer instead of the log: return a Response to replace the log's,
 * or undefined to pass. `path` is the path after the base URL with its query.
 */
export type Tamper = (path: string, honest: () => Promise<Response>, request: RecordedRequest) => Promise<Response | undefined> | Response | undefined;

/** A fetch that records every request (`paths`: path and query; `requests`: all of it) and lets `tamper` rewrite answers. */
export function tamperingFetch(inner: FetchLike, tamper?: Tamper): FetchLike & { paths: string[]; requests: RecordedRequest[] } {
  const paths: string[] = [];
  const requests: RecordedRequest[] = [];
  const f = async (input: string, init?: RequestInit): Promise<Response> => {
    const path = input.startsWith(URL_BASE) ? input.slice(URL_BASE.length) : input;
    paths.push(path);
    const at = path.indexOf('?');
    const body = init?.body;
    const request: RecordedRequest = {
      method: init?.method ?? 'GET',
      path: at < 0 ? path : path.slice(0, at),
      query: at < 0 ? '' : path.slice(at + 1),
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      ...(body === undefined || body === null ? {} : { body: typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array) }),
    };
    requests.push(request);
    const honest = async () => inner(input, init);
    const replaced = tamper === undefined ? undefined : await tamper(path, honest, request);
    return replaced ?? (await honest());
  };
  return Object.assign(f, { paths, requests });
}

/** A result of POST /v1/details, as the log sends it. */
export type DetailsResult = { status: 'found'; index: number; details: unknown; opening: string } | { status: 'erased'; index: number; erasedBy: number } | { status: 'unknown' };

/** The log's answer to POST /v1/details with each result passed through `change` (a dishonest log). */
export async function rewriteDetails(honest: Response, change: (result: DetailsResult) => DetailsResult): Promise<Response> {
  const body = (await honest.json()) as { results: DetailsResult[] };
  return json({ results: body.results.map(change) });
}

/** The log's answer for an entry bundle with entry `index` (if the bundle holds it) passed through `change`. */
export async function rewriteBundleEntry(path: string, honest: Response, index: number, change: (entry: Uint8Array) => Uint8Array): Promise<Response> {
  const bundle = parseTilePath(path.slice(1));
  const data = new Uint8Array(await honest.arrayBuffer());
  if (bundle.kind !== 'entries' || Math.floor(index / 256) !== bundle.index) return new Response(data, { status: honest.status });
  const entries = decodeEntryBundle(data);
  entries[index % 256] = change(entries[index % 256]!);
  return new Response(encodeEntryBundle(entries), { headers: { 'content-type': 'application/octet-stream' } });
}

export function json(body: unknown, status = 200, type = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
}

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const unb64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export function partnerClient(log: Log, fetch: FetchLike = appFetch(log), withLogKey = true) {
  return createClient({ url: URL_BASE, token: log.token, fetch, ...(withLogKey ? { logKey: log.signer.verifierKey } : {}) });
}

/** The held key text of a subject for 2026, as the log's operator would issue it. */
export function subjectKeyText(nino: string, year = '2026'): string {
  return formatHeldKey({ kind: 'subject', year, key: subjectKey(TEST_YEAR_KEYS[year]!, 'nino', nino) });
}

function first(list: keyof typeof DEFAULT_CODES, n = 0): string {
  const codes = Object.keys(DEFAULT_CODES[list]).filter((c) => c !== 'join' && c !== 'leave');
  return codes[n % codes.length]!;
}

const actor = (n: number) => createHash('sha256').update(`staff ${n}`).digest('hex').slice(0, 32);

export function accessEvent(partner: string, partnerSeq: number, hour: string, n = 0): EventFields {
  return {
    type: 'access',
    partner,
    partnerSeq,
    hour,
    organisation: first('organisations', n),
    system: first('systems', n),
    actorRole: first('roles', n),
    actor: actor(n),
    action: first('actions', n),
    purpose: first('purposes', n),
    legalBasis: first('legalBases', n),
    categories: [first('categories', n)],
  };
}

export function erasureEvent(partner: string, partnerSeq: number, hour: string, target: number): EventFields {
  return {
    type: 'erasure',
    partner,
    partnerSeq,
    hour,
    organisation: first('organisations'),
    system: first('systems'),
    actorRole: first('roles'),
    actor: actor(9),
    legalBasis: first('legalBases'),
    target,
  };
}

export function correctionEvent(partner: string, partnerSeq: number, hour: string, target: number): EventFields {
  return { ...erasureEvent(partner, partnerSeq, hour, target), type: 'correction', categories: [first('categories', 1)] };
}
