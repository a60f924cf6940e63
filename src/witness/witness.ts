/**
 * The decisions of a c2sp.org/tlog-witness witness: given an add-checkpoint request body,
 * cosign the checkpoint or refuse it with the status the spec names, over a `WitnessStore`
 * that keeps, per log origin, the latest checkpoint this witness cosigned.
 *
 * The checks run in the spec's order ("add-checkpoint"):
 *
 *   400  the body is malformed
 *   404  the checkpoint's origin is not a configured log
 *   403  no signature verifies against a key trusted for that origin
 *   400  the old size is above the checkpoint's size
 *   409  the old size is not the size of the latest cosigned checkpoint (body: that size)
 *   422  the consistency proof does not verify (it MUST be empty when the old size is 0)
 *   409  the old size is the checkpoint's size but the root hashes differ
 *   200  cosigned: the state was advanced by one atomic compare-and-swap
 *
 * Evidence comes with a refusal only when the log's own signatures make it binding (see
 * `WitnessEvidence`); a refused submission otherwise costs this witness nothing to keep.
 *
 * Pure: time comes from `now`, storage through the port; no I/O of its own.
 */
import { bytesEqual, encodeBase64 } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import { EMPTY_ROOT, type Hash, committedOldRoot, verifyConsistency } from '../merkle/index.js';
import {
  type Checkpoint,
  type Cosigner,
  type NoteSignature,
  type NoteVerifier,
  type VerifiedNote,
  formatNote,
  isValidKeyName,
  openNote,
  parseCheckpoint,
  parseNote,
} from '../note/index.js';
import {
  type AddCheckpointRequest,
  ADD_CHECKPOINT_NOTE_LIMITS,
  TREE_SIZE_CONTENT_TYPE,
  formatCosignatureLines,
  formatTreeSizeBody,
  parseAddCheckpointRequest,
} from './protocol.js';

/** The latest checkpoint a witness cosigned for one origin. */
export interface WitnessedState {
  readonly treeSize: number;
  readonly rootHash: Hash;
  /** The signed note: the log's verified signature(s), then this witness's cosignature. */
  readonly checkpoint: string;
}

/**
 * The witness's storage. `compareAndSwap` MUST be atomic: checking the stored size and
 * storing the new checkpoint in separate steps lets a slow request roll the state back
 * (c2sp.org/tlog-witness, the race at the end of "add-checkpoint").
 */
export interface WitnessStore {
  /** The latest cosigned state for `origin`, or undefined if this witness never cosigned for it. */
  latest(origin: string): Promise<WitnessedState | undefined>;
  /**
   * Stores `next` for `origin` if the stored state is still `expected` (undefined: no
   * state yet). Returns false, storing nothing, if another writer changed it first.
   */
  compareAndSwap(origin: string, expected: { readonly treeSize: number; readonly rootHash: Hash } | undefined, next: WitnessedState): Promise<boolean>;
}

/** A log this witness cosigns for, identified by its origin line. */
export interface WitnessedLog {
  readonly origin: string;
  /** The keys trusted for this origin's checkpoints; signatures by other keys are ignored. */
  readonly verifiers: readonly NoteVerifier[];
  /** The verifier key texts, when known, for the monitoring API to show. */
  readonly verifierKeys?: readonly string[];
}

export type AddCheckpointStatus = 200 | 400 | 403 | 404 | 409 | 422;

/**
 * What a third party needs to hold a log to account, checkable with the log's key alone:
 * two checkpoints the log signed that cannot both be honest. Only such a pair is kept.
 * Anyone may submit a checkpoint the log published with a garbage proof; that refusal
 * (422) says nothing about the log, so it is no evidence (c2sp.org/tlog-witness: the
 * proof is the submitter's, not the log's). JSON-ready.
 *
 *  - `conflicting-root`: two roots signed for one tree size (RFC 9162 §2.1: a tree size
 *    has one root). `checkpoint` and `witnessedCheckpoint` are of the same size.
 *  - `inconsistent`: a consistency proof that leads from `oldSize` to the signed root of
 *    `checkpoint`, and so commits to the root of its first `oldSize` leaves
 *    (`committedOldRoot`), which is not the root of `witnessedCheckpoint`, of that size.
 */
export interface WitnessEvidence {
  readonly type: 'tlog-witness-evidence';
  readonly failure: 'inconsistent' | 'conflicting-root';
  readonly detail: string;
  readonly origin: string;
  /** The witness (cosigner name) that refused it. */
  readonly witness: string;
  /** POSIX seconds. */
  readonly observedAt: number;
  /** The size of `witnessedCheckpoint`. */
  readonly oldSize: number;
  /** For `inconsistent`, the proof (base64) from `oldSize` to the checkpoint; else empty. */
  readonly consistencyProof: readonly string[];
  /** The checkpoint refused, with only the signatures that verified with the log's keys. */
  readonly checkpoint: string;
  /**
   * The checkpoint this witness cosigned (the log's verified signatures and its own), or
   * undefined when it had none: then `checkpoint` is of size 0 with a root other than the
   * empty tree's, a contradiction on its own (RFC 9162 §2.1.1).
   */
  readonly witnessedCheckpoint: string | undefined;
}

export interface AddCheckpointResult {
  readonly status: AddCheckpointStatus;
  readonly contentType: string;
  readonly body: string;
  /** Set only when the refusal rests on two checkpoints signed by the log that cannot both be honest. */
  readonly evidence?: WitnessEvidence;
}

export interface WitnessOptions {
  readonly cosigner: Cosigner;
  readonly logs: readonly WitnessedLog[];
  readonly store: WitnessStore;
  /** The current time in POSIX seconds, for the cosignature's timestamp. */
  readonly now: () => number;
  /** Compare-and-swap attempts per request before giving up (`CONFLICT`); default 16. */
  readonly maxAttempts?: number;
  /**
   * False for a mirror's pending checkpoint (c2sp.org/tlog-mirror, "add-checkpoint"): the
   * checkpoint is checked and stored exactly as a witness would, with the log's signatures
   * only, and the answer is an empty 200; the cosigner MUST NOT sign at this stage. Its
   * name still marks any evidence. Default true.
   */
  readonly cosign?: boolean;
}

export interface Witness {
  readonly name: string;
  /** The cosignature/v1 (type 0x04) verifier key of this witness. */
  readonly verifierKey: string;
  /** The logs witnessed now: those it was created with, and any added since. */
  readonly logs: readonly WitnessedLog[];
  /**
   * Witnesses one more log from now on (a log that appeared in a followed log list). An
   * origin already witnessed is refused (`CONFLICT`): its trusted keys never change while
   * the witness runs, so a list cannot swap a log's key.
   */
  addLog(log: WitnessedLog): void;
  /** Handles one add-checkpoint request body (untrusted). Throws only for storage failures. */
  addCheckpoint(body: string): Promise<AddCheckpointResult>;
  /** The latest cosigned checkpoint of a configured origin, or undefined. */
  latestCheckpoint(origin: string): Promise<WitnessedState | undefined>;
}

const TEXT = 'text/plain; charset=utf-8';

function refuse(status: Exclude<AddCheckpointStatus, 200 | 409>, message: string): AddCheckpointResult {
  return { status, contentType: TEXT, body: `${message}\n` };
}

/** The 409 for a wrong old size: "the tree size of the latest cosigned checkpoint in decimal". */
function conflict(storedSize: number, evidence?: WitnessEvidence): AddCheckpointResult {
  return evidence === undefined
    ? { status: 409, contentType: TREE_SIZE_CONTENT_TYPE, body: formatTreeSizeBody(storedSize) }
    : { status: 409, contentType: TREE_SIZE_CONTENT_TYPE, body: formatTreeSizeBody(storedSize), evidence };
}

export function createWitness(options: WitnessOptions): Witness {
  const { cosigner, store, now } = options;
  const maxAttempts = options.maxAttempts ?? 16;
  const cosign = options.cosign ?? true;
  const logs = new Map<string, WitnessedLog>();
  const checkLog = (log: WitnessedLog): void => {
    if (log.origin.length === 0 || log.origin.includes('\n')) throw new LogError('UNAVAILABLE', `invalid log origin ${JSON.stringify(log.origin)}`, { field: 'logs' });
    if (log.verifiers.length === 0) throw new LogError('UNAVAILABLE', `the log ${log.origin} has no verifier key`, { field: 'logs' });
  };
  for (const log of options.logs) {
    checkLog(log);
    if (logs.has(log.origin)) throw new LogError('UNAVAILABLE', `the log ${log.origin} is configured twice`, { field: 'logs' });
    logs.set(log.origin, log);
  }
  if (!isValidKeyName(cosigner.name)) throw new LogError('UNAVAILABLE', `invalid witness name ${JSON.stringify(cosigner.name)}`, { field: 'name' });

  function timestamp(): number {
    const t = Math.floor(now());
    if (!Number.isSafeInteger(t) || t < 0) throw new LogError('INTERNAL', `the clock gave ${t}, not POSIX seconds`);
    return t;
  }

  /** The state-dependent checks and the swap, for one reading of the stored state. */
  function decide(
    request: AddCheckpointRequest,
    signed: string,
    checkpoint: Checkpoint,
    stored: WitnessedState | undefined,
  ): AddCheckpointResult | { cosign: true } {
    const { oldSize, consistencyProof } = request;
    // "or zero if it never cosigned a checkpoint for that origin"
    const storedSize = stored?.treeSize ?? 0;
    // The old root is this witness's own record, never the request's: an empty tree's
    // root is fixed (RFC 9162 §2.1.1) when nothing was cosigned.
    const storedRoot = stored?.rootHash ?? EMPTY_ROOT;

    // Evidence is kept only for what the log's own signatures make binding: `signed` (the
    // submitted checkpoint with its verified signatures only) against the checkpoint this
    // witness cosigned. Whatever else a submitter sends is theirs, not the log's.
    const evidence = (failure: WitnessEvidence['failure'], detail: string, proof: readonly Hash[] = []): WitnessEvidence => ({
      type: 'tlog-witness-evidence',
      failure,
      detail,
      origin: checkpoint.origin,
      witness: cosigner.name,
      observedAt: timestamp(),
      oldSize: storedSize,
      consistencyProof: proof.map(encodeBase64),
      checkpoint: signed,
      witnessedCheckpoint: stored?.checkpoint,
    });
    const secondRoot = checkpoint.treeSize === storedSize && !bytesEqual(checkpoint.rootHash, storedRoot);
    const secondRootEvidence = () => evidence('conflicting-root', `a second root hash for tree size ${storedSize}, which this witness cosigned with another root`);

    // A fork is a fork whatever old size the submitter claims: the 409 is the spec's, the
    // evidence the pair of signed checkpoints.
    if (oldSize !== storedSize) return conflict(storedSize, secondRoot ? secondRootEvidence() : undefined);

    if (oldSize === 0 && consistencyProof.length !== 0) {
      return refuse(422, 'the consistency proof must be empty when the old size is 0');
    }
    if (checkpoint.treeSize === oldSize) {
      // A proof between equal sizes is empty (RFC 6962 §2.1.2); then "the witness MUST
      // check that the root hashes are also identical", else 409.
      if (consistencyProof.length !== 0) return refuse(422, `the consistency proof from size ${oldSize} to the same size must be empty`);
      if (secondRoot) return conflict(storedSize, secondRootEvidence());
      return { cosign: true };
    }
    if (oldSize > 0) {
      try {
        verifyConsistency(oldSize, checkpoint.treeSize, consistencyProof, storedRoot, checkpoint.rootHash);
      } catch (e) {
        if (!isLogError(e, 'INVALID_PROOF')) throw e;
        const detail = `the consistency proof from size ${oldSize} to ${checkpoint.treeSize} does not verify: ${e.message}`;
        // Binding only if the proof reaches the signed new root and so commits to another
        // old root (a tree the log signed whose prefix is not what it signed before).
        const committed = committedOldRoot(oldSize, checkpoint.treeSize, consistencyProof, checkpoint.rootHash);
        if (committed === undefined || bytesEqual(committed, storedRoot)) return refuse(422, detail);
        return {
          ...refuse(422, detail),
          evidence: evidence(
            'inconsistent',
            `the log signed a tree of size ${checkpoint.treeSize} whose first ${oldSize} leaves have root ${encodeBase64(committed)} (the proof commits to it), and cosigned size ${oldSize} with root ${encodeBase64(storedRoot)}`,
            consistencyProof,
          ),
        };
      }
    }
    return { cosign: true };
  }

  async function addCheckpoint(body: string): Promise<AddCheckpointResult> {
    // Trust boundary: `body` is the untrusted request body.
    let request: AddCheckpointRequest;
    let checkpoint: Checkpoint;
    try {
      request = parseAddCheckpointRequest(body);
      checkpoint = parseCheckpoint(parseNote(request.checkpoint, ADD_CHECKPOINT_NOTE_LIMITS).text);
    } catch (e) {
      if (isLogError(e)) return refuse(400, e.message);
      throw e;
    }

    // The origin line is read before any signature is checked only to pick the keys.
    const log = logs.get(checkpoint.origin);
    if (log === undefined) return refuse(404, `unknown log origin ${JSON.stringify(checkpoint.origin)}`);

    // "MUST verify the checkpoint signature against the public key(s) it trusts for the
    // checkpoint origin, and it MUST ignore signatures from unknown keys."
    let note: VerifiedNote;
    try {
      note = openNote(request.checkpoint, log.verifiers, ADD_CHECKPOINT_NOTE_LIMITS);
    } catch (e) {
      if (isLogError(e, 'UNVERIFIED_NOTE')) return refuse(403, `no signature on the checkpoint verifies with a key trusted for ${checkpoint.origin}`);
      if (isLogError(e, 'INVALID_SIGNATURE')) return refuse(403, `a signature by a key trusted for ${checkpoint.origin} does not verify`);
      if (isLogError(e)) return refuse(400, e.message);
      throw e;
    }

    // The submission as the log signed it: unknown signatures (anyone can add them, of any
    // size) are never kept.
    const signed = formatNote({ text: note.text, signatures: note.verified });

    if (request.oldSize > checkpoint.treeSize) {
      return refuse(400, `the old size ${request.oldSize} is above the checkpoint's tree size ${checkpoint.treeSize}`);
    }

    // Check-then-swap, repeated on a lost race: the swap only succeeds against the state
    // the checks were made on, so a concurrent request can never roll the state back or
    // get a second root cosigned for one size.
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const stored = await store.latest(checkpoint.origin);
      const decision = decide(request, signed, checkpoint, stored);
      if (!('cosign' in decision)) return decision;

      const cosignature: NoteSignature | undefined = cosign ? cosigner.cosign(note.text, timestamp()) : undefined;
      // Kept: the log's verified signatures (not unknown ones, which anyone could add) and ours.
      const kept = cosignature === undefined ? signed : formatNote({ text: note.text, signatures: [...note.verified, cosignature] });
      const next: WitnessedState = { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, checkpoint: kept };
      const expected = stored === undefined ? undefined : { treeSize: stored.treeSize, rootHash: stored.rootHash };
      if (await store.compareAndSwap(checkpoint.origin, expected, next)) {
        return { status: 200, contentType: TEXT, body: cosignature === undefined ? '' : formatCosignatureLines([cosignature]) };
      }
    }
    throw new LogError('CONFLICT', `the witness state for ${checkpoint.origin} kept changing; retry`);
  }

  return {
    name: cosigner.name,
    verifierKey: cosigner.verifierKey,
    get logs() {
      return [...logs.values()];
    },
    addLog(log) {
      checkLog(log);
      if (logs.has(log.origin)) throw new LogError('CONFLICT', `the log ${log.origin} is witnessed already; its keys stay as they are`, { field: 'logs' });
      logs.set(log.origin, log);
    },
    addCheckpoint,
    async latestCheckpoint(origin) {
      return logs.has(origin) ? store.latest(origin) : undefined;
    },
  };
}
