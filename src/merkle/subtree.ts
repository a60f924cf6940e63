/**
 * Subtrees and subtree consistency proofs (draft-ietf-plants-merkle-tree-certs-02, §4.1
 * "Definition of a Subtree" and §4.4 "Subtree Consistency Proofs"), which c2sp.org/tlog-mirror
 * uses to authenticate each entry package of an `add-entries` upload against the pending
 * checkpoint without the rest of the tree.
 *
 * A subtree [start, end) is MTH(D[start:end]) with `start` a multiple of BIT_CEIL(end − start):
 * aligned enough that a proof shows every input of its hash is an input of the tree's root.
 * `SUBTREE_PROOF(start, start + 1, D_n)` is an inclusion proof and `SUBTREE_PROOF(0, m, D_n)`
 * an RFC 9162 consistency proof; both are checked against that in the tests.
 *
 * Built as the other proofs are (proof.ts): plan the complete subtrees each element needs,
 * read them in one call, fold. Tree indices go past 2^32: arithmetic only, no bitwise operators.
 *
 * Trust boundary: `verifySubtreeConsistency` takes attacker-controlled input (an uploader's
 * proof); it throws `LogError('INVALID_PROOF')` for anything that does not verify and never
 * returns false.
 */
import { bytesEqual } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { EMPTY_ROOT, type Hash, isHash, nodeHash } from './hash.js';
import { type NodeId, half, isIndex, isOdd, splitPoint, subtreeNodes } from './index-math.js';
import { type HashReader, type ProofHashing, foldRanges } from './proof.js';

type Range = readonly [lo: number, hi: number];

/** BIT_CEIL(n): the smallest power of two ≥ n (1 for 0). Exact for n < 2^53. */
function bitCeil(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Whether [start, end) is a subtree (§4.1): start ≤ end, start a multiple of BIT_CEIL(end − start). */
export function isValidSubtree(start: number, end: number): boolean {
  if (!isIndex(start) || !isIndex(end) || start > end) return false;
  return start % bitCeil(end - start) === 0;
}

function checkSubtree(start: number, end: number, treeSize: number): void {
  if (!isIndex(treeSize)) throw new LogError('OUT_OF_RANGE', `tree size ${treeSize} is not an integer in [0, 2^53)`, { field: 'treeSize' });
  if (!isValidSubtree(start, end) || end > treeSize) {
    throw new LogError('OUT_OF_RANGE', `[${start}, ${end}) is not a subtree of a tree of size ${treeSize}`, { field: 'subtree' });
  }
}

/**
 * SUBTREE_PROOF(start, end, D_n) (§4.4.1) as the ranges of its elements, deepest first. The
 * walk keeps [lo, hi), the part of the tree the recursion is in, and the `b` flag ("the
 * first hash is the subtree's own, which the verifier knows").
 */
function subtreeRanges(start: number, end: number, treeSize: number): Range[] {
  const ranges: Range[] = [];
  if (start === end) return ranges;
  let lo = 0;
  let hi = treeSize;
  let omitOwn = true;
  for (;;) {
    if (start === lo && end === hi) {
      // SUBTREE_SUBPROOF(0, n, D_n, b): {} if b, else {MTH(D_n)}.
      if (!omitOwn) ranges.push([lo, hi]);
      break;
    }
    const k = splitPoint(hi - lo);
    if (end - lo <= k) {
      ranges.push([lo + k, hi]); // on the left of k: … : MTH(D[k:n])
      hi = lo + k;
    } else if (start - lo >= k) {
      ranges.push([lo, lo + k]); // on the right of k: … : MTH(D[0:k])
      lo += k;
    } else {
      // start < k < end, so start = lo: SUBTREE_SUBPROOF(0, end − k, D[k:n], false) : MTH(D[0:k])
      ranges.push([lo, lo + k]);
      lo += k;
      start = lo;
      omitOwn = false;
    }
  }
  return ranges.reverse();
}

/** The stored hashes SUBTREE_PROOF(start, end, D_treeSize) needs. */
export function subtreeProofNodes(start: number, end: number, treeSize: number): NodeId[] {
  checkSubtree(start, end, treeSize);
  const nodes: NodeId[] = [];
  for (const [lo, hi] of subtreeRanges(start, end, treeSize)) nodes.push(...subtreeNodes(lo, hi));
  return nodes;
}

/** Computes the subtree consistency proof from the hashes of `subtreeProofNodes`, in that order. */
export function buildSubtreeProof(start: number, end: number, treeSize: number, hashes: readonly Hash[], hashing?: ProofHashing): Hash[] {
  checkSubtree(start, end, treeSize);
  return foldRanges(subtreeRanges(start, end, treeSize), hashes, hashing);
}

/** The number of hashes in SUBTREE_PROOF(start, end, D_treeSize). */
export function subtreeProofLength(start: number, end: number, treeSize: number): number {
  checkSubtree(start, end, treeSize);
  return subtreeRanges(start, end, treeSize).length;
}

/** Plan → one read → compute: SUBTREE_PROOF(start, end, D_treeSize). */
export async function proveSubtree(reader: HashReader, start: number, end: number, treeSize: number, hashing?: ProofHashing): Promise<Hash[]> {
  const nodes = subtreeProofNodes(start, end, treeSize);
  const hashes = nodes.length === 0 ? [] : await reader.readHashes(nodes);
  if (hashes.length !== nodes.length) throw new Error(`merkle: hash reader returned ${hashes.length} hashes for ${nodes.length} nodes`);
  return buildSubtreeProof(start, end, treeSize, hashes, hashing);
}

function invalid(message: string): LogError {
  return new LogError('INVALID_PROOF', message, { field: 'proof' });
}

/**
 * Verifies that `proof` shows the subtree [start, end) with hash `subtreeHash` is part of the
 * tree of `treeSize` with root `rootHash`: the procedure of §4.4.3, step by step.
 *
 * Trust boundary: every argument may come from an attacker.
 */
export function verifySubtreeConsistency(
  start: number,
  end: number,
  treeSize: number,
  proof: readonly Hash[],
  subtreeHash: Hash,
  rootHash: Hash,
  hashNode: (left: Hash, right: Hash) => Hash = nodeHash,
): void {
  // 1. A subtree of the tree.
  if (!isIndex(treeSize) || !isValidSubtree(start, end) || end > treeSize) {
    throw invalid(`[${String(start)}, ${String(end)}) is not a subtree of a tree of size ${String(treeSize)}`);
  }
  if (!Array.isArray(proof) || !proof.every(isHash) || !isHash(subtreeHash) || !isHash(rootHash)) throw invalid('the proof and hashes must be 32-byte hashes');
  // 2. The empty subtree.
  if (start === end) {
    if (proof.length !== 0) throw invalid('the proof of an empty subtree must be empty');
    if (!bytesEqual(subtreeHash, EMPTY_ROOT)) throw invalid('the hash of an empty subtree is SHA-256 of the empty string');
    return;
  }
  // 3.–5. Climb to the level where the subtree's nodes and the tree's part ways.
  let fn = start;
  let sn = end - 1;
  let tn = treeSize - 1;
  if (sn === tn) {
    while (fn !== sn) {
      fn = half(fn);
      sn = half(sn);
      tn = half(tn);
    }
  } else {
    while (fn !== sn && isOdd(sn)) {
      fn = half(fn);
      sn = half(sn);
      tn = half(tn);
    }
  }
  // 6.–7. The first hash: the subtree's own, or the proof's first.
  let at = 0;
  let fr: Hash;
  let sr: Hash;
  if (fn === sn) {
    fr = subtreeHash;
    sr = subtreeHash;
  } else {
    if (proof.length === 0) throw invalid('the subtree consistency proof is too short');
    fr = proof[0]!;
    sr = proof[0]!;
    at = 1;
  }
  // 8. Fold in the rest.
  for (; at < proof.length; at++) {
    const c = proof[at]!;
    if (tn === 0) throw invalid('the subtree consistency proof is too long');
    if (isOdd(sn) || sn === tn) {
      if (fn < sn) fr = hashNode(c, fr);
      sr = hashNode(c, sr);
      while (!isOdd(sn) && sn !== 0) {
        fn = half(fn);
        sn = half(sn);
        tn = half(tn);
      }
    } else {
      sr = hashNode(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
    tn = half(tn);
  }
  // 9.
  if (tn !== 0) throw invalid('the subtree consistency proof is too short');
  if (!bytesEqual(fr, subtreeHash)) throw invalid(`the proof does not lead to the hash of the subtree [${start}, ${end})`);
  if (!bytesEqual(sr, rootHash)) throw invalid(`the proof does not lead to the root of the tree of size ${treeSize}`);
}
