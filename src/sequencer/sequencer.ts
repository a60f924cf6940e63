/**
 * The single writer of a log (group commit, after sunlight's `sequencePool`):
 * submissions wait in a bounded pool; each batch is integrated, signed and committed
 * atomically; only then does each submitter get its receipt.
 *
 * Commits are pipelined: while one batch's commit is in flight, the next batch is built on
 * the tree that commit will make and sent behind it (at most PIPELINE_DEPTH in flight),
 * so the database's round trips overlap with the work of answering requests.
 *
 * Invariants:
 *  - A checkpoint is signed only for a tree computed from the head it extends, and
 *    published (returned, stored) only by the atomic commit of that tree.
 *  - The store's compare-and-swap on the head means nothing can make this sequencer sign
 *    over a tree it did not see: a batch sent behind another commits only if that one
 *    did (it expects that one's head), and a second process on the same database loses
 *    its race the same way. A lost race (`CONFLICT`) reloads the head and retries the
 *    batch; nothing is receipted twice.
 *  - Batches are settled in the order they were sent, each by its own commit's outcome:
 *    receipts only ever follow a successful commit of the tree they prove against.
 *  - After any failure the in-memory edge is distrusted and reloaded before another batch
 *    is built, because a commit that reported an error may have succeeded (the ambiguous
 *    case).
 */
import { encodeHex } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import type { IntegratedBatch, LogStore, NewEntry, TreeHead } from '../log/index.js';
import { type Hash, type HashReader, type NodeHasher, MAX_ENTRY_SIZE, buildInclusionProof, inclusionProofNodes, leafHash } from '../merkle/index.js';
import { type NoteSigner, formatCheckpoint, signNote } from '../note/index.js';
import { loadRightEdge } from './edge.js';
import { type Integration, type RightEdge, integrate, nodeKey } from './integrate.js';
import { type PlacedKind, type PlacedReads, type PlacedRows, mergeRows } from './placed.js';

/** What a submitter gets once its entry is committed. */
export interface SubmitResult {
  readonly leafIndex: number;
  readonly leafHash: Hash;
  /** The entry's bytes: as submitted, or the leaf built for a placed submission (a typed event). */
  readonly data: Uint8Array;
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
  /** The RFC 6962 interior-node hash, likewise. */
  readonly nodeHash?: NodeHasher;
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
  /** How long a submission may keep losing races before it fails (MAX_CONFLICT_WAIT_MS). */
  readonly conflictWaitMs?: number;
  /**
   * How many receipts to answer in one turn of the event loop now; a server passes its
   * pacer's (src/http/turns.ts), which asks for fewer while connections are arriving.
   */
  readonly answersPerTurn?: () => number;
  /**
   * The kinds this sequencer places besides raw entries (typed events: `createEventKind`),
   * each used by this sequencer alone: it resets their views after a failure.
   */
  readonly kinds?: readonly AnyKind[];
}

/** A kind's types are its own: the sequencer only hands its values back to it. */
type AnyKind = PlacedKind<any, PlacedReads<any>, any>;

/** A placed submission and its kind. */
interface Placed {
  readonly kind: AnyKind;
  readonly sub: unknown;
}

interface Pending {
  /** The entry; for a placed submission, the leaf built in its latest batch (empty before). */
  entry: Uint8Array;
  leafHash: Hash;
  /**
   * The key of every map the sequencer keeps, computed once: `leafHash` in hex for a raw
   * entry; for a placed submission (whose leaf is only built in its batch), its kind's key.
   */
  readonly key: string;
  readonly partnerId: string | null;
  readonly placed: Placed | undefined;
  /** Bytes, for the batch byte budget. */
  readonly size: number;
  /** Look this entry up in the log before committing it (set when its batch lost a race). */
  lookup: boolean;
  /** Races its batches lost so far. */
  conflicts: number;
  /** When (performance.now()) it lost its first race. */
  firstLost: number | undefined;
  resolve(result: SubmitResult): void;
  reject(error: unknown): void;
}

export interface Sequencer {
  /** Queues an entry and resolves once it is committed, with its receipt material. */
  submit(entry: Uint8Array, partnerId: string | null): Promise<SubmitResult>;
  /**
   * Queues a submission of one of this sequencer's placed kinds (`options.kinds`), checked
   * by the caller; resolves once it is committed. A replay (the same key) gets the first
   * receipt; what the kind's reads reject is answered with its error.
   */
  submitPlaced<S>(kind: PlacedKind<S, PlacedReads<S>, unknown>, sub: S): Promise<SubmitResult>;
  /** Runs one batch now (tests drive sequencing this way instead of by timers). */
  sequenceOnce(): Promise<void>;
  /** The last committed head this sequencer knows. */
  head(): TreeHead;
  /** Number of submissions waiting. */
  pending(): number;
  /** Stops accepting, finishes the batch in flight and what is queued. */
  stop(): Promise<void>;
  /**
   * Closes the log for ever: stops accepting, commits what is queued and then `last` (the
   * log's own closing records, such as the announcement of its successor), and stores the
   * last head as the final checkpoint, read-only from then on (the store's guard keeps every
   * server of the log to it). Idempotent: a log already read-only gives its final head.
   */
  finalize(last?: readonly Uint8Array[]): Promise<TreeHead>;
  /** Whether the log is read-only (finalized, by this server or another). */
  readOnly(): boolean;
}

/**
 * A submission is failed only once it has lost this many races and kept losing them for
 * MAX_CONFLICT_WAIT_MS: on a loaded machine, a writer sharing the database with a busier
 * one can lose many races in a row within a second, while the other drains its queue.
 */
const MAX_CONFLICT_RETRIES = 16;
const MAX_CONFLICT_WAIT_MS = 10_000;

/** The longest random wait before retrying after lost races. */
const MAX_BACKOFF_MS = 64;

/** Batches whose commit may be in flight at once. */
const PIPELINE_DEPTH = 2;

/** Leaf hashes of recently committed entries kept in memory, for dedup without a query. */
const RECENT_ENTRIES = 65_536;

/** After a failed commit, every batch looks its entries up in the log first, for this long. */
const LOOKUP_AFTER_CONFLICT_MS = 1_000;

/** Receipts answered in one turn of the event loop (see settle), unless the options say. */
const ANSWERS_PER_TURN = 64;

/** Resolves in a later turn of the event loop. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Most entry bytes in one batch, so a batch of large entries stays one modest statement. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

/** A batch sent to the store and not yet settled. */
interface Sent {
  readonly batch: Pending[];
  /** Submissions by leaf hash (hex); the first of each group owns the entry. */
  readonly byHash: Map<string, Pending[]>;
  /** Leaf indices of entries that were already in the log, or in a batch sent earlier. */
  readonly known: Map<string, number>;
  /** The new entries, from `expected.treeSize` on, and their keys. */
  readonly entries: NewEntry[];
  readonly keys: string[];
  readonly integration: Integration | undefined;
  readonly head: TreeHead;
  readonly edge: RightEdge;
  /** Undefined when the batch held only duplicates: nothing to commit. */
  readonly commit: Promise<void> | undefined;
  /** Each placed kind's handle of this batch, and what they write besides entries. */
  readonly handles: readonly { readonly kind: AnyKind; readonly handle: unknown }[];
  readonly rows: PlacedRows | undefined;
  readonly started: number;
}

export async function createSequencer(options: SequencerOptions): Promise<Sequencer> {
  const { store, signer, origin } = options;
  const maxPending = options.maxPending ?? 65_536;
  const maxBatch = options.maxBatch ?? 4_096;
  const hashLeaf = options.leafHash ?? leafHash;
  const conflictWaitMs = options.conflictWaitMs ?? MAX_CONFLICT_WAIT_MS;
  const answersPerTurn = options.answersPerTurn ?? (() => ANSWERS_PER_TURN);
  /** The last committed head and edge. */
  let state = await loadRightEdge(store);
  /** The tree the last batch sent will make: the next batch builds on it. */
  let tip = state;
  let stale = false;
  const pool: Pending[] = [];
  /** Submissions of batches that lost a race, in order, to go first once the head is reloaded. */
  const retry: Pending[] = [];
  /** Leaf index of every entry in a batch sent and not yet settled, by leaf hash (hex). */
  const inFlight = new Map<string, number>();
  /** The settling of each sent batch, oldest first. */
  const settling: Promise<void>[] = [];
  /** Leaf index of recently committed entries, by leaf hash (hex), oldest first. */
  const recent = new Map<string, number>();
  /** Until when every batch looks its entries up in the log (after a failed commit). */
  let lookupUntil = 0;
  let running: Promise<void> | undefined;
  let stopping = false;
  /** The answer to every submission once the log is read-only. */
  let closed: LogError | undefined = (await store.readLifecycle()) === undefined ? undefined : readOnlyError(state.head.treeSize);
  const kinds = new Set<AnyKind>(options.kinds ?? []);

  /**
   * A batch lost a race (to another writer, behind a batch of ours that failed, or to an
   * entry already in the log): its submissions go first once the head is reloaded, looking
   * their entries up, each until it has lost MAX_CONFLICT_RETRIES races itself over
   * `conflictWaitMs`. Counting per submission, not per batch, keeps two pipelined
   * writers on one database from failing a submission that lost only a race or two.
   */
  function retryAfterConflict(batch: readonly Pending[]): void {
    const now = performance.now();
    for (const p of batch) {
      p.lookup = true;
      p.firstLost ??= now;
      if (++p.conflicts > MAX_CONFLICT_RETRIES && now - p.firstLost >= conflictWaitMs) {
        p.reject(new LogError('CONFLICT', 'another writer keeps moving the log; retry shortly'));
      } else retry.push(p);
    }
    schedule();
  }

  function schedule(): void {
    if (running !== undefined || (pool.length === 0 && retry.length === 0)) return;
    running = (async () => {
      try {
        while (pool.length > 0 || retry.length > 0) {
          // Group commit: build each batch on a later turn of the event loop, after every
          // request already readable has been parsed and submitted. Without this, a store
          // whose queries resolve without real I/O (PGlite runs in this thread) would commit
          // each request alone, before the next one is even read.
          await nextTurn();
          if (settling.length >= PIPELINE_DEPTH) await settling[0];
          else await send();
        }
      } finally {
        running = undefined;
      }
    })();
  }

  /** Takes the next batch from the pool: at most `maxBatch` entries and MAX_BATCH_BYTES. */
  function takeBatch(): Pending[] {
    let take = 0;
    for (let bytes = 0; take < pool.length && take < maxBatch; take++) {
      bytes += pool[take]!.size;
      if (bytes > MAX_BATCH_BYTES && take > 0) break;
    }
    return pool.splice(0, take);
  }

  /** Builds, signs and sends one batch, and queues its settling behind the batches before it. */
  async function send(): Promise<void> {
    if (stale) {
      // Phase 1: trust nothing in memory after a failure: let every batch in flight settle,
      // then reload the committed head, and retry what lost a race first.
      while (settling.length > 0) await settling[0];
      // After lost races, back off for a random while, longer after each loss, so that
      // another writer's pipeline can drain instead of winning every race (livelock).
      const lost = retry.reduce((most, p) => Math.max(most, p.conflicts), 0);
      if (lost > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** lost)));
      try {
        state = await loadRightEdge(store);
      } catch (e) {
        // Still failing (the database is down): answer the waiting rather than hold them.
        options.onError?.(e);
        const error = isLogError(e) ? e : new LogError('INTERNAL', "couldn't reload the log's head", { cause: e });
        for (const p of [...retry.splice(0), ...takeBatch()]) p.reject(error);
        return;
      }
      tip = state;
      stale = false;
      for (const kind of kinds) kind.reset();
      pool.unshift(...retry.splice(0));
    }
    let batch = takeBatch();
    if (batch.length === 0) return;
    const started = performance.now();
    let sent: Sent;
    try {
      // Phase 2: dedup inside the batch (the first submitter of an entry owns it), against
      // the batches in flight, then against the log.
      const byHash = new Map<string, Pending[]>();
      for (const p of batch) {
        const key = p.key;
        const group = byHash.get(key);
        if (group === undefined) byHash.set(key, [p]);
        else group.push(p);
      }
      // Dedup against the log is optimistic: an entry neither in flight nor recently
      // committed is sent as new, and the store's unique leaf hash refuses it if it is in
      // the log after all (CONFLICT: the batch is retried, looking every entry up first).
      // This keeps a query off the path of every batch; a duplicate costs one retry.
      // Placed submissions are always read by their kind (a typed event: by partner and
      // sequence number, with what else decides it: its counter and target).
      const known = new Map<string, number>();
      const lookup: Hash[] = [];
      const toRead = new Map<AnyKind, unknown[]>();
      const lookupAll = performance.now() < lookupUntil;
      for (const [key, group] of byHash) {
        const index = inFlight.get(key) ?? recent.get(key);
        const placed = group[0]!.placed;
        if (index !== undefined) known.set(key, index);
        else if (placed !== undefined) {
          const subs = toRead.get(placed.kind);
          if (subs === undefined) toRead.set(placed.kind, [placed.sub]);
          else subs.push(placed.sub);
        }
        else if (lookupAll || group.some((p) => p.lookup)) lookup.push(group[0]!.leafHash);
      }
      // The usual batch (raw entries, none to look up) goes on without yielding.
      const committedSize = state.head.treeSize;
      const [existing, readsByKind] =
        lookup.length === 0 && toRead.size === 0
          ? [new Map<string, number>(), new Map<AnyKind, PlacedReads<unknown>>()]
          : await Promise.all([
              lookup.length > 0 ? store.findLeafHashes(lookup) : new Map<string, number>(),
              Promise.all([...toRead].map(async ([kind, subs]) => [kind, await kind.read(subs, committedSize)] as const)).then((r) => new Map<AnyKind, PlacedReads<unknown>>(r)),
            ]);
      const allReads = [...readsByKind.values()];
      if (stale) {
        // A batch in flight failed meanwhile: this one must be built on the reloaded head.
        retry.push(...batch);
        return;
      }
      // Our own batches in flight were looked up in memory, not here: an index past the
      // committed head is another writer's. Catch up before answering.
      if (allReads.some((r) => r.anotherWriter) || [...existing.values()].some((index) => index >= state.head.treeSize)) {
        stale = true;
        retryAfterConflict(batch);
        return;
      }
      for (const [key, index] of existing) known.set(key, index);
      for (const reads of allReads) for (const [key, index] of reads.existing) known.set(key, index);
      if (allReads.some((r) => r.rejected.size > 0)) {
        // Answered now and dropped from the batch for good: a rejected submission must
        // never be appended later by a retry of its batch.
        const dropped = new Set<Pending>();
        for (const [key, group] of byHash) {
          const placed = group[0]!.placed;
          const error = placed && readsByKind.get(placed.kind)?.rejected.get(placed.sub);
          if (error === undefined) continue;
          for (const p of group) {
            p.reject(error);
            dropped.add(p);
          }
          byHash.delete(key);
        }
        batch = batch.filter((p) => !dropped.has(p));
      }
      const fresh = [...byHash.entries()].filter(([key]) => !known.has(key)).map(([, g]) => g[0]!);

      // Phase 3: integrate on the tip, sign, and send the commit without waiting for it.
      const expected = tip.head;
      const { handles, rows } = buildPlaced(fresh, expected.treeSize, readsByKind);
      let integration: Integration | undefined;
      let head = tip.head;
      let edge = tip.edge;
      const entries: NewEntry[] = fresh.map((p, i) => ({ leafIndex: expected.treeSize + i, leafHash: p.leafHash, data: p.entry, partnerId: p.partnerId }));
      const keys = fresh.map((p) => p.key);
      let commit: Promise<void> | undefined;
      if (entries.length > 0) {
        integration = integrate(tip.edge, entries.map((e) => e.leafHash), options.nodeHash);
        const { treeSize, rootHash } = integration.edge;
        head = { treeSize, rootHash, checkpoint: signNote(formatCheckpoint({ origin, treeSize, rootHash, extensions: [] }), [signer]) };
        edge = integration.edge;
        const committing: IntegratedBatch = { ...rows, entries, tiles: integration.tiles, head };
        commit = store.commitBatch({ treeSize: expected.treeSize, rootHash: expected.rootHash }, committing);
        commit.catch(() => {}); // settled in order below; never an unhandled rejection meanwhile
        entries.forEach((e, i) => inFlight.set(keys[i]!, e.leafIndex));
        for (const { kind, handle } of handles) kind.sent(handle);
        tip = { head, edge };
      }
      sent = { batch, byHash, known, entries, keys, integration, head, edge, commit, started, handles, rows };
    } catch (e) {
      stale = true;
      options.onError?.(e);
      const error = isLogError(e) ? e : new LogError('INTERNAL', "couldn't build the batch", { cause: e });
      for (const p of batch) p.reject(error);
      return;
    }
    const previous = settling.at(-1) ?? Promise.resolve();
    const settled = previous.then(() => settle(sent));
    settling.push(settled);
    void settled.then(() => settling.splice(settling.indexOf(settled), 1));
  }

  /**
   * Builds the leaves of the new placed submissions, kind by kind, now that their indices
   * are known, and what they write besides.
   */
  function buildPlaced(fresh: Pending[], firstIndex: number, readsByKind: ReadonlyMap<AnyKind, PlacedReads<unknown>>): Pick<Sent, 'handles' | 'rows'> {
    const byKind = new Map<AnyKind, { p: Pending; sub: unknown; leafIndex: number }[]>();
    fresh.forEach((p, i) => {
      if (p.placed === undefined) return;
      const placed = { p, sub: p.placed.sub, leafIndex: firstIndex + i };
      const group = byKind.get(p.placed.kind);
      if (group === undefined) byKind.set(p.placed.kind, [placed]);
      else group.push(placed);
    });
    const handles: { kind: AnyKind; handle: unknown }[] = [];
    const rows: PlacedRows[] = [];
    for (const [kind, placed] of byKind) {
      const built = kind.build(placed, readsByKind.get(kind)!);
      placed.forEach(({ p }, i) => {
        p.entry = built.leaves[i]!;
        p.leafHash = hashLeaf(p.entry);
      });
      handles.push({ kind, handle: built.handle });
      rows.push(built.rows);
    }
    return { handles, rows: mergeRows(rows) };
  }

  /** Waits for a sent batch's commit and answers its submitters: receipts, or the error. */
  async function settle(sent: Sent): Promise<void> {
    const { batch, byHash, known, entries, keys, integration, head } = sent;
    if (sent.commit === undefined && stale) {
      // Only duplicates, some of them perhaps of entries in a batch before this one that
      // failed: its head may never have been committed. Build it again on the reloaded head.
      retry.push(...batch);
      schedule();
      return;
    }
    try {
      try {
        await sent.commit;
      } finally {
        for (const key of keys) inFlight.delete(key);
        if (sent.commit !== undefined) for (const { kind, handle } of sent.handles) kind.settled(handle);
      }
    } catch (e) {
      // The commit may have happened (the ambiguous case): look entries up for a while.
      stale = true;
      lookupUntil = performance.now() + LOOKUP_AFTER_CONFLICT_MS;
      if (isLogError(e, 'CONFLICT')) {
        retryAfterConflict(batch);
        return;
      }
      if (isLogError(e, 'LOG_READ_ONLY')) {
        // Another server of the log finalized it: nothing more is appended, by anyone.
        closed ??= readOnlyError(state.head.treeSize);
        for (const p of [...batch, ...retry.splice(0), ...pool.splice(0)]) p.reject(closed);
        return;
      }
      options.onError?.(e);
      const error = isLogError(e) ? e : new LogError('INTERNAL', "couldn't commit the batch", { cause: e });
      for (const p of batch) p.reject(error);
      return;
    }
    try {
      if (entries.length > 0) {
        state = { head, edge: sent.edge };
        options.onCommitted?.({ entries, tiles: integration!.tiles, head });
      }
      const indexOf = new Map(known);
      entries.forEach((e, i) => {
        indexOf.set(keys[i]!, e.leafIndex);
        recent.set(keys[i]!, e.leafIndex);
      });
      for (const key of recent.keys()) {
        if (recent.size <= RECENT_ENTRIES) break;
        recent.delete(key);
      }

      // Phase 4: receipts. New leaves are proven from the batch's own nodes; entries that
      // were already in the log, or came in a batch before, with one read of stored tiles.
      const batchReader = integration?.nodes;
      const oldReader = options.hashReader(head.treeSize);
      // The batch's receipts share their right edge: hash each of its ranges once.
      const hashing = { hashNode: options.nodeHash, memo: new Map<string, Hash>() };
      let answered = 0;
      let perTurn = answersPerTurn();
      for (const [key, group] of byHash) {
        // A turn of the event loop between chunks of receipts: each submitter's answer is
        // written as soon as it is resolved, and a batch of thousands answered in one turn
        // would hold up every other socket (and the accepting of new connections) meanwhile.
        if (answered === perTurn) {
          await nextTurn();
          answered = 0;
          perTurn = answersPerTurn();
        }
        answered++;
        const first = group[0]!;
        const leafIndex = indexOf.get(key)!;
        const inBatch = batchReader !== undefined && leafIndex >= head.treeSize - entries.length;
        const nodes = inclusionProofNodes(leafIndex, head.treeSize);
        const hashes = inBatch ? nodes.map((n) => batchReader.get(nodeKey(n))!) : await oldReader.readHashes(nodes);
        const inclusionProof = buildInclusionProof(leafIndex, head.treeSize, hashes, hashing);
        // A replayed placed submission was built in an earlier batch: its leaf is the stored one.
        const data = first.placed !== undefined && known.has(key) ? await storedEntry(leafIndex) : first.entry;
        const hash = data === first.entry ? first.leafHash : hashLeaf(data);
        const result = { leafIndex, leafHash: hash, data, treeSize: head.treeSize, inclusionProof, checkpoint: head.checkpoint };
        group.forEach((p, i) => p.resolve({ ...result, duplicate: i > 0 || known.has(key) }));
      }
      options.onCommit?.({
        entries: entries.length,
        duplicates: batch.length - entries.length,
        seconds: (performance.now() - sent.started) / 1000,
        treeSize: head.treeSize,
      });
    } catch (e) {
      // The batch is committed, but a receipt could not be built (a tile read failed):
      // the submitters retry and get their entry as a duplicate.
      stale = true;
      options.onError?.(e);
      const error = isLogError(e) ? e : new LogError('INTERNAL', "couldn't build the receipts", { cause: e });
      for (const p of batch) p.reject(error);
    }
  }

  async function storedEntry(leafIndex: number): Promise<Uint8Array> {
    const [data] = await store.readEntries(leafIndex, 1);
    if (data === undefined) throw new LogError('INTERNAL', `entry ${leafIndex} is missing from the store`);
    return data;
  }

  /** Puts a submission in the pool, past every check: the checks are enqueue's. */
  function queue(p: Omit<Pending, 'resolve' | 'reject' | 'lookup' | 'conflicts' | 'firstLost'>): Promise<SubmitResult> {
    return new Promise<SubmitResult>((resolve, reject) => {
      pool.push({ ...p, lookup: false, conflicts: 0, firstLost: undefined, resolve, reject });
      schedule();
    });
  }

  function enqueue(p: Omit<Pending, 'resolve' | 'reject' | 'lookup' | 'conflicts' | 'firstLost'>): Promise<SubmitResult> {
    if (closed !== undefined) return Promise.reject(closed);
    if (stopping) return Promise.reject(new LogError('UNAVAILABLE', 'the log is shutting down'));
    if (pool.length >= maxPending) return Promise.reject(new LogError('POOL_FULL', 'too many submissions are waiting; retry shortly'));
    return queue(p);
  }

  async function drain(): Promise<void> {
    while (running !== undefined || settling.length > 0) {
      if (running !== undefined) await running;
      else await settling[0];
    }
  }

  return {
    submit(entry, partnerId) {
      if (entry.length === 0) return Promise.reject(new LogError('MALFORMED_REQUEST', 'an entry is at least one byte', { field: 'body' }));
      if (entry.length > MAX_ENTRY_SIZE) {
        return Promise.reject(new LogError('ENTRY_TOO_LARGE', `an entry is at most ${MAX_ENTRY_SIZE} bytes`, { field: 'body' }));
      }
      const hash = hashLeaf(entry);
      return enqueue({ entry, leafHash: hash, key: encodeHex(hash), partnerId, placed: undefined, size: entry.length });
    },
    submitPlaced(kind, sub) {
      if (!kinds.has(kind as AnyKind)) return Promise.reject(new LogError('INTERNAL', 'a placed kind this sequencer was not made with'));
      return enqueue({ entry: new Uint8Array(0), leafHash: new Uint8Array(0), key: kind.key(sub), partnerId: kind.partnerId(sub), placed: { kind: kind as AnyKind, sub }, size: kind.size(sub) });
    },
    async sequenceOnce() {
      await drain();
      await send();
      await drain();
    },
    head: () => state.head,
    pending: () => pool.length + retry.length,
    async stop() {
      stopping = true;
      schedule();
      await drain();
    },
    readOnly: () => closed !== undefined,
    async finalize(last = []) {
      const alreadyClosed = closed !== undefined && (await store.readLifecycle()) !== undefined;
      closed ??= readOnlyError(state.head.treeSize);
      schedule();
      await drain();
      // The log's own last words go in after everything submitted before the end, past the
      // check that now refuses every other submission.
      if (!alreadyClosed && last.length > 0) {
        await Promise.all(
          last.map((entry) => {
            const hash = hashLeaf(entry);
            return queue({ entry, leafHash: hash, key: encodeHex(hash), partnerId: null, placed: undefined, size: entry.length });
          }),
        );
      }
      // A compare-and-swap like every commit: it holds only if no other server of the log
      // appended meanwhile; if one did, or finalized first, the head is read again.
      for (let attempt = 0; ; attempt++) {
        if (stale || attempt > 0) state = tip = await loadRightEdge(store);
        stale = false;
        const final = state.head;
        try {
          await store.finalizeLog({ treeSize: final.treeSize, rootHash: final.rootHash }, final);
        } catch (e) {
          if (!isLogError(e, 'CONFLICT') || attempt >= MAX_CONFLICT_RETRIES) throw e;
          continue;
        }
        closed = readOnlyError(final.treeSize);
        return final;
      }
    },
  };
}

function readOnlyError(treeSize: number): LogError {
  return new LogError('LOG_READ_ONLY', `this log is read-only for ever: it closed with its final checkpoint at tree size ${treeSize}`, {
    hint: "submit to the log that succeeds it (a log's alias always names the log taking entries now; /logs.json lists them)",
  });
}
