/**
 * Details at rest: each typed event's erasable part (the opening r and the canonical JSON of
 * its details) is stored only encrypted, under a key of its own kept in another, small
 * table (`detail_keys`). So the plaintext never reaches the database's files, and erasing an
 * entry's details comes down to destroying 32 bytes: the purge (erasure-purge.ts) can then
 * rewrite the keys' table and its WAL without ever touching the bulk of the details.
 *
 * The AEAD is AES-256-GCM from node:crypto (hardware AES, a few microseconds an entry).
 * Every key encrypts exactly one plaintext, and the nonce is random anyway, so no (key,
 * nonce) pair can repeat even if a key ever did. The entry's leaf index is bound in as
 * associated data: a row moved to another entry fails to open instead of opening as it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { LogError } from '../errors.js';

/** The version byte first in every sealed value, so that another AEAD can come later. */
const SEALED_V1 = 1;
export const DETAIL_KEY_SIZE = 32;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const OPENING_SIZE = 32;
/** The shortest sealed value: version, nonce, the opening, empty details, tag. */
export const MIN_SEALED_SIZE = 1 + NONCE_SIZE + OPENING_SIZE + TAG_SIZE;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function associatedData(leafIndex: number): Uint8Array {
  return encoder.encode(`sightline/v1/details\n${leafIndex}`);
}

/** Fresh keys and sealed values for `items`, with one call for all the randomness they need. */
export function sealAll(items: readonly { readonly leafIndex: number; readonly opening: Uint8Array; readonly details: string }[]): { keys: Uint8Array[]; sealed: Uint8Array[] } {
  const random = randomBytes(items.length * (DETAIL_KEY_SIZE + NONCE_SIZE));
  const keys: Uint8Array[] = [];
  const sealed: Uint8Array[] = [];
  items.forEach((item, i) => {
    const at = i * (DETAIL_KEY_SIZE + NONCE_SIZE);
    const key = new Uint8Array(random.subarray(at, at + DETAIL_KEY_SIZE));
    keys.push(key);
    sealed.push(sealDetails(item.leafIndex, item.opening, item.details, key, random.subarray(at + DETAIL_KEY_SIZE, at + DETAIL_KEY_SIZE + NONCE_SIZE)));
  });
  return { keys, sealed };
}

/** version ‖ nonce ‖ AES-256-GCM(key, nonce, opening ‖ UTF-8 details, aad = leaf index) ‖ tag. */
export function sealDetails(leafIndex: number, opening: Uint8Array, details: string, key: Uint8Array, nonce: Uint8Array): Uint8Array {
  if (key.length !== DETAIL_KEY_SIZE || nonce.length !== NONCE_SIZE || opening.length !== OPENING_SIZE) {
    throw new LogError('INTERNAL', 'sealing details needs a 32-byte key, a 12-byte nonce and a 32-byte opening');
  }
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_SIZE });
  cipher.setAAD(associatedData(leafIndex));
  const parts = [Uint8Array.of(SEALED_V1), nonce, cipher.update(opening), cipher.update(details, 'utf8'), cipher.final(), cipher.getAuthTag()];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The opening and details sealed for `leafIndex`; INTERNAL if the value is not one sealed with this key for this entry. */
export function openDetails(leafIndex: number, key: Uint8Array, sealed: Uint8Array): { opening: Uint8Array; details: string } {
  const fail = (why: string) => new LogError('INTERNAL', `the stored details of entry ${leafIndex} cannot be opened: ${why}`);
  if (key.length !== DETAIL_KEY_SIZE) throw fail('the key is not 32 bytes');
  if (sealed.length < MIN_SEALED_SIZE || sealed[0] !== SEALED_V1) throw fail('not a sealed value of a known version');
  const nonce = sealed.subarray(1, 1 + NONCE_SIZE);
  const body = sealed.subarray(1 + NONCE_SIZE, sealed.length - TAG_SIZE);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_SIZE });
  decipher.setAAD(associatedData(leafIndex));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw fail('the key, the entry or the value does not match');
  }
  try {
    return { opening: new Uint8Array(plain.subarray(0, OPENING_SIZE)), details: decoder.decode(plain.subarray(OPENING_SIZE)) };
  } finally {
    plain.fill(0);
  }
}
