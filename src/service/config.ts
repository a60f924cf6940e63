/**
 * The configuration of a service of many logs: which logs it hosts, and for each its
 * origin, key, interval, alias, witnesses, quota and database. Read from one file (YAML or
 * JSON, parsed at the edge) and checked here as a whole, before anything is opened, so that
 * every mistake is found at once and named by log and field:
 * `logs[1] (dwp-2026): interval.end: …`.
 *
 * Pure: paths stay as written (the caller resolves them beside the file); nothing is read.
 *
 * Shards. A body's logs share an `alias`; each has an `interval` (`start` inclusive, `end`
 * exclusive), and their intervals must not overlap, so that for any moment at most one log
 * of an alias takes entries: the alias resolves to it (`currentShard`).
 */
import { LogError } from '../errors.js';
import { isValidKeyName, parseCosignatureVerifier } from '../note/index.js';

export interface ServiceConfig {
  readonly operator: { readonly name: string; readonly contact: readonly string[] };
  /** The service's public base URL, for the discovery documents (`https://log.example.gov.uk`). */
  readonly publicUrl?: string;
  readonly logs: readonly LogConfig[];
}

export interface LogConfig {
  /** Short name, also its URL prefix: `/logs/<id>/`. */
  readonly id: string;
  readonly name: string;
  readonly origin: string;
  /** The log's signer key file; undefined: kept in the service's data directory. */
  readonly keyFile?: string;
  /** The stable name partners submit to; it resolves to the log of the alias whose interval holds now. */
  readonly alias?: string;
  readonly interval?: Interval;
  /** A PostgreSQL database of this log's own; undefined: the service's database. */
  readonly databaseUrl?: string;
  readonly codesFile?: string;
  readonly witnesses: readonly { readonly url: string; readonly verifierKey: string }[];
  readonly witnessQuorum: number;
  /** Mirrors the log keeps a copy in (c2sp.org/tlog-mirror), and how many make a mirrored receipt. */
  readonly mirrors: readonly { readonly url: string; readonly verifierKey: string }[];
  readonly mirrorQuorum: number;
  /** Per-log limits, so that one body cannot crowd out another; undefined: none. */
  readonly quota: { readonly entriesPerSecond?: number; readonly storageBytes?: number };
  /** add-checkpoint requests a day the log may make to each witness (the logs/v0 `qpd`). */
  readonly qpd: number;
  /** How a human reaches this log's operator; default the service operator's first contact. */
  readonly contact: string;
  /**
   * The log a single-log server kept before it became a service: its tables are the
   * database's first (the public schema), and it is also served at the root URLs it always
   * had. At most one log is the default.
   */
  readonly default?: boolean;
  /**
   * Closed ahead of its interval's end (`sightline log retire`): the service signs its final
   * checkpoint and it is read-only for ever. Never undone: the store keeps it read-only.
   */
  readonly readOnly?: boolean;
}

/** A period of time: `start` inclusive, `end` exclusive, both UTC instants. */
export interface Interval {
  readonly start: Date;
  readonly end: Date;
}

/** A log id or alias: lowercase letters, digits and inner hyphens; safe in a URL path segment. */
// At most 40 characters: the log's tables live in a schema named after it (`log_<id>`),
// well inside PostgreSQL's 63-byte identifiers.
const ID = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/** Ids that are path segments of the service's own routes, not logs. */
const RESERVED_IDS = new Set(['v1', 'tile', 'checkpoint', 'logs', 'static', 'healthz', 'readyz', 'metrics']);

const LOG_KEYS = new Set(['id', 'name', 'origin', 'keyFile', 'alias', 'interval', 'databaseUrl', 'codes', 'witnesses', 'witnessQuorum', 'mirrors', 'mirrorQuorum', 'quota', 'qpd', 'contact', 'default', 'readOnly']);

class ConfigProblems {
  readonly list: string[] = [];
  add(where: string, message: string): void {
    this.list.push(`${where}: ${message}`);
  }
}

/**
 * Checks a parsed configuration file, `source` naming it in messages. Throws one
 * `MALFORMED_REQUEST` whose message lists every problem, one per line, each naming the log
 * and the field.
 */
export function validateServiceConfig(value: unknown, source = 'the configuration'): ServiceConfig {
  const problems = new ConfigProblems();
  const config = checkService(value, problems);
  if (problems.list.length > 0) {
    throw new LogError('MALFORMED_REQUEST', `${source}: ${problems.list.length === 1 ? problems.list[0] : `${problems.list.length} problems:\n  ${problems.list.join('\n  ')}`}`, { field: 'config' });
  }
  return config!;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown, where: string, problems: ConfigProblems, optional = false): string | undefined {
  if (v === undefined && optional) return undefined;
  // One line, no control characters: these reach log lines, HTML and discovery documents.
  if (typeof v !== 'string' || v.trim() === '' || /[\u0000-\u001f\u007f]/.test(v)) {
    problems.add(where, v === undefined ? 'is missing' : 'must be one line of text');
    return undefined;
  }
  return v;
}

function positiveInteger(v: unknown, where: string, problems: ConfigProblems, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > max) {
    problems.add(where, `must be a whole number from 1 to ${max}`);
    return undefined;
  }
  return v;
}

function checkService(value: unknown, problems: ConfigProblems): ServiceConfig | undefined {
  if (!isObject(value)) {
    problems.add('the file', 'must be an object with "operator" and "logs"');
    return undefined;
  }
  for (const key of Object.keys(value)) if (!['operator', 'publicUrl', 'logs'].includes(key)) problems.add(key, 'is not a setting (expected operator, publicUrl, logs)');
  const operator = value.operator;
  let operatorName: string | undefined;
  let contact: string[] = [];
  if (!isObject(operator)) {
    problems.add('operator', 'must be an object with "name" and "contact"');
  } else {
    operatorName = text(operator.name, 'operator.name', problems);
    const c = operator.contact;
    contact = (Array.isArray(c) ? c : [c]).flatMap((x, i) => text(x, Array.isArray(c) ? `operator.contact[${i}]` : 'operator.contact', problems) ?? []);
  }
  let publicUrl: string | undefined;
  if (value.publicUrl !== undefined) {
    publicUrl = text(value.publicUrl, 'publicUrl', problems);
    if (publicUrl !== undefined && !/^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(publicUrl)) problems.add('publicUrl', 'must be an http(s) URL');
    publicUrl = publicUrl?.replace(/\/+$/, '');
  }
  if (!Array.isArray(value.logs) || value.logs.length === 0) {
    problems.add('logs', 'must be a list of at least one log');
    return undefined;
  }
  const logs = value.logs.map((log, i) => checkLog(log, i, contact[0], problems));
  checkAcrossLogs(logs, problems);
  if (operatorName === undefined || logs.some((l) => l === undefined)) return undefined;
  return { operator: { name: operatorName, contact }, ...(publicUrl !== undefined ? { publicUrl } : {}), logs: logs as LogConfig[] };
}

function checkLog(value: unknown, i: number, defaultContact: string | undefined, problems: ConfigProblems): LogConfig | undefined {
  const id = isObject(value) && typeof value.id === 'string' ? value.id : undefined;
  const at = `logs[${i}]${id !== undefined ? ` (${id})` : ''}`;
  if (!isObject(value)) {
    problems.add(at, 'must be an object');
    return undefined;
  }
  const before = problems.list.length;
  for (const key of Object.keys(value)) if (!LOG_KEYS.has(key)) problems.add(`${at}: ${key}`, `is not a log setting (expected one of ${[...LOG_KEYS].join(', ')})`);
  if (id === undefined || !ID.test(id) || RESERVED_IDS.has(id)) problems.add(`${at}: id`, 'must be lowercase letters, digits and hyphens, at most 40, and not a route name (v1, tile, logs, …)');
  const name = text(value.name, `${at}: name`, problems);
  const origin = text(value.origin, `${at}: origin`, problems);
  if (origin !== undefined && !isValidKeyName(origin)) problems.add(`${at}: origin`, 'must be a valid key name (no spaces, no "+")');
  const keyFile = text(value.keyFile, `${at}: keyFile`, problems, true);
  const alias = text(value.alias, `${at}: alias`, problems, true);
  if (alias !== undefined && (!ID.test(alias) || RESERVED_IDS.has(alias))) problems.add(`${at}: alias`, 'must be lowercase letters, digits and hyphens, at most 40, and not a route name');
  const interval = value.interval === undefined ? undefined : checkInterval(value.interval, `${at}: interval`, problems);
  if (alias !== undefined && value.interval === undefined) problems.add(`${at}: interval`, 'a log with an alias needs an interval, so that the alias knows when it is current');
  const databaseUrl = text(value.databaseUrl, `${at}: databaseUrl`, problems, true);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.add(`${at}: databaseUrl`, 'must be a postgres:// URL');
  const codesFile = text(value.codes, `${at}: codes`, problems, true);
  const witnesses = checkWitnesses(value.witnesses, `${at}: witnesses`, problems);
  const witnessQuorum = value.witnessQuorum === undefined ? witnesses.length : positiveInteger(value.witnessQuorum, `${at}: witnessQuorum`, problems);
  if (witnessQuorum !== undefined && witnessQuorum > witnesses.length) problems.add(`${at}: witnessQuorum`, `is ${witnessQuorum} but only ${witnesses.length} witnesses are listed`);
  const mirrors = checkWitnesses(value.mirrors, `${at}: mirrors`, problems, 'mirror');
  const mirrorQuorum = value.mirrorQuorum === undefined ? mirrors.length : positiveInteger(value.mirrorQuorum, `${at}: mirrorQuorum`, problems);
  if (mirrorQuorum !== undefined && mirrorQuorum > mirrors.length) problems.add(`${at}: mirrorQuorum`, `is ${mirrorQuorum} but only ${mirrors.length} mirrors are listed`);
  const quota = checkQuota(value.quota, `${at}: quota`, problems);
  const qpd = value.qpd === undefined ? 86_400 : positiveInteger(value.qpd, `${at}: qpd`, problems, 2 ** 31 - 1);
  const contact = value.contact === undefined ? defaultContact : text(value.contact, `${at}: contact`, problems);
  if (contact === undefined && value.contact === undefined) problems.add(`${at}: contact`, 'is missing (and the operator has no contact to default to)');
  if (value.default !== undefined && typeof value.default !== 'boolean') problems.add(`${at}: default`, 'must be true or false');
  if (value.readOnly !== undefined && typeof value.readOnly !== 'boolean') problems.add(`${at}: readOnly`, 'must be true or false');
  if (problems.list.length > before) return undefined;
  return {
    ...(value.default === true ? { default: true } : {}),
    ...(value.readOnly === true ? { readOnly: true } : {}),
    id: id!,
    name: name!,
    origin: origin!,
    ...(keyFile !== undefined ? { keyFile } : {}),
    ...(alias !== undefined ? { alias } : {}),
    ...(interval !== undefined ? { interval } : {}),
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    ...(codesFile !== undefined ? { codesFile } : {}),
    witnesses,
    witnessQuorum: witnessQuorum ?? 0,
    mirrors,
    mirrorQuorum: mirrorQuorum ?? 0,
    quota,
    qpd: qpd!,
    contact: contact!,
  };
}

/**
 * An instant: an RFC 3339 date-time in UTC (`2026-01-01T00:00:00Z`) or a date
 * (`2026-01-01`, meaning its midnight UTC). YAML readers may hand over a Date already.
 */
function checkInstant(v: unknown, where: string, problems: ConfigProblems): Date | undefined {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z)?$/.test(v)) {
    const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v);
    // A date that does not exist (2026-02-30) rolls over in Date: refuse it.
    if (!Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v.slice(0, 10)) return d;
  }
  problems.add(where, 'must be a date (2026-01-01) or a UTC date-time (2026-01-01T00:00:00Z)');
  return undefined;
}

function checkInterval(v: unknown, where: string, problems: ConfigProblems): Interval | undefined {
  if (!isObject(v)) {
    problems.add(where, 'must be an object with "start" and "end"');
    return undefined;
  }
  const start = checkInstant(v.start, `${where}.start`, problems);
  const end = checkInstant(v.end, `${where}.end`, problems);
  if (start === undefined || end === undefined) return undefined;
  if (end.getTime() <= start.getTime()) {
    problems.add(`${where}.end`, 'must be after start (the interval is start inclusive, end exclusive)');
    return undefined;
  }
  return { start, end };
}

function checkWitnesses(v: unknown, where: string, problems: ConfigProblems, role: 'witness' | 'mirror' = 'witness'): { url: string; verifierKey: string }[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    problems.add(where, 'must be a list of {url, key}');
    return [];
  }
  return v.flatMap((w, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(w)) {
      problems.add(at, 'must be an object with "url" and "key"');
      return [];
    }
    const url = text(w.url, `${at}.url`, problems);
    if (url !== undefined && !/^https?:\/\//.test(url)) problems.add(`${at}.url`, 'must be an http(s) URL');
    const key = text(w.key, `${at}.key`, problems);
    if (key !== undefined) {
      try {
        parseCosignatureVerifier(key);
      } catch (e) {
        problems.add(`${at}.key`, `is not a ${role} cosignature verifier key: ${(e as Error).message}`);
        return [];
      }
    }
    return url !== undefined && key !== undefined ? [{ url, verifierKey: key }] : [];
  });
}

function checkQuota(v: unknown, where: string, problems: ConfigProblems): LogConfig['quota'] {
  if (v === undefined) return {};
  if (!isObject(v)) {
    problems.add(where, 'must be an object with "entriesPerSecond" and/or "storageBytes"');
    return {};
  }
  for (const key of Object.keys(v)) if (key !== 'entriesPerSecond' && key !== 'storageBytes') problems.add(`${where}.${key}`, 'is not a quota (expected entriesPerSecond, storageBytes)');
  const entriesPerSecond = positiveInteger(v.entriesPerSecond, `${where}.entriesPerSecond`, problems);
  const storageBytes = positiveInteger(v.storageBytes, `${where}.storageBytes`, problems);
  return { ...(entriesPerSecond !== undefined ? { entriesPerSecond } : {}), ...(storageBytes !== undefined ? { storageBytes } : {}) };
}

/** Rules across logs: ids, origins and aliases are each one log's; shards of an alias do not overlap. */
function checkAcrossLogs(logs: readonly (LogConfig | undefined)[], problems: ConfigProblems): void {
  const seen = new Map<string, string>();
  const claim = (kind: string, value: string, at: string): void => {
    const other = seen.get(`${kind}\n${value}`);
    if (other !== undefined) problems.add(at, `${kind} ${JSON.stringify(value)} is already ${other}'s`);
    else seen.set(`${kind}\n${value}`, at);
  };
  logs.forEach((log, i) => {
    if (log === undefined) return;
    const at = `logs[${i}] (${log.id})`;
    // An id and an alias share one namespace: both are URL prefixes.
    claim('name', log.id, `${at}: id`);
    claim('origin', log.origin, `${at}: origin`);
  });
  const defaults = logs.filter((l) => l?.default === true);
  if (defaults.length > 1) problems.add('logs', `only one log can be the default, but ${defaults.map((l) => l!.id).join(', ')} are`);
  const aliases = new Map<string, { at: string; log: LogConfig }[]>();
  logs.forEach((log, i) => {
    if (log?.alias === undefined) return;
    const at = `logs[${i}] (${log.id})`;
    if (seen.has(`name\n${log.alias}`) && !aliases.has(log.alias)) problems.add(`${at}: alias`, `"${log.alias}" is already a log's id`);
    aliases.set(log.alias, [...(aliases.get(log.alias) ?? []), { at, log }]);
  });
  for (const shards of aliases.values()) {
    const sorted = [...shards].sort((x, y) => x.log.interval!.start.getTime() - y.log.interval!.start.getTime());
    for (let k = 1; k < sorted.length; k++) {
      const prev = sorted[k - 1]!;
      const cur = sorted[k]!;
      if (cur.log.interval!.start.getTime() < prev.log.interval!.end.getTime()) {
        problems.add(`${cur.at}: interval`, `overlaps ${prev.log.id}'s (shards of the alias "${cur.log.alias}" must not overlap)`);
      }
    }
  }
}

/** Whether `interval` takes an entry at `at` (no interval: always). */
export function intervalHolds(interval: Interval | undefined, at: Date): boolean {
  return interval === undefined || (at.getTime() >= interval.start.getTime() && at.getTime() < interval.end.getTime());
}

/** The log an alias resolves to at `at`: the one of its shards whose interval holds then. */
export function currentShard(config: ServiceConfig, alias: string, at: Date): LogConfig | undefined {
  return config.logs.find((l) => l.alias === alias && intervalHolds(l.interval, at));
}

/** The shard that follows `log` under its alias (the next interval), if one is configured. */
export function successorOf(config: ServiceConfig, log: LogConfig): LogConfig | undefined {
  if (log.alias === undefined || log.interval === undefined) return undefined;
  const end = log.interval.end.getTime();
  return config.logs
    .filter((l) => l.alias === log.alias && l.interval !== undefined && l.interval.start.getTime() >= end)
    .sort((x, y) => x.interval!.start.getTime() - y.interval!.start.getTime())[0];
}
