/**
 * `sightline lookup --key K --scheme S --id ID|- --from DATE --to DATE [--url URL] [--log-key VKEY] [--json]`:
 * a claimant's (or advocate's) timeline, found with a held key and verified entry by entry
 * (sightline/client's `lookup`), printed as a table with the log's code-list labels, or as
 * JSON rows.
 *
 * Exit 0 when every row verified, 1 when any did not (or on an error), 2 for usage errors;
 * each failure is one line on stderr. The key and the claimant's id are secret: no message
 * repeats them, and the id is only ever used here, to check the commitments.
 */
import { type LookupResult, type TimelineRow, createClient, lookup, lookupAcrossLogs } from '../client/index.js';
import { isLogError } from '../errors.js';
import type { SubjectRef } from '../events/index.js';
import { type HeldKey, SUBJECT_SCHEMES, normalizeSubjectId, parseHeldKey, searchedPeriod } from '../subject/index.js';
import { type CommandSpec, type ParsedFlags, UsageError } from './flags.js';
import type { CliIo } from './io.js';
import { KEY_FORMS, keyTextOrFile, verifierKeyFlag } from './key-text.js';
import { errorLine, printable } from './terminal.js';
import { COPY_FLAGS, copiesFromFlags } from './copies.js';
import { parseNoteVerifier } from '../note/index.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export const LOOKUP_COMMAND: CommandSpec = {
  name: 'lookup',
  summary: "find and verify a claimant's entries with a subject, month or day key",
  about: `Finds every entry about a claimant from --from to --to (inclusive, UTC days) with a held key,
and verifies each: its inclusion in one checkpoint signed by the log key, its subject tag, its
partner's signature, and that its details open its commitment for the claimant's own reference
(so the record is about them, whatever tag the log filed it under). It reads only what many
people share (tag buckets, entry bundles, tiles) and asks for the details in POSTs of one
fixed size: no request names an entry. Only the days the key covers are searched, and the
output says which (a day key asked for a month searches its one day).`,
  flags: [
    {
      name: 'key',
      value: 'KEY|FILE',
      required: true,
      help: 'subject-key:YYYY:<hex>, month-key:YYYY-MM:<hex> or day-key:YYYY-MM-DD:<hex>, or a file holding one',
    },
    { name: 'scheme', value: 'nino|customer-ref', required: true, help: "the claimant's reference scheme" },
    { name: 'id', value: 'ID|-', required: true, help: "the claimant's reference in that scheme, or - to read it from standard input (it is never sent to the log)" },
    { name: 'from', value: 'YYYY-MM-DD', required: true, help: 'the first day to search' },
    { name: 'to', value: 'YYYY-MM-DD', required: true, help: 'the last day to search' },
    { name: 'url', value: 'URL', default: DEFAULT_URL, help: 'the log' },
    {
      name: 'service',
      value: 'URL',
      help: "instead of --url: a service of many logs; every log of its list (URL/logs.json) whose interval meets the days is searched, and each record says which log it came from. Each log's key is the one the service's metadata names (trust on first use)",
    },
    {
      name: 'log-key',
      value: 'VKEY|FILE',
      help: "the log's verifier key (name+hex8+base64), or a file holding it; without it the key is fetched from the log itself and trusted on first use",
    },
    ...COPY_FLAGS,
    { name: 'json', type: 'boolean', help: 'print {"searched": {"from", "to", "days"}, "checkpoint": …, "rows": […]} as JSON' },
  ],
  footer: `Exit status: 0 every entry verified, 1 some did not (or an error), 2 usage error, or a
log checkpoint that does not verify with --log-key (check the key and --url).`,
};

type Codes = Readonly<Record<string, Readonly<Record<string, string>>>>;

async function heldKey(value: string, io: CliIo): Promise<HeldKey> {
  const text = await keyTextOrFile(value, 'key', KEY_FORMS.held, io);
  try {
    return parseHeldKey(text);
  } catch (e) {
    throw new UsageError(`--key: ${isLogError(e) ? e.message : 'not a held key'}`, { field: 'key' });
  }
}

/** The claimant's reference: checked here, so that a typing error is one usage line (which never repeats the id). */
async function subjectRef(scheme: string, idArg: string, io: CliIo): Promise<SubjectRef> {
  if (!(SUBJECT_SCHEMES as readonly string[]).includes(scheme)) throw new UsageError(`--scheme must be one of ${SUBJECT_SCHEMES.join(', ')}`, { field: 'scheme' });
  const id = idArg === '-' ? new TextDecoder().decode(await io.stdin()).trim() : idArg;
  try {
    normalizeSubjectId(scheme, id);
  } catch (e) {
    if (!isLogError(e)) throw e;
    throw new UsageError(`--id is not a ${scheme === 'nino' ? 'National Insurance number' : 'customer reference'}: ${e.hint ?? 'check it'}`, { field: 'id' });
  }
  return { scheme, id };
}

function label(codes: Codes, list: string, code: string | null): string {
  if (code === null) return '—';
  return codes[list]?.[code] ?? code;
}

function whatHappened(codes: Codes, row: TimelineRow): string {
  switch (row.type) {
    case 'access':
      return label(codes, 'actions', row.action);
    case 'share':
      return `Sent to ${label(codes, 'organisations', row.recipient)}`;
    case 'erasure':
      return `Erased the details of entry ${row.target ?? '?'}`;
    case 'correction':
      return `Corrected entry ${row.target ?? '?'}`;
    case 'disclosure':
      return `The log operator read the details of entry ${row.target ?? '?'}`;
    case 'subject-key':
      return 'Your subject key was issued';
    default:
      return row.type ?? '—';
  }
}

function status(row: TimelineRow): string {
  if (!row.verified) return '✗';
  return row.checks.commitment === 'erased' ? 'erased' : '✓';
}

function when(row: TimelineRow): string {
  return row.hour === null ? `${row.day} ??:??` : `${row.hour.slice(0, 10)} ${row.hour.slice(11, 13)}:00`;
}

/** The readable table, then a line per problem or correction, then what it was checked against. */
export function formatTimeline(result: LookupResult, codes: Codes, range: { from: string; to: string }, key?: HeldKey): string {
  const searched = result.searched ?? range;
  const period = searched.from === searched.to ? `on ${searched.from}` : `from ${searched.from} to ${searched.to}`;
  const header = ['DATE/HOUR (UTC)', 'ORGANISATION', 'SYSTEM', 'ROLE', 'ACTION', 'PURPOSE', 'LEGAL BASIS', 'STATUS', 'INDEX'];
  const lines = result.rows.map((r) => [
    when(r),
    label(codes, 'organisations', r.organisation),
    label(codes, 'systems', r.system),
    label(codes, 'roles', r.actorRole),
    whatHappened(codes, r),
    r.purpose === null ? '—' : label(codes, 'purposes', r.purpose),
    label(codes, 'legalBases', r.legalBasis),
    status(r),
    String(r.index),
  ]);
  const table = [header, ...lines.map((cells) => cells.map(printable))];
  const widths = header.map((_, c) => Math.max(...table.map((cells) => [...cells[c]!].length)));
  let out = '';
  // A key of the right form with a wrong letter finds nothing as well: say so, since nothing
  // else can tell that from a claimant with no entries.
  if (key !== undefined && (searched.from !== range.from || searched.to !== range.to)) out += `${searchedLine(searched, range, key)}.\n`;
  if (result.rows.length === 0) out += `No entries found ${period}. A mistyped key finds nothing too: if you expected entries, compare --key with the key you were given.\n`;
  else for (const cells of table) out += cells.map((cell, c) => (c === cells.length - 1 ? cell : cell + ' '.repeat(widths[c]! - [...cell].length))).join('  ') + '\n';
  const notes: string[] = [];
  for (const r of result.rows) {
    for (const p of r.problems) notes.push(`✗ entry ${r.index}: ${p}`);
    if (r.erasedBy !== undefined && r.verified) notes.push(`entry ${r.index}: its details were erased by entry ${r.erasedBy}`);
    if (r.correctedBy !== undefined) notes.push(`entry ${r.index}: corrected by entry ${r.correctedBy.join(', entry ')}`);
    if (r.disclosedBy !== undefined) notes.push(`entry ${r.index}: its details were read by the log operator: entry ${r.disclosedBy.join(', entry ')}`);
  }
  if (notes.length > 0) out += '\n' + notes.map(printable).join('\n') + '\n';
  const { checkpoint } = result;
  out += `\n${result.rows.length} ${result.rows.length === 1 ? 'entry' : 'entries'} ${period}, checked against the checkpoint of ${printable(checkpoint.origin)} at tree size ${checkpoint.treeSize}.\n`;
  return out;
}

/** What a key covers, in words: why a lookup searched fewer days than it was asked to. */
function keyCovers(key: HeldKey): string {
  return key.kind === 'day' ? 'a day key covers one day' : key.kind === 'month' ? `a month key covers its month, ${key.month}` : `a subject key covers its year, ${key.year}`;
}

/** The period searched, said plainly: `Searched 2026-03-04 only (a day key covers one day), not all of …`. */
export function searchedLine(searched: { from: string; to: string }, asked: { from: string; to: string }, key: HeldKey): string {
  const period = searched.from === searched.to ? `${searched.from} only` : `${searched.from} to ${searched.to}`;
  const narrower = searched.from !== asked.from || searched.to !== asked.to;
  return narrower ? `Searched ${period} (${keyCovers(key)}), not all of ${asked.from} to ${asked.to}` : `Searched ${period}`;
}

/** The held key, the claimant and the days it covers: checked before anything is fetched. */
async function lookupInput(flags: ParsedFlags, io: CliIo): Promise<{ key: HeldKey; subject: SubjectRef; searched: { from: string; to: string; days: number } }> {
  const from = flags.string('from')!;
  const to = flags.string('to')!;
  const key = await heldKey(flags.string('key')!, io);
  const subject = await subjectRef(flags.string('scheme')!, flags.string('id')!, io);
  let searched;
  try {
    searched = searchedPeriod(key, from, to);
  } catch (e) {
    throw new UsageError(isLogError(e) ? `--${e.field ?? 'from'}: ${e.message}` : String(e), { field: isLogError(e) ? (e.field ?? 'from') : 'from' });
  }
  if (searched === undefined) {
    const scope = key.kind === 'subject' ? key.year : key.kind === 'month' ? key.month : key.day;
    throw new UsageError(`the ${key.kind} key of ${scope} covers none of the days from ${from} to ${to}`, { field: 'from' });
  }
  return { key, subject, searched };
}

/** `lookup --service URL`: every log of a service whose interval meets the days. */
async function lookupServiceCommand(service: string, flags: ParsedFlags, io: CliIo): Promise<number> {
  if (!/^https?:\/\//i.test(service)) throw new UsageError('--service must be an http:// or https:// URL', { field: 'service' });
  if (flags.given('url')) throw new UsageError('give --url (one log) or --service (every log of a service), not both', { field: 'service' });
  if (flags.string('log-key') !== undefined) throw new UsageError("--log-key pins one log's key; with --service each log's key is the one its metadata names", { field: 'log-key' });
  const from = flags.string('from')!;
  const to = flags.string('to')!;
  const { key, subject, searched } = await lookupInput(flags, io);
  let found;
  try {
    found = await lookupAcrossLogs({ serviceUrl: service, key, subject, from, to });
  } catch (e) {
    io.stderr.write(errorLine(e instanceof Error ? e.message : String(e)));
    return 1;
  }
  io.stderr.write(errorLine(`warning: each log's key is trusted as ${service}/logs.json names it (trust on first use)`));
  if (flags.boolean('json')) {
    const logs = found.logs.map((l) => ({ name: l.name, origin: l.origin, url: l.url, keyPinned: l.keyPinned, ...(l.result !== undefined ? { checkpoint: l.result.checkpoint, rows: l.result.rows } : { error: l.error }) }));
    io.stdout.write(JSON.stringify({ searched: { from: searched.from, to: searched.to, days: searched.days }, logs, skipped: found.skipped }, null, 2) + '\n');
  } else {
    for (const l of found.logs) {
      io.stdout.write(`${printable(l.name)} (${printable(l.origin)}):\n`);
      if (l.result === undefined) {
        io.stdout.write(`  not searched: ${printable(l.error ?? 'unknown error')}\n\n`);
        continue;
      }
      const codes = await createClient({ url: l.url }).codes().then(
        (c) => c.codes,
        () => ({}) as Codes,
      );
      io.stdout.write(`${formatTimeline(l.result, codes, { from, to }, key)}\n`);
    }
    const total = found.logs.reduce((n, l) => n + (l.result?.rows.length ?? 0), 0);
    io.stdout.write(`${total} ${total === 1 ? 'entry' : 'entries'} in ${found.logs.length} ${found.logs.length === 1 ? 'log' : 'logs'}; ${found.skipped.length} other ${found.skipped.length === 1 ? 'log' : 'logs'} of the service cover none of these days.\n`);
  }
  const failedLogs = found.logs.filter((l) => l.result === undefined);
  const failedRows = found.logs.reduce((n, l) => n + (l.result?.rows.filter((r) => !r.verified).length ?? 0), 0);
  for (const l of failedLogs) io.stderr.write(errorLine(`${l.name} could not be searched: ${l.error ?? 'unknown error'}`));
  if (failedRows > 0) io.stderr.write(errorLine(`${failedRows} ${failedRows === 1 ? 'entry' : 'entries'} failed verification`));
  return failedLogs.length > 0 || failedRows > 0 ? 1 : 0;
}

export async function lookupCommand(flags: ParsedFlags, io: CliIo): Promise<number> {
  const service = flags.string('service');
  if (service !== undefined && flags.strings('mirror').length + flags.strings('copy').length > 0) {
    throw new UsageError('--mirror and --copy name copies of one log: give them with --url, not --service', { field: 'mirror' });
  }
  if (service !== undefined) return lookupServiceCommand(service, flags, io);
  const url = flags.string('url')!;
  const from = flags.string('from')!;
  const to = flags.string('to')!;
  if (!/^https?:\/\//i.test(url)) throw new UsageError('--url must be an http:// or https:// URL', { field: 'url' });
  const { key, subject, searched } = await lookupInput(flags, io);
  const logKeyFlag = flags.string('log-key');
  const pinnedKey = logKeyFlag === undefined ? undefined : await verifierKeyFlag(logKeyFlag, 'log-key', io);
  const copies = copiesFromFlags(flags); // a usage error (status 2); their URLs need the log's origin

  try {
    let logKey = pinnedKey;
    if (logKey === undefined) {
      logKey = (await createClient({ url }).logInfo()).verifierKey;
      io.stderr.write(errorLine(`warning: the log key is not pinned; trusting ${logKey} as ${url} serves it (trust on first use): pass --log-key to pin it`));
    }
    // The log's copies, for the tiles and bundles (and the checkpoint when the log is down).
    const client = createClient({ url, copies: copies(parseNoteVerifier(logKey).name) });
    const result = await lookup({ client, key, subject, from, to, logKey });
    if (flags.boolean('json')) {
      io.stdout.write(JSON.stringify({ searched: { from: searched.from, to: searched.to, days: searched.days }, checkpoint: result.checkpoint, rows: result.rows }, null, 2) + '\n');
    } else {
      const codes = await client.codes().then(
        (c) => c.codes,
        () => ({}) as Codes, // without labels the codes themselves are shown
      );
      io.stdout.write(formatTimeline(result, codes, { from, to }, key));
    }
    const failed = result.rows.filter((r) => !r.verified).length;
    if (failed > 0) {
      io.stderr.write(errorLine(`${failed} of ${result.rows.length} ${result.rows.length === 1 ? 'entry' : 'entries'} failed verification`));
      return 1;
    }
    return 0;
  } catch (e) {
    // A pinned key the log's checkpoint does not verify with is the user's setting to check
    // (exit 2); with a key fetched from the log itself, it is the log contradicting itself.
    if (pinnedKey !== undefined && (isLogError(e, 'UNVERIFIED_NOTE') || isLogError(e, 'INVALID_SIGNATURE')) && e.field !== 'cosignatures') {
      const why = e.cause instanceof Error ? e.cause.message : e.message;
      io.stderr.write(errorLine(`the checkpoint at ${url} does not verify with --log-key (${why}): check the log key and --url`));
      return 2;
    }
    io.stderr.write(errorLine(e instanceof Error ? e.message : String(e)));
    return 1;
  }
}
