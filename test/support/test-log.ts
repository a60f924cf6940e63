/**
 * A whole log for tests, assembled in-process as the server assembles it (src/cli/assemble.ts),
 * plus a partner and its token. Route tests call `app.request()`; no socket is opened.
 */
import { type WebOptions, assembleLog } from '../../src/cli/assemble.js';
import { ensureLog } from '../../src/cli/server.js';
import { addOperator, addPartner } from '../../src/cli/partners.js';
import type { TagKeyring } from '../../src/cli/tag-keys.js';
import { LogError } from '../../src/errors.js';
import type { CodeLists } from '../../src/events/index.js';
import { type EventDraft, partnerKeyPair, signedEvent } from './events.js';
import type { RateLimiter } from '../../src/http/rate-limit.js';
import type { AddressLimit } from '../../src/http/app.js';
import type { LogStore } from '../../src/log/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import { ed25519Signer, ed25519Verifier } from '../../src/note/index.js';
import type { Post, WitnessEndpoint } from '../../src/witnessing/index.js';
import type { MirrorEndpoint, MirrorPost } from '../../src/mirroring/index.js';

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

export interface TestWitnessing {
  readonly endpoints: readonly WitnessEndpoint[];
  readonly quorum: number;
  readonly post: Post;
  readonly waitMs?: number;
}

export interface TestMirroring {
  readonly endpoints: readonly MirrorEndpoint[];
  readonly quorum: number;
  readonly post: MirrorPost;
  readonly waitMs?: number;
}

export interface TestLogOptions {
  /** Memory for full entry bundles (and as much for gzipped ones); the server's default unless given. */
  readonly bundleCacheBytes?: number;
  readonly maxPending?: number;
  readonly maxBatch?: number;
  readonly codes?: CodeLists;
  readonly witnessing?: TestWitnessing;
  readonly mirroring?: TestMirroring;
  readonly rateLimit?: RateLimiter;
  /** Per-address limits on requests without a token. */
  readonly addressLimit?: AddressLimit;
  /** Serve the explorer's pages too; their figures are recounted on every page load, and waited for. */
  readonly web?: WebOptions;
  /** partner-a's display name. */
  readonly partnerName?: string;
  /** gzip for entry bundles, to count its calls. */
  readonly gzip?: (data: Uint8Array) => Promise<Uint8Array>;
  /** Where the log is served: its prefix on a service of many logs (`/logs/test-log/`), or `/`. */
  readonly basePath?: string;
  /** The byte its log key's seed is filled with (42 by default): another log of the same name with another key. */
  readonly logSeed?: number;
  /** Its origin (TEST_ORIGIN by default). */
  readonly origin?: string;
  /** Whether it takes a partner's write now (a temporal shard). */
  readonly admits?: () => LogError | undefined;
}

export async function newTestLog(store: LogStore, options: TestLogOptions = {}) {
  const signer = ed25519Signer(options.origin ?? TEST_ORIGIN, new Uint8Array(32).fill(options.logSeed ?? 42));
  const verifier = ed25519Verifier(signer.name, signer.publicKey);
  const meta = await ensureLog(store, signer);
  const logs: Record<string, unknown>[] = [];
  let ready = true;
  const { app, sequencer, witnessing, mirroring, inForce, metrics, events } = await assembleLog({
    store,
    signer,
    meta,
    keyring: testKeyring,
    log: (r) => logs.push(r),
    metrics: createMetrics({ defaults: false }),
    accessLog: true,
    // Tokens are looked up on every request, so a test sees a revocation at once.
    partnerAuthTtlMs: 0,
    operatorAuthTtlMs: 0,
    ready: async () => {
      if (!ready) throw new Error('not ready');
    },
    web: options.web === undefined ? false : { figures: { refreshMs: 0, waitMs: 10_000 }, ...options.web },
    maxPending: options.maxPending,
    maxBatch: options.maxBatch,
    codes: options.codes,
    rateLimit: options.rateLimit,
    ...(options.addressLimit === undefined ? {} : { addressLimit: options.addressLimit }),
    gzip: options.gzip,
    ...(options.bundleCacheBytes === undefined ? {} : { bundleCacheBytes: options.bundleCacheBytes }),
    ...(options.basePath === undefined ? {} : { basePath: options.basePath }),
    ...(options.admits === undefined ? {} : { admits: options.admits }),
    ...(options.witnessing === undefined
      ? {}
      : {
          // Rounds as often as heads come, and the store's witnessed checkpoint always re-read.
          witnessing: { witnesses: options.witnessing.endpoints, quorum: options.witnessing.quorum, post: options.witnessing.post, minIntervalMs: 0, maxAgeMs: 0 },
          witnessWaitMs: options.witnessing.waitMs ?? 5_000,
        }),
    ...(options.mirroring === undefined
      ? {}
      : {
          mirroring: { mirrors: options.mirroring.endpoints, quorum: options.mirroring.quorum, post: options.mirroring.post, minIntervalMs: 0 },
          mirrorWaitMs: options.mirroring.waitMs ?? 5_000,
        }),
  });
  const partnerKey = partnerKeyPair('partner-a');
  const { token } = await addPartner(store, 'partner-a', options.partnerName ?? 'Partner A', partnerKey.publicKey);
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
    /** The operator's own acts, as the log records them. */
    operatorActs: events.operatorActs!,
    inForce,
    partnerKey,
    operatorToken: operator.token,
    postEvent,
    submitEvent,
    store,
    sequencer,
    witnessing,
    mirroring,
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
