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
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type LookupResult, type TimelineRow, createClient, lookup } from '../client/index.js';
import { isLogError } from '../errors.js';
import { parseNoteVerifier } from '../note/index.js';
import type { SubjectRef } from '../events/index.js';
import { type HeldKey, SUBJECT_SCHEMES, dayKeysInRange, normalizeSubjectId, parseHeldKey } from '../subject/index.js';
import type { CliIo, CliWriter } from './io.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

const USAGE = 'usage: sightline lookup --key KEY|FILE --scheme nino|customer-ref --id ID|- --from YYYY-MM-DD --to YYYY-MM-DD [--url URL] [--log-key VKEY|FILE] [--json]';

const HELP = `${USAGE}

Finds every entry about a claimant from --from to --to (inclusive, UTC days) with a held key,
and verifies each: its inclusion in one checkpoint signed by the log key, its subject tag, its
partner's signature, and that its details open its commitment for the claimant's own reference
(so the record is about them, whatever tag the log filed it under). It reads only what many
people share (tag buckets, entry bundles, tiles) and asks for the details in POSTs of one
fixed size: no request names an entry.

  --key KEY|FILE       subject-key:YYYY:<hex>, month-key:YYYY-MM:<hex> or day-key:YYYY-MM-DD:<hex>,
                       or a file holding one; only the days the key covers are searched
  --scheme SCHEME      the claimant's reference scheme: nino or customer-ref
  --id ID|-            the claimant's reference in that scheme, or - to read it from standard
                       input (it is never sent to the log)
  --url URL            the log (default ${DEFAULT_URL})
  --log-key VKEY|FILE  the log's verifier key (name+hex8+base64), or a file holding it; without it
                       the key is fetched from the log itself and trusted on first use
  --json               print the rows as JSON

Exit status: 0 every entry verified, 1 some did not (or an error), 2 usage error, or a
log checkpoint that does not verify with --log-key (check the key and --url).
`;

type Codes = Readonly<Record<string, Readonly<Record<string, string>>>>;

class Usage extends Error {}

/**
 * Text from the log (event fields, labels, problem details) made safe for a terminal: a
 * hostile log must not be able to move the cursor, rewrite lines or reorder text with
 * control or bidirectional-override characters.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}

function fail(stream: CliWriter, message: string): void {
  stream.write(`sightline: ${printable(message.split('\n')[0]!)}\n`);
}

/** Reads `value` as given when it looks like `accepts`, else as a file holding it. */
function textOrFile(value: string, looksRight: (text: string) => boolean, what: string): string {
  if (looksRight(value)) return value;
  let text: string;
  try {
    text = readFileSync(value, 'utf8').trim();
  } catch {
    throw new Usage(`${what} is neither ${what === '--key' ? 'a held key' : 'a verifier key'} nor a readable file`);
  }
  return text;
}

function heldKey(value: string): HeldKey {
  const text = textOrFile(value, (t) => /^(subject|month|day)-key:/.test(t), '--key');
  try {
    return parseHeldKey(text);
  } catch (e) {
    throw new Usage(`--key: ${isLogError(e) ? e.message : 'not a held key'}`);
  }
}

function logKeyText(value: string): string {
  const text = textOrFile(value, (t) => /^[^\s+]+\+[0-9a-f]{8}\+/.test(t), '--log-key');
  try {
    parseNoteVerifier(text);
  } catch (e) {
    throw new Usage(`--log-key: ${isLogError(e) ? e.message : 'not a verifier key'}`);
  }
  return text;
}

/** The claimant's reference: checked here, so that a typing error is one usage line (which never repeats the id). */
async function subjectRef(scheme: string, idArg: string, io: CliIo): Promise<SubjectRef> {
  if (!(SUBJECT_SCHEMES as readonly string[]).includes(scheme)) throw new Usage(`--scheme must be one of ${SUBJECT_SCHEMES.join(', ')}`);
  const id = idArg === '-' ? new TextDecoder().decode(await io.stdin()).trim() : idArg;
  try {
    normalizeSubjectId(scheme, id);
  } catch (e) {
    if (!isLogError(e)) throw e;
    throw new Usage(`--id is not a ${scheme === 'nino' ? 'National Insurance number' : 'customer reference'}: ${e.hint ?? 'check it'}`);
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
export function formatTimeline(result: LookupResult, codes: Codes, range: { from: string; to: string }): string {
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
  if (result.rows.length === 0) out += `No entries found from ${range.from} to ${range.to}. A mistyped key finds nothing too: if you expected entries, compare --key with the key you were given.\n`;
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
  out += `\n${result.rows.length} ${result.rows.length === 1 ? 'entry' : 'entries'} from ${range.from} to ${range.to}, checked against the checkpoint of ${printable(checkpoint.origin)} at tree size ${checkpoint.treeSize}.\n`;
  return out;
}

export async function lookupCommand(args: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        key: { type: 'string' },
        scheme: { type: 'string' },
        id: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        url: { type: 'string' },
        'log-key': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    fail(io.stderr, `${e instanceof Error ? e.message : String(e)}; ${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const url = values.url ?? DEFAULT_URL;
  let key: HeldKey;
  let subject: SubjectRef;
  let pinnedKey: string | undefined;
  try {
    if (values.key === undefined || values.from === undefined || values.to === undefined || values.scheme === undefined || values.id === undefined) throw new Usage(USAGE);
    if (!/^https?:\/\//i.test(url)) throw new Usage('--url must be an http:// or https:// URL');
    key = heldKey(values.key);
    subject = await subjectRef(values.scheme, values.id, io);
    let days;
    try {
      days = dayKeysInRange(key, values.from, values.to);
    } catch (e) {
      throw new Usage(isLogError(e) ? `--${e.field ?? 'from'}: ${e.message}` : String(e));
    }
    if (days.length === 0) {
      const scope = key.kind === 'subject' ? key.year : key.kind === 'month' ? key.month : key.day;
      throw new Usage(`the ${key.kind} key of ${scope} covers none of the days from ${values.from} to ${values.to}`);
    }
    if (values['log-key'] !== undefined) pinnedKey = logKeyText(values['log-key']);
  } catch (e) {
    if (!(e instanceof Usage)) throw e;
    fail(io.stderr, e.message);
    return 2;
  }

  try {
    const client = createClient({ url });
    let logKey = pinnedKey;
    if (logKey === undefined) {
      logKey = (await client.logInfo()).verifierKey;
      fail(io.stderr, `warning: the log key is not pinned; trusting ${logKey} as ${url} serves it (trust on first use): pass --log-key to pin it`);
    }
    const result = await lookup({ client, key, subject, from: values.from, to: values.to, logKey });
    if (values.json) {
      io.stdout.write(JSON.stringify(result.rows, null, 2) + '\n');
    } else {
      const codes = await client.codes().then(
        (c) => c.codes,
        () => ({}) as Codes, // without labels the codes themselves are shown
      );
      io.stdout.write(formatTimeline(result, codes, { from: values.from, to: values.to }));
    }
    const failed = result.rows.filter((r) => !r.verified).length;
    if (failed > 0) {
      fail(io.stderr, `${failed} of ${result.rows.length} ${result.rows.length === 1 ? 'entry' : 'entries'} failed verification`);
      return 1;
    }
    return 0;
  } catch (e) {
    // A pinned key the log's checkpoint does not verify with is the user's setting to check
    // (exit 2); with a key fetched from the log itself, it is the log contradicting itself.
    if (pinnedKey !== undefined && (isLogError(e, 'UNVERIFIED_NOTE') || isLogError(e, 'INVALID_SIGNATURE')) && e.field !== 'cosignatures') {
      const why = e.cause instanceof Error ? e.cause.message : e.message;
      fail(io.stderr, `the checkpoint at ${url} does not verify with --log-key (${why}): check the log key and --url`);
      return 2;
    }
    fail(io.stderr, e instanceof Error ? e.message : String(e));
    return 1;
  }
}
