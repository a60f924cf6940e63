/**
 * Subtree consistency proofs (draft-ietf-plants-merkle-tree-certs-02 §4.4) against a reference
 * written here straight from the draft's recursive definition: every subtree of every tree up
 * to 70 leaves, the draft's own examples, the two special cases it names (an inclusion proof,
 * an RFC 9162 consistency proof), and proofs altered the ways an uploader would alter them.
 */
import { describe, expect, it } from 'vitest';
import { isLogError } from '../../../src/errors.js';
import {
  EMPTY_ROOT,
  type Hash,
  isValidSubtree,
  leafHash,
  proveConsistency,
  proveInclusion,
  proveSubtree,
  subtreeProofLength,
  verifySubtreeConsistency,
} from '../../../src/merkle/index.js';
import { MemoryTree, flipByte } from '../../support/memory-tree.js';
import { ReferenceTree, type Range, bytesEq, largestPow2Below } from '../../support/reference-merkle.js';

const MAX_SIZE = 70;

/** The draft's SUBTREE_SUBPROOF, as ranges, by its recursion (relative to [lo, hi)). */
function referenceSubproof(start: number, end: number, lo: number, hi: number, b: boolean): Range[] {
  if (start === lo && end === hi) return b ? [] : [[lo, hi]];
  const k = largestPow2Below(hi - lo);
  if (end <= lo + k) return [...referenceSubproof(start, end, lo, lo + k, b), [lo + k, hi]];
  if (lo + k <= start) return [...referenceSubproof(start, end, lo + k, hi, b), [lo, lo + k]];
  return [...referenceSubproof(lo + k, end, lo + k, hi, false), [lo, lo + k]];
}

function referenceValid(start: number, end: number): boolean {
  let ceil = 1;
  while (ceil < end - start) ceil *= 2;
  return start <= end && start % ceil === 0;
}

const leaves = Array.from({ length: MAX_SIZE }, (_, i) => leafHash(new TextEncoder().encode(`leaf ${i}`)));
const tree = new MemoryTree(leaves);
const reference = new ReferenceTree(leaves);

function verifies(start: number, end: number, n: number, proof: readonly Hash[], subtreeHash: Hash, root: Hash): boolean {
  try {
    verifySubtreeConsistency(start, end, n, proof, subtreeHash, root);
    return true;
  } catch (e) {
    if (!isLogError(e, 'INVALID_PROOF')) throw e;
    return false;
  }
}

describe('subtrees', () => {
  it('are the intervals the draft defines', () => {
    for (let start = 0; start <= 80; start++) for (let end = 0; end <= 80; end++) expect(isValidSubtree(start, end)).toBe(referenceValid(start, end));
    expect(isValidSubtree(2 ** 52, 2 ** 52 + 2 ** 51)).toBe(true);
    expect(isValidSubtree(2 ** 52 + 256, 2 ** 52 + 600)).toBe(false);
  });

  it("give the draft's examples", async () => {
    // [4, 8) in a tree of 14: MTH(D[0:4]) and MTH(D[8:14]).
    const a = await proveSubtree(tree.hashReader(14), 4, 8, 14);
    expect(a).toEqual([reference.mth(0, 4), reference.mth(8, 14)]);
    // [8, 13) in a tree of 14: d12, d13, MTH(D[8:12]), MTH(D[0:8]).
    const b = await proveSubtree(tree.hashReader(14), 8, 13, 14);
    expect(b).toEqual([reference.mth(12, 13), reference.mth(13, 14), reference.mth(8, 12), reference.mth(0, 8)]);
  });
});

describe('subtree consistency proofs of every subtree of every tree up to 70 leaves', () => {
  it('are the reference proofs, and verify', async () => {
    const failures: string[] = [];
    for (let n = 0; n <= MAX_SIZE; n++) {
      const root = reference.root(n);
      for (let start = 0; start <= n; start++) {
        for (let end = start; end <= n; end++) {
          if (!referenceValid(start, end)) continue;
          const proof = await proveSubtree(tree.hashReader(n), start, end, n);
          const expected = start === end ? [] : referenceSubproof(start, end, 0, n, true).map(([lo, hi]) => reference.mth(lo, hi));
          if (proof.length !== expected.length || proof.some((h, i) => !bytesEq(h, expected[i]!))) failures.push(`proof [${start}, ${end}) in ${n}`);
          if (subtreeProofLength(start, end, n) !== expected.length) failures.push(`length [${start}, ${end}) in ${n}`);
          if (!verifies(start, end, n, proof, reference.mth(start, end), root)) failures.push(`verify [${start}, ${end}) in ${n}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('are inclusion proofs for one leaf and consistency proofs from the start', async () => {
    for (let n = 1; n <= MAX_SIZE; n++) {
      for (let i = 0; i < n; i++) expect(await proveSubtree(tree.hashReader(n), i, i + 1, n)).toEqual(await proveInclusion(tree.hashReader(n), i, n));
      for (let m = 1; m <= n; m++) expect(await proveSubtree(tree.hashReader(n), 0, m, n)).toEqual(await proveConsistency(tree.hashReader(n), m, n));
    }
  });

  it('are refused when altered: a flipped bit, a hash more or less, another subtree, another tree', async () => {
    const failures: string[] = [];
    for (let n = 1; n <= 40; n++) {
      const root = reference.root(n);
      for (let start = 0; start < n; start++) {
        for (let end = start + 1; end <= n; end++) {
          if (!referenceValid(start, end)) continue;
          const proof = await proveSubtree(tree.hashReader(n), start, end, n);
          const own = reference.mth(start, end);
          const bad = (what: string, ok: boolean) => {
            if (ok) failures.push(`${what}: [${start}, ${end}) in ${n}`);
          };
          proof.forEach((_, i) => bad(`flip ${i}`, verifies(start, end, n, proof.map((h, j) => (j === i ? flipByte(h, 7) : h)), own, root)));
          bad('dropped', proof.length > 0 && verifies(start, end, n, proof.slice(0, -1), own, root));
          bad('extended', verifies(start, end, n, [...proof, own], own, root));
          bad('another subtree hash', verifies(start, end, n, proof, flipByte(own, 0), root));
          bad('another root', verifies(start, end, n, proof, own, flipByte(root, 31)));
          // The same proof claimed for a neighbouring subtree or a larger tree.
          if (end + 1 <= n && referenceValid(start, end + 1)) bad('end + 1', verifies(start, end + 1, n, proof, own, root));
          if (n < MAX_SIZE) bad('tree + 1', verifies(start, end, n + 1, proof, own, reference.root(n + 1)));
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuse what is not a subtree, and the empty subtree with anything but the empty hash', () => {
    const root = reference.root(10);
    expect(verifies(3, 5, 10, [], reference.mth(3, 5), root)).toBe(false); // not aligned
    expect(verifies(8, 12, 10, [], reference.mth(8, 10), root)).toBe(false); // past the tree
    expect(verifies(4, 4, 10, [], EMPTY_ROOT, root)).toBe(true);
    expect(verifies(4, 4, 10, [root], EMPTY_ROOT, root)).toBe(false);
    expect(verifies(4, 4, 10, [], root, root)).toBe(false);
    expect(verifies(-1, 1, 10, [], root, root)).toBe(false);
    expect(verifies(0, 10, 10, [], root, root)).toBe(true);
    expect(() => verifySubtreeConsistency(0, 1, 10, ['x' as unknown as Hash], root, root)).toThrow(/32-byte/);
  });

  it('work past 2^32 leaves, with no bitwise arithmetic', () => {
    const n = 2 ** 40 + 3;
    expect(subtreeProofLength(2 ** 40, 2 ** 40 + 2, n)).toBe(2);
    expect(subtreeProofLength(2 ** 33 + 256, 2 ** 33 + 512, n)).toBeGreaterThan(0);
  });
});
