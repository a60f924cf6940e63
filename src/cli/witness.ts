/**
 * `sightline witness`: a c2sp.org/tlog-witness witness. The composition root of the
 * witness: flags → witness key → configured logs → database → migrations → witness store →
 * witness core → HTTP app → listening server, and the graceful stop in reverse order.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeBase64, parseDecimal } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { createWitnessApp } from '../http/witness-app.js';
import { checkListenable, closeServer, listen, runUntilSignal } from './http-server.js';
import { type CliIo, jsonLines, processLogger } from './io.js';
import { type Cosigner, type NoteVerifier, ed25519Cosigner, generateKey, isValidKeyName, parseNoteVerifier, parseSignerKey } from '../note/index.js';
import { PgWitnessStore, migrateDatabase, openDatabase } from '../storage/index.js';
import { type WitnessEvidence, type WitnessedLog, createWitness } from '../witness/index.js';
import { ensurePrivateDir } from '../storage/index.js';

type Logger = (record: Record<string, unknown>) => void;


/**
 * Evidence files kept per log at most. Each is a contradiction the log signed itself (one
 * file per pair of checkpoints), so only the log's key can make more; the bound keeps even a
 * log that forks at every size from filling the disk, and another log's evidence is never
 * crowded out by it.
 */
export const MAX_EVIDENCE_FILES_PER_LOG = 100;

export const WITNESS_HELP = `Usage: sightline witness --log VKEY [--log VKEY …] [flags]

Runs a c2sp.org/tlog-witness witness: logs POST their new checkpoints with a consistency
proof to /add-checkpoint, and the witness cosigns (c2sp.org/tlog-cosignature) each one that
is consistent with the last one it cosigned for that log. When a refusal rests on two
checkpoints the log signed that cannot both be honest (two roots for one size, or a proof
that reaches the new root from another old root), the pair is kept as evidence of the log's
misbehaviour: one file per contradiction, at most ${MAX_EVIDENCE_FILES_PER_LOG} per log.

Flags (environment variables in brackets):
  --log VKEY            a log to witness: its Ed25519 verifier key <origin>+<hex8>+<base64>; the
                        origin is the key's name; repeatable
  --config FILE         logs to witness, as JSON: {"logs":[{"origin":"…","verifierKeys":["…"]}]}
  --key-file FILE       the witness's key, PRIVATE+KEY+<name>+<hex8>+<base64>; the witness name is
                        the key's name (default: DIR/witness.key, created on the first start)
  --name NAME           the name of a key created on the first start (default witness.localhost)
  --data-dir DIR        PGlite data directory and generated key location (default ./witness-data)
  --database-url URL    use this PostgreSQL instead of PGlite [DATABASE_URL]
  --connect-timeout S   the longest wait for PostgreSQL to answer, in seconds [SIGHTLINE_CONNECT_TIMEOUT]
                        (default: the URL's connect_timeout, else 5)
  --host HOST           address to listen on [HOST] (default 127.0.0.1)
  --port PORT           port to listen on [PORT] (default 8081)
  --evidence-dir DIR    where evidence of a log's misbehaviour is written, one JSON file per
                        contradiction (default DIR/evidence)
  --access-log          log every request as a JSON line, not only failed ones
  -h, --help            show this help

Endpoints: POST /add-checkpoint; GET /v1/logs (the witness key and each log's latest
cosigned size); GET /v1/logs/<URL-encoded origin>/checkpoint (the latest cosigned
checkpoint); GET /healthz, /readyz. The witness prints its cosignature verifier key on start.
`;

export const DEFAULT_WITNESS_NAME = 'witness.localhost';
export const DEFAULT_WITNESS_DATA_DIR = './witness-data';
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
}

/** A bad flag: one line on stderr and exit 2. */
class Usage extends Error {}

/** Flags and environment → a validated configuration; `help` for --help. */
export function parseWitnessArgs(args: string[], env: NodeJS.ProcessEnv): WitnessConfig | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        'key-file': { type: 'string' },
        name: { type: 'string' },
        log: { type: 'string', multiple: true },
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        'connect-timeout': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'evidence-dir': { type: 'string' },
        'access-log': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new Usage(`${(e as Error).message}; see sightline witness --help`);
  }
  if (values.help) return 'help';

  const databaseUrl = values['database-url'] ?? (env.DATABASE_URL || undefined);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new Usage('--database-url must be a postgres:// or postgresql:// URL');
  const timeoutText = values['connect-timeout'] ?? (env.SIGHTLINE_CONNECT_TIMEOUT || undefined);
  const connectTimeoutSeconds = timeoutText === undefined ? undefined : parseDecimal(timeoutText);
  if (timeoutText !== undefined && (connectTimeoutSeconds === undefined || connectTimeoutSeconds < 1 || connectTimeoutSeconds > 3600)) {
    throw new Usage(`--connect-timeout must be a whole number of seconds from 1 to 3600, got ${JSON.stringify(timeoutText)}`);
  }
  const portText = values.port ?? (env.PORT || undefined);
  const port = portText === undefined ? 8081 : parseDecimal(portText);
  if (port === undefined || port > 65535) throw new Usage(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(portText)}`);
  if (values.name !== undefined && !isValidKeyName(values.name)) throw new Usage(`--name ${JSON.stringify(values.name)} is not a valid key name (no spaces, no "+")`);
  if (values.name !== undefined && values['key-file'] !== undefined) throw new Usage('--name names a generated key; with --key-file the name is the key\'s name');

  const logs = new Map<string, { verifiers: NoteVerifier[]; verifierKeys: string[] }>();
  const addLog = (origin: string, verifierKey: string, where: string): void => {
    let verifier;
    try {
      verifier = parseNoteVerifier(verifierKey.trim());
    } catch (e) {
      throw new Usage(`${where}: not an Ed25519 verifier key (<origin>+<hex8>+<base64>): ${(e as Error).message}`);
    }
    const log = logs.get(origin) ?? { verifiers: [], verifierKeys: [] };
    if (!log.verifierKeys.includes(verifierKey.trim())) {
      log.verifiers.push(verifier);
      log.verifierKeys.push(verifierKey.trim());
    }
    logs.set(origin, log);
  };
  for (const vkey of values.log ?? []) addLog(vkey.trim().split('+')[0]!, vkey, `--log ${JSON.stringify(vkey)}`);
  if (values.config !== undefined) {
    for (const { origin, verifierKeys } of readLogsConfig(values.config)) {
      for (const vkey of verifierKeys) addLog(origin, vkey, `--config ${values.config}: log ${JSON.stringify(origin)}`);
    }
  }
  if (logs.size === 0) throw new Usage('no logs to witness: give --log VKEY (repeatable) or --config FILE; see sightline witness --help');

  const dataDir = resolve(values['data-dir'] ?? DEFAULT_WITNESS_DATA_DIR);
  return {
    keyFile: values['key-file'] === undefined ? undefined : resolve(values['key-file']),
    name: values.name,
    logs: [...logs].map(([origin, log]) => ({ origin, ...log })),
    dataDir,
    databaseUrl,
    connectTimeoutSeconds,
    host: values.host ?? (env.HOST || '127.0.0.1'),
    port,
    evidenceDir: resolve(values['evidence-dir'] ?? join(dataDir, 'evidence')),
    accessLog: values['access-log'] ?? false,
  };
}

/** Reads `{"logs":[{"origin":"…","verifierKeys":["…"]}]}`, refusing anything else. */
function readLogsConfig(file: string): { origin: string; verifierKeys: string[] }[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Usage(`--config ${file}: couldn't read it as JSON: ${(e as Error).message}`);
  }
  const bad = (message: string) => new Usage(`--config ${file}: ${message}; expected {"logs":[{"origin":"…","verifierKeys":["…"]}]}`);
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
 * The witness's cosigner, from --key-file or from DIR/witness.key, created on the first
 * start. The key file is the note signer key form (as Go's note.GenerateKey writes); the
 * same Ed25519 key cosigns as cosignature/v1, with its own key ID (c2sp.org/tlog-cosignature).
 */
export function loadWitnessKey(config: Pick<WitnessConfig, 'keyFile' | 'name' | 'dataDir'>): { cosigner: Cosigner; generated: string | undefined } {
  const read = (file: string): Cosigner => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new LogError('UNAVAILABLE', `couldn't read the key file ${file}: ${(e as Error).message}`, { field: 'key-file', cause: e });
    }
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
  const file = join(config.dataDir, WITNESS_KEY_FILE);
  if (existsSync(file)) {
    const cosigner = read(file);
    if (config.name !== undefined && config.name !== cosigner.name) {
      throw new LogError('UNAVAILABLE', `this data directory's witness key is named ${cosigner.name}, not --name ${config.name}`, { field: 'name' });
    }
    return { cosigner, generated: undefined };
  }
  const key = generateKey(config.name ?? DEFAULT_WITNESS_NAME);
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

export interface RunningWitness {
  readonly url: string;
  readonly name: string;
  readonly verifierKey: string;
  close(): Promise<void>;
}

export async function startWitness(config: WitnessConfig, log: Logger = processLogger): Promise<RunningWitness> {
  // A port in use is said before a key is generated into the data directory.
  await checkListenable(config.port, config.host);
  const { cosigner, generated } = loadWitnessKey(config);
  if (generated !== undefined) log({ level: 'info', msg: 'generated a new witness key', keyFile: generated, verifierKey: cosigner.verifierKey });
  const handle = await openDatabase(
    config.databaseUrl !== undefined
      ? { databaseUrl: config.databaseUrl, ...(config.connectTimeoutSeconds === undefined ? {} : { connectTimeoutSeconds: config.connectTimeoutSeconds }) }
      : { dataDir: config.dataDir },
  );
  let server: Server | undefined;
  try {
    await migrateDatabase(handle);
    const store = new PgWitnessStore(handle);
    const witness = createWitness({ cosigner, logs: config.logs, store, now: () => Math.floor(Date.now() / 1000) });
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
          await closeServer(server!);
          await store.close();
          log({ level: 'info', msg: 'stopped' });
        })();
        return closing;
      },
    };
  } catch (e) {
    server?.close();
    await handle.close();
    throw e;
  }
}

export async function witnessCommand(args: string[], io: CliIo): Promise<number> {
  let config;
  try {
    config = parseWitnessArgs(args, io.env);
  } catch (e) {
    if (!(e instanceof Usage)) throw e;
    io.stderr.write(`sightline: ${e.message.split('\n')[0]}\n`);
    return 2;
  }
  if (config === 'help') {
    io.stdout.write(WITNESS_HELP);
    return 0;
  }
  await runUntilSignal(() => startWitness(config, jsonLines(io.stdout)), io);
  return 0;
}
