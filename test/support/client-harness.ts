/**
 * The real app in-process for client tests: `app.request` as the client's fetch, a
 * tampering wrapper that rewrites chosen answers (a dishonest or broken server), and
 * drafts of every event type with valid default codes.
 */
import { createHash } from 'node:crypto';
import { type EventFields, type FetchLike, createClient } from '../../src/client/index.js';
import { DEFAULT_CODES } from '../../src/events/index.js';
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

/** A route handler that may answer instead of the log: return a Response to replace the log's, or undefined to pass. */
export type Tamper = (path: string, honest: () => Promise<Response>) => Promise<Response | undefined> | Response | undefined;

/** A fetch that records every path asked for and lets `tamper` rewrite answers. */
export function tamperingFetch(inner: FetchLike, tamper?: Tamper): FetchLike & { paths: string[] } {
  const paths: string[] = [];
  const f = async (input: string, init?: RequestInit): Promise<Response> => {
    const path = input.startsWith(URL_BASE) ? input.slice(URL_BASE.length) : input;
    paths.push(path);
    const honest = async () => inner(input, init);
    const replaced = tamper === undefined ? undefined : await tamper(path, honest);
    return replaced ?? (await honest());
  };
  return Object.assign(f, { paths });
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
