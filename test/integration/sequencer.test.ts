/**
 * The sequencer over real and fake stores: concurrency, dedup, faults (including the
 * ambiguous commit that succeeded but reported an error), two writers on one database,
 * and the whole-log checker (fsck) after each.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fsck } from '../../src/cli/fsck.js';
import { createNodeEd25519Verify, nodeEd25519, nodeLeafHash, nodeNodeHash } from '../../src/cli/node-crypto.js';
import { ensureLog } from '../../src/cli/server.js';
import { LogError } from '../../src/errors.js';
import type { LogStore } from '../../src/log/index.js';
import { proveConsistency, verifyConsistency } from '../../src/merkle/index.js';
import { type NoteVerifier, ed25519Signer, ed25519Verifier, openCheckpoint } from '../../src/note/index.js';
import { storeHashReader } from '../../src/read/index.js';
import { formatReceipt, verifyReceipt } from '../../src/receipt/index.js';
import { type SubmitResult, createSequencer } from '../../src/sequencer/index.js';
import { type DatabaseHandle, type CommitFaults, migrateDatabase, openDatabase } from '../../src/storage/index.js';
import { MemoryStore } from '../support/memory-store.js';
import { emptyDatabase, sharedStore } from '../support/pg-harness.js';

// The sequencer is under test here, not the pure Ed25519 and SHA-256 code (tested in
// test/unit/note and test/unit/merkle): signatures and hashes are made and checked natively,
// as the server does (RFC 8032 signatures are deterministic, so they are the same bytes).
const signer = ed25519Signer('seq.sightline.example/log', new Uint8Array(32).fill(5), nodeEd25519);
const nativeVerify = createNodeEd25519Verify();
// The receipts of one batch share its checkpoint: each distinct signed note is verified once.
const verdicts = new Map<string, boolean>();
const verifier: NoteVerifier = {
  ...ed25519Verifier(signer.name, signer.publicKey),
  verify(message, signature) {
    const key = `${Buffer.from(signature).toString('base64')} ${Buffer.from(message).toString('base64')}`;
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      verdict = nativeVerify(signer.publicKey, message, signature);
      verdicts.set(key, verdict);
    }
    return verdict;
  },
};
const entry = (i: number | string) => new TextEncoder().encode(`sequencer test entry ${i}`);

async function sequencerOn(store: LogStore, options: { maxBatch?: number } = {}) {
  const meta = await ensureLog(store, signer);
  return createSequencer({ store, signer, origin: meta.origin, leafHash: nodeLeafHash, nodeHash: nodeNodeHash, hashReader: (n) => storeHashReader(store, n), ...options });
}

/** Every receipt verifies, and every checkpoint handed out is consistent with the final one. */
async function checkReceipts(store: LogStore, results: SubmitResult[], entries: Uint8Array[]) {
  const head = await store.readHead();
  const reader = storeHashReader(store, head.treeSize);
  const seen = new Map<number, string>();
  for (const [i, r] of results.entries()) {
    const receipt = formatReceipt({ leafIndex: r.leafIndex, inclusionProof: r.inclusionProof, checkpoint: r.checkpoint });
    const { checkpoint } = verifyReceipt(receipt, entries[i]!, { log: verifier });
    const root = Buffer.from(checkpoint.rootHash).toString('base64');
    expect(seen.get(checkpoint.treeSize) ?? root, `two roots for size ${checkpoint.treeSize}`).toBe(root);
    seen.set(checkpoint.treeSize, root);
  }
  for (const [size, root] of seen) {
    verifyConsistency(size, head.treeSize, await proveConsistency(reader, size, head.treeSize), new Uint8Array(Buffer.from(root, 'base64')), head.rootHash);
  }
}

async function expectHealthy(store: LogStore, treeSize: number) {
  const report = await fsck(store);
  expect(report.problems).toEqual([]);
  expect(report.treeSize).toBe(treeSize);
}

type Backend = { name: string; make: (faults?: CommitFaults) => Promise<LogStore> };

let pglite: DatabaseHandle;
beforeAll(async () => {
  pglite = await openDatabase({ memory: true });
  await migrateDatabase(pglite);
});
afterAll(async () => {
  await pglite.close();
});

const backends: Backend[] = [
  { name: 'memory', make: async (faults) => new MemoryStore(faults === undefined ? {} : { faults }) },
  {
    name: 'pglite',
    make: async (faults) => {
      await emptyDatabase(pglite);
      return sharedStore(pglite, faults);
    },
  },
];

describe.each(backends)('sequencer on $name', ({ make }) => {
  test('2,000 entries from 64 concurrent clients: contiguous distinct indices, receipts verify, fsck passes', async () => {
    const store = await make();
    const sequencer = await sequencerOn(store);
    const entries = Array.from({ length: 2000 }, (_, i) => entry(i));
    const results: SubmitResult[] = new Array(entries.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < entries.length) {
          const i = next++;
          results[i] = await sequencer.submit(entries[i]!, 'p');
        }
      }),
    );
    expect(results.map((r) => r.leafIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(results.every((r) => !r.duplicate)).toBe(true);
    await checkReceipts(store, results, entries);
    await expectHealthy(store, 2000);
    await sequencer.stop();
  });

  test('duplicates inside one batch and across batches get the existing index', async () => {
    const store = await make();
    const sequencer = await sequencerOn(store);
    const first = await Promise.all([entry('a'), entry('b'), entry('a'), entry('a')].map((e) => sequencer.submit(e, 'p')));
    expect(first.map((r) => [r.leafIndex, r.duplicate])).toEqual([[0, false], [1, false], [0, true], [0, true]]);
    const later = await Promise.all([entry('c'), entry('b')].map((e) => sequencer.submit(e, 'p')));
    expect(later.map((r) => [r.leafIndex, r.duplicate])).toEqual([[2, false], [1, true]]);
    await checkReceipts(store, [...first, ...later], [entry('a'), entry('b'), entry('a'), entry('a'), entry('c'), entry('b')]);
    await expectHealthy(store, 3);
  });

  test('an entry already in the log that this sequencer never saw (a restart) is found, not stored twice', async () => {
    const store = await make();
    const first = await sequencerOn(store);
    await Promise.all(['a', 'b'].map((e) => first.submit(entry(e), 'p')));
    await first.stop();
    // A new sequencer knows nothing of 'a' in memory: its optimistic commit is refused by
    // the store, and the retry finds the entry.
    const second = await sequencerOn(store);
    const results = await Promise.all(['c', 'a', 'd'].map((e) => second.submit(entry(e), 'p')));
    expect(results.map((r) => [r.leafIndex, r.duplicate])).toEqual([[2, false], [0, true], [3, false]]);
    await checkReceipts(store, results, ['c', 'a', 'd'].map(entry));
    await expectHealthy(store, 4);
    await second.stop();
  });

  test('a failure just before COMMIT loses nothing recorded and the log recovers', async () => {
    let fail = false;
    const store = await make({ beforeCommit: () => {
      if (fail) throw new Error('injected fault');
    } });
    const sequencer = await sequencerOn(store);
    await Promise.all([0, 1, 2].map((i) => sequencer.submit(entry(i), 'p')));
    fail = true;
    await expect(sequencer.submit(entry(3), 'p')).rejects.toBeInstanceOf(LogError);
    await expectHealthy(store, 3);
    fail = false;
    const results = await Promise.all([3, 4].map((i) => sequencer.submit(entry(i), 'p')));
    expect(results.map((r) => r.leafIndex)).toEqual([3, 4]);
    await expectHealthy(store, 5);
  });
});

test('an ambiguous commit (stored, but reported as failed) is recovered: the retry finds the entry', async () => {
  const store = new MemoryStore();
  const sequencer = await sequencerOn(store);
  await sequencer.submit(entry(0), 'p');
  const commit = store.commitBatch.bind(store);
  store.commitBatch = async (...args) => {
    await commit(...args);
    store.commitBatch = commit;
    throw new Error('connection lost after COMMIT');
  };
  await expect(sequencer.submit(entry(1), 'p')).rejects.toMatchObject({ code: 'INTERNAL' });
  // The submitter retries: the entry is there, once, and the sequencer builds on the stored head.
  const retry = await sequencer.submit(entry(1), 'p');
  expect(retry).toMatchObject({ leafIndex: 1, duplicate: true, treeSize: 2 });
  expect((await sequencer.submit(entry(2), 'p')).leafIndex).toBe(2);
  await expectHealthy(store, 3);
});

test('commits are pipelined, and a batch sent behind one that fails is retried, never receipted from the failed tree', async () => {
  const store = new MemoryStore();
  const sequencer = await sequencerOn(store);
  await sequencer.submit(entry('base'), 'p');
  const commit = store.commitBatch.bind(store);
  const calls: { release: () => void; fail: boolean }[] = [];
  let failFirst = true;
  store.commitBatch = async (...args) => {
    const call = { release: () => {}, fail: failFirst };
    failFirst = false;
    const gate = new Promise<void>((resolve) => (call.release = resolve));
    calls.push(call);
    await gate;
    if (call.fail) throw new Error('the database went away');
    return commit(...args);
  };
  const a = sequencer.submit(entry('a'), 'p');
  while (calls.length < 1) await new Promise((r) => setTimeout(r, 1));
  const b = sequencer.submit(entry('b'), 'p');
  // The second batch is sent while the first is still committing.
  while (calls.length < 2) await new Promise((r) => setTimeout(r, 1));
  calls[0]!.release();
  await expect(a).rejects.toMatchObject({ code: 'INTERNAL' });
  calls[1]!.release(); // built on the failed batch's tree: the store refuses it (CONFLICT)
  while (calls.length < 3) await new Promise((r) => setTimeout(r, 1));
  calls[2]!.release(); // the retry, on the reloaded head
  const result = await b;
  expect([result.leafIndex, result.treeSize, result.duplicate]).toEqual([1, 2, false]);
  await checkReceipts(store, [result], [entry('b')]);
  await expectHealthy(store, 2);
  await sequencer.stop();
});

test('two sequencers on one store never sign two different trees of one size', async () => {
  await emptyDatabase(pglite);
  const store = sharedStore(pglite);
  const a = await sequencerOn(store, { maxBatch: 7 });
  const b = await sequencerOn(sharedStore(pglite), { maxBatch: 5 });
  const entries = Array.from({ length: 400 }, (_, i) => entry(`two ${i}`));
  const results = await Promise.all(entries.map((e, i) => (i % 2 === 0 ? a : b).submit(e, 'p')));
  expect(results.map((r) => r.leafIndex).sort((x, y) => x - y)).toEqual(Array.from({ length: 400 }, (_, i) => i));
  await checkReceipts(store, results, entries);
  await expectHealthy(store, 400);
  for (const r of results) expect(openCheckpoint(r.checkpoint, verifier).checkpoint.treeSize).toBe(r.treeSize);
});

describe('a writer that keeps losing races to another', () => {
  /** A store whose next `losses` commits report a lost race (as if another writer moved first). */
  function losingStore(losses: number) {
    const store = new MemoryStore();
    let left = losses;
    const commit = store.commitBatch.bind(store);
    store.commitBatch = async (...args) => {
      if (left-- > 0) throw new LogError('CONFLICT', 'another writer got there first');
      return commit(...args);
    };
    return store;
  }

  test('is retried past many lost races while they last less than the wait', async () => {
    const sequencer = await sequencerOn(losingStore(24));
    const result = await sequencer.submit(entry('patient'), 'p');
    expect(result.leafIndex).toBe(0);
    await sequencer.stop();
  });

  test('fails with CONFLICT only once it has lost many races over the whole wait', async () => {
    const store = losingStore(Number.POSITIVE_INFINITY);
    const meta = await ensureLog(store, signer);
    const sequencer = await createSequencer({ store, signer, origin: meta.origin, hashReader: (n) => storeHashReader(store, n), conflictWaitMs: 300 });
    const started = performance.now();
    await expect(sequencer.submit(entry('starved'), 'p')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    await sequencer.stop();
  });
});

describe('finalize: the end of a temporal shard', () => {
  test('commits what is queued, then refuses every submission, on this sequencer and on another of the log', async () => {
    const store = new MemoryStore();
    const a = await sequencerOn(store);
    const b = await sequencerOn(store); // another server of the same log
    const queued = Array.from({ length: 20 }, (_, i) => a.submit(entry(`last ${i}`), 'p'));
    const final = await a.finalize();
    // Everything submitted before the end is in, and in the final tree.
    const results = await Promise.all(queued);
    expect(final.treeSize).toBe(20);
    for (const r of results) expect(r.treeSize).toBeLessThanOrEqual(final.treeSize);
    expect(a.readOnly()).toBe(true);
    await expect(a.submit(entry('too late'), 'p')).rejects.toMatchObject({ code: 'LOG_READ_ONLY' });
    // The other server learns it from the store's guard, and then refuses at once too.
    await expect(b.submit(entry('too late, elsewhere'), 'p')).rejects.toMatchObject({ code: 'LOG_READ_ONLY' });
    expect(b.readOnly()).toBe(true);
    await expect(b.submit(entry('still too late'), 'p')).rejects.toMatchObject({ code: 'LOG_READ_ONLY' });
    expect((await store.readHead()).treeSize).toBe(20);
    // Finalizing again, here or there, changes nothing and gives the same final head.
    expect((await b.finalize()).checkpoint).toBe(final.checkpoint);
    expect((await a.finalize()).checkpoint).toBe(final.checkpoint);
    expect((await store.readLifecycle())?.finalCheckpoint).toBe(final.checkpoint);
    // A sequencer started on the closed log (a restart) refuses from the first submission.
    const restarted = await sequencerOn(store);
    expect(restarted.readOnly()).toBe(true);
    await expect(restarted.submit(entry('after a restart'), 'p')).rejects.toMatchObject({ code: 'LOG_READ_ONLY' });
    await Promise.all([a.stop(), b.stop(), restarted.stop()]);
  });

  test("the log's closing records go in last, after everything queued, once", async () => {
    const store = new MemoryStore();
    const a = await sequencerOn(store);
    const queued = Array.from({ length: 5 }, (_, i) => a.submit(entry(`before the end ${i}`), 'p'));
    const closing = new TextEncoder().encode('the log after this one is …');
    const final = await a.finalize([closing]);
    await Promise.all(queued);
    expect(final.treeSize).toBe(6);
    expect((await store.readEntries(5, 1))[0]).toEqual(closing);
    // Finalizing again appends nothing more.
    expect((await a.finalize([closing])).treeSize).toBe(6);
    await a.stop();
  });

  test('a log another server appended to after this one last looked is finalized at that server’s head', async () => {
    const store = new MemoryStore();
    const a = await sequencerOn(store);
    const b = await sequencerOn(store);
    await a.submit(entry('from a'), 'p');
    await b.submit(entry('from b'), 'p'); // a's view is now one entry behind
    const final = await a.finalize();
    expect(final.treeSize).toBe(2);
    expect((await store.readHead()).treeSize).toBe(2);
    await Promise.all([a.stop(), b.stop()]);
  });
});

test('receipts are answered a bounded number a turn of the event loop, as the server paces them', async () => {
  const store = new MemoryStore();
  const meta = await ensureLog(store, signer);
  const perTurn = 3;
  const sequencer = await createSequencer({ store, signer, origin: meta.origin, leafHash: nodeLeafHash, nodeHash: nodeNodeHash, hashReader: (n) => storeHashReader(store, n), answersPerTurn: () => perTurn });
  let turn = 0;
  let ticking = true;
  const tick = (): void => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const answeredIn = new Map<number, number>();
  const count = 20;
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      sequencer.submit(entry(`paced ${i}`), 'p').then((r) => {
        answeredIn.set(turn, (answeredIn.get(turn) ?? 0) + 1);
        return r;
      }),
    ),
  );
  ticking = false;
  // One batch of all twenty (submitted in one turn), its receipts spread over turns.
  expect(new Set(results.map((r) => r.treeSize)).size).toBe(1);
  expect(Math.max(...answeredIn.values())).toBe(perTurn);
  expect(answeredIn.size).toBeGreaterThanOrEqual(Math.ceil(count / perTurn));
  await checkReceipts(store, results, Array.from({ length: count }, (_, i) => entry(`paced ${i}`)));
  await sequencer.stop();
});
