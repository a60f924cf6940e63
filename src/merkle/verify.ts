/**
 * Proof verification (RFC 9162 §2.1.3.2 and §2.1.4.2).
 *
 * Trust boundary: every argument here may come from an attacker (a log, a receipt file,
 * a network peer). The verifiers never return false and never throw anything but
 * `LogError('INVALID_PROOF')`, whatever they are given; a caller cannot forget to check
 * a result.
 */
import { bytesEqual as equal } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { EMPTY_ROOT, type Hash, isHash, nodeHash } from './hash.js';
import { half, isIndex, isOdd, isPow2 } from './index-math.js';
import { consistencyProofLength, inclusionProofLength } from './proof.js';

function invalid(message: string, field?: string): LogError {
  return new LogError('INVALID_PROOF', message, field === undefined ? {} : { field });
}

/** An untrusted value for a message: `String(x)` throws on some objects (null prototype, hostile toString). */
function show(x: unknown): string {
  return typeof x === 'number' || typeof x === 'bigint' ? String(x) : typeof x;
}


function checkProofShape(proof: unknown, expectedLength: number, what: string): asserts proof is Hash[] {
  if (!Array.isArray(proof)) throw invalid(`${what} is not a list of hashes`, 'proof');
  if (proof.length !== expectedLength) {
    throw invalid(`${what} has ${proof.length} hashes, expected ${expectedLength}`, 'proof');
  }
  for (let i = 0; i < proof.length; i++) {
    if (!isHash(proof[i])) throw invalid(`${what} element ${i} is not a 32-byte hash`, 'proof');
  }
}

/**
 * The two roots a consistency path leads to (RFC 9162 §2.1.4.2, steps 2 to 6): `fr` from the
 * nodes of the old tree, `sr` from all of them. `path` is the proof, preceded by the old
 * root when the old tree is a complete subtree; its shape was checked by the caller.
 */
function consistencyRoots(oldSize: number, newSize: number, path: readonly Hash[]): { fr: Hash; sr: Hash } {
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) throw invalid('consistency proof is too long', 'proof');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw invalid('consistency proof is too short', 'proof');
  return { fr, sr };
}

/**
 * The root of the first `oldSize` leaves that a consistency proof commits to, if the proof
 * leads to `newRoot`; undefined when it does not, or when the old tree is a complete subtree
 * (whose root the proof leaves out, RFC 9162 §2.1.4.1, so it commits to no old root).
 *
 * Every node that yields the old root also goes into the new one, so a proof that leads to a
 * signed `newRoot` reveals the true old root of that signed tree (short of a SHA-256
 * collision). If it differs from another root signed for `oldSize`, the two signed
 * checkpoints cannot both be honest, and anyone can check it: a witness keeps that as
 * evidence, where a proof that misses the new root only shows a bad submission.
 */
export function committedOldRoot(oldSize: number, newSize: number, proof: readonly Hash[], newRoot: Hash): Hash | undefined {
  if (!isIndex(newSize) || !isIndex(oldSize) || oldSize === 0 || oldSize >= newSize || isPow2(oldSize) || !isHash(newRoot)) return undefined;
  try {
    checkProofShape(proof, consistencyProofLength(oldSize, newSize), 'consistency proof');
    const { fr, sr } = consistencyRoots(oldSize, newSize, proof);
    return equal(sr, newRoot) ? fr : undefined;
  } catch (e) {
    if (e instanceof LogError) return undefined;
    throw e;
  }
}

/**
 * Checks that `leafHash` is the leaf at `leafIndex` of the tree of `treeSize` leaves
 * whose root is `rootHash`, given its inclusion proof. Throws `INVALID_PROOF` otherwise.
 */
export function verifyInclusion(
  leafHash: Hash,
  leafIndex: number,
  treeSize: number,
  proof: readonly Hash[],
  rootHash: Hash,
): void {
  if (!isHash(leafHash)) throw invalid('leaf hash is not a 32-byte hash', 'leafHash');
  if (!isHash(rootHash)) throw invalid('root hash is not a 32-byte hash', 'rootHash');
  if (!isIndex(treeSize)) throw invalid(`tree size ${show(treeSize)} is not an integer in [0, 2^53)`, 'treeSize');
  if (!isIndex(leafIndex) || leafIndex >= treeSize) {
    throw invalid(`leaf index ${show(leafIndex)} is not in a tree of size ${treeSize}`, 'leafIndex');
  }
  checkProofShape(proof, inclusionProofLength(leafIndex, treeSize), 'inclusion proof');

  // RFC 9162 §2.1.3.2, with `>> 1` as half() and LSB as isOdd().
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw invalid('inclusion proof is too long', 'proof');
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw invalid('inclusion proof is too short', 'proof');
  if (!equal(r, rootHash)) throw invalid(`inclusion proof for leaf ${leafIndex} does not lead to the root of tree size ${treeSize}`, 'proof');
}

/**
 * Checks that the tree of `oldSize` leaves with root `oldRoot` is a prefix of the tree of
 * `newSize` leaves with root `newRoot`, given the consistency proof. Throws
 * `INVALID_PROOF` otherwise.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  proof: readonly Hash[],
  oldRoot: Hash,
  newRoot: Hash,
): void {
  if (!isHash(oldRoot)) throw invalid('old root hash is not a 32-byte hash', 'oldRoot');
  if (!isHash(newRoot)) throw invalid('new root hash is not a 32-byte hash', 'newRoot');
  if (!isIndex(newSize)) throw invalid(`new tree size ${show(newSize)} is not an integer in [0, 2^53)`, 'newSize');
  if (!isIndex(oldSize) || oldSize > newSize) {
    throw invalid(`old tree size ${show(oldSize)} is not in [0, ${newSize}]`, 'oldSize');
  }
  checkProofShape(proof, consistencyProofLength(oldSize, newSize), 'consistency proof');

  if (oldSize === newSize) {
    if (!equal(oldRoot, newRoot)) throw invalid(`two different roots for tree size ${oldSize}`, 'newRoot');
    if (oldSize === 0 && !equal(oldRoot, EMPTY_ROOT)) throw invalid('the root of the empty tree is not SHA-256("")', 'oldRoot');
    return;
  }
  if (oldSize === 0) {
    // Every tree extends the empty tree, whose root is fixed (RFC 9162 §2.1.1).
    if (!equal(oldRoot, EMPTY_ROOT)) throw invalid('the root of the empty tree is not SHA-256("")', 'oldRoot');
    return;
  }

  // RFC 9162 §2.1.4.2. When the old tree is a complete subtree its root is the first node.
  const path = isPow2(oldSize) ? [oldRoot, ...proof] : proof;
  const { fr, sr } = consistencyRoots(oldSize, newSize, path);
  if (!equal(fr, oldRoot)) throw invalid(`consistency proof does not lead to the old root of tree size ${oldSize}`, 'proof');
  if (!equal(sr, newRoot)) throw invalid(`consistency proof does not lead to the new root of tree size ${newSize}`, 'proof');
}
