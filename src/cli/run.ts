/**
 * The `sightline` command line, runnable in-process: `runCli(argv, io)` dispatches a
 * command and resolves with its exit status. src/cli/main.ts is the executable around it.
 * Commands write only through `io` and read the environment only from `io.env`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { LOG_FLAG, SERVE_COMMAND, STORE_FLAGS, type StoreConfig, logStoreConfig, serveConfig } from '../config.js';
import { parseDecimal } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import { type Accounts, type Revoked, createAccounts, openActRecorder } from './accounts.js';
import { ADVOCATE_KEY_COMMAND, advocateKeyCommand } from './advocate-key.js';
import { type CommandSpec, type Flag, type ParsedFlags, UsageError, commandHelp, parseCommand, synopsis } from './flags.js';
import { IMPORT_COMMAND, importCommand } from './import.js';
import { PUBLISH_COMMAND, publishCommand } from './publish.js';
import { LOOKUP_COMMAND, lookupCommand } from './lookup.js';
import { MONITOR_COMMAND, monitorCommand } from './monitor.js';
import { errorLine, textTable } from './terminal.js';
import { WITNESS_COMMAND, witnessCommand } from './witness.js';
import { MIRROR_COMMAND, mirrorCommand } from './mirror.js';
import { EXPORT_COMMAND, exportCommand } from './export.js';
import { ADMIN_USER_HEADER, type PrintedPartner, printedPartner } from './admin.js';
import { generateKey } from '../note/index.js';
import { fsck, fsckSample } from './fsck.js';
import { type CliIo, jsonLines } from './io.js';
import { DEFAULT_ORIGIN } from './log-key.js';
import { parsePartnerPublicKey } from './partners.js';
import { runUntilSignal } from './http-server.js';
import { TAG_KEY_FILE } from './server.js';
import { startService } from './service.js';
import { openTagKeyring } from './tag-keys.js';
import { VERIFY_COMMAND, verifyCommand } from './verify.js';
import { SUBJECT_SCHEMES, type SubjectScheme, formatHeldKey, subjectKey } from '../subject/index.js';
import type { Operator } from '../log/index.js';
import { openStore } from './store.js';
import { LOG_ADD_COMMAND, LOG_LIST_COMMAND, LOG_RETIRE_COMMAND, logAdd, logList, logRetire } from './log-command.js';

export type { CliIo, CliWriter } from './io.js';

/** The package's version, from its package.json (two folders up from src/cli and from dist/cli). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** A command: its flag table (src/cli/flags.ts) and what it does with the flags parsed. */
interface Command {
  readonly spec: CommandSpec;
  run(flags: ParsedFlags, io: CliIo): Promise<number> | number;
}

/** A command with subcommands (`partner add`, `partner list`, …). */
interface CommandGroup {
  readonly name: string;
  readonly summary: string;
  readonly subcommands: readonly Command[];
}

/** The flags of commands that change accounts: where the log is, and its key (to record the change). */
const ACCOUNT_FLAGS: readonly Flag[] = [
  ...STORE_FLAGS,
  LOG_FLAG,
  {
    name: 'key-file',
    value: 'FILE',
    env: 'SIGHTLINE_KEY_FILE',
    defaultHelp: "the data directory's log.key (keys/ID.key for --log ID)",
    help: "the log's signer key, to record the change in the log when no server runs on it",
  },
];
const JSON_FLAG: Flag = { name: 'json', type: 'boolean', help: 'print the result as JSON' };

function keygen(flags: ParsedFlags, io: CliIo): number {
  const origin = flags.string('origin')!;
  let key;
  try {
    key = generateKey(origin);
  } catch {
    throw new UsageError(`--origin ${JSON.stringify(origin)} is not a valid key name: no spaces and no "+"`, { field: 'origin' });
  }
  io.stdout.write(`${key.signerKey}\n${key.verifierKey}\n`);
  return 0;
}

/** Every command, in the order `sightline --help` lists them. */
export const COMMANDS: readonly (Command | CommandGroup)[] = [
  { spec: SERVE_COMMAND, run: serve },
  {
    spec: {
      name: 'keygen',
      summary: 'print a new log signer key and its verifier key',
      about: 'Prints a new Ed25519 note signer key (PRIVATE+KEY+<origin>+…, keep it secret) and, on the next line, its verifier key.',
      flags: [{ name: 'origin', value: 'NAME', default: DEFAULT_ORIGIN, help: "the log's origin, the key's name: no spaces and no \"+\"" }],
    },
    run: keygen,
  },
  {
    name: 'partner',
    summary: "partners: the organisations that write to the log",
    subcommands: [
      {
        spec: {
          name: 'partner add',
          summary: 'create a partner and print its bearer token (shown once)',
          positionals: [{ name: 'ID', help: 'the partner id: lower-case letters, digits and "-"' }],
          flags: [
            ...ACCOUNT_FLAGS,
            { name: 'name', value: 'TEXT', help: "the partner's name, as the explorer shows it" },
            { name: 'public-key', value: 'KEY', help: 'the base64 of the raw 32-byte Ed25519 public key its typed events are signed with' },
            JSON_FLAG,
          ],
        },
        run: (flags, io) => partnerAdd(flags, io),
      },
      {
        spec: {
          name: 'partner set-key',
          summary: "register (or replace) a partner's event-signing key",
          positionals: [{ name: 'ID' }],
          flags: [...ACCOUNT_FLAGS, { name: 'public-key', value: 'KEY', required: true, help: 'the base64 of the raw 32-byte Ed25519 public key' }],
        },
        run: (flags, io) => partnerSetKey(flags, io),
      },
      { spec: { name: 'partner list', summary: 'list partners', flags: [...STORE_FLAGS, LOG_FLAG, JSON_FLAG] }, run: (flags, io) => partnerList(flags, io) },
      {
        spec: { name: 'partner revoke', summary: "revoke a partner's token (revoking it again changes nothing)", positionals: [{ name: 'ID' }], flags: ACCOUNT_FLAGS },
        run: (flags, io) => revoke('partner', flags, io),
      },
    ],
  },
  {
    name: 'operator',
    summary: "operators: who reads any entry's details and issues subject keys",
    subcommands: [
      {
        spec: {
          name: 'operator add',
          summary: "create an operator token (reads any entry's details, issues subject keys)",
          positionals: [{ name: 'ID' }],
          flags: [...ACCOUNT_FLAGS, JSON_FLAG],
        },
        run: (flags, io) => staffAdd('operator', flags, io),
      },
      { spec: { name: 'operator list', summary: 'list operators', flags: [...STORE_FLAGS, LOG_FLAG, JSON_FLAG] }, run: (flags, io) => staffList('operator', flags, io) },
      {
        spec: { name: 'operator revoke', summary: "revoke an operator's token (revoking it again changes nothing)", positionals: [{ name: 'ID' }], flags: ACCOUNT_FLAGS },
        run: (flags, io) => revoke('operator', flags, io),
      },
    ],
  },
  {
    name: 'auditor',
    summary: "auditors: who may have a redacted record's sealed values opened, each opening recorded",
    subcommands: [
      {
        spec: {
          name: 'auditor add',
          summary: "create an auditor token (opens the sealed values of redacted public-money records, each opening recorded in the log first)",
          positionals: [{ name: 'ID' }],
          flags: [...ACCOUNT_FLAGS, JSON_FLAG],
        },
        run: (flags, io) => staffAdd('auditor', flags, io),
      },
      { spec: { name: 'auditor list', summary: 'list auditors', flags: [...STORE_FLAGS, LOG_FLAG, JSON_FLAG] }, run: (flags, io) => staffList('auditor', flags, io) },
      {
        spec: { name: 'auditor revoke', summary: "revoke an auditor's token (revoking it again changes nothing)", positionals: [{ name: 'ID' }], flags: ACCOUNT_FLAGS },
        run: (flags, io) => revoke('auditor', flags, io),
      },
    ],
  },
  {
    spec: {
      name: 'subject-key',
      summary: "print a claimant's subject key for a year, recorded in the log",
      about: `Prints a claimant's subject key for a year (subject-key:YYYY:<hex>), made from the year's
subject-tag key, after recording in the log that it was issued, why and under which law.
Give --id - to read the claimant's reference from standard input, keeping it out of shell
history. An advocate's month or day key is made from it with sightline advocate-key.`,
      flags: [
        ...ACCOUNT_FLAGS,
        { name: 'tag-key-file', value: 'FILE', env: 'SIGHTLINE_TAG_KEY_FILE', defaultHelp: 'DIR/tag-keys.json', help: 'the subject-tag year keys' },
        { name: 'scheme', value: 'nino|customer-ref', required: true, help: "the claimant's reference scheme" },
        { name: 'id', value: 'ID|-', required: true, help: "the claimant's reference, or - to read it from standard input" },
        { name: 'year', value: 'YYYY', required: true, help: 'the year the key covers' },
        { name: 'purpose', value: 'CODE', required: true, help: 'why the key is issued (a purposes code)' },
        { name: 'legal-basis', value: 'CODE', required: true, help: 'under which law (a legalBases code)' },
      ],
    },
    run: subjectKeyCommand,
  },
  {
    name: 'log',
    summary: "a service's logs: one per body and period, declared in its configuration file",
    subcommands: [
      { spec: LOG_LIST_COMMAND, run: logList },
      { spec: LOG_ADD_COMMAND, run: logAdd },
      { spec: LOG_RETIRE_COMMAND, run: logRetire },
    ],
  },
  { spec: ADVOCATE_KEY_COMMAND, run: advocateKeyCommand },
  { spec: IMPORT_COMMAND, run: importCommand },
  { spec: PUBLISH_COMMAND, run: publishCommand },
  { spec: LOOKUP_COMMAND, run: lookupCommand },
  { spec: MONITOR_COMMAND, run: monitorCommand },
  { spec: WITNESS_COMMAND, run: witnessCommand },
  { spec: MIRROR_COMMAND, run: mirrorCommand },
  { spec: EXPORT_COMMAND, run: exportCommand },
  { spec: VERIFY_COMMAND, run: verifyCommand },
  {
    spec: {
      name: 'fsck',
      summary: 'check the log: every tile and the root recomputed from the entries',
      about: `Recomputes every tile and the root from the entries and checks them against what is stored
and the checkpoint. With --sample N, checks the checkpoint and, for N random entries (and the
first and last), their entry bundles, level-0 tiles and inclusion proofs. On PGlite, stop the
server first: the data directory is opened by one process at a time.`,
      flags: [...STORE_FLAGS, LOG_FLAG, { name: 'sample', value: 'N', help: `check N random entries instead of all (1 to ${1_000_000})` }],
    },
    run: check,
  },
];

function isGroup(c: Command | CommandGroup): c is CommandGroup {
  return 'subcommands' in c;
}

/** Every command line that names a command: [serve], [partner], [partner, add], …. */
export function commandPaths(): string[][] {
  return COMMANDS.flatMap((c) => (isGroup(c) ? [[c.name], ...c.subcommands.map((s) => s.spec.name.split(' '))] : [[c.spec.name]]));
}

function groupHelp(group: CommandGroup): string {
  const lines = group.subcommands.map((s) => `  ${synopsis(s.spec)}\n      ${s.spec.summary}`);
  return `Usage: sightline ${group.name} <${group.subcommands.map((s) => s.spec.name.split(' ')[1]).join('|')}> [flags]\n\n${group.summary[0]!.toUpperCase()}${group.summary.slice(1)}.\n\n${lines.join('\n')}\n\nsightline ${group.name} <subcommand> --help shows each one's flags.\n`;
}

function help(): string {
  const lines: string[] = [];
  for (const c of COMMANDS) {
    for (const s of isGroup(c) ? c.subcommands : [c]) lines.push(`  ${s.spec.name.padEnd(17)} ${s.spec.summary}`);
  }
  return `Usage: sightline <command> [flags]

Commands:
${lines.join('\n')}

sightline <command> --help shows a command's flags; sightline --version its version.
Partner, operator, subject-key and fsck commands take --data-dir DIR or --database-url URL (or
DATABASE_URL) and --connect-timeout S, like serve. Partner, operator and subject-key commands
record each change in the log before making it: with no server running on the log they need
its key (--key-file FILE, SIGHTLINE_KEY_FILE, or the data directory's).
`;
}

/**
 * Runs `sightline ARGV…` on `io` and resolves with its exit status: 0 success, 2 a usage
 * error, 1 any other failure (monitor and lookup have statuses of their own). A failure is
 * one line on stderr, `sightline: …`; nothing is thrown. Whatever a command opens it closes
 * before this resolves, except `serve`, `witness` and `mirror`, which run until a stop signal.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch([...argv], io);
  } catch (e) {
    const usage = e instanceof UsageError;
    const message = e instanceof LogError ? e.message : `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
    io.stderr.write(errorLine(message));
    return usage ? 2 : 1;
  }
}

async function runCommand(command: Command, args: string[], io: CliIo): Promise<number> {
  const flags = parseCommand(command.spec, args, io.env);
  if (flags === 'help') {
    io.stdout.write(commandHelp(command.spec));
    return 0;
  }
  return command.run(flags, io);
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(help());
    return 0;
  }
  if (name === '-V' || name === '--version' || name === 'version') {
    io.stdout.write(`sightline ${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => (isGroup(c) ? c.name : c.spec.name) === name);
  if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)}; see sightline --help`);
  if (!isGroup(command)) return runCommand(command, rest, io);
  const [sub, ...subArgs] = rest;
  if (sub === '-h' || sub === '--help' || sub === 'help') {
    io.stdout.write(groupHelp(command));
    return 0;
  }
  const subcommand = command.subcommands.find((s) => s.spec.name === `${name} ${sub}`);
  const names = command.subcommands.map((s) => s.spec.name.split(' ')[1]).join(', ');
  if (sub === undefined) throw new UsageError(`${name} needs a subcommand: ${names}; see sightline ${name} --help`);
  if (subcommand === undefined) throw new UsageError(`unknown subcommand ${name} ${JSON.stringify(sub)}: it is one of ${names}; see sightline ${name} --help`);
  return runCommand(subcommand, subArgs, io);
}

/** Runs until SIGTERM or SIGINT (through `io`): meant for the executable, not for in-process use. */
async function serve(flags: ParsedFlags, io: CliIo): Promise<number> {
  const config = serveConfig(flags, io.env);
  await runUntilSignal(() => startService(config, jsonLines(io.stdout)), io);
  return 0;
}

/** Runs `direct` on the store, or, when a running server holds a PGlite data directory, `viaAdmin` on its socket. */
/** A running server's admin socket, and the prefix of the log's admin routes on it (`/logs/<id>`; none for the default log). */
interface AdminSocket {
  readonly path: string;
  readonly prefix: string;
}

async function withStore<T>(config: StoreConfig, direct: (store: Awaited<ReturnType<typeof openStore>>['store']) => Promise<T>, viaAdmin: (socket: AdminSocket) => Promise<T>): Promise<T> {
  const socket: AdminSocket = { path: join(config.dataDir, 'admin.sock'), prefix: config.logId === undefined ? '' : `/logs/${config.logId}` };
  let handle;
  try {
    handle = await openStore(config);
  } catch (e) {
    if (config.databaseUrl === undefined && isLogError(e, 'UNAVAILABLE') && existsSync(socket.path)) return viaAdmin(socket);
    throw e;
  }
  try {
    return await direct(handle.store);
  } finally {
    await handle.close();
  }
}

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
function withAccounts<T>(recording: { config: StoreConfig; keyFile: string | undefined }, direct: (accounts: Accounts) => Promise<T>, viaAdmin: (socket: AdminSocket) => Promise<T>): Promise<T> {
  return withStore(
    recording.config,
    async (store) => {
      const recorder = await openActRecorder(store, { keyFile: recording.keyFile, dataDir: recording.config.dataDir, databaseUrl: recording.config.databaseUrl, logId: recording.config.logId });
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
function admin<T>(target: AdminSocket, method: string, path: string, body?: unknown): Promise<T> {
  const socket = target.path;
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path: `${target.prefix}${path}`, agent: false, headers: { 'content-type': 'application/json', [ADMIN_USER_HEADER]: adminName() } }, (res) => {
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

function accountRecording(flags: ParsedFlags): { config: StoreConfig; keyFile: string | undefined } {
  return { config: logStoreConfig(flags), keyFile: flags.string('key-file') };
}

async function partnerAdd(flags: ParsedFlags, io: CliIo): Promise<number> {
  const id = flags.positionals[0]!;
  const name = flags.string('name') ?? null;
  const publicKeyText = flags.string('public-key');
  const publicKey = publicKeyText === undefined ? null : parsePartnerPublicKey(publicKeyText);
  const created = await withAccounts(
    accountRecording(flags),
    (accounts) => accounts.addPartner(id, name, publicKey),
    (socket) => admin<{ id: string; token: string }>(socket, 'POST', '/partners', { id, name, publicKey: publicKeyText ?? null }),
  );
  if (flags.boolean('json')) io.stdout.write(JSON.stringify(created) + '\n');
  else io.stdout.write(`partner ${created.id} added; its bearer token (shown only now):\n${created.token}\n`);
  return 0;
}

async function partnerSetKey(flags: ParsedFlags, io: CliIo): Promise<number> {
  const id = flags.positionals[0]!;
  const publicKeyText = flags.string('public-key')!;
  const publicKey = parsePartnerPublicKey(publicKeyText);
  await withAccounts(
    accountRecording(flags),
    (accounts) => accounts.setPartnerKey(id, publicKey),
    (socket) => admin(socket, 'POST', `/partners/${encodeURIComponent(id)}/key`, { publicKey: publicKeyText }).then(() => undefined),
  );
  io.stdout.write(`partner ${id}'s event-signing key set\n`);
  return 0;
}

async function partnerList(flags: ParsedFlags, io: CliIo): Promise<number> {
  const list = await withStore(logStoreConfig(flags), async (store) => (await store.listPartners()).map(printedPartner), (socket) => admin<PrintedPartner[]>(socket, 'GET', '/partners'));
  if (flags.boolean('json')) io.stdout.write(JSON.stringify(list) + '\n');
  else if (list.length === 0) io.stdout.write('no partners\n');
  else io.stdout.write(textTable(['ID', 'STATUS', 'EVENT KEY', 'NAME'], list.map((p) => [p.id, p.revokedAt === null ? 'active' : 'revoked', p.publicKey ?? '(none)', p.name ?? ''])));
  return 0;
}

async function staffAdd(kind: 'operator' | 'auditor', flags: ParsedFlags, io: CliIo): Promise<number> {
  const id = flags.positionals[0]!;
  const created = await withAccounts(
    accountRecording(flags),
    (accounts) => (kind === 'operator' ? accounts.addOperator(id) : accounts.addAuditor(id)),
    (socket) => admin<{ id: string; token: string }>(socket, 'POST', `/${kind}s`, { id }),
  );
  if (flags.boolean('json')) io.stdout.write(JSON.stringify(created) + '\n');
  else io.stdout.write(`${kind} ${created.id} added; its bearer token (shown only now):\n${created.token}\n`);
  return 0;
}

async function staffList(kind: 'operator' | 'auditor', flags: ParsedFlags, io: CliIo): Promise<number> {
  const list = await withStore(
    logStoreConfig(flags),
    (store) => (kind === 'operator' ? store.listOperators() : store.listAuditors()),
    (socket) => admin<Operator[]>(socket, 'GET', `/${kind}s`),
  );
  if (flags.boolean('json')) io.stdout.write(JSON.stringify(list) + '\n');
  else if (list.length === 0) io.stdout.write(`no ${kind}s\n`);
  else io.stdout.write(textTable(['ID', 'STATUS'], list.map((o) => [o.id, o.revokedAt === null ? 'active' : 'revoked'])));
  return 0;
}

/**
 * Revokes a token. Revoking one already revoked is what was asked for (exit 0) but changes
 * and records nothing: it says so, and since when, so that nobody takes it for a new revocation.
 */
async function revoke(kind: 'partner' | 'operator' | 'auditor', flags: ParsedFlags, io: CliIo): Promise<number> {
  const id = flags.positionals[0]!;
  const { alreadyRevokedAt } = await withAccounts(
    accountRecording(flags),
    (accounts) => (kind === 'partner' ? accounts.revokePartner(id) : kind === 'operator' ? accounts.revokeOperator(id) : accounts.revokeAuditor(id)),
    (socket) => admin<Revoked>(socket, 'POST', `/${kind}s/${encodeURIComponent(id)}/revoke`),
  );
  if (alreadyRevokedAt === null) io.stdout.write(`${kind} ${id} revoked\n`);
  else io.stdout.write(`${kind} ${id} was already revoked (at ${alreadyRevokedAt}); nothing changed\n`);
  return 0;
}

/**
 * A claimant's subject key for a year, from the year keys, recorded in the log (under the
 * claimant's own tag, with why and under which law) before it is printed: by this command on
 * the log it opens, or by the running server through its admin socket.
 */
async function subjectKeyCommand(flags: ParsedFlags, io: CliIo): Promise<number> {
  const scheme = flags.string('scheme')!;
  const year = flags.string('year')!;
  const purpose = flags.string('purpose')!;
  const legalBasis = flags.string('legal-basis')!;
  if (!(SUBJECT_SCHEMES as readonly string[]).includes(scheme)) throw new UsageError(`--scheme must be one of ${SUBJECT_SCHEMES.join(', ')}`, { field: 'scheme' });
  if (!/^2[0-9]{3}$/.test(year)) throw new UsageError('--year must be a four-digit year, for example 2026', { field: 'year' });
  const idFlag = flags.string('id')!;
  const id = idFlag === '-' ? new TextDecoder().decode(await io.stdin()).trim() : idFlag;
  const config = logStoreConfig(flags);
  const tagKeyFile = flags.string('tag-key-file');
  const text = await withStore(
    config,
    async (store) => {
      const keyring = await openTagKeyring(tagKeyFile ?? join(config.dataDir, TAG_KEY_FILE), { managed: false });
      const key = formatHeldKey({ kind: 'subject', year, key: subjectKey(await keyring.keyFor(year), scheme as SubjectScheme, id) });
      const recorder = await openActRecorder(store, { keyFile: flags.string('key-file'), dataDir: config.dataDir, databaseUrl: config.databaseUrl, logId: config.logId, keyring });
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

async function check(flags: ParsedFlags, io: CliIo): Promise<number> {
  const sampleText = flags.string('sample');
  let sample: number | undefined;
  if (sampleText !== undefined) {
    sample = parseDecimal(sampleText);
    if (sample === undefined || sample < 1 || sample > MAX_SAMPLE) {
      throw new UsageError(`--sample ${JSON.stringify(sampleText)} is not a number of entries from 1 to ${MAX_SAMPLE}`, { field: 'sample' });
    }
  }
  const handle = await openStore(logStoreConfig(flags));
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
