/**
 * Partner and operator accounts: tokens are shown once and stored only as SHA-256 hashes.
 * A partner may also register the Ed25519 key its typed events are signed with.
 */
import { createHash, randomBytes } from 'node:crypto';
import { decodeBase64, encodeHex } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { OPERATOR_PARTNER } from '../events/index.js';
import type { LogStore } from '../log/index.js';

/** Partner and operator ids are short, stable, and safe in URLs and logs. */
export const ACCOUNT_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function checkAccountId(id: string, kind: 'partner' | 'operator' | 'auditor' = 'partner'): void {
  if (!ACCOUNT_ID.test(id)) {
    throw new LogError('MALFORMED_REQUEST', `${kind} id ${JSON.stringify(id)} must be 1 to 63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`, {
      field: 'id',
    });
  }
  // An operator's pseudonym in the log is 16 to 64 hex digits; an account id of that form
  // could be mistaken for one (and would escape the linter as one: src/events/validate.ts).
  if (/^[0-9a-f]{16,64}$/.test(id)) {
    throw new LogError('MALFORMED_REQUEST', `${kind} id ${JSON.stringify(id)} has the form of a pseudonym (16 or more hex digits)`, { field: 'id', hint: 'use a readable id, such as dwp-uc' });
  }
  // The log's own account: only the log records as it, so no one may be given its name.
  if (id === OPERATOR_PARTNER) {
    throw new LogError('MALFORMED_REQUEST', `${kind} id ${OPERATOR_PARTNER} is reserved for the log operator's own events`, { field: 'id', hint: 'choose another id' });
  }
}

/** A partner's Ed25519 public key as given on the command line: standard base64 of its 32 raw bytes. */
export function parsePartnerPublicKey(text: string): Uint8Array {
  const key = decodeBase64(text.trim());
  if (key === undefined || key.length !== 32) {
    throw new LogError('MALFORMED_REQUEST', '--public-key must be the standard base64 of a raw 32-byte Ed25519 public key', {
      field: 'public-key',
      hint: 'for example the last 32 bytes of the key\'s DER SubjectPublicKeyInfo, base64-encoded (44 characters ending in "=")',
    });
  }
  return key;
}

/** A new bearer token: 256 random bits, base64url, with a prefix that secret scanners can spot. */
export function newToken(): string {
  return `sl_${randomBytes(32).toString('base64url')}`;
}

export function tokenHash(token: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(token).digest());
}

export async function addPartner(store: LogStore, id: string, name: string | null, publicKey: Uint8Array | null = null): Promise<{ id: string; token: string }> {
  checkAccountId(id);
  const token = newToken();
  await store.addPartner({ id, name, tokenHash: tokenHash(token), publicKey });
  return { id, token };
}

export async function addOperator(store: LogStore, id: string): Promise<{ id: string; token: string }> {
  checkAccountId(id, 'operator');
  const token = newToken();
  await store.addOperator({ id, tokenHash: tokenHash(token) });
  return { id, token };
}

/**
 * Token hash → account, cached briefly so the write path does not query the database for
 * every request; a revocation (or a new key) takes effect within `ttlMs`. Concurrent
 * requests with a token not cached share one query.
 *
 * The key is the SHA-256 of the token, never the token: a timing difference in the lookup
 * could only tell an attacker about hashes of tokens they already hold.
 */
export function createTokenAuth<T>(find: (hash: Uint8Array) => Promise<T | undefined>, ttlMs = 2_000): (hash: Uint8Array) => Promise<T | undefined> {
  const cache = new Map<string, { account: T | undefined; until: number }>();
  const inFlight = new Map<string, Promise<T | undefined>>();
  return (hash) => {
    const key = encodeHex(hash);
    const now = Date.now();
    const hit = cache.get(key);
    if (hit !== undefined && hit.until > now) return Promise.resolve(hit.account);
    let lookup = inFlight.get(key);
    if (lookup === undefined) {
      lookup = (async () => {
        try {
          const account = await find(hash);
          if (cache.size > 10_000) cache.clear();
          cache.set(key, { account, until: Date.now() + ttlMs });
          return account;
        } finally {
          inFlight.delete(key);
        }
      })();
      inFlight.set(key, lookup);
    }
    return lookup;
  };
}

/** The active partner holding a token: its id and event-signing key. */
export function createPartnerAuth(store: LogStore, ttlMs?: number): (hash: Uint8Array) => Promise<{ id: string; publicKey: Uint8Array | null } | undefined> {
  return createTokenAuth(async (hash) => {
    const partner = await store.findPartnerByTokenHash(hash);
    return partner && { id: partner.id, publicKey: partner.publicKey };
  }, ttlMs);
}

/** The active operator holding a token: its id. */
export function createOperatorAuth(store: LogStore, ttlMs?: number): (hash: Uint8Array) => Promise<string | undefined> {
  return createTokenAuth(async (hash) => (await store.findOperatorByTokenHash(hash))?.id, ttlMs);
}

/** The active auditor holding a token with this hash, cached as operators' are. */
export function createAuditorAuth(store: LogStore, ttlMs?: number): (hash: Uint8Array) => Promise<string | undefined> {
  return createTokenAuth(async (hash) => (await store.findAuditorByTokenHash(hash))?.id, ttlMs);
}
