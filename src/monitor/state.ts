/**
 * What a monitor remembers between runs, as a plain JSON-serialisable object: the last
 * checkpoint it verified, the right edge of that tree (enough to extend it with new leaves
 * and to prove the next checkpoint consistent with it), the code lists in force, and each
 * partner's sequence bookkeeping, and the recount of public-money records. The CLI edge writes it atomically; this module only
 * converts it, and parses it strictly when it is read back (a state file is local, but a
 * damaged one must stop the monitor rather than make it trust a wrong tree).
 */
import { bytesEqual, decodeBase64, encodeBase64 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { type CodeLists, parseCodeLists } from '../events/index.js';
import { EMPTY_MONEY_AUDIT, type MoneyAuditState, parseMoneyAudit } from '../money/index.js';
import { EMPTY_ROOT, type Hash, HASH_SIZE, TILE_WIDTH, hashesAtTileLevel, isIndex } from '../merkle/index.js';
import { openCheckpoint, parseNoteVerifier } from '../note/index.js';
import { type RightEdge, integrate, rightEdgeTileIds } from '../sequencer/index.js';

export const STATE_VERSION = 1;

/** An open gap in a partner's sequence numbers: `from` to `to` inclusive are missing. */
export interface SequenceGap {
  readonly from: number;
  readonly to: number;
  /** When the monitor first saw the gap (ISO 8601, the time it verified that checkpoint). */
  readonly firstSeen: string;
  /** The treeSize of the checkpoint in which the gap first showed. */
  readonly firstSeenTreeSize: number;
  /** Whether the gap was already reported as open beyond the window. */
  readonly reported: boolean;
}

export interface PartnerSequence {
  /** The highest partnerSeq seen from this partner. */
  readonly highest: number;
  readonly gaps: readonly SequenceGap[];
}

export interface CodeListsInForce {
  readonly sha256: string;
  readonly leafIndex: number;
  readonly lists: CodeLists;
}

export interface MonitorState {
  readonly version: typeof STATE_VERSION;
  readonly origin: string;
  /** The pinned verifier key text (c2sp.org/signed-note), so a state is never reused with another key. */
  readonly logKey: string;
  readonly treeSize: number;
  /** Base64 of the root hash of the verified tree. */
  readonly rootHash: string;
  /** The partial tiles of the right edge (c2sp.org/tlog-tiles), base64, by tile level. */
  readonly edgeTiles: readonly { readonly level: number; readonly data: string }[];
  /** The last verified checkpoint, the signed note verbatim; null before the first. */
  readonly checkpoint: string | null;
  readonly codes: CodeListsInForce | null;
  readonly partners: Readonly<Record<string, PartnerSequence>>;
  /** The recount of the log's public-money records (src/money/audit.ts). */
  readonly money: MoneyAuditState;
}

export function initialState(origin: string, logKey: string): MonitorState {
  return {
    version: STATE_VERSION,
    origin,
    logKey,
    treeSize: 0,
    rootHash: encodeBase64(EMPTY_ROOT),
    edgeTiles: [],
    checkpoint: null,
    codes: null,
    partners: {},
    money: EMPTY_MONEY_AUDIT,
  };
}

export function edgeOf(state: MonitorState): RightEdge {
  const tiles = new Map<number, Uint8Array>();
  for (const t of state.edgeTiles) tiles.set(t.level, decodeBase64(t.data)!);
  return { treeSize: state.treeSize, rootHash: decodeBase64(state.rootHash)!, tiles };
}

export function edgeTilesOf(edge: RightEdge): { level: number; data: string }[] {
  return [...edge.tiles.entries()].sort((a, b) => a[0] - b[0]).map(([level, data]) => ({ level, data: encodeBase64(data) }));
}

function bad(message: string): LogError {
  return new LogError('UNAVAILABLE', `the monitor state is unreadable: ${message}`, { field: 'state' });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hashField(value: unknown, what: string): Hash {
  const h = typeof value === 'string' ? decodeBase64(value) : undefined;
  if (h === undefined || h.length !== HASH_SIZE) throw bad(`${what} is not base64 of 32 bytes`);
  return h;
}

function parseGap(value: unknown, partner: string): SequenceGap {
  if (!isPlainObject(value)) throw bad(`a gap of partner ${partner} is not an object`);
  const { from, to, firstSeen, firstSeenTreeSize, reported } = value;
  if (!isIndex(from) || !isIndex(to) || from < 1 || to < from) throw bad(`a gap of partner ${partner} has a bad range`);
  if (typeof firstSeen !== 'string' || Number.isNaN(Date.parse(firstSeen))) throw bad(`a gap of partner ${partner} has a bad firstSeen`);
  if (!isIndex(firstSeenTreeSize)) throw bad(`a gap of partner ${partner} has a bad firstSeenTreeSize`);
  if (typeof reported !== 'boolean') throw bad(`a gap of partner ${partner} has a bad reported flag`);
  return { from, to, firstSeen, firstSeenTreeSize, reported };
}

/**
 * Parses a state read back from disk, strictly, and checks that its right edge hashes to
 * its root: the edge is what every later checkpoint is proven against.
 */
export function parseState(value: unknown): MonitorState {
  if (!isPlainObject(value)) throw bad('not a JSON object');
  if (value.version !== STATE_VERSION) throw bad(`version ${String(value.version)} is not ${STATE_VERSION}`);
  const { origin, logKey, treeSize, rootHash, edgeTiles, checkpoint, codes, partners, money } = value;
  if (typeof origin !== 'string' || origin.length === 0) throw bad('origin is missing');
  if (typeof logKey !== 'string' || logKey.length === 0) throw bad('logKey is missing');
  if (!isIndex(treeSize)) throw bad('treeSize is not an index');
  const root = hashField(rootHash, 'rootHash');
  if (!Array.isArray(edgeTiles)) throw bad('edgeTiles is not a list');
  const tiles = new Map<number, Uint8Array>();
  const wanted = new Map(rightEdgeTileIds(treeSize).map((id) => [id.level, hashesAtTileLevel(id.level, treeSize) % TILE_WIDTH]));
  for (const t of edgeTiles as unknown[]) {
    if (!isPlainObject(t) || !isIndex(t.level) || typeof t.data !== 'string') throw bad('an edge tile is malformed');
    const data = decodeBase64(t.data);
    const width = wanted.get(t.level);
    if (data === undefined || width === undefined || data.length !== width * HASH_SIZE || tiles.has(t.level)) {
      throw bad(`the edge tile of level ${t.level} does not fit a tree of size ${treeSize}`);
    }
    tiles.set(t.level, data);
  }
  if (tiles.size !== wanted.size) throw bad('an edge tile is missing');
  // Integrating no leaves recomputes the root from the edge tiles alone.
  const recomputed = integrate({ treeSize, rootHash: root, tiles }, []).edge.rootHash;
  if (!bytesEqual(recomputed, root)) throw bad('the right-edge tiles do not hash to the stored root');
  if (checkpoint !== null && typeof checkpoint !== 'string') throw bad('checkpoint is not a note');
  if (checkpoint !== null) {
    // The archived note must be the log key's signature on exactly this tree.
    let opened;
    try {
      opened = openCheckpoint(checkpoint, parseNoteVerifier(logKey), { origin });
    } catch (e) {
      throw bad(`the last checkpoint does not verify with the log key: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (opened.checkpoint.treeSize !== treeSize || !bytesEqual(opened.checkpoint.rootHash, root)) throw bad('the last checkpoint is not of the stored tree');
  }
  let inForce: CodeListsInForce | null = null;
  if (codes !== null) {
    if (!isPlainObject(codes) || typeof codes.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(codes.sha256) || !isIndex(codes.leafIndex)) {
      throw bad('codes is malformed');
    }
    let lists: CodeLists;
    try {
      lists = parseCodeLists(JSON.stringify(codes.lists));
    } catch {
      throw bad('the code lists in force are malformed');
    }
    inForce = { sha256: codes.sha256, leafIndex: codes.leafIndex, lists };
  }
  if (!isPlainObject(partners)) throw bad('partners is not an object');
  const sequences: Record<string, PartnerSequence> = {};
  for (const [id, p] of Object.entries(partners)) {
    if (!isPlainObject(p) || !isIndex(p.highest) || !Array.isArray(p.gaps)) throw bad(`partner ${id} is malformed`);
    sequences[id] = { highest: p.highest, gaps: (p.gaps as unknown[]).map((g) => parseGap(g, id)) };
  }
  return {
    version: STATE_VERSION,
    origin,
    logKey,
    treeSize,
    rootHash: encodeBase64(root),
    edgeTiles: edgeTilesOf({ treeSize, rootHash: root, tiles }),
    checkpoint: checkpoint as string | null,
    codes: inForce,
    partners: sequences,
    money: moneyOf(money),
  };
}

/** The recount, strictly; a state written before records were recounted has none, and so an empty one. */
function moneyOf(money: unknown): MoneyAuditState {
  if (money === undefined) return EMPTY_MONEY_AUDIT;
  try {
    return parseMoneyAudit(money);
  } catch (e) {
    throw bad(e instanceof Error ? e.message : String(e));
  }
}
