/**
 * `sightline monitor URL --log-key VKEY [--state DIR] [--once] [--interval S] [--webhook URL]
 * [--gap-window S]`: follows a c2sp.org/tlog-tiles log as an untrusted peer and audits every
 * entry (src/monitor does the audit; this is its I/O edge: HTTP, files, signals, webhook).
 * `sightline monitor --log-list URL …` does the same for every log of a list (an operator
 * list or a logs/v0 list, src/discovery), and for new ones as they appear.
 *
 * Exit status: 0 ok (or stopped by SIGINT/SIGTERM), 1 operational failure (one line on
 * stderr), 2 usage or configuration error (also: on a first run, a checkpoint that does not
 * verify with --log-key), 3 the log misbehaved (evidence written under DIR/evidence/).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isLogError } from '../errors.js';
import {
  type AuditResult,
  type Evidence,
  type LogSource,
  type MonitorState,
  AuditInterrupted,
  MonitorConfigError,
  DEFAULT_GAP_WINDOW_SECONDS,
  alertFor,
  auditFinalCheckpoint,
  auditLog,
  evidenceFileName,
  initialState,
  parseState,
} from '../monitor/index.js';
import { type ListedLog, logDirName, reconcileLogs } from '../discovery/index.js';
import { parseNoteVerifier } from '../note/index.js';
import { type Fetch, fetchLogList } from './log-list-fetch.js';
import { type CommandSpec, type ParsedFlags, UsageError } from './flags.js';
import type { CliIo, CliWriter } from './io.js';
import { verifierKeyFlag } from './key-text.js';
import { errorLine, printable } from './terminal.js';
import { createNodeEd25519Verify, nodeLeafHash, nodeNodeHash, nodeSha256 } from './node-crypto.js';
import { ensurePrivateDir } from '../storage/index.js';
import { type LogCopy, readThroughCopies } from '../client/index.js';
import { COPY_FLAGS, copiesFromFlags } from './copies.js';

export const MONITOR_COMMAND: CommandSpec = {
  name: 'monitor',
  summary: 'follow a log and audit every entry; exit 3 with an evidence file if it misbehaves',
  about: `Follows the log at URL through its public read API (c2sp.org/tlog-tiles: /checkpoint, /tile/…)
as an untrusted peer. For each new checkpoint it verifies the log's signature with the pinned
key, downloads every new entry, recomputes every tile and the root, compares the log's own
tiles with them byte for byte, and proves the checkpoint consistent with the last one it
verified (cross-checking GET /v1/proofs/consistency where the log offers it). On a Sightline
log it also checks every typed event: schema, code lists, personal-data linter, the partner's
signature and partner sequence numbers.

With --log-list it follows every log of a list instead of one: an operator list (JSON, as a
Sightline service serves at /logs.json: each log's metadata document gives its key, origin
and monitoring URL) or a logs/v0 text list (as at /logs.txt, with --log-url-template). Each
log gets its own directory DIR/logs/<origin made safe>-<hash>/ (state, checkpoints,
evidence), and lines about it start with its origin. A log's key is pinned the first time
it is seen; a list that later names another key for that origin is reported (a warning,
and an alert to the webhook) and the pinned key stays. The list is fetched again every
--list-interval and new logs are followed as they appear. A log the metadata calls
read-only is audited up to its final checkpoint and then no longer polled (not by later
runs either: its directory notes it); a larger
checkpoint, or another root at the final size, is misbehaviour.`,
  positionals: [{ name: 'URL', optional: true, help: "the log's base URL, under which /checkpoint and /tile/ are served (or --log-list)" }],
  moreUsage: ['sightline monitor --log-list URL [--log-url-template URL] [--list-interval S] [--state DIR] [--once] [--interval S] [--webhook URL]'],
  flags: [
    { name: 'log-key', value: 'VKEY|FILE', help: "the log's verifier key (name+hex8+base64), or a file holding it; required with URL" },
    { name: 'log-list', value: 'URL', help: 'follow every log of this list (operator list JSON, or logs/v0 text), instead of URL and --log-key' },
    {
      name: 'log-url-template',
      value: 'URL',
      help: 'with a logs/v0 list (which names no URLs): each log\'s base URL, {origin} replaced by its origin, e.g. https://host/logs/{origin}',
    },
    { name: 'list-interval', value: 'S', defaultHelp: 'the --interval', help: 'seconds between fetches of the log list' },
    {
      name: 'state',
      value: 'DIR',
      default: './monitor-state',
      help: 'where the state, the archive of verified checkpoints (DIR/checkpoints/) and evidence (DIR/evidence/) are kept',
    },
    ...COPY_FLAGS,
    { name: 'once', type: 'boolean', help: 'audit up to the current checkpoint and exit' },
    { name: 'interval', value: 'S', default: '60', help: 'seconds between polls when following' },
    {
      name: 'webhook',
      value: 'URL',
      help: 'POST a JSON alert (references only: kind, origin, tree sizes, leaf index, evidence file name and SHA-256) when the log misbehaves or a partner\'s sequence gap stays open',
    },
    {
      name: 'gap-window',
      value: 'S',
      default: String(DEFAULT_GAP_WINDOW_SECONDS),
      help: "how long a gap in a partner's sequence numbers may stay open before it is reported, in seconds (24 hours)",
    },
  ],
  footer: `Prints one line per verified checkpoint on stdout. Exit status: 0 ok (or stopped by SIGINT or
SIGTERM, state saved), 1 operational failure, 2 usage or configuration error, 3 the log
misbehaved (evidence written). Network errors are retried with backoff while following; with
--once they exit 1. Until a checkpoint has verified with --log-key, one that does not (a wrong
key, URL or origin) is a configuration error (exit 2, no evidence, no alert); after that, it
is the log's misbehaviour. With --log-list, --once audits every listed log once and exits with
the worst status of them (3, then 2, then 1); following, a log that misbehaved is no longer
polled, the others are, and the exit status on SIGINT or SIGTERM is the worst one.`,
};

const FETCH_TIMEOUT_MS = 30_000;
const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_SECONDS = 300;


/** A log that answered, but not as the read API says (status other than 200 and 404). */
class HttpError extends Error {}

/** GET checkpoint answered 404: on a first run, a URL that is no log's (exit 2, not a retry). */
class NoCheckpoint extends HttpError {}

/** One line on `err`: `sightline: MESSAGE`. */
function sayer(err: CliWriter): (message: string) => void {
  return (message) => {
    err.write(errorLine(message));
  };
}

function seconds(value: string, name: string, min: number): number {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || Number(value) < min) throw new UsageError(`--${name} must be a number of seconds, at least ${min}`, { field: name });
  return Number(value);
}

/** Writes a file so that a reader sees the old or the new content, never a part: temp, fsync, rename. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dir = openSync(join(path, '..'), 'r');
    try {
      fsyncSync(dir); // the rename itself survives a crash
    } finally {
      closeSync(dir);
    }
  } catch {
    // Not every platform can fsync a directory.
  }
}

/** The read API over HTTP (global fetch, with a timeout on every request). */
export function httpLogSource(url: string, fetchFn: Fetch = fetch): LogSource {
  const base = url.endsWith('/') ? url : `${url}/`;
  const get = async (path: string, accept: string): Promise<Response | undefined> => {
    const response = await fetchFn(new URL(path, base), { headers: { Accept: accept }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new HttpError(`GET ${path} answered ${response.status}`);
    }
    return response;
  };
  const text = async (path: string, accept = 'application/json'): Promise<string | undefined> => {
    const response = await get(path, accept);
    return response === undefined ? undefined : response.text();
  };
  return {
    async checkpoint() {
      const body = await text('checkpoint', 'text/plain');
      if (body === undefined) throw new NoCheckpoint('GET checkpoint answered 404');
      return body;
    },
    async tile(path) {
      const response = await get(path, 'application/octet-stream');
      return response === undefined ? undefined : new Uint8Array(await response.arrayBuffer());
    },
    consistencyProof: (from, to) => text(`v1/proofs/consistency?from=${from}&to=${to}`),
    codes: (sha256) => text(`v1/codes/${sha256}`),
    partners: () => text('v1/partners'),
  };
}

/**
 * The log's read API through its copies: tiles and bundles from the copies first (immutable,
 * verified against the checkpoint by the audit), then the log; the checkpoint from the log
 * first, then each copy (a mirror's only with its cosignature). Sightline's own routes (proofs,
 * codes, partners) from the log alone.
 */
export function copiesLogSource(log: LogSource, copies: readonly { readonly copy: LogCopy; readonly source: LogSource }[]): LogSource {
  return { ...log, ...readThroughCopies(log, copies) };
}

/** Errors worth retrying while following: the network, timeouts, a log answering oddly or not serving a tile yet. */
function isTransient(e: unknown): boolean {
  if (e instanceof HttpError) return true;
  if (isLogError(e)) return e.code === 'NOT_FOUND' || e.code === 'UNAVAILABLE';
  return e instanceof TypeError || (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError'));
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}

interface Paths {
  readonly dir: string;
  readonly state: string;
  readonly checkpoints: string;
  readonly evidence: string;
}

function pathsOf(dir: string): Paths {
  return { dir, state: join(dir, 'state.json'), checkpoints: join(dir, 'checkpoints'), evidence: join(dir, 'evidence') };
}

/** The log key pinned in a state directory (trust on first use), or undefined when it holds none yet. */
function pinnedKey(dir: string): string | undefined {
  const file = pathsOf(dir).state;
  if (!existsSync(file)) return undefined;
  try {
    return parseState(JSON.parse(readFileSync(file, 'utf8')) as unknown).logKey;
  } catch (e) {
    throw new Error(`couldn't read ${file}: ${describe(e)}`);
  }
}

function loadState(paths: Paths, logKey: string, origin: string): MonitorState {
  if (!existsSync(paths.state)) return initialState(origin, logKey);
  let state: MonitorState;
  try {
    state = parseState(JSON.parse(readFileSync(paths.state, 'utf8')) as unknown);
  } catch (e) {
    throw new Error(`couldn't read ${paths.state}: ${describe(e)}`);
  }
  if (state.logKey !== logKey) throw new Error(`${paths.state} is the state of a monitor of ${state.logKey}, not of --log-key ${logKey}`);
  if (state.origin !== origin) throw new Error(`${paths.state} is the state of a monitor of origin ${JSON.stringify(state.origin)}, not ${JSON.stringify(origin)}`);
  return state;
}

async function postAlert(webhook: string, body: unknown, say: (message: string) => void, fetchFn: Fetch = fetch): Promise<void> {
  try {
    const response = await fetchFn(webhook, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) say(`warning: the webhook answered ${response.status}`);
  } catch (e) {
    say(`warning: couldn't post to the webhook: ${describe(e)}`);
  }
}

/** Writes an evidence file (never overwriting one) and returns its name and SHA-256. */
function writeEvidence(paths: Paths, evidence: Evidence): { name: string; sha256: string } {
  mkdirSync(paths.evidence, { recursive: true, mode: 0o700 });
  const base = evidenceFileName(evidence);
  let name = base;
  for (let i = 2; existsSync(join(paths.evidence, name)); i++) name = base.replace(/\.json$/, `-${i}.json`);
  const bytes = Buffer.from(JSON.stringify(evidence, null, 2) + '\n', 'utf8');
  writeAtomic(join(paths.evidence, name), bytes);
  return { name, sha256: createHash('sha256').update(bytes).digest('hex') };
}

interface FollowedLogOptions {
  /** The log's state directory: state.json, checkpoints/, evidence/. */
  readonly dir: string;
  readonly url: string;
  readonly logKey: string;
  readonly origin: string;
  readonly webhook: string | undefined;
  readonly gapWindow: number;
  readonly io: CliIo;
  /** Said before every line about this log (the origin, when several logs are followed). */
  readonly label?: string;
  readonly fetch?: Fetch;
  /** Copies to read from besides the log (mirrors, static exports). */
  readonly copies?: readonly LogCopy[];
}

/**
 * One followed log: its files, its state and its audits, and the lines, evidence files and
 * alerts they call for. A single-log monitor follows one; `--log-list` one per listed log.
 */
class FollowedLog {
  private state: MonitorState;
  private readonly paths: Paths;
  private readonly source: LogSource;
  /** The log alone: what any finding is checked against before it is laid at the log's door. */
  private readonly logOnly: LogSource;
  private readonly noticed = new Set<string>();
  private readonly prefix: string;
  private readonly verifyEd25519 = createNodeEd25519Verify();

  constructor(private readonly options: FollowedLogOptions) {
    this.paths = pathsOf(options.dir);
    ensurePrivateDir(this.paths.dir);
    mkdirSync(this.paths.checkpoints, { recursive: true, mode: 0o700 });
    this.state = loadState(this.paths, options.logKey, options.origin);
    this.logOnly = httpLogSource(options.url, options.fetch);
    const copies = options.copies ?? [];
    this.source = copies.length === 0 ? this.logOnly : copiesLogSource(this.logOnly, copies.map((copy) => ({ copy, source: httpLogSource(copy.url, options.fetch) })));
    this.prefix = options.label === undefined ? '' : `${printable(options.label)}: `;
  }

  /**
   * The final checkpoint this log was found closed at, kept in DIR/closed so that a later run
   * does not poll a closed log again (while its metadata names the same final checkpoint).
   */
  get closedAt(): string | undefined {
    const file = join(this.paths.dir, 'closed');
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  markClosed(finalCheckpoint: string): void {
    writeAtomic(join(this.paths.dir, 'closed'), finalCheckpoint);
  }

  get verifiedAny(): boolean {
    return this.state.checkpoint !== null;
  }

  say(message: string): void {
    this.options.io.stderr.write(errorLine(`${this.prefix}${message}`));
  }

  save(next: MonitorState = this.state): void {
    this.state = next;
    writeAtomic(this.paths.state, JSON.stringify(this.state, null, 1) + '\n');
  }

  /** Files, lines and alerts for one audit; whether the log misbehaved. */
  private async handle(result: AuditResult): Promise<boolean> {
    const { io, webhook } = this.options;
    if (result.verified !== undefined) {
      // The archive first: every state on disk names a checkpoint the archive holds.
      writeAtomic(join(this.paths.checkpoints, String(result.verified.treeSize)), result.verified.note);
    }
    if (result.state !== this.state) this.save(result.state);
    if (result.verified !== undefined) io.stdout.write(`${this.prefix}${printable(result.verified.line)}\n`);
    for (const notice of result.notices) {
      if (!this.noticed.has(notice)) this.say(notice);
      this.noticed.add(notice);
    }
    const alert = (message: string) => this.say(message);
    for (const warning of result.warnings) {
      const file = writeEvidence(this.paths, warning);
      this.say(`warning: ${warning.message}; see ${join(this.paths.evidence, file.name)}`);
      if (webhook !== undefined) await postAlert(webhook, alertFor(warning, file.name, file.sha256), alert, this.options.fetch);
    }
    for (const evidence of result.evidence) {
      const file = writeEvidence(this.paths, evidence);
      this.say(`the log misbehaved (${evidence.kind}): ${evidence.message}; evidence in ${join(this.paths.evidence, file.name)}`);
      if (webhook !== undefined) await postAlert(webhook, alertFor(evidence, file.name, file.sha256), alert, this.options.fetch);
    }
    return result.evidence.length > 0;
  }

  /**
   * Audits the log's current checkpoint, or, for a read-only log, its tree up to
   * `finalCheckpoint` and that it serves nothing beyond. Throws what the audit throws
   * (network, `MonitorConfigError`, `AuditInterrupted`, `NoCheckpoint`).
   */
  async audit(signal: { readonly aborted: boolean }, finalCheckpoint?: string): Promise<{ misbehaved: boolean; closed: boolean; finalTreeSize?: number }> {
    const progress = progressReporter(this.options.io.stderr);
    const options = {
      source: this.source,
      url: this.options.url,
      sha256: nodeSha256,
      verifyEd25519: this.verifyEd25519,
      leafHash: nodeLeafHash,
      nodeHash: nodeNodeHash,
      gapWindowSeconds: this.options.gapWindow,
      onProgress: progress.update,
      signal,
    };
    try {
      if (finalCheckpoint !== undefined) {
        const result = await auditFinalCheckpoint(this.state, finalCheckpoint, options);
        progress.done();
        const misbehaved = await this.handle(result);
        return { misbehaved, closed: result.closed, ...(result.finalTreeSize === undefined ? {} : { finalTreeSize: result.finalTreeSize }) };
      }
      let result = await auditLog(this.state, options);
      if (result.evidence.length > 0 && this.source !== this.logOnly) {
        // Read through copies, a finding may be a copy's doing (a lagging or lying mirror): it
        // is laid at the log's door only if the log's own answers show it too.
        result = await auditLog(this.state, { ...options, source: this.logOnly });
      }
      progress.done();
      return { misbehaved: await this.handle(result), closed: false };
    } catch (e) {
      progress.done();
      throw e;
    }
  }
}


function progressReporter(err: CliWriter): { update(p: { audited: number; total: number }): void; done(): void } {
  if (err.isTTY !== true) return { update() {}, done() {} };
  const started = Date.now();
  let last = 0;
  let shown = false;
  return {
    update({ audited, total }) {
      const now = Date.now();
      if (now - last < 250 && audited < total) return;
      last = now;
      shown = true;
      const rate = Math.round(audited / Math.max(0.001, (now - started) / 1000));
      err.write(`\r\u001b[Kaudited ${audited.toLocaleString('en-GB')} / ${total.toLocaleString('en-GB')} entries (${rate.toLocaleString('en-GB')}/s)`);
    },
    done() {
      if (shown) err.write('\r\u001b[K');
    },
  };
}

/** The exit statuses of the audits of several logs: the worst one (3, then 2, then 1, then 0). */
function worst(statuses: Iterable<number>): number {
  let w = 0;
  for (const s of statuses) w = Math.max(w, s);
  return w;
}

/** A stop flag that SIGINT/SIGTERM set, and a sleep that they cut short. */
export function stopper(io: CliIo): { stop: { aborted: boolean }; sleep(ms: number): Promise<void>; release(): void } {
  const stop = { aborted: false, wake: () => {} };
  const release = io.onStopSignal(() => {
    stop.aborted = true;
    stop.wake();
  });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stop.aborted) return resolve();
      const timer = setTimeout(() => resolve(), ms);
      stop.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  return { stop, sleep, release };
}

function httpUrlFlag(value: string | undefined, name: string): string | undefined {
  if (value !== undefined && !/^https?:\/\/[^\s]+$/i.test(value)) throw new UsageError(`${name === 'URL' ? 'URL' : `--${name}`} must be an http:// or https:// URL`, { field: name });
  return value;
}

export async function monitorCommand(flags: ParsedFlags, io: CliIo, deps: { fetch?: Fetch } = {}): Promise<number> {
  const say = sayer(io.stderr);
  const list = httpUrlFlag(flags.string('log-list'), 'log-list');
  const webhook = httpUrlFlag(flags.string('webhook'), 'webhook');
  if (list !== undefined) {
    if (flags.positionals.length > 0 || flags.string('log-key') !== undefined) {
      throw new UsageError('--log-list follows the logs of a list; URL and --log-key name one log: give one or the other', { field: 'log-list' });
    }
    if (flags.strings('mirror').length + flags.strings('copy').length > 0) throw new UsageError('--mirror and --copy name copies of one log: give them with URL and --log-key, not --log-list', { field: 'mirror' });
    return monitorLogList(list, flags, io, { webhook, fetch: deps.fetch });
  }
  if (flags.string('log-url-template') !== undefined) throw new UsageError('--log-url-template goes with --log-list', { field: 'log-url-template' });
  if (flags.string('list-interval') !== undefined) throw new UsageError('--list-interval goes with --log-list', { field: 'list-interval' });
  const url = flags.positionals[0];
  if (url === undefined) throw new UsageError('monitor needs URL; see sightline monitor --help', { field: 'URL' });
  httpUrlFlag(url, 'URL');
  if (flags.string('log-key') === undefined) throw new UsageError('monitor needs --log-key; see sightline monitor --help', { field: 'log-key' });
  const logKey = await verifierKeyFlag(flags.string('log-key')!, 'log-key', io);
  const interval = seconds(flags.string('interval')!, 'interval', 0.1);
  const gapWindow = seconds(flags.string('gap-window')!, 'gap-window', 0);
  const once = flags.boolean('once');

  const origin = parseNoteVerifier(logKey).name;
  const copies = copiesFromFlags(flags)(origin); // a usage error, before anything is written
  let log: FollowedLog;
  try {
    log = new FollowedLog({ dir: flags.string('state')!, url, logKey, origin, webhook, gapWindow, io, fetch: deps.fetch, copies });
  } catch (e) {
    say(describe(e));
    return 1;
  }

  const { stop, sleep, release } = stopper(io);
  /** SIGINT/SIGTERM: the state on disk becomes the last verified one, then exit 0. */
  const stopped = (): number => {
    log.save();
    return 0;
  };

  try {
    let failures = 0;
    for (;;) {
      if (stop.aborted) return stopped();
      try {
        const { misbehaved } = await log.audit(stop);
        failures = 0;
        if (misbehaved) return 3;
        if (once) return 0;
      } catch (e) {
        if (e instanceof AuditInterrupted) return stopped();
        // A first run whose checkpoint does not open with --log-key: the user's setting, not the log.
        if (e instanceof MonitorConfigError) {
          say(e.message);
          return 2;
        }
        if (e instanceof NoCheckpoint && !log.verifiedAny) {
          say(`${url} serves no checkpoint (GET checkpoint answered 404): check the URL, the log's base URL under which /checkpoint and /tile/ are served`);
          return 2;
        }
        if (once || !isTransient(e)) {
          say(describe(e));
          return 1;
        }
        failures++;
        const wait = Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.min(failures - 1, 9));
        say(`${describe(e)}; retrying in ${wait} s`);
        await sleep(wait * 1000);
        continue;
      }
      await sleep(interval * 1000);
    }
  } catch (e) {
    say(describe(e));
    return 1;
  } finally {
    release();
  }
}

/** One log of a followed list, as the monitor keeps it between polls. */
interface ListedFollow {
  readonly log: FollowedLog;
  listed: ListedLog;
  /** Done with: closed (read-only, final tree audited), misbehaved, or misconfigured. */
  done: boolean;
  /** The exit status its audits call for so far. */
  status: number;
}

/**
 * `--log-list URL`: every log of the list, each with its own state directory
 * (DIR/logs/<logDirName(origin)>), its key pinned on first sight, audited in turn; the list
 * fetched again every --list-interval, so that new logs are followed as they appear.
 */
async function monitorLogList(listUrl: string, flags: ParsedFlags, io: CliIo, options: { webhook: string | undefined; fetch: Fetch | undefined }): Promise<number> {
  const say = sayer(io.stderr);
  const interval = seconds(flags.string('interval')!, 'interval', 0.1);
  const listInterval = flags.string('list-interval') === undefined ? interval : seconds(flags.string('list-interval')!, 'list-interval', 1);
  const gapWindow = seconds(flags.string('gap-window')!, 'gap-window', 0);
  const urlTemplate = flags.string('log-url-template');
  if (urlTemplate !== undefined && !/^https?:\/\/[^\s]*\{origin\}[^\s]*$/i.test(urlTemplate)) {
    throw new UsageError('--log-url-template must be an http:// or https:// URL holding {origin}', { field: 'log-url-template' });
  }
  const once = flags.boolean('once');
  const stateRoot = flags.string('state')!;
  const { webhook } = options;
  const followed = new Map<string, ListedFollow>();
  /** Key changes already reported, `origin\nkey`, so each is said once per run. */
  const reportedKeys = new Set<string>();
  /** 1 once a listed log could not be set up (its state unreadable, its directory not made). */
  let setupStatus = 0;
  const { stop, sleep, release } = stopper(io);

  try {
    ensurePrivateDir(stateRoot);
    ensurePrivateDir(join(stateRoot, 'logs'));
  } catch (e) {
    say(describe(e));
    return 1;
  }

  /** Fetches the list and starts following its new logs; false when the list could not be had. */
  const refresh = async (): Promise<boolean> => {
    let fetched;
    try {
      fetched = await fetchLogList(listUrl, { ...(options.fetch === undefined ? {} : { fetch: options.fetch }), ...(urlTemplate === undefined ? {} : { urlTemplate }) });
    } catch (e) {
      say(`the log list at ${listUrl}: ${describe(e)}`);
      return false;
    }
    for (const problem of fetched.problems) say(`the log list at ${listUrl}: ${problem}`);
    // The keys pinned so far: in memory, or in a state directory of an earlier run.
    const pinned = new Map<string, string>();
    const unreadable = new Set<string>();
    for (const listed of fetched.logs) {
      const known = followed.get(listed.origin);
      let key: string | undefined;
      try {
        key = known !== undefined ? known.listed.vkey : pinnedKey(join(stateRoot, 'logs', logDirName(listed.origin)));
      } catch (e) {
        // A damaged state is never replaced by the list's key: that log waits for its owner.
        if (!reportedKeys.has(`${listed.origin}\nstate`)) say(`${printable(listed.origin)}: ${describe(e)}`);
        reportedKeys.add(`${listed.origin}\nstate`);
        unreadable.add(listed.origin);
        setupStatus = 1;
        continue;
      }
      if (key !== undefined) pinned.set(listed.origin, key);
    }
    const reconciled = reconcileLogs(
      pinned,
      fetched.logs.filter((l) => !unreadable.has(l.origin)),
    );
    const { known, keyChanged } = reconciled;
    const added = [...reconciled.added];
    for (const { log: listed, pinnedKey: key } of keyChanged) {
      const id = `${listed.origin}\n${listed.vkey}`;
      if (!reportedKeys.has(id)) {
        reportedKeys.add(id);
        say(`warning: the log list names another key for ${printable(listed.origin)} (${printable(listed.vkey)}); the pinned key ${key} stays`);
        if (webhook !== undefined) await postAlert(webhook, { kind: 'key-changed', origin: listed.origin, pinnedKey: key, listedKey: listed.vkey, list: listUrl }, say, options.fetch);
      }
      // Followed still, with the pinned key; the list's other facts (URL, state) are taken.
      const f = followed.get(listed.origin);
      if (f !== undefined) f.listed = { ...listed, vkey: key };
      else added.push({ ...listed, vkey: key });
    }
    for (const listed of known) {
      const f = followed.get(listed.origin);
      if (f !== undefined) f.listed = listed;
      else added.push(listed);
    }
    for (const listed of added) {
      if (listed.monitoringUrl === undefined) {
        const id = `${listed.origin}\nurl`;
        if (!reportedKeys.has(id)) say(`${printable(listed.origin)}: the list gives no URL for this log (a logs/v0 list needs --log-url-template)`);
        reportedKeys.add(id);
        continue;
      }
      try {
        const log = new FollowedLog({
          dir: join(stateRoot, 'logs', logDirName(listed.origin)),
          url: listed.monitoringUrl,
          logKey: listed.vkey,
          origin: listed.origin,
          webhook,
          gapWindow,
          io,
          label: listed.origin,
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        });
        log.save(); // the key is pinned from now on (trust on first use)
        followed.set(listed.origin, { log, listed, done: false, status: 0 });
        log.say(`following ${listed.monitoringUrl}`);
      } catch (e) {
        say(`${printable(listed.origin)}: ${describe(e)}`);
        setupStatus = 1;
      }
    }
    return true;
  };

  /** One audit of one log; the status it calls for is kept on it. */
  const auditOne = async (f: ListedFollow): Promise<void> => {
    const final = f.listed.state !== 'active' ? f.listed.finalCheckpoint : undefined;
    if (final !== undefined && f.log.closedAt === final) {
      f.done = true; // audited to this final checkpoint by an earlier run
      return;
    }
    try {
      const result = await f.log.audit(stop, final);
      if (result.misbehaved) {
        f.status = 3;
        f.done = true;
      } else if (result.closed) {
        f.done = true;
        f.log.markClosed(final!);
        f.log.say(`the log is read-only: audited up to its final checkpoint (tree size ${result.finalTreeSize}); no longer polled`);
      }
    } catch (e) {
      if (e instanceof AuditInterrupted) throw e;
      if (e instanceof MonitorConfigError) {
        f.log.say(e.message);
        f.status = Math.max(f.status, 2);
        f.done = true;
      } else if (e instanceof NoCheckpoint && !f.log.verifiedAny) {
        f.log.say(`${f.listed.monitoringUrl} serves no checkpoint (GET checkpoint answered 404)`);
        f.status = Math.max(f.status, 2);
        f.done = true;
      } else {
        f.log.say(once || !isTransient(e) ? describe(e) : `${describe(e)}; retrying at the next poll`);
        if (once) f.status = Math.max(f.status, 1);
      }
    }
  };

  const stopped = (): number => {
    for (const f of followed.values()) f.log.save();
    return worst([setupStatus, ...[...followed.values()].map((f) => f.status)]);
  };

  try {
    let listFetchedAt = -Infinity;
    let listOk = false;
    for (;;) {
      if (stop.aborted) return stopped();
      if (Date.now() - listFetchedAt >= listInterval * 1000) {
        listOk = (await refresh()) || listOk;
        listFetchedAt = Date.now();
        if (once && !listOk) return 1;
      }
      for (const f of followed.values()) {
        if (stop.aborted) return stopped();
        if (!f.done) await auditOne(f);
      }
      if (once) return worst([setupStatus, ...[...followed.values()].map((f) => f.status)]);
      await sleep(Math.min(interval, listInterval) * 1000);
    }
  } catch (e) {
    if (e instanceof AuditInterrupted) return stopped();
    say(describe(e));
    return 1;
  } finally {
    release();
  }
}

