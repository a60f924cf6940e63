/** Partner accounts: tokens are shown once and stored only as SHA-256 hashes. */
import { createHash, randomBytes } from 'node:crypto';
import { encodeHex } from '../encoding/index.js';
import { LogError } from '../errors.js';
import type { LogStore } from '../log/index.js';

/** Partner ids are short, stable, and safe in URLs and logs. */
export const PARTNER_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function checkPartnerId(id: string): void {
  if (!PARTNER_ID.test(id)) {
    throw new LogError('MALFORMED_REQUEST', `partner id ${JSON.stringify(id)} must be 1 to 63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`, {
      field: 'id',
    });
  }
}

/** A new bearer token: 256 random bits, base64url, with a prefix that secret scanners can spot. */
export function newToken(): string {
  return `sl_${randomBytes(32).toString('base64url')}`;
}

export function tokenHash(token: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(token).digest());
}

export async function addPartner(store: LogStore, id: string, name: string | null): Promise<{ id: string; token: string }> {
  checkPartnerId(id);
  const token = newToken();
  await store.addPartner({ id, name, tokenHash: tokenHash(token) });
  return { id, token };
}

/**
 * Token hash → partner id, cached briefly so the write path does not query the database
 * for every request; a revocation takes effect within `ttlMs`. Concurrent requests with
 * a token not cached share one query.
 *
 * The key is the SHA-256 of the token, never the token: a timing difference in the lookup
 * could only tell an attacker about hashes of tokens they already hold.
 */
export function createPartnerAuth(store: LogStore, ttlMs = 2_000): (hash: Uint8Array) => Promise<string | undefined> {
  const cache = new Map<string, { id: string | undefined; until: number }>();
  const inFlight = new Map<string, Promise<string | undefined>>();
  return (hash) => {
    const key = encodeHex(hash);
    const now = Date.now();
    const hit = cache.get(key);
    if (hit !== undefined && hit.until > now) return Promise.resolve(hit.id);
    let lookup = inFlight.get(key);
    if (lookup === undefined) {
      lookup = (async () => {
        try {
          const partner = await store.findPartnerByTokenHash(hash);
          if (cache.size > 10_000) cache.clear();
          cache.set(key, { id: partner?.id, until: Date.now() + ttlMs });
          return partner?.id;
        } finally {
          inFlight.delete(key);
        }
      })();
      inFlight.set(key, lookup);
    }
    return lookup;
  };
}
