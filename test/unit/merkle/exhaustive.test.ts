/**
 * Every inclusion and consistency proof of every tree size up to 128 (300 with LONG=1),
 * against the RFC 9162 reference; then proofs mutated in the ways an attacker would: with
 * LONG=1 every proof of every size up to 300, by default every proof of every tree shape
 * up to 33 leaves and the boundary proofs of the sizes around each power of two up to
 * 1,024 (see `EVERY_PROOF_UP_TO`).
 *
 * Failures are collected and compared with [] at the end of each test, so a failure
 * lists every (leafIndex, treeSize) or (oldSize, newSize) at fault, not only the first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isLogError } from '../../../src/errors.js';
import {
  type Hash,
  type NodeId,
  EMPTY_ROOT,
  committedOldRoot,
  consistencyProofLength,
  consistencyProofNodes,
  inclusionProofLength,
  inclusionProofNodes,
  leafHash,
  proveConsistency,
  proveInclusion,
  rootOfLeaves,
  treeHash,
  treeHashNodes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/merkle/index.js';
import { flipByte, MemoryTree } from '../../support/memory-tree.js';
import {
  ReferenceTree,
  REF_EMPTY_ROOT,
  bytesEq,
  consistencyRanges,
  pathRanges,
  rangeNodes,
  refLeafHash,
  referenceAcceptsConsistency,
  referenceAcceptsInclusion,
  sha256,
} from '../../support/reference-merkle.js';

const LONG = (process.env.LONG ?? '') !== '';
const MAX_SIZE = LONG ? 300 : 128;
/** Up to this size, every byte of every proof element is flipped (one bit each), not just one. */
const EVERY_BYTE_UP_TO = LONG ? 40 : 16;
/** With LONG=1 each mutation test makes about a million verifications: minutes on a loaded machine. */
const MUTATION_TIMEOUT = LONG ? 900_000 : undefined;

/**
 * Which proofs the mutation tests attack: for each tree size, the leaf indices (inclusion)
 * or old sizes (consistency) whose proofs are mutated.
 *
 * With LONG=1: every one, for every size up to MAX_SIZE (300). By default, as the full
 * sweep is the most expensive loop of the suite (each mutation is a verification, most of
 * them ending in a thrown error):
 *  - every one, for every size up to 33;
 *  - for the sizes 2^k − 1, 2^k and 2^k + 1 from 63 to 1,025 (up to four full tiles and
 *    one leaf more), those at 0, 1, 2^j − 1, 2^j, 2^j + 1 and the last two.
 * Why that suffices: the verifiers walk the binary digits of the index (or old size) and
 * of the size − 1, level by level (RFC 9162 §2.1.3.2, §2.1.4.2), and what a mutation can
 * slip past is how one level's step combines with the next. Every proof of every tree of
 * up to five full levels, and of the one-leaf-larger trees just past them, is every
 * combination of those digits over five levels, full and partial subtrees on either side.
 * The boundary sizes add the deeper trees, perfect, one leaf short and with a lone leaf on
 * the right, at the indices where the walk changes: the first and last leaf, the last leaf
 * of a full subtree and the first after it. Indices between those repeat, one level up,
 * the digit patterns attacked in full below 33 leaves.
 * Sizes above MAX_SIZE are attacked with LONG=1 too, so it covers all the default run does.
 */
const EVERY_PROOF_UP_TO = LONG ? MAX_SIZE : 33;
const BOUNDARY_SIZES = [64, 128, 256, 512, 1024].flatMap((p) => [p - 1, p, p + 1]).filter((n) => n > EVERY_PROOF_UP_TO);
/** Leaves the reference tree needs for the mutation tests (every size attacked, and one more for the moved claims). */
const REFERENCE_SIZE = Math.max(MAX_SIZE, ...BOUNDARY_SIZES) + 1;

/** 0, 1, 2^j − 1, 2^j, 2^j + 1 and the last two, from [0, upTo]: the old sizes (or, below the size, leaf indices) at boundaries. */
function boundaries(upTo: number): number[] {
  const points = new Set([0, 1, upTo - 1, upTo]);
  for (let p = 2; p <= upTo; p *= 2) [p - 1, p, p + 1].forEach((q) => points.add(q));
  return [...points].filter((q) => q >= 0 && q <= upTo).sort((a, b) => a - b);
}

/** The (tree size, leaf indices) whose inclusion proofs are mutated; see above. */
const MUTATED_INCLUSION: readonly (readonly [treeSize: number, leafIndices: readonly number[]])[] = [
  ...Array.from({ length: EVERY_PROOF_UP_TO }, (_, i) => i + 1).map((n) => [n, Array.from({ length: n }, (_, i) => i)] as const),
  ...BOUNDARY_SIZES.map((n) => [n, boundaries(n - 1)] as const),
];

/** The (new size, old sizes) whose consistency proofs are mutated; see above. */
const MUTATED_CONSISTENCY: readonly (readonly [newSize: number, oldSizes: readonly number[]])[] = [
  ...Array.from({ length: EVERY_PROOF_UP_TO }, (_, i) => i + 1).map((n) => [n, Array.from({ length: n + 1 }, (_, m) => m)] as const),
  ...BOUNDARY_SIZES.map((n) => [n, boundaries(n)] as const),
];

type Outcome = 'accepted' | 'rejected' | `threw ${string}`;

/** What a verifier call did: returned, threw LogError('INVALID_PROOF'), or threw something else. */
function outcome(verify: () => void): Outcome {
  try {
    verify();
    return 'accepted';
  } catch (e) {
    return isLogError(e, 'INVALID_PROOF') ? 'rejected' : `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  }
}

function proofsEqual(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((h, i) => bytesEq(h, b[i]!));
}

function plansEqual(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((n, i) => n.level === b[i]!.level && n.index === b[i]!.index);
}

/** A 32-byte hash that appears nowhere in any tree here. */
const STRANGER: Hash = sha256(new TextEncoder().encode('not a node of the tree'));

describe(`exhaustive proofs for every tree size 1..${MAX_SIZE}`, () => {
  let leafHashes: Hash[];
  let tree: MemoryTree;
  let ref: ReferenceTree;

  beforeAll(() => {
    const entries = Array.from({ length: MAX_SIZE }, (_, i) => new TextEncoder().encode(`leaf ${i}`));
    leafHashes = entries.map(leafHash);
    tree = new MemoryTree(leafHashes);
    // The same first MAX_SIZE entries, and more for the largest sizes the mutation tests attack.
    ref = ReferenceTree.fromEntries([...entries, ...Array.from({ length: REFERENCE_SIZE - MAX_SIZE }, (_, i) => new TextEncoder().encode(`leaf ${MAX_SIZE + i}`))]);
  });

  it('leaf hashes and every root agree with the reference (rootOfLeaves, the memory tree, treeHash)', async () => {
    const failures: string[] = [];
    leafHashes.forEach((h, i) => {
      if (!bytesEq(h, ref.leafHashes[i]!)) failures.push(`leaf hash ${i}`);
    });
    if (!bytesEq(EMPTY_ROOT, REF_EMPTY_ROOT)) failures.push('empty root');
    for (let n = 0; n <= MAX_SIZE; n++) {
      if (!bytesEq(rootOfLeaves(leafHashes.slice(0, n)), ref.root(n))) failures.push(`rootOfLeaves ${n}`);
      const reader = tree.hashReader(n);
      if (!bytesEq(await treeHash(reader, n), ref.root(n))) failures.push(`treeHash ${n}`);
      const plan = treeHashNodes(n);
      const expectedReads = n === 0 ? [] : [rangeNodes(0, n)];
      if (reader.calls !== expectedReads.length || !reader.requests.every((r, i) => plansEqual(r, expectedReads[i]!))) {
        failures.push(`treeHash ${n} reads`);
      }
      if (n > 0 && !plansEqual(plan, rangeNodes(0, n))) failures.push(`treeHashNodes ${n}`);
    }
    expect(bytesEq(tree.rootHash, ref.root(MAX_SIZE))).toBe(true);
    expect(failures).toEqual([]);
  });

  it('every inclusion proof equals PATH(m, D[n]), is read in one call of exactly its planned nodes, and verifies', async () => {
    const failures: string[] = [];
    let proofs = 0;
    for (let treeSize = 1; treeSize <= MAX_SIZE; treeSize++) {
      const rootHash = ref.root(treeSize);
      for (let leafIndex = 0; leafIndex < treeSize; leafIndex++) {
        const at = `(${leafIndex}, ${treeSize})`;
        const reader = tree.hashReader(treeSize);
        const inclusionProof = await proveInclusion(reader, leafIndex, treeSize);
        const expected = ref.inclusionProof(leafIndex, treeSize);
        if (!proofsEqual(inclusionProof, expected)) failures.push(`proof ${at}`);
        if (inclusionProofLength(leafIndex, treeSize) !== expected.length) failures.push(`length ${at}`);

        const plan = inclusionProofNodes(leafIndex, treeSize);
        const referencePlan = pathRanges(leafIndex, 0, treeSize).flatMap(([lo, hi]) => rangeNodes(lo, hi));
        if (!plansEqual(plan, referencePlan)) failures.push(`plan ${at}`);
        if (plan.length === 0) {
          if (reader.calls !== 0) failures.push(`reads ${at}: ${reader.calls} calls for an empty plan`);
        } else if (reader.calls !== 1 || !plansEqual(reader.requests[0]!, plan)) {
          failures.push(`reads ${at}: ${reader.calls} calls, ${JSON.stringify(reader.requests)}`);
        }

        const o = outcome(() => verifyInclusion(leafHashes[leafIndex]!, leafIndex, treeSize, expected, rootHash));
        if (o !== 'accepted') failures.push(`verify ${at}: ${o}`);
        proofs++;
      }
    }
    expect(proofs).toBe((MAX_SIZE * (MAX_SIZE + 1)) / 2);
    expect(failures).toEqual([]);
  });

  it('every consistency proof (0 ≤ m ≤ n) equals PROOF(m, D[n]), is read in one call of exactly its planned nodes, and verifies', async () => {
    const failures: string[] = [];
    let proofs = 0;
    for (let newSize = 1; newSize <= MAX_SIZE; newSize++) {
      for (let oldSize = 0; oldSize <= newSize; oldSize++) {
        const at = `(${oldSize}, ${newSize})`;
        const reader = tree.hashReader(newSize);
        const consistencyProof = await proveConsistency(reader, oldSize, newSize);
        const expected = ref.consistencyProof(oldSize, newSize);
        if (!proofsEqual(consistencyProof, expected)) failures.push(`proof ${at}`);
        if (consistencyProofLength(oldSize, newSize) !== expected.length) failures.push(`length ${at}`);
        if ((oldSize === 0 || oldSize === newSize) && expected.length !== 0) failures.push(`non-empty reference ${at}`);

        const plan = consistencyProofNodes(oldSize, newSize);
        const referencePlan = consistencyRanges(oldSize, newSize).flatMap(([lo, hi]) => rangeNodes(lo, hi));
        if (!plansEqual(plan, referencePlan)) failures.push(`plan ${at}`);
        if (plan.length === 0) {
          if (reader.calls !== 0) failures.push(`reads ${at}: ${reader.calls} calls for an empty plan`);
        } else if (reader.calls !== 1 || !plansEqual(reader.requests[0]!, plan)) {
          failures.push(`reads ${at}: ${reader.calls} calls, ${JSON.stringify(reader.requests)}`);
        }

        const o = outcome(() => verifyConsistency(oldSize, newSize, expected, ref.root(oldSize), ref.root(newSize)));
        if (o !== 'accepted') failures.push(`verify ${at}: ${o}`);
        proofs++;
      }
    }
    expect(proofs).toBe((MAX_SIZE * (MAX_SIZE + 3)) / 2);
    expect(failures).toEqual([]);
  });

  it('committedOldRoot: every valid proof from an old size that is not a complete subtree commits to the old root; a complete subtree, a wrong new root or a changed hash commits to none', () => {
    const failures: string[] = [];
    for (let newSize = 2; newSize <= MAX_SIZE; newSize++) {
      for (let oldSize = 1; oldSize < newSize; oldSize++) {
        const at = `(${oldSize}, ${newSize})`;
        const proof = ref.consistencyProof(oldSize, newSize);
        const complete = Number.isInteger(Math.log2(oldSize));
        const committed = committedOldRoot(oldSize, newSize, proof, ref.root(newSize));
        if (complete ? committed !== undefined : committed === undefined || !bytesEq(committed, ref.root(oldSize))) failures.push(`valid ${at}`);
        if (committedOldRoot(oldSize, newSize, proof, ref.root(newSize - 1)) !== undefined) failures.push(`wrong new root ${at}`);
        proof.forEach((_, j) => {
          const changed = proof.map((h, k) => (k === j ? flipByte(h, 0) : h));
          if (committedOldRoot(oldSize, newSize, changed, ref.root(newSize)) !== undefined) failures.push(`hash ${j} changed ${at}`);
        });
        if (committedOldRoot(oldSize, newSize, proof.slice(1), ref.root(newSize)) !== undefined) failures.push(`short ${at}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('every mutated inclusion proof is rejected with INVALID_PROOF', () => {
    const failures: string[] = [];
    const stats = { rejected: 0, movedAndStillValid: 0 };
    const mustReject = (what: string, o: Outcome): void => {
      if (o === 'rejected') stats.rejected++;
      else failures.push(`${what}: ${o}`);
    };
    let attacked = 0;
    for (const [treeSize, leafIndices] of MUTATED_INCLUSION) {
      const rootHash = ref.root(treeSize);
      for (const leafIndex of leafIndices) {
        attacked++;
        const at = `(${leafIndex}, ${treeSize})`;
        const leaf = ref.leafHashes[leafIndex]!;
        const inclusionProof = ref.inclusionProof(leafIndex, treeSize);
        const verify = (proof: readonly Hash[], l = leaf, i = leafIndex, n = treeSize, r = rootHash): Outcome =>
          outcome(() => verifyInclusion(l, i, n, proof, r));

        // A flipped bit in any element: one byte per element, or every byte for small trees.
        inclusionProof.forEach((_, j) => {
          const bytes = treeSize <= EVERY_BYTE_UP_TO ? Array.from({ length: 32 }, (_, b) => b) : [(leafIndex + 7 * j + treeSize) % 32];
          for (const b of bytes) {
            const mutated = inclusionProof.slice();
            mutated[j] = flipByte(inclusionProof[j]!, b, 2 ** ((b + j) % 8));
            mustReject(`${at} element ${j} byte ${b} flipped`, verify(mutated));
          }
        });
        if (inclusionProof.length > 0) {
          mustReject(`${at} first element dropped`, verify(inclusionProof.slice(1)));
          mustReject(`${at} last element dropped`, verify(inclusionProof.slice(0, -1)));
        }
        if (inclusionProof.length > 1) mustReject(`${at} elements reversed`, verify(inclusionProof.slice().reverse()));
        mustReject(`${at} element appended`, verify([...inclusionProof, STRANGER]));
        mustReject(`${at} element prepended`, verify([STRANGER, ...inclusionProof]));
        mustReject(`${at} root's own hash appended`, verify([...inclusionProof, rootHash]));
        mustReject(`${at} wrong root`, verify(inclusionProof, leaf, leafIndex, treeSize, flipByte(rootHash, leafIndex)));
        if (treeSize > 1) mustReject(`${at} root of size ${treeSize - 1}`, verify(inclusionProof, leaf, leafIndex, treeSize, ref.root(treeSize - 1)));
        mustReject(`${at} wrong leaf hash`, verify(inclusionProof, flipByte(leaf, treeSize)));
        mustReject(`${at} leaf data as leaf hash`, verify(inclusionProof, sha256(leaf)));
        if (treeSize > 1) mustReject(`${at} another leaf's hash`, verify(inclusionProof, ref.leafHashes[(leafIndex + 1) % treeSize]!));

        // Wrong index or size with the same proof and root. The verifier cannot always tell:
        // when the RFC recursion for the claimed (index, size) combines the same elements the
        // same way (e.g. (0, 3) and (0, 4)), the claim is consistent with some tree. The
        // reference decides by recomputing MTH from the proof by the §2.1.1 recursion.
        const moves: [number, number][] = [
          [leafIndex - 1, treeSize],
          [leafIndex + 1, treeSize],
          [leafIndex, treeSize - 1],
          [leafIndex, treeSize + 1],
        ];
        for (const [i, n] of moves) {
          if (i < 0) continue;
          const expected: Outcome = referenceAcceptsInclusion(leaf, i, n, inclusionProof, rootHash) ? 'accepted' : 'rejected';
          const o = verify(inclusionProof, leaf, i, n);
          if (o !== expected) failures.push(`${at} claimed as (${i}, ${n}): ${o}, expected ${expected}`);
          else if (o === 'rejected') stats.rejected++;
          else stats.movedAndStillValid++;
          // Moving the index always changes the hashing order at the bottom of the path.
          if (n === treeSize && o !== 'rejected' && i < treeSize) failures.push(`${at} verified at index ${i}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // At least eight rejections per proof attacked, on average: the full sweep's bound (MAX_SIZE² × 4 for about MAX_SIZE² / 2 proofs).
    expect(stats.rejected).toBeGreaterThan(attacked * 8);
  }, MUTATION_TIMEOUT);

  it('a wrong tree size is sometimes indistinguishable, exactly as the RFC recursion says', () => {
    // PATH(0, D[3]) = [MTH(D[1:2]), MTH(D[2:3])] and PATH(0, D[4]) = [MTH(D[1:2]), MTH(D[2:4])]
    // combine identically: a proof of leaf 0 in a tree of 3 also proves leaf 0 in *some* tree of 4.
    const proof = ref.inclusionProof(0, 3);
    expect(outcome(() => verifyInclusion(ref.leafHashes[0]!, 0, 4, proof, ref.root(3)))).toBe('accepted');
    expect(referenceAcceptsInclusion(ref.leafHashes[0]!, 0, 4, proof, ref.root(3))).toBe(true);
    // …but never as a tree of 5, whose path is one element longer.
    expect(outcome(() => verifyInclusion(ref.leafHashes[0]!, 0, 5, proof, ref.root(3)))).toBe('rejected');
  });

  it('every mutated consistency proof is rejected with INVALID_PROOF', () => {
    const failures: string[] = [];
    const stats = { rejected: 0, movedAndStillValid: 0 };
    const mustReject = (what: string, o: Outcome): void => {
      if (o === 'rejected') stats.rejected++;
      else failures.push(`${what}: ${o}`);
    };
    let attacked = 0;
    for (const [newSize, oldSizes] of MUTATED_CONSISTENCY) {
      const newRoot = ref.root(newSize);
      for (const oldSize of oldSizes) {
        attacked++;
        const at = `(${oldSize}, ${newSize})`;
        const oldRoot = ref.root(oldSize);
        const consistencyProof = ref.consistencyProof(oldSize, newSize);
        const verify = (proof: readonly Hash[], m = oldSize, n = newSize, o1 = oldRoot, n1 = newRoot): Outcome =>
          outcome(() => verifyConsistency(m, n, proof, o1, n1));

        consistencyProof.forEach((_, j) => {
          const bytes = newSize <= EVERY_BYTE_UP_TO ? Array.from({ length: 32 }, (_, b) => b) : [(oldSize + 5 * j + newSize) % 32];
          for (const b of bytes) {
            const mutated = consistencyProof.slice();
            mutated[j] = flipByte(consistencyProof[j]!, b, 2 ** ((b + j + 3) % 8));
            mustReject(`${at} element ${j} byte ${b} flipped`, verify(mutated));
          }
        });
        if (consistencyProof.length > 0) {
          mustReject(`${at} first element dropped`, verify(consistencyProof.slice(1)));
          mustReject(`${at} last element dropped`, verify(consistencyProof.slice(0, -1)));
        }
        if (consistencyProof.length > 1) mustReject(`${at} elements reversed`, verify(consistencyProof.slice().reverse()));
        mustReject(`${at} element appended`, verify([...consistencyProof, STRANGER]));
        mustReject(`${at} element prepended`, verify([STRANGER, ...consistencyProof]));
        mustReject(`${at} old root prepended`, verify([oldRoot, ...consistencyProof]));
        mustReject(`${at} wrong old root`, verify(consistencyProof, oldSize, newSize, flipByte(oldRoot, newSize)));
        if (oldSize === 0) {
          // Documented: every tree extends the empty tree, so for m = 0 < n the new root is not
          // constrained by anything (and m = n = 0 needs the empty root on both sides).
          const o = verify(consistencyProof, oldSize, newSize, oldRoot, flipByte(newRoot, oldSize));
          if (o !== 'accepted') failures.push(`${at} any new root extends the empty tree: ${o}`);
        } else {
          mustReject(`${at} wrong new root`, verify(consistencyProof, oldSize, newSize, oldRoot, flipByte(newRoot, oldSize)));
        }
        if (oldSize !== newSize) {
          mustReject(`${at} roots swapped`, verify(consistencyProof, oldSize, newSize, newRoot, oldRoot));
        }
        if (oldSize > 0 && oldSize < newSize) {
          mustReject(`${at} new root of size ${newSize - 1}`, verify(consistencyProof, oldSize, newSize, oldRoot, ref.root(newSize - 1)));
        }

        const moves: [number, number][] = [
          [oldSize - 1, newSize],
          [oldSize + 1, newSize],
          [oldSize, newSize - 1],
          [oldSize, newSize + 1],
        ];
        for (const [m, n] of moves) {
          if (m < 0 || n < 0) continue;
          const expected: Outcome = referenceAcceptsConsistency(m, n, consistencyProof, oldRoot, newRoot) ? 'accepted' : 'rejected';
          const o = verify(consistencyProof, m, n);
          if (o !== expected) failures.push(`${at} claimed as (${m}, ${n}): ${o}, expected ${expected}`);
          else if (o === 'rejected') stats.rejected++;
          else stats.movedAndStillValid++;
        }
      }
    }
    expect(failures).toEqual([]);
    // At least eight rejections per proof attacked, on average: the full sweep's bound (MAX_SIZE² × 4 for about MAX_SIZE² / 2 proofs).
    expect(stats.rejected).toBeGreaterThan(attacked * 8);
  }, MUTATION_TIMEOUT);

  it('the empty tree: only SHA-256("") is its root', () => {
    expect(outcome(() => verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT))).toBe('accepted');
    expect(outcome(() => verifyConsistency(0, 0, [], STRANGER, STRANGER))).toBe('rejected');
    expect(outcome(() => verifyConsistency(0, 0, [], EMPTY_ROOT, STRANGER))).toBe('rejected');
    expect(outcome(() => verifyConsistency(0, 0, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT))).toBe('rejected');
    expect(outcome(() => verifyConsistency(0, 1, [], STRANGER, ref.root(1)))).toBe('rejected');
    // A leaf hash is never an empty-tree root, and a tree of one leaf has no proof to give.
    expect(outcome(() => verifyInclusion(refLeafHash(new Uint8Array(0)), 0, 1, [], EMPTY_ROOT))).toBe('rejected');
    expect(outcome(() => verifyInclusion(EMPTY_ROOT, 0, 0, [], EMPTY_ROOT))).toBe('rejected');
  });
});
