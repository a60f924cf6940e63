/**
 * Tree hashes from leaf hashes, and the right-edge ("compact range") append that a
 * sequencer uses to integrate a batch: it needs only the O(log n) hashes of the
 * current right edge, never the whole tree.
 */
import { LogError } from '../errors.js';
import { EMPTY_ROOT, type Hash, nodeHash } from './hash.js';
import { type NodeId, isIndex, subtreeNodes } from './index-math.js';

/**
 * Folds the hashes of `subtreeNodes(lo, hi)` (left to right) into MTH(D[lo:hi]).
 * RFC 6962 §2.1: node(n₀, node(n₁, … n_last)).
 */
export function foldSubtree(hashes: readonly Hash[], hashNode: NodeHasher = nodeHash): Hash {
  if (hashes.length === 0) throw new Error('merkle: bad math in foldSubtree: no hashes');
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = hashNode(hashes[i]!, acc);
  return acc;
}

/** MTH of a whole list of leaf hashes (RFC 6962 §2.1), iteratively, in O(n) hashes. */
export function rootOfLeaves(leafHashes: readonly Hash[], hashNode: NodeHasher = nodeHash): Hash {
  if (leafHashes.length === 0) return EMPTY_ROOT;
  return appendLeaves(0, [], leafHashes, hashNode).rootHash;
}

/** A node completed by an append, with its hash. */
export interface StoredNode extends NodeId {
  readonly hash: Hash;
}

export interface AppendResult {
  /** Every node completed by the append, leaves included, in completion order. */
  readonly nodes: StoredNode[];
  /** Hashes of `subtreeNodes(0, newSize)`: the new right edge. */
  readonly edge: Hash[];
  readonly treeSize: number;
  readonly rootHash: Hash;
}

/**
 * The interior-node hash, `nodeHash` by default. A server may pass a native SHA-256 of the
 * same bytes; the core itself never depends on one.
 */
export type NodeHasher = (left: Hash, right: Hash) => Hash;

/**
 * Appends `leafHashes` to a tree of `treeSize` leaves whose right edge is `edge`
 * (the hashes of `subtreeNodes(0, treeSize)`, left to right).
 */
export function appendLeaves(treeSize: number, edge: readonly Hash[], leafHashes: readonly Hash[], hashNode: NodeHasher = nodeHash): AppendResult {
  if (!isIndex(treeSize)) throw new LogError('OUT_OF_RANGE', `couldn't append: bad tree size ${treeSize}`);
  const newSize = treeSize + leafHashes.length;
  if (!isIndex(newSize)) throw new LogError('OUT_OF_RANGE', `couldn't append: tree size would pass 2^53 − 1`);
  const edgeNodes = treeSize === 0 ? [] : subtreeNodes(0, treeSize);
  if (edge.length !== edgeNodes.length) {
    throw new LogError('OUT_OF_RANGE', `couldn't append: a tree of size ${treeSize} has ${edgeNodes.length} edge hashes, got ${edge.length}`);
  }
  // The stack holds the right edge as (level, hash), levels strictly decreasing.
  const levels = edgeNodes.map((n) => n.level);
  const hashes = edge.slice();
  const nodes: StoredNode[] = [];
  for (let i = 0; i < leafHashes.length; i++) {
    const leafIndex = treeSize + i;
    let level = 0;
    let hash = leafHashes[i]!;
    nodes.push({ level, index: leafIndex, hash });
    // Two equal levels on top of the stack are siblings: merge them into their parent.
    while (levels.length > 0 && levels[levels.length - 1] === level) {
      levels.pop();
      hash = hashNode(hashes.pop()!, hash);
      level++;
      nodes.push({ level, index: Math.floor(leafIndex / 2 ** level), hash });
    }
    levels.push(level);
    hashes.push(hash);
  }
  return { nodes, edge: hashes, treeSize: newSize, rootHash: hashes.length === 0 ? EMPTY_ROOT : foldSubtree(hashes, hashNode) };
}
