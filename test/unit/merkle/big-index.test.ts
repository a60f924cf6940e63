/**
 * Indices past 2^32, up to 2^53 − 1: proof plans and tile coordinates against a BigInt
 * reimplementation of the same RFC 9162 recursion (BigInt cannot truncate to 32 bits), and
 * proofs built and verified end to end in sparse, virtual trees of those sizes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLogError } from '../../../src/errors.js';
import {
  type Hash,
  type HashReader,
  type NodeId,
  appendLeaves,
  consistencyProofNodes,
  formatEntryBundlePath,
  formatTileIndex,
  formatTilePath,
  inclusionProofNodes,
  parseTilePath,
  proveConsistency,
  proveInclusion,
  tileForNode,
  tileWidth,
  treeHash,
  treeHashNodes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/merkle/index.js';
import { flipByte } from '../../support/memory-tree.js';
import { bytesEq, refLeafHash, refNodeHash, referenceAcceptsConsistency, referenceAcceptsInclusion, sha256 } from '../../support/reference-merkle.js';

// ----- BigInt reference: the RFC 9162 §2.1 recursions over index ranges -------------------

type BigRange = readonly [lo: bigint, hi: bigint];
interface BigNode {
  level: number;
  index: bigint;
}

const TWO_53 = 2n ** 53n;

function largestPow2Below(n: bigint): bigint {
  let k = 1n;
  while (k * 2n < n) k *= 2n;
  return k;
}

function isPow2(n: bigint): boolean {
  let k = 1n;
  while (k < n) k *= 2n;
  return k === n;
}

function log2(n: bigint): number {
  let level = 0;
  for (let k = 1n; k < n; k *= 2n) level++;
  return level;
}

/** PATH(m, D[lo:hi]) as ranges, leaf upwards; m relative to lo. */
function pathRanges(m: bigint, lo: bigint, hi: bigint): BigRange[] {
  if (hi - lo <= 1n) return [];
  const k = largestPow2Below(hi - lo);
  if (m < k) return [...pathRanges(m, lo, lo + k), [lo + k, hi]];
  return [...pathRanges(m - k, lo + k, hi), [lo, lo + k]];
}

/** SUBPROOF(m, D[lo:hi], b) as ranges; m relative to lo. */
function subproofRanges(m: bigint, lo: bigint, hi: bigint, b: boolean): BigRange[] {
  if (m === hi - lo) return b ? [] : [[lo, hi]];
  const k = largestPow2Below(hi - lo);
  if (m <= k) return [...subproofRanges(m, lo, lo + k, b), [lo + k, hi]];
  return [...subproofRanges(m - k, lo + k, hi, false), [lo, lo + k]];
}

function consistencyRanges(m: bigint, n: bigint): BigRange[] {
  return m === 0n || m === n ? [] : subproofRanges(m, 0n, n, true);
}

/** The complete subtrees of D[lo:hi] by the MTH recursion. */
function rangeNodes(lo: bigint, hi: bigint): BigNode[] {
  const n = hi - lo;
  if (isPow2(n) && lo % n === 0n) return [{ level: log2(n), index: lo / n }];
  const k = largestPow2Below(n);
  return [...rangeNodes(lo, lo + k), ...rangeNodes(lo + k, hi)];
}

function sameNodes(a: readonly BigNode[], b: readonly BigNode[]): boolean {
  return a.length === b.length && a.every((x, i) => x.level === b[i]!.level && x.index === b[i]!.index);
}

const big = (nodes: readonly NodeId[]): BigNode[] => nodes.map((n) => ({ level: n.level, index: BigInt(n.index) }));

/** Tile coordinates of a node, by c2sp.org/tlog-tiles, in BigInt. */
function tileOf(node: BigNode, treeSize: bigint): { level: number; index: bigint; width: bigint; offset: bigint; count: bigint } {
  const tileLevel = Math.floor(node.level / 8);
  const count = 2n ** BigInt(node.level - 8 * tileLevel);
  const first = node.index * count;
  const index = first / 256n;
  return { level: tileLevel, index, width: bigTileWidth(tileLevel, index, treeSize), offset: first % 256n, count };
}

function bigTileWidth(level: number, index: bigint, treeSize: bigint): bigint {
  const available = treeSize / 256n ** BigInt(level) - index * 256n;
  return available < 0n ? 0n : available > 256n ? 256n : available;
}

/** `<N>` of a tile path, from the decimal digits of a BigInt. */
function bigTileIndexPath(index: bigint): string {
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift((n % 1000n).toString().padStart(3, '0'));
    n /= 1000n;
  } while (n > 0n);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

// ----- A sparse, virtual tree -------------------------------------------------------------

/**
 * A tree of any size up to 2^53 − 1 in which every complete subtree is "closed" (its hash
 * is a synthetic SHA-256("level/index")) unless `open(lo, hi)` says it must be computed
 * from its children. For an inclusion proof the open nodes are those holding the leaf,
 * whose real leaf hash is at the bottom; for a consistency proof, those straddling the old
 * size. A proof never contains an open node, so the synthetic hashes a reader returns and
 * the MTH recursion below agree exactly on every node either uses, and the verifier is
 * exercised for real: any wrong index, size or element changes what it computes.
 */
class VirtualTree {
  private readonly memo = new Map<string, Hash>();
  reads = 0;
  readonly requests: BigNode[][] = [];

  constructor(
    readonly treeSize: bigint,
    private readonly open: (lo: bigint, hi: bigint) => boolean,
    private readonly leaf?: { index: bigint; hash: Hash } | ((index: bigint) => Hash),
  ) {}

  static synthetic(level: number, index: bigint): Hash {
    return sha256(new TextEncoder().encode(`${level}/${index}`));
  }

  /** MTH(D[lo:hi]) by the §2.1.1 recursion. */
  mth(lo: bigint, hi: bigint): Hash {
    const key = `${lo}:${hi}`;
    const memo = this.memo.get(key);
    if (memo !== undefined) return memo;
    const n = hi - lo;
    let h: Hash;
    if (isPow2(n) && lo % n === 0n && !this.open(lo, hi)) h = VirtualTree.synthetic(log2(n), lo / n);
    else if (n === 1n) {
      if (typeof this.leaf === 'function') h = this.leaf(lo);
      else if (this.leaf !== undefined && this.leaf.index === lo) h = this.leaf.hash;
      else throw new Error(`virtual tree: leaf ${lo} is open but unknown`);
    } else {
      const k = largestPow2Below(n);
      h = refNodeHash(this.mth(lo, lo + k), this.mth(lo + k, hi));
    }
    this.memo.set(key, h);
    return h;
  }

  /** A HashReader over the closed nodes; asking for an open node is a test failure. */
  reader(): HashReader {
    return {
      readHashes: async (nodes: readonly NodeId[]): Promise<Hash[]> => {
        this.reads++;
        this.requests.push(big(nodes));
        return nodes.map(({ level, index }) => {
          const width = 2n ** BigInt(level);
          const lo = BigInt(index) * width;
          if (lo + width > this.treeSize) throw new Error(`virtual tree: node (${level}, ${index}) is outside the tree`);
          if (this.open(lo, lo + width)) throw new Error(`virtual tree: node (${level}, ${index}) is open`);
          return this.mth(lo, lo + width);
        });
      },
    };
  }
}

type Outcome = 'accepted' | 'rejected' | `threw ${string}`;
function outcome(f: () => void): Outcome {
  try {
    f();
    return 'accepted';
  } catch (e) {
    return isLogError(e, 'INVALID_PROOF') ? 'rejected' : `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  }
}

// ----- The sizes --------------------------------------------------------------------------

const TREE_SIZES: bigint[] = [2n ** 32n + 1n, 2n ** 40n, 2n ** 40n + 12345n, 2n ** 52n + 3n, TWO_53 - 2n, TWO_53 - 1n];

function leafIndicesFor(n: bigint): bigint[] {
  const picks = [0n, 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, n / 2n, n / 3n, n - 12345n, n - 256n, n - 2n, n - 1n];
  return [...new Set(picks.filter((i) => i >= 0n && i < n))];
}

function oldSizesFor(n: bigint): bigint[] {
  const picks = [0n, 1n, 2n, 3n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, 2n ** 40n, n / 2n, n / 3n + 7n, n - 12345n, n - 1n, n];
  return [...new Set(picks.filter((m) => m >= 0n && m <= n))];
}

const bigSize = fc.bigInt({ min: 2n ** 32n, max: TWO_53 - 1n });
const leafIndexAndTreeSize = bigSize.chain((n) => fc.tuple(fc.bigInt({ min: 0n, max: n - 1n }), fc.constant(n)));
const oldAndNewSize = bigSize.chain((n) => fc.tuple(fc.bigInt({ min: 0n, max: n }), fc.constant(n)));

describe('proof plans past 2^32', () => {
  it('inclusionProofNodes at the chosen sizes equals the BigInt recursion', () => {
    for (const n of TREE_SIZES) {
      for (const i of leafIndicesFor(n)) {
        const expected = pathRanges(i, 0n, n).flatMap(([lo, hi]) => rangeNodes(lo, hi));
        expect(big(inclusionProofNodes(Number(i), Number(n))), `(${i}, ${n})`).toEqual(expected);
      }
    }
  });

  it('consistencyProofNodes at the chosen sizes equals the BigInt recursion', () => {
    for (const n of TREE_SIZES) {
      for (const m of oldSizesFor(n)) {
        const expected = consistencyRanges(m, n).flatMap(([lo, hi]) => rangeNodes(lo, hi));
        expect(big(consistencyProofNodes(Number(m), Number(n))), `(${m}, ${n})`).toEqual(expected);
      }
    }
  });

  it('treeHashNodes is the binary decomposition of the tree size', () => {
    for (const n of TREE_SIZES) expect(big(treeHashNodes(Number(n)))).toEqual(rangeNodes(0n, n));
  });

  it('random (leafIndex, treeSize) and (oldSize, newSize) in [2^32, 2^53)', () => {
    fc.assert(
      fc.property(leafIndexAndTreeSize, ([i, n]) => {
        expect(big(inclusionProofNodes(Number(i), Number(n)))).toEqual(pathRanges(i, 0n, n).flatMap(([lo, hi]) => rangeNodes(lo, hi)));
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(oldAndNewSize, ([m, n]) => {
        expect(big(consistencyProofNodes(Number(m), Number(n)))).toEqual(consistencyRanges(m, n).flatMap(([lo, hi]) => rangeNodes(lo, hi)));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects indices and sizes at and past 2^53 with OUT_OF_RANGE', () => {
    const code = expect.objectContaining({ code: 'OUT_OF_RANGE' });
    expect(() => inclusionProofNodes(0, 2 ** 53)).toThrow(code);
    expect(() => inclusionProofNodes(2 ** 53 - 1, 2 ** 53 - 1)).toThrow(code);
    expect(() => consistencyProofNodes(1, 2 ** 53)).toThrow(code);
    expect(() => consistencyProofNodes(2 ** 53 - 1, 2 ** 53 - 2)).toThrow(code);
    expect(() => treeHashNodes(2 ** 53)).toThrow(code);
  });
});

describe('tile coordinates past 2^32', () => {
  it('formatTileIndex groups decimal digits by three', () => {
    expect(formatTileIndex(0)).toBe('000');
    expect(formatTileIndex(999)).toBe('999');
    expect(formatTileIndex(1000)).toBe('x001/000');
    expect(formatTileIndex(1234067)).toBe('x001/x234/067');
    expect(formatTileIndex(2 ** 53 - 1)).toBe('x009/x007/x199/x254/x740/991');
    fc.assert(
      fc.property(fc.maxSafeNat(), (index) => {
        expect(formatTileIndex(index)).toBe(bigTileIndexPath(BigInt(index)));
      }),
      { numRuns: 500 },
    );
  });

  it('tileForNode for every node of every plan at the chosen sizes equals the BigInt computation, and its path round trips', () => {
    const failures: string[] = [];
    for (const n of TREE_SIZES) {
      const nodes = [
        ...leafIndicesFor(n).flatMap((i) => inclusionProofNodes(Number(i), Number(n))),
        ...oldSizesFor(n).flatMap((m) => consistencyProofNodes(Number(m), Number(n))),
        ...leafIndicesFor(n).map((i) => ({ level: 0, index: Number(i) })),
      ];
      // Some 11,000 nodes: each difference is listed, and all are compared with [] at the end
      // (four matcher calls per node cost more than the computations checked).
      for (const node of nodes) {
        const at = `node (${node.level}, ${node.index}) at ${n}`;
        const t = tileForNode(node, Number(n));
        const e = tileOf({ level: node.level, index: BigInt(node.index) }, n);
        const got = { level: t.tile.level, index: BigInt(t.tile.index), width: BigInt(t.tile.width), offset: BigInt(t.offset), count: BigInt(t.count) };
        if ((Object.keys(e) as (keyof typeof e)[]).some((k) => got[k] !== e[k])) {
          failures.push(`${at}: ${JSON.stringify(t)}, expected ${JSON.stringify(e, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
        }
        if (!(e.width >= 1n && e.offset + e.count <= e.width)) failures.push(`${at}: the node is not inside its tile`);
        const path = formatTilePath(t.tile);
        const expectedPath = `tile/${e.level}/${bigTileIndexPath(e.index)}${e.width === 256n ? '' : `.p/${e.width}`}`;
        if (path !== expectedPath) failures.push(`${at}: path ${path}, expected ${expectedPath}`);
        const parsed = parseTilePath(path);
        if (parsed.kind !== 'tile' || Object.keys(parsed).length !== 4 || parsed.level !== t.tile.level || parsed.index !== t.tile.index || parsed.width !== t.tile.width) {
          failures.push(`${at}: ${path} parses to ${JSON.stringify(parsed)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('random nodes of random trees in [2^32, 2^53)', () => {
    fc.assert(
      fc.property(bigSize, fc.integer({ min: 0, max: 52 }), fc.bigInt({ min: 0n, max: TWO_53 }), (n, level, r) => {
        const width = 2n ** BigInt(level);
        fc.pre(width <= n);
        const index = r % (n / width); // a complete node of the tree
        const t = tileForNode({ level, index: Number(index) }, Number(n));
        const e = tileOf({ level, index }, n);
        expect({ level: t.tile.level, index: BigInt(t.tile.index), width: BigInt(t.tile.width), offset: BigInt(t.offset), count: BigInt(t.count) }).toEqual(e);
        expect(BigInt(tileWidth(e.level, Number(e.index), Number(n)))).toBe(e.width);
        expect(parseTilePath(formatTilePath(t.tile))).toEqual({ kind: 'tile', ...t.tile });
      }),
      { numRuns: 500 },
    );
  });

  it('tileWidth at the right edge and past it', () => {
    for (const n of TREE_SIZES) {
      for (let level = 0; level <= 7; level++) {
        const hashes = n / 256n ** BigInt(level);
        const lastIndex = hashes / 256n;
        for (const index of [0n, 1n, lastIndex - 1n, lastIndex, lastIndex + 1n].filter((x) => x >= 0n)) {
          expect(BigInt(tileWidth(level, Number(index), Number(n))), `(${level}, ${index}) at ${n}`).toBe(bigTileWidth(level, index, n));
        }
      }
    }
    expect(tileWidth(0, (2 ** 53 - 256) / 256, 2 ** 53 - 1)).toBe(255);
    expect(tileWidth(0, (2 ** 53 - 256) / 256, 2 ** 53 - 2)).toBe(254);
  });

  it('tileForNode rejects nodes outside the tree with OUT_OF_RANGE', () => {
    const code = expect.objectContaining({ code: 'OUT_OF_RANGE' });
    expect(() => tileForNode({ level: 0, index: 2 ** 53 - 1 }, 2 ** 53 - 1)).toThrow(code);
    expect(() => tileForNode({ level: 1, index: 2 ** 52 - 1 }, 2 ** 53 - 1)).toThrow(code);
    expect(() => tileForNode({ level: 53, index: 0 }, 2 ** 53 - 1)).toThrow(code);
    expect(() => tileForNode({ level: 40, index: 1 }, 2 ** 40 + 12345)).toThrow(code);
    expect(tileForNode({ level: 40, index: 0 }, 2 ** 40 + 12345).tile).toEqual({ level: 5, index: 0, width: 1 });
  });

  it('tile paths up to the last tile below 2^53, and none past it', () => {
    // The last level-0 tile of the largest tree starts at 2^53 − 256.
    const last = (2 ** 53 - 256) / 256;
    expect(formatTilePath({ level: 0, index: last, width: 255 })).toBe('tile/0/x035/x184/x372/x088/831.p/255');
    expect(parseTilePath('tile/0/x035/x184/x372/x088/831.p/255')).toEqual({ kind: 'tile', level: 0, index: last, width: 255 });
    expect(parseTilePath('tile/entries/x035/x184/x372/x088/831')).toEqual({ kind: 'entries', index: last, width: 256 });
    expect(formatEntryBundlePath({ index: last, width: 256 })).toBe('tile/entries/x035/x184/x372/x088/831');
    // One tile further starts at 2^53: no tree has it.
    for (const path of ['tile/0/x035/x184/x372/x088/832', 'tile/entries/x035/x184/x372/x088/832', 'tile/1/x137/x438/x953/472', 'tile/6/001']) {
      expect(() => parseTilePath(path), path).toThrow(expect.objectContaining({ code: 'MALFORMED_TILE', message: expect.stringMatching(/past 2\^53|too large/) }));
    }
    expect(parseTilePath('tile/6/000')).toEqual({ kind: 'tile', level: 6, index: 0, width: 256 });
    expect(parseTilePath('tile/1/x137/x438/x953/471')).toEqual({ kind: 'tile', level: 1, index: 2 ** 37 - 1, width: 256 });
    expect(parseTilePath('tile/5/031')).toEqual({ kind: 'tile', level: 5, index: 31, width: 256 });
  });
});

describe('proofs end to end in sparse trees past 2^32', () => {
  it('inclusion: built through one read, equal to the BigInt PATH, verified; a wrong index, size, element or root fails', async () => {
    const failures: string[] = [];
    let rejections = 0;
    for (const n of TREE_SIZES) {
      for (const i of leafIndicesFor(n)) {
        const at = `(${i}, ${n})`;
        const leafHash = refLeafHash(new TextEncoder().encode(`big leaf ${i}`));
        const vt = new VirtualTree(n, (lo, hi) => lo <= i && i < hi, { index: i, hash: leafHash });
        const leafIndex = Number(i);
        const treeSize = Number(n);

        const inclusionProof = await proveInclusion(vt.reader(), leafIndex, treeSize);
        const expected = pathRanges(i, 0n, n).map(([lo, hi]) => vt.mth(lo, hi));
        if (inclusionProof.length !== expected.length || !inclusionProof.every((h, j) => bytesEq(h, expected[j]!))) failures.push(`proof ${at}`);
        if (vt.reads !== 1) failures.push(`reads ${at}: ${vt.reads}`);
        if (!sameNodes(vt.requests[0] ?? [], pathRanges(i, 0n, n).flatMap(([lo, hi]) => rangeNodes(lo, hi)))) failures.push(`read nodes ${at}`);

        const rootHash = vt.mth(0n, n);
        const o = outcome(() => verifyInclusion(leafHash, leafIndex, treeSize, inclusionProof, rootHash));
        if (o !== 'accepted') failures.push(`verify ${at}: ${o}`);

        const reject = (what: string, r: Outcome): void => {
          if (r === 'rejected') rejections++;
          else failures.push(`${at} ${what}: ${r}`);
        };
        for (const di of [-1, 1]) {
          const j = leafIndex + di;
          if (j >= 0 && j < treeSize) reject(`index ${j}`, outcome(() => verifyInclusion(leafHash, j, treeSize, inclusionProof, rootHash)));
        }
        for (const dn of [-1, 1]) {
          const m = treeSize + dn;
          const exp: Outcome = referenceAcceptsInclusion(leafHash, leafIndex, m, inclusionProof, rootHash) ? 'accepted' : 'rejected';
          const got = outcome(() => verifyInclusion(leafHash, leafIndex, m, inclusionProof, rootHash));
          if (got !== exp) failures.push(`${at} size ${m}: ${got}, expected ${exp}`);
          if (got === 'rejected') rejections++;
        }
        inclusionProof.forEach((_, j) => {
          const mutated = inclusionProof.slice();
          mutated[j] = flipByte(inclusionProof[j]!, j + 3, 2 ** (j % 8));
          reject(`element ${j} flipped`, outcome(() => verifyInclusion(leafHash, leafIndex, treeSize, mutated, rootHash)));
        });
        reject('last element dropped', outcome(() => verifyInclusion(leafHash, leafIndex, treeSize, inclusionProof.slice(0, -1), rootHash)));
        reject('wrong root', outcome(() => verifyInclusion(leafHash, leafIndex, treeSize, inclusionProof, flipByte(rootHash, 31))));
        reject('wrong leaf', outcome(() => verifyInclusion(flipByte(leafHash, 0), leafIndex, treeSize, inclusionProof, rootHash)));
      }
    }
    expect(failures).toEqual([]);
    expect(rejections).toBeGreaterThan(TREE_SIZES.length * 10 * 40);
  });

  it('consistency: built through one read, equal to the BigInt PROOF, verified; a wrong size, element or root fails', async () => {
    const failures: string[] = [];
    let rejections = 0;
    for (const n of TREE_SIZES) {
      for (const m of oldSizesFor(n)) {
        const at = `(${m}, ${n})`;
        // Nodes straddling the old size are computed from their children; all others are synthetic.
        const vt = new VirtualTree(n, (lo, hi) => lo < m && m < hi);
        const oldSize = Number(m);
        const newSize = Number(n);
        const consistencyProof = await proveConsistency(vt.reader(), oldSize, newSize);
        const ranges = consistencyRanges(m, n);
        const expected = ranges.map(([lo, hi]) => vt.mth(lo, hi));
        if (consistencyProof.length !== expected.length || !consistencyProof.every((h, j) => bytesEq(h, expected[j]!))) failures.push(`proof ${at}`);
        if (vt.reads !== (ranges.length === 0 ? 0 : 1)) failures.push(`reads ${at}: ${vt.reads}`);

        const oldRoot = m === 0n ? sha256() : vt.mth(0n, m);
        const newRoot = vt.mth(0n, n);
        const o = outcome(() => verifyConsistency(oldSize, newSize, consistencyProof, oldRoot, newRoot));
        if (o !== 'accepted') failures.push(`verify ${at}: ${o}`);
        if (m === 0n || m === n) continue;

        const reject = (what: string, r: Outcome): void => {
          if (r === 'rejected') rejections++;
          else failures.push(`${at} ${what}: ${r}`);
        };
        for (const [m2, n2] of [
          [oldSize - 1, newSize],
          [oldSize + 1, newSize],
          [oldSize, newSize - 1],
          [oldSize, newSize + 1],
        ] as const) {
          const exp: Outcome = referenceAcceptsConsistency(m2, n2, consistencyProof, oldRoot, newRoot) ? 'accepted' : 'rejected';
          const got = outcome(() => verifyConsistency(m2, n2, consistencyProof, oldRoot, newRoot));
          if (got !== exp) failures.push(`${at} claimed as (${m2}, ${n2}): ${got}, expected ${exp}`);
          if (got === 'rejected') rejections++;
        }
        consistencyProof.forEach((_, j) => {
          const mutated = consistencyProof.slice();
          mutated[j] = flipByte(consistencyProof[j]!, j + 5, 2 ** ((j + 1) % 8));
          reject(`element ${j} flipped`, outcome(() => verifyConsistency(oldSize, newSize, mutated, oldRoot, newRoot)));
        });
        reject('first element dropped', outcome(() => verifyConsistency(oldSize, newSize, consistencyProof.slice(1), oldRoot, newRoot)));
        reject('wrong old root', outcome(() => verifyConsistency(oldSize, newSize, consistencyProof, flipByte(oldRoot, 7), newRoot)));
        reject('wrong new root', outcome(() => verifyConsistency(oldSize, newSize, consistencyProof, oldRoot, flipByte(newRoot, 8))));
        reject('roots swapped', outcome(() => verifyConsistency(oldSize, newSize, consistencyProof, newRoot, oldRoot)));
      }
    }
    expect(failures).toEqual([]);
    expect(rejections).toBeGreaterThan(TREE_SIZES.length * 10 * 40);
  });

  it('treeHash of a sparse tree reads exactly its binary decomposition once', async () => {
    for (const n of TREE_SIZES) {
      const vt = new VirtualTree(n, () => false);
      expect(bytesEq(await treeHash(vt.reader(), Number(n)), vt.mth(0n, n))).toBe(true);
      expect(vt.reads).toBe(1);
      expect(vt.requests[0]).toEqual(rangeNodes(0n, n));
    }
  });
});

describe('appendLeaves past 2^32', () => {
  it('onto the right edge of a huge tree: node indices, hashes, new edge and root agree with the BigInt recursion', () => {
    const failures: string[] = [];
    for (const n of [2n ** 31n - 3n, 2n ** 32n - 1n, 2n ** 32n + 1n, 2n ** 40n - 5n, 2n ** 40n + 12345n, 2n ** 52n + 3n, TWO_53 - 300n]) {
      const batch = 260n;
      const newLeaf = (i: bigint): Hash => refLeafHash(new TextEncoder().encode(`appended ${i}`));
      // Nodes wholly inside the old tree are closed (synthetic): the old right edge is made of them.
      const vt = new VirtualTree(n + batch, (_, hi) => hi > n, newLeaf);
      const edge = rangeNodes(0n, n).map(({ level, index }) => VirtualTree.synthetic(level, index));
      const leaves = Array.from({ length: Number(batch) }, (_, j) => newLeaf(n + BigInt(j)));
      const result = appendLeaves(Number(n), edge, leaves);

      if (BigInt(result.treeSize) !== n + batch) failures.push(`${n}: size ${result.treeSize}`);
      if (!bytesEq(result.rootHash, vt.mth(0n, n + batch))) failures.push(`${n}: root`);
      const edgeNodes = rangeNodes(0n, n + batch);
      if (result.edge.length !== edgeNodes.length || !edgeNodes.every((nd, j) => bytesEq(result.edge[j]!, vt.mth(nd.index * 2n ** BigInt(nd.level), (nd.index + 1n) * 2n ** BigInt(nd.level))))) {
        failures.push(`${n}: edge`);
      }
      // Completed nodes: leaf i, then (l, (i + 1) / 2^l − 1) for every 2^l dividing i + 1 whose subtree began in the tree.
      const expected: BigNode[] = [];
      for (let i = n; i < n + batch; i++) {
        expected.push({ level: 0, index: i });
        for (let level = 1; (i + 1n) % 2n ** BigInt(level) === 0n; level++) expected.push({ level, index: (i + 1n) / 2n ** BigInt(level) - 1n });
      }
      if (!sameNodes(big(result.nodes), expected)) failures.push(`${n}: completed nodes ${JSON.stringify(result.nodes.slice(0, 4).map((x) => [x.level, x.index]))}`);
      for (const node of result.nodes) {
        const width = 2n ** BigInt(node.level);
        const lo = BigInt(node.index) * width;
        if (!bytesEq(node.hash, vt.mth(lo, lo + width))) failures.push(`${n}: hash of node (${node.level}, ${node.index})`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses to pass 2^53 − 1 leaves', () => {
    const n = 2 ** 53 - 2;
    const edge = rangeNodes(0n, BigInt(n)).map(({ level, index }) => VirtualTree.synthetic(level, index));
    const leaf = refLeafHash(new Uint8Array(0));
    expect(appendLeaves(n, edge, [leaf]).treeSize).toBe(2 ** 53 - 1);
    expect(() => appendLeaves(n, edge, [leaf, leaf])).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
  });
});
