/**
 * Mirrored checkpoints: the log side of c2sp.org/tlog-mirror. After each checkpoint (the
 * witnessed one, when the log has witnesses, so that one note carries both) the log brings
 * every configured mirror up to it — add-checkpoint, then its entries in packages with their
 * subtree consistency proofs, read from its own tiles (src/mirror/feed.ts) — and collects the
 * mirrors' cosignatures. Once `quorum` mirrors cosigned one checkpoint, each stating that it
 * durably holds every entry of it, the checkpoint with their cosignatures is kept: a receipt
 * asked for with `?mirrored=true` is made against it, so a partner knows its entry is stored
 * in that many independent places before relying on it.
 *
 * Rounds go as the witnesses' do (src/witnessing/rounds.ts): one at a time, for the latest
 * checkpoint offered, at most one a second, retried with growing pauses after a miss.
 *
 * Trust boundary: a mirror's answers are untrusted; a cosignature is kept only if it verifies
 * with the mirror key configured here.
 */
import { LogError } from '../errors.js';
import type { TreeHead } from '../log/index.js';
import type { ServedTiles } from '../merkle/index.js';
import { type FeedResult, type MirrorAnswer, type MirrorTarget, feedMirror } from '../mirror/index.js';
import { type NoteSignature, type NoteVerifier, cosignatureTimestamp, formatNote, openNote, parseCheckpoint, parseNote } from '../note/index.js';
import { formatCosignatureLines } from '../witness/index.js';
import type { WitnessStatus } from '../witnessing/index.js';
import { createRounds } from '../witnessing/rounds.js';

/** A mirror the log keeps a copy in: its submission prefix and the cosignature/v1 key it signs with. */
export interface MirrorEndpoint {
  readonly url: string;
  readonly verifierKey: string;
  readonly verifier: NoteVerifier;
}

/** What `/v1/log` says of each mirror: what it says of each witness. */
export type MirrorStatus = WitnessStatus;

/** An HTTP POST of bytes, injectable for tests. */
export type MirrorPost = (url: string, body: Uint8Array, headers: Readonly<Record<string, string>>, timeoutMs: number) => Promise<MirrorAnswer>;

export interface MirroringOptions {
  readonly mirrors: readonly MirrorEndpoint[];
  /** How many mirrors must hold and cosign a checkpoint for a mirrored receipt. 1 ≤ quorum ≤ mirrors. */
  readonly quorum: number;
  /** The log's own tree, as it serves it (tiles and entry bundles). */
  readonly source: ServedTiles;
  readonly post?: MirrorPost;
  readonly minIntervalMs?: number;
  /** Longest wait for one request's answer (an add-entries request carries up to 8,192 entries). */
  readonly timeoutMs?: number;
  readonly log?: (record: Record<string, unknown>) => void;
}

export interface Mirroring {
  readonly quorum: number;
  /** A checkpoint to bring the mirrors up to (the log's, or the witnessed one). */
  offer(head: TreeHead): void;
  /** The latest checkpoint the quorum of mirrors cosigned, with their cosignatures. */
  current(): TreeHead | undefined;
  /** Waits until a mirrored checkpoint covers `treeSize` entries, for at most `timeoutMs`. */
  waitFor(treeSize: number, timeoutMs: number): Promise<TreeHead | undefined>;
  status(): MirrorStatus[];
  /** Stops; resolves once the round in flight is over. */
  stop(): Promise<void>;
}

interface MirrorState {
  readonly endpoint: MirrorEndpoint;
  /** The mirror's pending size as last told; 0 until it says. */
  size: number;
  cosignedSize: number | undefined;
  cosignedAt: number | undefined;
  lastError: string | undefined;
}

/** A mirror over HTTP: add-checkpoint as text, add-entries as one gzipped body. */
export function httpMirrorTarget(url: string, post: MirrorPost, timeoutMs: number): MirrorTarget {
  const base = url.replace(/\/+$/, '');
  return {
    addCheckpoint: (body) => post(`${base}/add-checkpoint`, new TextEncoder().encode(body), { 'Content-Type': 'text/plain; charset=utf-8' }, timeoutMs),
    addEntries: async (parts) => {
      // c2sp.org/tlog-mirror: "The request body for add-entries SHOULD be compressed"; gzip MUST be accepted.
      const gzipped = await new Response(new Blob(parts as Uint8Array<ArrayBuffer>[]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
      return post(`${base}/add-entries`, new Uint8Array(gzipped), { 'Content-Type': 'application/octet-stream', 'Content-Encoding': 'gzip' }, timeoutMs);
    },
  };
}

export function createMirroring(options: MirroringOptions): Mirroring {
  const { mirrors, quorum } = options;
  if (!Number.isSafeInteger(quorum) || quorum < 1 || quorum > mirrors.length) {
    throw new LogError('MALFORMED_REQUEST', `the mirror quorum must be 1 to ${mirrors.length}, got ${quorum}`, { field: 'mirror-quorum' });
  }
  const post = options.post ?? fetchPost;
  const minIntervalMs = options.minIntervalMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const log = options.log ?? (() => {});
  const states: MirrorState[] = mirrors.map((endpoint) => ({ endpoint, size: 0, cosignedSize: undefined, cosignedAt: undefined, lastError: undefined }));
  const signal = { aborted: false };

  const rounds = createRounds({ minIntervalMs, round });

  /** Brings every mirror up to `head` at once; the checkpoint with their cosignatures if the quorum holds it. */
  async function round(head: TreeHead): Promise<TreeHead | undefined> {
    const gathered = (await Promise.all(states.map((state) => submit(state, head)))).filter((c): c is NoteSignature[] => c !== undefined);
    if (gathered.length < quorum) {
      log({ level: 'warn', msg: 'checkpoint not mirrored', treeSize: head.treeSize, cosigned: gathered.length, quorum, errors: states.flatMap((s) => (s.lastError === undefined ? [] : [`${s.endpoint.verifier.name}: ${s.lastError}`])) });
      return undefined;
    }
    const note = parseNote(head.checkpoint);
    return { treeSize: head.treeSize, rootHash: head.rootHash, checkpoint: formatNote({ text: note.text, signatures: [...note.signatures, ...gathered.flat()] }) };
  }

  async function submit(state: MirrorState, head: TreeHead): Promise<NoteSignature[] | undefined> {
    const { endpoint } = state;
    try {
      const note = parseNote(head.checkpoint);
      const { origin } = parseCheckpoint(note.text);
      let result: FeedResult;
      try {
        result = await feedMirror({
          target: httpMirrorTarget(endpoint.url, post, timeoutMs),
          source: options.source,
          checkpoint: { note: head.checkpoint, origin, treeSize: head.treeSize, rootHash: head.rootHash },
          pendingSize: state.size,
          signal,
        });
      } catch (e) {
        state.size = 0; // ask again from the start: its 409 says where it is
        throw e;
      }
      if (result.outcome === 'superseded') {
        state.size = result.pendingSize;
        state.lastError = `it holds a later checkpoint (size ${result.pendingSize}) than this one`;
        return undefined;
      }
      // Trust boundary: only cosignatures that verify with this mirror's key are kept.
      const opened = openNote(note.text + '\n' + formatCosignatureLines(result.cosignatures), [endpoint.verifier]);
      state.size = head.treeSize;
      state.cosignedSize = head.treeSize;
      state.cosignedAt = cosignatureTimestamp(opened.verified[0]!.signature);
      state.lastError = undefined;
      return [...opened.verified];
    } catch (e) {
      state.lastError = e instanceof Error ? e.message : String(e);
      return undefined;
    }
  }

  return {
    quorum,
    offer: (head) => rounds.offer(head),
    current: () => rounds.kept(),
    waitFor: (treeSize, waitMs) => rounds.waitFor(treeSize, waitMs),
    status() {
      return states.map((s) => ({ name: s.endpoint.verifier.name, url: s.endpoint.url, verifierKey: s.endpoint.verifierKey, treeSize: s.cosignedSize, cosignedAt: s.cosignedAt, lastError: s.lastError }));
    },
    async stop() {
      signal.aborted = true; // a feed in flight stops between requests
      await rounds.stop();
    },
  };
}

/** POSTs with the platform's fetch, with a timeout; the answer read as bytes. */
const fetchPost: MirrorPost = async (url, body, headers, timeoutMs) => {
  const response = await fetch(url, { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: new Uint8Array(await response.arrayBuffer()) };
};
