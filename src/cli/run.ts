/**
 * The `sightline` command line, runnable in-process: `runCli(argv, io)` dispatches a
 * command and resolves with its exit status. src/cli/main.ts is the executable around it.
 * Commands write only through `io` and read the environment only from `io.env`.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVE_HELP, STORE_OPTIONS, type StoreConfig, parseServeArgs, storeConfig } from '../config.js';
import { parseDecimal } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import { type Accounts, createAccounts, openActRecorder } from './accounts.js';
import { ADMIN_USER_HEADER, type PrintedPartner, printedPartner } from './admin.js';
import { generateKey } from '../note/index.js';
import { fsck, fsckSample } from './fsck.js';
import { type CliIo, jsonLines } from './io.js';
import { DEFAULT_ORIGIN } from './log-key.js';
import { parsePartnerPublicKey } from './partners.js';
import { runUntilSignal } from './http-server.js';
import { TAG_KEY_FILE, startServer } from './server.js';
import { openTagKeyring } from './tag-keys.js';
import { VerifyUsageError, verifyCommand } from './verify.js';
import { SUBJECT_SCHEMES, type SubjectScheme, formatHeldKey, subjectKey } from '../subject/index.js';
import type { Operator } from '../log/index.js';
import { openStore } from './store.js';

export type { CliIo, CliWriter } from './io.js';

const HELP = `Usage: sightline <command> [flags]

Commands:
  serve                         run the log server (sightline serve --help for its flags)
  keygen --origin NAME          print a new log signer key and its verifier key
  partner add ID [--name TEXT] [--public-key KEY] [--json]
                                create a partner and print its bearer token (shown once); KEY is the
                                base64 of the raw 32-byte Ed25519 public key its typed events are signed with
  partner set-key ID --public-key KEY
                                register (or replace) a partner's event-signing key
  partner list [--json]         list partners
  partner revoke ID             revoke a partner's token
  operator add ID [--json]      create an operator token (reads any entry's details, issues subject keys)
  operator list [--json]        list operators
  operator revoke ID            revoke an operator's token
  subject-key --scheme nino|customer-ref --id ID|- --year YYYY --purpose CODE --legal-basis CODE [--tag-key-file FILE]
                                print a claimant's subject key for a year (give --id - to read the id
                                from stdin, keeping it out of shell history)
  lookup --key KEY --from DATE --to DATE [--url URL] [--log-key VKEY] [--json]
                                find and verify a claimant's entries with a subject, month or day key
  monitor URL --log-key VKEY [--state DIR] [--once] [--interval S] [--webhook URL]
                                follow a log and audit every entry; exit 3 with an evidence file if it
                                misbehaves (sightline monitor --help)
  witness --key-file FILE --log VKEY [--log VKEY …]
                                run a c2sp.org/tlog-witness witness for the given logs (sightline witness --help)
  verify RECEIPT --entry FILE --log-key VKEY [--witness-key VKEY …] [--quorum K]
                                check a c2sp.org/tlog-proof receipt offline (sightline verify --help)
  fsck [--sample N]             recompute every tile and the root from the entries and check them;
                                with --sample, check the checkpoint and, for N random entries (and the
                                first and last), their entry bundles, level-0 tiles and inclusion proofs

Partner, operator and fsck commands take --data-dir DIR or --database-url URL (or DATABASE_URL)
and --connect-timeout S, like serve.
Partner, operator and subject-key commands record each change in the log before making it:
with no server running on the log they need its key (--key-file FILE, SIGHTLINE_KEY_FILE, or
the data directory's).
`;

class UsageError extends Error {}

function isParseArgsError(e: unknown): e is Error {
  return e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS');
}

/**
 * Runs `sightline ARGV…` on `io` and resolves with its exit status: 0 success, 2 a usage
 * error, 1 any other failure (monitor and lookup have statuses of their own). A failure is
 * one line on stderr, `sightline: …`; nothing is thrown. Whatever a command opens it closes
 * before this resolves, except `serve` and `witness`, which run until a stop signal.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch([...argv], io);
  } catch (e) {
    const usage = e instanceof UsageError || isParseArgsError(e);
    const message = usage || e instanceof LogError ? (e as Error).message : `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
    io.stderr.write(`sightline: ${message.split('\n')[0]}\n`);
    return usage ? 2 : 1;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.stdout.write(HELP);
      return 0;
    case 'serve':
      return serve(rest, io);
    case 'keygen':
      return keygen(rest, io);
    case 'partner':
      return partner(rest, io);
    case 'operator':
      return operator(rest, io);
    case 'subject-key':
      return subjectKeyCommand(rest, io);
    case 'lookup':
      return (await import('./lookup.js')).lookupCommand(rest, io);
    case 'monitor':
      return (await import('./monitor.js')).monitorCommand(rest, io);
    case 'witness':
      return (await import('./witness.js')).witnessCommand(rest, io);
    case 'verify':
      try {
        return await verifyCommand(rest, io);
      } catch (e) {
        if (e instanceof VerifyUsageError) throw new UsageError(e.message);
        throw e;
      }
    case 'fsck':
      return check(rest, io);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; see sightline --help`);
  }
}

/** Runs until SIGTERM or SIGINT (through `io`): meant for the executable, not for in-process use. */
async function serve(args: string[], io: CliIo): Promise<number> {
  const config = parseServeArgs(args, io.env);
  if (config === 'help') {
    io.stdout.write(SERVE_HELP);
    return 0;
  }
  await runUntilSignal(() => startServer(config, jsonLines(io.stdout)), io);
  return 0;
}

function keygen(args: string[], io: CliIo): number {
  const { values } = parseArgs({ args, options: { origin: { type: 'string' } }, strict: true });
  const origin = values.origin ?? DEFAULT_ORIGIN;
  let key;
  try {
    key = generateKey(origin);
  } catch {
    throw new UsageError(`--origin ${JSON.stringify(origin)} is not a valid key name: no spaces and no "+"`);
  }
  io.stdout.write(`${key.signerKey}\n${key.verifierKey}\n`);
  return 0;
}

/** Runs `direct` on the store, or, when a running server holds a PGlite data directory, `viaAdmin` on its socket. */
async function withStore<T>(config: StoreConfig, direct: (store: Awaited<ReturnType<typeof openStore>>['store']) => Promise<T>, viaAdmin: (socket: string) => Promise<T>): Promise<T> {
  const socket = join(config.dataDir, 'admin.sock');
  let handle;
  try {
    handle = await openStore(config);
  } catch (e) {
    if (config.databaseUrl === undefined && isLogError(e, 'UNAVAILABLE') && existsSync(socket)) return viaAdmin(socket);
    throw e;
  }
  try {
    return await direct(handle.store);
  } finally {
    await handle.close();
  }
}

/** The options of commands that change accounts: where the log is, and its key (to record the change). */
const ACCOUNT_OPTIONS = { ...STORE_OPTIONS, 'key-file': { type: 'string' } } as const;

/** Who runs this command, as the log records it (only ever as a pseudonym). */
function adminName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * An account change, recorded in the log before it is made: by this command on the log it
 * opens, or by the running server (PGlite) through its admin socket.
 */
function withAccounts<T>(recording: { config: StoreConfig; keyFile: string | undefined }, direct: (accounts: Accounts) => Promise<T>, viaAdmin: (socket: string) => Promise<T>): Promise<T> {
  return withStore(
    recording.config,
    async (store) => {
      const recorder = await openActRecorder(store, { keyFile: recording.keyFile, dataDir: recording.config.dataDir, databaseUrl: recording.config.databaseUrl });
      try {
        return await direct(createAccounts(store, recorder.acts, adminName()));
      } finally {
        await recorder.close();
      }
    },
    viaAdmin,
  );
}

/**
 * One request to a running server's admin socket. Its connection closes with the answer
 * (no keep-alive), so that nothing stays open once the command is done, in-process too.
 */
function admin<T>(socket: string, method: string, path: string, body?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, agent: false, headers: { 'content-type': 'application/json', [ADMIN_USER_HEADER]: adminName() } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        let json: T & { code?: string; message?: string };
        try {
          json = JSON.parse(text) as T & { code?: string; message?: string };
        } catch {
          reject(new LogError('INTERNAL', `the running server's admin socket ${socket} answered ${res.statusCode ?? '?'} with no JSON: ${text}`));
          return;
        }
        if ((res.statusCode ?? 500) >= 400) reject(new LogError((json.code as never) ?? 'INTERNAL', json.message ?? text));
        else resolve(json);
      });
      res.on('error', (e) => reject(new LogError('UNAVAILABLE', `couldn't read the answer of the running server's admin socket ${socket}: ${e.message}`)));
    });
    req.on('error', (e) => reject(new LogError('UNAVAILABLE', `couldn't reach the running server's admin socket ${socket}: ${e.message}`)));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function partner(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: { ...ACCOUNT_OPTIONS, name: { type: 'string' }, 'public-key': { type: 'string' }, json: { type: 'boolean' } },
  });
  const config = storeConfig(values, io.env);
  const recording = { config, keyFile: values['key-file'] ?? (io.env.SIGHTLINE_KEY_FILE || undefined) };
  const id = positionals[0];
  const publicKeyText = values['public-key'];
  if (sub === 'add') {
    if (id === undefined || positionals.length > 1) throw new UsageError('usage: sightline partner add ID [--name TEXT] [--public-key KEY] [--json]');
    const name = values.name ?? null;
    const publicKey = publicKeyText === undefined ? null : parsePartnerPublicKey(publicKeyText);
    const created = await withAccounts(
      recording,
      (accounts) => accounts.addPartner(id, name, publicKey),
      (socket) => admin<{ id: string; token: string }>(socket, 'POST', '/partners', { id, name, publicKey: publicKeyText ?? null }),
    );
    if (values.json) io.stdout.write(JSON.stringify(created) + '\n');
    else io.stdout.write(`partner ${created.id} added; its bearer token (shown only now):\n${created.token}\n`);
    return 0;
  }
  if (sub === 'list') {
    if (positionals.length > 0) throw new UsageError('usage: sightline partner list [--json]');
    const list = await withStore(config, async (store) => (await store.listPartners()).map(printedPartner), (socket) => admin<PrintedPartner[]>(socket, 'GET', '/partners'));
    if (values.json) io.stdout.write(JSON.stringify(list) + '\n');
    else if (list.length === 0) io.stdout.write('no partners\n');
    else for (const p of list) io.stdout.write(`${p.id}\t${p.revokedAt === null ? 'active' : 'revoked'}\t${p.publicKey ?? '(no event key)'}\t${p.name ?? ''}\n`);
    return 0;
  }
  if (sub === 'revoke') {
    if (id === undefined || positionals.length > 1) throw new UsageError('usage: sightline partner revoke ID');
    await withAccounts(
      recording,
      (accounts) => accounts.revokePartner(id),
      (socket) => admin(socket, 'POST', `/partners/${encodeURIComponent(id)}/revoke`).then(() => undefined),
    );
    io.stdout.write(`partner ${id} revoked\n`);
    return 0;
  }
  if (sub === 'set-key') {
    if (id === undefined || positionals.length > 1 || publicKeyText === undefined) throw new UsageError('usage: sightline partner set-key ID --public-key KEY');
    const publicKey = parsePartnerPublicKey(publicKeyText);
    await withAccounts(
      recording,
      (accounts) => accounts.setPartnerKey(id, publicKey),
      (socket) => admin(socket, 'POST', `/partners/${encodeURIComponent(id)}/key`, { publicKey: publicKeyText }).then(() => undefined),
    );
    io.stdout.write(`partner ${id}'s event-signing key set\n`);
    return 0;
  }
  throw new UsageError('usage: sightline partner add|set-key|list|revoke …');
}

async function operator(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { ...ACCOUNT_OPTIONS, json: { type: 'boolean' } } });
  const config = storeConfig(values, io.env);
  const recording = { config, keyFile: values['key-file'] ?? (io.env.SIGHTLINE_KEY_FILE || undefined) };
  const id = positionals[0];
  if (sub === 'add') {
    if (id === undefined || positionals.length > 1) throw new UsageError('usage: sightline operator add ID [--json]');
    const created = await withAccounts(
      recording,
      (accounts) => accounts.addOperator(id),
      (socket) => admin<{ id: string; token: string }>(socket, 'POST', '/operators', { id }),
    );
    if (values.json) io.stdout.write(JSON.stringify(created) + '\n');
    else io.stdout.write(`operator ${created.id} added; its bearer token (shown only now):\n${created.token}\n`);
    return 0;
  }
  if (sub === 'list') {
    if (positionals.length > 0) throw new UsageError('usage: sightline operator list [--json]');
    const list = await withStore(config, (store) => store.listOperators(), (socket) => admin<Operator[]>(socket, 'GET', '/operators'));
    if (values.json) io.stdout.write(JSON.stringify(list) + '\n');
    else if (list.length === 0) io.stdout.write('no operators\n');
    else for (const o of list) io.stdout.write(`${o.id}\t${o.revokedAt === null ? 'active' : 'revoked'}\n`);
    return 0;
  }
  if (sub === 'revoke') {
    if (id === undefined || positionals.length > 1) throw new UsageError('usage: sightline operator revoke ID');
    await withAccounts(
      recording,
      (accounts) => accounts.revokeOperator(id),
      (socket) => admin(socket, 'POST', `/operators/${encodeURIComponent(id)}/revoke`).then(() => undefined),
    );
    io.stdout.write(`operator ${id} revoked\n`);
    return 0;
  }
  throw new UsageError('usage: sightline operator add|list|revoke …');
}

/**
 * A claimant's subject key for a year, from the year keys, recorded in the log (under the
 * claimant's own tag, with why and under which law) before it is printed: by this command on
 * the log it opens, or by the running server through its admin socket.
 */
async function subjectKeyCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      ...ACCOUNT_OPTIONS,
      'tag-key-file': { type: 'string' },
      scheme: { type: 'string' },
      id: { type: 'string' },
      year: { type: 'string' },
      purpose: { type: 'string' },
      'legal-basis': { type: 'string' },
    },
  });
  const usage = 'usage: sightline subject-key --scheme nino|customer-ref --id ID|- --year YYYY --purpose CODE --legal-basis CODE [--tag-key-file FILE]';
  const { scheme, year, purpose } = values;
  const legalBasis = values['legal-basis'];
  if (scheme === undefined || values.id === undefined || year === undefined || purpose === undefined || legalBasis === undefined) throw new UsageError(usage);
  if (!(SUBJECT_SCHEMES as readonly string[]).includes(scheme)) throw new UsageError(`--scheme must be one of ${SUBJECT_SCHEMES.join(', ')}`);
  if (!/^2[0-9]{3}$/.test(year)) throw new UsageError('--year must be a four-digit year, for example 2026');
  const id = values.id === '-' ? new TextDecoder().decode(await io.stdin()).trim() : values.id;
  const config = storeConfig(values, io.env);
  const tagKeyFile = values['tag-key-file'] ?? io.env.SIGHTLINE_TAG_KEY_FILE;
  const text = await withStore(
    config,
    async (store) => {
      const keyring = await openTagKeyring(tagKeyFile ?? join(config.dataDir, TAG_KEY_FILE), { managed: false });
      const key = formatHeldKey({ kind: 'subject', year, key: subjectKey(await keyring.keyFor(year), scheme as SubjectScheme, id) });
      const recorder = await openActRecorder(store, { keyFile: values['key-file'] ?? (io.env.SIGHTLINE_KEY_FILE || undefined), dataDir: config.dataDir, databaseUrl: config.databaseUrl, keyring });
      try {
        await recorder.acts.record({ type: 'subject-key', actor: recorder.acts.pseudonym('admin', adminName()), purpose, legalBasis, year, subject: { scheme, id } });
      } finally {
        await recorder.close();
      }
      return key;
    },
    async (socket) => (await admin<{ subjectKey: string }>(socket, 'POST', '/subject-keys', { scheme, id, year, purpose, legalBasis })).subjectKey,
  );
  io.stdout.write(text + '\n');
  return 0;
}

/** Most entries `fsck --sample` checks. */
const MAX_SAMPLE = 1_000_000;

async function check(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { ...STORE_OPTIONS, sample: { type: 'string' } }, strict: true });
  let sample: number | undefined;
  if (values.sample !== undefined) {
    sample = parseDecimal(values.sample);
    if (sample === undefined || sample < 1 || sample > MAX_SAMPLE) {
      throw new UsageError(`--sample ${JSON.stringify(values.sample)} is not a number of entries from 1 to ${MAX_SAMPLE}`);
    }
  }
  const handle = await openStore(storeConfig(values, io.env));
  try {
    const report = sample === undefined ? await fsck(handle.store) : await fsckSample(handle.store, sample);
    for (const p of report.problems) io.stdout.write(`fsck: ${p}\n`);
    const sampled = 'sampled' in report ? `sampling ${report.sampled} of` : 'in';
    if (report.problems.length > 0) {
      io.stderr.write(`sightline: fsck found ${report.problems.length} problem(s) ${sampled} a log of ${report.treeSize} entries\n`);
      return 1;
    }
    if ('sampled' in report) {
      io.stdout.write(`fsck: ok, sampled ${report.sampled} of ${report.treeSize} entries, their tiles, proofs and the checkpoint agree\n`);
    } else io.stdout.write(`fsck: ok, ${report.treeSize} entries, every tile and the checkpoint agree\n`);
    return 0;
  } finally {
    await handle.close();
  }
}
