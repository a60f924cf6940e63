/**
 * Property tests (fast-check): appends in any batch split, random proofs in trees of up
 * to 2,000 leaves against the reference, the shape of subtreeNodes, and the verifiers'
 * contract on hostile input: they only ever throw LogError('INVALID_PROOF'), unless the
 * input happens to be valid, in which case they return.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeNodeHash } from '../../../src/cli/node-crypto.js';
import { isLogError } from '../../../src/errors.js';
import {
  type Hash,
  type StoredNode,
  EMPTY_ROOT,
  appendLeaves,
  leafHash,
  proveConsistency,
  proveInclusion,
  subtreeNodes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/merkle/index.js';
import { MemoryTree } from '../../support/memory-tree.js';
import {
  ReferenceTree,
  bytesEq,
  rangeNodes,
  referenceAcceptsConsistency,
  referenceAcceptsInclusion,
} from '../../support/reference-merkle.js';

const MAX_SIZE = 2000;

function proofsEqual(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((h, i) => bytesEq(h, b[i]!));
}

let leafHashes: Hash[];
let tree: MemoryTree;
let ref: ReferenceTree;

beforeAll(() => {
  leafHashes = Array.from({ length: MAX_SIZE }, (_, i) => leafHash(new TextEncoder().encode(`property leaf ${i}`)));
  tree = new MemoryTree(leafHashes);
  ref = new ReferenceTree(leafHashes);
});

describe('appendLeaves', () => {
  /** A tree size and a split of its leaves into consecutive batches (empty batches included). */
  const sizeAndBatches = fc
    .tuple(fc.integer({ min: 0, max: 600 }), fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 40 }))
    .map(([treeSize, cuts]) => {
      const batches: number[] = [];
      let left = treeSize;
      for (const c of cuts) {
        const b = Math.min(c, left);
        batches.push(b);
        left -= b;
      }
      batches.push(left);
      return { treeSize, batches };
    });

  it('in any batch split gives the root, edge and nodes of one append, and the reference root', () => {
    fc.assert(
      fc.property(sizeAndBatches, ({ treeSize, batches }) => {
        // Hashed natively: what is under test is how the edge is carried from batch to batch.
        const whole = appendLeaves(0, [], leafHashes.slice(0, treeSize), nodeNodeHash);
        let size = 0;
        let edge: Hash[] = [];
        const nodes: StoredNode[] = [];
        let last = whole;
        for (const b of batches) {
          last = appendLeaves(size, edge, leafHashes.slice(size, size + b), nodeNodeHash);
          expect(last.treeSize).toBe(size + b);
          expect(bytesEq(last.rootHash, ref.root(last.treeSize))).toBe(true);
          nodes.push(...last.nodes);
          size = last.treeSize;
          edge = last.edge;
        }
        expect(size).toBe(treeSize);
        expect(bytesEq(last.rootHash, whole.rootHash)).toBe(true);
        expect(bytesEq(whole.rootHash, treeSize === 0 ? EMPTY_ROOT : ref.root(treeSize))).toBe(true);
        expect(proofsEqual(edge, whole.edge)).toBe(true);
        // The edge is MTH of each node of the decomposition of D[0:n].
        const referenceEdge = treeSize === 0 ? [] : rangeNodes(0, treeSize).map((n) => ref.mth(n.index * 2 ** n.level, (n.index + 1) * 2 ** n.level));
        expect(proofsEqual(edge, referenceEdge)).toBe(true);
        // Every node completed, once, with its MTH: the same list however the leaves were batched.
        expect(nodes.map((n) => `${n.level}/${n.index}`)).toEqual(whole.nodes.map((n) => `${n.level}/${n.index}`));
        // Checked node by node, the nodes that differ listed at once (an expect per node costs more than the hashing).
        const wrongHashes = nodes.filter((n) => !bytesEq(n.hash, ref.mth(n.index * 2 ** n.level, (n.index + 1) * 2 ** n.level)));
        expect(wrongHashes.map((n) => `${n.level}/${n.index}`)).toEqual([]);
        // Leaves count n, and every level-l node count is floor(n / 2^l).
        expect(nodes.filter((n) => n.level === 0).length).toBe(treeSize);
        for (let l = 1; 2 ** l <= Math.max(1, treeSize); l++) {
          expect(nodes.filter((n) => n.level === l).length).toBe(Math.floor(treeSize / 2 ** l));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('rejects an edge of the wrong length for the tree size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_SIZE }), fc.integer({ min: -2, max: 2 }).filter((d) => d !== 0), (treeSize, delta) => {
        const edge = appendLeaves(0, [], leafHashes.slice(0, treeSize)).edge;
        const wrong = delta > 0 ? [...edge, ...edge.slice(0, delta)] : edge.slice(0, Math.max(0, edge.length + delta));
        fc.pre(wrong.length !== edge.length);
        expect(() => appendLeaves(treeSize, wrong, [leafHashes[0]!])).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
      }),
      { numRuns: 50 },
    );
  });
});

describe(`random proofs in trees of up to ${MAX_SIZE} leaves`, () => {
  const leafIndexAndTreeSize = fc
    .integer({ min: 1, max: MAX_SIZE })
    .chain((treeSize) => fc.tuple(fc.integer({ min: 0, max: treeSize - 1 }), fc.constant(treeSize)));
  const oldAndNewSize = fc
    .integer({ min: 0, max: MAX_SIZE })
    .chain((newSize) => fc.tuple(fc.integer({ min: 0, max: newSize }), fc.constant(newSize)));

  it('inclusion proofs equal PATH(m, D[n]) and verify', async () => {
    await fc.assert(
      fc.asyncProperty(leafIndexAndTreeSize, async ([leafIndex, treeSize]) => {
        const reader = tree.hashReader(treeSize);
        const inclusionProof = await proveInclusion(reader, leafIndex, treeSize);
        expect(proofsEqual(inclusionProof, ref.inclusionProof(leafIndex, treeSize))).toBe(true);
        expect(reader.calls).toBe(inclusionProof.length === 0 ? 0 : 1);
        verifyInclusion(leafHashes[leafIndex]!, leafIndex, treeSize, inclusionProof, ref.root(treeSize));
      }),
      { numRuns: 300 },
    );
  });

  it('consistency proofs equal PROOF(m, D[n]) and verify', async () => {
    await fc.assert(
      fc.asyncProperty(oldAndNewSize, async ([oldSize, newSize]) => {
        const reader = tree.hashReader(newSize);
        const consistencyProof = await proveConsistency(reader, oldSize, newSize);
        expect(proofsEqual(consistencyProof, ref.consistencyProof(oldSize, newSize))).toBe(true);
        expect(reader.calls).toBe(consistencyProof.length === 0 ? 0 : 1);
        verifyConsistency(oldSize, newSize, consistencyProof, ref.root(oldSize), ref.root(newSize));
      }),
      { numRuns: 300 },
    );
  });
});

describe('subtreeNodes', () => {
  it('(0, n): one node per binary digit 1 of n, largest first, each starting where the previous ends', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.maxSafeInteger().filter((n) => n >= 1)), (treeSize) => {
        const n = BigInt(treeSize);
        const expected: { level: number; index: number }[] = [];
        let start = 0n;
        for (let level = 63; level >= 0; level--) {
          const width = 2n ** BigInt(level);
          if ((n / width) % 2n === 1n) {
            expected.push({ level, index: Number(start / width) });
            start += width;
          }
        }
        expect(start).toBe(n);
        expect(subtreeNodes(0, treeSize)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('(lo, hi): contiguous aligned nodes, largest first, or OUT_OF_RANGE exactly when the greedy split is unaligned', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 3000 }), (lo, length) => {
        const hi = lo + length;
        // Reference: greedy largest power of two ≤ the rest, in BigInt.
        let at = BigInt(lo);
        const expected: { level: number; index: number }[] = [];
        let aligned = true;
        while (at < BigInt(hi)) {
          let width = 1n;
          let level = 0;
          while (width * 2n <= BigInt(hi) - at) {
            width *= 2n;
            level++;
          }
          if (at % width !== 0n) aligned = false;
          expected.push({ level, index: Number(at / width) });
          at += width;
        }
        if (aligned) expect(subtreeNodes(lo, hi)).toEqual(expected);
        else expect(() => subtreeNodes(lo, hi)).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects empty, reversed, negative and non-integer ranges with OUT_OF_RANGE', () => {
    for (const [lo, hi] of [
      [0, 0],
      [5, 5],
      [5, 4],
      [-1, 4],
      [0.5, 4],
      [0, 4.5],
      [0, Number.NaN],
      [0, 2 ** 53],
      [0, Infinity],
    ] as const) {
      expect(() => subtreeNodes(lo, hi), `[${lo}, ${hi})`).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
    }
  });
});

describe('verifiers on hostile input', () => {
  /** A value to toString that throws. */
  const hostileObjects = (): unknown[] => [
    Object.create(null),
    { toString: 0 },
    { toString: () => ({}), valueOf: () => ({}) },
    {
      [Symbol.toPrimitive]() {
        throw new RangeError('hostile');
      },
    },
    Symbol('index'),
    new Proxy({}, {}),
  ];

  const anything = fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    stringUnit: 'binary',
  });
  const strangeNumber = fc.constantFrom(
    Number.NaN,
    -1,
    -0,
    0.5,
    1.5,
    2 ** 53,
    2 ** 53 - 1,
    2 ** 53 + 2,
    2 ** 64,
    Number.MAX_VALUE,
    Infinity,
    -Infinity,
    '3',
    '0',
    '',
    3n,
    null,
    undefined,
    true,
  );
  const hostileIndex = fc.oneof(anything, strangeNumber, fc.constantFrom(...hostileObjects()), fc.integer({ min: 0, max: 70 }), fc.maxSafeNat(), fc.double());
  const byteString = fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.uint8Array({ minLength: 32, maxLength: 32 }));
  const hostileHash = fc.oneof(
    anything,
    byteString,
    fc.constantFrom<unknown>(
      new Int8Array(32),
      new Uint8ClampedArray(32),
      new Uint16Array(16),
      new Float64Array(4),
      new ArrayBuffer(32),
      Array.from({ length: 32 }, () => 0),
      'x'.repeat(32),
      ...hostileObjects(),
    ),
  );
  const hostileProof = fc.oneof(
    anything,
    fc.array(hostileHash, { maxLength: 12 }),
    fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 12 }),
    fc.array(byteString, { maxLength: 12 }),
    fc.constantFrom<unknown>(...hostileObjects(), new Array(3), { length: 2, 0: new Uint8Array(32), 1: new Uint8Array(32) }),
  );

  type Outcome = 'accepted' | 'rejected' | `threw ${string}`;
  const outcome = (f: () => void): Outcome => {
    try {
      f();
      return 'accepted';
    } catch (e) {
      return isLogError(e, 'INVALID_PROOF') ? 'rejected' : `threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : typeof e}`;
    }
  };

  /** A valid inclusion claim from a tree of up to 70 leaves, with any of its arguments replaced by something hostile. */
  const inclusionArgs = fc
    .integer({ min: 1, max: 70 })
    .chain((treeSize) => fc.tuple(fc.integer({ min: 0, max: treeSize - 1 }), fc.constant(treeSize)))
    .chain(([leafIndex, treeSize]) =>
      fc.tuple(
        fc.option(hostileHash, { freq: 2 }).map((h) => (h === null ? leafHashes[leafIndex] : h)),
        fc.option(hostileIndex, { freq: 2 }).map((i) => (i === null ? leafIndex : i)),
        fc.option(hostileIndex, { freq: 2 }).map((n) => (n === null ? treeSize : n)),
        fc.option(hostileProof, { freq: 2 }).map((p) => (p === null ? ref.inclusionProof(leafIndex, treeSize) : p)),
        fc.option(hostileHash, { freq: 2 }).map((r) => (r === null ? ref.root(treeSize) : r)),
      ),
    );

  const consistencyArgs = fc
    .integer({ min: 0, max: 70 })
    .chain((newSize) => fc.tuple(fc.integer({ min: 0, max: newSize }), fc.constant(newSize)))
    .chain(([oldSize, newSize]) =>
      fc.tuple(
        fc.option(hostileIndex, { freq: 2 }).map((m) => (m === null ? oldSize : m)),
        fc.option(hostileIndex, { freq: 2 }).map((n) => (n === null ? newSize : n)),
        fc.option(hostileProof, { freq: 2 }).map((p) => (p === null ? ref.consistencyProof(oldSize, newSize) : p)),
        fc.option(hostileHash, { freq: 2 }).map((r) => (r === null ? ref.root(oldSize) : r)),
        fc.option(hostileHash, { freq: 2 }).map((r) => (r === null ? ref.root(newSize) : r)),
      ),
    );

  it('verifyInclusion only returns for a valid claim, and otherwise only throws INVALID_PROOF', () => {
    const seen = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(inclusionArgs, (args) => {
        const o = outcome(() => (verifyInclusion as (...a: unknown[]) => void)(...args));
        const expected = referenceAcceptsInclusion(...args) ? 'accepted' : 'rejected';
        expect(o).toBe(expected);
        seen[expected]++;
      }),
      { numRuns: 3000 },
    );
    // Both branches exercised.
    expect(seen.accepted).toBeGreaterThan(10);
    expect(seen.rejected).toBeGreaterThan(1000);
  });

  it('verifyConsistency only returns for a valid claim, and otherwise only throws INVALID_PROOF', () => {
    const seen = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(consistencyArgs, (args) => {
        const o = outcome(() => (verifyConsistency as (...a: unknown[]) => void)(...args));
        const expected = referenceAcceptsConsistency(...args) ? 'accepted' : 'rejected';
        expect(o).toBe(expected);
        seen[expected]++;
      }),
      { numRuns: 3000 },
    );
    expect(seen.accepted).toBeGreaterThan(10);
    expect(seen.rejected).toBeGreaterThan(1000);
  });

  it('every argument fully arbitrary: only INVALID_PROOF', () => {
    fc.assert(
      fc.property(hostileHash, hostileIndex, hostileIndex, hostileProof, hostileHash, (a, b, c, d, e) => {
        expect(outcome(() => (verifyInclusion as (...a: unknown[]) => void)(a, b, c, d, e))).toBe(
          referenceAcceptsInclusion(a, b, c, d, e) ? 'accepted' : 'rejected',
        );
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(hostileIndex, hostileIndex, hostileProof, hostileHash, hostileHash, (a, b, c, d, e) => {
        expect(outcome(() => (verifyConsistency as (...a: unknown[]) => void)(a, b, c, d, e))).toBe(
          referenceAcceptsConsistency(a, b, c, d, e) ? 'accepted' : 'rejected',
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('the hostile objects themselves, in every argument position', () => {
    const leaf = leafHashes[2]!;
    const proof = ref.inclusionProof(2, 5);
    const root = ref.root(5);
    for (const bad of [...hostileObjects(), Number.NaN, -1, 2 ** 53, 2 ** 53 + 2, 1.5, '2', 2n]) {
      const i: unknown[] = [leaf, 2, 5, proof, root];
      for (let at = 0; at < i.length; at++) {
        const args = i.slice();
        args[at] = bad;
        expect(outcome(() => (verifyInclusion as (...a: unknown[]) => void)(...args)), `inclusion arg ${at}`).toBe('rejected');
      }
      const c: unknown[] = [3, 5, ref.consistencyProof(3, 5), ref.root(3), root];
      for (let at = 0; at < c.length; at++) {
        const args = c.slice();
        args[at] = bad;
        expect(outcome(() => (verifyConsistency as (...a: unknown[]) => void)(...args)), `consistency arg ${at}`).toBe('rejected');
      }
    }
  });
});
