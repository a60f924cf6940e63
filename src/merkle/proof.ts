/**
 * Inclusion and consistency proofs (RFC 9162 §2.1.3.1 and §2.1.4.1), built the way Go's
 * sumdb `tlog` builds them: plan the exact set of stored hashes a proof needs, read them
 * in one call, then compute. A server answers each proof with one storage query; a
 * client answers it with one round of tile fetches.
 *
 * Every proof element is MTH(D[lo:hi]) of some RFC 6962 subtree; the plan lists the
 * complete subtrees (`NodeId`s) of each element, and the build folds them back.
 */
import { LogError } from '../errors.js';
import { EMPTY_ROOT, type Hash } from './hash.js';
import { type NodeId, isIndex, splitPoint, subtreeNodes } from './index-math.js';
import { type NodeHasher, foldSubtree } from './tree.js';

/**
 * Reads stored node hashes. Implementations MUST return exactly one hash per requested
 * node, in the order requested, or reject; they MUST NOT return a hash they have not
 * verified against whatever they trust (see `tileHashReader` for an untrusted source).
 */
export interface HashReader {
  readHashes(nodes: readonly NodeId[]): Promise<Hash[]>;
}

type Range = readonly [lo: number, hi: number];

function checkTree(treeSize: number): void {
  if (!isIndex(treeSize)) throw new LogError('OUT_OF_RANGE', `tree size ${treeSize} is not an integer in [0, 2^53)`, { field: 'treeSize' });
}

/**
 * RFC 9162 §2.1.3.1 PATH(m, D[n]), as the subtree ranges of its elements, from the leaf's
 * sibling up to the root's child.
 */
function inclusionRanges(leafIndex: number, treeSize: number): Range[] {
  const ranges: Range[] = [];
  let lo = 0;
  let hi = treeSize;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (leafIndex < lo + k) {
      ranges.push([lo + k, hi]); // PATH(m, D[0:k]) : MTH(D[k:n])
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]); // PATH(m − k, D[k:n]) : MTH(D[0:k])
      lo += k;
    }
  }
  return ranges.reverse();
}

/**
 * RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), as subtree ranges,
 * deepest first. Empty when m = 0 or m = n.
 */
function consistencyRanges(oldSize: number, newSize: number): Range[] {
  const ranges: Range[] = [];
  if (oldSize === 0 || oldSize === newSize) return ranges;
  let lo = 0;
  let hi = newSize;
  let startFromOldRoot = true; // the `b` flag of SUBPROOF
  for (;;) {
    if (oldSize === hi) {
      // SUBPROOF(m, D[m], b): {} if b, else {MTH(D[m])}.
      if (!startFromOldRoot) ranges.push([lo, hi]);
      break;
    }
    const k = splitPoint(hi - lo);
    if (oldSize - lo <= k) {
      ranges.push([lo + k, hi]); // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]); // SUBPROOF(m − k, D[k:n], false) : MTH(D[0:k])
      lo += k;
      startFromOldRoot = false;
    }
  }
  return ranges.reverse();
}

function plan(ranges: readonly Range[]): NodeId[] {
  const nodes: NodeId[] = [];
  for (const [lo, hi] of ranges) nodes.push(...subtreeNodes(lo, hi));
  return nodes;
}

/**
 * How a proof's composite nodes (a range that is not one complete subtree) are hashed:
 * `hashNode` (the core's `nodeHash` by default), and an optional memo of range hashes.
 * MTH(D[lo:hi]) never changes once the log holds D[hi − 1] (append-only), so a memo keyed
 * by the range stays right across tree sizes; a server keeps one so that the right edge
 * every proof against one tree size shares is hashed once.
 */
export interface ProofHashing {
  readonly hashNode?: NodeHasher;
  readonly memo?: {
    get(key: string): Hash | undefined;
    set(key: string, hash: Hash): unknown;
  };
}

/** A proof from its elements' ranges and the hashes of their complete subtrees, in plan order. */
export function foldRanges(ranges: readonly Range[], hashes: readonly Hash[], { hashNode, memo }: ProofHashing = {}): Hash[] {
  const counts = ranges.map(([lo, hi]) => subtreeNodes(lo, hi).length);
  const expected = counts.reduce((a, b) => a + b, 0);
  if (hashes.length !== expected) {
    throw new LogError('OUT_OF_RANGE', `couldn't build proof: expected ${expected} hashes, got ${hashes.length}`, { field: 'hashes' });
  }
  const proof: Hash[] = [];
  let at = 0;
  counts.forEach((count, i) => {
    if (count === 1) proof.push(hashes[at]!);
    else {
      const key = `${ranges[i]![0]}:${ranges[i]![1]}`;
      let hash = memo?.get(key);
      if (hash === undefined) {
        hash = foldSubtree(hashes.slice(at, at + count), hashNode);
        memo?.set(key, hash);
      }
      proof.push(hash);
    }
    at += count;
  });
  return proof;
}

function checkInclusionArgs(leafIndex: number, treeSize: number): void {
  checkTree(treeSize);
  if (!isIndex(leafIndex) || leafIndex >= treeSize) {
    throw new LogError('OUT_OF_RANGE', `leaf index ${leafIndex} is not in a tree of size ${treeSize}`, { field: 'leafIndex' });
  }
}

function checkConsistencyArgs(oldSize: number, newSize: number): void {
  checkTree(newSize);
  if (!isIndex(oldSize) || oldSize > newSize) {
    throw new LogError('OUT_OF_RANGE', `old tree size ${oldSize} is not in [0, ${newSize}]`, { field: 'oldSize' });
  }
}

/** The stored hashes an inclusion proof for `leafIndex` in a tree of `treeSize` needs. */
export function inclusionProofNodes(leafIndex: number, treeSize: number): NodeId[] {
  checkInclusionArgs(leafIndex, treeSize);
  return plan(inclusionRanges(leafIndex, treeSize));
}

/**
 * Computes the inclusion proof from the hashes of `inclusionProofNodes`, in that order.
 */
export function buildInclusionProof(leafIndex: number, treeSize: number, hashes: readonly Hash[], hashing?: ProofHashing): Hash[] {
  checkInclusionArgs(leafIndex, treeSize);
  return foldRanges(inclusionRanges(leafIndex, treeSize), hashes, hashing);
}

/** The number of hashes in an inclusion proof for `leafIndex` in a tree of `treeSize`. */
export function inclusionProofLength(leafIndex: number, treeSize: number): number {
  checkInclusionArgs(leafIndex, treeSize);
  return inclusionRanges(leafIndex, treeSize).length;
}

/** The stored hashes a consistency proof from `oldSize` to `newSize` needs. */
export function consistencyProofNodes(oldSize: number, newSize: number): NodeId[] {
  checkConsistencyArgs(oldSize, newSize);
  return plan(consistencyRanges(oldSize, newSize));
}

/** Computes the consistency proof from the hashes of `consistencyProofNodes`, in that order. */
export function buildConsistencyProof(oldSize: number, newSize: number, hashes: readonly Hash[], hashing?: ProofHashing): Hash[] {
  checkConsistencyArgs(oldSize, newSize);
  return foldRanges(consistencyRanges(oldSize, newSize), hashes, hashing);
}

/** The number of hashes in a consistency proof from `oldSize` to `newSize`. */
export function consistencyProofLength(oldSize: number, newSize: number): number {
  checkConsistencyArgs(oldSize, newSize);
  return consistencyRanges(oldSize, newSize).length;
}

/** The stored hashes the root of the tree of `treeSize` needs (none for the empty tree). */
export function treeHashNodes(treeSize: number): NodeId[] {
  checkTree(treeSize);
  return treeSize === 0 ? [] : subtreeNodes(0, treeSize);
}

/** Plan → one read → compute: the inclusion proof for `leafIndex` in the tree of `treeSize`. */
export async function proveInclusion(reader: HashReader, leafIndex: number, treeSize: number, hashing?: ProofHashing): Promise<Hash[]> {
  const nodes = inclusionProofNodes(leafIndex, treeSize);
  return buildInclusionProof(leafIndex, treeSize, await readExactly(reader, nodes), hashing);
}

/** Plan → one read → compute: the consistency proof from `oldSize` to `newSize`. */
export async function proveConsistency(reader: HashReader, oldSize: number, newSize: number, hashing?: ProofHashing): Promise<Hash[]> {
  const nodes = consistencyProofNodes(oldSize, newSize);
  return buildConsistencyProof(oldSize, newSize, await readExactly(reader, nodes), hashing);
}

/** Plan → one read → compute: MTH(D[0:treeSize]). */
export async function treeHash(reader: HashReader, treeSize: number): Promise<Hash> {
  const nodes = treeHashNodes(treeSize);
  if (nodes.length === 0) return EMPTY_ROOT;
  return foldSubtree(await readExactly(reader, nodes));
}

async function readExactly(reader: HashReader, nodes: readonly NodeId[]): Promise<Hash[]> {
  if (nodes.length === 0) return [];
  const hashes = await reader.readHashes(nodes);
  if (hashes.length !== nodes.length) {
    throw new Error(`merkle: hash reader returned ${hashes.length} hashes for ${nodes.length} nodes`);
  }
  return hashes;
}
