/**
 * `sightline fsck`: the whole-log checker (after tessera's fsck and sunlight's CheckLog).
 * Recomputes every tile and the root from the stored entries, checks every stored tile
 * against them, and verifies the stored checkpoint's signature, origin, size and root.
 * Used by the CLI and by tests after fault injection.
 *
 * `fsckSample` is the check for logs too large to recompute whole: the same checkpoint
 * check, then, for a random sample of leaves, their entry bundles against the stored
 * level-0 tiles and an inclusion proof from the stored tiles against the checkpoint root.
 */
import { bytesEqual, encodeBase64 } from '../encoding/index.js';
import { isLogError } from '../errors.js';
import type { LogMeta, LogStore, StoredTile, TreeHead } from '../log/index.js';
import {
  type Hash,
  EMPTY_ROOT,
  HASH_SIZE,
  TILE_WIDTH,
  buildInclusionProof,
  inclusionProofNodes,
  leafHash,
  proveInclusion,
  tileWidth,
  verifyInclusion,
} from '../merkle/index.js';
import { type Checkpoint, openCheckpoint, parseNoteVerifier } from '../note/index.js';
import { storeHashReader } from '../read/index.js';
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

  checkCheckpoint(meta, head, problems);

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
  await checkNothingPastHead(store, treeSize, problems);
  return { treeSize, problems };
}

/** The checkpoint: signed by the log key, for exactly the stored size and root. Returns it when it opens. */
function checkCheckpoint(meta: LogMeta, head: TreeHead, problems: string[]): Checkpoint | undefined {
  try {
    const { checkpoint } = openCheckpoint(head.checkpoint, parseNoteVerifier(meta.verifierKey));
    if (checkpoint.treeSize !== head.treeSize) problems.push(`checkpoint: size ${checkpoint.treeSize}, but the stored head is ${head.treeSize}`);
    if (!bytesEqual(checkpoint.rootHash, head.rootHash)) problems.push('checkpoint: its root differs from the stored head root');
    return checkpoint;
  } catch (e) {
    problems.push(`checkpoint: ${(e as Error).message}`);
    return undefined;
  }
}

async function checkNothingPastHead(store: LogStore, treeSize: number, problems: string[]): Promise<void> {
  const extra = await store.readEntries(treeSize, 1);
  if (extra.length > 0) problems.push(`entries: entry ${treeSize} is stored past the tree size ${treeSize}`);
}

export interface SampledFsckReport extends FsckReport {
  /** The number of distinct leaves checked: the random sample plus the first and the last. */
  readonly sampled: number;
}

/** Entry bundles checked together: one tile read and one proof read for all of them. */
const BUNDLES_PER_ROUND = 64;

/**
 * The sampled check: the checkpoint exactly as `fsck` checks it; then `sample` distinct leaf
 * indices drawn uniformly from [0, treeSize) (with `random`, a source of numbers in [0, 1)),
 * plus the first and the last. For each, the entry bundle holding it is read, its leaf
 * hashes recomputed and compared with the stored level-0 tile, and the leaf's inclusion
 * proof, built from the stored tiles, is verified against the checkpoint's root (the
 * stored head's when the checkpoint does not open).
 */
export async function fsckSample(store: LogStore, sample: number, random: () => number = Math.random): Promise<SampledFsckReport> {
  if (!Number.isSafeInteger(sample) || sample < 1) throw new RangeError(`fsck: the sample size must be a positive integer, got ${sample}`);
  const problems: string[] = [];
  const meta = await store.readMeta();
  if (meta === undefined) return { treeSize: 0, sampled: 0, problems: ['no log in this database'] };
  const head = await store.readHead();
  const treeSize = head.treeSize;
  const checkpoint = checkCheckpoint(meta, head, problems);
  const root = checkpoint?.rootHash ?? head.rootHash;

  // The sampled leaves, grouped by the entry bundle (level-0 tile) that holds them.
  const indices = sampleIndices(treeSize, sample, random);
  const bundles: { index: number; leaves: number[] }[] = [];
  for (const i of indices) {
    const index = Math.floor(i / TILE_WIDTH);
    const last = bundles[bundles.length - 1];
    if (last !== undefined && last.index === index) last.leaves.push(i);
    else bundles.push({ index, leaves: [i] });
  }
  for (let b = 0; b < bundles.length; b += BUNDLES_PER_ROUND) {
    await checkBundles(store, treeSize, root, bundles.slice(b, b + BUNDLES_PER_ROUND), problems);
  }
  await checkNothingPastHead(store, treeSize, problems);
  return { treeSize, sampled: indices.length, problems };
}

/** An integer in [0, bound), from `random`. */
function below(bound: number, random: () => number): number {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`fsck: the random source gave ${r}, not a number in [0, 1)`);
  return Math.min(bound - 1, Math.floor(r * bound));
}

/**
 * `sample` distinct indices of [0, treeSize) (all of them when the tree is no larger), each
 * set equally likely (Floyd's algorithm: one draw per index), then the first and the last;
 * ascending.
 */
function sampleIndices(treeSize: number, sample: number, random: () => number): number[] {
  if (treeSize === 0) return [];
  const chosen = new Set<number>();
  for (let j = treeSize - Math.min(sample, treeSize); j < treeSize; j++) {
    const t = below(j + 1, random);
    chosen.add(chosen.has(t) ? j : t);
  }
  chosen.add(0);
  chosen.add(treeSize - 1);
  return Array.from(chosen).sort((a, b) => a - b);
}

/** Checks a run of entry bundles and the inclusion proofs of their sampled leaves. */
async function checkBundles(
  store: LogStore,
  treeSize: number,
  root: Hash,
  bundles: readonly { index: number; leaves: number[] }[],
  problems: string[],
): Promise<void> {
  const widths = bundles.map((b) => tileWidth(0, b.index, treeSize));
  const [stored, entries] = await Promise.all([
    store.readTiles(bundles.map((b) => ({ level: 0, index: b.index }))),
    Promise.all(bundles.map((b, k) => store.readEntries(b.index * TILE_WIDTH, widths[k]!))),
  ]);

  // Each bundle's leaf hashes, recomputed, against the first `width` hashes of its stored tile.
  // Problems are listed bundle by bundle: the bundle's own, then its leaves' proofs.
  const found = bundles.map((): string[] => []);
  const toProve: { index: number; leafHash: Hash; bundle: number }[] = [];
  bundles.forEach((b, k) => {
    const width = widths[k]!;
    const start = b.index * TILE_WIDTH;
    const bundle = entries[k]!;
    if (bundle.length < width) {
      found[k]!.push(`entries: bundle ${b.index} holds ${bundle.length} of the ${width} entries from index ${start}`);
      return;
    }
    const hashes = bundle.map((e) => leafHash(e));
    const data = new Uint8Array(width * HASH_SIZE);
    hashes.forEach((h, i) => data.set(h, i * HASH_SIZE));
    const s = stored[k];
    if (s === undefined) found[k]!.push(`tile 0/${b.index}: missing`);
    else if (s.length < data.length || !bytesEqual(s.subarray(0, data.length), data)) {
      found[k]!.push(`tile 0/${b.index}: differs from the tile recomputed from the entries`);
    } else if (s.length > data.length) found[k]!.push(`tile 0/${b.index}: wider (${s.length / HASH_SIZE}) than the tree allows (${width})`);
    for (const i of b.leaves) toProve.push({ index: i, leafHash: hashes[i - start]!, bundle: k });
  });

  // Each sampled leaf's inclusion proof from the stored tiles, against the checkpoint root:
  // one read for the whole run; leaf by leaf if a tile is missing or too narrow, to say which.
  const reader = storeHashReader(store, treeSize);
  const plans = toProve.map((p) => inclusionProofNodes(p.index, treeSize));
  let hashes;
  try {
    hashes = await reader.readHashes(plans.flat());
  } catch (e) {
    if (!isLogError(e, 'INTERNAL')) throw e;
  }
  let at = 0;
  for (let k = 0; k < toProve.length; k++) {
    const { index, leafHash: leaf, bundle } = toProve[k]!;
    const count = plans[k]!.length;
    try {
      const proof =
        hashes !== undefined ? buildInclusionProof(index, treeSize, hashes.slice(at, at + count)) : await proveInclusion(reader, index, treeSize);
      verifyInclusion(leaf, index, treeSize, proof, root);
    } catch (e) {
      if (!isLogError(e, 'INTERNAL') && !isLogError(e, 'INVALID_PROOF')) throw e;
      found[bundle]!.push(`entry ${index}: ${e.message}`);
    }
    at += count;
  }
  for (const f of found) problems.push(...f);
}
