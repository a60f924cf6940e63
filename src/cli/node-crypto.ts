/**
 * Native (OpenSSL, through node:crypto) versions of the two primitives on the server's hot
 * path. The pure core uses noble so that it runs in a browser; these give byte-identical
 * results several times faster, and are only ever plugged in at the composition root.
 */
import { createHash, createPrivateKey, hash, sign } from 'node:crypto';
import type { Hash } from '../merkle/index.js';
import type { Ed25519SignerFactory } from '../note/index.js';

/** PKCS #8 DER header of an Ed25519 private key (RFC 8410), followed by the 32-byte seed. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Ed25519 signing with the key parsed once (RFC 8032: deterministic, so identical to noble's). */
export const nodeEd25519: Ed25519SignerFactory = (seed) => {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  return (message) => new Uint8Array(sign(null, message, key));
};

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
