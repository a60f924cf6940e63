/**
 * A whole log for tests, wired like the server's composition root but in-process: a
 * store, the log key, the sequencer, the read service and the Hono app, plus a partner
 * and its token. Route tests call `app.request()`; no socket is opened.
 */
import { createHash } from 'node:crypto';
import { createEventApi, ensureLog } from '../../src/cli/server.js';
import { addOperator, addPartner, createPartnerAuth } from '../../src/cli/partners.js';
import type { TagKeyring } from '../../src/cli/tag-keys.js';
import { LogError } from '../../src/errors.js';
import { type CodeLists, DEFAULT_CODES } from '../../src/events/index.js';
import { codeListsInForce } from '../../src/intake/index.js';
import { type EventDraft, partnerKeyPair, signedEvent } from './events.js';
import { createApp } from '../../src/http/index.js';
import type { RateLimiter } from '../../src/http/rate-limit.js';
import type { LogStore } from '../../src/log/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import { ed25519Signer, ed25519Verifier } from '../../src/note/index.js';
import { createHeadCache, createReadService, createTileCache, storeHashReader } from '../../src/read/index.js';
import { createSequencer } from '../../src/sequencer/index.js';
import { type Post, type WitnessEndpoint, type Witnessing, createWitnessing } from '../../src/witnessing/index.js';

export const TEST_ORIGIN = 'test.sightline.example/log';

/** Fixed subject-tag year keys, so tests can derive what the log derives. */
export const TEST_YEAR_KEYS: Readonly<Record<string, Uint8Array>> = {
  '2025': new Uint8Array(32).fill(25),
  '2026': new Uint8Array(32).fill(26),
};

export const testKeyring: TagKeyring = {
  async keyFor(year) {
    const key = TEST_YEAR_KEYS[year];
    if (key === undefined) throw new LogError('INVALID_EVENT', `no subject-tag key for year ${year}`, { field: 'event.hour', hint: 'events are accepted for 2025 and 2026' });
    return key;
  },
  years: () => Object.keys(TEST_YEAR_KEYS).sort(),
};

const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());

export interface TestWitnessing {
  readonly endpoints: readonly WitnessEndpoint[];
  readonly quorum: number;
  readonly post: Post;
  readonly waitMs?: number;
}

export async function newTestLog(store: LogStore, options: { maxPending?: number; maxBatch?: number; codes?: CodeLists; witnessing?: TestWitnessing; rateLimit?: RateLimiter } = {}) {
  const signer = ed25519Signer(TEST_ORIGIN, new Uint8Array(32).fill(42));
  const verifier = ed25519Verifier(signer.name, signer.publicKey);
  const meta = await ensureLog(store, signer);
  const logs: Record<string, unknown>[] = [];
  const metrics = createMetrics({ defaults: false });
  const heads = createHeadCache(store);
  const tiles = createTileCache(store, 1024 * 1024);
  let witnessing: Witnessing | undefined;
  const sequencer = await createSequencer({
    store,
    signer,
    origin: meta.origin,
    hashReader: (treeSize) => storeHashReader(tiles, treeSize),
    onCommitted: (batch) => {
      heads.offer(batch.head);
      tiles.offer(batch.tiles);
      witnessing?.offer(batch.head);
    },
    maxPending: options.maxPending,
    maxBatch: options.maxBatch,
  });
  const inForce = codeListsInForce(store, sequencer, options.codes ?? DEFAULT_CODES, sha256);
  const read = createReadService(store, meta, { heads, tiles, ...(options.witnessing === undefined ? {} : { witnessed: () => witnessing!.current() }) });
  if (options.witnessing !== undefined) {
    witnessing = createWitnessing({
      witnesses: options.witnessing.endpoints,
      quorum: options.witnessing.quorum,
      store,
      consistencyProof: async (from, to) => (await read.consistencyProof(from, to)).consistencyProof,
      post: options.witnessing.post,
      minIntervalMs: 0,
      maxAgeMs: 0,
    });
  }
  let ready = true;
  const app = createApp({
    read,
    ...(witnessing === undefined ? {} : { witnessing, witnessWaitMs: options.witnessing?.waitMs ?? 5_000 }),
    sequencer,
    authenticate: createPartnerAuth(store, 0),
    events: createEventApi(store, meta.origin, testKeyring, inForce, { operatorAuthTtlMs: 0 }),
    metrics,
    ready: async () => {
      if (!ready) throw new Error('not ready');
      await store.ping();
    },
    log: (r) => logs.push(r),
    accessLog: true,
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
  });
  const partnerKey = partnerKeyPair('partner-a');
  const { token } = await addPartner(store, 'partner-a', 'Partner A', partnerKey.publicKey);
  const operator = await addOperator(store, 'ops');
  const submit = (entry: Uint8Array | string, auth = token) =>
    app.request('/v1/entries', {
      method: 'POST',
      body: typeof entry === 'string' ? new TextEncoder().encode(entry) : entry,
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/octet-stream' },
    });
  /** POSTs a body to /v1/events as it is. */
  const postEvent = (body: unknown, auth = token) =>
    app.request('/v1/events', {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
    });
  /** Signs a drafted event as partner-a (or `seed`'s partner) and POSTs it. */
  const submitEvent = (draft: EventDraft, auth = token, seed = partnerKey.seed) => postEvent(signedEvent(draft, meta.origin, seed), auth);
  return {
    app,
    inForce,
    partnerKey,
    operatorToken: operator.token,
    postEvent,
    submitEvent,
    store,
    sequencer,
    witnessing,
    signer,
    verifier,
    meta,
    metrics,
    logs,
    token,
    submit,
    setReady: (r: boolean) => {
      ready = r;
    },
  };
}
