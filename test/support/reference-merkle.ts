/**
 * A naive reference for RFC 9162 §2.1 (= RFC 6962 §2.1), written straight from the
 * definitions and independent of the code under test: its own SHA-256 (node:crypto), its
 * own split point (a doubling loop, no bitwise operators), its own recursion.
 *
 *   MTH({})      = SHA-256()
 *   MTH({d0})    = SHA-256(0x00 || d0)
 *   MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])),  k the largest power of 2 < n
 *   PATH(m, D[n]), PROOF(m, D[n]) = SUBPROOF(m, D[n], true)   (§2.1.3.1, §2.1.4.1)
 *
 * Ranges are absolute [lo, hi) over the whole leaf list; `m` inside the recursions is
 * relative to `lo`, as in the RFC. Only for test use; it is slow on purpose (clarity first,
 * with a memo of MTH by range so that exhaustive tests stay fast).
 */
import { createHash } from 'node:crypto';

export type Bytes = Uint8Array;
export type Range = readonly [lo: number, hi: number];

export function sha256(...parts: readonly Uint8Array[]): Bytes {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** SHA-256(""), the root of the empty tree. */
export const REF_EMPTY_ROOT: Bytes = sha256();

/** SHA-256(0x00 || data). */
export function refLeafHash(data: Uint8Array): Bytes {
  return sha256(LEAF_PREFIX, data);
}

/** SHA-256(0x01 || left || right). */
export function refNodeHash(left: Uint8Array, right: Uint8Array): Bytes {
  return sha256(NODE_PREFIX, left, right);
}

/** k: the largest power of two strictly less than n, for n ≥ 2. Exact for every safe integer. */
export function largestPow2Below(n: number): number {
  if (!(n >= 2)) throw new Error(`reference: no split point for ${n}`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  if (!(n >= 1)) return false;
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

export function log2OfPowerOfTwo(n: number): number {
  let k = 1;
  let level = 0;
  while (k < n) {
    k *= 2;
    level++;
  }
  if (k !== n) throw new Error(`reference: ${n} is not a power of two`);
  return level;
}

export function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** The ranges of the elements of PATH(m, D[lo:hi]), in RFC order (from the leaf upwards). */
export function pathRanges(m: number, lo: number, hi: number): Range[] {
  const n = hi - lo;
  if (n <= 1) return []; // PATH(0, {d0}) = {}
  const k = largestPow2Below(n);
  if (m < k) return [...pathRanges(m, lo, lo + k), [lo + k, hi]]; // PATH(m, D[0:k]) : MTH(D[k:n])
  return [...pathRanges(m - k, lo + k, hi), [lo, lo + k]]; //         PATH(m - k, D[k:n]) : MTH(D[0:k])
}

/** The ranges of the elements of SUBPROOF(m, D[lo:hi], b), in RFC order. */
export function subproofRanges(m: number, lo: number, hi: number, b: boolean): Range[] {
  const n = hi - lo;
  if (m === n) return b ? [] : [[lo, hi]];
  const k = largestPow2Below(n);
  if (m <= k) return [...subproofRanges(m, lo, lo + k, b), [lo + k, hi]]; // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
  return [...subproofRanges(m - k, lo + k, hi, false), [lo, lo + k]]; //     SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
}

/** PROOF(m, D[n]) as ranges; empty for m = 0 and m = n (nothing to prove). */
export function consistencyRanges(m: number, n: number): Range[] {
  if (m === 0 || m === n) return [];
  return subproofRanges(m, 0, n, true);
}

/** The complete subtrees (level, index) whose MTH recursion makes up D[lo:hi]. */
export function rangeNodes(lo: number, hi: number): { level: number; index: number }[] {
  const n = hi - lo;
  if (isPowerOfTwo(n) && lo % n === 0) return [{ level: log2OfPowerOfTwo(n), index: lo / n }];
  if (n < 2) throw new Error(`reference: empty range [${lo}, ${hi})`);
  const k = largestPow2Below(n);
  return [...rangeNodes(lo, lo + k), ...rangeNodes(lo + k, hi)];
}

/** A fixed list of leaf hashes D, with MTH, PATH and PROOF over its prefixes. */
export class ReferenceTree {
  readonly leafHashes: readonly Bytes[];
  private readonly memo = new Map<string, Bytes>();

  constructor(leafHashes: readonly Bytes[]) {
    this.leafHashes = leafHashes;
  }

  static fromEntries(entries: readonly Uint8Array[]): ReferenceTree {
    return new ReferenceTree(entries.map(refLeafHash));
  }

  /** MTH(D[lo:hi]). */
  mth(lo: number, hi: number): Bytes {
    if (lo < 0 || hi > this.leafHashes.length || lo > hi) throw new Error(`reference: bad range [${lo}, ${hi})`);
    const n = hi - lo;
    if (n === 0) return REF_EMPTY_ROOT;
    if (n === 1) return this.leafHashes[lo]!;
    const key = `${lo}:${hi}`;
    let h = this.memo.get(key);
    if (h === undefined) {
      const k = largestPow2Below(n);
      h = refNodeHash(this.mth(lo, lo + k), this.mth(lo + k, hi));
      this.memo.set(key, h);
    }
    return h;
  }

  /** The root of the tree of the first `treeSize` leaves. */
  root(treeSize: number): Bytes {
    return this.mth(0, treeSize);
  }

  /** PATH(leafIndex, D[treeSize]). */
  inclusionProof(leafIndex: number, treeSize: number): Bytes[] {
    if (!(leafIndex >= 0 && leafIndex < treeSize)) throw new Error('reference: leaf index out of range');
    return pathRanges(leafIndex, 0, treeSize).map(([lo, hi]) => this.mth(lo, hi));
  }

  /** PROOF(oldSize, D[newSize]); empty for oldSize = 0 and oldSize = newSize. */
  consistencyProof(oldSize: number, newSize: number): Bytes[] {
    if (!(oldSize >= 0 && oldSize <= newSize)) throw new Error('reference: old size out of range');
    return consistencyRanges(oldSize, newSize).map(([lo, hi]) => this.mth(lo, hi));
  }
}

// ---------------------------------------------------------------------------------------
// Reference verification, by the definition rather than by the §2.1.3.2 / §2.1.4.2 bit
// loops: a proof is accepted exactly when recomputing MTH(D[0:n]) by the §2.1.1 recursion,
// with the subtrees the RFC puts in the proof replaced by the proof's elements (and the
// leaf by the leaf hash), gives the claimed root. Returns false rather than throwing.
// ---------------------------------------------------------------------------------------

function isIdx(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function isHash32(h: unknown): h is Bytes {
  return h instanceof Uint8Array && h.length === 32;
}

function isProof(p: unknown): p is Bytes[] {
  if (!Array.isArray(p)) return false;
  for (let i = 0; i < p.length; i++) if (!isHash32(p[i])) return false;
  return true;
}

/** MTH(D[lo:hi]) from the known subtree hashes only; undefined when some leaf is unknown. */
function mthFromKnown(lo: number, hi: number, known: ReadonlyMap<string, Bytes>): Bytes | undefined {
  const h = known.get(`${lo}:${hi}`);
  if (h !== undefined) return h;
  if (hi - lo <= 1) return undefined;
  const k = largestPow2Below(hi - lo);
  const left = mthFromKnown(lo, lo + k, known);
  const right = mthFromKnown(lo + k, hi, known);
  return left === undefined || right === undefined ? undefined : refNodeHash(left, right);
}

export function referenceAcceptsInclusion(
  leafHash: unknown,
  leafIndex: unknown,
  treeSize: unknown,
  proof: unknown,
  rootHash: unknown,
): boolean {
  if (!isHash32(leafHash) || !isHash32(rootHash) || !isIdx(leafIndex) || !isIdx(treeSize) || !isProof(proof)) return false;
  if (leafIndex >= treeSize) return false;
  const ranges = pathRanges(leafIndex, 0, treeSize);
  if (ranges.length !== proof.length) return false;
  const known = new Map<string, Bytes>([[`${leafIndex}:${leafIndex + 1}`, leafHash]]);
  ranges.forEach(([lo, hi], i) => known.set(`${lo}:${hi}`, proof[i]!));
  const root = mthFromKnown(0, treeSize, known);
  return root !== undefined && bytesEq(root, rootHash);
}

/**
 * The verifier's documented contract on top of RFC 9162: m = n needs an empty proof and
 * equal roots (and the empty tree's root when n = 0); m = 0 < n needs an empty proof and
 * the empty tree's root as old root (the new root is unconstrained).
 */
export function referenceAcceptsConsistency(
  oldSize: unknown,
  newSize: unknown,
  proof: unknown,
  oldRoot: unknown,
  newRoot: unknown,
): boolean {
  if (!isHash32(oldRoot) || !isHash32(newRoot) || !isIdx(oldSize) || !isIdx(newSize) || !isProof(proof)) return false;
  if (oldSize > newSize) return false;
  if (oldSize === newSize) {
    return proof.length === 0 && bytesEq(oldRoot, newRoot) && (newSize > 0 || bytesEq(oldRoot, REF_EMPTY_ROOT));
  }
  if (oldSize === 0) return proof.length === 0 && bytesEq(oldRoot, REF_EMPTY_ROOT);
  const ranges = subproofRanges(oldSize, 0, newSize, true);
  if (ranges.length !== proof.length) return false;
  const known = new Map<string, Bytes>();
  // SUBPROOF(m, D[m], true) = {}: when D[0:m] is a complete subtree the verifier knows it as the old root.
  if (isPowerOfTwo(oldSize)) known.set(`0:${oldSize}`, oldRoot);
  ranges.forEach(([lo, hi], i) => known.set(`${lo}:${hi}`, proof[i]!));
  const oldComputed = mthFromKnown(0, oldSize, known);
  const newComputed = mthFromKnown(0, newSize, known);
  return oldComputed !== undefined && newComputed !== undefined && bytesEq(oldComputed, oldRoot) && bytesEq(newComputed, newRoot);
}
