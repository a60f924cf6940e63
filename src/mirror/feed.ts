/**
 * The mirror client of c2sp.org/tlog-mirror: brings a mirror up to one checkpoint of a log,
 * reading the log's tree the way any c2sp.org/tlog-tiles client does. Used by a log pushing
 * to its mirrors and by a mirror pulling a log it follows (the same requests either way, sent
 * over HTTP or handed to the mirror in the same process).
 *
 *  1. add-checkpoint, from the mirror's pending size (learnt from a 409 if unknown), with the
 *     consistency proof computed from the log's tiles;
 *  2. add-entries from the mirror's next entry, at most 32 packages a request, each with its
 *     subtree consistency proof, until the mirror answers 200 with its cosignature.
 *
 * Trust boundary: the log's tiles are authenticated against the checkpoint before a hash of
 * theirs goes into a proof (`tileHashReader`); entries are not checked here, the mirror
 * checks every package. What the mirror answers is parsed strictly. Pure: I/O through the
 * target and the source.
 */
import { decodeUtf8 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import {
  type Hash,
  type HashReader,
  type ServedTiles,
  type Tile,
  TILE_WIDTH,
  decodeEntryBundle,
  formatTilePath,
  proveConsistency,
  proveSubtree,
  readServedEntryBundle,
  readServedTile,
  tileHashReader,
  tileWidth,
} from '../merkle/index.js';
import type { NoteSignature } from '../note/index.js';
import { type WitnessEvidence, formatAddCheckpointRequest, parseCosignatureLines, parseTreeSizeBody } from '../witness/index.js';
import type { Mirror } from './mirror.js';
import { PACKAGES_PER_REQUEST, encodeAddEntriesHeader, encodeEntryPackage, packageRanges, parseMirrorInfo } from './protocol.js';

/** An answer from a mirror: status, content type and body bytes. */
export interface MirrorAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** Where the requests go: a mirror over HTTP, or one in this process. */
export interface MirrorTarget {
  addCheckpoint(body: string): Promise<MirrorAnswer>;
  /** The add-entries body, as parts to send in order (the header, then each package). */
  addEntries(parts: readonly Uint8Array[]): Promise<MirrorAnswer>;
}

export interface FeedCheckpoint {
  /** The signed checkpoint, with the log's signature (cosignatures are harmless). */
  readonly note: string;
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Hash;
}

export type FeedResult =
  /** The mirror holds the checkpoint's tree and cosigned it. */
  | { readonly outcome: 'mirrored'; readonly cosignatures: readonly NoteSignature[]; readonly entriesSent: number }
  /** The mirror's pending checkpoint is already past this one: nothing to do with it. */
  | { readonly outcome: 'superseded'; readonly pendingSize: number };

/** A hash reader over the log's tiles for one checkpoint, each tile fetched once. */
function cachedTiles(source: ServedTiles, treeSize: number): { readTiles(tiles: readonly Tile[]): Promise<Uint8Array[]> } {
  const cache = new Map<string, Promise<Uint8Array>>();
  return {
    readTiles: (tiles) =>
      Promise.all(
        tiles.map((t) => {
          const key = formatTilePath(t);
          let p = cache.get(key);
          if (p === undefined) {
            p = readServedTile(source, t).then((served) => {
              if (served === undefined) throw new LogError('NOT_FOUND', `the log does not serve ${key}, which its checkpoint of size ${treeSize} covers`);
              return served.data;
            });
            p.catch(() => cache.delete(key));
            // Only the tiles of the edge and their parents are asked again and again; the rest pass once.
            if (cache.size > 4096) cache.clear();
            cache.set(key, p);
          }
          return p;
        }),
      ),
  };
}

function text(answer: MirrorAnswer): string {
  return decodeUtf8(answer.body) ?? '';
}

function failed(step: string, answer: MirrorAnswer): LogError {
  const said = text(answer).trim().slice(0, 300);
  return new LogError('UNAVAILABLE', `the mirror refused ${step} with ${answer.status}${said === '' ? '' : `: ${said}`}`);
}

/**
 * Feeds `checkpoint` to the mirror. `pendingSize` is what the caller believes the mirror's
 * pending size is (0 when unknown: a 409 corrects it at the cost of one request).
 */
export async function feedMirror(options: {
  readonly target: MirrorTarget;
  readonly source: ServedTiles;
  readonly checkpoint: FeedCheckpoint;
  readonly pendingSize?: number;
  /** Checked between requests: a set flag stops the feed (the mirror keeps what it committed). */
  readonly signal?: { readonly aborted: boolean };
}): Promise<FeedResult> {
  const { target, source, checkpoint } = options;
  const { treeSize, rootHash } = checkpoint;
  const verified = tileHashReader(treeSize, rootHash, cachedTiles(source, treeSize));
  // Consecutive packages' proofs share most of their nodes: each is read (and its tiles
  // authenticated) once, then kept.
  const known = new Map<string, Hash>();
  const hashes: HashReader = {
    async readHashes(nodes) {
      const missing = nodes.filter((n) => !known.has(`${n.level}/${n.index}`));
      if (missing.length > 0) {
        if (known.size > 100_000) known.clear();
        const read = await verified.readHashes(missing);
        missing.forEach((n, i) => known.set(`${n.level}/${n.index}`, read[i]!));
      }
      return nodes.map((n) => known.get(`${n.level}/${n.index}`)!);
    },
  };

  // 1. The pending checkpoint.
  let oldSize = Math.min(options.pendingSize ?? 0, treeSize);
  for (let attempt = 0; ; attempt++) {
    const proof = oldSize === 0 || oldSize === treeSize ? [] : await proveConsistency(hashes, oldSize, treeSize);
    const answer = await target.addCheckpoint(formatAddCheckpointRequest({ oldSize, consistencyProof: proof, checkpoint: checkpoint.note }));
    if (answer.status === 200) break;
    // A 409 names the mirror's pending size; another feeder may move it again meanwhile.
    if (answer.status !== 409 || attempt === 4) throw failed(`the checkpoint of size ${treeSize}`, answer);
    const pendingSize = parseTreeSizeBody(text(answer));
    if (pendingSize > treeSize) return { outcome: 'superseded', pendingSize };
    if (pendingSize === oldSize) throw failed(`the checkpoint of size ${treeSize}`, answer); // same size, another root: a fork
    oldSize = pendingSize;
  }

  // 2. The entries, from wherever the mirror is.
  let start = treeSize; // an empty upload first: the 409 says where the mirror is
  let entriesSent = 0;
  const bundles = new Map<number, Promise<Uint8Array[]>>();
  const bundle = (index: number): Promise<Uint8Array[]> => {
    let b = bundles.get(index);
    if (b === undefined) {
      const width = tileWidth(0, index, treeSize);
      b = readServedEntryBundle(source, { index, width }).then((served) => {
        if (served === undefined) throw new LogError('NOT_FOUND', `the log does not serve entry bundle ${index} of its checkpoint of size ${treeSize}`);
        return decodeEntryBundle(served.data, served.width).slice(0, width);
      });
      b.catch(() => bundles.delete(index));
      bundles.set(index, b);
    }
    return b;
  };
  for (let requests = 0; requests < 16 + Math.ceil(treeSize / (PACKAGES_PER_REQUEST * TILE_WIDTH)) * 2; requests++) {
    if (options.signal?.aborted) throw new LogError('UNAVAILABLE', 'the feed was stopped');
    const ranges = packageRanges(start, treeSize, PACKAGES_PER_REQUEST);
    // The next request's bundles are fetched while this one is sent.
    for (const r of packageRanges(ranges.at(-1)?.end ?? treeSize, treeSize, PACKAGES_PER_REQUEST)) void bundle(r.subtreeStart / TILE_WIDTH).catch(() => {});
    const parts: Uint8Array[] = [encodeAddEntriesHeader({ origin: checkpoint.origin, uploadStart: start, uploadEnd: treeSize, ticket: new Uint8Array(0) })];
    for (const r of ranges) {
      const index = r.subtreeStart / TILE_WIDTH;
      const entries = (await bundle(index)).slice(r.start - r.subtreeStart, r.end - r.subtreeStart);
      parts.push(encodeEntryPackage(entries, await proveSubtree(hashes, r.subtreeStart, r.end, treeSize)));
      bundles.delete(index);
      entriesSent += entries.length;
    }
    const answer = await target.addEntries(parts);
    if (answer.status === 200) return { outcome: 'mirrored', cosignatures: parseCosignatureLines(text(answer)), entriesSent };
    if (answer.status !== 202 && answer.status !== 409) throw failed(`the entries [${start}, ${treeSize})`, answer);
    const info = parseMirrorInfo(text(answer));
    if (info.pendingSize > treeSize) return { outcome: 'superseded', pendingSize: info.pendingSize };
    if (info.pendingSize !== treeSize) throw failed(`the entries [${start}, ${treeSize}) (its pending size is ${info.pendingSize})`, answer);
    start = Math.min(info.nextEntry, treeSize);
  }
  throw new LogError('UNAVAILABLE', `the mirror did not take the entries up to ${treeSize} in the requests expected`);
}

/**
 * A mirror in this process as a feed target: the same requests, without HTTP. `onEvidence`
 * is given what the mirror's refusal of a checkpoint rests on, as its HTTP route would keep it.
 */
export function localMirrorTarget(
  mirror: Pick<Mirror, 'addCheckpoint' | 'addEntries'>,
  onEvidence?: (evidence: WitnessEvidence) => Promise<void> | void,
): MirrorTarget {
  const answer = (r: { status: number; contentType: string; body: string }): MirrorAnswer => ({ status: r.status, contentType: r.contentType, body: new TextEncoder().encode(r.body) });
  return {
    async addCheckpoint(body) {
      const result = await mirror.addCheckpoint(body);
      if (result.evidence !== undefined) await onEvidence?.(result.evidence);
      return answer(result);
    },
    addEntries: async (parts) =>
      answer(
        await mirror.addEntries(
          (async function* () {
            yield* parts;
          })(),
        ),
      ),
  };
}
