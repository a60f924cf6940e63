/**
 * What the records commands (`import`, `publish`) share: the log's records API over HTTP,
 * with the body's partner token, and the period a command works on.
 */
import { readFileSync } from 'node:fs';
import { LogError } from '../errors.js';
import type { LineType, MoneyRecord, StandingEntry } from '../money/index.js';
import { UsageError, type ParsedFlags } from './flags.js';
import type { CliIo } from './io.js';

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** Tries of a request the log answers 429 or 503 to, waiting as it says. */
const TRIES = 8;

export interface Period {
  readonly from: string;
  readonly to: string;
}

/** `--period`: a month (YYYY-MM) or two days (FROM..TO). */
export function parsePeriod(text: string | undefined): Period | undefined {
  if (text === undefined) return undefined;
  const month = /^([0-9]{4})-([0-9]{2})$/.exec(text);
  if (month !== null) {
    const [y, m] = [Number(month[1]), Number(month[2])];
    if (m < 1 || m > 12) throw new UsageError('--period: no such month', { field: 'period' });
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    return { from: `${text}-01`, to: `${text}-${String(last).padStart(2, '0')}` };
  }
  const range = /^([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})$/.exec(text);
  if (range === null || range[1]! > range[2]!) throw new UsageError('--period is YYYY-MM or FROM..TO (two days, YYYY-MM-DD, in order)', { field: 'period' });
  return { from: range[1]!, to: range[2]! };
}


/** The months a day range touches, as a period: from the first of the first to the last of the last. */
export function monthsOf(first: string, last: string): Period {
  const [y, m] = [Number(last.slice(0, 4)), Number(last.slice(5, 7))];
  return { from: `${first.slice(0, 7)}-01`, to: `${last.slice(0, 7)}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}` };
}


/** The body's partner token: SIGHTLINE_TOKEN or --token-file, never the command line. */
export function readToken(flags: ParsedFlags, io: CliIo): string {
  const file = flags.string('token-file');
  const text = file === undefined ? io.env.SIGHTLINE_TOKEN : readFileSync(file, 'utf8');
  const value = text?.trim();
  if (value === undefined || value === '') throw new UsageError("the body's partner token is needed: set SIGHTLINE_TOKEN, or pass --token-file FILE", { field: 'token-file' });
  return value;
}


/** A problem answer, as one LogError. */
export async function problemOf(res: Response, what: string): Promise<LogError> {
  let detail = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { detail?: unknown; hint?: unknown };
    if (typeof body.detail === 'string') detail = body.detail + (typeof body.hint === 'string' ? ` (${body.hint})` : '');
  } catch {
    // not JSON: the status says enough
  }
  return new LogError(res.status === 401 || res.status === 403 ? 'UNAUTHORIZED' : 'UNAVAILABLE', `${what}: ${detail}`);
}


/** A request, tried again when the log says it is busy or the partner over its rate. */
export async function send(fetch: Fetch, url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, init);
    if ((res.status !== 429 && res.status !== 503) || attempt === TRIES) return res;
    const wait = Number(res.headers.get('retry-after') ?? '1');
    await res.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, Math.min(Number.isFinite(wait) && wait > 0 ? wait : 1, 30) * 1000));
  }
}


/** Every record of the body, type and period as it stands (GET /v1/records, page by page). */
export async function readStanding(fetch: Fetch, url: string, body: string, type: LineType, period: Period): Promise<StandingEntry[]> {
  const out: StandingEntry[] = [];
  let after: number | null = -1;
  while (after !== null) {
    const query = new URLSearchParams({ body, type, from: period.from, to: period.to, ...(after >= 0 ? { after: String(after) } : {}) });
    const res = await send(fetch, `${url}/v1/records?${query}`, {});
    if (res.status !== 200) throw await problemOf(res, `the log did not list the body's ${type} records`);
    const page = (await res.json()) as { records: { index: number; current: number; withdrawnBy: number | null; record: MoneyRecord }[]; next: number | null };
    for (const r of page.records) out.push({ original: r.index, current: r.current, withdrawnBy: r.withdrawnBy, record: r.record });
    after = page.next;
  }
  return out;
}
