/**
 * `sightline mirror`: a c2sp.org/tlog-mirror mirror. The composition root of the mirror:
 * flags → mirror key → mirrored logs → database → migrations → mirror store → mirror core →
 * HTTP app → listening server, the followers of --follow, and the graceful stop in reverse.
 *
 * A log pushes to the mirror (add-checkpoint, add-entries). With --follow the mirror pulls a
 * log itself through its public tlog-tiles API, as any monitor can, with no part from the
 * log's operator: the same requests, handed to the mirror core in this process, so a pulled
 * package is verified exactly as a pushed one.
 */
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { STORE_FLAGS, intFlag } from '../config.js';
import { LogError, isLogError } from '../errors.js';
import { createMirrorApp } from '../http/mirror-app.js';
import { type Mirror, createMirror, feedMirror, localMirrorTarget } from '../mirror/index.js';
import { type NoteVerifier, openCheckpoint, parseNoteVerifier } from '../note/index.js';
import { PgMirrorStore, migrateDatabase } from '../storage/index.js';
import { openConfiguredDatabase } from './store.js';
import type { WitnessedLog } from '../witness/index.js';
import { type CommandSpec, type ParsedFlags, UsageError, commandHelp } from './flags.js';
import { checkListenable, closeServer, listen, runUntilSignal } from './http-server.js';
import { type CliIo, jsonLines, processLogger } from './io.js';
import { KEY_FORMS, keyTextOrFileSync } from './key-text.js';
import { httpLogSource } from './monitor.js';
import { type RunningWitness, cosignerServerFlags, evidenceWriter, loadCosignerKey } from './witness.js';
import { nodeLeafHash, nodeNodeHash } from './node-crypto.js';

type Logger = (record: Record<string, unknown>) => void;

export const DEFAULT_MIRROR_NAME = 'mirror.localhost';
export const MIRROR_KEY_FILE = 'mirror.key';

export const MIRROR_COMMAND: CommandSpec = {
  name: 'mirror',
  summary: 'run a c2sp.org/tlog-mirror mirror: keep, verify and serve a full copy of logs',
  about: `Runs a c2sp.org/tlog-mirror mirror. A log sends its checkpoints to /add-checkpoint (as to a
witness) and its entries to /add-entries, in packages of 256 each proven against the
checkpoint; the mirror stores only what verifies, and cosigns a checkpoint once it holds every
entry of it. It serves each log as c2sp.org/tlog-tiles under /<hex SHA-256 of the origin>/,
the checkpoint carrying its cosignature, so monitors and claimants can read from it.

With --follow URL --log-key VKEY the mirror copies a log through its public tlog-tiles API,
without the log's part: a watchdog's own copy.`,
  flags: [
    { name: 'log', value: 'VKEY', multiple: true, help: "a log that may push to this mirror: its Ed25519 verifier key, or a file holding it; the origin is the key's name" },
    { name: 'follow', value: 'URL', multiple: true, help: 'copy the log served at URL (its tlog-tiles prefix) through its public API; pair each with a --log-key' },
    { name: 'log-key', value: 'VKEY', multiple: true, help: 'the verifier key of the log at the --follow of the same position' },
    { name: 'follow-interval', value: 'S', default: '10', help: 'seconds between reads of each followed log' },
    { name: 'key-file', value: 'FILE', defaultHelp: 'DIR/mirror.key, created on the first start', help: "the mirror's key, PRIVATE+KEY+<name>+<hex8>+<base64>" },
    { name: 'name', value: 'NAME', defaultHelp: DEFAULT_MIRROR_NAME, help: 'the name of a key created on the first start (distinct from any witness name)' },
    { name: 'data-dir', value: 'DIR', default: './mirror-data', help: 'PGlite data directory and generated key location' },
    ...STORE_FLAGS.filter((f) => f.name !== 'data-dir'),
    { name: 'host', value: 'HOST', env: 'HOST', default: '127.0.0.1', help: 'address to listen on' },
    { name: 'port', value: 'PORT', env: 'PORT', default: '8082', help: 'port to listen on' },
    { name: 'cache-mb', value: 'MiB', default: '128', help: 'memory per mirrored log for the full tiles and entry bundles it serves' },
    { name: 'contact', value: 'TEXT', default: 'the operator of this mirror', help: 'how to reach the operator, for the logs/v0 list' },
    { name: 'evidence-dir', value: 'DIR', defaultHelp: 'DIR/evidence', help: "where evidence of a log's misbehaviour is written, one JSON file per contradiction" },
    { name: 'access-log', type: 'boolean', help: 'log every request as a JSON line, not only failed ones' },
  ],
  footer: `Endpoints: POST /add-checkpoint, POST /add-entries (gzip accepted); GET /<origin hash>/checkpoint
and /<origin hash>/tile/… (each log as tlog-tiles); GET /logs.txt (the logs it accepts, logs/v0);
GET /v1/logs (how far it holds each); GET /healthz, /readyz. It prints its cosignature
verifier key on start: give it to those who require mirror cosignatures.`,
};

export const MIRROR_HELP = commandHelp(MIRROR_COMMAND);

export interface MirrorConfig {
  readonly keyFile: string | undefined;
  readonly name: string | undefined;
  readonly logs: readonly WitnessedLog[];
  readonly follow: readonly { readonly url: string; readonly origin: string; readonly verifier: NoteVerifier }[];
  readonly followIntervalSeconds: number;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly connectTimeoutSeconds?: number | undefined;
  readonly host: string;
  readonly port: number;
  readonly contact: string;
  readonly cacheMiB: number;
  readonly evidenceDir: string;
  readonly accessLog: boolean;
}

function verifierFlag(given: string, flag: string): { vkey: string; verifier: NoteVerifier } {
  const vkey = keyTextOrFileSync(given, flag, KEY_FORMS.verifier).trim();
  try {
    return { vkey, verifier: parseNoteVerifier(vkey) };
  } catch (e) {
    throw new UsageError(`--${flag} ${JSON.stringify(given)}: not an Ed25519 verifier key (<origin>+<hex8>+<base64>): ${(e as Error).message}`, { field: flag });
  }
}

/** The mirror's configuration from its flags, checked before anything is written. */
export function mirrorConfig(flags: ParsedFlags): MirrorConfig {
  const { databaseUrl, connectTimeoutSeconds, dataDir, port, name, keyFile } = cosignerServerFlags(flags);

  const logs = new Map<string, { verifiers: NoteVerifier[]; verifierKeys: string[] }>();
  const addLog = (vkey: string, verifier: NoteVerifier): void => {
    const log = logs.get(verifier.name) ?? { verifiers: [], verifierKeys: [] };
    if (!log.verifierKeys.includes(vkey)) {
      log.verifiers.push(verifier);
      log.verifierKeys.push(vkey);
    }
    logs.set(verifier.name, log);
  };
  for (const given of flags.strings('log')) {
    const { vkey, verifier } = verifierFlag(given, 'log');
    addLog(vkey, verifier);
  }
  const urls = flags.strings('follow');
  const keys = flags.strings('log-key');
  if (urls.length !== keys.length) throw new UsageError(`each --follow needs its --log-key: ${urls.length} --follow and ${keys.length} --log-key given`, { field: 'log-key' });
  const follow = urls.map((url, i) => {
    if (!/^https?:\/\/[^\s]+$/i.test(url)) throw new UsageError(`--follow ${JSON.stringify(url)} must be an http:// or https:// URL`, { field: 'follow' });
    const { vkey, verifier } = verifierFlag(keys[i]!, 'log-key');
    addLog(vkey, verifier);
    return { url, origin: verifier.name, verifier };
  });
  if (logs.size === 0) throw new UsageError('mirror needs --log VKEY or --follow URL --log-key VKEY: no logs to mirror; see sightline mirror --help', { field: 'log' });
  const interval = flags.string('follow-interval')!;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(interval) || Number(interval) < 0.1) throw new UsageError('--follow-interval must be a number of seconds, at least 0.1', { field: 'follow-interval' });
  return {
    keyFile: keyFile === undefined ? undefined : resolve(keyFile),
    name,
    logs: [...logs].map(([origin, log]) => ({ origin, ...log })),
    follow,
    followIntervalSeconds: Number(interval),
    dataDir,
    databaseUrl,
    connectTimeoutSeconds,
    host: flags.string('host')!,
    port,
    contact: flags.string('contact')!,
    cacheMiB: intFlag(flags.string('cache-mb'), 'cache-mb', 128, 0, 1_048_576),
    evidenceDir: resolve(flags.string('evidence-dir') ?? join(dataDir, 'evidence')),
    accessLog: flags.boolean('access-log'),
  };
}

/**
 * Follows one log: reads its checkpoint every interval and feeds the mirror whatever is new.
 * A checkpoint that does not verify with the log's key, or a log that cannot be read, is said
 * and tried again at the next interval; a fork is refused by the mirror core, with evidence.
 */
function followLog(mirror: Mirror, follow: MirrorConfig['follow'][number], intervalSeconds: number, keep: ReturnType<typeof evidenceWriter>, log: Logger): () => Promise<void> {
  const source = httpLogSource(follow.url);
  const signal = { aborted: false };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const once = async (): Promise<void> => {
    try {
      const note = await source.checkpoint();
      const { checkpoint } = openCheckpoint(note, follow.verifier, { origin: follow.origin });
      const progress = await mirror.progress(follow.origin);
      if (progress.mirror !== undefined && checkpoint.treeSize <= progress.mirror.treeSize) return;
      const result = await feedMirror({
        target: localMirrorTarget(mirror, keep),
        source: (path) => source.tile(path),
        checkpoint: { note, origin: follow.origin, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash },
        pendingSize: progress.pending?.treeSize ?? 0,
        signal,
      });
      if (result.outcome === 'mirrored') log({ level: 'info', msg: 'mirrored', origin: follow.origin, url: follow.url, treeSize: checkpoint.treeSize, entries: result.entriesSent });
    } catch (e) {
      if (signal.aborted) return;
      const message = isLogError(e) || e instanceof Error ? e.message : String(e);
      log({ level: 'warn', msg: "couldn't copy the followed log; trying again at the next interval", origin: follow.origin, url: follow.url, error: message });
    }
  };
  const tick = (): void => {
    running = once().finally(() => {
      if (!signal.aborted) timer = setTimeout(tick, intervalSeconds * 1000);
    });
  };
  tick();
  return async () => {
    signal.aborted = true;
    clearTimeout(timer);
    await running;
  };
}

/** A running mirror: where it listens, its cosigner, and its stop (as a running witness). */
export type RunningMirror = RunningWitness;

export async function startMirror(config: MirrorConfig, log: Logger = processLogger): Promise<RunningMirror> {
  await checkListenable(config.port, config.host);
  const { cosigner, generated } = loadCosignerKey(config, { file: MIRROR_KEY_FILE, name: DEFAULT_MIRROR_NAME, role: 'mirror' });
  if (generated !== undefined) log({ level: 'info', msg: 'generated a new mirror key', keyFile: generated, verifierKey: cosigner.verifierKey });
  const handle = await openConfiguredDatabase(config);
  let server: Server | undefined;
  const stops: (() => Promise<void>)[] = [];
  try {
    await migrateDatabase(handle);
    const store = new PgMirrorStore(handle);
    const mirror = createMirror({ cosigner, logs: config.logs, store, now: () => Math.floor(Date.now() / 1000), leafHash: nodeLeafHash, nodeHash: nodeNodeHash, cacheBytes: config.cacheMiB * 1024 * 1024 });
    const keep = evidenceWriter(config.evidenceDir, log);
    let stopping = false;
    const app = createMirrorApp({
      mirror,
      onEvidence: keep,
      onMirrored: (origin, treeSize) => log({ level: 'info', msg: 'mirrored', origin, treeSize }),
      ready: async () => {
        if (stopping) throw new Error('stopping');
        await store.ping();
      },
      log,
      accessLog: config.accessLog,
      contact: config.contact,
    });
    let url: string;
    ({ server, url } = await listen(app.fetch, config.port, config.host));
    const logs = await Promise.all(
      mirror.logs.map(async (l) => ({ origin: l.origin, originHash: l.originHash, treeSize: (await mirror.progress(l.origin)).mirror?.treeSize ?? null })),
    );
    log({ level: 'info', msg: 'listening', url, name: cosigner.name, verifierKey: cosigner.verifierKey, logs, store: handle.kind, evidenceDir: config.evidenceDir });
    for (const follow of config.follow) stops.push(followLog(mirror, follow, config.followIntervalSeconds, keep, log));

    let closing: Promise<void> | undefined;
    return {
      url,
      name: cosigner.name,
      verifierKey: cosigner.verifierKey,
      close() {
        closing ??= (async () => {
          stopping = true;
          await Promise.all(stops.map((stop) => stop()));
          await closeServer(server!);
          await store.close();
          log({ level: 'info', msg: 'stopped' });
        })();
        return closing;
      },
    };
  } catch (e) {
    await Promise.all(stops.map((stop) => stop()));
    server?.close();
    await handle.close();
    if (isLogError(e)) throw e;
    throw new LogError('UNAVAILABLE', `couldn't start the mirror: ${(e as Error).message}`, { cause: e });
  }
}

export async function mirrorCommand(flags: ParsedFlags, io: CliIo): Promise<number> {
  const config = mirrorConfig(flags);
  await runUntilSignal(() => startMirror(config, jsonLines(io.stdout)), io);
  return 0;
}
