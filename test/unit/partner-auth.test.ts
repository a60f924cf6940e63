/** The write path's token check: cached per token hash, one query for concurrent misses, revocations seen after the TTL. */
import { expect, test } from 'vitest';
import { createOperatorAuth, createPartnerAuth, tokenHash } from '../../src/cli/partners.js';
import type { LogStore, Partner } from '../../src/log/index.js';

function partnerStore(partner: Partner = { id: 'p', name: null, publicKey: new Uint8Array(32).fill(9), createdAt: new Date(0), revokedAt: null }) {
  let queries = 0;
  let revoked = false;
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
  const expected = { id: 'p', publicKey: new Uint8Array(32).fill(9) };
  expect(await Promise.all(Array.from({ length: 50 }, () => auth(hash)))).toEqual(Array(50).fill(expected));
  expect(await auth(hash)).toEqual(expected);
  expect(s.queries()).toBe(1);
});

test('a revocation is seen once the cached answer has expired', async () => {
  const s = partnerStore();
  const auth = createPartnerAuth(s.store, 0);
  const hash = tokenHash('sl_token');
  expect((await auth(hash))?.id).toBe('p');
  s.revoke();
  expect(await auth(hash)).toBeUndefined();
});

test('an operator token is looked up among operators only, and cached the same way', async () => {
  let queries = 0;
  const store = {
    async findOperatorByTokenHash(hash: Uint8Array) {
      queries++;
      return hash[0] === tokenHash('sl_operator')[0] ? { id: 'ops', createdAt: new Date(0), revokedAt: null } : undefined;
    },
  } as unknown as LogStore;
  const auth = createOperatorAuth(store, 60_000);
  expect(await auth(tokenHash('sl_operator'))).toBe('ops');
  expect(await auth(tokenHash('sl_operator'))).toBe('ops');
  expect(queries).toBe(1);
});
