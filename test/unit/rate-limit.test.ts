/** The token bucket of the write rate limits, on a fake clock. */
import { expect, test } from 'vitest';
import { createRateLimiter } from '../../src/http/rate-limit.js';

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('a new partner may write a whole burst at once, then waits', () => {
  const c = clock();
  const limiter = createRateLimiter({ rate: 2, burst: 4, now: c.now });
  expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([0, 0, 0, 0]);
  expect(limiter.take('a')).toBe(1); // 1 token at 2/s: 0.5 s, rounded up to whole seconds
  expect(limiter.take('a')).toBe(1); // a refused write takes nothing
});

test('the bucket refills at the rate, never above the burst', () => {
  const c = clock();
  const limiter = createRateLimiter({ rate: 10, burst: 3, now: c.now });
  for (let i = 0; i < 3; i++) expect(limiter.take('a')).toBe(0);
  expect(limiter.take('a')).toBeGreaterThan(0);
  c.advance(100); // one token
  expect(limiter.take('a')).toBe(0);
  expect(limiter.take('a')).toBeGreaterThan(0);
  c.advance(60_000); // long idle: full, not 600 tokens
  for (let i = 0; i < 3; i++) expect(limiter.take('a')).toBe(0);
  expect(limiter.take('a')).toBeGreaterThan(0);
});

test('Retry-After is the whole seconds until a token is available', () => {
  const c = clock();
  const slow = createRateLimiter({ rate: 1, burst: 1, now: c.now });
  expect(slow.take('a')).toBe(0);
  expect(slow.take('a')).toBe(1);
  c.advance(400);
  expect(slow.take('a')).toBe(1); // 0.6 s left → 1
  c.advance(600);
  expect(slow.take('a')).toBe(0);

  // Below one write a second (the limiter allows it; the flags take whole numbers) the wait is seconds.
  const fractional = createRateLimiter({ rate: 0.25, burst: 1, now: c.now });
  expect(fractional.take('a')).toBe(0);
  expect(fractional.take('a')).toBe(4);
  c.advance(1_500);
  expect(fractional.take('a')).toBe(3); // 2.5 s left → 3
});

test('partners have their own buckets', () => {
  const c = clock();
  const limiter = createRateLimiter({ rate: 1, burst: 2, now: c.now });
  expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 1]);
  expect([limiter.take('b'), limiter.take('b'), limiter.take('b')]).toEqual([0, 0, 1]);
});

test('a clock going backwards refills nothing', () => {
  const c = clock(10_000);
  const limiter = createRateLimiter({ rate: 1, burst: 1, now: c.now });
  expect(limiter.take('a')).toBe(0);
  c.advance(-5_000);
  expect(limiter.take('a')).toBe(1);
  c.advance(5_000);
  expect(limiter.take('a')).toBe(1); // still waiting for the second after the first write
  c.advance(1_000);
  expect(limiter.take('a')).toBe(0);
});

test('idle buckets are dropped once full; busy ones are kept', () => {
  const c = clock();
  const limiter = createRateLimiter({ rate: 10, burst: 20, now: c.now, sweepIntervalMs: 1_000 });
  for (let i = 0; i < 1_000; i++) limiter.take(`partner-${i}`);
  expect(limiter.size()).toBe(1_000);
  for (let i = 0; i < 20; i++) limiter.take('busy');
  c.advance(1_500); // 15 tokens back: not full, so swept buckets are those refilled to 20
  limiter.take('busy');
  expect(limiter.size()).toBe(1); // the 1,000 had only used one token each: full again
  c.advance(10_000);
  limiter.take('other');
  expect(limiter.size()).toBe(1); // 'busy' refilled and was dropped; 'other' is new
  // A dropped bucket comes back full: dropping it changed nothing.
  for (let i = 0; i < 20; i++) expect(limiter.take('busy')).toBe(0);
  expect(limiter.take('busy')).toBe(1);
});

test('nonsense limits are refused', () => {
  expect(() => createRateLimiter({ rate: 0, burst: 1 })).toThrow(RangeError);
  expect(() => createRateLimiter({ rate: 1, burst: 0 })).toThrow(RangeError);
  expect(() => createRateLimiter({ rate: Number.NaN, burst: 1 })).toThrow(RangeError);
});
