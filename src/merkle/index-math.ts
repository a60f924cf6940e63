/**
 * Index arithmetic for trees of up to 2^53 − 1 leaves.
 *
 * JavaScript's bitwise operators truncate to 32 bits, and tree sizes pass 2^32 in a
 * long-lived log, so everything here uses multiplication, division and comparison only.
 * Every value involved is an integer below 2^53, where `number` arithmetic is exact.
 */
import { LogError } from '../errors.js';

/**
 * A complete (perfect) subtree of the Merkle tree: the node at height `level` whose
 * leaves are D[index·2^level : (index+1)·2^level]. Level 0 nodes are leaf hashes.
 */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** 2^k for 0 ≤ k ≤ 53, exact. */
export function pow2(k: number): number {
  return 2 ** k;
}

/** 2^(31 − z), by the number z of leading zero bits of a 32-bit value. */
const POW2_BY_CLZ = Array.from({ length: 32 }, (_, z) => 2 ** (31 - z));

/** The largest power of two that is ≤ n, for n ≥ 1. */
export function floorPow2(n: number): number {
  // Below 2^32 (checked first: clz32 would truncate anything larger), counting leading
  // zero bits is exact and many times faster than a logarithm; proofs call this a lot.
  if (n < 4294967296) return POW2_BY_CLZ[Math.clz32(n)]!;
  let k = 2 ** Math.floor(Math.log2(n));
  // Math.log2 rounds near 2^53; correct by one step either way.
  if (k > n) k /= 2;
  if (k * 2 <= n) k *= 2;
  return k;
}

/** RFC 6962 §2.1 split point: the largest power of two strictly less than n, for n ≥ 2. */
export function splitPoint(n: number): number {
  return floorPow2(n - 1);
}

/** log2 of a power of two. */
export function log2Exact(k: number): number {
  return Math.round(Math.log2(k));
}

/** True when n is odd. Exact for any safe integer (unlike `n & 1`). */
export function isOdd(n: number): boolean {
  return n % 2 === 1;
}

/** floor(n / 2), the `n >> 1` of the RFC pseudo-code, exact past 2^32. */
export function half(n: number): number {
  return Math.floor(n / 2);
}

/** True when n is a power of two (n ≥ 1). */
export function isPow2(n: number): boolean {
  return n >= 1 && floorPow2(n) === n;
}

/**
 * The complete subtrees whose concatenation is D[lo:hi], left to right, largest first.
 *
 * RFC 6962 splits a range of size m at the largest power of two k < m, so when every
 * node of this greedy decomposition is aligned (lo a multiple of its width), MTH(D[lo:hi])
 * is the fold from the right: node(n₀, node(n₁, … n_last)). That holds for the prefix
 * D[0:n] and for every subtree an RFC 6962 proof uses; any other range is rejected.
 */
export function subtreeNodes(lo: number, hi: number): NodeId[] {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 0 || hi <= lo) {
    throw new LogError('OUT_OF_RANGE', `couldn't decompose range [${lo}, ${hi}): not a non-empty range`);
  }
  const nodes: NodeId[] = [];
  while (lo < hi) {
    const k = floorPow2(hi - lo);
    if (lo % k !== 0) {
      throw new LogError('OUT_OF_RANGE', `couldn't decompose range [${lo}, ${hi}): not an RFC 6962 subtree`);
    }
    nodes.push({ level: log2Exact(k), index: lo / k });
    lo += k;
  }
  return nodes;
}

/** True for an integer in [0, 2^53 − 1]: the domain of every tree size and index. */
export function isIndex(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}
