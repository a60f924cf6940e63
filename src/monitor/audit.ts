/**
 * The audit of one checkpoint, as an untrusted peer of the log (design.md, "monitor"):
 *
 *  1. the checkpoint must carry a valid signature by the pinned log key
 *     (c2sp.org/tlog-checkpoint, c2sp.org/signed-note; cosignatures and unknown
 *     signatures are ignored) and may not be smaller than, or as large as but different
 *     from, the last verified one (a rollback or a fork). Before the first verified
 *     checkpoint a signature failure is a configuration error (`MonitorConfigError`), not
 *     a finding;
 *  2. every new entry is fetched, bundle by bundle (c2sp.org/tlog-tiles entry bundles),
 *     hashed (RFC 6962 §2.1) and integrated into the right edge kept from the last
 *     checkpoint with the sequencer's own pure `integrate`, which yields every tile at
 *     every level and the root; the root must be the checkpoint's, and every tile the log
 *     serves for the new range must equal the computed one byte for byte;
 *  3. the consistency proof (RFC 9162 §2.1.4) from the last verified checkpoint is
 *     computed from those hashes and verified; where the log serves one
 *     (GET /v1/proofs/consistency) it must verify and be the same;
 *  4. typed events (Sightline's) are checked by `createEventChecker`.
 *
 * Memory stays bounded however far behind the monitor is: one entry bundle at a time, the
 * right edge, and the O(log n) nodes the consistency proof needs.
 *
 * Trust boundary: everything `LogSource` returns is untrusted; only the pinned log key and
 * the state (what this monitor verified before) are trusted.
 */
import { bytesEqual, decodeBase64, encodeBase64 } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import {
  type Hash,
  type HashReader,
  type NodeHasher,
  type NodeId,
  type Tile,
  HASH_SIZE,
  TILE_WIDTH,
  consistencyProofNodes,
  decodeEntryBundle,
  formatEntryBundlePath,
  formatTilePath,
  hashesAtTileLevel,
  isHash,
  leafHash as coreLeafHash,
  proveConsistency,
  readServedEntryBundle,
  readServedTile,
  tileHashReader,
  tileWidth,
  verifyConsistency,
} from '../merkle/index.js';
import { openCheckpoint, parseNoteVerifier } from '../note/index.js';
import { type RightEdge, integrate, rightEdgeTileIds } from '../sequencer/index.js';
import { type CheckpointEvidence, type Evidence, type Finding, buildEvidence } from './evidence.js';
import { type Ed25519Verify, createEventChecker, defaultEd25519Verify } from './events.js';
import type { LogSource } from './source.js';
import { type MonitorState, edgeOf, edgeTilesOf } from './state.js';

export const DEFAULT_GAP_WINDOW_SECONDS = 24 * 60 * 60;
/** Entry bundles (and their level-0 tiles) fetched ahead of the one being audited. */
const PREFETCH = 8;
/** Typed-event findings kept per checkpoint (each becomes an evidence file). */
export const MAX_EVENT_FINDINGS = 100;

export interface AuditOptions {
  readonly source: LogSource;
  /** The log's URL, for the evidence; the audit itself only uses `source`. */
  readonly url?: string;
  /** Plain SHA-256, for the code lists' digests. */
  readonly sha256: (data: Uint8Array) => Uint8Array;
  /** Ed25519 verification of partner signatures; the note layer's (noble) by default. */
  readonly verifyEd25519?: Ed25519Verify;
  /** RFC 6962 hashing, replaceable by a faster implementation of the same functions. */
  readonly leafHash?: (entry: Uint8Array) => Hash;
  readonly nodeHash?: NodeHasher;
  /** The clock: when a checkpoint is verified (gap windows are measured from it). */
  readonly now?: () => Date;
  readonly gapWindowSeconds?: number;
  readonly onProgress?: (progress: { readonly audited: number; readonly total: number }) => void;
  /** Checked between entry bundles: a set flag stops the audit (state unchanged). */
  readonly signal?: { readonly aborted: boolean };
}

export interface VerifiedCheckpointSummary {
  readonly treeSize: number;
  readonly previousTreeSize: number;
  readonly rootHash: string;
  readonly eventsChecked: number;
  /** The signed note, verbatim, for the archive. */
  readonly note: string;
  /** The line the CLI prints. */
  readonly line: string;
}

export interface AuditResult {
  /** The state to keep: advanced only past a checkpoint whose tree verified. */
  readonly state: MonitorState;
  /** Set when a new checkpoint was verified (its tree is consistent and audited). */
  readonly verified?: VerifiedCheckpointSummary;
  /** The log misbehaved: one evidence object per finding (exit status 3). */
  readonly evidence: readonly Evidence[];
  /** Partner sequence gaps open beyond the window: warnings, not misbehaviour. */
  readonly warnings: readonly Evidence[];
  /** Things to tell the user once (e.g. typed-event checks skipped). */
  readonly notices: readonly string[];
}

/**
 * Raised on a first run (no checkpoint verified yet) when the log's checkpoint does not open
 * with the pinned key: a wrong key, a wrong URL or another origin. Nothing ties that
 * checkpoint to the log the user meant (anyone can serve a note that fails to verify, and
 * the pinned key has never vouched for anything at this URL), so it is the monitor's
 * configuration that is in question, not the log: no evidence, no alert (exit status 2).
 * Once a checkpoint has verified with the key, the same failure is a finding.
 */
export class MonitorConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MonitorConfigError';
  }
}

/** The first line of an unverified note, for a message: attacker-controlled, so short and quoted. */
function claimedOrigin(note: string): string {
  const first = note.split('\n', 1)[0] ?? '';
  return JSON.stringify(first.length > 80 ? `${first.slice(0, 80)}…` : first);
}

/** Raised when `signal` stops an audit between bundles. */
export class AuditInterrupted extends Error {
  constructor() {
    super('the audit was interrupted');
    this.name = 'AuditInterrupted';
  }
}

const nodeKey = (n: NodeId): string => `${n.level}/${n.index}`;
const FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE;

/** Parses a served consistency proof strictly: `{from, to, consistencyProof: [base64 hash]}` for exactly (from, to). */
export function parseServedConsistencyProof(text: string, from: number, to: number): Hash[] {
  const bad = (why: string) => new LogError('INVALID_PROOF', `the consistency proof the log served ${why}`, { field: 'consistencyProof' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('is not a JSON object');
  const body = parsed as Record<string, unknown>;
  if (body.from !== from || body.to !== to) throw bad(`is for sizes ${String(body.from)} to ${String(body.to)}, not ${from} to ${to}`);
  if (!Array.isArray(body.consistencyProof)) throw bad('has no list of hashes');
  return (body.consistencyProof as unknown[]).map((h, i) => {
    const hash = typeof h === 'string' ? decodeBase64(h) : undefined;
    if (hash === undefined || !isHash(hash)) throw bad(`has element ${i} that is not canonical base64 of 32 bytes`);
    return hash;
  });
}

function rootPrefix(root: Hash): string {
  return encodeBase64(root).slice(0, 16);
}

/** Fetches the latest checkpoint and audits it. */
export async function auditLog(state: MonitorState, options: AuditOptions): Promise<AuditResult> {
  const note = await options.source.checkpoint();
  return auditCheckpoint(state, note, options);
}

/** Audits `note` (a signed checkpoint as the log served it) against `state`. */
export async function auditCheckpoint(state: MonitorState, note: string, options: AuditOptions): Promise<AuditResult> {
  const { source } = options;
  const now = (options.now ?? (() => new Date()))();
  const hashLeaf = options.leafHash ?? coreLeafHash;
  const verifier = parseNoteVerifier(state.logKey);
  const m = state.treeSize;
  const oldRoot = decodeBase64(state.rootHash)!;
  const previous: CheckpointEvidence | null = state.checkpoint === null ? null : { treeSize: m, rootHash: state.rootHash, note: state.checkpoint };

  const evidenceOf = (
    finding: Finding,
    checkpoint: CheckpointEvidence,
    proof: { computed: readonly Hash[] | null; served: readonly Hash[] | null; fromLogTiles?: readonly Hash[] } = { computed: null, served: null },
  ): Evidence =>
    buildEvidence(finding, {
      detectedAt: now,
      url: options.url ?? null,
      origin: state.origin,
      logKey: state.logKey,
      previous,
      checkpoint,
      proof: { from: m, to: checkpoint.treeSize, ...proof },
    });
  const misbehaved = (evidence: Evidence): AuditResult => ({ state, evidence: [evidence], warnings: [], notices: [] });

  // 1. The signature, then the size (c2sp.org/tlog-checkpoint).
  let opened;
  try {
    opened = openCheckpoint(note, verifier, { origin: state.origin });
  } catch (e) {
    if (!isLogError(e)) throw e;
    if (state.checkpoint === null) {
      const where = options.url ?? 'the log';
      const key = `--log-key ${verifier.name}`;
      if (e.code === 'MALFORMED_NOTE' || e.code === 'MALFORMED_CHECKPOINT') {
        throw new MonitorConfigError(`what ${where} serves as /checkpoint is not a signed checkpoint (${e.message}): check the URL`);
      }
      if (e.field === 'origin') {
        throw new MonitorConfigError(`the checkpoint at ${where} is of origin ${claimedOrigin(note)}, not ${JSON.stringify(state.origin)}: check the log key (${key}) and the URL`);
      }
      if (e.code === 'INVALID_SIGNATURE') {
        throw new MonitorConfigError(`the checkpoint at ${where} carries a signature under the name and ID of ${key} that does not verify: check the log key and the URL (nothing was verified yet, so this is no evidence against the log)`);
      }
      throw new MonitorConfigError(`the checkpoint at ${where} (origin ${claimedOrigin(note)}) is not signed by ${key}: check the log key and the URL`);
    }
    const kind = e.code === 'INVALID_SIGNATURE' || e.code === 'UNVERIFIED_NOTE' ? 'checkpoint-signature' : 'checkpoint-malformed';
    return misbehaved(evidenceOf({ kind, message: `the checkpoint the log served: ${e.message}` }, { treeSize: null, rootHash: null, note }));
  }
  const n = opened.checkpoint.treeSize;
  const newRoot = opened.checkpoint.rootHash;
  const current: CheckpointEvidence = { treeSize: n, rootHash: encodeBase64(newRoot), note };

  /** What the log serves as the proof, for evidence only: never fatal. */
  const servedForEvidence = async (): Promise<Hash[] | null> => {
    if (source.consistencyProof === undefined || m === 0 || m > n) return null;
    try {
      const text = await source.consistencyProof(m, n);
      return text === undefined ? null : parseServedConsistencyProof(text, m, n);
    } catch {
      return null;
    }
  };

  if (n < m) {
    return misbehaved(evidenceOf({ kind: 'rollback', message: `the log's checkpoint has tree size ${n}, smaller than the verified ${m}` }, current));
  }
  if (n === m && !bytesEqual(newRoot, oldRoot)) {
    if (m === 0) {
      return misbehaved(evidenceOf({ kind: 'root-mismatch', message: 'the checkpoint of the empty tree does not have the empty root, SHA-256("")' }, current));
    }
    return misbehaved(evidenceOf({ kind: 'fork', message: `two checkpoints of tree size ${n} signed by the log key have different roots` }, current));
  }

  const checker = createEventChecker(
    { codes: state.codes, partners: state.partners, money: state.money },
    { origin: state.origin, source, sha256: options.sha256, verifyEd25519: options.verifyEd25519 ?? defaultEd25519Verify, now, treeSize: n },
  );
  const gapWindow = options.gapWindowSeconds ?? DEFAULT_GAP_WINDOW_SECONDS;

  if (n === m && state.checkpoint !== null) {
    // Nothing new; partner gaps may still have outlived the window.
    const { partners, gaps, money } = checker.finish(gapWindow);
    return { state: { ...state, partners, money }, evidence: [], warnings: gaps.map((g) => evidenceOf(g, current)), notices: [] };
  }

  // 2. Every new entry, bundle by bundle, through `integrate`.
  const needed = new Set(consistencyProofNodes(m, n).map(nodeKey));
  const proofNodes = new Map<string, Hash>();
  let edge: RightEdge = edgeOf(state);
  let firstTileMismatch: Finding | undefined;
  const eventFindings: Finding[] = [];
  let audited = 0;
  const total = n - m;

  // Fetches run ahead of the audit (entry bundles and full level-0 tiles, PREFETCH deep), so
  // that the log's answer time overlaps the hashing instead of adding to it.
  const ahead = new Map<string, Promise<Uint8Array | undefined>>();
  const fetchPath = (path: string): Promise<Uint8Array | undefined> => {
    const started = ahead.get(path);
    if (started === undefined) return source.tile(path);
    ahead.delete(path);
    return started;
  };
  const prefetch = (path: string): void => {
    if (ahead.has(path)) return;
    const fetching = source.tile(path);
    fetching.catch(() => {}); // awaited (and its failure reported) when its turn comes
    ahead.set(path, fetching);
  };
  const prefetchFrom = (b: number): void => {
    for (let k = b; k < b + PREFETCH && k * TILE_WIDTH < n; k++) {
      const width = tileWidth(0, k, n);
      prefetch(formatEntryBundlePath({ index: k, width }));
      if (width === TILE_WIDTH) prefetch(formatTilePath({ level: 0, index: k, width }));
    }
  };

  // c2sp.org/tlog-tiles: a partial tile or bundle the log no longer serves is read from the full one.
  const fetchTile = async (tile: Tile): Promise<{ path: string; data: Uint8Array }> => {
    const served = await readServedTile(fetchPath, tile);
    if (served !== undefined) return served;
    throw new LogError('NOT_FOUND', `the log does not serve ${formatTilePath(tile)}, which its checkpoint of size ${n} covers`);
  };

  const compareTile = async (tile: Tile, computed: Uint8Array, entryAt: (i: number) => Uint8Array | undefined): Promise<void> => {
    if (firstTileMismatch !== undefined) return; // the first difference is the evidence
    const served = await fetchTile(tile);
    if (bytesEqual(served.data, computed)) return;
    let at = 0;
    while ((at + 1) * HASH_SIZE <= Math.min(served.data.length, computed.length) && bytesEqual(served.data.subarray(at * HASH_SIZE, (at + 1) * HASH_SIZE), computed.subarray(at * HASH_SIZE, (at + 1) * HASH_SIZE))) at++;
    const finding: { -readonly [K in keyof Finding]: Finding[K] } = {
      kind: 'tile-mismatch',
      message: `tile ${served.path} as the log serves it differs from the one computed from its entries (first at hash ${at})`,
      tile: { path: served.path, computed, served: served.data },
    };
    if (tile.level === 0) {
      finding.leafIndex = tile.index * TILE_WIDTH + at;
      const entry = entryAt(at);
      if (entry !== undefined) finding.entry = entry;
    }
    firstTileMismatch = finding;
  };

  let lastBundle: { index: number; entries: Uint8Array[] } | undefined;
  for (let b = Math.floor(m / TILE_WIDTH); b * TILE_WIDTH < n; b++) {
    if (options.signal?.aborted) throw new AuditInterrupted();
    const width = tileWidth(0, b, n);
    prefetchFrom(b);
    const served = await readServedEntryBundle(fetchPath, { index: b, width });
    if (served === undefined) throw new LogError('NOT_FOUND', `the log does not serve ${formatEntryBundlePath({ index: b, width })}, which its checkpoint of size ${n} covers`);
    const { path, data, width: fetchedWidth } = served;
    let entries: Uint8Array[];
    try {
      entries = decodeEntryBundle(data, fetchedWidth).slice(0, width);
    } catch (e) {
      if (!isLogError(e)) throw e;
      return misbehaved(evidenceOf({ kind: 'entry-bundle', message: `entry bundle ${path}: ${e.message}`, entryBundle: { path, data } }, current, { computed: null, served: await servedForEvidence() }));
    }
    const start = Math.max(0, m - b * TILE_WIDTH);
    const leaves: Hash[] = [];
    for (let i = start; i < width; i++) {
      const entry = entries[i]!;
      leaves.push(hashLeaf(entry));
      const finding = await checker.check(b * TILE_WIDTH + i, entry);
      if (finding !== undefined && eventFindings.length < MAX_EVENT_FINDINGS) eventFindings.push(finding);
    }
    const integration = integrate(edge, leaves, options.nodeHash);
    for (const [key, hash] of integration.nodes) if (needed.has(key)) proofNodes.set(key, hash);
    edge = integration.edge;
    // A full tile never changes again: compare it as soon as it is complete.
    for (const t of integration.tiles) {
      if (t.data.length !== FULL_TILE_BYTES) continue;
      await compareTile({ level: t.level, index: t.index, width: TILE_WIDTH }, t.data, (i) => (t.level === 0 ? entries[i] : undefined));
    }
    lastBundle = { index: b, entries };
    audited += width - start;
    options.onProgress?.({ audited, total });
  }
  // The partial tiles of the new right edge (c2sp.org/tlog-tiles: width floor(n / 256^l) mod 256).
  for (const id of rightEdgeTileIds(n)) {
    const width = hashesAtTileLevel(id.level, n) % TILE_WIDTH;
    const computed = edge.tiles.get(id.level)!;
    await compareTile({ level: id.level, index: id.index, width }, computed, (i) => (id.level === 0 && lastBundle?.index === id.index ? lastBundle.entries[i] : undefined));
  }

  if (!bytesEqual(edge.rootHash, newRoot)) {
    const served = await servedForEvidence();
    if (m > 0) {
      // Is it a split view? The log's own tiles, authenticated against the new checkpoint,
      // yield its consistency proof; if that does not lead from the verified root, the two
      // checkpoints cannot both belong to one append-only log.
      try {
        const reader = tileHashReader(n, newRoot, { readTiles: (tiles) => Promise.all(tiles.map(async (t) => (await fetchTile(t)).data)) });
        const fromLogTiles = await proveConsistency(reader, m, n);
        try {
          verifyConsistency(m, n, fromLogTiles, oldRoot, newRoot);
        } catch (e) {
          if (!isLogError(e)) throw e;
          return misbehaved(
            evidenceOf(
              { kind: 'fork', message: `the checkpoint of size ${n} is not consistent with the verified checkpoint of size ${m}: the log's own tiles prove a different history` },
              current,
              { computed: null, served, fromLogTiles },
            ),
          );
        }
      } catch (e) {
        if (!isLogError(e)) throw e; // the log's tiles do not even match its checkpoint: not a fork it can show
      }
    }
    const at = firstTileMismatch;
    return misbehaved(
      evidenceOf(
        {
          kind: 'root-mismatch',
          message: `the entries the log serves hash to root ${encodeBase64(edge.rootHash)}, not the checkpoint's ${encodeBase64(newRoot)}${at?.leafIndex === undefined ? '' : `; the first leaf that differs from the log's tiles is ${at.leafIndex}`}`,
          ...(at === undefined ? {} : { tile: at.tile, ...(at.leafIndex === undefined ? {} : { leafIndex: at.leafIndex }), ...(at.entry === undefined ? {} : { entry: at.entry }) }),
        },
        current,
        { computed: null, served },
      ),
    );
  }
  if (firstTileMismatch !== undefined) {
    return misbehaved(evidenceOf(firstTileMismatch, current, { computed: null, served: await servedForEvidence() }));
  }

  // 3. The consistency proof, from the hashes computed above (each verified by the root).
  const reader: HashReader = {
    readHashes: async (nodes) =>
      nodes.map((node) => {
        const hash = proofNodes.get(nodeKey(node));
        if (hash === undefined) throw new Error(`monitor: bad math: consistency proof node ${nodeKey(node)} was not computed`);
        return hash;
      }),
  };
  const computed = await proveConsistency(reader, m, n);
  // Holds by construction (the new root was computed from the old edge); a failure is a bug.
  verifyConsistency(m, n, computed, oldRoot, newRoot);
  let served: Hash[] | null = null;
  if (source.consistencyProof !== undefined && m > 0 && m < n) {
    const text = await source.consistencyProof(m, n);
    if (text !== undefined) {
      try {
        served = parseServedConsistencyProof(text, m, n);
        verifyConsistency(m, n, served, oldRoot, newRoot);
        if (served.length !== computed.length || served.some((h, i) => !bytesEqual(h, computed[i]!))) {
          throw new LogError('INVALID_PROOF', 'the consistency proof the log served verifies but is not the one computed');
        }
      } catch (e) {
        if (!isLogError(e)) throw e;
        return misbehaved(evidenceOf({ kind: 'consistency-proof', message: `GET /v1/proofs/consistency?from=${m}&to=${n}: ${e.message}` }, current, { computed, served }));
      }
    }
  }

  // 4. The checkpoint is verified; typed-event findings and gaps are reported with it.
  const { partners, gaps, money, mismatches } = checker.finish(gapWindow);
  const proof = { computed, served };
  const notices = checker.enabled ? [] : ['the log offers no GET /v1/partners: typed-event checks are skipped, entries are audited for the tree only'];
  const eventsChecked = checker.eventsChecked;
  return {
    state: {
      ...state,
      treeSize: n,
      rootHash: encodeBase64(newRoot),
      edgeTiles: edgeTilesOf(edge),
      checkpoint: note,
      codes: checker.codes,
      partners,
      money,
    },
    verified: {
      treeSize: n,
      previousTreeSize: m,
      rootHash: encodeBase64(newRoot),
      eventsChecked,
      note,
      line: `checkpoint ${n} (+${n - m} ${n - m === 1 ? 'entry' : 'entries'}) root ${rootPrefix(newRoot)} consistent with ${m}: audited, ${eventsChecked} ${eventsChecked === 1 ? 'event' : 'events'}${checker.recordsChecked === 0 ? '' : ` and ${checker.recordsChecked} ${checker.recordsChecked === 1 ? 'record' : 'records'}`} checked`,
    },
    evidence: eventFindings.map((f) => evidenceOf(f, current, proof)),
    warnings: [...gaps, ...mismatches].map((g) => evidenceOf(g, current, proof)),
    notices,
  };
}
