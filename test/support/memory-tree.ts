/**
 * An in-memory Merkle tree for tests: grown with the code under test's `appendLeaves`,
 * it stores every node the appends complete by (level, index), and serves them through
 * a counting `HashReader` and a tamperable `TileReader`.
 *
 * Nodes are immutable once complete, so one tree grown to size N serves the proofs and
 * tiles of every smaller tree size; readers are bound to a tree size and refuse nodes
 * and tiles that the tree of that size does not have.
 */
import { type Hash, type HashReader, type NodeId, type Tile, type TileReader, appendLeaves, buildTile, tileNodes, tileWidth } from '../../src/merkle/index.js';

/** A `HashReader` that records every call. */
export interface CountingHashReader extends HashReader {
  /** Number of `readHashes` calls so far. */
  readonly calls: number;
  /** The node list of each call, in order. */
  readonly requests: readonly (readonly NodeId[])[];
  reset(): void;
}

/** What a tile reader hands back; a tamper hook may return anything at all. */
export type Tamper = (tiles: readonly Tile[], honest: Uint8Array[]) => unknown;

/** A `TileReader` that records every call and can be told to lie. */
export interface MemoryTileReader extends TileReader {
  readonly calls: number;
  readonly requests: readonly (readonly Tile[])[];
  /** Every `saveTiles` call, with the data it was given. */
  readonly saved: readonly { tiles: readonly Tile[]; data: readonly Uint8Array[] }[];
  /** When set, `readTiles` returns `tamper(tiles, honestData)` instead of the honest data. */
  tamper: Tamper | undefined;
  reset(): void;
}

/** True when node (level, index) is a complete subtree of the tree of `treeSize` leaves. */
export function nodeInTree(node: NodeId, treeSize: number): boolean {
  return (node.index + 1) * 2 ** node.level <= treeSize;
}

/** A copy of `data` with byte `at` (mod its length) XORed with `mask` (arithmetically). */
export function flipByte(data: Uint8Array, at: number, mask = 1): Uint8Array {
  const out = data.slice();
  const i = at % out.length;
  const b = out[i]!;
  // b XOR mask, without bitwise operators: mask is a single bit here.
  out[i] = Math.floor(b / mask) % 2 === 1 ? b - mask : b + mask;
  return out;
}

export class MemoryTree {
  /** levels[level][index] is the hash of the complete node (level, index). */
  private readonly levels: Hash[][] = [];
  private size = 0;
  private right: Hash[] = [];
  private root: Hash | undefined;

  constructor(leafHashes: readonly Hash[] = []) {
    if (leafHashes.length > 0) this.append(leafHashes);
  }

  get treeSize(): number {
    return this.size;
  }

  /** The hashes of `subtreeNodes(0, treeSize)`, as returned by the last append. */
  get edge(): readonly Hash[] {
    return this.right;
  }

  get rootHash(): Hash {
    if (this.root === undefined) throw new Error('memory tree: empty tree has no stored root');
    return this.root;
  }

  /** Appends a batch with `appendLeaves`, storing every node it completes. */
  append(leafHashes: readonly Hash[]): void {
    const result = appendLeaves(this.size, this.right, leafHashes);
    for (const node of result.nodes) {
      let level = this.levels[node.level];
      if (level === undefined) {
        level = [];
        this.levels[node.level] = level;
      }
      if (level.length !== node.index) {
        throw new Error(`memory tree: appendLeaves completed node (${node.level}, ${node.index}) out of order`);
      }
      level.push(node.hash);
    }
    this.size = result.treeSize;
    this.right = result.edge;
    this.root = result.rootHash;
  }

  /** Number of stored nodes at `level`. */
  countAt(level: number): number {
    return this.levels[level]?.length ?? 0;
  }

  node(node: NodeId): Hash {
    const h = this.levels[node.level]?.[node.index];
    if (h === undefined) throw new Error(`memory tree: no node (${node.level}, ${node.index}) in a tree of size ${this.size}`);
    return h;
  }

  /** The honest bytes of a tile of this tree (or of any smaller tree that serves it). */
  tile(tile: Tile): Uint8Array {
    return buildTile(tileNodes(tile).map((n) => this.node(n)));
  }

  /** A `HashReader` for the tree of `treeSize` (default: the whole tree) that records its calls. */
  hashReader(treeSize: number = this.size): CountingHashReader {
    if (treeSize > this.size) throw new Error(`memory tree: size ${treeSize} is past ${this.size}`);
    let calls = 0;
    const requests: NodeId[][] = [];
    return {
      get calls() {
        return calls;
      },
      requests,
      reset() {
        calls = 0;
        requests.length = 0;
      },
      readHashes: async (nodes: readonly NodeId[]): Promise<Hash[]> => {
        calls++;
        requests.push(nodes.map((n) => ({ level: n.level, index: n.index })));
        return nodes.map((n) => {
          if (!nodeInTree(n, treeSize)) throw new Error(`memory tree: node (${n.level}, ${n.index}) is not in a tree of size ${treeSize}`);
          return this.node(n).slice();
        });
      },
    };
  }

  /**
   * A `TileReader` serving the tiles of the tree of `treeSize` (default: the whole tree).
   * A tile request wider than that tree has is a test failure (thrown).
   */
  tileReader(treeSize: number = this.size): MemoryTileReader {
    if (treeSize > this.size) throw new Error(`memory tree: size ${treeSize} is past ${this.size}`);
    let calls = 0;
    const requests: Tile[][] = [];
    const saved: { tiles: readonly Tile[]; data: readonly Uint8Array[] }[] = [];
    const reader: MemoryTileReader = {
      get calls() {
        return calls;
      },
      requests,
      saved,
      tamper: undefined,
      reset() {
        calls = 0;
        requests.length = 0;
        saved.length = 0;
        reader.tamper = undefined;
      },
      readTiles: async (tiles: readonly Tile[]): Promise<Uint8Array[]> => {
        calls++;
        requests.push(tiles.map((t) => ({ level: t.level, index: t.index, width: t.width })));
        const honest = tiles.map((t) => {
          if (t.width < 1 || t.width > tileWidth(t.level, t.index, treeSize)) {
            throw new Error(`memory tree: tile (${t.level}, ${t.index}) of width ${t.width} is not served at size ${treeSize}`);
          }
          return this.tile(t);
        });
        return (reader.tamper === undefined ? honest : reader.tamper(tiles, honest)) as Uint8Array[];
      },
      saveTiles(tiles: readonly Tile[], data: readonly Uint8Array[]): void {
        saved.push({ tiles: tiles.map((t) => ({ ...t })), data: data.map((d) => d.slice()) });
      },
    };
    return reader;
  }
}
