/**
 * `sightline fsck`: the whole-log checker (after tessera's fsck and sunlight's CheckLog).
 * Recomputes every tile and the root from the stored entries, checks every stored tile
 * against them, and verifies the stored checkpoint's signature, origin, size and root.
 * Used by the CLI and by tests after fault injection.
 */
import { bytesEqual, encodeBase64 } from '../encoding/index.js';
import type { LogStore } from '../log/index.js';
import { type Hash, EMPTY_ROOT, HASH_SIZE, TILE_HEIGHT, TILE_WIDTH, appendLeaves, foldSubtree, leafHash } from '../merkle/index.js';
import { openCheckpoint, parseNoteVerifier } from '../note/index.js';
import { rightEdgeTileIds } from '../sequencer/index.js';

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

  // Recompute the tree from the entries, comparing each tile as it completes.
  let size = 0;
  let edge: Hash[] = [];
  const building = new Map<number, Hash[]>(); // tile level → hashes of its current tile
  const pendingTiles: { level: number; index: number; data: Uint8Array }[] = [];
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
  const flush = (level: number, index: number, hashes: Hash[]) => {
    const data = new Uint8Array(hashes.length * HASH_SIZE);
    hashes.forEach((h, i) => data.set(h, i * HASH_SIZE));
    pendingTiles.push({ level, index, data });
  };
  while (size < treeSize) {
    const entries = await store.readEntries(size, Math.min(PAGE, treeSize - size));
    if (entries.length === 0) {
      problems.push(`entries: ${treeSize - size} missing from index ${size}`);
      break;
    }
    const appended = appendLeaves(size, edge, entries.map((e) => leafHash(e)));
    for (const node of appended.nodes) {
      if (node.level % TILE_HEIGHT !== 0) continue;
      const level = node.level / TILE_HEIGHT;
      const hashes = building.get(level) ?? [];
      hashes.push(node.hash);
      building.set(level, hashes);
      if (hashes.length === TILE_WIDTH) {
        flush(level, Math.floor(node.index / TILE_WIDTH), hashes);
        building.set(level, []);
      }
    }
    size = appended.treeSize;
    edge = appended.edge;
    if (pendingTiles.length >= 256) await compareTiles();
    onProgress?.(size, treeSize);
  }
  if (size === treeSize) {
    // The partial tiles of the right edge.
    for (const id of rightEdgeTileIds(treeSize)) flush(id.level, id.index, building.get(id.level) ?? []);
    await compareTiles();
    const root = size === 0 ? EMPTY_ROOT : foldSubtree(edge);
    if (!bytesEqual(root, head.rootHash)) problems.push(`root: recomputed ${encodeBase64(root)}, stored ${encodeBase64(head.rootHash)}`);
  }
  const extra = await store.readEntries(treeSize, 1);
  if (extra.length > 0) problems.push(`entries: entry ${treeSize} is stored past the tree size ${treeSize}`);
  return { treeSize, problems };
}
