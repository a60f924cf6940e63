/**
 * `sightline import spend|local-spend|card|grant|contract|expense FILE --log URL --body ID`:
 * a body's published file into its log, as records (POST /v1/records).
 *
 * Reads the file as bodies publish it (src/money/layouts.ts), then compares it with what the
 * log holds for the body, type and period as it stands (GET /v1/records): new records are
 * recorded; records already there add nothing (importing a file twice is a no-op); a changed
 * record is reported and recorded only as an amendment naming its original; a record of the
 * period the file no longer has is reported and recorded only as a withdrawal. Each row the
 * file or the log refuses is one line on stderr with its line number and why.
 *
 * The file is read once, a chunk at a time; what the log holds for a month is read when the
 * file's first row of it comes, and only keys are kept, so that a file of a million lines is
 * imported in bounded memory. The partner token is read
 * from SIGHTLINE_TOKEN or --token-file, never from the command line (which others can see).
 */
import { accessSync, closeSync, constants, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { LogError, isLogError } from '../errors.js';
import {
  CsvLayout,
  CsvReader,
  type CsvRow,
  type Decision,
  type ImportedRecord,
  LINE_TYPES,
  type LineType,
  type MoneyRecord,
  type RefusedRow,
  StandingIndex,
  isLineType,
  isRefused,
  mapHeader,
  readPackage,
  recordDay,
  validateRecord,
} from '../money/index.js';
import { type CommandSpec, type ParsedFlags, UsageError } from './flags.js';
import { type Fetch, monthsOf, parsePeriod, problemOf, readStanding, readToken, send } from './record-api.js';
import type { CliIo } from './io.js';
import { errorLine, printable } from './terminal.js';

export const IMPORT_COMMAND: CommandSpec = {
  name: 'import',
  summary: "record a body's published spending, card, grant, contract or expenses file in its log",
  about: `Reads FILE as the body publishes it and records each row as a typed record:
  spend        HM Treasury's spending over £25,000 (CSV)
  local-spend  a council's spending over £500 (CSV; rows flagged as card transactions go as card)
  card         a council's procurement card transactions (CSV)
  grant        a 360Giving JSON package ({"grants": [...]}) or its flat CSV form
  contract     an OCDS release package ({"releases": [...]})
  expense      MPs' business costs as IPSA publishes them (CSV)
CSV headers are matched whatever their case, spacing or "£"; amounts may have "£" and
thousands separators; days are DD/MM/YYYY (or YYYY-MM-DD, or 31 Jan 2026). A payee marked as
an individual in a supplier type column ("Individual", "Sole trader") is published as
"Redacted personal data", the name sealed for auditors.

The file is compared with what the log holds for the body, type and period (the months its
rows fall in, or --period): importing the same file again adds nothing; a republished file's
changed rows are recorded as amendments and its dropped rows as withdrawals, each reported.`,
  positionals: [
    { name: 'TYPE', help: LINE_TYPES.join(', ') },
    { name: 'FILE', help: 'the file: CSV, or JSON for grant and contract' },
  ],
  flags: [
    { name: 'log', value: 'URL', required: true, help: "the log's URL (http://host:8080, or a service's log prefix http://host/logs/dwp-2026)" },
    { name: 'body', value: 'ID', required: true, help: "the body's partner id in the log: every record is recorded as its" },
    { name: 'token-file', value: 'FILE', help: "a file holding the body's partner token (else SIGHTLINE_TOKEN)" },
    { name: 'period', value: 'YYYY-MM|FROM..TO', help: 'the period the file covers (a month, or two days YYYY-MM-DD..YYYY-MM-DD); rows outside it are refused; by default the months its rows fall in' },
    { name: 'dry-run', type: 'boolean', help: 'report what would be recorded, and record nothing' },
    { name: 'json', type: 'boolean', help: 'print the summary, changes and refusals as JSON' },
  ],
  footer: `Environment: SIGHTLINE_TOKEN, the body's partner token (unless --token-file).
Exit status: 0 every row recorded or already there, 1 some rows refused (or an error), 2 usage error.`,
};

/** Records a request: the server's own limit. */
const REQUEST_RECORDS = 1_000;
/** Bytes of records a request, well under the server's 8 MiB. */
const REQUEST_BYTES = 4 * 1024 * 1024;
/** Requests in flight at once: the sequencer batches across them. */
const IN_FLIGHT = 4;
/** How often the progress line is redrawn on a terminal. */
const PROGRESS_MS = 200;

export interface ImportSummary {
  readonly file: string;
  readonly type: LineType;
  /** The period compared with the log: --period, or from the first to the last month the rows fall in. */
  readonly period: { readonly from: string; readonly to: string } | null;
  /** Without --period, the months the rows fall in (YYYY-MM): only those were compared. */
  readonly months: readonly string[] | null;
  readonly rows: number;
  readonly created: number;
  readonly unchanged: number;
  readonly amended: number;
  readonly withdrawn: number;
  readonly refused: number;
  readonly changes: readonly Change[];
  readonly refusals: readonly RefusedRow[];
}

export interface Change {
  readonly kind: 'amended' | 'withdrawn';
  /** The file's line (for a changed row), or null for a row the file dropped. */
  readonly line: number | null;
  readonly key: string;
  readonly original: number;
  readonly fields: readonly string[];
  /** The entry recorded for the change; null in a dry run. */
  readonly index: number | null;
}

/** Whether a file's first character (after a byte order mark and spaces) is "{": a JSON package. */
function startsWithBrace(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(1024);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '').trimStart().startsWith('{');
  } finally {
    closeSync(fd);
  }
}

/** The rows of FILE, a chunk at a time: records and refusals in file order. */
async function* fileRecords(type: LineType, path: string, body: string): AsyncGenerator<ImportedRecord | RefusedRow> {
  // A package is JSON (a contract's always; a grant's when the file is a 360Giving package,
  // not its flat CSV form).
  if (type === 'contract' || (type === 'grant' && startsWithBrace(path))) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
    } catch (e) {
      if (isLogError(e)) throw e;
      throw new LogError('MALFORMED_REQUEST', `${basename(path)} is not JSON`, { field: 'FILE', hint: type === 'grant' ? 'a 360Giving JSON package' : 'an OCDS release package' });
    }
    yield* readPackage(type, json, body);
    return;
  }
  const reader = new CsvReader();
  let layout: CsvLayout | undefined;
  const rows = function* (batch: CsvRow[]): Generator<ImportedRecord | RefusedRow> {
    for (const row of batch) {
      if (layout === undefined) layout = new CsvLayout(type, mapHeader(type, row), body);
      else yield layout.read(row);
    }
  };
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) yield* rows(reader.push(chunk as string));
  yield* rows(reader.end());
  if (layout === undefined) throw new LogError('MALFORMED_REQUEST', `${basename(path)} has no header row`, { field: 'FILE', hint: 'the first line names the columns' });
}

interface PostResult {
  readonly status: 'created' | 'duplicate' | 'refused';
  readonly index?: number;
  readonly problem?: { readonly detail?: string; readonly field?: string; readonly hint?: string };
}

/** Posts records in requests of a bounded size, a few at once; resolves with a result per record, in order. */
class Poster {
  /** Each record as JSON text, made once: its size counts towards the request's, and the request is the texts joined. */
  readonly #pending: { text: string; resolve: (r: PostResult) => void; reject: (e: unknown) => void }[] = [];
  #bytes = 0;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly fetch: Fetch,
    private readonly url: string,
    private readonly token: string,
  ) {}

  post(record: Record<string, unknown>): Promise<PostResult> {
    return new Promise((resolve, reject) => {
      const text = JSON.stringify(record);
      if (this.#pending.length > 0 && this.#bytes + text.length > REQUEST_BYTES) void this.#flush();
      this.#pending.push({ text, resolve, reject });
      this.#bytes += text.length;
      if (this.#pending.length >= REQUEST_RECORDS) void this.#flush();
    });
  }

  /** Waits until fewer than IN_FLIGHT requests are out: the reader keeps pace with the log. */
  async ready(): Promise<void> {
    while (this.#inFlight.size >= IN_FLIGHT) await Promise.race(this.#inFlight);
  }

  async drain(): Promise<void> {
    await this.#flush();
    while (this.#inFlight.size > 0) await Promise.race(this.#inFlight);
  }

  async #flush(): Promise<void> {
    const batch = this.#pending.splice(0);
    this.#bytes = 0;
    if (batch.length === 0) return;
    const request = (async () => {
      try {
        const res = await send(
          this.fetch,
          `${this.url}/v1/records`,
          { method: 'POST', headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' }, body: `{"records":[${batch.map((b) => b.text).join(',')}]}` },
        );
        if (res.status !== 200) throw await problemOf(res, 'the log refused the request');
        const { results } = (await res.json()) as { results: PostResult[] };
        batch.forEach((b, i) => b.resolve(results[i]!));
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    })();
    const tracked = request.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    await tracked;
  }
}

function keyText(record: Readonly<Record<string, unknown>>): string {
  const r = record as Record<string, unknown>;
  switch (record.type) {
    case 'grant':
      return `grant ${String(r.id)}`;
    case 'contract': {
      const release = r.release as Record<string, unknown>;
      return `release ${String(release.id)} of ${String(release.ocid)}`;
    }
    case 'expense':
      return `claim ${String(r.claimNumber)}`;
    default:
      return `transaction ${String(r.transactionNumber)} line ${String(r.line)}`;
  }
}

function refusalOf(line: number, problem: PostResult['problem']): RefusedRow {
  return { line, field: problem?.field, reason: `${problem?.detail ?? 'refused'}${problem?.hint === undefined ? '' : ` (${problem.hint})`}` };
}

/** Imports FILE; the summary, also when rows were refused. */
export async function importFile(options: {
  readonly type: LineType;
  readonly path: string;
  readonly url: string;
  readonly body: string;
  readonly token: string;
  readonly period?: { from: string; to: string };
  readonly dryRun?: boolean;
  readonly fetch?: Fetch;
  readonly progress?: (rows: number) => void;
}): Promise<ImportSummary> {
  const fetch: Fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const url = options.url.replace(/\/+$/, '');
  const file = basename(options.path);
  try {
    accessSync(options.path, constants.R_OK);
  } catch {
    throw new LogError('NOT_FOUND', `${file} cannot be read`, { field: 'FILE', hint: 'check the path and that you may read the file' });
  }
  const refusals: RefusedRow[] = [];

  // What the log holds, as it stands, for each month the file's rows fall in (or for the
  // --period given), read when the first row of it comes: the file is read once.
  const standing = new Map<string, StandingIndex>();
  const months = new Set<string>();
  const standingFor = async (day: string): Promise<StandingIndex> => {
    const month = options.period === undefined ? day.slice(0, 7) : 'period';
    let index = standing.get(month);
    if (index === undefined) {
      index = new StandingIndex();
      const period = options.period ?? monthsOf(day, day);
      for (const entry of await readStanding(fetch, url, options.body, options.type, period)) index.add(entry);
      standing.set(month, index);
      if (options.period === undefined) months.add(month);
    }
    return index;
  };

  // Each record decided, and what changes recorded.
  const poster = new Poster(fetch, url, options.token);
  const seen = new Set<string>();
  const changes: Change[] = [];
  const counts = { created: 0, unchanged: 0, amended: 0, withdrawn: 0 };
  // Posts in flight are counted, not kept: a million of them would be a million promises.
  let outstanding = 0;
  let failure: unknown;
  let idle: (() => void) | undefined;
  let rows = 0;
  const tick = () => {
    rows++;
    options.progress?.(rows);
  };
  const record = (line: number, r: Record<string, unknown>, onRecorded: (result: PostResult) => void) => {
    if (options.dryRun === true) {
      onRecorded({ status: 'created' });
      return;
    }
    outstanding++;
    poster
      .post(r)
      .then((result) => {
        if (result.status === 'refused') refusals.push(refusalOf(line, result.problem));
        else onRecorded(result);
      })
      .catch((e: unknown) => (failure ??= e))
      .finally(() => {
        if (--outstanding === 0) idle?.();
      });
  };
  // With --period the whole period is compared, even when no row of the file falls in it.
  if (options.period !== undefined) await standingFor(options.period.from);
  for await (const row of fileRecords(options.type, options.path, options.body)) {
    await poster.ready();
    if (isRefused(row)) {
      refusals.push(row);
      tick();
      continue;
    }
    const day = dayOf(row.record);
    if (options.period !== undefined && day !== undefined && (day < options.period.from || day > options.period.to)) {
      refusals.push({ line: row.line, field: 'date', reason: `the row's day is outside the period ${options.period.from} to ${options.period.to}` });
      tick();
      continue;
    }
    // A dry run checks here what the log would refuse, by the same pure check; otherwise the
    // log checks it, and its refusal is reported the same way.
    const invalid = options.dryRun === true ? localProblem(row.record) : undefined;
    if (invalid !== undefined) {
      refusals.push({ line: row.line, field: invalid.field, reason: invalid.message });
      tick();
      continue;
    }
    let decision: Decision = { kind: 'new' };
    // Without a day or a key (a release with no ocid) the record is sent as it is: the log
    // says why when it refuses it.
    if (day !== undefined) {
      const index = await standingFor(day);
      try {
        decision = index.decide(row.record, seen);
      } catch {
        decision = { kind: 'new' };
      }
    }
    if (decision.kind === 'unchanged') {
      counts.unchanged++;
    } else if (decision.kind === 'withdrawn') {
      refusals.push({ line: row.line, field: undefined, reason: `${keyText(row.record)} was withdrawn at entry ${decision.withdrawnBy}: a withdrawn record is not recorded again under its key` });
    } else if (decision.kind === 'new') {
      record(row.line, row.record, (result) => (result.status === 'duplicate' ? counts.unchanged++ : counts.created++));
    } else {
      const change = { kind: 'amended' as const, line: row.line, key: keyText(row.record), original: decision.original, fields: decision.fields };
      record(row.line, { type: 'amend', body: options.body, target: decision.original, reason: `Changed in the republished file ${file}`, record: row.record }, (result) => {
        counts.amended++;
        changes.push({ ...change, index: result.index ?? null });
      });
    }
    tick();
  }
  for (const dropped of [...standing.values()].flatMap((index) => index.dropped(seen))) {
    const change = { kind: 'withdrawn' as const, line: null, key: keyText(dropped.record), original: dropped.original, fields: [] };
    record(0, { type: 'withdraw', body: options.body, target: dropped.original, reason: `Dropped from the republished file ${file}` }, (result) => {
      counts.withdrawn++;
      changes.push({ ...change, index: result.index ?? null });
    });
  }
  await poster.drain();
  if (outstanding > 0) await new Promise<void>((resolve) => (idle = resolve));
  if (failure !== undefined) throw failure;
  refusals.sort((a, b) => a.line - b.line);
  changes.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || a.original - b.original);
  const seenMonths = [...months].sort();
  const period = options.period ?? (seenMonths.length === 0 ? null : monthsOf(`${seenMonths[0]}-01`, `${seenMonths.at(-1)}-01`));
  return { file, type: options.type, period, months: options.period === undefined ? seenMonths : null, rows, ...counts, refused: refusals.length, changes, refusals };
}

/** Why the log would refuse a record of the file, by the same pure check, if it would. */
function localProblem(record: Record<string, unknown>): LogError | undefined {
  try {
    // In a request a redacted record's `sealed` holds the true values; the log puts their
    // commitment there, so any commitment stands in for it here.
    validateRecord(record.sealed !== null && typeof record.sealed === 'object' ? { ...record, sealed: SEALED_STAND_IN } : record);
    return undefined;
  } catch (e) {
    if (isLogError(e)) return e;
    throw e;
  }
}

const SEALED_STAND_IN = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

function dayOf(record: Readonly<Record<string, unknown>>): string | undefined {
  try {
    return recordDay(record as MoneyRecord);
  } catch {
    return undefined;
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

/** The summary for a person: one line of counts, then each change. */
export function formatSummary(s: ImportSummary, dryRun: boolean): string {
  const would = dryRun ? 'would be ' : '';
  const period = s.months !== null && s.months.length > 0 ? ` (${s.months.length === 1 ? 'month' : 'months'} ${s.months.join(', ')})` : s.period === null ? '' : ` (period ${s.period.from} to ${s.period.to})`;
  const lines = [
    `${printable(s.file)}: ${plural(s.rows, 'row')} of ${s.type}${period}: ${s.created.toLocaleString('en-GB')} new, ${s.unchanged.toLocaleString('en-GB')} already recorded, ${s.amended.toLocaleString('en-GB')} changed (${would}recorded as amendments), ${s.withdrawn.toLocaleString('en-GB')} dropped (${would}recorded as withdrawals), ${s.refused.toLocaleString('en-GB')} refused${dryRun ? '; nothing was recorded (--dry-run)' : ''}`,
  ];
  for (const c of s.changes) {
    const recorded = c.index === null ? '' : `, entry ${c.index}`;
    lines.push(
      c.kind === 'amended'
        ? `  line ${c.line}: ${printable(c.key)} (entry ${c.original}) changed: ${c.fields.join(', ')}: amended${recorded}`
        : `  ${printable(c.key)} (entry ${c.original}) is not in the file: withdrawn${recorded}`,
    );
  }
  return lines.join('\n') + '\n';
}

export async function importCommand(flags: ParsedFlags, io: CliIo): Promise<number> {
  const [typeArg, path] = flags.positionals;
  if (!isLineType(typeArg)) throw new UsageError(`TYPE must be one of ${LINE_TYPES.join(', ')}`, { field: 'TYPE' });
  if (path === undefined) throw new UsageError('FILE is required', { field: 'FILE' });
  const url = flags.string('log')!;
  if (!/^https?:\/\//i.test(url)) throw new UsageError('--log must be the http:// or https:// URL of the log', { field: 'log' });
  const period = parsePeriod(flags.string('period'));
  const dryRun = flags.boolean('dry-run');
  const terminal = io.stderr.isTTY === true && !flags.boolean('json');
  let drawn = 0;
  const summary = await importFile({
    type: typeArg,
    path,
    url,
    body: flags.string('body')!,
    token: readToken(flags, io),
    ...(period === undefined ? {} : { period }),
    dryRun,
    progress: terminal
      ? (rows) => {
          const now = Date.now();
          if (now - drawn < PROGRESS_MS) return;
          drawn = now;
          io.stderr.write(`\r${rows.toLocaleString('en-GB')} rows`);
        }
      : undefined,
  });
  if (terminal && drawn > 0) io.stderr.write('\n');
  for (const r of summary.refusals) io.stderr.write(errorLine(`${summary.file}:${r.line}: ${r.reason}`));
  io.stdout.write(flags.boolean('json') ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary, dryRun));
  return summary.refused > 0 ? 1 : 0;
}

