/**
 * `sightline witness`: a c2sp.org/tlog-witness witness. The composition root of the
 * witness: flags → witness key → configured logs → database → migrations → witness store →
 * witness core → HTTP app → listening server, and the graceful stop in reverse order.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { intFlag, STORE_FLAGS, storeConfig } from '../config.js';
import { decodeBase64 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { createWitnessApp } from '../http/witness-app.js';
import { checkListenable, closeServer, listen, runUntilSignal } from './http-server.js';
import { type CommandSpec, type ParsedFlags, UsageError, commandHelp, parseCommand } from './flags.js';
import { type CliIo, jsonLines, processLogger } from './io.js';
import { KEY_FORMS, keyTextOrFileSync, readKeyFile } from './key-text.js';
import { type Cosigner, type NoteVerifier, ed25519Cosigner, generateKey, isValidKeyName, parseNoteVerifier, parseSignerKey } from '../note/index.js';
import { PgWitnessStore, migrateDatabase } from '../storage/index.js';
import { openConfiguredDatabase } from './store.js';
import { type Witness, type WitnessEvidence, type WitnessedLog, createWitness } from '../witness/index.js';
import { fetchLogList } from './log-list-fetch.js';
import { ensurePrivateDir } from '../storage/index.js';

type Logger = (record: Record<string, unknown>) => void;


/**
 * Evidence files kept per log at most. Each is a contradiction the log signed itself (one
 * file per pair of checkpoints), so only the log's key can make more; the bound keeps even a
 * log that forks at every size from filling the disk, and another log's evidence is never
 * crowded out by it.
 */
export const MAX_EVIDENCE_FILES_PER_LOG = 100;

export const DEFAULT_WITNESS_NAME = 'witness.localhost';
export const DEFAULT_WITNESS_DATA_DIR = './witness-data';

export const WITNESS_COMMAND: CommandSpec = {
  name: 'witness',
  summary: 'run a c2sp.org/tlog-witness witness for the given logs',
  about: `Runs a c2sp.org/tlog-witness witness: logs POST their new checkpoints with a consistency
proof to /add-checkpoint, and the witness cosigns (c2sp.org/tlog-cosignature) each one that
is consistent with the last one it cosigned for that log. When a refusal rests on two
checkpoints the log signed that cannot both be honest (two roots for one size, or a proof
that reaches the new root from another old root), the pair is kept as evidence of the log's
misbehaviour: one file per contradiction, at most ${MAX_EVIDENCE_FILES_PER_LOG} per log.`,
  flags: [
    {
      name: 'log',
      value: 'VKEY',
      multiple: true,
      help: "a log to witness: its Ed25519 verifier key <origin>+<hex8>+<base64>, or a file holding it; the origin is the key's name",
    },
    { name: 'config', value: 'FILE', help: 'logs to witness, as JSON: {"logs":[{"origin":"…","verifierKeys":["…"]}]}' },
    {
      name: 'log-list',
      value: 'URL',
      help: "witness every log of this list too: a logs/v0 list (e.g. a service's /logs.txt) or an operator list (JSON, /logs.json); fetched again every --log-list-interval",
    },
    { name: 'log-list-interval', value: 'S', default: '300', help: 'seconds between fetches of --log-list' },
    {
      name: 'key-file',
      value: 'FILE',
      defaultHelp: 'DIR/witness.key, created on the first start',
      help: "the witness's key, PRIVATE+KEY+<name>+<hex8>+<base64>; the witness name is the key's name",
    },
    { name: 'name', value: 'NAME', defaultHelp: DEFAULT_WITNESS_NAME, help: 'the name of a key created on the first start' },
    { name: 'data-dir', value: 'DIR', default: DEFAULT_WITNESS_DATA_DIR, help: 'PGlite data directory and generated key location' },
    ...STORE_FLAGS.filter((f) => f.name !== 'data-dir'),
    { name: 'host', value: 'HOST', env: 'HOST', default: '127.0.0.1', help: 'address to listen on' },
    { name: 'port', value: 'PORT', env: 'PORT', default: '8081', help: 'port to listen on' },
    { name: 'evidence-dir', value: 'DIR', defaultHelp: 'DIR/evidence', help: "where evidence of a log's misbehaviour is written, one JSON file per contradiction" },
    { name: 'access-log', type: 'boolean', help: 'log every request as a JSON line, not only failed ones' },
  ],
  footer: `Endpoints: POST /add-checkpoint; GET /v1/logs (the witness key and each log's latest
cosigned size); GET /v1/logs/<URL-encoded origin>/checkpoint (the latest cosigned
checkpoint); GET /healthz, /readyz. The witness prints its cosignature verifier key on start.

With --log-list, a log new to the list is witnessed from the next fetch on, without a
restart. A log's key is taken the first time the list names it and kept in
DIR/log-list-keys.json: a list that later names another key for that origin is refused with
a warning, and the first key stays (so does a key given with --log or --config). A log
removed from the list stays witnessed until the witness restarts.`,
};

/** The help text, as sightline witness --help prints it. */
export const WITNESS_HELP = commandHelp(WITNESS_COMMAND);

export const WITNESS_KEY_FILE = 'witness.key';

export interface WitnessConfig {
  readonly keyFile: string | undefined;
  readonly name: string | undefined;
  readonly logs: readonly WitnessedLog[];
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** With `databaseUrl`: the longest wait for PostgreSQL to answer, in seconds; undefined: the URL's connect_timeout or the default. */
  readonly connectTimeoutSeconds?: number | undefined;
  readonly host: string;
  readonly port: number;
  readonly evidenceDir: string;
  readonly accessLog: boolean;
  /** Logs to witness besides `logs`, from a list fetched every `intervalSeconds`. */
  readonly logList?: { readonly url: string; readonly intervalSeconds: number };
}

/** Flags and environment → a validated configuration; `help` for --help. */
export function parseWitnessArgs(args: string[], env: NodeJS.ProcessEnv): WitnessConfig | 'help' {
  const flags = parseCommand(WITNESS_COMMAND, args, env);
  return flags === 'help' ? 'help' : witnessConfig(flags);
}

/**
 * What a cosigning server (a witness, a mirror) takes the same way: its store, its port, and its
 * key — a key file, or a name for a key made on the first start, never both.
 */
export function cosignerServerFlags(flags: ParsedFlags) {
  const store = storeConfig(flags);
  const port = intFlag(flags.string('port'), 'port', 0, 0, 65535);
  const name = flags.string('name');
  const keyFile = flags.string('key-file');
  if (name !== undefined && !isValidKeyName(name)) throw new UsageError(`--name ${JSON.stringify(name)} is not a valid key name (no spaces, no "+")`, { field: 'name' });
  if (name !== undefined && keyFile !== undefined) throw new UsageError("--name names a generated key; with --key-file the name is the key's name", { field: 'name' });
  return { ...store, port, name, keyFile };
}

/** The witness's configuration from its flags as parsed (WITNESS_COMMAND), checked before anything is written. */
export function witnessConfig(flags: ParsedFlags): WitnessConfig {
  const { databaseUrl, connectTimeoutSeconds, dataDir, port, name, keyFile } = cosignerServerFlags(flags);

  const logs = new Map<string, { verifiers: NoteVerifier[]; verifierKeys: string[] }>();
  const addLog = (origin: string, verifierKey: string, where: string): void => {
    let verifier;
    try {
      verifier = parseNoteVerifier(verifierKey.trim());
    } catch (e) {
      throw new UsageError(`${where}: not an Ed25519 verifier key (<origin>+<hex8>+<base64>): ${(e as Error).message}`);
    }
    const log = logs.get(origin) ?? { verifiers: [], verifierKeys: [] };
    if (!log.verifierKeys.includes(verifierKey.trim())) {
      log.verifiers.push(verifier);
      log.verifierKeys.push(verifierKey.trim());
    }
    logs.set(origin, log);
  };
  for (const given of flags.strings('log')) {
    const vkey = keyTextOrFileSync(given, 'log', KEY_FORMS.verifier);
    addLog(vkey.split('+')[0]!, vkey, `--log ${JSON.stringify(given)}`);
  }
  const configFile = flags.string('config');
  if (configFile !== undefined) {
    for (const { origin, verifierKeys } of readLogsConfig(configFile)) {
      for (const vkey of verifierKeys) addLog(origin, vkey, `--config ${configFile}: log ${JSON.stringify(origin)}`);
    }
  }
  const logList = flags.string('log-list');
  if (logList !== undefined && !/^https?:\/\/[^\s]+$/i.test(logList)) throw new UsageError('--log-list must be an http:// or https:// URL', { field: 'log-list' });
  const listInterval = flags.string('log-list-interval')!;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(listInterval) || Number(listInterval) < 1) throw new UsageError('--log-list-interval must be a number of seconds, at least 1', { field: 'log-list-interval' });
  if (logs.size === 0 && logList === undefined) {
    throw new UsageError('witness needs --log VKEY (repeatable), --config FILE or --log-list URL: no logs to witness; see sightline witness --help', { field: 'log' });
  }

  return {
    keyFile: keyFile === undefined ? undefined : resolve(keyFile),
    name,
    logs: [...logs].map(([origin, log]) => ({ origin, ...log })),
    dataDir,
    databaseUrl,
    connectTimeoutSeconds,
    host: flags.string('host')!,
    port,
    evidenceDir: resolve(flags.string('evidence-dir') ?? join(dataDir, 'evidence')),
    accessLog: flags.boolean('access-log'),
    ...(logList === undefined ? {} : { logList: { url: logList, intervalSeconds: Number(listInterval) } }),
  };
}

/** Reads `{"logs":[{"origin":"…","verifierKeys":["…"]}]}`, refusing anything else. */
function readLogsConfig(file: string): { origin: string; verifierKeys: string[] }[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--config ${file}: couldn't read it as JSON: ${(e as Error).message}`);
  }
  const bad = (message: string) => new UsageError(`--config ${file}: ${message}; expected {"logs":[{"origin":"…","verifierKeys":["…"]}]}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('not a JSON object');
  const extra = Object.keys(json).filter((k) => k !== 'logs');
  if (extra.length > 0) throw bad(`unknown field ${JSON.stringify(extra[0])}`);
  const logs = (json as { logs?: unknown }).logs;
  if (!Array.isArray(logs)) throw bad('"logs" must be a list');
  return logs.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad(`logs[${i}] is not an object`);
    const { origin, verifierKeys, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw bad(`logs[${i}] has an unknown field ${JSON.stringify(Object.keys(rest)[0])}`);
    if (typeof origin !== 'string' || origin.length === 0 || /[\u0000-\u001f]/.test(origin)) throw bad(`logs[${i}].origin must be a non-empty line of text`);
    if (!Array.isArray(verifierKeys) || verifierKeys.length === 0 || !verifierKeys.every((k) => typeof k === 'string')) {
      throw bad(`logs[${i}].verifierKeys must be a non-empty list of verifier keys`);
    }
    return { origin, verifierKeys: verifierKeys as string[] };
  });
}

/**
 * A witness's (or, with `defaults`, a mirror's) cosigner, from --key-file or from
 * DIR/witness.key (DIR/mirror.key), created on the first start. The key file is the note signer key form (as Go's note.GenerateKey writes); the
 * same Ed25519 key cosigns as cosignature/v1, with its own key ID (c2sp.org/tlog-cosignature).
 */
export function loadCosignerKey(
  config: Pick<WitnessConfig, 'keyFile' | 'name' | 'dataDir'>,
  defaults: { readonly file: string; readonly name: string; readonly role: string } = { file: WITNESS_KEY_FILE, name: DEFAULT_WITNESS_NAME, role: 'witness' },
): { cosigner: Cosigner; generated: string | undefined } {
  const read = (file: string): Cosigner => {
    const text = readKeyFile(file, 'key-file');
    try {
      const signer = parseSignerKey(text); // checks the form, the type and the key ID
      // PRIVATE+KEY+<name>+<hex8>+<base64>: neither the name nor the key ID holds a "+",
      // the base64 may, so the key material starts after the fourth one.
      let at = 0;
      for (let i = 0; i < 4; i++) at = text.indexOf('+', at) + 1;
      const seed = decodeBase64(text.slice(at))!.slice(1);
      return ed25519Cosigner(signer.name, seed);
    } catch (e) {
      throw new LogError('UNAVAILABLE', `the key file ${file} does not hold a signer key (PRIVATE+KEY+<name>+<hex8>+<base64>): ${(e as Error).message}`, {
        field: 'key-file',
        cause: e,
      });
    }
  };
  if (config.keyFile !== undefined) return { cosigner: read(config.keyFile), generated: undefined };
  const file = join(config.dataDir, defaults.file);
  if (existsSync(file)) {
    const cosigner = read(file);
    if (config.name !== undefined && config.name !== cosigner.name) {
      throw new LogError('UNAVAILABLE', `this data directory's ${defaults.role} key is named ${cosigner.name}, not --name ${config.name}`, { field: 'name' });
    }
    return { cosigner, generated: undefined };
  }
  const key = generateKey(config.name ?? defaults.name);
  ensurePrivateDir(config.dataDir);
  writeFileSync(file, key.signerKey + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { cosigner: read(file), generated: file };
}

/** The signed text of a note (its body, before the blank line and the signatures). */
function noteBody(note: string | undefined): string | null {
  if (note === undefined) return null;
  const end = note.indexOf('\n\n');
  return end === -1 ? note : note.slice(0, end + 1);
}

/**
 * Writes each piece of evidence as its own JSON file, atomically (a temporary file renamed
 * into place). The name holds the log (its origin, made safe, and a digest of it) and a
 * digest of the pair of signed checkpoint bodies, so one contradiction is kept once however
 * often it is shown (signature lines and proofs may vary; the bodies are what was signed),
 * and each log is bounded by `MAX_EVIDENCE_FILES_PER_LOG`.
 */
export function evidenceWriter(dir: string, log: Logger): (evidence: WitnessEvidence) => void {
  const digest = (value: unknown, length: number) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, length);
  return (evidence) => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const logPrefix = `${evidence.origin.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100)}-${digest(evidence.origin, 8)}-`;
    const name = `${logPrefix}${digest([evidence.failure, noteBody(evidence.checkpoint), noteBody(evidence.witnessedCheckpoint)], 32)}.json`;
    const path = join(dir, name);
    if (existsSync(path)) return;
    if (readdirSync(dir).filter((f) => f.startsWith(logPrefix) && f.endsWith('.json')).length >= MAX_EVIDENCE_FILES_PER_LOG) {
      log({ level: 'warn', msg: 'evidence limit of this log reached: not keeping this evidence', dir, origin: evidence.origin, max: MAX_EVIDENCE_FILES_PER_LOG });
      return;
    }
    const temporary = join(dir, `.${name}.${process.pid}.${Date.now()}.tmp`);
    try {
      writeFileSync(temporary, JSON.stringify(evidence, null, 2) + '\n', { mode: 0o644, flag: 'wx' });
      renameSync(temporary, path);
    } catch (e) {
      rmSync(temporary, { force: true });
      throw e;
    }
    log({ level: 'warn', msg: 'kept evidence of an inconsistent checkpoint', file: path, origin: evidence.origin, failure: evidence.failure });
  };
}

/** Where the keys taken from --log-list are kept (trust on first use, across restarts). */
export const LOG_LIST_KEYS_FILE = 'log-list-keys.json';

/** The pinned keys, origin → verifier key, from DIR/log-list-keys.json (none when it is absent). */
function readListKeys(file: string): Map<string, string> {
  if (!existsSync(file)) return new Map();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LogError('UNAVAILABLE', `couldn't read ${file}: ${(e as Error).message}`, { field: 'log-list' });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !Object.values(json).every((v) => typeof v === 'string')) {
    throw new LogError('UNAVAILABLE', `${file} is not a JSON object of origins and verifier keys`, { field: 'log-list' });
  }
  return new Map(Object.entries(json as Record<string, string>));
}

function writeListKeys(file: string, keys: ReadonlyMap<string, string>): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(Object.fromEntries(keys), null, 1) + '\n', { mode: 0o600 });
  renameSync(temporary, file);
}

/**
 * Witnesses the logs of a fetched list that it does not witness yet. A listed key is taken
 * only for an origin never seen (and pinned in `pinned`); another key for an origin
 * witnessed or pinned already is refused with one warning per key (`reported`), the old key
 * staying. Returns the origins added.
 */
export function witnessListedLogs(
  witness: Pick<Witness, 'logs' | 'addLog'>,
  listed: readonly { readonly origin: string; readonly vkey: string }[],
  pinned: Map<string, string>,
  reported: Set<string>,
  log: Logger,
): string[] {
  const witnessed = new Map(witness.logs.map((l) => [l.origin, l]));
  const added: string[] = [];
  const refuse = (origin: string, listedKey: string, keptKeys: readonly string[]) => {
    const id = `${origin}\n${listedKey}`;
    if (reported.has(id)) return;
    reported.add(id);
    log({ level: 'warn', msg: 'the log list names another key for a log witnessed already: refused, the old key stays', origin, listedKey, keptKeys });
  };
  for (const entry of listed) {
    const current = witnessed.get(entry.origin);
    if (current !== undefined) {
      if (!(current.verifierKeys ?? []).includes(entry.vkey)) refuse(entry.origin, entry.vkey, current.verifierKeys ?? []);
      continue;
    }
    const pin = pinned.get(entry.origin);
    if (pin !== undefined && pin !== entry.vkey) refuse(entry.origin, entry.vkey, [pin]);
    const vkey = pin ?? entry.vkey;
    let verifier: NoteVerifier;
    try {
      verifier = parseNoteVerifier(vkey);
    } catch (e) {
      log({ level: 'warn', msg: 'a log of the list has a key this witness cannot use: not witnessed', origin: entry.origin, error: (e as Error).message });
      continue;
    }
    witness.addLog({ origin: entry.origin, verifiers: [verifier], verifierKeys: [vkey] });
    pinned.set(entry.origin, vkey);
    witnessed.set(entry.origin, { origin: entry.origin, verifiers: [verifier], verifierKeys: [vkey] });
    added.push(entry.origin);
  }
  return added;
}

/**
 * Follows --log-list: fetches it now and every interval, witnessing new logs as they appear.
 * A list that cannot be fetched is said and tried again at the next interval. Returns the stop.
 */
async function followLogList(witness: Witness, config: WitnessConfig, log: Logger): Promise<() => void> {
  const list = config.logList!;
  const keysFile = join(config.dataDir, LOG_LIST_KEYS_FILE);
  ensurePrivateDir(config.dataDir);
  const pinned = readListKeys(keysFile);
  const reported = new Set<string>();
  let running: Promise<void> | undefined;
  const refresh = async (): Promise<void> => {
    try {
      const fetched = await fetchLogList(list.url);
      for (const problem of fetched.problems) log({ level: 'warn', msg: 'a log of the list left out', list: list.url, problem });
      const added = witnessListedLogs(witness, fetched.logs, pinned, reported, log);
      if (added.length > 0) {
        writeListKeys(keysFile, pinned);
        log({ level: 'info', msg: 'witnessing logs from the log list', list: list.url, origins: added });
      }
    } catch (e) {
      log({ level: 'warn', msg: "couldn't read the log list; trying again at the next interval", list: list.url, error: (e as Error).message });
    }
  };
  await refresh();
  const timer = setInterval(() => {
    running ??= refresh().finally(() => {
      running = undefined;
    });
  }, list.intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

export interface RunningWitness {
  readonly url: string;
  readonly name: string;
  readonly verifierKey: string;
  close(): Promise<void>;
}

export async function startWitness(config: WitnessConfig, log: Logger = processLogger): Promise<RunningWitness> {
  // A port in use is said before a key is generated into the data directory.
  await checkListenable(config.port, config.host);
  const { cosigner, generated } = loadCosignerKey(config);
  if (generated !== undefined) log({ level: 'info', msg: 'generated a new witness key', keyFile: generated, verifierKey: cosigner.verifierKey });
  const handle = await openConfiguredDatabase(config);
  let server: Server | undefined;
  let stopList = (): void => {};
  try {
    await migrateDatabase(handle);
    const store = new PgWitnessStore(handle);
    const witness = createWitness({ cosigner, logs: config.logs, store, now: () => Math.floor(Date.now() / 1000) });
    if (config.logList !== undefined) stopList = await followLogList(witness, config, log);
    let stopping = false;
    const app = createWitnessApp({
      witness,
      onEvidence: evidenceWriter(config.evidenceDir, log),
      ready: async () => {
        if (stopping) throw new Error('stopping');
        await store.ping();
      },
      log,
      accessLog: config.accessLog,
    });
    let url: string;
    ({ server, url } = await listen(app.fetch, config.port, config.host));
    const logs = await Promise.all(
      witness.logs.map(async (l) => ({ origin: l.origin, verifierKeys: l.verifierKeys, treeSize: (await witness.latestCheckpoint(l.origin))?.treeSize ?? null })),
    );
    log({ level: 'info', msg: 'listening', url, name: cosigner.name, verifierKey: cosigner.verifierKey, logs, store: handle.kind, evidenceDir: config.evidenceDir });

    let closing: Promise<void> | undefined;
    return {
      url,
      name: cosigner.name,
      verifierKey: cosigner.verifierKey,
      close() {
        closing ??= (async () => {
          // Stop accepting, let requests in flight be answered, then drop idle connections.
          stopping = true;
          stopList();
          await closeServer(server!);
          await store.close();
          log({ level: 'info', msg: 'stopped' });
        })();
        return closing;
      },
    };
  } catch (e) {
    stopList();
    server?.close();
    await handle.close();
    throw e;
  }
}

export async function witnessCommand(flags: ParsedFlags, io: CliIo): Promise<number> {
  const config = witnessConfig(flags);
  await runUntilSignal(() => startWitness(config, jsonLines(io.stdout)), io);
  return 0;
}
