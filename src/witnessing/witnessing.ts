/**
 * Witnessed checkpoints: the log side of c2sp.org/tlog-witness. After each checkpoint the
 * log submits it to every configured witness with a consistency proof from the size that
 * witness last cosigned, collects their cosignatures (c2sp.org/tlog-cosignature), and once
 * `quorum` of them cosigned one checkpoint, keeps it with its cosignatures: that is the
 * checkpoint `/checkpoint` serves and receipts are made against.
 *
 * Rounds: every witness of a round gets the same checkpoint, so the cosignatures gathered
 * are on one text and can be put on one note. A round starts at most once a second (the
 * spec's witnesses are shared, rate-limited services), for the latest head; a round that
 * misses the quorum is retried with growing pauses, so an idle log still gets its last
 * checkpoint witnessed once a witness comes back.
 *
 * Trust boundary: a witness's answer is untrusted until its cosignature verifies with the
 * witness key configured here; what a witness says of its size (409) only picks the proof
 * sent next, and the witness checks that proof itself.
 */
import { LogError } from '../errors.js';
import type { LogStore, TreeHead } from '../log/index.js';
import type { Hash } from '../merkle/index.js';
import { type NoteSignature, type NoteVerifier, cosignatureTimestamp, formatNote, openNote, parseNote } from '../note/index.js';
import { TREE_SIZE_CONTENT_TYPE, formatAddCheckpointRequest, parseTreeSizeBody } from '../witness/index.js';
import { createRounds } from './rounds.js';

/** A witness the log asks to cosign: where, and the cosignature/v1 key it must sign with. */
export interface WitnessEndpoint {
  /** The witness's submission prefix: the log POSTs to `<url>/add-checkpoint`. */
  readonly url: string;
  /** Its cosignature/v1 (type 0x04) verifier key text, as published in `/v1/log`. */
  readonly verifierKey: string;
  readonly verifier: NoteVerifier;
}

/** What `/v1/log` says of each witness. */
export interface WitnessStatus {
  readonly name: string;
  readonly url: string;
  readonly verifierKey: string;
  /** The size of the last checkpoint it cosigned for this server, if any. */
  readonly treeSize: number | undefined;
  /** The timestamp (POSIX seconds) of that cosignature. */
  readonly cosignedAt: number | undefined;
  /** Why the last submission failed, if it did. */
  readonly lastError: string | undefined;
}

/** An HTTP POST, injectable for tests. */
export type Post = (url: string, body: string, timeoutMs: number) => Promise<{ status: number; contentType: string; body: string }>;

export interface WitnessingOptions {
  readonly witnesses: readonly WitnessEndpoint[];
  /** How many witnesses must cosign a checkpoint before it is served. 1 ≤ quorum ≤ witnesses. */
  readonly quorum: number;
  readonly store: Pick<LogStore, 'readWitnessedCheckpoint' | 'recordWitnessedCheckpoint'>;
  /** The consistency proof between two sizes of this log (RFC 6962 §2.1.2). */
  readonly consistencyProof: (from: number, to: number) => Promise<Hash[]>;
  readonly post?: Post;
  /** Least time between two rounds (and so between two submissions to one witness). */
  readonly minIntervalMs?: number;
  /** Longest wait for one witness's answer. */
  readonly timeoutMs?: number;
  /** How long a witnessed checkpoint read from the store is trusted to be the latest (other servers of the log keep them too). */
  readonly maxAgeMs?: number;
  readonly log?: (record: Record<string, unknown>) => void;
  /** Told of each checkpoint that met the quorum, as it is kept (the mirrors are brought up to it). */
  readonly onWitnessed?: (head: TreeHead) => void;
}

export interface Witnessing {
  readonly quorum: number;
  /** A head was committed (or the server started on one): submit it in the next round. */
  offer(head: TreeHead): void;
  /** The latest checkpoint that met the quorum, with its cosignatures; undefined before the first. */
  current(): Promise<TreeHead | undefined>;
  /** Waits until a witnessed checkpoint covers `treeSize` entries, for at most `timeoutMs`. */
  waitFor(treeSize: number, timeoutMs: number): Promise<TreeHead | undefined>;
  status(): WitnessStatus[];
  /** Stops submitting; resolves once the round in flight is over. */
  stop(): Promise<void>;
}

/** 409 answers followed in one submission (another server of the log moved the witness). */
const MAX_SIZE_CONFLICTS = 3;

interface WitnessState {
  readonly endpoint: WitnessEndpoint;
  /** The size the witness last told or cosigned; 0 until it says (the spec's first request). */
  size: number;
  cosignedAt: number | undefined;
  lastError: string | undefined;
}

export function createWitnessing(options: WitnessingOptions): Witnessing {
  const { witnesses, quorum, store } = options;
  if (!Number.isSafeInteger(quorum) || quorum < 1 || quorum > witnesses.length) {
    throw new LogError('MALFORMED_REQUEST', `the witness quorum must be 1 to ${witnesses.length}, got ${quorum}`, { field: 'quorum' });
  }
  const post = options.post ?? fetchPost;
  const minIntervalMs = options.minIntervalMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxAgeMs = options.maxAgeMs ?? 1_000;
  const log = options.log ?? (() => {});
  const states: WitnessState[] = witnesses.map((endpoint) => ({ endpoint, size: 0, cosignedAt: undefined, lastError: undefined }));

  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;
  const rounds = createRounds({
    minIntervalMs,
    round,
    wants: (head) => head.treeSize > 0,
    beforeRounds: () => refresh().catch(() => {}), // a kept checkpoint read later; rounds go on without it
    ...(options.onWitnessed === undefined ? {} : { onKept: options.onWitnessed }),
  });

  /** Re-reads the store at most every `maxAgeMs`: another server of the log may have kept a later one. */
  async function refresh(): Promise<void> {
    if (performance.now() - readAt < maxAgeMs) return;
    reading ??= (async () => {
      const at = performance.now();
      try {
        const stored = await store.readWitnessedCheckpoint();
        if (stored !== undefined) rounds.keep(stored);
        readAt = at;
      } finally {
        reading = undefined;
      }
    })();
    await reading;
  }

  /** Submits `head` to every witness at once; the checkpoint with their cosignatures, kept, if the quorum cosigned it. */
  async function round(head: TreeHead): Promise<TreeHead | undefined> {
    const cosignatures = await Promise.all(states.map((state) => submit(state, head)));
    const gathered = cosignatures.filter((c): c is NoteSignature[] => c !== undefined);
    if (gathered.length < quorum) {
      log({ level: 'warn', msg: 'checkpoint not witnessed', treeSize: head.treeSize, cosigned: gathered.length, quorum, errors: states.flatMap((s) => (s.lastError === undefined ? [] : [`${s.endpoint.verifier.name}: ${s.lastError}`])) });
      return undefined;
    }
    // The log's own signature first, then each witness's cosignature.
    const note = parseNote(head.checkpoint);
    const cosigned: TreeHead = { treeSize: head.treeSize, rootHash: head.rootHash, checkpoint: formatNote({ text: note.text, signatures: [...note.signatures, ...gathered.flat()] }) };
    try {
      await store.recordWitnessedCheckpoint(cosigned);
    } catch (e) {
      log({ level: 'error', msg: 'could not keep a witnessed checkpoint', treeSize: head.treeSize, error: String(e) });
      return undefined;
    }
    return cosigned;
  }

  /** One witness's cosignatures on `head`, or undefined (the reason kept in `lastError`). */
  async function submit(state: WitnessState, head: TreeHead): Promise<NoteSignature[] | undefined> {
    const { endpoint } = state;
    try {
      for (let conflicts = 0; conflicts <= MAX_SIZE_CONFLICTS; conflicts++) {
        if (state.size > head.treeSize) {
          // Another server of this log already had a larger checkpoint cosigned.
          state.lastError = `it has cosigned size ${state.size}, past this checkpoint's ${head.treeSize}`;
          return undefined;
        }
        const oldSize = state.size;
        const consistencyProof = oldSize === 0 || oldSize === head.treeSize ? [] : await options.consistencyProof(oldSize, head.treeSize);
        const answer = await post(`${endpoint.url.replace(/\/+$/, '')}/add-checkpoint`, formatAddCheckpointRequest({ oldSize, consistencyProof, checkpoint: head.checkpoint }), timeoutMs);
        if (answer.status === 409 && answer.contentType.split(';')[0]!.trim() === TREE_SIZE_CONTENT_TYPE) {
          // c2sp.org/tlog-witness: the witness's latest size; retry with a proof from it.
          const size = parseTreeSizeBody(answer.body);
          if (size === oldSize) {
            state.lastError = `409: it holds another checkpoint of size ${size} (a split view?)`;
            log({ level: 'error', msg: 'a witness holds another checkpoint of this size', witness: endpoint.verifier.name, treeSize: size });
            return undefined;
          }
          state.size = size;
          continue;
        }
        if (answer.status !== 200) {
          state.lastError = `${answer.status}: ${answer.body.split('\n')[0]!.slice(0, 200)}`;
          return undefined;
        }
        // Trust boundary: keep only cosignatures that verify with this witness's key.
        const opened = openNote(head.checkpoint.trimEnd() + '\n' + answer.body, [endpoint.verifier]);
        state.size = head.treeSize;
        state.cosignedAt = cosignatureTimestamp(opened.verified[0]!.signature);
        state.lastError = undefined;
        return [...opened.verified];
      }
      state.lastError = 'its size kept changing (409) while submitting';
      return undefined;
    } catch (e) {
      state.lastError = e instanceof Error ? e.message : String(e);
      return undefined;
    }
  }

  return {
    quorum,
    offer: (head) => rounds.offer(head),
    async current() {
      await refresh();
      return rounds.kept();
    },
    async waitFor(treeSize, waitMs) {
      await refresh();
      return rounds.waitFor(treeSize, waitMs);
    },
    status() {
      return states.map((s) => ({ name: s.endpoint.verifier.name, url: s.endpoint.url, verifierKey: s.endpoint.verifierKey, treeSize: s.cosignedAt === undefined ? undefined : s.size, cosignedAt: s.cosignedAt, lastError: s.lastError }));
    },
    stop: () => rounds.stop(),
  };
}

/** POSTs with the platform's fetch, with a timeout; the body is read as text. */
const fetchPost: Post = async (url, body, timeoutMs) => {
  const response = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
};
