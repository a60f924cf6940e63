/**
 * Integrating a batch, purely (after tessera's `Integrate`): from the tree's right edge
 * and the new leaf hashes, compute the new root, every tile whose content changes, the
 * new right edge, and the node hashes the batch's receipts need. No I/O: the store only
 * persists the result.
 *
 * The right edge is held as the partial tiles of the tree's right edge, one per tile
 * level. They are exactly what the next batch needs: every node of the compact range
 * `treeHashNodes(size)` lies in one of them (c2sp.org/tlog-tiles: the partial tile of
 * level l has floor(s / 256^l) mod 256 hashes).
 */
import {
  type Hash,
  type NodeHasher,
  type NodeId,
  HASH_SIZE,
  TILE_HEIGHT,
  TILE_WIDTH,
  appendLeaves,
  hashFromTile,
  hashesAtTileLevel,
  tileForNode,
  treeHashNodes,
} from '../merkle/index.js';
import type { StoredTile } from '../log/index.js';

export interface RightEdge {
  readonly treeSize: number;
  readonly rootHash: Hash;
  /** The partial tile of each tile level that has one, by level. */
  readonly tiles: ReadonlyMap<number, Uint8Array>;
  /**
   * The hashes of `treeHashNodes(treeSize)` when already known (an integration computes
   * them), so the next batch need not rehash them out of the partial tiles.
   */
  readonly hashes?: readonly Hash[];
}

/** The ids of the partial tiles a tree of `treeSize` has on its right edge. */
export function rightEdgeTileIds(treeSize: number): { level: number; index: number }[] {
  const ids: { level: number; index: number }[] = [];
  for (let level = 0; hashesAtTileLevel(level, treeSize) > 0; level++) {
    const hashes = hashesAtTileLevel(level, treeSize);
    if (hashes % TILE_WIDTH !== 0) ids.push({ level, index: Math.floor(hashes / TILE_WIDTH) });
  }
  return ids;
}

/** The hashes of the compact range `treeHashNodes(treeSize)`, read from the edge tiles. */
export function edgeHashes(edge: RightEdge, hashNode?: NodeHasher): Hash[] {
  if (edge.hashes !== undefined) return [...edge.hashes];
  return treeHashNodes(edge.treeSize).map((node) => {
    const at = tileForNode(node, edge.treeSize);
    const data = edge.tiles.get(at.tile.level);
    if (data === undefined || data.length !== at.tile.width * HASH_SIZE) {
      throw new Error(`sequencer: right-edge tile at level ${at.tile.level} is missing or has the wrong width`);
    }
    return hashFromTile(data, at.offset, at.count, hashNode);
  });
}

export interface Integration {
  readonly edge: RightEdge;
  /** Every tile whose content changed, with its whole new content. */
  readonly tiles: StoredTile[];
  /** Every node a proof for a leaf of this batch can need: the old edge and all new nodes. */
  readonly nodes: Map<string, Hash>;
}

export const nodeKey = (n: NodeId): string => `${n.level}/${n.index}`;

export function integrate(edge: RightEdge, leafHashes: readonly Hash[], hashNode?: NodeHasher): Integration {
  const oldEdgeNodes = treeHashNodes(edge.treeSize);
  const oldEdgeHashes = edgeHashes(edge, hashNode);
  const appended = appendLeaves(edge.treeSize, oldEdgeHashes, leafHashes, hashNode);

  const nodes = new Map<string, Hash>();
  oldEdgeNodes.forEach((n, i) => nodes.set(nodeKey(n), oldEdgeHashes[i]!));

  // Tile contents, grown from the old partial tiles: a node at tree level 8·L is a hash
  // of a level-L tile. Nodes of one level complete in index order, so appending works.
  const growing = new Map<string, { level: number; index: number; hashes: Hash[] }>();
  for (const [level, data] of edge.tiles) {
    const index = Math.floor(hashesAtTileLevel(level, edge.treeSize) / TILE_WIDTH);
    const hashes: Hash[] = [];
    for (let o = 0; o < data.length; o += HASH_SIZE) hashes.push(data.subarray(o, o + HASH_SIZE));
    growing.set(`${level}/${index}`, { level, index, hashes });
  }
  const touched = new Set<string>();
  for (const node of appended.nodes) {
    nodes.set(nodeKey(node), node.hash);
    if (node.level % TILE_HEIGHT !== 0) continue;
    const level = node.level / TILE_HEIGHT;
    const index = Math.floor(node.index / TILE_WIDTH);
    const key = `${level}/${index}`;
    let tile = growing.get(key);
    if (tile === undefined) {
      tile = { level, index, hashes: [] };
      growing.set(key, tile);
    }
    if (tile.hashes.length !== node.index - index * TILE_WIDTH) throw new Error('sequencer: bad math in integrate: tile out of order');
    tile.hashes.push(node.hash);
    touched.add(key);
  }

  const tiles: StoredTile[] = [];
  const edgeTiles = new Map<number, Uint8Array>();
  for (const key of touched) {
    const t = growing.get(key)!;
    const data = new Uint8Array(t.hashes.length * HASH_SIZE);
    t.hashes.forEach((h, i) => data.set(h, i * HASH_SIZE));
    tiles.push({ level: t.level, index: t.index, data });
  }
  for (const id of rightEdgeTileIds(appended.treeSize)) {
    const t = growing.get(`${id.level}/${id.index}`)!;
    const data = new Uint8Array(t.hashes.length * HASH_SIZE);
    t.hashes.forEach((h, i) => data.set(h, i * HASH_SIZE));
    edgeTiles.set(id.level, data);
  }
  return {
    edge: { treeSize: appended.treeSize, rootHash: appended.rootHash, tiles: edgeTiles, hashes: appended.edge },
    tiles,
    nodes,
  };
}
