/**
 * The composition root of a service of many logs: configuration → databases (one handle
 * per database, shared by the logs in it) → each log's store in its own schema → log keys
 * → the service's subject-tag keys → each log assembled (assemble.ts) → the front
 * (http/service-app.ts) → a listening server; the shard lifecycle (a log closes for ever at
 * the end of its interval); logs added while it runs; and the graceful stop in reverse.
 *
 * A server started with a single log's flags is a service of one log: the default log,
 * kept in the database's first schema and served at the root URLs it always had.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { chmodSync, existsSync, rmSync, unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type { ServeConfig } from '../config.js';
import { LogError } from '../errors.js';
import { encodeSuccessorRecord } from '../events/index.js';
import { type ServedLog, createServiceApp } from '../http/service-app.js';
import { createRateLimiter } from '../http/rate-limit.js';
import { createTurnPacer } from '../http/turns.js';
import type { LogMeta } from '../log/index.js';
import { parseCosignatureVerifier } from '../note/index.js';
import type { Sequencer } from '../sequencer/index.js';
import { type LogConfig, type ServiceConfig, successorOf } from '../service/index.js';
import { type DatabaseHandle, type ErasurePurge, type PgLogStore, damaged, isCorruption, openDatabase, openLogStoreOn } from '../storage/index.js';
import { type Logger, assembleLog } from './assemble.js';
import { createAccounts, partnersToCarry } from './accounts.js';
import { createServiceAdminApp } from './service-admin.js';
import { type HostedLog, admitsWithin, servedLog } from './hosted-log.js';
import { checkListenable, closeServer, createConnectionLimit, listen } from './http-server.js';
import { processLogger } from './io.js';
import { DEFAULT_ORIGIN, loadLogKey } from './log-key.js';
import { TAG_KEY_FILE, ensureLog, loadCodeLists } from './server.js';
import { readServiceConfig } from './service-config.js';
import { type TagKeyring, checkedTagKeyring, openTagKeyring } from './tag-keys.js';

/** The id the one log of a server started without a configuration file has. */
export const DEFAULT_LOG_ID = 'main';

export interface RunningService {
  readonly url: string;
  /** The default log (or the first), for what a single-log server is asked. */
  readonly meta: LogMeta;
  readonly sequencer: Sequencer;
  readonly store: PgLogStore;
  /** The logs served now, by id. */
  readonly logs: ReadonlyMap<string, HostedLog>;
  /** Reads the configuration file again and starts the logs added to it. */
  reload(): Promise<void>;
  /** Stops accepting, finishes the batches in flight, closes the databases. */
  close(): Promise<void>;
}

/** How long between reads of a log's size, for its storage quota, in ms. */
const STORAGE_POLL_MS = 10_000;

/** How long between looks at the configuration file for changes, in ms. */
const CONFIG_POLL_MS = 1_000;

/**
 * One line for a purge of erasures or of rows stored in the clear; nothing for one that had
 * neither (a new database's first purge only rewrites its empty table of details).
 */
function logPurge(log: Logger, logId: string, report: ErasurePurge): void {
  if (report.through === null && report.sealed === 0 && report.problems.length === 0) return;
  log({
    level: report.problems.length > 0 ? 'warn' : 'info',
    msg: 'purged erased details',
    log: logId,
    ...(report.through === null ? {} : { through: report.through }),
    ...(report.sealed > 0 ? { sealed: report.sealed } : {}),
    rewritten: report.rewritten.length,
    walFlushed: report.walFlushed,
    ...(report.problems.length > 0 ? { problems: report.problems } : {}),
  });
}

/** The service a single-log server is: its one log, the default, from the flags. */
function implicitService(config: ServeConfig, origin: string): ServiceConfig {
  return {
    operator: { name: `The operator of ${origin}`, contact: [] },
    logs: [
      {
        id: DEFAULT_LOG_ID,
        name: origin,
        origin,
        default: true,
        ...(config.keyFile !== undefined ? { keyFile: config.keyFile } : {}),
        ...(config.codesFile !== undefined ? { codesFile: config.codesFile } : {}),
        witnesses: config.witnesses,
        witnessQuorum: config.witnessQuorum,
        mirrors: config.mirrors,
        mirrorQuorum: config.mirrorQuorum,
        quota: {},
        qpd: 86_400,
        contact: `the operator of ${origin}`,
      },
    ],
  };
}

/** Where a log's key is generated when its configuration names no key file. */
function generatedKeyFile(config: ServeConfig, log: LogConfig): string {
  return log.default === true ? join(config.dataDir, 'log.key') : join(config.dataDir, 'keys', `${log.id}.key`);
}

export type { HostedLog };

export async function startService(config: ServeConfig, log: Logger = processLogger): Promise<RunningService> {
  // What the flags and the configuration name is checked before the disk is touched: a
  // failure here leaves no data directory, database or key behind.
  let service: ServiceConfig;
  if (config.serviceFile !== undefined) {
    service = readServiceConfig(config.serviceFile);
  } else {
    if (config.keyFile !== undefined) loadLogKey(config); // reads only; a key is generated (written) only without --key-file
    const origin = config.keyFile !== undefined ? loadLogKey(config).signer.name : (config.origin ?? DEFAULT_ORIGIN);
    service = implicitService(config, origin);
  }
  for (const l of service.logs) {
    loadCodeLists(l.codesFile);
    if (l.keyFile !== undefined) loadLogKey({ keyFile: l.keyFile, dataDir: config.dataDir, origin: l.origin });
  }
  await checkListenable(config.port, config.host);

  const databases = new Map<string, Promise<DatabaseHandle>>();
  const stores: PgLogStore[] = [];
  const onPurge = (logId: string) => (outcome: { report: ErasurePurge } | { error: unknown }) =>
    'error' in outcome
      ? log({ level: 'error', msg: 'purging erased details failed; it is tried again at the next erasure, stop or start', log: logId, error: String(outcome.error) })
      : logPurge(log, logId, outcome.report);
  /** The database a log lives in: the service's, or the one its configuration names; opened once, shared by its logs. */
  const database = (url: string | undefined): Promise<DatabaseHandle> => {
    const key = url ?? '';
    let opened = databases.get(key);
    if (opened === undefined) {
      const at = url ?? config.databaseUrl;
      const timeout = config.connectTimeoutSeconds === undefined ? {} : { connectTimeoutSeconds: config.connectTimeoutSeconds };
      opened = openDatabase(at !== undefined ? { databaseUrl: at, ...timeout } : { dataDir: config.dataDir });
      databases.set(key, opened);
    }
    return opened;
  };
  const openLogStore = async (l: LogConfig): Promise<PgLogStore> => {
    const handle = await database(l.databaseUrl);
    let store: PgLogStore;
    try {
      store = await openLogStoreOn(handle, l.default === true ? undefined : l.id, { onPurge: onPurge(l.id) });
    } catch (e) {
      if (!isCorruption(e)) throw e;
      // Files PostgreSQL can start on but whose pages are damaged: the first read says so.
      const what = handle.kind === 'pglite' ? `the data directory ${config.dataDir}` : 'the PostgreSQL database';
      throw damaged(`${what} is damaged: ${(e as Error).message.replace(/^cannot migrate the database: /, '')}`, e);
    }
    stores.push(store);
    return store;
  };

  const hosted = new Map<string, HostedLog>();
  const timers = new Set<NodeJS.Timeout>();
  let server: Server | undefined;
  let admin: Server | undefined;
  let stopping = false;
  let stopWatching: () => void = () => {};
  const started = new Date();
  const closeDatabases = async () => {
    for (const s of stores) await s.close().catch(() => {});
    for (const opened of databases.values()) await (await opened.catch(() => undefined))?.close();
  };

  try {
    const tagKeyFile = config.tagKeyFile ?? join(config.dataDir, TAG_KEY_FILE);
    // Whether the file was there before this start: the first log started makes it when it is
    // not, and must not hide from the next that it was lost.
    const tagKeysExisted = existsSync(tagKeyFile);
    // The subject-tag keys are the service's, per year: every log of a year derives its
    // claimants' tags with the same key, so one subject key finds a person in all of them.
    let keyring: TagKeyring | undefined;
    const serviceKeyring = async (): Promise<TagKeyring> => (keyring ??= await openTagKeyring(tagKeyFile, { managed: config.tagKeyFile === undefined }));
    // One pacing of the event loop's turns for the server and every log's sequencer.
    const pacer = createTurnPacer();
    const connections = createConnectionLimit(config.clients.trustProxy ? 0 : config.clients.maxConnectionsPerAddress);
    // One budget per address across the service: a client cannot multiply its limit by the number of logs.
    const addressLimit = {
      ...(config.clients.addressRate > 0 ? { limiter: createRateLimiter({ rate: config.clients.addressRate, burst: config.clients.addressBurst }) } : {}),
      trustProxy: config.clients.trustProxy,
      refusedConnection: connections.refused,
    };

    const startLog = async (l: LogConfig): Promise<HostedLog> => {
      const store = await openLogStore(l);
      // Before anything is written: a new tag-keys.json beside a log that uses year keys would
      // only be refused (its keys are not the log's), and would hide that the file is lost.
      if (config.tagKeyFile === undefined && !tagKeysExisted) {
        const years = await store.tagKeyYears();
        if (years.length > 0) {
          throw new LogError(
            'UNAVAILABLE',
            `the subject-tag key file ${tagKeyFile} is missing, but the log ${l.id} already uses its keys for ${years.join(', ')}: restore the file from a backup (its keys cannot be made again; README, "Backing up and restoring a log") or give --tag-key-file; nothing was written`,
            { field: 'tag-key-file' },
          );
        }
      }
      const problems = await store.erasureSettingProblems();
      if (problems.length > 0) log({ level: 'warn', msg: `erased details can stay on the database server's disk: ${problems.join('; ')}`, log: l.id, problems });
      logPurge(log, l.id, await store.purgeErased());
      const keyOptions = l.default === true && config.serviceFile === undefined ? config : { keyFile: l.keyFile, dataDir: config.dataDir, origin: l.origin, file: generatedKeyFile(config, l) };
      const { signer, generated } = loadLogKey(keyOptions);
      if (generated !== undefined) log({ level: 'info', msg: 'generated a new log key', log: l.id, keyFile: generated, verifierKey: signer.verifierKey });
      const meta = await ensureLog(store, signer);
      const tagKeys = checkedTagKeyring(await serviceKeyring(), store);
      await tagKeys.checkAll();
      const assembled = await assembleLog({
        store,
        signer,
        meta,
        keyring: tagKeys,
        codes: loadCodeLists(l.codesFile),
        log: (record) => log({ ...record, log: l.id }),
        maxPending: config.maxPending,
        maxBatch: config.maxBatch,
        answersPerTurn: pacer.answersPerTurn,
        tileCacheBytes: config.tileCacheMiB * 1024 * 1024,
        bundleCacheBytes: config.bundleCacheMiB * 1024 * 1024,
        ...(l.witnesses.length > 0
          ? {
              witnessing: { witnesses: l.witnesses.map((w) => ({ ...w, verifier: parseCosignatureVerifier(w.verifierKey) })), quorum: l.witnessQuorum },
              witnessWaitMs: config.witnessWaitSeconds * 1000,
            }
          : {}),
        ...(l.mirrors.length > 0
          ? {
              mirroring: { mirrors: l.mirrors.map((m) => ({ ...m, verifier: parseCosignatureVerifier(m.verifierKey) })), quorum: l.mirrorQuorum },
              mirrorWaitMs: config.mirrorWaitSeconds * 1000,
            }
          : {}),
        accessLog: config.accessLog,
        ...(config.rateLimit > 0 ? { rateLimit: createRateLimiter({ rate: config.rateLimit, burst: config.rateBurst }) } : {}),
        addressLimit,
        ...(l.quota.entriesPerSecond === undefined
          ? {}
          : { logQuota: { limiter: createRateLimiter({ rate: l.quota.entriesPerSecond, burst: l.quota.entriesPerSecond }), entriesPerSecond: l.quota.entriesPerSecond } }),
        ...(l.default === true ? {} : { basePath: `/logs/${l.id}/` }),
        // Its home page lists the service's other logs (read on every page load: logs come and close).
        web: {
          service: () =>
            currentConfig.logs.flatMap((other) => {
              const h = hosted.get(other.id);
              return h === undefined ? [] : [{ id: other.id, name: other.name, href: other.default === true ? '/' : `/logs/${other.id}/`, open: !h.assembled.sequencer.readOnly() }];
            }),
        },
        admits: admitsFor(l),
      });
      assembled.witnessing?.offer(assembled.sequencer.head()); // the head this server starts on may never have been witnessed
      if (assembled.witnessing === undefined) assembled.mirroring?.offer(assembled.sequencer.head()); // nor mirrored
      const entry: HostedLog = { config: l, store, meta, assembled, served: undefined as unknown as ServedLog, lifecycle: await store.readLifecycle() };
      (entry as { served: ServedLog }).served = servedLog(entry, { successor: () => successorOf(currentConfig, entry.config), started });
      const previous = neighbour(l, 'before');
      if (previous !== undefined) await carryPartners(previous, entry);
      await readStorage(entry); // before the log is served: a log over its quota never takes a write
      hosted.set(l.id, entry);
      scheduleClose(entry);
      watchStorage(entry);
      log({ level: 'info', msg: 'log started', log: l.id, origin: meta.origin, verifierKey: meta.verifierKey, treeSize: assembled.sequencer.head().treeSize, store: (await database(l.databaseUrl)).kind });
      return entry;
    };

    /**
     * Whether a log takes a partner's write now: within its interval, and under its storage
     * quota. The size is read every STORAGE_POLL_MS (one catalog query), not per write.
     */
    const overQuota = new Map<string, LogError>();
    const admitsFor = (l: LogConfig): (() => LogError | undefined) => {
      const within = l.interval === undefined ? undefined : admitsWithin(l.interval);
      return () => within?.() ?? overQuota.get(l.id);
    };
    const readStorage = async (h: HostedLog): Promise<void> => {
      const limit = h.config.quota.storageBytes;
      if (limit === undefined) return;
      try {
        const bytes = await h.store.storageBytes();
        const over = bytes >= limit;
        if (over && !overQuota.has(h.config.id)) log({ level: 'warn', msg: 'the log reached its storage quota: partner writes are refused', log: h.config.id, bytes, quota: limit });
        if (over) overQuota.set(h.config.id, new LogError('QUOTA_EXCEEDED', `this log holds ${bytes} bytes, at or over its storage quota of ${limit}`));
        else overQuota.delete(h.config.id);
      } catch (e) {
        log({ level: 'warn', msg: "couldn't read the log's size for its storage quota", log: h.config.id, error: String(e) });
      }
    };
    const watchStorage = (h: HostedLog): void => {
      if (h.config.quota.storageBytes === undefined || stopping) return;
      later(() => void readStorage(h).finally(() => watchStorage(h)), STORAGE_POLL_MS);
    };

    /** The shard that precedes or follows `l` under its alias, when this service runs it. */
    const neighbour = (l: LogConfig, which: 'before' | 'after'): HostedLog | undefined => {
      if (l.alias === undefined || l.interval === undefined) return undefined;
      const shards = [...hosted.values()].filter((h) => h.config.alias === l.alias && h.config.interval !== undefined && h.config.id !== l.id);
      if (which === 'after') {
        const next = successorOf(currentConfig, l);
        return next === undefined ? undefined : hosted.get(next.id);
      }
      return shards
        .filter((h) => h.config.interval!.end.getTime() <= l.interval!.start.getTime())
        .sort((x, y) => y.config.interval!.end.getTime() - x.config.interval!.end.getTime())[0];
    };
    /**
     * A partner of a body keeps one URL and one token across the year's turn: its shard's
     * successor is given the shard's partners (token hashes and keys) when it starts, and
     * again when the shard closes (for partners given to the shard meanwhile).
     */
    const carryPartners = async (from: HostedLog, to: HostedLog): Promise<void> => {
      if (to.assembled.sequencer.readOnly()) return;
      const given = await createAccounts(to.store, to.assembled.events.operatorActs!, 'sightline service').carryPartners(from.meta.origin, await partnersToCarry(from.store));
      if (given.length > 0) log({ level: 'info', msg: 'partners carried to the successor shard', log: to.config.id, from: from.config.id, partners: given });
    };

    /**
     * Closes a log for ever (its interval ended, or it was retired): its final checkpoint is
     * signed and stored, and every server of the log refuses entries from then on. A failure
     * (the database away) is tried again shortly: the log takes no entries meanwhile.
     */
    const closeLog = (h: HostedLog, why: string): Promise<void> => {
      h.closing ??= (async () => {
        const next = neighbour(h.config, 'after');
        if (next !== undefined) await carryPartners(h, next);
        // The log's last entry names the log after it, with its key: a reader of this log
        // follows the chain from the log itself, not only from the service's lists.
        const announcement =
          next === undefined || next.config.interval === undefined
            ? []
            : [encodeSuccessorRecord({ origin: next.meta.origin, vkey: next.meta.verifierKey, start: `${next.config.interval.start.toISOString().slice(0, 19)}Z` })];
        const final = await h.assembled.sequencer.finalize(announcement);
        h.lifecycle = await h.store.readLifecycle();
        log({ level: 'info', msg: 'log closed: read-only for ever', log: h.config.id, why, treeSize: final.treeSize, checkpoint: final.checkpoint });
      })().catch((e) => {
        h.closing = undefined;
        log({ level: 'error', msg: 'closing the log failed; trying again shortly', log: h.config.id, error: String(e) });
        if (!stopping) later(() => void closeLog(h, why), 5_000);
      });
      return h.closing;
    };
    const later = (run: () => void, ms: number): void => {
      const t = setTimeout(() => {
        timers.delete(t);
        run();
      }, ms);
      t.unref();
      timers.add(t);
    };
    /** Arms the end of a log's interval (or closes it now, when it is over or retired). */
    const scheduleClose = (h: HostedLog): void => {
      const { readOnly, interval } = h.config;
      if (h.lifecycle !== undefined && h.assembled.sequencer.readOnly()) return;
      if (readOnly === true) return void closeLog(h, 'retired');
      if (interval === undefined) return;
      const wait = interval.end.getTime() - Date.now();
      if (wait <= 0) return void closeLog(h, 'its interval ended');
      // setTimeout holds at most 2^31 − 1 ms (about 24 days): a longer wait is armed again.
      later(() => scheduleClose(h), Math.min(wait, 2 ** 31 - 1));
    };

    let currentConfig = service;
    for (const l of service.logs) await startLog(l);

    const defaultLog = service.logs.find((l) => l.default === true);
    const front = createServiceApp({
      operator: service.operator,
      ...(service.publicUrl !== undefined ? { publicUrl: service.publicUrl } : {}),
      logs: () => currentConfig.logs.flatMap((l) => hosted.get(l.id)?.served ?? []),
      ...(defaultLog !== undefined ? { defaultLog: () => hosted.get(defaultLog.id)?.served } : {}),
      now: () => new Date(),
      log,
      async ready() {
        if (stopping) throw new Error('stopping');
        for (const h of hosted.values()) await h.store.ping();
      },
      software: { name: 'sightline' },
    });
    let url: string;
    ({ server, url } = await listen(front.fetch, config.port, config.host, config.http, { connections, pacer }));

    // With PGlite only this process can open the data directory, so partner commands
    // reach the running logs through a socket in it (filesystem permissions guard it): the
    // default log's at the root, each log's under /logs/<id>.
    const main = (await database(undefined)).kind;
    if (main === 'pglite') {
      const socketPath = join(config.dataDir, 'admin.sock');
      rmSync(socketPath, { force: true });
      const adminFront = createServiceAdminApp({ hosted, defaultLogId: defaultLog?.id, reload });
      const adminServer = createHttpServer(getRequestListener(adminFront.fetch));
      try {
        await new Promise<void>((resolve, reject) => {
          adminServer.once('error', reject);
          adminServer.listen(socketPath, () => resolve());
        });
        chmodSync(socketPath, 0o600);
        admin = adminServer;
      } catch (e) {
        // Not fatal: the logs serve; only partner commands must wait until it stops.
        log({ level: 'warn', msg: 'no admin socket: partner commands will not work while this server runs', socketPath, error: String(e) });
      }
    }

    /** One reload at a time: the configuration is read again and new logs started. */
    let reloading: Promise<void> = Promise.resolve();
    async function reload(): Promise<void> {
      const run = reloading.then(async () => {
        if (config.serviceFile === undefined || stopping) return;
        let next: ServiceConfig;
        try {
          next = readServiceConfig(config.serviceFile);
        } catch (e) {
          log({ level: 'error', msg: 'the configuration file was changed but is not valid; the service runs on as it was', error: (e as Error).message });
          return;
        }
        for (const l of next.logs) {
          const running = hosted.get(l.id);
          if (running === undefined) continue;
          if (running.config.origin !== l.origin || running.config.default !== l.default || running.config.databaseUrl !== l.databaseUrl) {
            log({ level: 'error', msg: `the configuration changes the log ${l.id}'s origin, database or default flag; that log keeps its own until restarted, and the change is refused`, log: l.id });
            return;
          }
        }
        for (const l of next.logs) {
          const running = hosted.get(l.id);
          if (running !== undefined && l.readOnly === true && running.config.readOnly !== true) {
            running.config = { ...running.config, readOnly: true };
            scheduleClose(running);
          }
        }
        currentConfig = { ...next, logs: next.logs.map((l) => hosted.get(l.id)?.config ?? l) };
        for (const l of next.logs) {
          if (hosted.has(l.id)) continue;
          try {
            await startLog(l);
          } catch (e) {
            log({ level: 'error', msg: 'a log added to the configuration could not be started', log: l.id, error: (e as Error).message });
          }
        }
      });
      reloading = run.catch(() => {});
      return run;
    }
    if (config.serviceFile !== undefined) {
      const file = config.serviceFile;
      watchFile(file, { interval: CONFIG_POLL_MS, persistent: false }, () => void reload());
      stopWatching = () => unwatchFile(file);
    }

    const first = hosted.get(defaultLog?.id ?? service.logs[0]!.id)!;
    log({ level: 'info', msg: 'listening', url, logs: [...hosted.keys()], origin: first.meta.origin, verifierKey: first.meta.verifierKey, treeSize: first.assembled.sequencer.head().treeSize, store: main });

    let closing: Promise<void> | undefined;
    return {
      url,
      meta: first.meta,
      sequencer: first.assembled.sequencer,
      store: first.store,
      logs: hosted,
      reload,
      close() {
        closing ??= (async () => {
          stopping = true;
          stopWatching();
          for (const t of timers) clearTimeout(t);
          // Stop accepting; mark the logs not ready, let the batches in flight and the queued
          // submissions commit and be answered; then drop idle keep-alive connections.
          await closeServer(server!, async () => {
            await Promise.all([...hosted.values()].map((h) => h.assembled.stop()));
          });
          if (admin !== undefined) await new Promise<void>((resolve) => admin!.close(() => resolve()));
          await closeDatabases();
          log({ level: 'info', msg: 'stopped', logs: Object.fromEntries([...hosted].map(([id, h]) => [id, h.assembled.sequencer.head().treeSize])) });
        })();
        return closing;
      },
    };
  } catch (e) {
    stopWatching();
    server?.close();
    admin?.close();
    await Promise.all([...hosted.values()].map((h) => h.assembled.stop().catch(() => {})));
    await closeDatabases();
    throw e;
  }
}
