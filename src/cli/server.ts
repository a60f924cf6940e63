/**
 * The composition root: config → database → migrations → store → log key → tag keys → the
 * log assembled (assemble.ts) → listening server, and the graceful stop in reverse order.
 * With assemble.ts, the only place that wires concrete adapters together.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type { ServeConfig } from '../config.js';
import { LogError, isLogError } from '../errors.js';
import { type CodeLists, DEFAULT_CODES, parseCodeLists } from '../events/index.js';
import { createRateLimiter } from '../http/rate-limit.js';
import type { LogMeta, LogStore } from '../log/index.js';
import { EMPTY_ROOT } from '../merkle/index.js';
import { type Ed25519NoteSigner, formatCheckpoint, parseCosignatureVerifier, signNote } from '../note/index.js';
import type { Sequencer } from '../sequencer/index.js';
import type { ErasurePurge } from '../storage/index.js';
import { type Logger, assembleLog } from './assemble.js';
import { processLogger } from './io.js';
import { type StoreHandle, openStore } from './store.js';
import { loadLogKey } from './log-key.js';
import { createAdminApp } from './admin.js';
import { checkListenable, closeServer, createConnectionLimit, listen } from './http-server.js';
import { checkedTagKeyring, openTagKeyring } from './tag-keys.js';


/** Creates the log on first start, or checks that the database belongs to this key. */
export async function ensureLog(store: LogStore, signer: Ed25519NoteSigner): Promise<LogMeta> {
  const meta: LogMeta = { origin: signer.name, verifierKey: signer.verifierKey };
  let existing = await store.readMeta();
  if (existing === undefined) {
    const checkpoint = signNote(formatCheckpoint({ origin: meta.origin, treeSize: 0, rootHash: EMPTY_ROOT, extensions: [] }), [signer]);
    try {
      await store.createLog(meta, { treeSize: 0, rootHash: EMPTY_ROOT, checkpoint });
      return meta;
    } catch (e) {
      if (!isLogError(e, 'CONFLICT')) throw e;
      existing = await store.readMeta(); // another process created it first
    }
  }
  if (existing === undefined || existing.verifierKey !== meta.verifierKey) {
    throw new LogError(
      'UNAVAILABLE',
      `this database holds the log ${existing?.origin} with key ${existing?.verifierKey}, but the key given is ${meta.verifierKey}; start with that log's --key-file`,
      { field: 'key-file' },
    );
  }
  return existing;
}

/** The server-kept subject-tag key file in the data directory. */
export const TAG_KEY_FILE = 'tag-keys.json';

/** The code lists from `--codes FILE`, or the built-in lists. */
export function loadCodeLists(file: string | undefined): CodeLists {
  if (file === undefined) return DEFAULT_CODES;
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LogError('UNAVAILABLE', `couldn't read the code lists ${file}: ${(e as Error).message}`, { field: 'codes' });
  }
  try {
    return parseCodeLists(text);
  } catch (e) {
    throw new LogError('UNAVAILABLE', `the code lists ${file} are not valid: ${(e as Error).message}`, { field: 'codes' });
  }
}

/**
 * One line for a purge of erasures or of rows stored in the clear; nothing for one that had
 * neither (a new database's first purge only rewrites its empty table of details).
 */
function logPurge(log: Logger, report: ErasurePurge): void {
  if (report.through === null && report.sealed === 0 && report.problems.length === 0) return;
  log({
    level: report.problems.length > 0 ? 'warn' : 'info',
    msg: 'purged erased details',
    ...(report.through === null ? {} : { through: report.through }),
    ...(report.sealed > 0 ? { sealed: report.sealed } : {}),
    rewritten: report.rewritten.length,
    walFlushed: report.walFlushed,
    ...(report.problems.length > 0 ? { problems: report.problems } : {}),
  });
}

export interface RunningServer {
  readonly url: string;
  readonly meta: LogMeta;
  readonly sequencer: Sequencer;
  readonly store: LogStore;
  /** Stops accepting, finishes the batch in flight, closes the database. */
  close(): Promise<void>;
}

export async function startServer(config: ServeConfig, log: Logger = processLogger): Promise<RunningServer> {
  // What the flags name is checked before the disk is touched: a failure here leaves no data
  // directory, database or key behind.
  const codes = loadCodeLists(config.codesFile);
  if (config.keyFile !== undefined) loadLogKey(config); // reads only; a key is generated (written) only without --key-file
  await checkListenable(config.port, config.host);
  const handle: StoreHandle = await openStore(config, {
    onPurge: (outcome) =>
      'error' in outcome
        ? log({ level: 'error', msg: 'purging erased details failed; it is tried again at the next erasure, stop or start', error: String(outcome.error) })
        : logPurge(log, outcome.report),
  });
  const { store } = handle;
  let server: Server | undefined;
  let admin: Server | undefined;
  try {
    const tagKeyFile = config.tagKeyFile ?? join(config.dataDir, TAG_KEY_FILE);
    // Before anything is written: a new tag-keys.json beside a log that uses year keys would
    // only be refused (its keys are not the log's), and would hide that the file is lost.
    if (config.tagKeyFile === undefined && !existsSync(tagKeyFile)) {
      const years = await store.tagKeyYears();
      if (years.length > 0) {
        throw new LogError(
          'UNAVAILABLE',
          `the subject-tag key file ${tagKeyFile} is missing, but this log already uses its keys for ${years.join(', ')}: restore the file from a backup (its keys cannot be made again; README, "Backing up and restoring a log") or give --tag-key-file; nothing was written`,
          { field: 'tag-key-file' },
        );
      }
    }
    // Erasure reaches the disk only if the database lets it (erasure-purge.ts): say once what stops it.
    const problems = await store.erasureSettingProblems();
    if (problems.length > 0) log({ level: 'warn', msg: `erased details can stay on the database server's disk: ${problems.join('; ')}`, problems });
    // A purge that a crash interrupted, or rows stored in the clear by an earlier version: done before serving.
    logPurge(log, await store.purgeErased());
    const { signer, generated } = loadLogKey(config);
    if (generated !== undefined) log({ level: 'info', msg: 'generated a new log key', keyFile: generated, verifierKey: signer.verifierKey });
    const meta = await ensureLog(store, signer);
    // Checked before anything starts: a server holding other year keys than the log's refuses to start.
    const keyring = checkedTagKeyring(await openTagKeyring(tagKeyFile, { managed: config.tagKeyFile === undefined }), store);
    await keyring.checkAll();
    // Behind a trusted proxy every connection comes from the proxy: it limits connections per client.
    const connections = createConnectionLimit(config.clients.trustProxy ? 0 : config.clients.maxConnectionsPerAddress);
    const { app, sequencer, witnessing, events, stop } = await assembleLog({
      store,
      signer,
      meta,
      keyring,
      codes,
      log,
      maxPending: config.maxPending,
      maxBatch: config.maxBatch,
      tileCacheBytes: config.tileCacheMiB * 1024 * 1024,
      ...(config.witnesses.length > 0
        ? {
            witnessing: { witnesses: config.witnesses.map((w) => ({ ...w, verifier: parseCosignatureVerifier(w.verifierKey) })), quorum: config.witnessQuorum },
            witnessWaitMs: config.witnessWaitSeconds * 1000,
          }
        : {}),
      accessLog: config.accessLog,
      ...(config.rateLimit > 0 ? { rateLimit: createRateLimiter({ rate: config.rateLimit, burst: config.rateBurst }) } : {}),
      addressLimit: {
        ...(config.clients.addressRate > 0 ? { limiter: createRateLimiter({ rate: config.clients.addressRate, burst: config.clients.addressBurst }) } : {}),
        trustProxy: config.clients.trustProxy,
        refusedConnection: connections.refused,
      },
    });
    witnessing?.offer(sequencer.head()); // the head this server starts on may never have been witnessed
    let url: string;
    ({ server, url } = await listen(app.fetch, config.port, config.host, config.http, { connections }));

    // With PGlite only this process can open the data directory, so partner commands
    // reach the running log through a socket in it (filesystem permissions guard it).
    if (handle.kind === 'pglite') {
      const socketPath = join(config.dataDir, 'admin.sock');
      rmSync(socketPath, { force: true });
      const adminServer = createHttpServer(getRequestListener(createAdminApp(store, events.operatorActs!, (scheme, id, year) => events.subjectKey(scheme, id, year)).fetch));
      try {
        await new Promise<void>((resolve, reject) => {
          adminServer.once('error', reject);
          adminServer.listen(socketPath, () => resolve());
        });
        chmodSync(socketPath, 0o600);
        admin = adminServer;
      } catch (e) {
        // Not fatal: the log serves; only partner commands must wait until it stops.
        log({ level: 'warn', msg: 'no admin socket: partner commands will not work while this server runs', socketPath, error: String(e) });
      }
    }
    log({
      level: 'info',
      msg: 'listening',
      url,
      origin: meta.origin,
      verifierKey: meta.verifierKey,
      treeSize: sequencer.head().treeSize,
      store: handle.kind,
      ...(witnessing === undefined ? {} : { witnesses: config.witnesses.length, quorum: config.witnessQuorum }),
    });

    let closing: Promise<void> | undefined;
    return {
      url,
      meta,
      sequencer,
      store,
      close() {
        closing ??= (async () => {
          // Stop accepting; mark the log not ready, let the batch in flight and the queued
          // submissions commit and be answered; then drop idle keep-alive connections.
          await closeServer(server!, stop);
          if (admin !== undefined) await new Promise<void>((resolve) => admin!.close(() => resolve()));
          await handle.close();
          log({ level: 'info', msg: 'stopped', treeSize: sequencer.head().treeSize });
        })();
        return closing;
      },
    };
  } catch (e) {
    server?.close();
    admin?.close();
    await handle.close();
    throw e;
  }
}
