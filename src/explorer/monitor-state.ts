/**
 * The Monitor page's memory: the last checkpoint this browser verified for a log (kept in
 * localStorage, `sightline-monitor:<origin>`), and the comparison of each newly fetched
 * checkpoint with it. Same size → the same root; larger → a consistency proof from the kept
 * tree to the new one; smaller → a consistency proof from the new (older) tree to the kept
 * one. The kept checkpoint advances only when the new one is consistent with it; an
 * inconsistent pair is kept as evidence (both signed notes, and the proof the log gave).
 * Pure: no DOM, no storage; the page module reads and writes the text.
 */
import { encodeBase64, decodeBase64 } from '../encoding/index.js';
import { isLogError } from '../errors.js';
import { type Hash, verifyConsistency } from '../merkle/index.js';
import type { Checkpoint } from '../note/index.js';

export const MONITOR_STATE_VERSION = 1;
/** How many checkpoints the history keeps (the newest). */
export const MAX_HISTORY = 50;
/** How many pieces of evidence are kept (the newest). */
export const MAX_EVIDENCE = 5;

export type MonitorStatus = 'first' | 'consistent' | 'inconsistent';

export interface HistoryItem {
  readonly treeSize: number;
  /** Base64 of the root hash. */
  readonly rootHash: string;
  /** ISO time this browser saw it. */
  readonly seenAt: string;
  readonly status: MonitorStatus;
}

/** Proof, for anyone, that the log showed two views that cannot both be true. */
export interface MonitorEvidence {
  readonly type: 'sightline-monitor-evidence';
  readonly version: 1;
  readonly origin: string;
  /** The verifier key both notes were verified with. */
  readonly logKey: string;
  /** The checkpoint this browser kept, as signed. */
  readonly kept: string;
  /** The checkpoint that contradicts it, as signed. */
  readonly seen: string;
  /** The consistency proof the log served (base64 hashes), or null when none applies. */
  readonly consistencyProof: readonly string[] | null;
  readonly reason: string;
  readonly detectedAt: string;
}

export interface MonitorState {
  readonly version: typeof MONITOR_STATE_VERSION;
  readonly origin: string;
  /** The verifier key `kept` was verified with. */
  readonly logKey: string;
  /** The last consistent checkpoint, as signed. */
  readonly kept: string;
  readonly history: readonly HistoryItem[];
  readonly evidence: readonly MonitorEvidence[];
}

/**
 * The localStorage key of a log's monitor state: per log name and, for a log served under a
 * prefix of its site (`/logs/dwp-2026/`), per prefix, so that two logs of one site never
 * share a state. A log at the site's root keeps the key it always had.
 */
export function monitorStorageKey(origin: string, basePath = '/'): string {
  return basePath === '/' ? `sightline-monitor:${origin}` : `sightline-monitor@${basePath}:${origin}`;
}

const isText = (v: unknown): v is string => typeof v === 'string';
const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const STATUSES: readonly string[] = ['first', 'consistent', 'inconsistent'];

function parseHistoryItem(v: unknown): HistoryItem | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (!isSize(o.treeSize) || !isText(o.rootHash) || !isText(o.seenAt) || !isText(o.status) || !STATUSES.includes(o.status)) return undefined;
  const root = decodeBase64(o.rootHash);
  if (root === undefined || root.length !== 32) return undefined;
  return { treeSize: o.treeSize, rootHash: o.rootHash, seenAt: o.seenAt, status: o.status as MonitorStatus };
}

function parseEvidence(v: unknown): MonitorEvidence | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (o.type !== 'sightline-monitor-evidence' || o.version !== 1) return undefined;
  if (![o.origin, o.logKey, o.kept, o.seen, o.reason, o.detectedAt].every(isText)) return undefined;
  const proof = o.consistencyProof;
  if (proof !== null && !(Array.isArray(proof) && proof.every(isText))) return undefined;
  return {
    type: 'sightline-monitor-evidence',
    version: 1,
    origin: o.origin as string,
    logKey: o.logKey as string,
    kept: o.kept as string,
    seen: o.seen as string,
    consistencyProof: proof === null ? null : [...(proof as string[])],
    reason: o.reason as string,
    detectedAt: o.detectedAt as string,
  };
}

/**
 * The stored state, strictly: undefined when there is none; `corrupt` when there is text
 * that is not a state of this version (it is then replaced, and the page says so).
 */
export function parseMonitorState(text: string | null | undefined): { state?: MonitorState; corrupt: boolean } {
  if (text === null || text === undefined) return { corrupt: false };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { corrupt: true };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { corrupt: true };
  const o = v as Record<string, unknown>;
  if (o.version !== MONITOR_STATE_VERSION || !isText(o.origin) || !isText(o.logKey) || !isText(o.kept)) return { corrupt: true };
  if (!Array.isArray(o.history) || !Array.isArray(o.evidence)) return { corrupt: true };
  const history = o.history.map(parseHistoryItem);
  const evidence = o.evidence.map(parseEvidence);
  if (history.includes(undefined) || evidence.includes(undefined)) return { corrupt: true };
  return {
    state: {
      version: MONITOR_STATE_VERSION,
      origin: o.origin,
      logKey: o.logKey,
      kept: o.kept,
      history: history as HistoryItem[],
      evidence: evidence as MonitorEvidence[],
    },
    corrupt: false,
  };
}

export function monitorStateText(state: MonitorState): string {
  return JSON.stringify(state);
}

/** What comparing a new checkpoint with the kept one needs. */
export type Comparison =
  | { readonly kind: 'first' }
  | { readonly kind: 'same' }
  | { readonly kind: 'fork'; readonly reason: string }
  /** A consistency proof from the smaller tree (`from`) to the larger (`to`) is needed. */
  | { readonly kind: 'proof'; readonly from: number; readonly to: number; readonly grown: boolean };

function equalRoots(a: Hash, b: Hash): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function compareCheckpoints(kept: Checkpoint | undefined, seen: Checkpoint): Comparison {
  if (kept === undefined) return { kind: 'first' };
  if (kept.origin !== seen.origin) return { kind: 'fork', reason: `the log's statement names another log (${seen.origin}) than the one kept (${kept.origin})` };
  if (kept.treeSize === seen.treeSize) {
    return equalRoots(kept.rootHash, seen.rootHash)
      ? { kind: 'same' }
      : { kind: 'fork', reason: `the log signed two different contents for the same size, ${seen.treeSize} entries` };
  }
  return seen.treeSize > kept.treeSize
    ? { kind: 'proof', from: kept.treeSize, to: seen.treeSize, grown: true }
    : { kind: 'proof', from: seen.treeSize, to: kept.treeSize, grown: false };
}

/**
 * Checks the log's consistency proof for a `proof` comparison: undefined when it proves the
 * smaller tree is the start of the larger one, else the reason it does not. Never throws.
 */
export function judgeConsistency(kept: Checkpoint, seen: Checkpoint, proof: readonly Hash[]): string | undefined {
  const [older, newer] = seen.treeSize >= kept.treeSize ? [kept, seen] : [seen, kept];
  try {
    verifyConsistency(older.treeSize, newer.treeSize, proof, older.rootHash, newer.rootHash);
    return undefined;
  } catch (e) {
    const why = isLogError(e) ? e.message : String(e);
    return `the log's proof does not show that its ${older.treeSize} entries are the start of its ${newer.treeSize} entries (${why})`;
  }
}

export interface Observation {
  readonly origin: string;
  readonly logKey: string;
  /** The new checkpoint, as signed, and parsed. */
  readonly seenNote: string;
  readonly seen: Checkpoint;
  readonly status: MonitorStatus;
  readonly now: Date;
  /** For an inconsistent view: the evidence to keep. */
  readonly evidence?: MonitorEvidence;
}

/**
 * The state after an observation: the history gains the new checkpoint (unless it is the
 * last one seen, unchanged); the kept checkpoint advances only on `first` or on a
 * `consistent` larger tree; evidence is added for an inconsistent view.
 */
export function advanceState(previous: MonitorState | undefined, keptTreeSize: number | undefined, o: Observation): MonitorState {
  const item: HistoryItem = { treeSize: o.seen.treeSize, rootHash: encodeBase64(o.seen.rootHash), seenAt: o.now.toISOString(), status: o.status };
  const history = [...(previous?.history ?? [])];
  const last = history[history.length - 1];
  if (last === undefined || last.treeSize !== item.treeSize || last.rootHash !== item.rootHash || last.status !== item.status) history.push(item);
  const advance = previous === undefined || o.status === 'first' || (o.status === 'consistent' && (keptTreeSize === undefined || o.seen.treeSize >= keptTreeSize));
  const evidence = [...(previous?.evidence ?? []), ...(o.evidence === undefined ? [] : [o.evidence])];
  return {
    version: MONITOR_STATE_VERSION,
    origin: o.origin,
    logKey: advance ? o.logKey : previous.logKey,
    kept: advance ? o.seenNote : previous.kept,
    history: history.slice(-MAX_HISTORY),
    evidence: evidence.slice(-MAX_EVIDENCE),
  };
}

/** The evidence of an inconsistent view, ready to keep and to download. */
export function monitorEvidence(input: {
  origin: string;
  logKey: string;
  kept: string;
  seen: string;
  proof: readonly Hash[] | null;
  reason: string;
  now: Date;
}): MonitorEvidence {
  return {
    type: 'sightline-monitor-evidence',
    version: 1,
    origin: input.origin,
    logKey: input.logKey,
    kept: input.kept,
    seen: input.seen,
    consistencyProof: input.proof === null ? null : input.proof.map(encodeBase64),
    reason: input.reason,
    detectedAt: input.now.toISOString(),
  };
}

export function monitorEvidenceFileName(evidence: MonitorEvidence): string {
  return `sightline-monitor-evidence-${evidence.detectedAt.replace(/[:.]/g, '-')}.json`;
}
