/**
 * The shared vectors made with Go's golang.org/x/mod/sumdb/tlog (../shared/vectors):
 * every root and proof of merkle.json, and every tile and entry bundle of tiles.json.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesEqual, encodeBase64, utf8 } from '../../../src/encoding/index.js';
import {
  type Hash,
  EMPTY_ROOT,
  TILE_WIDTH,
  appendLeaves,
  encodeEntryBundle,
  decodeEntryBundle,
  entryBundlesForSize,
  formatEntryBundlePath,
  formatTilePath,
  leafHash,
  parseTilePath,
  proveConsistency,
  proveInclusion,
  rootOfLeaves,
  tilesForSize,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/merkle/index.js';
import { MemoryTree } from '../../support/memory-tree.js';
import { type MerkleVectors, type TileVectors, fromBase64, fromHex, merkleVectors, tileVectors } from '../../support/vectors.js';

const b64 = (h: Uint8Array): string => encodeBase64(h);
const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('merkle.json', () => {
  let v: MerkleVectors;
  let leafHashes: Hash[];
  let tree: MemoryTree;

  beforeAll(() => {
    v = merkleVectors();
    leafHashes = v.leafHashes.map(fromBase64);
    tree = new MemoryTree(leafHashes);
  });

  it('has the shape its about field describes', () => {
    expect(v.leavesHex.length).toBe(40);
    expect(v.leafHashes.length).toBe(v.leavesHex.length);
    expect(v.roots.length).toBe(v.leavesHex.length + 1);
    // Every (index, treeSize) with index < treeSize ≤ 40, and every (from, to) with 1 ≤ from ≤ to ≤ 40.
    expect(v.inclusion.length).toBe((40 * 41) / 2);
    expect(v.consistency.length).toBe((40 * 41) / 2);
  });

  it('leaf hashes: SHA-256(0x00 ‖ data) of every leavesHex', () => {
    v.leavesHex.forEach((hex, i) => {
      expect(b64(leafHash(fromHex(hex))), `leaf ${i}`).toBe(v.leafHashes[i]);
    });
  });

  it('roots[0] is the empty root', () => {
    expect(b64(EMPTY_ROOT)).toBe(v.roots[0]);
    expect(b64(rootOfLeaves([]))).toBe(v.roots[0]);
  });

  it('every root via rootOfLeaves', () => {
    for (let n = 0; n < v.roots.length; n++) {
      expect(b64(rootOfLeaves(leafHashes.slice(0, n))), `root of size ${n}`).toBe(v.roots[n]);
    }
  });

  it('every root via appendLeaves, one leaf at a time and in uneven batches', () => {
    let size = 0;
    let edge: Hash[] = [];
    for (let n = 1; n < v.roots.length; n++) {
      const r = appendLeaves(size, edge, [leafHashes[n - 1]!]);
      expect(r.treeSize).toBe(n);
      expect(b64(r.rootHash), `root of size ${n}`).toBe(v.roots[n]);
      size = r.treeSize;
      edge = r.edge;
    }
    // Batches of 1, 2, 3, … leaves.
    size = 0;
    edge = [];
    for (let batch = 1; size < leafHashes.length; batch++) {
      const r = appendLeaves(size, edge, leafHashes.slice(size, size + batch));
      expect(b64(r.rootHash), `root of size ${r.treeSize}`).toBe(v.roots[r.treeSize]);
      size = r.treeSize;
      edge = r.edge;
    }
    expect(size).toBe(40);
  });

  it('every inclusion proof, built through the HashReader, equals the vector and verifies', async () => {
    for (const { index, treeSize, proof } of v.inclusion) {
      const reader = tree.hashReader(treeSize);
      const built = await proveInclusion(reader, index, treeSize);
      expect(built.map(b64), `inclusion ${index} in ${treeSize}`).toEqual(proof);
      expect(reader.calls).toBe(proof.length === 0 ? 0 : 1);
      const root = fromBase64(v.roots[treeSize]!);
      expect(() => verifyInclusion(leafHashes[index]!, index, treeSize, proof.map(fromBase64), root)).not.toThrow();
    }
  });

  it('every consistency proof, built through the HashReader, equals the vector and verifies', async () => {
    for (const { from, to, proof } of v.consistency) {
      const reader = tree.hashReader(to);
      const built = await proveConsistency(reader, from, to);
      expect(built.map(b64), `consistency ${from} → ${to}`).toEqual(proof);
      expect(reader.calls).toBe(proof.length === 0 ? 0 : 1);
      const oldRoot = fromBase64(v.roots[from]!);
      const newRoot = fromBase64(v.roots[to]!);
      expect(() => verifyConsistency(from, to, proof.map(fromBase64), oldRoot, newRoot)).not.toThrow();
    }
  });
});

describe('tiles.json', () => {
  let v: TileVectors;
  let tree: MemoryTree;
  let entries: Uint8Array[];
  let entryHashes: Hash[];
  const rootsAtSize = new Map<number, Hash>();

  beforeAll(() => {
    v = tileVectors();
    const sizes = v.sizes.map((s) => s.treeSize);
    const max = Math.max(...sizes);
    entries = [];
    for (let i = 0; i < max; i++) entries.push(utf8(`entry ${i}`));
    entryHashes = entries.map(leafHash);
    // Grow the tree incrementally, stopping at every vector size to take its root.
    tree = new MemoryTree();
    for (const size of [...sizes].sort((a, b) => a - b)) {
      tree.append(entryHashes.slice(tree.treeSize, size));
      rootsAtSize.set(size, tree.rootHash);
    }
  });

  it('covers the interesting sizes', () => {
    expect(v.sizes.map((s) => s.treeSize)).toEqual([1, 255, 256, 257, 65535, 65536, 65537, 70000]);
  });

  it('every root (incrementally via appendLeaves, and via rootOfLeaves)', () => {
    for (const { treeSize, root } of v.sizes) {
      expect(b64(rootsAtSize.get(treeSize)!), `root of size ${treeSize}`).toBe(root);
      expect(b64(rootOfLeaves(entryHashes.slice(0, treeSize)))).toBe(root);
    }
  });

  it('the vectors list tiles by level, then index; bundles by index', () => {
    // So tilesForSize / entryBundlesForSize must match them in order, not just as sets.
    for (const { tiles, entryBundles } of v.sizes) {
      const keys = tiles.map((t) => parseTilePath(t.path)).map((t) => (t.kind === 'tile' ? t.level * 2 ** 32 + t.index : -1));
      expect(keys.every((k) => k >= 0)).toBe(true);
      expect(keys).toEqual([...keys].sort((a, b) => a - b));
      const idx = entryBundles.map((b) => parseTilePath(b.path).index);
      expect(idx).toEqual([...idx].sort((a, b) => a - b));
    }
  });

  it('tilesForSize lists exactly the vector tile paths, in order', () => {
    for (const { treeSize, tiles } of v.sizes) {
      expect([...tilesForSize(treeSize)].map(formatTilePath), `tiles of size ${treeSize}`).toEqual(tiles.map((t) => t.path));
    }
  });

  it('entryBundlesForSize lists exactly the vector bundle paths, in order', () => {
    for (const { treeSize, entryBundles } of v.sizes) {
      expect([...entryBundlesForSize(treeSize)].map(formatEntryBundlePath), `bundles of size ${treeSize}`).toEqual(
        entryBundles.map((b) => b.path),
      );
    }
  });

  it("every tile's length and SHA-256, built with tileNodes/buildTile", () => {
    for (const { treeSize, tiles } of v.sizes) {
      for (const t of tilesForSize(treeSize)) {
        const expected = tiles.find((x) => x.path === formatTilePath(t));
        expect(expected, formatTilePath(t)).toBeDefined();
        const data = tree.tile(t);
        expect(data.length, formatTilePath(t)).toBe(expected!.bytes);
        expect(data.length).toBe(t.width * 32);
        expect(sha256Hex(data), `${formatTilePath(t)} at size ${treeSize}`).toBe(expected!.sha256);
      }
    }
  });

  it("every entry bundle's length and SHA-256, built with encodeEntryBundle, and decoded back", () => {
    for (const { treeSize, entryBundles } of v.sizes) {
      for (const b of entryBundlesForSize(treeSize)) {
        const expected = entryBundles.find((x) => x.path === formatEntryBundlePath(b));
        expect(expected, formatEntryBundlePath(b)).toBeDefined();
        const bundleEntries = entries.slice(b.index * TILE_WIDTH, b.index * TILE_WIDTH + b.width);
        const data = encodeEntryBundle(bundleEntries);
        expect(data.length, formatEntryBundlePath(b)).toBe(expected!.bytes);
        expect(sha256Hex(data), `${formatEntryBundlePath(b)} at size ${treeSize}`).toBe(expected!.sha256);
        const decoded = decodeEntryBundle(data, b.width);
        expect(decoded.length).toBe(b.width);
        expect(decoded.every((e, i) => bytesEqual(e, bundleEntries[i]!))).toBe(true);
      }
    }
  });

  it('parseTilePath(formatTilePath(x)) round trips every vector path', () => {
    let count = 0;
    for (const { tiles, entryBundles } of v.sizes) {
      for (const { path } of tiles) {
        const parsed = parseTilePath(path);
        expect(parsed.kind).toBe('tile');
        if (parsed.kind !== 'tile') continue;
        const tile = { level: parsed.level, index: parsed.index, width: parsed.width };
        expect(formatTilePath(tile)).toBe(path);
        expect(parseTilePath(formatTilePath(tile))).toEqual({ kind: 'tile', ...tile });
        count++;
      }
      for (const { path } of entryBundles) {
        const parsed = parseTilePath(path);
        expect(parsed.kind).toBe('entries');
        const bundle = { index: parsed.index, width: parsed.width };
        expect(formatEntryBundlePath(bundle)).toBe(path);
        expect(parseTilePath(formatEntryBundlePath(bundle))).toEqual({ kind: 'entries', ...bundle });
        count++;
      }
    }
    expect(count).toBe(v.sizes.reduce((a, s) => a + s.tiles.length + s.entryBundles.length, 0));
  });
});
