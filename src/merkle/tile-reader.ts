/**
 * A `HashReader` over tiles fetched from an untrusted source (a log, a mirror, a CDN),
 * authenticated against a trusted checkpoint before any hash in them is used; after Go's
 * sumdb `tlog.TileHashReader`.
 *
 * How a tile earns trust, for a tree of size s with root R:
 *  - the partial tiles of the right edge hold exactly the nodes that make up R
 *    (`treeHashNodes(s)`), so recomputing R from them authenticates all of them;
 *  - a full tile (L, N) is authenticated by the hash at position N mod 256 of its parent
 *    tile (L+1, floor(N/256)), which is full or partial and authenticated in turn.
 * Every tile used is fetched in one `readTiles` call together with the chain of parents
 * up to the right edge, and checked before `readHashes` returns.
 */
import { bytesEqual as equal, isBytes } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { HASH_SIZE, type Hash, assertHash } from './hash.js';
import { type NodeId, isIndex } from './index-math.js';
import { type HashReader, treeHashNodes } from './proof.js';
import { type EntryBundleRef, TILE_WIDTH, type Tile, formatEntryBundlePath, formatTilePath, hashFromTile, tileForNode, tileWidth } from './tile.js';
import { foldSubtree } from './tree.js';

/**
 * Fetches tiles. `readTiles` MUST resolve to one byte string per requested tile, in the
 * requested order; what it returns is untrusted and is verified by the caller.
 * `saveTiles`, when present, is called with tiles only after they verified (a cache).
 */
export interface TileReader {
  readTiles(tiles: readonly Tile[]): Promise<Uint8Array[]>;
  saveTiles?(tiles: readonly Tile[], data: readonly Uint8Array[]): void;
}

function key(tile: Tile): string {
  return `${tile.level}/${tile.index}`;
}

function badTile(tile: Tile, why: string): LogError {
  return new LogError('INVALID_TILE', `tile ${formatTilePath(tile)} does not match the checkpoint: ${why}`);
}

/** A hash reader for the tree of `treeSize` leaves with the trusted root `rootHash`. */
export function tileHashReader(treeSize: number, rootHash: Hash, reader: TileReader): HashReader {
  if (!isIndex(treeSize)) throw new RangeError(`treeSize must be an integer in [0, 2^53), got ${treeSize}`);
  assertHash(rootHash, 'rootHash');
  return {
    async readHashes(nodes: readonly NodeId[]): Promise<Hash[]> {
      if (nodes.length === 0) return [];
      const wanted = nodes.map((n) => tileForNode(n, treeSize)); // throws OUT_OF_RANGE for nodes outside the tree
      const rootParts = treeHashNodes(treeSize).map((n) => tileForNode(n, treeSize));

      // Plan: the tiles holding what was asked and the root, plus the parent chain of each full tile.
      const tiles = new Map<string, Tile>();
      const queue = [...wanted, ...rootParts].map((w) => w.tile);
      while (queue.length > 0) {
        const tile = queue.pop()!;
        if (tiles.has(key(tile))) continue;
        tiles.set(key(tile), tile);
        if (tile.width === TILE_WIDTH) {
          const parentIndex = Math.floor(tile.index / TILE_WIDTH);
          queue.push({ level: tile.level + 1, index: parentIndex, width: tileWidth(tile.level + 1, parentIndex, treeSize) });
        }
      }
      const order = [...tiles.values()];

      // One read.
      const fetched = await reader.readTiles(order);
      if (!Array.isArray(fetched) || fetched.length !== order.length) {
        throw new LogError('INVALID_TILE', `tile reader returned ${fetched?.length} tiles for ${order.length}`);
      }
      const data = new Map<string, Uint8Array>();
      order.forEach((tile, i) => {
        const d = fetched[i];
        if (!isBytes(d) || d.length !== tile.width * HASH_SIZE) {
          throw badTile(tile, `expected ${tile.width * HASH_SIZE} bytes, got ${isBytes(d) ? d.length : typeof d}`);
        }
        data.set(key(tile), d);
      });
      const hashOf = (at: { tile: Tile; offset: number; count: number }): Hash =>
        hashFromTile(data.get(key(at.tile))!, at.offset, at.count);

      // Verify: the right edge against the trusted root…
      const root = foldSubtree(rootParts.map(hashOf));
      if (!equal(root, rootHash)) {
        throw new LogError('INVALID_TILE', `tiles of the right edge do not hash to the checkpoint root of tree size ${treeSize}`);
      }
      // …and every full tile against its parent.
      for (const tile of order) {
        if (tile.width !== TILE_WIDTH) continue;
        const parentIndex = Math.floor(tile.index / TILE_WIDTH);
        const parent = data.get(`${tile.level + 1}/${parentIndex}`)!;
        const expected = hashFromTile(parent, tile.index - parentIndex * TILE_WIDTH, 1);
        if (!equal(hashFromTile(data.get(key(tile))!, 0, TILE_WIDTH), expected)) {
          throw badTile(tile, `its hash differs from the one in tile ${tile.level + 1}/${parentIndex}`);
        }
      }
      reader.saveTiles?.(order, order.map((t) => data.get(key(t))!));
      return wanted.map(hashOf);
    },
  };
}

/**
 * What a log serves at a tile or entry-bundle path (`tile/…`, relative to the log's prefix):
 * untrusted bytes, or undefined when it answers 404.
 */
export type ServedTiles = (path: string) => Promise<Uint8Array | undefined>;

/**
 * Reads hash tile `tile` as served, falling back to the full tile when a partial one is not
 * served: c2sp.org/tlog-tiles lets a log delete a partial tile once the full one exists, and a
 * client that cannot fetch a partial tile may fetch the full one and use its prefix. Returns the
 * path read and its bytes (the prefix of `tile.width` hashes when the full tile was read and is
 * whole), or undefined when neither is served. The bytes are untrusted: verify them (e.g. with
 * `tileHashReader`) before use.
 */
export async function readServedTile(read: ServedTiles, tile: Tile): Promise<{ readonly path: string; readonly data: Uint8Array } | undefined> {
  const path = formatTilePath(tile);
  const data = await read(path);
  if (data !== undefined) return { path, data };
  if (tile.width === TILE_WIDTH) return undefined;
  const fullPath = formatTilePath({ ...tile, width: TILE_WIDTH });
  const full = await read(fullPath);
  if (full === undefined) return undefined;
  // A full tile of the wrong length is returned whole, so the caller's length check fails.
  return { path: fullPath, data: full.length === TILE_WIDTH * HASH_SIZE ? full.subarray(0, tile.width * HASH_SIZE) : full };
}

/**
 * Reads entry bundle `bundle` as served, falling back to the full bundle as `readServedTile`
 * does. Returns the path read, its bytes and the number of entries they must hold (`width`:
 * the bundle's own, or 256 for the full one, whose first `bundle.width` entries are wanted), or
 * undefined when neither is served. The entries are untrusted until proved included.
 */
export async function readServedEntryBundle(
  read: ServedTiles,
  bundle: EntryBundleRef,
): Promise<{ readonly path: string; readonly data: Uint8Array; readonly width: number } | undefined> {
  const path = formatEntryBundlePath(bundle);
  const data = await read(path);
  if (data !== undefined) return { path, data, width: bundle.width };
  if (bundle.width === TILE_WIDTH) return undefined;
  const fullPath = formatEntryBundlePath({ ...bundle, width: TILE_WIDTH });
  const full = await read(fullPath);
  return full === undefined ? undefined : { path: fullPath, data: full, width: TILE_WIDTH };
}
