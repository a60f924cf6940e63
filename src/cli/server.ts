/**
 * The composition root: config → database → migrations → store → log key → sequencer →
 * read service → HTTP app → listening server, and the graceful stop in reverse order.
 * The only place that wires concrete adapters together.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type { ServeConfig } from '../config.js';
import { LogError, isLogError } from '../errors.js';
import { createApp } from '../http/index.js';
import { createRateLimiter } from '../http/rate-limit.js';
import type { LogMeta, LogStore } from '../log/index.js';
import { EMPTY_ROOT } from '../merkle/index.js';
import { createMetrics } from '../metrics/index.js';
import { type Ed25519NoteSigner, formatCheckpoint, parseCosignatureVerifier, signNote } from '../note/index.js';
import { createHeadCache, createReadService, createTileCache, storeHashReader } from '../read/index.js';
import { type Sequencer, createSequencer } from '../sequencer/index.js';
import { type Witnessing, createWitnessing } from '../witnessing/index.js';
import { type StoreHandle, openStore } from './store.js';
import { loadLogKey } from './log-key.js';
import { createAdminApp } from './admin.js';
import { closeServer, listen } from './http-server.js';
import { createOperatorAuth, createPartnerAuth } from './partners.js';
import { createNodeEd25519Verify, nodeHmacSha256, nodeLeafHash, nodeNodeHash, nodeSha256 } from './node-crypto.js';
import { type TagKeyring, checkedTagKeyring, openTagKeyring } from './tag-keys.js';
import { type CodeLists, DEFAULT_CODES, parseCodeLists } from '../events/index.js';
import { type CodeListsInForce, codeListsInForce, prepareEvent } from '../intake/index.js';
import type { EventApi } from '../http/event-routes.js';
import { formatHeldKey, normalizeSubjectId, subjectKey, type SubjectScheme } from '../subject/index.js';
import { createWebDeps } from '../web/index.js';

export type Logger = (record: Record<string, unknown>) => void;

export const jsonLogger: Logger = (record) => {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
};

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

/** Typed events, wired to a store, the year keys and the code lists in force. */
export function createEventApi(
  store: LogStore,
  origin: string,
  keyring: TagKeyring,
  inForce: CodeListsInForce,
  options: { operatorAuthTtlMs?: number; now?: () => Date } = {},
): EventApi {
  const verify = createNodeEd25519Verify();
  return {
    async prepare(body, partner) {
      const submission = await prepareEvent(body, partner, {
        origin,
        codes: () => inForce.codes,
        yearKey: (year) => keyring.keyFor(year),
        verify,
        sha256: nodeSha256,
        hmacSha256: nodeHmacSha256,
        now: options.now,
      });
      await inForce.ensureRecorded(); // before the first event checked against these lists
      return submission;
    },
    codes: () => inForce,
    store,
    authenticateOperator: createOperatorAuth(store, options.operatorAuthTtlMs),
    async subjectKey(scheme, id, year) {
      // Checked here so that errors name this request's fields, not an event's.
      try {
        normalizeSubjectId(scheme, id);
      } catch (e) {
        throw isLogError(e) ? new LogError(e.code, e.message, { field: e.field === 'subject.scheme' ? 'scheme' : 'id', hint: e.hint }) : e;
      }
      if (!keyring.years().includes(year)) {
        throw new LogError('NOT_FOUND', `no subject-tag key for ${year}: no event of that year can be in this log`, { field: 'year', hint: `keys exist for ${keyring.years().join(', ')}` });
      }
      const key = subjectKey(await keyring.keyFor(year), scheme as SubjectScheme, id);
      return formatHeldKey({ kind: 'subject', year, key });
    },
  };
}

export interface RunningServer {
  readonly url: string;
  readonly meta: LogMeta;
  readonly sequencer: Sequencer;
  readonly store: LogStore;
  /** Stops accepting, finishes the batch in flight, closes the database. */
  close(): Promise<void>;
}

export async function startServer(config: ServeConfig, log: Logger = jsonLogger): Promise<RunningServer> {
  const handle: StoreHandle = await openStore(config);
  const { store } = handle;
  let server: Server | undefined;
  let admin: Server | undefined;
  try {
    const { signer, generated } = loadLogKey(config);
    if (generated !== undefined) log({ level: 'info', msg: 'generated a new log key', keyFile: generated, verifierKey: signer.verifierKey });
    const meta = await ensureLog(store, signer);
    const metrics = createMetrics();
    const heads = createHeadCache(store);
    const tiles = createTileCache(store, config.tileCacheMiB * 1024 * 1024, nodeNodeHash);
    // Witnesses: each committed head is offered; the quorum-cosigned one is what is published.
    let witnessing: Witnessing | undefined;
    const sequencer = await createSequencer({
      store,
      signer,
      origin: meta.origin,
      maxPending: config.maxPending,
      maxBatch: config.maxBatch,
      leafHash: nodeLeafHash,
      nodeHash: nodeNodeHash,
      hashReader: (treeSize) => storeHashReader(tiles, treeSize),
      onCommitted: (batch) => {
        heads.offer(batch.head);
        tiles.offer(batch.tiles);
        witnessing?.offer(batch.head);
      },
      onCommit: (s) => {
        metrics.batchSize.observe(s.entries);
        metrics.commitSeconds.observe(s.seconds);
        metrics.treeSize.set(s.treeSize);
      },
      onError: (e) => log({ level: 'error', msg: 'batch failed', error: String(e), cause: e instanceof Error ? String(e.cause ?? '') : undefined }),
    });
    metrics.treeSize.set(sequencer.head().treeSize);
    const read = createReadService(store, meta, { heads, tiles, hashNode: nodeNodeHash, ...(config.witnesses.length > 0 ? { witnessed: () => witnessing!.current() } : {}) });
    if (config.witnesses.length > 0) {
      witnessing = createWitnessing({
        witnesses: config.witnesses.map((w) => ({ ...w, verifier: parseCosignatureVerifier(w.verifierKey) })),
        quorum: config.witnessQuorum,
        store,
        consistencyProof: async (from, to) => (await read.consistencyProof(from, to)).consistencyProof,
        log,
      });
      witnessing.offer(sequencer.head()); // the head this server starts on may never have been witnessed
    }
    const keyring = checkedTagKeyring(await openTagKeyring(config.tagKeyFile ?? join(config.dataDir, TAG_KEY_FILE), { managed: config.tagKeyFile === undefined }), store);
    await keyring.checkAll(); // a server holding other year keys than the log's refuses to start
    const inForce = codeListsInForce(store, sequencer, loadCodeLists(config.codesFile), nodeSha256);
    let stopping = false;
    const events = createEventApi(store, meta.origin, keyring, inForce);
    const app = createApp({
      read,
      ...(witnessing === undefined ? {} : { witnessing, witnessWaitMs: config.witnessWaitSeconds * 1000 }),
      sequencer,
      authenticate: createPartnerAuth(store),
      events,
      metrics,
      ready: async () => {
        if (stopping) throw new Error('stopping');
        await store.ping();
      },
      log,
      accessLog: config.accessLog,
      web: createWebDeps({ read, store, events, ...(witnessing === undefined ? {} : { witnessing }), log }),
      ...(config.rateLimit > 0 ? { rateLimit: createRateLimiter({ rate: config.rateLimit, burst: config.rateBurst }) } : {}),
    });
    let url: string;
    ({ server, url } = await listen(app.fetch, config.port, config.host, config.http));

    // With PGlite only this process can open the data directory, so partner commands
    // reach the running log through a socket in it (filesystem permissions guard it).
    if (handle.kind === 'pglite') {
      const socketPath = join(config.dataDir, 'admin.sock');
      rmSync(socketPath, { force: true });
      const adminServer = createHttpServer(getRequestListener(createAdminApp(store).fetch));
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
          // Stop accepting; let the batch in flight and the queued submissions commit and
          // be answered; then drop idle keep-alive connections.
          stopping = true;
          await closeServer(server!, async () => {
            await sequencer.stop();
            await witnessing?.stop();
          });
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
