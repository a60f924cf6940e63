/**
 * A verified copy of a log's tree as c2sp.org/tlog-tiles files, from the tree already copied
 * (its right edge) to a newer checkpoint: what `sightline export` writes to a directory that any
 * web server, object store or CDN then serves unchanged.
 *
 * The entries are read bundle by bundle through the log's public API, hashed and integrated
 * into the right edge with the sequencer's own `integrate`; each entry bundle and each tile is
 * yielded once it is complete (full ones as they fill, the partial ones of the new right edge
 * at the end). The generator returns the new edge only if the root it computed is the
 * checkpoint's, and throws otherwise: a caller writes the checkpoint after that return, so no
 * checkpoint ever names a file that its tree does not support. Files yielded before a failure
 * carry names no written checkpoint refers to, and a later copy writes them again.
 *
 * Memory stays bounded whatever the range: one bundle being hashed, a few fetched ahead, and
 * the right edge. Pure: reads through `ServedTiles`.
 *
 * Trust boundary: everything the source serves is untrusted until the root matches.
 */
import { bytesEqual, encodeBase64 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import {
  type Hash,
  HASH_SIZE,
  type NodeHasher,
  type ServedTiles,
  TILE_WIDTH,
  decodeEntryBundle,
  encodeEntryBundle,
  formatEntryBundlePath,
  formatTilePath,
  hashesAtTileLevel,
  leafHash as coreLeafHash,
  readServedEntryBundle,
  tileWidth,
} from '../merkle/index.js';
import { type RightEdge, integrate, rightEdgeTileIds } from '../sequencer/integrate.js';

/** Entry bundles fetched ahead of the one being hashed. */
const PREFETCH = 8;

export interface TreeFile {
  /** The path under the log's prefix: `tile/…` or `tile/entries/…`. */
  readonly path: string;
  readonly data: Uint8Array;
}

export interface CopyOptions {
  readonly leafHash?: (entry: Uint8Array) => Hash;
  readonly nodeHash?: NodeHasher;
  /** Checked between bundles: a set flag stops the copy (nothing after it is yielded). */
  readonly signal?: { readonly aborted: boolean };
  /** Told of each bundle hashed. */
  readonly onProgress?: (copied: number, total: number) => void;
}

/**
 * The files of the tree of `to` not in the tree of `from`, then the new right edge. Throws
 * `LogError('INVALID_TILE')` when the entries served do not hash to `to.rootHash`.
 */
export async function* copyTree(source: ServedTiles, from: RightEdge, to: { readonly treeSize: number; readonly rootHash: Hash }, options: CopyOptions = {}): AsyncGenerator<TreeFile, RightEdge> {
  const m = from.treeSize;
  const n = to.treeSize;
  if (n < m) throw new LogError('OUT_OF_RANGE', `the checkpoint's tree size ${n} is below the ${m} copied already`, { field: 'treeSize' });
  const hashLeaf = options.leafHash ?? coreLeafHash;
  const ahead = new Map<number, Promise<Uint8Array[]>>();
  const fetchBundle = (b: number): Promise<Uint8Array[]> => {
    let p = ahead.get(b);
    if (p === undefined) {
      const width = tileWidth(0, b, n);
      p = readServedEntryBundle(source, { index: b, width }).then((served) => {
        if (served === undefined) throw new LogError('NOT_FOUND', `the log does not serve ${formatEntryBundlePath({ index: b, width })}, which its checkpoint of size ${n} covers`);
        return decodeEntryBundle(served.data, served.width).slice(0, width);
      });
      p.catch(() => {}); // awaited, and its failure reported, when its turn comes
      ahead.set(b, p);
    }
    return p;
  };

  let edge = from;
  let lastEntries: Uint8Array[] = [];
  const last = Math.ceil(n / TILE_WIDTH);
  let copied = 0;
  for (let b = Math.floor(m / TILE_WIDTH); b < last; b++) {
    if (options.signal?.aborted === true) throw new LogError('UNAVAILABLE', 'the copy was stopped');
    for (let k = b; k < Math.min(last, b + PREFETCH); k++) void fetchBundle(k);
    const entries = await fetchBundle(b);
    ahead.delete(b);
    const start = Math.max(0, m - b * TILE_WIDTH);
    const integration = integrate(
      edge,
      entries.slice(start).map((e) => hashLeaf(e)),
      options.nodeHash,
    );
    edge = integration.edge;
    copied += entries.length - start;
    options.onProgress?.(copied, n - m);
    // A full tile or bundle never changes again: out as soon as it is complete.
    if (entries.length === TILE_WIDTH) yield { path: formatEntryBundlePath({ index: b, width: TILE_WIDTH }), data: encodeEntryBundle(entries) };
    else lastEntries = entries;
    for (const t of integration.tiles) {
      if (t.data.length === TILE_WIDTH * HASH_SIZE) yield { path: formatTilePath({ level: t.level, index: t.index, width: TILE_WIDTH }), data: t.data };
    }
  }
  if (!bytesEqual(edge.rootHash, to.rootHash)) {
    throw new LogError('INVALID_TILE', `the entries the log serves hash to root ${encodeBase64(edge.rootHash)}, not the checkpoint's ${encodeBase64(to.rootHash)}`);
  }
  // The partial right edge of the new size (c2sp.org/tlog-tiles: width floor(n / 256^l) mod 256).
  if (n % TILE_WIDTH !== 0 && n > m) {
    yield { path: formatEntryBundlePath({ index: Math.floor(n / TILE_WIDTH), width: n % TILE_WIDTH }), data: encodeEntryBundle(lastEntries) };
  }
  if (n > m) {
    for (const id of rightEdgeTileIds(n)) {
      const width = hashesAtTileLevel(id.level, n) % TILE_WIDTH;
      yield { path: formatTilePath({ level: id.level, index: id.index, width }), data: edge.tiles.get(id.level)! };
    }
  }
  return edge;
}
