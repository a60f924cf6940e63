/**
 * The server's native primitives give exactly what the pure core gives: the same leaf hash
 * for any entry, the same (deterministic, RFC 8032) signature for any message and key.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { createNodeEd25519Verify, nodeEd25519, nodeHmacSha256, nodeLeafHash, nodeNodeHash, nodeSha256 } from '../../src/cli/node-crypto.js';
import { dayKeyForHour, nobleHmacSha256, revealToken, subjectTag } from '../../src/subject/index.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { appendLeaves, leafHash, nodeHash, rootOfLeaves } from '../../src/merkle/index.js';
import { ed25519Signer, ed25519Verifier, formatCheckpoint, openCheckpoint, signNote } from '../../src/note/index.js';

test('nodeLeafHash equals the core leafHash', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (entry) => {
        expect(nodeLeafHash(entry)).toEqual(leafHash(entry));
      }), { numRuns: 300 });
});

test('a signer using node:crypto signs byte-identically to the noble one', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 500 }), (seed, message) => {
      const noble = ed25519Signer('k.example/log', seed);
      const native = ed25519Signer('k.example/log', seed, nodeEd25519);
      expect(native.keyId).toBe(noble.keyId);
      expect(native.sign(message)).toEqual(noble.sign(message));
    }),
    { numRuns: 100 },
  );
  // And a checkpoint it signs opens with the core's verifier.
  const signer = ed25519Signer('k.example/log', new Uint8Array(32).fill(5), nodeEd25519);
  const note = signNote(formatCheckpoint({ origin: signer.name, treeSize: 3, rootHash: new Uint8Array(32), extensions: [] }), [signer]);
  expect(openCheckpoint(note, ed25519Verifier(signer.name, signer.publicKey)).checkpoint.treeSize).toBe(3);
});

test('nodeNodeHash equals the core nodeHash, and a tree built with it has the same root', () => {
  const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
  fc.assert(
    fc.property(hash32, hash32, (left, right) => {
      expect(nodeNodeHash(left, right)).toEqual(nodeHash(left, right));
    }),
    { numRuns: 300 },
  );
  const leaves = Array.from({ length: 1000 }, (_, i) => leafHash(new TextEncoder().encode(`leaf ${i}`)));
  expect(appendLeaves(0, [], leaves, nodeNodeHash).rootHash).toEqual(rootOfLeaves(leaves));
});

test('nodeHmacSha256 and nodeSha256 equal the core ones, and the subject-tag chain is the same with either', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), fc.nat(1000), (key, message, j) => {
      expect(nodeHmacSha256(key, message)).toEqual(nobleHmacSha256(key, message));
      expect(nodeSha256(message)).toEqual(sha256(message));
      const native = dayKeyForHour(key, 'nino', 'AB123456C', '2026-03-14T09', nodeHmacSha256);
      expect(native).toEqual(dayKeyForHour(key, 'nino', 'AB123456C', '2026-03-14T09'));
      expect(subjectTag(native, j, nodeHmacSha256)).toEqual(subjectTag(native, j));
      expect(revealToken(native, j, nodeHmacSha256)).toEqual(revealToken(native, j));
    }),
    { numRuns: 200 },
  );
});

test('the native Ed25519 verifier accepts exactly what signs, and refuses a flipped bit or a wrong key', () => {
  const verify = createNodeEd25519Verify();
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), fc.nat(511), (seed, message, bit) => {
      const signer = ed25519Signer('k.example/log', seed);
      const signature = nodeEd25519(seed)(message);
      expect(verify(signer.publicKey, message, signature)).toBe(true);
      const flipped = signature.slice();
      flipped[Math.floor(bit / 8)]! ^= 2 ** (bit % 8);
      expect(verify(signer.publicKey, message, flipped)).toBe(false);
      expect(verify(new Uint8Array(32).fill(1), message, signature)).toBe(false);
      expect(verify(signer.publicKey.subarray(1), message, signature)).toBe(false);
    }),
    { numRuns: 100 },
  );
});
