/**
 * One verified checkpoint's tree, read the way any c2sp.org/tlog-tiles client reads it: an
 * entry from the entry bundle that holds it, an inclusion proof computed from hash tiles. No
 * request names a leaf index: a bundle or a tile is shared by the 256 entries (or 65,536, …)
 * under it, and is the same request whoever makes it.
 *
 * Trust boundary: every byte served is untrusted. Hash tiles are authenticated against the
 * checkpoint's root before any hash in them is used (`tileHashReader`); an entry is only as
 * good as the inclusion proof its caller verifies it with (`verifyInclusion`), so a lying
 * bundle or tile shows as a failed inclusion check, never as a false one.
 *
 * Each bundle and tile is fetched at most once per reader. Pure: runs in Node 20 and browsers.
 */
import { LogError } from '../errors.js';
import {
  type Hash,
  type ServedTiles,
  TILE_WIDTH,
  type Tile,
  decodeEntryBundle,
  formatTilePath,
  proveInclusion,
  readServedEntryBundle,
  readServedTile,
  tileHashReader,
  tileWidth,
} from '../merkle/index.js';

export interface TreeReader {
  /** The entry at `index` as its bundle serves it (unverified). */
  entry(index: number): Promise<Uint8Array>;
  /** The inclusion proof of leaf `index` in the checkpoint's tree, from tiles verified against its root. */
  inclusionProof(index: number): Promise<Hash[]>;
}

/** A reader of the tree of `treeSize` leaves with root `rootHash` (from a verified checkpoint), through `read`. */
export function tileTreeReader(read: ServedTiles, checkpoint: { readonly treeSize: number; readonly rootHash: Hash }): TreeReader {
  const { treeSize, rootHash } = checkpoint;
  const bundles = new Map<number, Promise<Uint8Array[]>>();
  const tiles = new Map<string, Promise<Uint8Array>>();

  const bundle = (n: number): Promise<Uint8Array[]> => {
    let b = bundles.get(n);
    if (b === undefined) {
      // c2sp.org/tlog-tiles: the bundle of the checkpoint's size (partial at the right edge).
      const width = tileWidth(0, n, treeSize);
      b = readServedEntryBundle(read, { index: n, width }).then((served) => {
        if (served === undefined) throw new LogError('NOT_FOUND', `the log does not serve entry bundle ${n} of its checkpoint of size ${treeSize}`);
        return decodeEntryBundle(served.data, served.width).slice(0, width);
      });
      bundles.set(n, b);
    }
    return b;
  };

  const tile = (t: Tile): Promise<Uint8Array> => {
    const key = formatTilePath(t);
    let d = tiles.get(key);
    if (d === undefined) {
      d = readServedTile(read, t).then((served) => {
        if (served === undefined) throw new LogError('NOT_FOUND', `the log does not serve ${key}, which its checkpoint of size ${treeSize} covers`);
        return served.data;
      });
      tiles.set(key, d);
    }
    return d;
  };
  const hashes = tileHashReader(treeSize, rootHash, { readTiles: (wanted) => Promise.all(wanted.map(tile)) });

  return {
    async entry(index) {
      if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
        throw new LogError('OUT_OF_RANGE', `entry ${index} is not in the checkpoint of tree size ${treeSize}`, { field: 'index' });
      }
      const n = Math.floor(index / TILE_WIDTH);
      return (await bundle(n))[index - n * TILE_WIDTH]!;
    },
    inclusionProof: (index) => proveInclusion(hashes, index, treeSize),
  };
}
