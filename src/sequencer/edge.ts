/**
 * Loading the committed right edge from the store: where the sequencer starts, and where
 * it restarts after any failure (and where the benchmark's bulk preload starts).
 */
import { LogError } from '../errors.js';
import type { LogStore, TreeHead } from '../log/index.js';
import { HASH_SIZE, TILE_WIDTH, hashesAtTileLevel } from '../merkle/index.js';
import { type RightEdge, rightEdgeTileIds } from './integrate.js';

/** The committed head and its right-edge tiles, cut to the width the head covers. */
export async function loadRightEdge(store: LogStore): Promise<{ head: TreeHead; edge: RightEdge }> {
  const head = await store.readHead();
  const ids = rightEdgeTileIds(head.treeSize);
  const data = await store.readTiles(ids);
  const tiles = new Map<number, Uint8Array>();
  ids.forEach((id, i) => {
    const d = data[i];
    if (d === undefined) throw new LogError('INTERNAL', `couldn't load the right edge: tile ${id.level}/${id.index} is missing`);
    // A stored tile may be wider than this head's if another writer raced ahead; the
    // commit's compare-and-swap catches that, but never build on more than the head covers.
    const width = hashesAtTileLevel(id.level, head.treeSize) % TILE_WIDTH;
    if (d.length < width * HASH_SIZE) throw new LogError('INTERNAL', `couldn't load the right edge: tile ${id.level}/${id.index} is narrower than the head`);
    tiles.set(id.level, d.subarray(0, width * HASH_SIZE));
  });
  return { head, edge: { treeSize: head.treeSize, rootHash: head.rootHash, tiles } };
}
