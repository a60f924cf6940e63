/**
 * Regressions for what the fuzzers found, each as a plain test so it runs on every change.
 */
import { expect, test } from 'vitest';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';

// GET /v1/entries/9007199254740991 and GET /v1/entries?start=… near 2^53 asked the store for
// a range ending past 2^53 - 1; the store refused it as a bug (INTERNAL), a 500.
test('entries at the largest index are a 404 or an empty page, not a 500', async () => {
  const log = await newTestLog(new MemoryStore());
  expect((await log.submit('an entry')).status).toBe(201);
  const one = await log.app.request('/v1/entries/9007199254740991');
  expect(one.status).toBe(404);
  expect(one.headers.get('content-type')).toBe('application/problem+json');
  for (const q of ['start=9007199254740991', 'start=9007199254740990&count=1000', 'start=9007199254740900&count=1000']) {
    const page = await log.app.request(`/v1/entries?${q}`);
    expect(page.status, q).toBe(200);
    expect(await page.json(), q).toEqual({ entries: [] });
  }
  expect(log.logs.filter((l) => l.level === 'error')).toEqual([]);
});
