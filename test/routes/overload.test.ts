/**
 * Per-partner write rate limits at the HTTP edge: 429 rate-limited with Retry-After once a
 * partner's burst is spent, checked after authentication and before the body is read.
 */
import { beforeEach, expect, test } from 'vitest';
import { addPartner } from '../../src/cli/partners.js';
import { problemType } from '../../src/http/index.js';
import { type RateLimiter, createRateLimiter } from '../../src/http/rate-limit.js';
import { accessDraft } from '../support/events.js';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';

const HOUR = '2026-03-14T09';
type Log = Awaited<ReturnType<typeof newTestLog>>;

let t: number;
let limiter: RateLimiter;
let log: Log;
beforeEach(async () => {
  t = 0;
  limiter = createRateLimiter({ rate: 1, burst: 3, now: () => t });
  log = await newTestLog(new MemoryStore(), { rateLimit: limiter });
});

async function expectRateLimited(res: Response, retryAfter: string) {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('retry-after')).toBe(retryAfter);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: problemType('RATE_LIMITED'), code: 'RATE_LIMITED', status: 429, field: 'Authorization' });
  expect(body.hint).toMatch(/Retry-After/);
}

test('POST /v1/entries: 429 with Retry-After once the burst is spent, then writes again as tokens refill', async () => {
  for (let i = 0; i < 3; i++) expect((await log.submit(`entry ${i}`)).status).toBe(201);
  await expectRateLimited(await log.submit('entry 3'), '1');
  t += 1_000;
  expect((await log.submit('entry 3')).status).toBe(201);
  await expectRateLimited(await log.submit('entry 4'), '1');
  expect(log.sequencer.head().treeSize).toBe(4);
});

test('POST /v1/events shares the partner’s bucket with POST /v1/entries', async () => {
  expect((await log.submit('entry 0')).status).toBe(201);
  expect((await log.submitEvent(accessDraft('partner-a', 1, HOUR))).status).toBe(201);
  expect((await log.submitEvent(accessDraft('partner-a', 2, HOUR))).status).toBe(201);
  await expectRateLimited(await log.submitEvent(accessDraft('partner-a', 3, HOUR)), '1');
  t += 2_500;
  expect((await log.submitEvent(accessDraft('partner-a', 3, HOUR))).status).toBe(201);
});

test('Retry-After counts the whole seconds until a token is available', async () => {
  const slow = createRateLimiter({ rate: 1, burst: 1, now: () => t });
  const slowLog = await newTestLog(new MemoryStore(), { rateLimit: slow });
  expect((await slowLog.submit('one')).status).toBe(201);
  t += 200;
  await expectRateLimited(await slowLog.submit('two'), '1');
  const slower = await newTestLog(new MemoryStore(), { rateLimit: createRateLimiter({ rate: 0.2, burst: 1, now: () => t }) });
  expect((await slower.submit('one')).status).toBe(201);
  await expectRateLimited(await slower.submit('two'), '5');
});

test('other partners are not affected by one partner’s limit', async () => {
  const b = await addPartner(log.store, 'partner-b', 'Partner B');
  for (let i = 0; i < 3; i++) expect((await log.submit(`a ${i}`)).status).toBe(201);
  await expectRateLimited(await log.submit('a 3'), '1');
  for (let i = 0; i < 3; i++) expect((await log.submit(`b ${i}`, b.token)).status).toBe(201);
  await expectRateLimited(await log.submit('b 3', b.token), '1');
  await expectRateLimited(await log.submit('a 3'), '1');
});

test('a 429 reads no body and writes nothing', async () => {
  for (let i = 0; i < 3; i++) expect((await log.submit(`entry ${i}`)).status).toBe(201);
  const before = await log.app.request('/v1/log');
  let pulled = false;
  const post = () =>
    log.app.request('/v1/entries', {
      method: 'POST',
      body: new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            pulled = true;
            controller.enqueue(new TextEncoder().encode('a streamed entry'));
            controller.close();
          },
        },
        { highWaterMark: 0 }, // pulled only when read
      ),
      headers: { authorization: `Bearer ${log.token}`, 'content-type': 'application/octet-stream' },
      duplex: 'half',
    } as RequestInit);
  const res = await post();
  await expectRateLimited(res, '1');
  expect(pulled).toBe(false);
  await expectRateLimited(await log.submitEvent(accessDraft('partner-a', 1, HOUR)), '1');
  expect(log.sequencer.head().treeSize).toBe(3);
  expect(await (await log.app.request('/v1/log')).json()).toEqual(await before.json());
  expect(((await (await log.app.request('/v1/entries?start=3')).json()) as { entries: unknown[] }).entries).toEqual([]);
  // The same request, once a token is back, is read and written.
  t += 1_000;
  expect((await post()).status).toBe(201);
  expect(pulled).toBe(true);
});

test('bad tokens are refused before the limiter: no bucket for them, and the partner’s bucket is untouched', async () => {
  for (let i = 0; i < 50; i++) expect((await log.submit(`guess ${i}`, `not-a-token-${i}`)).status).toBe(401);
  expect((await log.app.request('/v1/entries', { method: 'POST', body: 'x' })).status).toBe(401);
  expect(limiter.size()).toBe(0);
  for (let i = 0; i < 3; i++) expect((await log.submit(`entry ${i}`)).status).toBe(201);
  expect(limiter.size()).toBe(1);
});

test('reads are never limited', async () => {
  for (let i = 0; i < 3; i++) expect((await log.submit(`entry ${i}`)).status).toBe(201);
  await expectRateLimited(await log.submit('entry 3'), '1');
  for (let i = 0; i < 20; i++) {
    for (const path of ['/checkpoint', '/v1/log', '/v1/entries?start=0', '/v1/entries/0', '/v1/receipts/1', '/healthz']) {
      const res = await log.app.request(path, { headers: { authorization: `Bearer ${log.token}` } });
      expect(res.status, path).toBe(200);
    }
  }
});

test('without a limiter writes are not limited', async () => {
  const open = await newTestLog(new MemoryStore());
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => open.submit(`entry ${i}`)));
  expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
});
