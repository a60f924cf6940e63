import { describe, expect, test } from 'vitest';
import { LogError } from '../../../src/errors.js';
import { EMPTY_ROOT, type Hash, committedOldRoot } from '../../../src/merkle/index.js';
import {
  cosignatureTimestamp,
  cosignatureVerifier,
  ed25519Cosigner,
  ed25519Signer,
  formatCheckpoint,
  openCheckpoint,
  openNote,
  parseCosignatureVerifier,
  parseNote,
  signNote,
} from '../../../src/note/index.js';
import {
  type WitnessStore,
  type WitnessedState,
  MemoryWitnessStore,
  TREE_SIZE_CONTENT_TYPE,
  createWitness,
  formatAddCheckpointRequest,
  parseCosignatureLines,
} from '../../../src/witness/index.js';
import { TestLog, logSigner } from '../../support/witness-log.js';

const NOW = 1_700_000_000;
const cosigner = ed25519Cosigner('witness.example/w1', new Uint8Array(32).fill(42));
const witnessVerifier = parseCosignatureVerifier(cosigner.verifierKey);

function setup(options: { store?: WitnessStore; log?: TestLog } = {}) {
  const log = options.log ?? new TestLog();
  const store = options.store ?? new MemoryWitnessStore();
  let now = NOW;
  const witness = createWitness({ cosigner, logs: [{ origin: log.origin, verifiers: [log.verifier] }], store, now: () => now++ });
  return { log, store, witness };
}

const b64 = (h: Hash) => Buffer.from(h).toString('base64');

describe('add-checkpoint: the decision table of c2sp.org/tlog-witness', () => {
  test('200: cosigns the first checkpoint (old 0, empty proof), with a cosignature that verifies', async () => {
    const { log, store, witness } = setup();
    log.grow(10);
    const result = await witness.addCheckpoint(await log.request(0, 10));
    expect(result.status, result.body).toBe(200);
    expect(result.contentType).toBe('text/plain; charset=utf-8');
    expect(result.evidence).toBeUndefined();
    const [signature] = parseCosignatureLines(result.body);
    expect(signature!.name).toBe(cosigner.name);
    expect(cosignatureTimestamp(signature!.signature)).toBe(NOW);
    // The client appends the lines to the checkpoint and opens it with the witness keys.
    const checkpoint = log.checkpoint(10);
    expect(openNote(checkpoint + result.body, [witnessVerifier]).verified).toHaveLength(1);
    expect(openNote(checkpoint + result.body, [cosignatureVerifier(cosigner.name, cosigner.publicKey)]).verified).toHaveLength(1);
    // The state: size, root, and the checkpoint with the log's signature and the cosignature.
    const state = await store.latest(log.origin);
    expect(state?.treeSize).toBe(10);
    expect(state?.rootHash).toEqual(log.root(10));
    const opened = openCheckpoint(state!.checkpoint, log.verifier, { others: [witnessVerifier] });
    expect(opened.note.verified.map((s) => s.name)).toEqual([log.origin, cosigner.name]);
    expect(await witness.latestCheckpoint(log.origin)).toEqual(state);
  });

  test('200: then grows with consistency proofs, from every size to every larger one', async () => {
    const { log, witness, store } = setup();
    log.grow(40);
    let size = 0;
    for (const next of [1, 2, 3, 4, 7, 8, 9, 16, 17, 31, 32, 33, 40]) {
      const result = await witness.addCheckpoint(await log.request(size, next));
      expect(result.status, `${size} → ${next}: ${result.body}`).toBe(200);
      size = next;
      expect((await store.latest(log.origin))?.treeSize).toBe(size);
    }
  });

  test('200: the same checkpoint again (old size = checkpoint size, same root, empty proof)', async () => {
    const { log, witness, store } = setup();
    log.grow(5);
    expect((await witness.addCheckpoint(await log.request(0, 5))).status).toBe(200);
    const again = await witness.addCheckpoint(await log.request(5, 5));
    expect(again.status).toBe(200);
    expect((await store.latest(log.origin))?.treeSize).toBe(5);
  });

  test('200: a checkpoint of size 0 with the empty root', async () => {
    const { log, witness, store } = setup();
    expect((await witness.addCheckpoint(await log.request(0, 0))).status).toBe(200);
    expect((await store.latest(log.origin))?.rootHash).toEqual(EMPTY_ROOT);
    log.grow(3);
    expect((await witness.addCheckpoint(await log.request(0, 3))).status).toBe(200);
  });

  test('400: a malformed body, with a clear message', async () => {
    const { witness } = setup();
    for (const body of ['', 'old 01\n\n', 'hello\n', 'old 1\n\nnot a note\n']) {
      const result = await witness.addCheckpoint(body);
      expect(result.status).toBe(400);
      expect(result.contentType).toBe('text/plain; charset=utf-8');
      expect(result.body).toMatch(/^couldn't parse add-checkpoint request: .+\n$/);
    }
  });

  test('404: an unknown origin, even if correctly signed by a known key of another log', async () => {
    const { witness } = setup();
    const other = new TestLog(logSigner(8, 'example.org/other-log'));
    other.grow(2);
    const result = await witness.addCheckpoint(await other.request(0, 2));
    expect(result.status).toBe(404);
    expect(result.body).toContain('example.org/other-log');
  });

  test('403: no signature by a trusted key (an unknown key of the same name, or another name)', async () => {
    const { log, witness, store } = setup();
    log.grow(3);
    const impostor = logSigner(99); // same origin as name, another key
    const stranger = ed25519Signer('someone.example', new Uint8Array(32).fill(3));
    for (const signers of [[impostor], [stranger], [impostor, stranger]]) {
      const body = formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [], checkpoint: log.checkpoint(3, signers) });
      expect((await witness.addCheckpoint(body)).status).toBe(403);
    }
    expect(await store.latest(log.origin)).toBeUndefined();
  });

  test('403: a signature by the trusted key that does not verify', async () => {
    const { log, witness } = setup();
    log.grow(3);
    const checkpoint = log.checkpoint(3);
    const tampered = checkpoint.replace(/\n3\n/, '\n4\n'); // the text changed, the signature did not
    expect(tampered).not.toBe(checkpoint);
    const result = await witness.addCheckpoint(formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [], checkpoint: tampered }));
    expect(result.status).toBe(403);
  });

  test('signatures by unknown keys are ignored, and not kept in the stored checkpoint', async () => {
    const { log, witness, store } = setup();
    log.grow(3);
    const stranger = ed25519Signer('someone.example', new Uint8Array(32).fill(3));
    const body = formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [], checkpoint: log.checkpoint(3, [stranger, log.signer]) });
    expect((await witness.addCheckpoint(body)).status).toBe(200);
    const stored = parseNote((await store.latest(log.origin))!.checkpoint);
    expect(stored.signatures.map((s) => s.name)).toEqual([log.origin, cosigner.name]);
  });

  test('any of several trusted keys for one origin will do (key rotation)', async () => {
    const log = new TestLog();
    const next = logSigner(11);
    const witness = createWitness({
      cosigner,
      logs: [{ origin: log.origin, verifiers: [log.verifier, new TestLog(next).verifier] }],
      store: new MemoryWitnessStore(),
      now: () => NOW,
    });
    log.grow(4);
    const body = formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [], checkpoint: log.checkpoint(4, [next]) });
    expect((await witness.addCheckpoint(body)).status).toBe(200);
  });

  test('400: the old size is above the checkpoint size', async () => {
    const { log, witness } = setup();
    log.grow(3);
    const body = formatAddCheckpointRequest({ oldSize: 4, consistencyProof: [], checkpoint: log.checkpoint(3) });
    const result = await witness.addCheckpoint(body);
    expect(result.status).toBe(400);
    expect(result.body).toContain('above');
  });

  test('409: the old size is not the stored size; the body is that size, as text/x.tlog.size', async () => {
    const { log, witness } = setup();
    log.grow(20);
    // Never cosigned: the stored size is 0.
    let result = await witness.addCheckpoint(await log.request(5, 20));
    expect(result).toEqual({ status: 409, contentType: TREE_SIZE_CONTENT_TYPE, body: '0\n' });
    expect((await witness.addCheckpoint(await log.request(0, 10))).status).toBe(200);
    for (const old of [0, 5, 11, 12]) {
      result = await witness.addCheckpoint(await log.request(old, 20));
      expect(result).toEqual({ status: 409, contentType: TREE_SIZE_CONTENT_TYPE, body: '10\n' });
    }
    // An older checkpoint than the one cosigned: 409 too, never a rollback.
    result = await witness.addCheckpoint(await log.request(0, 8));
    expect(result.status).toBe(409);
  });

  test('409 bodies for sizes past 2^32', async () => {
    const log = new TestLog();
    const store = new MemoryWitnessStore();
    const big = 2 ** 40 + 3;
    await store.compareAndSwap(log.origin, undefined, { treeSize: big, rootHash: new Uint8Array(32).fill(1), checkpoint: 'x' });
    const witness = createWitness({ cosigner, logs: [{ origin: log.origin, verifiers: [log.verifier] }], store, now: () => NOW });
    log.grow(2);
    expect((await witness.addCheckpoint(await log.request(0, 2))).body).toBe(`${big}\n`);
    // The right old size with a checkpoint past 2^32 and a proof that cannot match: 422.
    const checkpoint = signNote(formatCheckpoint({ origin: log.origin, treeSize: big + 5, rootHash: new Uint8Array(32).fill(2), extensions: [] }), [log.signer]);
    const proof = Array.from({ length: 10 }, (_, i) => new Uint8Array(32).fill(i));
    const result = await witness.addCheckpoint(formatAddCheckpointRequest({ oldSize: big, consistencyProof: proof, checkpoint }));
    expect(result.status).toBe(422);
    expect(result.evidence).toBeUndefined(); // a proof that misses the signed root is the submitter's
  });

  test('422 and no evidence for a garbage proof with a checkpoint the log published: anyone can send one, it proves nothing about the log', async () => {
    const { log, witness, store } = setup();
    log.grow(10);
    expect((await witness.addCheckpoint(await log.request(0, 6))).status).toBe(200);
    const stored = (await store.latest(log.origin))!;
    const proof = await log.proof(6, 10);
    const cases: Hash[][] = [
      [], // too short
      [...proof, new Uint8Array(32)], // too long
      proof.map((h, i) => (i === 0 ? new Uint8Array(32).fill(9) : h)), // wrong hash
      proof.map((h, i) => (i === proof.length - 1 ? new Uint8Array(32).fill(9) : h)), // wrong last hash
    ];
    for (const consistencyProof of cases) {
      const body = formatAddCheckpointRequest({ oldSize: 6, consistencyProof, checkpoint: log.checkpoint(10) });
      const result = await witness.addCheckpoint(body);
      expect(result.status).toBe(422);
      expect(result.contentType).toBe('text/plain; charset=utf-8');
      expect(result.evidence).toBeUndefined();
    }
    expect(await store.latest(log.origin)).toEqual(stored);
  });

  test('422 with evidence: a fork whose own proof reaches its signed root from another root for the cosigned size', async () => {
    const { log, witness, store } = setup();
    log.grow(6);
    expect((await witness.addCheckpoint(await log.request(0, 6))).status).toBe(200);
    const stored = (await store.latest(log.origin))!;
    const fork = log.fork(4);
    fork.grow(6, 'forked');
    const consistencyProof = await fork.proof(6, 10);
    // Unknown signatures added by whoever submits it are not kept.
    const padded = fork.checkpoint(10) + `\u2014 someone.example/x ${Buffer.alloc(68, 3).toString('base64')}\n`;
    const result = await witness.addCheckpoint(formatAddCheckpointRequest({ oldSize: 6, consistencyProof, checkpoint: padded })); // a proof in the fork's own tree
    expect(result.status).toBe(422);
    expect(result.evidence).toMatchObject({
      type: 'tlog-witness-evidence',
      failure: 'inconsistent',
      origin: log.origin,
      witness: cosigner.name,
      oldSize: 6,
      consistencyProof: consistencyProof.map(b64),
      checkpoint: fork.checkpoint(10),
      witnessedCheckpoint: stored.checkpoint,
    });
    expect(result.evidence?.detail).toContain(b64(fork.root(6)));
    // Anyone can check it with the log key alone: the proof reaches the fork's signed root
    // from the fork's root of size 6, which is not the root the log signed for size 6.
    expect(committedOldRoot(6, 10, consistencyProof, fork.root(10))).toEqual(fork.root(6));
    expect(fork.root(6)).not.toEqual(log.root(6));
  });

  test('422 and no evidence for a fork from a cosigned size that is a complete subtree: its proof leaves the old root out', async () => {
    const { log, witness } = setup();
    log.grow(4);
    expect((await witness.addCheckpoint(await log.request(0, 4))).status).toBe(200);
    const fork = log.fork(2);
    fork.grow(6, 'forked');
    const result = await witness.addCheckpoint(await fork.request(4, 8));
    expect(result.status).toBe(422);
    expect(result.evidence).toBeUndefined();
  });

  test('422: the proof must be empty when the old size is 0, and from a size to itself', async () => {
    const { log, witness } = setup();
    log.grow(4);
    const junk = [new Uint8Array(32)];
    let result = await witness.addCheckpoint(formatAddCheckpointRequest({ oldSize: 0, consistencyProof: junk, checkpoint: log.checkpoint(4) }));
    expect(result.status).toBe(422);
    expect((await witness.addCheckpoint(await log.request(0, 4))).status).toBe(200);
    result = await witness.addCheckpoint(formatAddCheckpointRequest({ oldSize: 4, consistencyProof: junk, checkpoint: log.checkpoint(4) }));
    expect(result.status).toBe(422);
  });

  test('409: the old size is the checkpoint size but the roots differ, with evidence', async () => {
    const { log, witness, store } = setup();
    log.grow(5);
    expect((await witness.addCheckpoint(await log.request(0, 5))).status).toBe(200);
    const stored = (await store.latest(log.origin))!;
    const fork = log.fork(3);
    fork.grow(2, 'forked');
    const result = await witness.addCheckpoint(await fork.request(5, 5));
    expect(result.status).toBe(409);
    expect(result.contentType).toBe(TREE_SIZE_CONTENT_TYPE);
    expect(result.body).toBe('5\n');
    expect(result.evidence).toMatchObject({ failure: 'conflicting-root', oldSize: 5, consistencyProof: [], checkpoint: fork.checkpoint(5), witnessedCheckpoint: stored.checkpoint });
    // The same fork sent with any other old size is still the same pair of signed checkpoints.
    for (const oldSize of [0, 3, 4]) {
      const again = await witness.addCheckpoint(formatAddCheckpointRequest({ oldSize, consistencyProof: [], checkpoint: fork.checkpoint(5) }));
      expect(again.status).toBe(409);
      expect(again.body).toBe('5\n');
      expect(again.evidence).toMatchObject({ failure: 'conflicting-root', checkpoint: fork.checkpoint(5), witnessedCheckpoint: stored.checkpoint });
    }
    // A size-0 checkpoint that is not the empty tree conflicts with "never cosigned".
    const { log: fresh, witness: w2 } = setup();
    const bogus = signNote(formatCheckpoint({ origin: fresh.origin, treeSize: 0, rootHash: new Uint8Array(32).fill(5), extensions: [] }), [fresh.signer]);
    const r2 = await w2.addCheckpoint(formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [], checkpoint: bogus }));
    expect(r2.status).toBe(409);
    expect(r2.body).toBe('0\n');
  });

  test("the checks run in the spec's order", async () => {
    const { log, witness } = setup();
    log.grow(8);
    expect((await witness.addCheckpoint(await log.request(0, 4))).status).toBe(200);
    const other = new TestLog(logSigner(8, 'example.org/other-log'));
    other.grow(8);
    const impostor = logSigner(99);
    const badProof = [new Uint8Array(32)];
    const at = (oldSize: number, checkpoint: string, consistencyProof: Hash[] = []) => witness.addCheckpoint(formatAddCheckpointRequest({ oldSize, consistencyProof, checkpoint }));
    // Unknown origin before signatures and sizes.
    expect((await at(9, other.checkpoint(8, [impostor]))).status).toBe(404);
    // No trusted signature before the old-size checks.
    expect((await at(9, log.checkpoint(8, [impostor]))).status).toBe(403);
    // Old size above the checkpoint before the stored-size check.
    expect((await at(9, log.checkpoint(8))).status).toBe(400);
    // Stored-size mismatch before the proof.
    expect((await at(3, log.checkpoint(8), badProof)).status).toBe(409);
    // Then the proof.
    expect((await at(4, log.checkpoint(8), badProof)).status).toBe(422);
  });

  test('a lost compare-and-swap is decided again on the new state: no rollback, no second root', async () => {
    const log = new TestLog();
    log.grow(20);
    const inner = new MemoryWitnessStore();
    let interfere: (() => Promise<void>) | undefined;
    const store: WitnessStore = {
      latest: (origin) => inner.latest(origin),
      async compareAndSwap(origin, expected, next) {
        const hook = interfere;
        interfere = undefined;
        if (hook !== undefined) await hook(); // another request wins in between
        return inner.compareAndSwap(origin, expected, next);
      },
    };
    const witness = createWitness({ cosigner, logs: [{ origin: log.origin, verifiers: [log.verifier] }], store, now: () => NOW });
    expect((await witness.addCheckpoint(await log.request(0, 5))).status).toBe(200);
    // Request A (5 → 10) checks against size 5, then B (5 → 15) commits first.
    const state5 = (await inner.latest(log.origin))!;
    const state15: WitnessedState = { treeSize: 15, rootHash: log.root(15), checkpoint: 'cosigned 15' };
    interfere = async () => {
      expect(await inner.compareAndSwap(log.origin, state5, state15)).toBe(true);
    };
    const result = await witness.addCheckpoint(await log.request(5, 10));
    expect(result).toEqual({ status: 409, contentType: TREE_SIZE_CONTENT_TYPE, body: '15\n' });
    expect((await inner.latest(log.origin))?.treeSize).toBe(15);
  });

  test('concurrent requests from the same old size: one is cosigned, the others get 409', async () => {
    const { log, witness, store } = setup();
    log.grow(30);
    expect((await witness.addCheckpoint(await log.request(0, 5))).status).toBe(200);
    const bodies = await Promise.all([10, 20, 30, 15].map((n) => log.request(5, n)));
    const results = await Promise.all(bodies.map((b) => witness.addCheckpoint(b)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409]);
    const winner = [10, 20, 30, 15][results.findIndex((r) => r.status === 200)];
    expect((await store.latest(log.origin))?.treeSize).toBe(winner);
    for (const r of results) if (r.status === 409) expect(r.body).toBe(`${winner}\n`);
  });

  test('gives up with CONFLICT when the state keeps changing', async () => {
    const log = new TestLog();
    log.grow(2);
    const store: WitnessStore = { latest: async () => undefined, compareAndSwap: async () => false };
    const witness = createWitness({ cosigner, logs: [{ origin: log.origin, verifiers: [log.verifier] }], store, now: () => NOW, maxAttempts: 3 });
    await expect(witness.addCheckpoint(await log.request(0, 2))).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  test('storage failures propagate (the edge answers them as problems)', async () => {
    const log = new TestLog();
    log.grow(2);
    const store: WitnessStore = {
      latest: async () => {
        throw new LogError('UNAVAILABLE', 'the database is down');
      },
      compareAndSwap: async () => false,
    };
    const witness = createWitness({ cosigner, logs: [{ origin: log.origin, verifiers: [log.verifier] }], store, now: () => NOW });
    await expect(witness.addCheckpoint(await log.request(0, 2))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  test('refuses a bad configuration', () => {
    const log = new TestLog();
    const store = new MemoryWitnessStore();
    const entry = { origin: log.origin, verifiers: [log.verifier] };
    expect(() => createWitness({ cosigner, logs: [entry, entry], store, now: () => NOW })).toThrow(/configured twice/);
    expect(() => createWitness({ cosigner, logs: [{ origin: log.origin, verifiers: [] }], store, now: () => NOW })).toThrow(/no verifier key/);
    expect(() => createWitness({ cosigner, logs: [{ origin: '', verifiers: [log.verifier] }], store, now: () => NOW })).toThrow(/origin/);
  });

  test('addLog: a log added at runtime is witnessed from then on; an origin witnessed already keeps its keys', async () => {
    const { log, witness } = setup();
    const added = new TestLog(logSigner(8, 'example.org/added-log'));
    added.grow(3);
    expect((await witness.addCheckpoint(await added.request(0, 3))).status).toBe(404);
    witness.addLog({ origin: added.origin, verifiers: [added.verifier] });
    expect(witness.logs.map((l) => l.origin)).toEqual([log.origin, added.origin]);
    expect((await witness.addCheckpoint(await added.request(0, 3))).status).toBe(200);
    expect((await witness.latestCheckpoint(added.origin))?.treeSize).toBe(3);

    // Another key for a witnessed origin is refused, and the old key still cosigns.
    const impostor = new TestLog(logSigner(9, log.origin));
    expect(() => witness.addLog({ origin: log.origin, verifiers: [impostor.verifier] })).toThrow(/witnessed already/);
    impostor.grow(2);
    expect((await witness.addCheckpoint(await impostor.request(0, 2))).status).toBe(403);
    log.grow(2);
    expect((await witness.addCheckpoint(await log.request(0, 2))).status).toBe(200);
    expect(() => witness.addLog({ origin: 'example.org/none', verifiers: [] })).toThrow(/no verifier key/);
  });

  test('latestCheckpoint is undefined for an unknown origin or before the first cosignature', async () => {
    const { log, witness } = setup();
    expect(await witness.latestCheckpoint(log.origin)).toBeUndefined();
    expect(await witness.latestCheckpoint('example.org/unknown')).toBeUndefined();
    expect(witness.logs.map((l) => l.origin)).toEqual([log.origin]);
    expect(witness.name).toBe(cosigner.name);
    expect(witness.verifierKey).toBe(cosigner.verifierKey);
  });
});
