/**
 * The read side shared by the HTTP API and (later) the web pages: handlers stay a few
 * lines, and every proof is plan → one store read → compute (x/mod's rule).
 */
import { concatBytes, encodeHex } from '../encoding/index.js';
import { LogError } from '../errors.js';
import type { LogMeta, LogStore, TreeHead } from '../log/index.js';
import {
  type Hash,
  type NodeHasher,
  type ProofHashing,
  type TilePath,
  HASH_SIZE,
  TILE_WIDTH,
  encodeEntryBundle,
  leafHash,
  proveConsistency,
  proveInclusion,
} from '../merkle/index.js';
import { formatReceipt } from '../receipt/index.js';
import { storeHashReader } from './hash-reader.js';
import type { HeadCache } from './head-cache.js';
import type { TileSource } from './tile-cache.js';
import { type BundleCache, createBundleCache } from './bundle-cache.js';

/** Largest `count` for a page of entries. */
export const MAX_ENTRIES_PAGE = 1_000;

export interface ReadService {
  meta(): LogMeta;
  /** The latest committed head (other writers' commits are seen within the head cache's age). */
  head(): Promise<TreeHead>;
  /**
   * The checkpoint the log publishes (`/checkpoint`, receipts): with witnesses, the latest
   * one the quorum cosigned; without, the latest committed head.
   */
  checkpoint(): Promise<TreeHead>;
  inclusionProof(leafIndex: number, treeSize?: number): Promise<{ leafIndex: number; treeSize: number; inclusionProof: Hash[] }>;
  findLeaf(leafHash: Hash): Promise<number>;
  consistencyProof(from: number, to?: number): Promise<{ from: number; to: number; consistencyProof: Hash[] }>;
  /** Up to `count` entries from `start` (at most MAX_ENTRIES_PAGE), and no more than `maxBytes` of them after the first. */
  entries(start: number, count: number, maxBytes?: number): Promise<{ leafIndex: number; leafHash: Hash; data: Uint8Array }[]>;
  /** A receipt (c2sp.org/tlog-proof) for an entry against the published checkpoint. */
  receipt(leafIndex: number): Promise<string>;
  /** A receipt against a given head of this log (which must include the entry). */
  receiptAgainst(leafIndex: number, head: TreeHead): Promise<string>;
  /** The bytes of a tile or entry bundle path, as a tree of the current size serves it. */
  tile(path: TilePath): Promise<Uint8Array>;
  /** The full entry bundle `index` if it is in memory: answered without any read. */
  cachedBundle(index: number): Uint8Array | undefined;
  /**
   * Committed entries, in commit order, as the sequencer hands them over: each bundle they
   * complete is kept encoded, so a monitor or mirror following the log reads it from memory.
   */
  offerEntries(entries: readonly { readonly leafIndex: number; readonly data: Uint8Array }[]): void;
}

export interface ReadSources {
  /** The committed head, cached. */
  readonly heads: HeadCache;
  /** Tiles for proofs and tile reads: the tile cache in front of the store. */
  readonly tiles: TileSource;
  /** The interior-node hash for proofs' right edges (a native one on a server). */
  readonly hashNode?: NodeHasher;
  /** The RFC 6962 leaf hash of each entry of a page (a native one on a server: a page is up to a MiB). */
  readonly hashLeaf?: (entry: Uint8Array) => Hash;
  /** The latest witnessed checkpoint, when the log has witnesses; undefined before the first. */
  readonly witnessed?: () => Promise<TreeHead | undefined>;
  /** Full entry bundles kept encoded; by default a cache of DEFAULT_BUNDLE_CACHE_BYTES. */
  readonly bundles?: BundleCache;
}

/** Full entry bundles kept by default: a bundle of small entries is some tens of KiB. */
export const DEFAULT_BUNDLE_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * About the most entry data one query reads; a larger page or bundle is read in several,
 * with a turn of the event loop between them. On PGlite a query runs in this thread: a
 * bundle of 64 KiB entries read at once was 16 MiB converted in one go, a quarter of a
 * second in which no other request was answered.
 */
export const READ_CHUNK_BYTES = 256 * 1024;

/** Resolves in a later turn of the event loop (after the sockets ready meanwhile are served). */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Range hashes remembered for proofs (about 100 bytes each); cleared when full. */
const MAX_RANGE_MEMO = 65_536;

export function createReadService(store: LogStore, meta: LogMeta, { heads, tiles, hashNode, hashLeaf = leafHash, witnessed, bundles = createBundleCache(DEFAULT_BUNDLE_CACHE_BYTES) }: ReadSources): ReadService {
  const ranges = new Map<string, Hash>();
  const hashing: ProofHashing = {
    hashNode,
    memo: {
      get: (key) => ranges.get(key),
      set: (key, hash) => {
        if (ranges.size >= MAX_RANGE_MEMO) ranges.clear();
        ranges.set(key, hash);
      },
    },
  };

  /** `treeSize`, checked against the current head, or the current size. */
  async function sizeOrCurrent(treeSize: number | undefined): Promise<number> {
    if (treeSize === undefined) return (await heads.current()).treeSize;
    const head = await heads.atLeast(treeSize);
    if (treeSize > head.treeSize) {
      throw new LogError('OUT_OF_RANGE', `tree size ${treeSize} is past the current size ${head.treeSize}`, {
        field: 'treeSize',
        hint: 'use a tree size from a checkpoint the log has published',
      });
    }
    return treeSize;
  }

  async function inclusionProof(leafIndex: number, treeSize?: number) {
    const size = await sizeOrCurrent(treeSize);
    if (leafIndex >= size) {
      throw new LogError('OUT_OF_RANGE', `leaf index ${leafIndex} is not in a tree of size ${size}`, { field: 'index' });
    }
    return { leafIndex, treeSize: size, inclusionProof: await proveInclusion(storeHashReader(tiles, size), leafIndex, size, hashing) };
  }

  async function published(): Promise<TreeHead> {
    if (witnessed === undefined) return heads.current();
    const head = await witnessed();
    if (head === undefined) {
      throw new LogError('UNAVAILABLE', 'no checkpoint of this log has been cosigned by the witness quorum yet', {
        hint: 'the log submits each checkpoint to its witnesses (GET /v1/log lists them): retry once they answer',
      });
    }
    return head;
  }

  async function receiptAgainst(leafIndex: number, head: TreeHead): Promise<string> {
    const proof = await proveInclusion(storeHashReader(tiles, head.treeSize), leafIndex, head.treeSize, hashing);
    return formatReceipt({ leafIndex, inclusionProof: proof, checkpoint: head.checkpoint });
  }

  /**
   * Up to `count` entries from `start`, and no more than `maxBytes` of them after the first
   * (the first is always given, so that a page always moves on), each as `each` makes it
   * (in the turn its chunk is read): read in queries of about READ_CHUNK_BYTES each (the
   * store cuts each at that budget), with a turn of the event loop between two queries. What
   * is held at once is what is read so far and one chunk.
   */
  async function readInChunks<T>(start: number, count: number, maxBytes: number, each: (data: Uint8Array, leafIndex: number) => T): Promise<T[]> {
    const out: T[] = [];
    let used = 0;
    while (out.length < count) {
      if (used >= maxBytes) return out;
      if (out.length > 0) await nextTurn();
      const data = await store.readEntries(start + out.length, count - out.length, Math.min(READ_CHUNK_BYTES, maxBytes - used));
      if (data.length === 0) return out; // the end of the log
      for (const d of data) {
        if (out.length > 0 && used + d.length > maxBytes) return out;
        out.push(each(d, start + out.length));
        used += d.length;
      }
    }
    return out;
  }

  /** The entries of the bundle at the right edge, gathered as they are committed (offerEntries). */
  let gathering: { readonly index: number; readonly entries: Uint8Array[] } | undefined;

  return {
    meta: () => meta,
    head: () => heads.current(),
    checkpoint: published,
    receiptAgainst,
    inclusionProof,
    async findLeaf(hash) {
      const found = (await store.findLeafHashes([hash])).get(encodeHex(hash));
      if (found === undefined) throw new LogError('NOT_FOUND', 'no entry with that leaf hash', { field: 'leafHash' });
      return found;
    },
    async consistencyProof(from, to) {
      const size = await sizeOrCurrent(to);
      if (from > size) throw new LogError('OUT_OF_RANGE', `from ${from} is past to ${size}`, { field: 'from' });
      return { from, to: size, consistencyProof: await proveConsistency(storeHashReader(tiles, size), from, size, hashing) };
    },
    async entries(start, count, maxBytes = Number.POSITIVE_INFINITY) {
      // A page that would end past 2^53 - 1 (start near the largest index) is cut short
      // there: no tree holds entries that far, and the stores refuse such ranges.
      const wanted = Math.max(0, Math.min(count, MAX_ENTRIES_PAGE, Number.MAX_SAFE_INTEGER - start));
      return readInChunks(start, wanted, maxBytes, (data, leafIndex) => ({ leafIndex, leafHash: hashLeaf(data), data }));
    },
    async receipt(leafIndex) {
      const latest = await heads.atLeast(leafIndex + 1);
      if (leafIndex >= latest.treeSize) {
        throw new LogError('NOT_FOUND', `no entry ${leafIndex}: the log has ${latest.treeSize}`, { field: 'index' });
      }
      const head = witnessed === undefined ? latest : await witnessed();
      if (head === undefined || leafIndex >= head.treeSize) {
        throw new LogError('NOT_YET_WITNESSED', `entry ${leafIndex} is in the log, but not yet in a checkpoint the witness quorum cosigned (the latest has ${head?.treeSize ?? 0} entries)`, { field: 'index' });
      }
      return receiptAgainst(leafIndex, head);
    },
    cachedBundle: (index) => bundles.peek(index),
    offerEntries(entries) {
      for (const { leafIndex, data } of entries) {
        const index = Math.floor(leafIndex / TILE_WIDTH);
        const offset = leafIndex - index * TILE_WIDTH;
        // Only a bundle seen whole, from its first entry on and with no gap, is gathered: one
        // begun before this server started, or with entries another server appended, is
        // read from the store when asked for.
        if (gathering === undefined || gathering.index !== index || gathering.entries.length !== offset) {
          gathering = offset === 0 ? { index, entries: [] } : undefined;
          if (gathering === undefined) continue;
        }
        gathering.entries.push(data);
        if (gathering.entries.length === TILE_WIDTH) {
          bundles.put(index, encodeEntryBundle(gathering.entries));
          gathering = undefined;
        }
      }
    },
    async tile(path) {
      // Only committed state is ever stored (tiles and entries are written in the
      // transaction that moves the head), so what is stored is servable: a tile is served
      // for every width up to its stored width, which is the current tree's; nothing
      // beyond. No read of the head is needed.
      if (path.kind === 'entries') {
        const bundle = async () => {
          // Encoded by the store, in parts of about READ_CHUNK_BYTES with a turn between two.
          const parts: Uint8Array[] = [];
          let count = 0;
          while (count < path.width) {
            if (count > 0) await nextTurn();
            const part = await store.readEntryBundle(path.index * TILE_WIDTH + count, path.width - count, READ_CHUNK_BYTES);
            if (part.count === 0) break;
            parts.push(part.bundle);
            count += part.count;
          }
          if (count !== path.width) throw new LogError('NOT_FOUND', 'no such entry bundle in the current tree', { field: 'path' });
          return parts.length === 1 ? parts[0]! : concatBytes(parts);
        };
        // A full bundle never changes: it is read and encoded once (bundle-cache.ts).
        return path.width === TILE_WIDTH ? bundles.get(path.index, bundle) : bundle();
      }
      const [data] = await tiles.readTiles([{ level: path.level, index: path.index }], [path.width]);
      if (data === undefined || data.length < path.width * HASH_SIZE) {
        throw new LogError('NOT_FOUND', 'no such tile in the current tree', { field: 'path' });
      }
      return data.subarray(0, path.width * HASH_SIZE);
    },
  };
}
