/**
 * c2sp.org/tlog-cosignature, cosignature/v1 with Ed25519 (signature type 0x04): a
 * witness's statement that, at `timestamp`, this checkpoint is the largest consistent
 * tree head it has seen for the log.
 *
 *     signature line:  — <cosigner name> base64(keyID ‖ u64 timestamp ‖ Ed25519 signature)
 *     signed message:  "cosignature/v1\n" ‖ "time <timestamp>\n" ‖ checkpoint text
 *
 * keyID = SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4]. A cosignature is a note
 * signature, so `cosignatureVerifier` plugs into `openNote` like any other verifier.
 */
import * as ed from '@noble/ed25519';
import { concatBytes, utf8 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { SIGNATURE_TYPE_COSIGNATURE_V1, formatVerifierKey, keyId, parseVerifierKey } from './keys.js';
import type { NoteSignature, NoteVerifier } from './signed-note.js';
import { isValidKeyName } from './signed-note.js';

// keys.ts wires noble's synchronous SHA-512; importing it above guarantees that.

/** u64 timestamp + 64-byte Ed25519 signature. */
const COSIGNATURE_SIZE = 8 + 64;

/** The message a cosigner signs for `checkpointText` at `timestamp` (POSIX seconds). */
export function cosignatureMessage(checkpointText: string | Uint8Array, timestamp: number): Uint8Array {
  const text = typeof checkpointText === 'string' ? utf8(checkpointText) : checkpointText;
  return concatBytes([utf8(`cosignature/v1\ntime ${timestamp}\n`), text]);
}

function checkTimestamp(timestamp: number): void {
  // The spec allows up to 2^63 − 1; a number is exact only to 2^53 − 1 (year 285 million).
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError(`cosignature timestamp must be an integer in [0, 2^53), got ${timestamp}`);
  }
}

function timestampBytes(timestamp: number): Uint8Array {
  const out = new Uint8Array(8);
  let n = timestamp;
  for (let i = 7; i >= 0; i--) {
    out[i] = n % 256;
    n = Math.floor(n / 256);
  }
  return out;
}

/** The timestamp of a cosignature's signature bytes (after the key ID), or undefined if malformed. */
export function cosignatureTimestamp(signature: Uint8Array): number | undefined {
  if (signature.length !== COSIGNATURE_SIZE) return undefined;
  let n = 0;
  for (let i = 0; i < 8; i++) n = n * 256 + signature[i]!;
  // Past 2^53 the sum above is inexact; such timestamps are rejected rather than rounded.
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A witness's cosigning key. */
export interface Cosigner {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  /** The verifier key text, type 0x04. */
  readonly verifierKey: string;
  /** Cosigns a checkpoint's text at `timestamp` (POSIX seconds). */
  cosign(checkpointText: string, timestamp: number): NoteSignature;
}

/** A cosigner from a name and a 32-byte Ed25519 seed. */
export function ed25519Cosigner(name: string, seed: Uint8Array): Cosigner {
  if (!isValidKeyName(name)) throw new LogError('MALFORMED_KEY', `invalid cosigner name ${JSON.stringify(name)}`, { field: 'name' });
  if (seed.length !== 32) throw new LogError('MALFORMED_KEY', `an Ed25519 seed is 32 bytes, got ${seed.length}`, { field: 'seed' });
  const secret = seed.slice();
  const publicKey = ed.getPublicKey(secret);
  const id = keyId(name, SIGNATURE_TYPE_COSIGNATURE_V1, publicKey);
  return {
    name,
    keyId: id,
    publicKey,
    verifierKey: formatVerifierKey(name, SIGNATURE_TYPE_COSIGNATURE_V1, publicKey),
    cosign(checkpointText, timestamp) {
      checkTimestamp(timestamp);
      const signature = ed.sign(cosignatureMessage(checkpointText, timestamp), secret);
      return { name, keyId: id, signature: concatBytes([timestampBytes(timestamp), signature]) };
    },
  };
}

/** A note verifier for cosignature/v1 signatures by `name` with a 32-byte Ed25519 public key. */
export function cosignatureVerifier(name: string, publicKey: Uint8Array): NoteVerifier & { readonly publicKey: Uint8Array } {
  if (!isValidKeyName(name)) throw new LogError('MALFORMED_KEY', `invalid cosigner name ${JSON.stringify(name)}`, { field: 'name' });
  if (publicKey.length !== 32) throw new LogError('MALFORMED_KEY', `an Ed25519 public key is 32 bytes, got ${publicKey.length}`, { field: 'publicKey' });
  const pub = publicKey.slice();
  return {
    name,
    keyId: keyId(name, SIGNATURE_TYPE_COSIGNATURE_V1, pub),
    publicKey: pub,
    verify(message, signature) {
      const timestamp = cosignatureTimestamp(signature);
      if (timestamp === undefined) return false;
      try {
        return ed.verify(signature.subarray(8), cosignatureMessage(message, timestamp), pub, { zip215: false });
      } catch {
        return false;
      }
    },
  };
}

/** Parses a type-0x04 verifier key (`name+hex8+base64(0x04 ‖ pub)`) into a cosignature verifier. */
export function parseCosignatureVerifier(text: string): NoteVerifier & { readonly publicKey: Uint8Array } {
  const vkey = parseVerifierKey(text);
  if (vkey.type !== SIGNATURE_TYPE_COSIGNATURE_V1) {
    throw new LogError('MALFORMED_KEY', `expected a cosignature/v1 (0x04) key, got type 0x${vkey.type.toString(16)}`, { field: 'verifierKey' });
  }
  return cosignatureVerifier(vkey.name, vkey.publicKey);
}
