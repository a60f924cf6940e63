/**
 * RFC 6962 §2.1 (RFC 9162 §2.1.1) hashing with domain separation between leaves and
 * interior nodes, so that a leaf can never be passed off as a node or the reverse.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { isBytes } from '../encoding/index.js';

/** A SHA-256 Merkle tree hash: always exactly 32 bytes. */
export type Hash = Uint8Array;

export const HASH_SIZE = 32;

/** MTH({}) = SHA-256(""): the root of the empty tree. */
export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

/** MTH({d}) = SHA-256(0x00 ‖ d). */
export function leafHash(entry: Uint8Array): Hash {
  const buf = new Uint8Array(1 + entry.length);
  buf[0] = 0x00;
  buf.set(entry, 1);
  return sha256(buf);
}

/** MTH(D[n]) = SHA-256(0x01 ‖ MTH(left) ‖ MTH(right)). */
export function nodeHash(left: Hash, right: Hash): Hash {
  const buf = new Uint8Array(1 + 2 * HASH_SIZE);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 1 + HASH_SIZE);
  return sha256(buf);
}

/** True when `h` is a 32-byte Uint8Array. Used to screen untrusted proof elements. */
export function isHash(h: unknown): h is Hash {
  return isBytes(h) && h.length === HASH_SIZE;
}

/** Argument assertion at public entry points (noble style): names the argument at fault. */
export function assertHash(h: unknown, name: string): asserts h is Hash {
  if (!isBytes(h)) throw new TypeError(`${name} must be a Uint8Array`);
  if (h.length !== HASH_SIZE) throw new RangeError(`${name} must be ${HASH_SIZE} bytes, got ${h.length}`);
}
