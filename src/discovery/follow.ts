/**
 * Following a service's logs from a list (`sightline monitor --log-list`, `sightline witness
 * --log-list`): reading the operator list and each log's metadata document
 * (`operator-list-v1` and `log-metadata-v1` shapes, see metadata.ts), naming a followed log's
 * state directory, and deciding what a newly fetched list changes for a follower that pins
 * each log's key on first sight. Pure: no I/O; the edge fetches and hands the text in.
 *
 * Trust boundary: a list and its metadata documents come from a server the follower does
 * not control. Everything is parsed strictly and bounded (sizes, number of logs); an origin
 * never becomes a path as given (`logDirName`); and a key is trusted on first sight only: a
 * list that later names another key for a known origin is reported, never followed
 * (`reconcileLogs`), since whoever controls the list could otherwise swap a log's key for
 * one of their own and have the follower accept a forked tree.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeHex, utf8 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { SIGNATURE_TYPE_ED25519, parseVerifierKey } from '../note/index.js';
import { MAX_LOG_LIST_BYTES, MAX_LOG_LIST_LOGS, parseLogList } from './log-list.js';
import { type LogState, logKeyIds } from './metadata.js';

/** An operator list (JSON) bigger than this is refused: each log costs about 200 bytes of it. */
export const MAX_OPERATOR_LIST_BYTES = 4 * 1024 * 1024;
/** A log's metadata document bigger than this is refused (a final checkpoint is the largest part). */
export const MAX_LOG_METADATA_BYTES = 256 * 1024;

/** One log as a list (and, for an operator list, its metadata document) describes it. */
export interface ListedLog {
  readonly origin: string;
  /** The Ed25519 note verifier key the list names (trusted only on first sight). */
  readonly vkey: string;
  /** The log's tlog-tiles base URL; undefined when the list does not say (a logs/v0 list). */
  readonly monitoringUrl?: string;
  readonly state: LogState;
  /** The signed final checkpoint, once read-only (unverified: the follower checks it with the pinned key). */
  readonly finalCheckpoint?: string;
  /** Its name for people (`friendly_name`), when the metadata gives one. */
  readonly name?: string;
  /** The period whose entries it takes (`temporal_interval`): `start` inclusive, `end` exclusive. */
  readonly interval?: { readonly start: Date; readonly end: Date };
}

function malformed(message: string, field?: string): LogError {
  return new LogError('MALFORMED_LOG_LIST', message, field === undefined ? {} : { field });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string, max: number, what: string): Record<string, unknown> {
  if (text.length > max) throw malformed(`${what} is over ${max} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed(`${what} is not JSON`);
  }
  if (!isPlainObject(value)) throw malformed(`${what} is not a JSON object`);
  return value;
}

/** An http(s) URL resolved against `base`; anything else is refused. */
function httpUrl(value: unknown, base: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) throw malformed(`${field} is not a URL`, field);
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    throw malformed(`${field} is not a URL`, field);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw malformed(`${field} must be an http:// or https:// URL`, field);
  return url.href;
}

/** Whether `text` looks like an operator list (JSON) rather than a logs/v0 text list. */
export function isJsonList(text: string): boolean {
  return text.trimStart().startsWith('{');
}

/**
 * The logs of an operator list: each one's `log_id` and its metadata URL, resolved against
 * the list's URL. At most `MAX_LOG_LIST_LOGS`; a metadata URL named twice is refused.
 */
export function parseOperatorList(text: string, listUrl: string): { operatorName: string; logs: { logId: string; metadataUrl: string }[] } {
  const doc = parseJson(text, MAX_OPERATOR_LIST_BYTES, 'the operator list');
  if (typeof doc.operator_name !== 'string') throw malformed('the operator list has no operator_name', 'operator_name');
  if (!Array.isArray(doc.logs)) throw malformed('the operator list has no "logs" list', 'logs');
  if (doc.logs.length > MAX_LOG_LIST_LOGS) throw malformed(`a list names at most ${MAX_LOG_LIST_LOGS} logs`, 'logs');
  const seen = new Set<string>();
  const logs = (doc.logs as unknown[]).map((entry, i) => {
    if (!isPlainObject(entry)) throw malformed(`logs[${i}] is not an object`, `logs[${i}]`);
    if (typeof entry.log_id !== 'string' || entry.log_id.length === 0) throw malformed(`logs[${i}].log_id is missing`, `logs[${i}].log_id`);
    const metadataUrl = httpUrl(entry.metadata_url, listUrl, `logs[${i}].metadata_url`);
    if (seen.has(metadataUrl)) throw malformed(`logs[${i}].metadata_url is listed twice`, `logs[${i}].metadata_url`);
    seen.add(metadataUrl);
    return { logId: entry.log_id, metadataUrl };
  });
  return { operatorName: doc.operator_name, logs };
}

/** The single line of text an origin is (c2sp.org/tlog-checkpoint): no control characters. */
function originField(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw malformed(`${field} must be one line of text`, field);
  }
  return value;
}

function ed25519Key(value: unknown, field: string): string {
  if (typeof value !== 'string') throw malformed(`${field} is missing`, field);
  let key;
  try {
    key = parseVerifierKey(value);
  } catch (e) {
    throw malformed(`${field} is not a verifier key: ${(e as Error).message}`, field);
  }
  if (key.type !== SIGNATURE_TYPE_ED25519) throw malformed(`${field} must be an Ed25519 key`, field);
  return value;
}

/**
 * One log's metadata document, as far as a follower needs it: origin, vkey, where to read it
 * (`monitoring_endpoint.url`, resolved against the document's URL), its state and its final
 * checkpoint. `logId`, when given (from the operator list), must be the id of the key the
 * document names, so a list cannot point one entry at another log's document unnoticed.
 */
export function parseLogMetadata(text: string, metadataUrl: string, logId?: string): ListedLog {
  const doc = parseJson(text, MAX_LOG_METADATA_BYTES, `the metadata at ${metadataUrl}`);
  if (doc.log_spec !== 'tlog-tiles') throw malformed(`the metadata at ${metadataUrl} is not of a tlog-tiles log`, 'log_spec');
  const origin = originField(doc.origin, 'origin');
  const vkey = ed25519Key(doc.vkey, 'vkey');
  const ids = logKeyIds(vkey);
  if (logId !== undefined && ids.logId !== logId) throw malformed(`the metadata at ${metadataUrl} is of log ${ids.logId}, not of ${logId} as the list says`, 'log_id');
  if (doc.log_id !== undefined && doc.log_id !== ids.logId) throw malformed(`the metadata at ${metadataUrl} gives a log_id that is not its key's`, 'log_id');
  if (!isPlainObject(doc.monitoring_endpoint)) throw malformed(`the metadata at ${metadataUrl} has no monitoring_endpoint`, 'monitoring_endpoint');
  const monitoringUrl = httpUrl(doc.monitoring_endpoint.url, metadataUrl, 'monitoring_endpoint.url');
  const state = doc.state;
  if (state !== 'active' && state !== 'readonly' && state !== 'retired') throw malformed(`the metadata at ${metadataUrl} has an unknown state`, 'state');
  if (doc.final_checkpoint !== undefined && typeof doc.final_checkpoint !== 'string') throw malformed('final_checkpoint is not a note', 'final_checkpoint');
  const name = doc.friendly_name === undefined ? undefined : originField(doc.friendly_name, 'friendly_name');
  const interval = doc.temporal_interval === undefined ? undefined : intervalField(doc.temporal_interval);
  return {
    origin,
    vkey,
    monitoringUrl,
    state,
    ...(typeof doc.final_checkpoint === 'string' ? { finalCheckpoint: doc.final_checkpoint } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(interval !== undefined ? { interval } : {}),
  };
}

/** An RFC 3339 UTC instant as the metadata writes them (`2026-01-01T00:00:00Z`). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function intervalField(value: unknown): { start: Date; end: Date } {
  const field = 'temporal_interval';
  if (!isPlainObject(value)) throw malformed(`${field} is not an object`, field);
  const instant = (v: unknown, name: string): Date => {
    const d = typeof v === 'string' && INSTANT.test(v) ? new Date(v) : undefined;
    if (d === undefined || Number.isNaN(d.getTime())) throw malformed(`${field}.${name} is not a UTC date-time`, `${field}.${name}`);
    return d;
  };
  const start = instant(value.start_inclusive, 'start_inclusive');
  const end = instant(value.end_exclusive, 'end_exclusive');
  if (end.getTime() <= start.getTime()) throw malformed(`${field} ends before it starts`, field);
  return { start, end };
}

/**
 * The logs of a logs/v0 text list (witness-network.org/log-list-format), which names no URL:
 * `urlTemplate`, when given, makes each log's base URL from its origin (`{origin}` is replaced
 * by the origin, percent-encoded except for `/`).
 */
export function logsOfTextList(text: string, urlTemplate?: string): ListedLog[] {
  if (text.length > MAX_LOG_LIST_BYTES) throw malformed(`the list is over ${MAX_LOG_LIST_BYTES} bytes`);
  return parseLogList(text).map((entry) => {
    const log: ListedLog = { origin: entry.origin, vkey: entry.vkey, state: 'active' };
    if (urlTemplate === undefined) return log;
    const path = entry.origin.split('/').map(encodeURIComponent).join('/');
    return { ...log, monitoringUrl: httpUrl(urlTemplate.replaceAll('{origin}', path), urlTemplate, 'log-url-template') };
  });
}

/** Refuses a list that names one origin twice: which of the two would be the log? */
export function checkDistinctOrigins(logs: readonly ListedLog[]): void {
  const seen = new Set<string>();
  for (const log of logs) {
    if (seen.has(log.origin)) throw malformed(`the log ${JSON.stringify(log.origin)} is listed twice`, 'origin');
    seen.add(log.origin);
  }
}

/**
 * The name of a followed log's directory: the origin with everything but letters, digits,
 * `.`, `_` and `-` replaced (no `/`, so one path component; no leading `.`, so never `.` or
 * `..`), cut to 64 characters, then `-` and 32 hex digits of SHA-256(origin), so that two
 * origins that read alike never share a directory.
 */
export function logDirName(origin: string): string {
  const readable = origin.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 64);
  return `${readable}-${encodeHex(sha256(utf8(origin))).slice(0, 32)}`;
}

/** What a newly fetched list changes for a follower that has pinned `pinned` (origin → key). */
export interface Reconciled {
  /** Listed logs not followed yet: their key is pinned now (trust on first use). */
  readonly added: readonly ListedLog[];
  /** Listed logs already followed, with the key as listed equal to the pinned one. */
  readonly known: readonly ListedLog[];
  /** Known origins the list now gives another key: reported; the pinned key stays. */
  readonly keyChanged: readonly { readonly log: ListedLog; readonly pinnedKey: string }[];
}

export function reconcileLogs(pinned: ReadonlyMap<string, string>, listed: readonly ListedLog[]): Reconciled {
  const added: ListedLog[] = [];
  const known: ListedLog[] = [];
  const keyChanged: { log: ListedLog; pinnedKey: string }[] = [];
  for (const log of listed) {
    const pinnedKey = pinned.get(log.origin);
    if (pinnedKey === undefined) added.push(log);
    else if (pinnedKey === log.vkey) known.push(log);
    else keyChanged.push({ log, pinnedKey });
  }
  return { added, known, keyChanged };
}
