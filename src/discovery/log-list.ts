/**
 * The witness network's log list, `logs/v0` (witness-network.org/log-list-format): the
 * plain-text list from which witnesses and mirrors learn which logs to accept, and from
 * which `sightline monitor --log-list` and `sightline witness --log-list` learn which logs
 * to follow. Pure: no I/O.
 *
 * The format, as specified: a `logs/v0` header line, then per log the key-value lines
 * `vkey VKEY`, optionally `origin ORIGIN`, `qpd QPD` and `contact CONTACT`, in that strict
 * order. Blank lines and lines starting with `#` are ignored, and every line is trimmed.
 * Only Ed25519 keys are allowed; `QPD` is a canonical decimal in [1, 2^31); a missing
 * origin is the key's name.
 *
 * Trust boundary: a list is fetched from a server the reader does not control. Parsing is
 * strict and bounded (a list longer than `MAX_LOG_LIST_BYTES` or with more than
 * `MAX_LOG_LIST_LOGS` logs is refused) so that a hostile list cannot make a monitor follow
 * an unbounded number of logs; whether to trust a listed key is the reader's policy.
 */
import { LogError } from '../errors.js';
import { parseDecimal } from '../encoding/index.js';
import { SIGNATURE_TYPE_ED25519, parseVerifierKey } from '../note/index.js';

/** One log of a list. */
export interface LogListEntry {
  /** The log's Ed25519 verifier key, `<name>+<hex8>+<base64>`. */
  readonly vkey: string;
  /** The checkpoint origin line; the key's name when the list gives none. */
  readonly origin: string;
  /** How many add-checkpoint requests a day the log may make to a witness. */
  readonly qpd: number;
  /** Free text for a human to reach the log's operator. */
  readonly contact: string;
}

export const LOG_LIST_HEADER = 'logs/v0';
/** A list bigger than this is refused: the largest published lists are a few hundred KB. */
export const MAX_LOG_LIST_BYTES = 4 * 1024 * 1024;
/** The most logs one list may name. */
export const MAX_LOG_LIST_LOGS = 10_000;
/** `QPD` is below 2^31 (the format says so: it fits a signed 32-bit integer). */
const MAX_QPD = 2 ** 31 - 1;

function malformed(line: number, message: string): LogError {
  return new LogError('MALFORMED_LOG_LIST', `line ${line}: ${message}`, { field: `line ${line}` });
}

/** The `logs/v0` text of `logs`, with `comments` (one `#` line each) before the header. */
export function formatLogList(logs: readonly LogListEntry[], comments: readonly string[] = []): string {
  const lines = comments.map((c) => `# ${c}`.trimEnd());
  lines.push(LOG_LIST_HEADER);
  for (const log of logs) {
    const key = checkedKey(log.vkey, 0);
    checkLine(log.origin, 'origin', 0);
    checkLine(log.contact, 'contact', 0);
    if (!(Number.isSafeInteger(log.qpd) && log.qpd >= 1 && log.qpd <= MAX_QPD)) throw malformed(0, `qpd must be an integer from 1 to ${MAX_QPD}, got ${log.qpd}`);
    lines.push('', `vkey ${log.vkey}`);
    // The format recommends leaving out an origin that is the key's name.
    if (log.origin !== key.name) lines.push(`origin ${log.origin}`);
    lines.push(`qpd ${log.qpd}`, `contact ${log.contact}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Parses a `logs/v0` list strictly; any deviation is `MALFORMED_LOG_LIST` naming the line. */
export function parseLogList(text: string): LogListEntry[] {
  if (text.length > MAX_LOG_LIST_BYTES) throw malformed(0, `the list is over ${MAX_LOG_LIST_BYTES} bytes`);
  // Only the non-blank, non-comment lines carry meaning; keep their numbers for errors.
  const lines: { n: number; text: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line !== '' && !line.startsWith('#')) lines.push({ n: i + 1, text: line });
  });
  const header = lines.shift();
  if (header?.text !== LOG_LIST_HEADER) throw malformed(header?.n ?? 1, `a log list starts with "${LOG_LIST_HEADER}"`);

  const logs: LogListEntry[] = [];
  const origins = new Set<string>();
  let i = 0;
  const next = (keyword: string, optional = false): { n: number; value: string } | undefined => {
    const line = lines[i];
    const [word, value] = line === undefined ? [undefined, ''] : splitLine(line.text);
    if (word !== keyword) {
      if (optional) return undefined;
      throw malformed(line?.n ?? lines.at(-1)?.n ?? header.n, `expected "${keyword} …"${line === undefined ? ' at the end of the list' : `, got "${word}"`}`);
    }
    i++;
    if (value === '') throw malformed(line!.n, `"${keyword}" needs a value`);
    return { n: line!.n, value };
  };
  while (i < lines.length) {
    const vkey = next('vkey')!;
    const key = checkedKey(vkey.value, vkey.n);
    const origin = next('origin', true);
    const qpdLine = next('qpd')!;
    const qpd = parseDecimal(qpdLine.value);
    if (qpd === undefined || qpd < 1 || qpd > MAX_QPD) throw malformed(qpdLine.n, `qpd must be a decimal from 1 to ${MAX_QPD} with no leading zeros, got "${qpdLine.value}"`);
    const contact = next('contact')!;
    const entry = { vkey: vkey.value, origin: origin?.value ?? key.name, qpd, contact: contact.value };
    // Lists name each log once (one key per log, the format does not support more).
    if (origins.has(entry.origin)) throw malformed(vkey.n, `the log ${JSON.stringify(entry.origin)} is listed twice`);
    origins.add(entry.origin);
    logs.push(entry);
    if (logs.length > MAX_LOG_LIST_LOGS) throw malformed(vkey.n, `a list names at most ${MAX_LOG_LIST_LOGS} logs`);
  }
  return logs;
}

function splitLine(line: string): [string, string] {
  const space = line.indexOf(' ');
  return space === -1 ? [line, ''] : [line.slice(0, space), line.slice(space + 1).trim()];
}

function checkedKey(vkey: string, line: number): { name: string } {
  let key;
  try {
    key = parseVerifierKey(vkey);
  } catch (e) {
    throw malformed(line, `vkey is not a verifier key: ${(e as Error).message}`);
  }
  if (key.type !== SIGNATURE_TYPE_ED25519) throw malformed(line, `vkey must be an Ed25519 key (type 0x01), got type 0x${key.type.toString(16)}`);
  return key;
}

/** One line of text: no line break, no control character, and something in it. */
function checkLine(value: string, field: string, line: number): void {
  if (value.trim() === '' || value !== value.trim() || /[\u0000-\u001f\u007f]/.test(value)) {
    throw malformed(line, `${field} must be one line of text without leading or trailing spaces`);
  }
}
