/**
 * `sightline monitor URL --log-key VKEY [--state DIR] [--once] [--interval S] [--webhook URL]
 * [--gap-window S]`: follows a c2sp.org/tlog-tiles log as an untrusted peer and audits every
 * entry (src/monitor does the audit; this is its I/O edge: HTTP, files, signals, webhook).
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
  auditLog,
  evidenceFileName,
  initialState,
  parseState,
} from '../monitor/index.js';
import { parseNoteVerifier } from '../note/index.js';
import { type CommandSpec, type ParsedFlags, UsageError } from './flags.js';
import type { CliIo, CliWriter } from './io.js';
import { verifierKeyFlag } from './key-text.js';
import { errorLine, printable } from './terminal.js';
import { createNodeEd25519Verify, nodeLeafHash, nodeNodeHash, nodeSha256 } from './node-crypto.js';
import { ensurePrivateDir } from '../storage/index.js';

export const MONITOR_COMMAND: CommandSpec = {
  name: 'monitor',
  summary: 'follow a log and audit every entry; exit 3 with an evidence file if it misbehaves',
  about: `Follows the log at URL through its public read API (c2sp.org/tlog-tiles: /checkpoint, /tile/…)
as an untrusted peer. For each new checkpoint it verifies the log's signature with the pinned
key, downloads every new entry, recomputes every tile and the root, compares the log's own
tiles with them byte for byte, and proves the checkpoint consistent with the last one it
verified (cross-checking GET /v1/proofs/consistency where the log offers it). On a Sightline
log it also checks every typed event: schema, code lists, personal-data linter, the partner's
signature and partner sequence numbers.`,
  positionals: [{ name: 'URL', help: "the log's base URL, under which /checkpoint and /tile/ are served" }],
  flags: [
    { name: 'log-key', value: 'VKEY|FILE', required: true, help: "the log's verifier key (name+hex8+base64), or a file holding it" },
    {
      name: 'state',
      value: 'DIR',
      default: './monitor-state',
      help: 'where the state, the archive of verified checkpoints (DIR/checkpoints/) and evidence (DIR/evidence/) are kept',
    },
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
is the log's misbehaviour.`,
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
export function httpLogSource(url: string): LogSource {
  const base = url.endsWith('/') ? url : `${url}/`;
  const get = async (path: string, accept: string): Promise<Response | undefined> => {
    const response = await fetch(new URL(path, base), { headers: { Accept: accept }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
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

function loadState(paths: Paths, logKey: string): MonitorState {
  const origin = parseNoteVerifier(logKey).name;
  if (!existsSync(paths.state)) return initialState(origin, logKey);
  let state: MonitorState;
  try {
    state = parseState(JSON.parse(readFileSync(paths.state, 'utf8')) as unknown);
  } catch (e) {
    throw new Error(`couldn't read ${paths.state}: ${describe(e)}`);
  }
  if (state.logKey !== logKey) throw new Error(`${paths.state} is the state of a monitor of ${state.logKey}, not of --log-key ${logKey}`);
  return state;
}

async function postAlert(webhook: string, body: unknown, say: (message: string) => void): Promise<void> {
  try {
    const response = await fetch(webhook, {
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

export async function monitorCommand(flags: ParsedFlags, io: CliIo): Promise<number> {
  const say = sayer(io.stderr);
  const url = flags.positionals[0]!;
  if (!/^https?:\/\/[^\s]+$/i.test(url)) throw new UsageError('URL must be an http:// or https:// URL', { field: 'URL' });
  const webhook = flags.string('webhook');
  if (webhook !== undefined && !/^https?:\/\/[^\s]+$/i.test(webhook)) throw new UsageError('--webhook must be an http:// or https:// URL', { field: 'webhook' });
  const logKey = await verifierKeyFlag(flags.string('log-key')!, 'log-key', io);
  const interval = seconds(flags.string('interval')!, 'interval', 0.1);
  const gapWindow = seconds(flags.string('gap-window')!, 'gap-window', 0);
  const dir = flags.string('state')!;
  const paths: Paths = { dir, state: join(dir, 'state.json'), checkpoints: join(dir, 'checkpoints'), evidence: join(dir, 'evidence') };
  const once = flags.boolean('once');

  let state: MonitorState;
  try {
    ensurePrivateDir(paths.dir);
    mkdirSync(paths.checkpoints, { recursive: true, mode: 0o700 });
    state = loadState(paths, logKey);
  } catch (e) {
    say(describe(e));
    return 1;
  }

  const stop = { aborted: false, wake: () => {} };
  const onSignal = () => {
    stop.aborted = true;
    stop.wake();
  };
  const stopListening = io.onStopSignal(onSignal);

  const source = httpLogSource(url);
  const verifyEd25519 = createNodeEd25519Verify();
  const noticed = new Set<string>();

  const saveState = (next: MonitorState): void => {
    state = next;
    writeAtomic(paths.state, JSON.stringify(state, null, 1) + '\n');
  };

  /** Files, lines and alerts for one audit; the exit status it calls for (undefined: carry on). */
  const handle = async (result: AuditResult): Promise<number | undefined> => {
    if (result.verified !== undefined) {
      // The archive first: every state on disk names a checkpoint the archive holds.
      writeAtomic(join(paths.checkpoints, String(result.verified.treeSize)), result.verified.note);
    }
    if (result.state !== state) saveState(result.state);
    if (result.verified !== undefined) io.stdout.write(`${printable(result.verified.line)}\n`);
    for (const notice of result.notices) {
      if (!noticed.has(notice)) say(notice);
      noticed.add(notice);
    }
    for (const warning of result.warnings) {
      const file = writeEvidence(paths, warning);
      say(`warning: ${warning.message}; see ${join(paths.evidence, file.name)}`);
      if (webhook !== undefined) await postAlert(webhook, alertFor(warning, file.name, file.sha256), say);
    }
    for (const evidence of result.evidence) {
      const file = writeEvidence(paths, evidence);
      say(`the log misbehaved (${evidence.kind}): ${evidence.message}; evidence in ${join(paths.evidence, file.name)}`);
      if (webhook !== undefined) await postAlert(webhook, alertFor(evidence, file.name, file.sha256), say);
    }
    return result.evidence.length > 0 ? 3 : undefined;
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stop.aborted) return resolve();
      const timer = setTimeout(() => resolve(), ms);
      stop.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** SIGINT/SIGTERM: the state on disk becomes the last verified one, then exit 0. */
  const stopped = (): number => {
    saveState(state);
    return 0;
  };

  try {
    let failures = 0;
    for (;;) {
      if (stop.aborted) return stopped();
      const progress = progressReporter(io.stderr);
      try {
        const result = await auditLog(state, {
          source,
          url,
          sha256: nodeSha256,
          verifyEd25519,
          leafHash: nodeLeafHash,
          nodeHash: nodeNodeHash,
          gapWindowSeconds: gapWindow,
          onProgress: progress.update,
          signal: stop,
        });
        progress.done();
        failures = 0;
        const status = await handle(result);
        if (status !== undefined) return status;
        if (once) return 0;
      } catch (e) {
        progress.done();
        if (e instanceof AuditInterrupted) return stopped();
        // A first run whose checkpoint does not open with --log-key: the user's setting, not the log.
        if (e instanceof MonitorConfigError) {
          say(e.message);
          return 2;
        }
        if (e instanceof NoCheckpoint && state.checkpoint === null) {
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
    stopListening();
  }
}
