/** The write path's token check: cached per token hash, one query for concurrent misses, revocations seen after the TTL. */
import { expect, test } from 'vitest';
import { createPartnerAuth, tokenHash } from '../../src/cli/partners.js';
import type { LogStore, Partner } from '../../src/log/index.js';

function partnerStore() {
  let queries = 0;
  let revoked = false;
  const partner: Partner = { id: 'p', name: null, createdAt: new Date(0), revokedAt: null };
  const store = {
    async findPartnerByTokenHash() {
      queries++;
      await new Promise((r) => setTimeout(r, 5));
      return revoked ? undefined : partner;
    },
  } as unknown as LogStore;
  return { store, queries: () => queries, revoke: () => (revoked = true) };
}

test('concurrent requests with one token share one query, and later ones hit the cache', async () => {
  const s = partnerStore();
  const auth = createPartnerAuth(s.store, 60_000);
  const hash = tokenHash('sl_token');
  expect(await Promise.all(Array.from({ length: 50 }, () => auth(hash)))).toEqual(Array(50).fill('p'));
  expect(await auth(hash)).toBe('p');
  expect(s.queries()).toBe(1);
});

test('a revocation is seen once the cached answer has expired', async () => {
  const s = partnerStore();
  const auth = createPartnerAuth(s.store, 0);
  const hash = tokenHash('sl_token');
  expect(await auth(hash)).toBe('p');
  s.revoke();
  expect(await auth(hash)).toBeUndefined();
});
