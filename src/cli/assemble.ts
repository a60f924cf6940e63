/**
 * One log, assembled in-process from its parts: the head and tile caches, the sequencer and
 * what each committed batch is handed to, the code lists in force, the read service, the
 * witnesses, the event API and the HTTP app with the explorer's pages. The server and the
 * tests both assemble a log here, so that what they run is wired the same way.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_TILE_CACHE_MIB } from '../config.js';
import { bytesEqual, encodeHex } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import { type CodeLists, DEFAULT_CODES, OPERATOR_PARTNER } from '../events/index.js';
import { createApp } from '../http/index.js';
import type { EventApi } from '../http/event-routes.js';
import type { AddressLimit, AppDeps } from '../http/app.js';
import type { RateLimiter } from '../http/rate-limit.js';
import { type CodeListsInForce, codeListsInForce, prepareEvent } from '../intake/index.js';
import type { LogMeta, LogStore } from '../log/index.js';
import { type Metrics, createMetrics } from '../metrics/index.js';
import { type NoteSigner, ed25519Signer } from '../note/index.js';
import { type OperatorKey, createOperatorRecorder, operatorKeySeed, pseudonym, pseudonymKey } from '../operator/index.js';
import { type ReadService, createHeadCache, createReadService, createBundleCache, createTileCache, storeHashReader } from '../read/index.js';
import { type EventSequencer, type EventSubmission, createEventSequencer } from '../sequencer/index.js';
import { formatHeldKey, normalizeSubjectId, subjectKey, type SubjectScheme } from '../subject/index.js';
import { type WebSources, createWebDeps } from '../web/index.js';
import { type Witnessing, type WitnessingOptions, createWitnessing } from '../witnessing/index.js';
import { type Mirroring, type MirroringOptions, createMirroring } from '../mirroring/index.js';
import { parseTilePath } from '../merkle/index.js';
import { createNodeEd25519Verify, nodeEd25519, nodeHmacSha256, nodeLeafHash, nodeNodeHash, nodeSha256 } from './node-crypto.js';
import { createAuditorAuth, createOperatorAuth, createPartnerAuth } from './partners.js';
import type { TagKeyring } from './tag-keys.js';

export type Logger = (record: Record<string, unknown>) => void;

/**
 * The log operator's event key (derived from the log key: operatorKeySeed) and its partner
 * account, created on first use. The account has no usable token: its events are only ever
 * recorded by the log itself.
 */
export async function ensureOperatorPartner(store: LogStore, signer: NoteSigner): Promise<OperatorKey> {
  const seed = operatorKeySeed((m) => signer.sign(m), nodeSha256);
  const eventSigner = ed25519Signer(OPERATOR_PARTNER, seed, nodeEd25519);
  const key: OperatorKey = { publicKey: eventSigner.publicKey, sign: eventSigner.sign, pseudonymKey: pseudonymKey(seed, nodeSha256) };
  const find = async () => (await store.listPartners()).find((p) => p.id === OPERATOR_PARTNER);
  let account = await find();
  if (account === undefined) {
    try {
      await store.addPartner({ id: OPERATOR_PARTNER, name: 'The log operator (its own acts)', tokenHash: nodeSha256(randomBytes(32)), publicKey: key.publicKey });
    } catch (e) {
      if (!isLogError(e)) throw e; // another server of the log created it first: read it below
    }
    account = await find();
  }
  if (account === undefined || account.publicKey === null || !bytesEqual(account.publicKey, key.publicKey)) {
    throw new LogError('UNAVAILABLE', `partner ${OPERATOR_PARTNER} is reserved for the log operator's own events, but this database has it with another key`, {
      field: 'partner',
      hint: `the account ${OPERATOR_PARTNER} must be the log's own: start with this database's log key, or remove the account that was made by hand`,
    });
  }
  return key;
}

/** Typed events, wired to a store, the year keys and the code lists in force. */
export function createEventApi(
  store: LogStore,
  origin: string,
  keyring: TagKeyring,
  inForce: CodeListsInForce,
  options: { operatorAuthTtlMs?: number; now?: () => Date; operator?: { key: OperatorKey; submit: (s: EventSubmission) => Promise<{ readonly leafIndex: number }> } } = {},
): EventApi {
  const verify = createNodeEd25519Verify();
  const api: EventApi = {
    async prepare(body, partner) {
      const submission = await prepareEvent(body, partner, {
        origin,
        codes: () => inForce.codes,
        yearKey: (year) => keyring.keyFor(year),
        verify,
        sha256: nodeSha256,
        hmacSha256: nodeHmacSha256,
        now: options.now,
        targets: {
          leaf: async (index) => (await store.readEntries(index, 1))[0],
          count: async (key) => (await store.readCounters([key])).get(encodeHex(key)) ?? 0,
          async revealHash(index) {
            const stored = await store.readDetails(index);
            return stored === undefined ? undefined : 'erasedBy' in stored ? null : stored.revealHash;
          },
        },
      });
      await inForce.ensureRecorded(); // before the first event checked against these lists
      return submission;
    },
    codes: () => inForce,
    store,
    authenticateOperator: createOperatorAuth(store, options.operatorAuthTtlMs),
    authenticateAuditor: createAuditorAuth(store, options.operatorAuthTtlMs),
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
  if (options.operator !== undefined) {
    const { key, submit } = options.operator;
    const recorder = createOperatorRecorder({
      origin,
      key,
      prepare: (body, partner) => api.prepare(body, partner),
      submit,
      lastSequence: async () => (await store.partnerSequence(OPERATOR_PARTNER, 0)).last ?? 0,
      randomBytes: (n) => new Uint8Array(randomBytes(n)),
      now: options.now ?? (() => new Date()),
    });
    return { ...api, operatorActs: { record: (act) => recorder.record(act), pseudonym: (kind, id) => pseudonym(key, nodeHmacSha256, kind, id) } };
  }
  return api;
}

/**
 * How the explorer's pages are served: where the browser module is, how the public figures
 * are refreshed, and which witnesses they list (by default the log's own).
 */
export type WebOptions = Pick<WebSources, 'explorerScript' | 'figures' | 'witnessing' | 'service'>;

const TILE_CACHE_BYTES = DEFAULT_TILE_CACHE_MIB * 1024 * 1024;

export interface LogParts {
  readonly store: LogStore;
  /** The log key: it signs each checkpoint. */
  readonly signer: NoteSigner;
  /** The log in the store, as `ensureLog` found or created it. */
  readonly meta: LogMeta;
  /** The subject-tag year keys. */
  readonly keyring: TagKeyring;
  /** The code lists events are checked against; by default the built-in ones. */
  readonly codes?: CodeLists;
  /** Structured log sink: one JSON object per call. */
  readonly log: Logger;
  /** By default with Node's process metrics. */
  readonly metrics?: Metrics;
  readonly maxPending?: number;
  readonly maxBatch?: number;
  /** The server's pacing of receipts (src/http/turns.ts). */
  readonly answersPerTurn?: () => number;
  /** The most tile bytes kept in memory. */
  readonly tileCacheBytes?: number;
  /** The most full entry bundle bytes kept in memory (DEFAULT_BUNDLE_CACHE_BYTES unless given), as many gzipped. */
  readonly bundleCacheBytes?: number;
  /** The witnesses to offer each committed head to, when the log has any. */
  readonly witnessing?: Omit<WitnessingOptions, 'store' | 'consistencyProof' | 'log'>;
  /** The longest a write with `?witnessed=true` waits for its witnessed receipt. */
  readonly witnessWaitMs?: number;
  /** The mirrors to bring up to each checkpoint (the witnessed one, with witnesses), when the log has any. */
  readonly mirroring?: Omit<MirroringOptions, 'source' | 'log'>;
  /** The longest a write with `?mirrored=true` waits for its mirrored receipt. */
  readonly mirrorWaitMs?: number;
  /** Per-partner limits on writes, when on. */
  readonly rateLimit?: RateLimiter;
  /** Per-address limits on requests without a partner or operator token, when on. */
  readonly addressLimit?: AddressLimit;
  /** The log's quota of writes a second, all partners together, when it has one. */
  readonly logQuota?: AppDeps['logQuota'];
  /** Log every request; otherwise only those answered with a 5xx status. */
  readonly accessLog?: boolean;
  /** The explorer's pages are served unless this is false. */
  readonly web?: boolean | WebOptions;
  /** How long a partner's or an operator's token stays cached: a revocation takes effect within it. */
  readonly partnerAuthTtlMs?: number;
  readonly operatorAuthTtlMs?: number;
  /** A further check for /readyz, besides the store answering and the log not stopping. */
  readonly ready?: () => Promise<void>;
  /** gzip for entry bundles; zlib's, off the event loop, by default. */
  readonly gzip?: (data: Uint8Array) => Promise<Uint8Array>;
  /** Whether the log takes a partner's entry now (a temporal shard: only within its interval); by default always. */
  readonly admits?: () => LogError | undefined;
  /** Where the log is served: `/` (the default) or its prefix on a service of many logs, such as `/logs/dwp-2026/` (http/mount.ts). */
  readonly basePath?: string;
}

export interface AssembledLog {
  readonly app: ReturnType<typeof createApp>;
  readonly sequencer: EventSequencer;
  readonly read: ReadService;
  readonly witnessing: Witnessing | undefined;
  readonly mirroring: Mirroring | undefined;
  readonly events: EventApi;
  readonly inForce: CodeListsInForce;
  readonly metrics: Metrics;
  /** Marks the log not ready, lets the batch in flight and the queued submissions commit, and stops witnessing. */
  stop(): Promise<void>;
}

export async function assembleLog(parts: LogParts): Promise<AssembledLog> {
  const { store, meta, log } = parts;
  const metrics = parts.metrics ?? createMetrics();
  const heads = createHeadCache(store);
  const tiles = createTileCache(store, parts.tileCacheBytes ?? TILE_CACHE_BYTES, nodeNodeHash);
  // Witnesses: each committed head is offered; the quorum-cosigned one is what is published.
  let witnessing: Witnessing | undefined;
  // Mirrors: brought up to each witnessed checkpoint (each committed head without witnesses).
  let mirroring: Mirroring | undefined;
  const read = createReadService(store, meta, {
    heads,
    tiles,
    hashNode: nodeNodeHash,
    hashLeaf: nodeLeafHash,
    ...(parts.bundleCacheBytes === undefined ? {} : { bundles: createBundleCache(parts.bundleCacheBytes) }),
    ...(parts.witnessing === undefined ? {} : { witnessed: () => witnessing!.current() }),
  });
  const sequencer = await createEventSequencer({
    store,
    signer: parts.signer,
    origin: meta.origin,
    maxPending: parts.maxPending,
    maxBatch: parts.maxBatch,
    ...(parts.answersPerTurn === undefined ? {} : { answersPerTurn: parts.answersPerTurn }),
    leafHash: nodeLeafHash,
    nodeHash: nodeNodeHash,
    hashReader: (treeSize) => storeHashReader(tiles, treeSize),
    onCommitted: (batch) => {
      heads.offer(batch.head);
      tiles.offer(batch.tiles);
      read.offerEntries(batch.entries);
      witnessing?.offer(batch.head);
      if (witnessing === undefined) mirroring?.offer(batch.head);
    },
    onCommit: (s) => {
      metrics.batchSize.observe(s.entries);
      metrics.commitSeconds.observe(s.seconds);
      metrics.treeSize.set(s.treeSize);
    },
    onError: (e) => log({ level: 'error', msg: 'batch failed', error: String(e), cause: e instanceof Error ? String(e.cause ?? '') : undefined }),
  });
  metrics.treeSize.set(sequencer.head().treeSize);
  if (parts.witnessing !== undefined) {
    witnessing = createWitnessing({
      ...parts.witnessing,
      store,
      consistencyProof: async (from, to) => (await read.consistencyProof(from, to)).consistencyProof,
      log,
      onWitnessed: (head) => mirroring?.offer(head),
    });
  }
  if (parts.mirroring !== undefined) {
    mirroring = createMirroring({
      ...parts.mirroring,
      // The log's own tree, as a tlog-tiles client reads it: a path it does not serve is a 404.
      source: async (path) => {
        try {
          return await read.tile(parseTilePath(path));
        } catch (e) {
          if (isLogError(e, 'NOT_FOUND') || isLogError(e, 'OUT_OF_RANGE')) return undefined;
          throw e;
        }
      },
      log,
    });
  }
  const inForce = codeListsInForce(store, sequencer, parts.codes ?? DEFAULT_CODES, nodeSha256);
  const operatorKey = await ensureOperatorPartner(store, parts.signer);
  const events = createEventApi(store, meta.origin, parts.keyring, inForce, {
    operatorAuthTtlMs: parts.operatorAuthTtlMs,
    operator: { key: operatorKey, submit: (s) => sequencer.submitEvent(s) },
  });
  const web = parts.web ?? true;
  const pages =
    web === false
      ? undefined
      : createWebDeps({
          read,
          store,
          events,
          log,
          ...(web === true ? {} : web),
          witnessing: (web === true ? undefined : web.witnessing) ?? witnessing,
          ...(parts.mirroring === undefined ? {} : { mirrors: parts.mirroring.mirrors.map((m) => m.url) }),
          ...(parts.basePath === undefined ? {} : { basePath: parts.basePath }),
        });
  let stopping = false;
  const app = createApp({
    read,
    ...(witnessing === undefined ? {} : { witnessing, witnessWaitMs: parts.witnessWaitMs }),
    ...(mirroring === undefined ? {} : { mirroring, mirrorWaitMs: parts.mirrorWaitMs }),
    sequencer,
    authenticate: createPartnerAuth(store, parts.partnerAuthTtlMs),
    events,
    metrics,
    ready: async () => {
      if (stopping) throw new Error('stopping');
      await parts.ready?.();
      await store.ping();
    },
    log,
    accessLog: parts.accessLog,
    ...(pages === undefined ? {} : { web: pages }),
    ...(parts.rateLimit === undefined ? {} : { rateLimit: parts.rateLimit }),
    ...(parts.addressLimit === undefined ? {} : { addressLimit: parts.addressLimit }),
    ...(parts.logQuota === undefined ? {} : { logQuota: parts.logQuota }),
    ...(parts.admits === undefined ? {} : { admits: parts.admits }),
    ...(parts.gzip === undefined ? {} : { gzip: parts.gzip }),
    ...(parts.bundleCacheBytes === undefined ? {} : { gzippedBundleCacheBytes: parts.bundleCacheBytes }),
    ...(parts.basePath === undefined ? {} : { basePath: parts.basePath }),
  });
  return {
    app,
    sequencer,
    read,
    witnessing,
    mirroring,
    events,
    inForce,
    metrics,
    async stop() {
      stopping = true;
      await sequencer.stop();
      await witnessing?.stop();
      await mirroring?.stop();
    },
  };
}
