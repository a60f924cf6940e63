/**
 * Two real logs (in memory) behind the service's front as the shards of one alias, and a
 * partner's `sightline/client` pointed at the alias: its typed events go to the shard of
 * now, signed for that shard's origin, and at the interval's end — the first shard closed,
 * the alias naming the next — the client signs for the next shard and goes on, with the
 * same URL and token; every receipt verifies with the key of the log that gave it.
 */
import { describe, expect, test } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { LogError } from '../../src/errors.js';
import { type ServedLog, createServiceApp } from '../../src/http/service-app.js';
import { tokenHash } from '../../src/cli/partners.js';
import { ed25519Signer } from '../../src/note/index.js';
import { accessDraft } from '../support/events.js';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';

const END = new Date('2027-01-01T00:00:00Z');

async function shard(id: string, seed: number, interval: { start: Date; end: Date }, now: () => Date) {
  const origin = `alias.sightline.example/${id}`;
  const log = await newTestLog(new MemoryStore(), {
    origin,
    logSeed: seed,
    basePath: `/logs/${id}/`,
    admits: () => (now() >= interval.end ? new LogError('LOG_READ_ONLY', `${id} has closed`) : now() < interval.start ? new LogError('OUTSIDE_INTERVAL', `${id} has not opened`) : undefined),
  });
  const served: ServedLog = {
    id,
    alias: 'dwp',
    interval,
    fetch: (request) => log.app.fetch(request),
    describe: () => {
      throw new Error('not asked in this test');
    },
    listEntry: () => {
      throw new Error('not asked in this test');
    },
  };
  return { log, served, origin, verifierKey: ed25519Signer(origin, new Uint8Array(32).fill(seed)).verifierKey };
}

/** The front as a fetch for the client: redirects followed, as a browser's or undici's fetch does. */
function viaFront(front: { fetch: (r: Request) => Response | Promise<Response> }) {
  return async (input: string, init?: RequestInit): Promise<Response> => {
    let url = input;
    for (let hops = 0; hops < 5; hops++) {
      const res = await front.fetch(new Request(url, init));
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || location === null) return res;
      url = new URL(location, url).href;
    }
    throw new Error('too many redirects');
  };
}

describe("a partner's client on an alias", () => {
  test('follows the alias to the next shard at the end of the interval, with the same URL and token', async () => {
    let now = new Date('2026-12-31T23:00:00Z');
    const clock = () => now;
    const first = await shard('dwp-2026', 61, { start: new Date('2026-01-01T00:00:00Z'), end: END }, clock);
    const next = await shard('dwp-2027', 62, { start: END, end: new Date('2028-01-01T00:00:00Z') }, clock);
    // The next shard was given the partner's token (as the service does at the turn; here
    // under another id, since the test log made its own partner-a).
    const partner = (await first.log.store.listPartners()).find((p) => p.id === 'partner-a')!;
    await next.log.store.revokePartner('partner-a');
    await next.log.store.addPartner({ id: 'partner-b', name: null, tokenHash: tokenHash(first.log.token), publicKey: partner.publicKey });
    const front = createServiceApp({
      operator: { name: 'Test', contact: [] },
      logs: () => [first.served, next.served],
      now: clock,
      log: () => {},
      ready: async () => {},
    });
    const client = createClient({ url: 'http://svc.test/logs/dwp', token: first.log.token, logKey: [first.verifierKey, next.verifierKey], fetch: viaFront(front) });
    const record = (partnerId: string, seq: number) => {
      const draft = accessDraft(partnerId, seq, new Date().toISOString().slice(0, 13)); // the intake's clock is real: an hour not in the future
      return client.submitEvent({ event: draft.event as never, subject: draft.subject as never, details: draft.details, signer: { seed: first.log.partnerKey.seed } });
    };

    const before = await record('partner-a', 1);
    expect(before.verified?.checkpoint.origin).toBe(first.origin);

    // The turn of the year: the first shard closes; the alias names the next.
    await first.log.sequencer.finalize();
    now = END;
    const after = await record('partner-b', 1);
    expect(after.verified?.checkpoint.origin).toBe(next.origin);
    expect((await next.log.store.readHead()).treeSize).toBeGreaterThan(0);
    // Nothing more reached the closed shard.
    expect((await first.log.store.readLifecycle())?.finalCheckpoint).toBeDefined();
  });

  test('a receipt from a log whose key is not pinned is refused', async () => {
    const now = () => new Date('2026-06-01T00:00:00Z');
    const only = await shard('dwp-2026', 63, { start: new Date('2026-01-01T00:00:00Z'), end: END }, now);
    const other = await shard('dwp-2027', 64, { start: END, end: new Date('2028-01-01T00:00:00Z') }, now);
    const front = createServiceApp({ operator: { name: 'Test', contact: [] }, logs: () => [only.served, other.served], now, log: () => {}, ready: async () => {} });
    // Only the next shard's key is pinned: the receipt of the shard of now is not to be trusted.
    const client = createClient({ url: 'http://svc.test/logs/dwp', token: only.log.token, logKey: [other.verifierKey], fetch: viaFront(front) });
    await expect(client.submitEntry(new TextEncoder().encode('an entry'))).rejects.toMatchObject({ code: 'UNVERIFIED_NOTE' });
  });
});
