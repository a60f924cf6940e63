/**
 * The server's native primitives give exactly what the pure core gives: the same leaf hash
 * for any entry, the same (deterministic, RFC 8032) signature for any message and key.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { nodeEd25519, nodeLeafHash, nodeNodeHash } from '../../src/cli/node-crypto.js';
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
