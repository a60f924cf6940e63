/**
 * tileHashReader over an untrusted TileReader: the same proofs as a direct HashReader, one
 * readTiles per readHashes, and every lie about a tile caught (INVALID_TILE) before any
 * hash is used or cached.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isLogError } from '../../../src/errors.js';
import {
  type Hash,
  type HashReader,
  type NodeId,
  type Tile,
  consistencyProofNodes,
  formatTilePath,
  inclusionProofNodes,
  leafHash,
  proveConsistency,
  proveInclusion,
  readServedEntryBundle,
  readServedTile,
  tileForNode,
  tileHashReader,
  tileWidth,
  treeHash,
  treeHashNodes,
} from '../../../src/merkle/index.js';
import { type MemoryTileReader, MemoryTree, flipByte } from '../../support/memory-tree.js';
import { ReferenceTree, bytesEq } from '../../support/reference-merkle.js';

const SIZES = [1, 2, 255, 256, 257, 511, 65535, 65536, 65537, 70000];
const MAX = 70000;

let tree: MemoryTree;
let otherLog: MemoryTree;
let ref: ReferenceTree;

beforeAll(() => {
  // One leaf past the largest size, so that the root of size + 1 exists too.
  const leafHashes = Array.from({ length: MAX + 1 }, (_, i) => leafHash(new TextEncoder().encode(`entry ${i}`)));
  tree = new MemoryTree(leafHashes);
  ref = new ReferenceTree(leafHashes);
  otherLog = new MemoryTree(Array.from({ length: MAX }, (_, i) => leafHash(new TextEncoder().encode(`other entry ${i}`))));
});

/** A HashReader wrapper that counts readHashes calls. */
function counting(reader: HashReader): HashReader & { calls: number } {
  const wrapped = {
    calls: 0,
    readHashes: async (nodes: readonly NodeId[]): Promise<Hash[]> => {
      wrapped.calls++;
      return reader.readHashes(nodes);
    },
  };
  return wrapped;
}

function leafIndicesFor(treeSize: number): number[] {
  const picks = [0, 1, 2, 127, 255, 256, 257, 4095, 65535, 65536, Math.floor(treeSize / 2), Math.floor(treeSize / 3), treeSize - 257, treeSize - 256, treeSize - 2, treeSize - 1];
  return [...new Set(picks.filter((i) => i >= 0 && i < treeSize))];
}

function oldSizesFor(treeSize: number): number[] {
  const picks = [0, 1, 2, 255, 256, 257, 511, 512, 65535, 65536, Math.floor(treeSize / 2), treeSize - 1, treeSize];
  return [...new Set(picks.filter((m) => m >= 0 && m <= treeSize))];
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isLogError(e) ? e.code : `${e instanceof Error ? e.constructor.name : typeof e}: ${String(e)}`;
  }
}

const tileKey = (t: Tile): string => `${t.level}/${t.index}/${t.width}`;

describe('tileHashReader', () => {
  it('builds the same proofs and roots as the direct HashReader, in one readTiles per readHashes', async () => {
    const failures: string[] = [];
    for (const treeSize of SIZES) {
      const rootHash = ref.root(treeSize);
      const tiles = tree.tileReader(treeSize);
      const reader = counting(tileHashReader(treeSize, rootHash, tiles));
      const direct = tree.hashReader(treeSize);

      const check = (what: string, plan: readonly NodeId[], got: readonly Hash[], want: readonly Hash[]): void => {
        if (got.length !== want.length || !got.every((h, i) => bytesEq(h, want[i]!))) failures.push(`${what} differs`);
        const expectedReads = plan.length === 0 ? 0 : 1;
        if (reader.calls !== expectedReads || tiles.calls !== expectedReads) failures.push(`${what}: ${reader.calls} readHashes, ${tiles.calls} readTiles`);
        if (tiles.saved.length !== expectedReads) failures.push(`${what}: saveTiles called ${tiles.saved.length} times`);
        if (expectedReads === 1) {
          const requested = tiles.requests[0]!;
          if (new Set(requested.map(tileKey)).size !== requested.length) failures.push(`${what}: a tile requested twice`);
          if (!requested.every((t) => t.width === tileWidth(t.level, t.index, treeSize))) failures.push(`${what}: a tile of the wrong width requested`);
          const have = new Set(requested.map(tileKey));
          if (!plan.every((n) => have.has(tileKey(tileForNode(n, treeSize).tile)))) failures.push(`${what}: a planned node's tile not fetched`);
          // The cache gets exactly the fetched tiles, with their honest bytes.
          const saved = tiles.saved[0]!;
          if (saved.tiles.map(tileKey).join() !== requested.map(tileKey).join()) failures.push(`${what}: saved other tiles than fetched`);
          if (!saved.data.every((d, i) => bytesEq(d, tree.tile(saved.tiles[i]!)))) failures.push(`${what}: saved other bytes`);
        }
        reader.calls = 0;
        tiles.reset();
        direct.reset();
      };

      const root = await treeHash(reader, treeSize);
      check(`root of ${treeSize}`, treeHashNodes(treeSize), [root], [rootHash]);
      for (const leafIndex of leafIndicesFor(treeSize)) {
        const viaTiles = await proveInclusion(reader, leafIndex, treeSize);
        check(`inclusion (${leafIndex}, ${treeSize})`, inclusionProofNodes(leafIndex, treeSize), viaTiles, await proveInclusion(direct, leafIndex, treeSize));
      }
      for (const oldSize of oldSizesFor(treeSize)) {
        const viaTiles = await proveConsistency(reader, oldSize, treeSize);
        check(`consistency (${oldSize}, ${treeSize})`, consistencyProofNodes(oldSize, treeSize), viaTiles, await proveConsistency(direct, oldSize, treeSize));
      }
      // Every node of the tree of size 511 individually, and a node of every level of the bigger ones.
      const nodes: NodeId[] = [];
      for (let level = 0; 2 ** level <= treeSize; level++) {
        const count = Math.floor(treeSize / 2 ** level);
        if (treeSize <= 511) for (let index = 0; index < count; index++) nodes.push({ level, index });
        else nodes.push({ level, index: 0 }, { level, index: count - 1 });
      }
      const hashes = await reader.readHashes(nodes);
      check(`every node of ${treeSize}`, nodes, hashes, nodes.map((n) => ref.mth(n.index * 2 ** n.level, (n.index + 1) * 2 ** n.level)));
      expect(await reader.readHashes([])).toEqual([]);
      if (tiles.calls !== 0) failures.push('readHashes([]) read tiles');
    }
    expect(failures).toEqual([]);
  });

  /** The reads to attack at each size: their plans and what they fetch. */
  function attacks(treeSize: number): { what: string; nodes: NodeId[] }[] {
    const list = [
      { what: `inclusion (0, ${treeSize})`, nodes: treeSize > 1 ? inclusionProofNodes(0, treeSize) : [{ level: 0, index: 0 }] },
      { what: `inclusion (${treeSize - 1}, ${treeSize})`, nodes: treeSize > 1 ? inclusionProofNodes(treeSize - 1, treeSize) : [{ level: 0, index: 0 }] },
    ];
    const half = Math.floor(treeSize / 2);
    if (half > 0 && half < treeSize) list.push({ what: `consistency (${half}, ${treeSize})`, nodes: consistencyProofNodes(half, treeSize) });
    return list;
  }

  async function honestRequest(treeSize: number, nodes: readonly NodeId[]): Promise<Tile[]> {
    const tiles = tree.tileReader(treeSize);
    await tileHashReader(treeSize, ref.root(treeSize), tiles).readHashes(nodes);
    expect(tiles.calls).toBe(1);
    return tiles.requests[0]!.slice();
  }

  it('a flipped byte in any one fetched tile is INVALID_TILE, and nothing is saved', async () => {
    const failures: string[] = [];
    let attempts = 0;
    for (const treeSize of SIZES) {
      for (const { what, nodes } of attacks(treeSize)) {
        const requested = await honestRequest(treeSize, nodes);
        for (let k = 0; k < requested.length; k++) {
          const tile = requested[k]!;
          // One byte in each of several 32-byte hashes of the tile: all of them in small tiles,
          // every 16th (shifted per tile) plus the first and last in wide ones.
          const slots = Array.from({ length: tile.width }, (_, i) => i).filter(
            (i) => tile.width <= 32 || i % 16 === k % 16 || i === 0 || i === tile.width - 1,
          );
          for (const slot of slots) {
            const tiles: MemoryTileReader = tree.tileReader(treeSize);
            const at = slot * 32 + ((slot * 7 + k) % 32);
            tiles.tamper = (_, honest) => honest.map((d, i) => (i === k ? flipByte(d, at, 2 ** (slot % 8)) : d));
            const c = await code(tileHashReader(treeSize, ref.root(treeSize), tiles).readHashes(nodes));
            attempts++;
            if (c !== 'INVALID_TILE') failures.push(`${what}: tile ${formatTilePath(tile)} byte ${at} flipped: ${c}`);
            if (tiles.saved.length !== 0) failures.push(`${what}: saved after a flipped byte in ${formatTilePath(tile)}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(attempts).toBeGreaterThan(300);
  });

  it('wrong lengths, wrong counts, wrong types and swapped tiles are INVALID_TILE, and nothing is saved', async () => {
    const failures: string[] = [];
    for (const treeSize of SIZES) {
      for (const { what, nodes } of attacks(treeSize)) {
        const requested = await honestRequest(treeSize, nodes);
        const lies: [string, (tiles: readonly Tile[], honest: Uint8Array[]) => unknown][] = [
          ['no tiles', () => []],
          ['one tile too few', (_, h) => h.slice(0, -1)],
          ['one tile too many', (_, h) => [...h, h[0]!]],
          ['undefined', () => undefined],
          ['null', () => null],
          ['an array-like object', (_, h) => ({ ...h, length: h.length })],
          ['a string', () => 'tiles'],
        ];
        for (let k = 0; k < requested.length; k++) {
          const t = requested[k]!;
          const replace = (f: (d: Uint8Array) => unknown) => (_: readonly Tile[], h: Uint8Array[]) => h.map((d, i) => (i === k ? f(d) : d));
          lies.push(
            [`${formatTilePath(t)} one byte short`, replace((d) => d.subarray(0, d.length - 1))],
            [`${formatTilePath(t)} one byte long`, replace((d) => Uint8Array.of(...d, 0))],
            [`${formatTilePath(t)} one hash long`, replace((d) => Uint8Array.of(...d, ...d.subarray(0, 32)))],
            [`${formatTilePath(t)} one hash short`, replace((d) => d.subarray(0, d.length - 32))],
            [`${formatTilePath(t)} empty`, replace(() => new Uint8Array(0))],
            [`${formatTilePath(t)} as a plain array`, replace((d) => Array.from(d))],
            [`${formatTilePath(t)} as a string`, replace((d) => Buffer.from(d).toString('hex'))],
            [`${formatTilePath(t)} as undefined`, replace(() => undefined)],
            [`${formatTilePath(t)} all zero`, replace((d) => new Uint8Array(d.length))],
            [`${formatTilePath(t)} hashes rotated`, replace((d) => (d.length > 32 ? Uint8Array.of(...d.subarray(32), ...d.subarray(0, 32)) : flipByte(d, 0)))],
          );
          for (let j = k + 1; j < requested.length; j++) {
            if (requested[j]!.width === t.width) {
              lies.push([`${formatTilePath(t)} and ${formatTilePath(requested[j]!)} swapped`, (_, h) => h.map((d, i) => (i === k ? h[j]! : i === j ? h[k]! : d))]);
            }
          }
          // The same tile from a different log (other leaves, same shape).
          lies.push([`${formatTilePath(t)} from another log`, replace(() => otherLog.tile(t))]);
        }
        for (const [lie, tamper] of lies) {
          const tiles = tree.tileReader(treeSize);
          tiles.tamper = tamper;
          const c = await code(tileHashReader(treeSize, ref.root(treeSize), tiles).readHashes(nodes));
          if (c !== 'INVALID_TILE') failures.push(`${what}: ${lie}: ${c}`);
          if (tiles.saved.length !== 0) failures.push(`${what}: ${lie}: saved`);
          if (tiles.calls !== 1) failures.push(`${what}: ${lie}: ${tiles.calls} reads`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('a wrong trusted root is INVALID_TILE, and nothing is saved', async () => {
    const failures: string[] = [];
    for (const treeSize of SIZES) {
      const roots: [string, Hash][] = [
        ['flipped first byte', flipByte(ref.root(treeSize), 0)],
        ['flipped last bit', flipByte(ref.root(treeSize), 31, 128)],
        ['root of size + 1', ref.root(treeSize + 1)],
        ['root of the empty tree', ref.root(0)],
        ['a leaf hash', ref.leafHashes[0]!],
      ];
      if (treeSize > 1) roots.push(['root of size − 1', ref.root(treeSize - 1)]);
      for (const { what, nodes } of attacks(treeSize)) {
        for (const [name, root] of roots) {
          if (treeSize === 1 && name === 'a leaf hash') continue; // the root of a one-leaf tree is its leaf hash
          const tiles = tree.tileReader(treeSize);
          const c = await code(tileHashReader(treeSize, root, tiles).readHashes(nodes));
          if (c !== 'INVALID_TILE') failures.push(`${what} with ${name}: ${c}`);
          if (tiles.saved.length !== 0) failures.push(`${what} with ${name}: saved`);
        }
      }
      // The right root, but for a different tree size than the tiles are read for.
      if (treeSize > 1) {
        const tiles = tree.tileReader(treeSize);
        const c = await code(tileHashReader(treeSize - 1, ref.root(treeSize), tiles).readHashes([{ level: 0, index: 0 }]));
        if (c !== 'INVALID_TILE') failures.push(`size ${treeSize - 1} with the root of ${treeSize}: ${c}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('a node outside the tree is OUT_OF_RANGE, before any tile is read', async () => {
    for (const treeSize of SIZES) {
      const outside: NodeId[] = [
        { level: 0, index: treeSize },
        { level: 0, index: treeSize + 1000 },
        { level: 0, index: -1 },
        { level: 0, index: 0.5 },
        { level: -1, index: 0 },
        { level: 1, index: Math.floor(treeSize / 2) },
        { level: Math.ceil(Math.log2(treeSize + 1)), index: 0 },
        { level: 53, index: 0 },
        { level: 0, index: 2 ** 53 },
      ];
      for (const node of outside) {
        const tiles = tree.tileReader(treeSize);
        const reader = tileHashReader(treeSize, ref.root(treeSize), tiles);
        expect(await code(reader.readHashes([node])), `${JSON.stringify(node)} at ${treeSize}`).toBe('OUT_OF_RANGE');
        expect(await code(reader.readHashes([{ level: 0, index: 0 }, node])), `${JSON.stringify(node)} at ${treeSize}`).toBe('OUT_OF_RANGE');
        expect(tiles.calls).toBe(0);
      }
    }
  });

  it('a reader for the empty tree has no nodes', async () => {
    const tiles = tree.tileReader(0);
    const reader = tileHashReader(0, ref.root(0), tiles);
    expect(await reader.readHashes([])).toEqual([]);
    expect(await code(reader.readHashes([{ level: 0, index: 0 }]))).toBe('OUT_OF_RANGE');
    expect(tiles.calls).toBe(0);
  });

  it('rejects a bad tree size or root when created', () => {
    const tiles = tree.tileReader(1);
    expect(() => tileHashReader(-1, ref.root(1), tiles)).toThrow(RangeError);
    expect(() => tileHashReader(2 ** 53, ref.root(1), tiles)).toThrow(RangeError);
    expect(() => tileHashReader(1.5, ref.root(1), tiles)).toThrow(RangeError);
    expect(() => tileHashReader(1, ref.root(1).subarray(1), tiles)).toThrow(RangeError);
    expect(() => tileHashReader(1, 'root' as unknown as Hash, tiles)).toThrow(TypeError);
  });
});

describe('readServedTile and readServedEntryBundle: c2sp.org/tlog-tiles partial fallback', () => {
  const full = new Uint8Array(256 * 32).map((_, i) => i % 251);
  /** A log that serves only the given paths, recording every path asked for. */
  function served(paths: Record<string, Uint8Array>) {
    const asked: string[] = [];
    const read = async (path: string) => {
      asked.push(path);
      return paths[path];
    };
    return { read, asked };
  }

  it('reads the partial tile when served, else the full one and its prefix, else nothing', async () => {
    const partial = full.slice(0, 17 * 32);
    let log = served({ 'tile/1/x001/234.p/17': partial, 'tile/1/x001/234': full });
    expect(await readServedTile(log.read, { level: 1, index: 1234, width: 17 })).toEqual({ path: 'tile/1/x001/234.p/17', data: partial });
    expect(log.asked).toEqual(['tile/1/x001/234.p/17']);
    log = served({ 'tile/1/x001/234': full });
    expect(await readServedTile(log.read, { level: 1, index: 1234, width: 17 })).toEqual({ path: 'tile/1/x001/234', data: partial });
    expect(log.asked).toEqual(['tile/1/x001/234.p/17', 'tile/1/x001/234']);
    // A "full" tile of the wrong length is passed on whole: the caller's length check refuses it.
    log = served({ 'tile/1/x001/234': full.slice(1) });
    expect((await readServedTile(log.read, { level: 1, index: 1234, width: 17 }))?.data.length).toBe(256 * 32 - 1);
    log = served({});
    expect(await readServedTile(log.read, { level: 0, index: 0, width: 256 })).toBeUndefined();
    expect(log.asked).toEqual(['tile/0/000']);
  });

  it('reads the partial bundle when served, else the full one, saying how many entries it holds', async () => {
    const bundle = new Uint8Array([0, 1, 7]);
    let log = served({ 'tile/entries/000.p/3': bundle });
    expect(await readServedEntryBundle(log.read, { index: 0, width: 3 })).toEqual({ path: 'tile/entries/000.p/3', data: bundle, width: 3 });
    log = served({ 'tile/entries/000': bundle });
    expect(await readServedEntryBundle(log.read, { index: 0, width: 3 })).toEqual({ path: 'tile/entries/000', data: bundle, width: 256 });
    expect(log.asked).toEqual(['tile/entries/000.p/3', 'tile/entries/000']);
    expect(await readServedEntryBundle(served({}).read, { index: 5, width: 256 })).toBeUndefined();
  });
});
