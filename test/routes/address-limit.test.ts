/**
 * Per-address limits on requests without a token: 429 too-many-requests with Retry-After and
 * a problem body once an address's burst is spent; a forged X-Forwarded-For changes nothing
 * without --trust-proxy; partners and operators are not limited by address.
 */
import { beforeEach, expect, test } from 'vitest';
import { problemType } from '../../src/http/index.js';
import { mountAt } from '../../src/http/mount.js';
import { type RateLimiter, createRateLimiter } from '../../src/http/rate-limit.js';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';

type Log = Awaited<ReturnType<typeof newTestLog>>;

let t: number;
let limiter: RateLimiter;
let log: Log;
beforeEach(async () => {
  t = 0;
  limiter = createRateLimiter({ rate: 1, burst: 2, now: () => t });
  log = await newTestLog(new MemoryStore(), { addressLimit: { limiter, trustProxy: false } });
});

/** A GET as @hono/node-server hands it to the app: with the socket's peer address. */
function get(app: Log['app'], path: string, peer: string, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(app.request(path, { headers }, { incoming: { socket: { remoteAddress: peer } } }));
}

async function expectTooMany(res: Response, retryAfter: string) {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('retry-after')).toBe(retryAfter);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: problemType('TOO_MANY_REQUESTS'), code: 'TOO_MANY_REQUESTS', status: 429 });
  expect(body.hint).toMatch(/Retry-After/);
}

test('a log under a prefix of a service of many logs limits by the client’s address too: the mount passes the socket on', async () => {
  const mountedLog = await newTestLog(new MemoryStore(), { addressLimit: { limiter, trustProxy: false }, basePath: '/logs/dwp-2026/' });
  const mounted = mountAt('/logs/dwp-2026', mountedLog.app.fetch);
  const ask = async (peer: string) => (await mounted(new Request('http://service.test/logs/dwp-2026/checkpoint'), { incoming: { socket: { remoteAddress: peer } } }))!;
  expect((await ask('198.51.100.1')).status).toBe(200);
  expect((await ask('198.51.100.1')).status).toBe(200);
  await expectTooMany(await ask('198.51.100.1'), '1');
  expect((await ask('198.51.100.2')).status).toBe(200); // another address, its own bucket
});

test('every read route shares one bucket per address: 429 with Retry-After once it is spent, and again as it refills', async () => {
  expect((await get(log.app, '/checkpoint', '198.51.100.1')).status).toBe(200);
  expect((await get(log.app, '/v1/log', '198.51.100.1')).status).toBe(200);
  await expectTooMany(await get(log.app, '/checkpoint', '198.51.100.1'), '1');
  await expectTooMany(await get(log.app, '/tile/0/000', '::ffff:198.51.100.1'), '1');
  await expectTooMany(await get(log.app, '/v1/entries?start=0', '198.51.100.1'), '1');
  // Another address has its own bucket; health probes are never limited.
  expect((await get(log.app, '/checkpoint', '198.51.100.2')).status).toBe(200);
  expect((await get(log.app, '/healthz', '198.51.100.1')).status).toBe(200);
  t += 1_000;
  expect((await get(log.app, '/checkpoint', '198.51.100.1')).status).toBe(200);
  await expectTooMany(await get(log.app, '/checkpoint', '198.51.100.1'), '1');
});

test('one IPv6 /64 is one client, whichever of its addresses it uses', async () => {
  expect((await get(log.app, '/checkpoint', '2001:db8:7:7::1')).status).toBe(200);
  expect((await get(log.app, '/checkpoint', '2001:db8:7:7::2')).status).toBe(200);
  await expectTooMany(await get(log.app, '/checkpoint', '2001:db8:7:7:dead:beef:0:3'), '1');
  expect((await get(log.app, '/checkpoint', '2001:db8:7:8::1')).status).toBe(200);
});

test('a forged X-Forwarded-For does not dodge the limit without --trust-proxy', async () => {
  for (let i = 0; i < 2; i++) expect((await get(log.app, '/checkpoint', '198.51.100.1', { 'x-forwarded-for': `203.0.113.${i}` })).status).toBe(200);
  await expectTooMany(await get(log.app, '/checkpoint', '198.51.100.1', { 'x-forwarded-for': '203.0.113.99' }), '1');
});

test('with --trust-proxy each client behind the proxy has its own bucket; what it prepends is ignored', async () => {
  const proxied = await newTestLog(new MemoryStore(), { addressLimit: { limiter: createRateLimiter({ rate: 1, burst: 1, now: () => t }), trustProxy: true } });
  expect((await get(proxied.app, '/checkpoint', '10.0.0.2', { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
  expect((await get(proxied.app, '/checkpoint', '10.0.0.2', { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
  await expectTooMany(await get(proxied.app, '/checkpoint', '10.0.0.2', { 'x-forwarded-for': '192.0.2.50, 203.0.113.1' }), '1');
});

test('a partner or an operator is not limited by address; a made-up token is', async () => {
  for (let i = 0; i < 2; i++) expect((await get(log.app, '/checkpoint', '198.51.100.1')).status).toBe(200);
  expect((await get(log.app, '/checkpoint', '198.51.100.1', { authorization: `Bearer ${log.token}` })).status).toBe(200);
  expect((await get(log.app, '/checkpoint', '198.51.100.1', { authorization: `Bearer ${log.operatorToken}` })).status).toBe(200);
  await expectTooMany(await get(log.app, '/checkpoint', '198.51.100.1', { authorization: 'Bearer made-up-token' }), '1');
});
