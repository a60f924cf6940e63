/**
 * The single writer of a log (group commit, after sunlight's `sequencePool`):
 * submissions wait in a bounded pool; one batch at a time is integrated, signed and
 * committed in one transaction; only then does each submitter get its receipt.
 *
 * Invariants:
 *  - A checkpoint is signed only for a tree computed from the committed head it extends,
 *    and published (returned, stored) only inside the transaction that commits that tree.
 *  - The store's compare-and-swap on the head means a second process on the same
 *    database can never make this one sign over a tree it did not see: a lost race
 *    (`CONFLICT`) reloads the head and retries the batch; nothing is receipted twice.
 *  - After any other failure the in-memory edge is distrusted and reloaded, because a
 *    commit that reported an error may have succeeded (the ambiguous case).
 */
import { encodeHex } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import type { IntegratedBatch, LogStore, NewEntry, TreeHead } from '../log/index.js';
import { type Hash, type HashReader, MAX_ENTRY_SIZE, buildInclusionProof, inclusionProofNodes, leafHash } from '../merkle/index.js';
import { type NoteSigner, formatCheckpoint, signNote } from '../note/index.js';
import { loadRightEdge } from './edge.js';
import { type Integration, integrate, nodeKey } from './integrate.js';

/** What a submitter gets once its entry is committed. */
export interface SubmitResult {
  readonly leafIndex: number;
  readonly leafHash: Hash;
  /** True when the entry was already in the log (or earlier in the same batch). */
  readonly duplicate: boolean;
  readonly treeSize: number;
  readonly inclusionProof: Hash[];
  /** The signed checkpoint the proof is against. */
  readonly checkpoint: string;
}

export interface SequencerOptions {
  readonly store: LogStore;
  readonly signer: NoteSigner;
  /** The checkpoint origin (the signer's name). */
  readonly origin: string;
  /** Most submissions waiting at once; beyond it `submit` fails with POOL_FULL. */
  readonly maxPending?: number;
  /** Most entries in one batch. */
  readonly maxBatch?: number;
  /** The RFC 6962 leaf hash; by default the core's, a server may pass a native one. */
  readonly leafHash?: (entry: Uint8Array) => Hash;
  /** Reads proofs for entries already in the log (duplicates), against a given tree size. */
  readonly hashReader: (treeSize: number) => HashReader;
  /** Called after each committed batch, for metrics. */
  readonly onCommit?: (stats: { entries: number; duplicates: number; seconds: number; treeSize: number }) => void;
  /**
   * Called with each batch as soon as it is committed, before any submitter is answered:
   * caches take the new head and tiles here.
   */
  readonly onCommitted?: (batch: IntegratedBatch) => void;
  /** Called when a batch fails, for logs. */
  readonly onError?: (error: unknown) => void;
}

interface Pending {
  readonly entry: Uint8Array;
  readonly leafHash: Hash;
  readonly partnerId: string | null;
  resolve(result: SubmitResult): void;
  reject(error: unknown): void;
}

export interface Sequencer {
  /** Queues an entry and resolves once it is committed, with its receipt material. */
  submit(entry: Uint8Array, partnerId: string | null): Promise<SubmitResult>;
  /** Runs one batch now (tests drive sequencing this way instead of by timers). */
  sequenceOnce(): Promise<void>;
  /** The last committed head this sequencer knows. */
  head(): TreeHead;
  /** Number of submissions waiting. */
  pending(): number;
  /** Stops accepting, finishes the batch in flight and what is queued. */
  stop(): Promise<void>;
}

/** Consecutive lost races before a batch is failed rather than retried. */
const MAX_CONFLICT_RETRIES = 16;

/** Most entry bytes in one batch, so a batch of large entries stays one modest statement. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export async function createSequencer(options: SequencerOptions): Promise<Sequencer> {
  const { store, signer, origin } = options;
  const maxPending = options.maxPending ?? 65_536;
  const maxBatch = options.maxBatch ?? 4_096;
  const hashLeaf = options.leafHash ?? leafHash;
  let state = await loadRightEdge(store);
  let stale = false;
  const pool: Pending[] = [];
  let running: Promise<void> | undefined;
  let stopping = false;
  let conflicts = 0;

  function schedule(): void {
    if (running !== undefined || pool.length === 0) return;
    running = (async () => {
      try {
        // Group commit: start the batch on the next turn of the event loop, after every
        // request already readable has been parsed and submitted. Without this, a store
        // whose queries resolve without real I/O (PGlite runs in this thread) would commit
        // each request alone, before the next one is even read.
        await new Promise<void>((resolve) => setImmediate(resolve));
        while (pool.length > 0) await sequenceOnce();
      } finally {
        running = undefined;
      }
    })();
  }

  async function sequenceOnce(): Promise<void> {
    if (pool.length === 0) return;
    let take = 0;
    for (let bytes = 0; take < pool.length && take < maxBatch; take++) {
      bytes += pool[take]!.entry.length;
      if (bytes > MAX_BATCH_BYTES && take > 0) break;
    }
    const batch = pool.splice(0, take);
    const started = performance.now();
    try {
      // Phase 1: trust nothing in memory after a failure; reload the committed head.
      if (stale) {
        state = await loadRightEdge(store);
        stale = false;
      }

      // Phase 2: dedup inside the batch (the first submitter of an entry owns it), then
      // against the log.
      const byHash = new Map<string, Pending[]>();
      for (const p of batch) {
        const key = encodeHex(p.leafHash);
        const group = byHash.get(key);
        if (group === undefined) byHash.set(key, [p]);
        else group.push(p);
      }
      const existing = await store.findLeafHashes([...byHash.values()].map((g) => g[0]!.leafHash));
      if ([...existing.values()].some((i) => i >= state.head.treeSize)) {
        // Another writer committed past the head we know: catch up before answering.
        stale = true;
        if (++conflicts > MAX_CONFLICT_RETRIES) throw new LogError('CONFLICT', 'another writer keeps moving the log; retry shortly');
        pool.unshift(...batch);
        return;
      }
      const fresh = [...byHash.entries()].filter(([key]) => !existing.has(key)).map(([, g]) => g[0]!);

      // Phase 3: integrate, sign, commit (a conflict means another writer moved the head).
      let integration: Integration | undefined;
      let head = state.head;
      const indexOf = new Map<string, number>(existing);
      if (fresh.length > 0) {
        const base = state.edge.treeSize;
        const entries: NewEntry[] = fresh.map((p, i) => ({ leafIndex: base + i, leafHash: p.leafHash, data: p.entry, partnerId: p.partnerId }));
        integration = integrate(state.edge, entries.map((e) => e.leafHash));
        const { treeSize, rootHash } = integration.edge;
        const checkpoint = signNote(formatCheckpoint({ origin, treeSize, rootHash, extensions: [] }), [signer]);
        head = { treeSize, rootHash, checkpoint };
        const committed: IntegratedBatch = { entries, tiles: integration.tiles, head };
        try {
          await store.commitBatch({ treeSize: state.head.treeSize, rootHash: state.head.rootHash }, committed);
        } catch (e) {
          stale = true;
          if (isLogError(e, 'CONFLICT') && ++conflicts <= MAX_CONFLICT_RETRIES) {
            // Lost the race: retry the whole batch on the new head, ahead of newer submissions.
            pool.unshift(...batch);
            return;
          }
          throw e;
        }
        conflicts = 0;
        state = { head, edge: integration.edge };
        options.onCommitted?.(committed);
        entries.forEach((e) => indexOf.set(encodeHex(e.leafHash), e.leafIndex));
      }

      // Phase 4: receipts. New leaves are proven from the batch's own nodes; entries that
      // were already in the log are proven with one read of stored tiles.
      const batchReader = integration?.nodes;
      const oldReader = options.hashReader(head.treeSize);
      for (const [key, group] of byHash) {
        const first = group[0]!;
        const leafIndex = indexOf.get(key)!;
        const inBatch = batchReader !== undefined && leafIndex >= head.treeSize - fresh.length;
        const nodes = inclusionProofNodes(leafIndex, head.treeSize);
        const hashes = inBatch ? nodes.map((n) => batchReader.get(nodeKey(n))!) : await oldReader.readHashes(nodes);
        const inclusionProof = buildInclusionProof(leafIndex, head.treeSize, hashes);
        const result = { leafIndex, leafHash: first.leafHash, treeSize: head.treeSize, inclusionProof, checkpoint: head.checkpoint };
        group.forEach((p, i) => p.resolve({ ...result, duplicate: i > 0 || existing.has(key) }));
      }
      options.onCommit?.({
        entries: fresh.length,
        duplicates: batch.length - fresh.length,
        seconds: (performance.now() - started) / 1000,
        treeSize: head.treeSize,
      });
    } catch (e) {
      stale = true;
      options.onError?.(e);
      const error = isLogError(e) ? e : new LogError('INTERNAL', "couldn't commit the batch", { cause: e });
      for (const p of batch) p.reject(error);
    }
  }

  return {
    submit(entry, partnerId) {
      if (stopping) return Promise.reject(new LogError('UNAVAILABLE', 'the log is shutting down'));
      if (entry.length === 0) return Promise.reject(new LogError('MALFORMED_REQUEST', 'an entry is at least one byte', { field: 'body' }));
      if (entry.length > MAX_ENTRY_SIZE) {
        return Promise.reject(new LogError('ENTRY_TOO_LARGE', `an entry is at most ${MAX_ENTRY_SIZE} bytes`, { field: 'body' }));
      }
      if (pool.length >= maxPending) {
        return Promise.reject(new LogError('POOL_FULL', 'too many submissions are waiting; retry shortly'));
      }
      return new Promise<SubmitResult>((resolve, reject) => {
        pool.push({ entry, leafHash: hashLeaf(entry), partnerId, resolve, reject });
        schedule();
      });
    },
    async sequenceOnce() {
      if (running !== undefined) await running;
      await sequenceOnce();
    },
    head: () => state.head,
    pending: () => pool.length,
    async stop() {
      stopping = true;
      schedule();
      while (running !== undefined) await running;
    },
  };
}
