/**
 * `sightline fsck`: the whole-log checker (after tessera's fsck and sunlight's CheckLog).
 * Recomputes every tile and the root from the stored entries, checks every stored tile
 * against them, and verifies the stored checkpoint's signature, origin, size and root.
 * Used by the CLI and by tests after fault injection.
 */
import { bytesEqual, encodeBase64 } from '../encoding/index.js';
import type { LogStore, StoredTile } from '../log/index.js';
import { EMPTY_ROOT, HASH_SIZE, TILE_WIDTH, leafHash } from '../merkle/index.js';
import { openCheckpoint, parseNoteVerifier } from '../note/index.js';
import { type RightEdge, integrate } from '../sequencer/index.js';

export interface FsckReport {
  readonly treeSize: number;
  readonly problems: string[];
}

const PAGE = 4_096;

export async function fsck(store: LogStore, onProgress?: (done: number, total: number) => void): Promise<FsckReport> {
  const problems: string[] = [];
  const meta = await store.readMeta();
  if (meta === undefined) return { treeSize: 0, problems: ['no log in this database'] };
  const head = await store.readHead();
  const treeSize = head.treeSize;

  // The checkpoint: signed by the log key, for exactly the stored size and root.
  try {
    const { checkpoint } = openCheckpoint(head.checkpoint, parseNoteVerifier(meta.verifierKey));
    if (checkpoint.treeSize !== treeSize) problems.push(`checkpoint: size ${checkpoint.treeSize}, but the stored head is ${treeSize}`);
    if (!bytesEqual(checkpoint.rootHash, head.rootHash)) problems.push('checkpoint: its root differs from the stored head root');
  } catch (e) {
    problems.push(`checkpoint: ${(e as Error).message}`);
  }

  // Recompute the tree from the entries with the sequencer's own integration step:
  // full tiles are compared as they complete, the partial right-edge tiles at the end.
  let edge: RightEdge = { treeSize: 0, rootHash: EMPTY_ROOT, tiles: new Map() };
  const pendingTiles: StoredTile[] = [];
  const partialTiles = new Map<string, StoredTile>();
  const compareTiles = async (): Promise<void> => {
    if (pendingTiles.length === 0) return;
    const stored = await store.readTiles(pendingTiles);
    pendingTiles.forEach((t, i) => {
      const s = stored[i];
      if (s === undefined) problems.push(`tile ${t.level}/${t.index}: missing`);
      else if (s.length < t.data.length || !bytesEqual(s.subarray(0, t.data.length), t.data)) {
        problems.push(`tile ${t.level}/${t.index}: differs from the tile recomputed from the entries`);
      } else if (s.length > t.data.length) problems.push(`tile ${t.level}/${t.index}: wider (${s.length / HASH_SIZE}) than the tree allows (${t.data.length / HASH_SIZE})`);
    });
    pendingTiles.length = 0;
  };
  while (edge.treeSize < treeSize) {
    const entries = await store.readEntries(edge.treeSize, Math.min(PAGE, treeSize - edge.treeSize));
    if (entries.length === 0) {
      problems.push(`entries: ${treeSize - edge.treeSize} missing from index ${edge.treeSize}`);
      break;
    }
    const integration = integrate(edge, entries.map((e) => leafHash(e)));
    for (const tile of integration.tiles) {
      const key = `${tile.level}/${tile.index}`;
      if (tile.data.length === TILE_WIDTH * HASH_SIZE) {
        partialTiles.delete(key);
        pendingTiles.push(tile);
      } else partialTiles.set(key, tile); // may still grow: compared once the tree is complete
    }
    edge = integration.edge;
    if (pendingTiles.length >= 256) await compareTiles();
    onProgress?.(edge.treeSize, treeSize);
  }
  if (edge.treeSize === treeSize) {
    pendingTiles.push(...partialTiles.values());
    await compareTiles();
    if (!bytesEqual(edge.rootHash, head.rootHash)) {
      problems.push(`root: recomputed ${encodeBase64(edge.rootHash)}, stored ${encodeBase64(head.rootHash)}`);
    }
  }
  const extra = await store.readEntries(treeSize, 1);
  if (extra.length > 0) problems.push(`entries: entry ${treeSize} is stored past the tree size ${treeSize}`);
  return { treeSize, problems };
}
