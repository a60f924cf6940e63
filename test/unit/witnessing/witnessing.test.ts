/**
 * The log side of c2sp.org/tlog-witness, against real witness logic (the pure witness
 * over in-memory state) behind an injected POST: rounds gather a quorum of cosignatures on
 * one checkpoint, a witness's 409 is followed, a witness that is down or lies is not
 * counted, submissions are paced, and `waitFor` is bounded.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { utf8 } from '../../../src/encoding/index.js';
import type { TreeHead } from '../../../src/log/index.js';
import { leafHash, proveConsistency } from '../../../src/merkle/index.js';
import { cosignatureVerifier, ed25519Cosigner, ed25519Signer, ed25519Verifier, formatCheckpoint, openNote, parseCosignatureVerifier, signNote } from '../../../src/note/index.js';
import { MemoryWitnessStore, createWitness } from '../../../src/witness/index.js';
import { type Post, type Witnessing, createWitnessing } from '../../../src/witnessing/index.js';
import { MemoryStore } from '../../support/memory-store.js';
import { MemoryTree } from '../../support/memory-tree.js';
import { HANG_MS } from '../../support/waits.js';

const origin = 'witnessing.sightline.example/log';
const signer = ed25519Signer(origin, new Uint8Array(32).fill(7));
const logVerifier = ed25519Verifier(origin, signer.publicKey);

/** A log of `size` leaves so far, growing on demand, with signed heads and real proofs. */
function growingLog() {
  const tree = new MemoryTree();
  const heads = new Map<number, TreeHead>();
  return {
    grow(count: number): TreeHead {
      tree.append(Array.from({ length: count }, (_, i) => leafHash(utf8(`entry ${tree.treeSize + i}`))));
      const head = { treeSize: tree.treeSize, rootHash: tree.rootHash, checkpoint: signNote(formatCheckpoint({ origin, treeSize: tree.treeSize, rootHash: tree.rootHash, extensions: [] }), [signer]) };
      heads.set(head.treeSize, head);
      return head;
    },
    consistencyProof: (from: number, to: number) => proveConsistency(tree.hashReader(to), from, to),
  };
}

function witnessNamed(name: string, seedByte: number) {
  const cosigner = ed25519Cosigner(name, new Uint8Array(32).fill(seedByte));
  const witness = createWitness({ cosigner, logs: [{ origin, verifiers: [logVerifier] }], store: new MemoryWitnessStore(), now: () => 1_800_000_000 });
  return { cosigner, witness, url: `https://${name}` };
}

type NamedWitness = ReturnType<typeof witnessNamed>;

/** Routes POSTs to in-process witnesses; `down` ones fail like an unreachable host. */
function router(witnesses: NamedWitness[], down = new Set<string>()) {
  const requests: { url: string; body: string }[] = [];
  const post: Post = async (url, body) => {
    requests.push({ url, body });
    const w = witnesses.find((x) => url === `${x.url}/add-checkpoint`);
    if (w === undefined || down.has(w.url)) throw new Error('connect ECONNREFUSED');
    return w.witness.addCheckpoint(body);
  };
  return { post, requests };
}

const running: Witnessing[] = [];
afterEach(async () => {
  for (const w of running.splice(0)) await w.stop();
});

function witnessingFor(witnesses: NamedWitness[], post: Post, options: { quorum?: number; store?: MemoryStore; consistencyProof: (a: number, b: number) => Promise<Uint8Array[]>; minIntervalMs?: number }) {
  const w = createWitnessing({
    witnesses: witnesses.map((x) => ({ url: x.url, verifierKey: x.cosigner.verifierKey, verifier: parseCosignatureVerifier(x.cosigner.verifierKey) })),
    quorum: options.quorum ?? witnesses.length,
    store: options.store ?? new MemoryStore(),
    consistencyProof: options.consistencyProof,
    post,
    minIntervalMs: options.minIntervalMs ?? 0,
    maxAgeMs: 0,
  });
  running.push(w);
  return w;
}

describe('witnessed checkpoints', () => {
  test('two witnesses, quorum 2: the kept checkpoint has the log signature first, then both cosignatures', async () => {
    const log = growingLog();
    const ws = [witnessNamed('w1.example', 1), witnessNamed('w2.example', 2)];
    const { post } = router(ws);
    const store = new MemoryStore();
    const witnessing = witnessingFor(ws, post, { store, consistencyProof: log.consistencyProof });
    witnessing.offer(log.grow(5));
    const head = await witnessing.waitFor(5, HANG_MS);
    expect(head?.treeSize).toBe(5);
    const opened = openNote(head!.checkpoint, [logVerifier, ...ws.map((w) => cosignatureVerifier(w.cosigner.name, w.cosigner.publicKey))]);
    expect(opened.verified.map((s) => s.name)).toEqual([origin, 'w1.example', 'w2.example']);
    expect(await store.readWitnessedCheckpoint()).toEqual(head);
    expect(witnessing.status().map((s) => s.treeSize)).toEqual([5, 5]);

    // Growing: each witness gets a consistency proof from the size it cosigned.
    witnessing.offer(log.grow(300));
    expect((await witnessing.waitFor(305, HANG_MS))?.treeSize).toBe(305);
    for (const w of ws) expect((await w.witness.latestCheckpoint(origin))?.treeSize).toBe(305);
  });

  test('a witness that is down does not count: quorum 1 of 2 still witnesses, quorum 2 waits for it', async () => {
    const log = growingLog();
    const ws = [witnessNamed('w1.example', 1), witnessNamed('w2.example', 2)];
    const down = new Set([ws[1]!.url]);
    const one = witnessingFor(ws, router(ws, down).post, { quorum: 1, consistencyProof: log.consistencyProof });
    one.offer(log.grow(3));
    const head = await one.waitFor(3, HANG_MS);
    expect(openNote(head!.checkpoint, [cosignatureVerifier('w1.example', ws[0]!.cosigner.publicKey)]).verified).toHaveLength(1);
    expect(one.status()[1]!.lastError).toMatch(/ECONNREFUSED/);

    const log2 = growingLog();
    const ws2 = [witnessNamed('w3.example', 3), witnessNamed('w4.example', 4)];
    const down2 = new Set([ws2[1]!.url]);
    const both = witnessingFor(ws2, router(ws2, down2).post, { quorum: 2, consistencyProof: log2.consistencyProof });
    both.offer(log2.grow(3));
    expect(await both.waitFor(3, 300)).toBeUndefined(); // bounded: no quorum, no checkpoint
    expect(await both.current()).toBeUndefined();
    down2.clear(); // the witness comes back: the round is retried without a new commit
    expect((await both.waitFor(3, HANG_MS))?.treeSize).toBe(3);
  });

  test("a witness ahead of this server's view (409) is followed with a proof from its size", async () => {
    const log = growingLog();
    const ws = [witnessNamed('w1.example', 1)];
    const { post, requests } = router(ws);
    // Another server of the log already had size 10 cosigned.
    const at10 = log.grow(10);
    expect((await ws[0]!.witness.addCheckpoint(`old 0\n\n${at10.checkpoint}`)).status).toBe(200);
    const witnessing = witnessingFor(ws, post, { consistencyProof: log.consistencyProof });
    witnessing.offer(log.grow(7));
    expect((await witnessing.waitFor(17, HANG_MS))?.treeSize).toBe(17);
    expect(requests.map((r) => r.body.split('\n')[0])).toEqual(['old 0', 'old 10']);
  });

  test('a cosignature that does not verify with the configured key is not counted', async () => {
    const log = growingLog();
    const real = witnessNamed('w1.example', 1);
    const impostor = { ...witnessNamed('w1.example', 9), url: real.url };
    // Configured with the real key, answered by a witness holding another key of the same name.
    const witnessing = createWitnessing({
      witnesses: [{ url: real.url, verifierKey: real.cosigner.verifierKey, verifier: parseCosignatureVerifier(real.cosigner.verifierKey) }],
      quorum: 1,
      store: new MemoryStore(),
      consistencyProof: log.consistencyProof,
      post: router([impostor]).post,
      minIntervalMs: 0,
      maxAgeMs: 0,
    });
    running.push(witnessing);
    witnessing.offer(log.grow(2));
    expect(await witnessing.waitFor(2, 400)).toBeUndefined();
    expect(witnessing.status()[0]!.lastError).toBeDefined();
  });

  test('rounds are paced: at most one submission per witness per interval, for the latest head', async () => {
    const log = growingLog();
    const ws = [witnessNamed('w1.example', 1)];
    const { post, requests } = router(ws);
    const witnessing = witnessingFor(ws, post, { consistencyProof: log.consistencyProof, minIntervalMs: 400 });
    const started = performance.now();
    for (let i = 0; i < 20; i++) witnessing.offer(log.grow(1));
    expect((await witnessing.waitFor(1, HANG_MS))?.treeSize).toBeGreaterThanOrEqual(1);
    expect((await witnessing.waitFor(20, HANG_MS))?.treeSize).toBe(20);
    // The first round took whatever head was latest; the 20 offers never made 20 requests.
    expect(requests.length).toBeLessThanOrEqual(2);
    if (requests.length === 2) expect(performance.now() - started).toBeGreaterThanOrEqual(400);
  });

  test('the quorum is checked: 0 or more than the witnesses is refused', () => {
    const ws = [witnessNamed('w1.example', 1)];
    const make = (quorum: number) => witnessingFor(ws, router(ws).post, { quorum, consistencyProof: async () => [] });
    expect(() => make(0)).toThrow(/quorum/);
    expect(() => make(2)).toThrow(/quorum/);
  });
});
