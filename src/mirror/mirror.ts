/**
 * The decisions of a c2sp.org/tlog-mirror mirror, over a `MirrorStore`:
 *
 *  - `addCheckpoint` is a witness's (c2sp.org/tlog-witness), run by the witness core with
 *    `cosign: false`: it moves the *pending checkpoint*, keeps the log's signatures, keeps the
 *    evidence of a fork, and signs nothing;
 *  - `addEntries` reads an upload package by package; each package's entries are hashed
 *    with the entries the mirror already holds below them into the subtree the spec names, and
 *    the subtree consistency proof (draft-ietf-plants-merkle-tree-certs §4.4.3) must lead from
 *    that hash to the root of the pending checkpoint of size `upload_end`. Only then are its
 *    new entries committed, with every tile they change, in one compare-and-swap on the next
 *    entry; a package that does not verify is refused (422) and nothing of it is kept;
 *  - once the mirror holds every entry below `upload_end`, that pending checkpoint becomes the
 *    *mirror checkpoint* (never moving back) and the mirror cosigns it (200).
 *
 * What is served (`checkpoint`, `tile`) is the tree of the mirror checkpoint only: a tile or
 * bundle is answered only at a width the cosigned tree covers, so an entry committed but not
 * yet cosigned is never read, and a crash between two commits leaves nothing served that the
 * cosigned tree does not support. Every tile of every size cosigned stays readable: a stored
 * tile only grows, and a partial one is a prefix of it.
 *
 * Pure: storage through the port, time through `now`; no I/O of its own.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, encodeHex } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import type { StoredTile, TileId } from '../log/index.js';
import {
  EMPTY_ROOT,
  HASH_SIZE,
  type Hash,
  type NodeHasher,
  TILE_WIDTH,
  encodeEntryBundle,
  foldSubtree,
  leafHash,
  nodeHash,
  parseTilePath,
  rootOfLeaves,
  tileWidth,
  verifySubtreeConsistency,
} from '../merkle/index.js';
import { type BundleCache, createBundleCache } from '../read/bundle-cache.js';
import { type Cosigner, formatNote, parseNote } from '../note/index.js';
import { type RightEdge, edgeHashes, integrate, rightEdgeTileIds } from '../sequencer/integrate.js';
import { type AddCheckpointResult, type WitnessStore, type WitnessedLog, type WitnessedState, createWitness, formatCosignatureLines } from '../witness/index.js';
import {
  type AddEntriesHeader,
  ByteStream,
  type EntryPackage,
  MIRROR_INFO_CONTENT_TYPE,
  PACKAGES_PER_REQUEST,
  formatMirrorInfo,
  packageRanges,
  readAddEntriesHeader,
  readEntryPackage,
} from './protocol.js';

/** Packages read from one request before answering 202 (twice what clients SHOULD send). */
export const MAX_PACKAGES_PER_REQUEST = 2 * PACKAGES_PER_REQUEST;
/** Entries below the next entry an upload may send again before it is refused (409). */
export const MAX_EXCESS_ENTRIES = PACKAGES_PER_REQUEST * TILE_WIDTH;
/** Pending checkpoints kept, so that an upload to a recent one still lands (tlog-mirror: "the last several"). */
export const RECENT_PENDING = 16;

/** How far the mirror holds a log: its next entry and its cosigned checkpoint. */
export interface MirrorProgress {
  /** The first entry not held: every entry below it is committed. */
  readonly nextEntry: number;
  /** The mirror checkpoint: the log's signatures and the mirror's cosignature. */
  readonly mirror: WitnessedState | undefined;
}

/** One package's commit: the new content of its bundle and of every tile it changed. */
export interface MirrorCommit {
  readonly origin: string;
  /** The compare-and-swap: the commit holds only if the stored next entry is still this. */
  readonly expectedNext: number;
  readonly nextEntry: number;
  /** The whole entry bundle holding the new entries, encoded (c2sp.org/tlog-tiles). */
  readonly bundle: { readonly index: number; readonly data: Uint8Array };
  readonly tiles: readonly StoredTile[];
}

/**
 * The mirror's storage. The pending checkpoint is the witness store's state (`latest`,
 * `compareAndSwap`); a swap MUST also keep the new checkpoint among the recent ones.
 */
export interface MirrorStore extends WitnessStore {
  /** A pending checkpoint of `treeSize` kept among the recent ones (or the mirror checkpoint's). */
  pendingCheckpoint(origin: string, treeSize: number): Promise<WitnessedState | undefined>;
  readProgress(origin: string): Promise<MirrorProgress>;
  /** The stored content of each tile, in the order asked. One query. */
  readTiles(origin: string, ids: readonly TileId[]): Promise<(Uint8Array | undefined)[]>;
  /** A stored entry bundle (as many entries as are held) and its entry count. */
  readBundle(origin: string, index: number): Promise<{ readonly data: Uint8Array; readonly count: number } | undefined>;
  /** Stores the commit atomically if the next entry is still `expectedNext`; false (nothing written) otherwise. */
  commitEntries(commit: MirrorCommit): Promise<boolean>;
  /**
   * Makes `next` the mirror checkpoint, atomically, if its size is at least the current mirror
   * checkpoint's and the next entry has reached it; false (nothing written) otherwise.
   */
  advanceMirror(origin: string, next: WitnessedState): Promise<boolean>;
}

export type AddEntriesStatus = 200 | 202 | 400 | 404 | 409 | 422;

export interface AddEntriesResult {
  readonly status: AddEntriesStatus;
  readonly contentType: string;
  readonly body: string;
  /** Packages whose entries this request verified (some may have been held already). */
  readonly packages: number;
  /** On 200: the checkpoint the mirror now holds and cosigned. */
  readonly mirrored?: { readonly origin: string; readonly treeSize: number };
}

export interface MirrorOptions {
  readonly cosigner: Cosigner;
  readonly logs: readonly WitnessedLog[];
  readonly store: MirrorStore;
  /** POSIX seconds, for the cosignatures' timestamps. */
  readonly now: () => number;
  /** RFC 6962 hashing, replaceable by a faster implementation of the same functions. */
  readonly leafHash?: (entry: Uint8Array) => Hash;
  readonly nodeHash?: NodeHasher;
  /** Memory for full tiles and entry bundles served, per mirrored log (immutable once full); 128 MiB by default. */
  readonly cacheBytes?: number;
  /** How long a read of the mirror checkpoint is served before it is read again (another process may move it); 1 s by default. */
  readonly progressMaxAgeMs?: number;
}

/** A log as the mirror serves it: its origin, where it is served, and its keys. */
export interface MirroredLog extends WitnessedLog {
  /** The hex SHA-256 of the origin: the log's path under the monitoring prefix. */
  readonly originHash: string;
}

export interface Mirror {
  readonly name: string;
  readonly verifierKey: string;
  readonly logs: readonly MirroredLog[];
  /** Mirrors one more log from now on (`CONFLICT` if it is mirrored already). */
  addLog(log: WitnessedLog): void;
  /** c2sp.org/tlog-witness add-checkpoint, moving the pending checkpoint. Throws only for storage failures. */
  addCheckpoint(body: string): Promise<AddCheckpointResult>;
  /** c2sp.org/tlog-mirror add-entries, reading the (decompressed) body as it comes. */
  addEntries(body: AsyncIterable<Uint8Array>): Promise<AddEntriesResult>;
  progress(origin: string): Promise<MirrorProgress & { readonly pending: WitnessedState | undefined }>;
  /** The mirror checkpoint of the log served at `originHash`, or undefined. */
  checkpoint(originHash: string): Promise<string | undefined>;
  /** A tile or entry bundle of the log at `originHash`, as the mirror checkpoint's tree serves it; undefined for 404. */
  tile(originHash: string, path: string): Promise<Uint8Array | undefined>;
}

/** The hex SHA-256 of an origin, as the monitoring prefix names it. */
export function originHashOf(origin: string): string {
  return encodeHex(sha256(new TextEncoder().encode(origin)));
}

const TEXT = 'text/plain; charset=utf-8';

/** The first `count` entries of an encoded bundle (each a uint16 length and its bytes). */
export function bundlePrefix(data: Uint8Array, count: number): Uint8Array {
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 2 > data.length) throw new LogError('INTERNAL', `a stored entry bundle holds fewer than ${count} entries`);
    at += 2 + data[at]! * 256 + data[at + 1]!;
  }
  if (at > data.length) throw new LogError('INTERNAL', 'a stored entry bundle is cut short');
  return data.subarray(0, at);
}

/** The in-memory view of where a log's stored tree ends: rebuilt from the store on any doubt. */
interface Frontier {
  readonly nextEntry: number;
  readonly edge: RightEdge;
  /** The encoded entries of the partial bundle at the next entry (empty at a bundle boundary). */
  readonly bundle: Uint8Array;
}

export function createMirror(options: MirrorOptions): Mirror {
  const { cosigner, store, now } = options;
  const hashLeaf = options.leafHash ?? leafHash;
  const hashNode = options.nodeHash ?? nodeHash;
  const cacheBytes = options.cacheBytes ?? 128 * 1024 * 1024;
  const progressMaxAgeMs = options.progressMaxAgeMs ?? 1_000;
  const logs = new Map<string, MirroredLog>();
  const byHash = new Map<string, MirroredLog>();
  // The pending checkpoint is a witness's state; its evidence is a witness's too.
  const witness = createWitness({ cosigner, logs: [], store, now, cosign: false });
  /** Per log: its full bundles and full tiles served (immutable), and its progress as last read. */
  const served = new Map<string, { bundles: BundleCache; tiles: Map<number, BundleCache>; progress?: { value: MirrorProgress; at: number } }>();
  const addLog = (log: WitnessedLog): void => {
    witness.addLog(log); // checks the origin and keys, refuses a second one
    const mirrored: MirroredLog = { ...log, originHash: originHashOf(log.origin) };
    logs.set(log.origin, mirrored);
    byHash.set(mirrored.originHash, mirrored);
    // Bundles are what readers fetch most, and the largest: three quarters; each tile level an eighth.
    served.set(log.origin, { bundles: createBundleCache((cacheBytes * 3) / 4), tiles: new Map() });
  };
  for (const log of options.logs) addLog(log);

  const frontiers = new Map<string, Frontier>();
  const locks = new Map<string, Promise<unknown>>();
  /** Runs `fn` after every other commit of `origin` in this process: one writer per log here, the store's swap across processes. */
  const serially = <T>(origin: string, fn: () => Promise<T>): Promise<T> => {
    const run = (locks.get(origin) ?? Promise.resolve()).then(fn, fn);
    locks.set(origin, run.catch(() => {}));
    return run;
  };

  async function loadFrontier(origin: string): Promise<Frontier> {
    const { nextEntry } = await store.readProgress(origin);
    const ids = rightEdgeTileIds(nextEntry);
    const data = await store.readTiles(origin, ids);
    const tiles = new Map<number, Uint8Array>();
    ids.forEach((id, i) => {
      const width = Math.floor(nextEntry / TILE_WIDTH ** id.level) % TILE_WIDTH;
      const d = data[i];
      if (d === undefined || d.length < width * HASH_SIZE) throw new LogError('INTERNAL', `the mirror of ${origin} is missing tile ${id.level}/${id.index} below its next entry`);
      tiles.set(id.level, d.subarray(0, width * HASH_SIZE));
    });
    const partial: RightEdge = { treeSize: nextEntry, rootHash: EMPTY_ROOT, tiles };
    const edge: RightEdge = nextEntry === 0 ? partial : { ...partial, rootHash: foldSubtree(edgeHashes(partial, hashNode), hashNode) };
    let bundle = new Uint8Array(0);
    if (nextEntry % TILE_WIDTH !== 0) {
      const stored = await store.readBundle(origin, Math.floor(nextEntry / TILE_WIDTH));
      if (stored === undefined || stored.count < nextEntry % TILE_WIDTH) throw new LogError('INTERNAL', `the mirror of ${origin} is missing entries below its next entry`);
      bundle = bundlePrefix(stored.data, nextEntry % TILE_WIDTH).slice();
    }
    return { nextEntry, edge, bundle };
  }

  async function frontier(origin: string): Promise<Frontier> {
    let f = frontiers.get(origin);
    if (f === undefined) {
      f = await loadFrontier(origin);
      frontiers.set(origin, f);
    }
    return f;
  }

  const tileCache = (caches: { tiles: Map<number, BundleCache> }, level: number): BundleCache => {
    let cache = caches.tiles.get(level);
    if (cache === undefined) caches.tiles.set(level, (cache = createBundleCache(cacheBytes / 8)));
    return cache;
  };

  /**
   * The progress of `origin` for serving reads: read at most every `progressMaxAgeMs` (another
   * process of the mirror may move it), and kept at once when this one moves it.
   */
  async function servedProgress(origin: string): Promise<MirrorProgress> {
    const entry = served.get(origin)!;
    if (entry.progress !== undefined && performance.now() - entry.progress.at < progressMaxAgeMs) return entry.progress.value;
    const value = await store.readProgress(origin);
    entry.progress = { value, at: performance.now() };
    return value;
  }
  const keepProgress = (origin: string, change: Partial<MirrorProgress>): void => {
    const entry = served.get(origin);
    if (entry?.progress !== undefined) entry.progress = { value: { ...entry.progress.value, ...change }, at: entry.progress.at };
  };

  /** Commits the entries of a verified package that the mirror does not hold yet. */
  function commitPackage(origin: string, pkg: EntryPackage, leaves: readonly Hash[]): Promise<void> {
    return serially(origin, async () => {
      for (let attempt = 0; attempt < 8; attempt++) {
        const f = await frontier(origin);
        if (pkg.end <= f.nextEntry) return; // held already: "the mirror MUST skip saving that entry"
        if (pkg.start > f.nextEntry) throw new LogError('INTERNAL', `a package at ${pkg.start} reached the commit past the next entry ${f.nextEntry}`);
        const skip = f.nextEntry - pkg.start;
        const integration = integrate(f.edge, leaves.slice(pkg.start - pkg.subtreeStart + skip), hashNode);
        const bundleIndex = Math.floor(f.nextEntry / TILE_WIDTH);
        const data = concatBytes([f.bundle, encodeEntryBundle(pkg.entries.slice(skip))]);
        const commit: MirrorCommit = { origin, expectedNext: f.nextEntry, nextEntry: pkg.end, bundle: { index: bundleIndex, data }, tiles: integration.tiles };
        if (await store.commitEntries(commit)) {
          frontiers.set(origin, { nextEntry: pkg.end, edge: integration.edge, bundle: pkg.end % TILE_WIDTH === 0 ? new Uint8Array(0) : data });
          keepProgress(origin, { nextEntry: pkg.end });
          // What a commit completes never changes again: served from memory once cosigned.
          const caches = served.get(origin)!;
          if (pkg.end % TILE_WIDTH === 0) caches.bundles.put(bundleIndex, data);
          for (const t of integration.tiles) if (t.data.length === TILE_WIDTH * HASH_SIZE) tileCache(caches, t.level).put(t.index, t.data);
          return;
        }
        frontiers.delete(origin); // another process moved it: read it again
      }
      throw new LogError('CONFLICT', `the mirror of ${origin} kept changing under this upload; retry`);
    });
  }

  async function info(status: 202 | 409, origin: string, pendingSize: number, packages: number): Promise<AddEntriesResult> {
    const { nextEntry } = await store.readProgress(origin);
    return { status, contentType: MIRROR_INFO_CONTENT_TYPE, body: formatMirrorInfo({ pendingSize, nextEntry, ticket: new Uint8Array(0) }), packages };
  }

  const refuse = (status: 400 | 404 | 422, message: string, packages = 0): AddEntriesResult => ({ status, contentType: TEXT, body: `${message}\n`, packages });

  async function addEntries(body: AsyncIterable<Uint8Array>): Promise<AddEntriesResult> {
    // Trust boundary: the body is the uploader's; nothing of it is stored before it verifies.
    const stream = new ByteStream(body);
    try {
      let header: AddEntriesHeader;
      try {
        header = await readAddEntriesHeader(stream);
      } catch (e) {
        if (isLogError(e, 'MALFORMED_REQUEST')) return refuse(400, e.message);
        throw e;
      }
      const { origin, uploadStart, uploadEnd } = header;
      if (!logs.has(origin)) return refuse(404, `unknown log origin ${JSON.stringify(origin.slice(0, 200))}`);
      const pending = await store.latest(origin);
      if (pending === undefined) return refuse(422, `no pending checkpoint of ${origin} yet: POST add-checkpoint first`);
      const progress = await store.readProgress(origin);
      const mirrorSize = progress.mirror?.treeSize ?? 0;
      const target = uploadEnd === mirrorSize && progress.mirror !== undefined ? progress.mirror : await store.pendingCheckpoint(origin, uploadEnd);
      if (target === undefined) return info(409, origin, pending.treeSize, 0);
      // Below the cosigned tree: answer the latest pending size, which tells the client it is behind.
      if (uploadEnd < mirrorSize) return info(409, origin, pending.treeSize, 0);
      if (uploadStart > progress.nextEntry) return info(409, origin, uploadEnd, 0);
      if (Math.min(uploadEnd, progress.nextEntry) - uploadStart > MAX_EXCESS_ENTRIES) return info(409, origin, uploadEnd, 0);

      const ranges = packageRanges(uploadStart, uploadEnd, MAX_PACKAGES_PER_REQUEST + 1);
      let verified = 0;
      for (const range of ranges) {
        if (verified === MAX_PACKAGES_PER_REQUEST) return info(202, origin, uploadEnd, verified);
        let pkg: EntryPackage | undefined;
        try {
          pkg = await readEntryPackage(stream, range);
        } catch (e) {
          if (isLogError(e, 'MALFORMED_REQUEST')) return verified === 0 ? refuse(400, e.message) : info(202, origin, uploadEnd, verified);
          throw e;
        }
        if (pkg === undefined) {
          if (verified === 0) return refuse(400, `the body ends inside the entry package at ${range.start}`);
          return info(202, origin, uploadEnd, verified);
        }
        // The subtree [subtreeStart, end): the entries held below the package, then its own.
        let below: Hash[] = [];
        if (pkg.start > pkg.subtreeStart) {
          const [tile] = await store.readTiles(origin, [{ level: 0, index: pkg.subtreeStart / TILE_WIDTH }]);
          const count = pkg.start - pkg.subtreeStart;
          if (tile === undefined || tile.length < count * HASH_SIZE) throw new LogError('INTERNAL', `the mirror of ${origin} is missing leaves below ${pkg.start}`);
          below = Array.from({ length: count }, (_, i) => tile.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
        }
        const leaves = [...below, ...pkg.entries.map(hashLeaf)];
        try {
          verifySubtreeConsistency(pkg.subtreeStart, pkg.end, uploadEnd, pkg.proof, rootOfLeaves(leaves, hashNode), target.rootHash, hashNode);
        } catch (e) {
          if (!isLogError(e, 'INVALID_PROOF')) throw e;
          return refuse(422, `the entry package [${pkg.start}, ${pkg.end}) does not verify against the checkpoint of size ${uploadEnd}: ${e.message}`, verified);
        }
        await commitPackage(origin, pkg, leaves);
        verified++;
      }

      // Every package is in: the pending checkpoint of size upload_end becomes the mirror checkpoint.
      const { nextEntry } = await store.readProgress(origin);
      if (nextEntry < uploadEnd) return info(202, origin, uploadEnd, verified);
      const note = parseNote(target.checkpoint);
      const logSignatures = note.signatures.filter((s) => s.name !== cosigner.name || s.keyId !== cosigner.keyId);
      const cosignature = cosigner.cosign(note.text, timestamp());
      const cosigned: WitnessedState = { treeSize: uploadEnd, rootHash: target.rootHash, checkpoint: formatNote({ text: note.text, signatures: [...logSignatures, cosignature] }) };
      if (!(await store.advanceMirror(origin, cosigned))) return info(409, origin, uploadEnd, verified);
      keepProgress(origin, { mirror: cosigned });
      return { status: 200, contentType: TEXT, body: formatCosignatureLines([cosignature]), packages: verified, mirrored: { origin, treeSize: uploadEnd } };
    } finally {
      await stream.close();
    }
  }

  function timestamp(): number {
    const t = Math.floor(now());
    if (!Number.isSafeInteger(t) || t < 0) throw new LogError('INTERNAL', `the clock gave ${t}, not POSIX seconds`);
    return t;
  }

  async function tile(originHash: string, path: string): Promise<Uint8Array | undefined> {
    const log = byHash.get(originHash);
    if (log === undefined) return undefined;
    const parsed = parseTilePath(path); // MALFORMED_TILE for anything but one canonical tile path
    const { mirror } = await servedProgress(log.origin);
    const size = mirror?.treeSize ?? 0;
    const level = parsed.kind === 'entries' ? 0 : parsed.level;
    // Only what the cosigned tree covers, at any width it had: the full tile once it is full.
    if (parsed.width > tileWidth(level, parsed.index, size)) return undefined;
    const caches = served.get(log.origin)!;
    const full = parsed.width === TILE_WIDTH;
    let cache: BundleCache | undefined;
    if (full) {
      // A full tile or bundle never changes: kept, and asked of the store once.
      cache = parsed.kind === 'entries' ? caches.bundles : tileCache(caches, level);
      const hit = cache.peek(parsed.index);
      if (hit !== undefined) return hit;
    }
    let data: Uint8Array | undefined;
    if (parsed.kind === 'entries') {
      const stored = await store.readBundle(log.origin, parsed.index);
      if (stored === undefined || stored.count < parsed.width) return undefined;
      data = stored.count === parsed.width ? stored.data : bundlePrefix(stored.data, parsed.width);
    } else {
      const [stored] = await store.readTiles(log.origin, [{ level: parsed.level, index: parsed.index }]);
      if (stored === undefined || stored.length < parsed.width * HASH_SIZE) return undefined;
      data = stored.length === parsed.width * HASH_SIZE ? stored : stored.subarray(0, parsed.width * HASH_SIZE);
    }
    cache?.put(parsed.index, data);
    return data;
  }

  return {
    name: cosigner.name,
    verifierKey: cosigner.verifierKey,
    get logs() {
      return [...logs.values()];
    },
    addLog,
    addCheckpoint: (body) => witness.addCheckpoint(body),
    addEntries,
    async progress(origin) {
      if (!logs.has(origin)) throw new LogError('NOT_FOUND', `this mirror does not mirror the log ${JSON.stringify(origin)}`, { field: 'origin' });
      const [progress, pending] = await Promise.all([store.readProgress(origin), store.latest(origin)]);
      return { ...progress, pending };
    },
    async checkpoint(originHash) {
      const log = byHash.get(originHash);
      if (log === undefined) return undefined;
      return (await servedProgress(log.origin)).mirror?.checkpoint;
    },
    tile,
  };
}
