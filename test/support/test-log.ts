/**
 * A whole log for tests, wired like the server's composition root but in-process: a
 * store, the log key, the sequencer, the read service and the Hono app, plus a partner
 * and its token. Route tests call `app.request()`; no socket is opened.
 */
import { ensureLog } from '../../src/cli/server.js';
import { addPartner, createPartnerAuth } from '../../src/cli/partners.js';
import { createApp } from '../../src/http/index.js';
import type { LogStore } from '../../src/log/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import { ed25519Signer, ed25519Verifier } from '../../src/note/index.js';
import { createHeadCache, createReadService, createTileCache, storeHashReader } from '../../src/read/index.js';
import { createSequencer } from '../../src/sequencer/index.js';

export const TEST_ORIGIN = 'test.sightline.example/log';

export async function newTestLog(store: LogStore, options: { maxPending?: number; maxBatch?: number } = {}) {
  const signer = ed25519Signer(TEST_ORIGIN, new Uint8Array(32).fill(42));
  const verifier = ed25519Verifier(signer.name, signer.publicKey);
  const meta = await ensureLog(store, signer);
  const logs: Record<string, unknown>[] = [];
  const metrics = createMetrics({ defaults: false });
  const heads = createHeadCache(store);
  const tiles = createTileCache(store, 1024 * 1024);
  const sequencer = await createSequencer({
    store,
    signer,
    origin: meta.origin,
    hashReader: (treeSize) => storeHashReader(tiles, treeSize),
    onCommitted: (batch) => {
      heads.offer(batch.head);
      tiles.offer(batch.tiles);
    },
    ...options,
  });
  let ready = true;
  const app = createApp({
    read: createReadService(store, meta, { heads, tiles }),
    sequencer,
    authenticate: createPartnerAuth(store, 0),
    metrics,
    ready: async () => {
      if (!ready) throw new Error('not ready');
      await store.ping();
    },
    log: (r) => logs.push(r),
    accessLog: true,
  });
  const { token } = await addPartner(store, 'partner-a', 'Partner A');
  const submit = (entry: Uint8Array | string, auth = token) =>
    app.request('/v1/entries', {
      method: 'POST',
      body: typeof entry === 'string' ? new TextEncoder().encode(entry) : entry,
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/octet-stream' },
    });
  return {
    app,
    store,
    sequencer,
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
