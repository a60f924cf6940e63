/**
 * c2sp.org/tlog-tiles: the Merkle tree served as static tiles of height 8.
 *
 * A tile at level L, index N holds up to 256 consecutive hashes at tree height 8·L:
 * the n-th tile at level l is MTH(D[(n·256 + i)·256^l : (n·256 + i + 1)·256^l]) for
 * i = 0..255. A full tile is 8,192 bytes; the right edge of every level is a partial
 * tile of width floor(s / 256^l) mod 256 (omitted when zero).
 */
import { parseDecimal } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { HASH_SIZE, type Hash, nodeHash } from './hash.js';
import { type NodeId, isIndex } from './index-math.js';
import type { NodeHasher } from './tree.js';

/** Tile height: each tile spans 8 levels of the tree (c2sp.org/tlog-tiles: "height 8"). */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile, and entries in a full entry bundle. */
export const TILE_WIDTH = 256;
/** c2sp.org/tlog-tiles: `<L>` is "a decimal ASCII integer between 0 and 63". */
export const MAX_TILE_LEVEL = 63;

/** A tile of hashes: `width` is 256 for a full tile, 1–255 for a partial one. */
export interface Tile {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** An entry bundle: the entries of the level-0 tile with the same index and width. */
export interface EntryBundleRef {
  readonly index: number;
  readonly width: number;
}

export type TilePath = ({ readonly kind: 'tile' } & Tile) | ({ readonly kind: 'entries' } & EntryBundleRef);

function malformed(path: string, why: string): LogError {
  return new LogError('MALFORMED_TILE', `couldn't parse tile path ${JSON.stringify(path)}: ${why}`, {
    field: 'path',
    hint: 'tile paths look like tile/1/x001/x234/067.p/17 or tile/entries/000',
  });
}

/** 256^level, exact for the levels a tree below 2^53 leaves can have. */
function tileSpan(level: number): number {
  return TILE_WIDTH ** level;
}

/** The number of hashes at tile level `level` in a tree of `treeSize`: floor(s / 256^l). */
export function hashesAtTileLevel(level: number, treeSize: number): number {
  return Math.floor(treeSize / tileSpan(level));
}

/**
 * The width of tile (level, index) in a tree of `treeSize`: 256 when full, 1–255 for the
 * partial right edge, 0 when the tree has no such tile.
 */
export function tileWidth(level: number, index: number, treeSize: number): number {
  const available = hashesAtTileLevel(level, treeSize) - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, available));
}

/** `<N>` as zero-padded 3-digit path elements, all but the last prefixed with `x`. */
export function formatTileIndex(index: number): string {
  if (!isIndex(index)) throw new RangeError(`tile index must be an integer in [0, 2^53), got ${index}`);
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function widthSuffix(width: number): string {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new RangeError(`tile width must be an integer in [1, 256], got ${width}`);
  }
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`, relative to the log's prefix. */
export function formatTilePath(tile: Tile): string {
  if (!Number.isInteger(tile.level) || tile.level < 0 || tile.level > MAX_TILE_LEVEL) {
    throw new RangeError(`tile level must be an integer in [0, 63], got ${tile.level}`);
  }
  return `tile/${tile.level}/${formatTileIndex(tile.index)}${widthSuffix(tile.width)}`;
}

/** `tile/entries/<N>[.p/<W>]`, relative to the log's prefix. */
export function formatEntryBundlePath(bundle: EntryBundleRef): string {
  return `tile/entries/${formatTileIndex(bundle.index)}${widthSuffix(bundle.width)}`;
}

/**
 * Parses a tile or entry-bundle path strictly: only the one canonical spelling of each
 * tile is accepted (no leading zero groups, no `.p/256`, no `.p/0`, no trailing bytes).
 *
 * Trust boundary: `path` is attacker-controlled (an HTTP request path).
 */
export function parseTilePath(path: string): TilePath {
  const parts = path.split('/');
  if (parts.length < 3 || parts[0] !== 'tile') throw malformed(path, 'expected tile/<L>/<N> or tile/entries/<N>');
  const levelText = parts[1]!;
  let rest = parts.slice(2);

  let width = TILE_WIDTH;
  const pi = rest.findIndex((p) => p.endsWith('.p'));
  if (pi >= 0) {
    // `<N>.p/<W>`: the `.p` marks the last index element; exactly one element must follow.
    if (pi !== rest.length - 2) throw malformed(path, 'partial width must be the last element');
    const w = parseDecimal(rest[pi + 1]!);
    if (w === undefined || w < 1 || w >= TILE_WIDTH) throw malformed(path, 'partial width must be 1 to 255 with no leading zeroes');
    width = w;
    rest = [...rest.slice(0, pi), rest[pi]!.slice(0, -2)];
  }

  let index = 0;
  for (let i = 0; i < rest.length; i++) {
    const element = rest[i]!;
    const last = i === rest.length - 1;
    const digits = last ? element : element.startsWith('x') ? element.slice(1) : '';
    if (!/^[0-9]{3}$/.test(digits)) {
      throw malformed(path, last ? 'the last index element must be 3 digits' : 'index elements before the last must be x and 3 digits');
    }
    if (i === 0 && !last && digits === '000') throw malformed(path, 'the index has a leading zero group');
    index = index * 1000 + Number(digits);
  }
  if (!isIndex(index)) throw malformed(path, 'index is too large');

  if (levelText === 'entries') {
    if (!isIndex(index * TILE_WIDTH)) throw malformed(path, 'index is too large');
    return { kind: 'entries', index, width };
  }
  const level = parseDecimal(levelText);
  if (level === undefined || level > MAX_TILE_LEVEL) throw malformed(path, 'level must be 0 to 63 with no leading zeroes');
  if (index > 0 && !isIndex(index * tileSpan(level + 1))) throw malformed(path, 'the tile starts past 2^53');
  return { kind: 'tile', level, index, width };
}

/** Where a complete node's hash lives: a tile, and the run of tile hashes it spans. */
export interface NodeInTile {
  readonly tile: Tile;
  /** Index in the tile of the first hash the node covers. */
  readonly offset: number;
  /** Number of tile hashes the node covers: 2^(level mod 8). */
  readonly count: number;
}

/**
 * The tile (as served by a tree of `treeSize`) that holds the hashes a complete node is
 * computed from. A node at tree level 8·L + r is MTH of 2^r consecutive hashes of a
 * level-L tile, all in one tile because 2^r divides 256.
 */
export function tileForNode(node: NodeId, treeSize: number): NodeInTile {
  const { level, index } = node;
  if (!isIndex(level) || !isIndex(index) || !isIndex(treeSize) || (index + 1) * 2 ** level > treeSize) {
    throw new LogError('OUT_OF_RANGE', `node (${level}, ${index}) is not a complete subtree of a tree of size ${treeSize}`);
  }
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const count = 2 ** (level - tileLevel * TILE_HEIGHT);
  const first = index * count;
  const tileIndex = Math.floor(first / TILE_WIDTH);
  const width = tileWidth(tileLevel, tileIndex, treeSize);
  return { tile: { level: tileLevel, index: tileIndex, width }, offset: first - tileIndex * TILE_WIDTH, count };
}

/** The nodes whose hashes make up a tile: the `width` nodes at tree level 8·L. */
export function tileNodes(tile: Tile): NodeId[] {
  const nodes: NodeId[] = [];
  for (let i = 0; i < tile.width; i++) nodes.push({ level: tile.level * TILE_HEIGHT, index: tile.index * TILE_WIDTH + i });
  return nodes;
}

/** A tile's bytes: its hashes concatenated. */
export function buildTile(hashes: readonly Hash[]): Uint8Array {
  if (hashes.length < 1 || hashes.length > TILE_WIDTH) throw new RangeError(`a tile holds 1 to 256 hashes, got ${hashes.length}`);
  const out = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((h, i) => {
    if (h.length !== HASH_SIZE) throw new RangeError(`tile hash ${i} is ${h.length} bytes`);
    out.set(h, i * HASH_SIZE);
  });
  return out;
}

/** The hash of `count` (a power of two) consecutive tile hashes from `offset`: a complete subtree. */
export function hashFromTile(data: Uint8Array, offset: number, count: number, hashNode: NodeHasher = nodeHash): Hash {
  if ((offset + count) * HASH_SIZE > data.length) throw new Error('merkle: bad math in hashFromTile: past the tile');
  let level: Hash[] = [];
  for (let i = 0; i < count; i++) level.push(data.subarray((offset + i) * HASH_SIZE, (offset + i + 1) * HASH_SIZE));
  while (level.length > 1) {
    const up: Hash[] = [];
    for (let i = 0; i < level.length; i += 2) up.push(hashNode(level[i]!, level[i + 1]!));
    level = up;
  }
  return level[0]!.slice();
}

/**
 * Every complete subtree hash above a tile's own hashes, in one buffer, level by level:
 * the floor(width / 2) hashes at height 1, then the floor(width / 4) at height 2, and so
 * on. A server keeps this beside a tile it serves proofs from, so that a proof costs
 * lookups instead of up to 255 hashes per tile (`hashFromTile`); one buffer per tile
 * keeps the garbage collector's work small when tens of thousands are cached.
 */
export function expandTile(data: Uint8Array, hashNode: NodeHasher = nodeHash): Uint8Array {
  const width = data.length / HASH_SIZE;
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new RangeError(`a tile holds 1 to 256 hashes, got ${data.length} bytes`);
  }
  let total = 0;
  for (let n = Math.floor(width / 2); n >= 1; n = Math.floor(n / 2)) total += n;
  const out = new Uint8Array(total * HASH_SIZE);
  let below = data;
  let at = 0;
  for (let n = Math.floor(width / 2); n >= 1; n = Math.floor(n / 2)) {
    const level = out.subarray(at * HASH_SIZE, (at + n) * HASH_SIZE);
    for (let i = 0; i < n; i++) {
      const left = below.subarray(2 * i * HASH_SIZE, (2 * i + 1) * HASH_SIZE);
      const right = below.subarray((2 * i + 1) * HASH_SIZE, (2 * i + 2) * HASH_SIZE);
      level.set(hashNode(left, right), i * HASH_SIZE);
    }
    below = level;
    at += n;
  }
  return out;
}

/**
 * `hashFromTile` from a tile and its `expandTile`: a lookup. `count` is a power of two
 * dividing `offset`, as `tileForNode` gives.
 */
export function hashFromExpandedTile(data: Uint8Array, expanded: Uint8Array, offset: number, count: number): Hash {
  const width = data.length / HASH_SIZE;
  // count ≤ 256: 31 − clz32 is its exact log2 (a position in a tile, never a tree index).
  const k = 31 - Math.clz32(count);
  const at = offset / count;
  if (2 ** k !== count || !Number.isInteger(at) || (at + 1) * count > width) {
    throw new Error('merkle: bad math in hashFromExpandedTile: not a complete subtree of the tile');
  }
  // A view, not a copy: hashes are never written to once made.
  if (k === 0) return data.subarray(offset * HASH_SIZE, (offset + 1) * HASH_SIZE);
  let start = 0;
  for (let j = 1; j < k; j++) start += Math.floor(width / 2 ** j);
  start += at;
  return expanded.subarray(start * HASH_SIZE, (start + 1) * HASH_SIZE);
}

/** Every tile a tree of `treeSize` serves: the full tiles and the partial right edge of every level. */
export function* tilesForSize(treeSize: number): Generator<Tile> {
  for (let level = 0; hashesAtTileLevel(level, treeSize) > 0; level++) {
    const hashes = hashesAtTileLevel(level, treeSize);
    const tiles = Math.ceil(hashes / TILE_WIDTH);
    for (let index = 0; index < tiles; index++) yield { level, index, width: tileWidth(level, index, treeSize) };
  }
}

/** Every entry bundle a tree of `treeSize` serves. */
export function* entryBundlesForSize(treeSize: number): Generator<EntryBundleRef> {
  const bundles = Math.ceil(treeSize / TILE_WIDTH);
  for (let index = 0; index < bundles; index++) yield { index, width: tileWidth(0, index, treeSize) };
}

/**
 * The tiles whose content a tree grown from `oldSize` to `newSize` serves anew: every
 * tile that is new or wider. A sequencer writes exactly these.
 */
export function newTiles(oldSize: number, newSize: number): Tile[] {
  if (!isIndex(oldSize) || !isIndex(newSize) || oldSize > newSize) {
    throw new LogError('OUT_OF_RANGE', `couldn't list new tiles from size ${oldSize} to ${newSize}`);
  }
  const tiles: Tile[] = [];
  for (let level = 0; hashesAtTileLevel(level, newSize) > 0; level++) {
    const oldHashes = hashesAtTileLevel(level, oldSize);
    const newHashes = hashesAtTileLevel(level, newSize);
    for (let index = Math.floor(oldHashes / TILE_WIDTH); index * TILE_WIDTH < newHashes; index++) {
      const width = tileWidth(level, index, newSize);
      if (width > tileWidth(level, index, oldSize)) tiles.push({ level, index, width });
    }
  }
  return tiles;
}
