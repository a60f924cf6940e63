/**
 * Native (OpenSSL, through node:crypto) versions of the two primitives on the server's hot
 * path. The pure core uses noble so that it runs in a browser; these give byte-identical
 * results several times faster, and are only ever plugged in at the composition root.
 */
import { type KeyObject, createHash, createHmac, createPrivateKey, createPublicKey, hash, sign, verify } from 'node:crypto';
import type { Hash } from '../merkle/index.js';
import type { Ed25519SignerFactory } from '../note/index.js';

/** PKCS #8 DER header of an Ed25519 private key (RFC 8410), followed by the 32-byte seed. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Ed25519 signing with the key parsed once (RFC 8032: deterministic, so identical to noble's). */
export const nodeEd25519: Ed25519SignerFactory = (seed) => {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  return (message) => new Uint8Array(sign(null, message, key));
};

/** SubjectPublicKeyInfo DER header of an Ed25519 public key (RFC 8410), followed by the 32-byte key. */
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Ed25519 verification with a raw 32-byte public key (RFC 8032, as noble's `verify`), the
 * parsed key kept per key: partners sign every typed event, so this is on the write path.
 */
export function createNodeEd25519Verify(): (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean {
  const keys = new Map<string, KeyObject>();
  return (publicKey, message, signature) => {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    const id = Buffer.from(publicKey).toString('hex');
    let key = keys.get(id);
    try {
      if (key === undefined) {
        key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: 'der', type: 'spki' });
        if (keys.size >= 1_000) keys.clear();
        keys.set(id, key);
      }
      return verify(null, message, key, signature);
    } catch {
      return false; // a registered key that is not a valid point verifies nothing
    }
  };
}

/** HMAC-SHA256, natively, as the core's `nobleHmacSha256` (the subject-tag chain on every typed event). */
export function nodeHmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(message).digest());
}

/** SHA-256, natively. */
export function nodeSha256(data: Uint8Array): Hash {
  return new Uint8Array(hash('sha256', data, 'buffer'));
}

const LEAF_PREFIX = Buffer.from([0]);

/** RFC 6962 leaf hash, SHA-256(0x00 ‖ entry), as the core's `leafHash`. */
export function nodeLeafHash(entry: Uint8Array): Hash {
  return new Uint8Array(createHash('sha256').update(LEAF_PREFIX).update(entry).digest());
}

const NODE_PREFIX = 0x01;

/** RFC 6962 interior-node hash, SHA-256(0x01 ‖ left ‖ right), as the core's `nodeHash`. */
export function nodeNodeHash(left: Hash, right: Hash): Hash {
  const buf = Buffer.allocUnsafe(65);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 33);
  return new Uint8Array(hash('sha256', buf, 'buffer'));
}
