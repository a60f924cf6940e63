// The pure RFC 6962 / c2sp.org/tlog-tiles core: no I/O, no `node:` imports; runs in browsers.
export { type Hash, HASH_SIZE, EMPTY_ROOT, leafHash, nodeHash, isHash, assertHash } from './hash.js';
export { type NodeId, isIndex, subtreeNodes, splitPoint } from './index-math.js';
export { type StoredNode, type AppendResult, type NodeHasher, foldSubtree, rootOfLeaves, appendLeaves } from './tree.js';
export {
  type HashReader,
  type ProofHashing,
  inclusionProofNodes,
  buildInclusionProof,
  inclusionProofLength,
  consistencyProofNodes,
  buildConsistencyProof,
  consistencyProofLength,
  treeHashNodes,
  proveInclusion,
  proveConsistency,
  treeHash,
} from './proof.js';
export { isValidSubtree, subtreeProofNodes, buildSubtreeProof, subtreeProofLength, proveSubtree, verifySubtreeConsistency } from './subtree.js';
export { verifyInclusion, verifyConsistency, committedOldRoot } from './verify.js';
export {
  type Tile,
  type EntryBundleRef,
  type TilePath,
  type NodeInTile,
  TILE_HEIGHT,
  TILE_WIDTH,
  MAX_TILE_LEVEL,
  hashesAtTileLevel,
  tileWidth,
  formatTileIndex,
  formatTilePath,
  formatEntryBundlePath,
  parseTilePath,
  tileForNode,
  tileNodes,
  buildTile,
  hashFromTile,
  expandTile,
  hashFromExpandedTile,
  tilesForSize,
  entryBundlesForSize,
  newTiles,
} from './tile.js';
export { MAX_ENTRY_SIZE, encodeEntryBundle, decodeEntryBundle } from './entry-bundle.js';
export { type ServedTiles, type TileReader, readServedEntryBundle, readServedTile, tileHashReader } from './tile-reader.js';
