/**
 * `sightline publish TYPE --period P --log URL --body ID [--file FILE]`: a body's statement
 * that its records of a type for a period are complete (a `publication` record), its count
 * and totals computed from the records the log holds for the period as they stand — the
 * same sums a monitor recomputes from the entries, so a statement that matches the log
 * today stops matching the day a row is added to the closed period. With --file, the
 * SHA-256 of the file the body published elsewhere for the period is stated too. A period
 * with no records is stated as "nothing to report".
 *
 * A statement for the period already in the log with other figures is restated as an
 * amendment naming it, never a second statement.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LogError, isLogError } from '../errors.js';
import { LINE_TYPES, type LineType, formatPounds, isLineType, recordAmount, validateRecord } from '../money/index.js';
import { type CommandSpec, type ParsedFlags, UsageError } from './flags.js';
import type { CliIo } from './io.js';
import { type Fetch, type Period, parsePeriod, problemOf, readStanding, readToken, send } from './record-api.js';
import { printable } from './terminal.js';

export const PUBLISH_COMMAND: CommandSpec = {
  name: 'publish',
  summary: "state that a body's records of a type for a period are complete, with their count and totals",
  about: `Records a publication: the body's statement that its TYPE records for --period are complete.
Its count and totals per currency are computed from the records the log holds for the period
as they stand (amendments applied, withdrawn records left out): the figures a monitor
recomputes from the entries and checks the statement against. With --file, the SHA-256 of
the file the body published elsewhere is stated too. No records: "nothing to report".`,
  positionals: [{ name: 'TYPE', help: LINE_TYPES.join(', ') }],
  flags: [
    { name: 'period', value: 'YYYY-MM|FROM..TO', required: true, help: 'the period the statement covers: a month, or two days YYYY-MM-DD..YYYY-MM-DD' },
    { name: 'log', value: 'URL', required: true, help: "the log's URL" },
    { name: 'body', value: 'ID', required: true, help: "the body's partner id in the log" },
    { name: 'file', value: 'FILE', help: 'the file the body published for the period: its SHA-256 is stated' },
    { name: 'token-file', value: 'FILE', help: "a file holding the body's partner token (else SIGHTLINE_TOKEN)" },
    { name: 'json', type: 'boolean', help: 'print the statement and its entry as JSON' },
  ],
  footer: `Environment: SIGHTLINE_TOKEN, the body's partner token (unless --token-file).
Exit status: 0 stated, 1 an error, 2 usage error.`,
};

/** The statement of `type` for `period`, from the records the log holds. */
export async function statement(fetch: Fetch, url: string, body: string, type: LineType, period: Period, fileSha256: string | null): Promise<Record<string, unknown>> {
  const standing = (await readStanding(fetch, url, body, type, period)).filter((e) => e.withdrawnBy === null);
  const totals = new Map<string, bigint>();
  for (const e of standing) {
    const amount = recordAmount(e.record);
    if (amount !== undefined) totals.set(amount.currency, (totals.get(amount.currency) ?? 0n) + BigInt(amount.amount));
  }
  return {
    type: 'publication',
    body,
    recordType: type,
    periodStart: period.from,
    periodEnd: period.to,
    count: standing.length,
    totals: Object.fromEntries([...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, t]) => [c, t.toString()])),
    fileSha256,
    nothingToReport: standing.length === 0,
  };
}

type Result = { status: string; index?: number; problem?: { code?: string; existing?: number; detail?: string; hint?: string } };

async function post(fetch: Fetch, url: string, token: string, record: Record<string, unknown>): Promise<Result> {
  const res = await send(fetch, `${url}/v1/records`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ records: [record] }) });
  if (res.status !== 200) throw await problemOf(res, 'the log refused the request');
  return ((await res.json()) as { results: Result[] }).results[0]!;
}

/** Records the statement, or restates an earlier one with other figures as its amendment. */
export async function publish(options: { fetch?: Fetch; url: string; body: string; token: string; type: LineType; period: Period; fileSha256: string | null }): Promise<{ record: Record<string, unknown>; index: number; restated: number | null; duplicate: boolean }> {
  const fetch: Fetch = options.fetch ?? ((u, init) => globalThis.fetch(u, init));
  const url = options.url.replace(/\/+$/, '');
  const record = await statement(fetch, url, options.body, options.type, options.period, options.fileSha256);
  validateRecord(record);
  const first = await post(fetch, url, options.token, record);
  if (first.status !== 'refused') return { record, index: first.index!, restated: null, duplicate: first.status === 'duplicate' };
  if (first.problem?.code !== 'RECORD_EXISTS' || first.problem.existing === undefined) {
    throw new LogError('UNAVAILABLE', `the log refused the statement: ${first.problem?.detail ?? 'refused'}`, { hint: first.problem?.hint });
  }
  const amend = { type: 'amend', body: options.body, target: first.problem.existing, reason: 'Restated: the records of the period as they now stand', record };
  const second = await post(fetch, url, options.token, amend);
  if (second.status === 'refused') throw new LogError('UNAVAILABLE', `the log refused the restated statement: ${second.problem?.detail ?? 'refused'}`, { hint: second.problem?.hint });
  return { record, index: second.index!, restated: first.problem.existing, duplicate: second.status === 'duplicate' };
}

export async function publishCommand(flags: ParsedFlags, io: CliIo): Promise<number> {
  const [type] = flags.positionals;
  if (!isLineType(type)) throw new UsageError(`TYPE must be one of ${LINE_TYPES.join(', ')}`, { field: 'TYPE' });
  const url = flags.string('log')!;
  if (!/^https?:\/\//i.test(url)) throw new UsageError('--log must be the http:// or https:// URL of the log', { field: 'log' });
  const period = parsePeriod(flags.string('period'))!;
  const path = flags.string('file');
  let fileSha256: string | null = null;
  if (path !== undefined) {
    try {
      fileSha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
    } catch (e) {
      if (isLogError(e)) throw e;
      throw new UsageError('--file cannot be read', { field: 'file' });
    }
  }
  const result = await publish({ url, body: flags.string('body')!, token: readToken(flags, io), type, period, fileSha256 });
  if (flags.boolean('json')) {
    io.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return 0;
  }
  const r = result.record as { count: number; totals: Record<string, string>; nothingToReport: boolean };
  const totals = Object.entries(r.totals).map(([c, t]) => (c === 'GBP' ? formatPounds(BigInt(t)) : `${t} ${c} minor units`));
  const what = r.nothingToReport ? 'nothing to report' : `${r.count.toLocaleString('en-GB')} records${totals.length > 0 ? `, ${totals.join(', ')}` : ''}`;
  const how = result.duplicate ? 'already stated at entry' : result.restated !== null ? `restated (the statement at entry ${result.restated} amended) at entry` : 'stated at entry';
  io.stdout.write(`${printable(type)} ${period.from} to ${period.to}: ${what}: ${how} ${result.index}\n`);
  return 0;
}
