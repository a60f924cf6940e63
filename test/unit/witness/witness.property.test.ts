/**
 * Property: whatever checkpoints of two forks of one log (one key) arrive, in any order,
 * with any old sizes and sometimes at once, the witness never cosigns two roots for one
 * size, never cosigns checkpoints of both forks past their split, and its state only grows,
 * each state consistent with the one before.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { bytesEqual } from '../../../src/encoding/index.js';
import type { Hash } from '../../../src/merkle/index.js';
import { ed25519Cosigner, openNote, parseCheckpoint, parseCosignatureVerifier, parseNote } from '../../../src/note/index.js';
import { type WitnessedState, MemoryWitnessStore, createWitness, formatAddCheckpointRequest } from '../../../src/witness/index.js';
import { TestLog } from '../../support/witness-log.js';

const SPLIT = 6;
const MAX = 24;
const cosigner = ed25519Cosigner('witness.example/prop', new Uint8Array(32).fill(5));
const witnessVerifier = parseCosignatureVerifier(cosigner.verifierKey);

// Built once: the common trunk, then two different continuations signed by the same key.
const trunk = new TestLog();
trunk.grow(SPLIT);
const forks = [trunk.fork(SPLIT), trunk.fork(SPLIT)] as const;
forks[0].grow(MAX - SPLIT, 'a');
forks[1].grow(MAX - SPLIT, 'b');
const proofs = new Map<string, Hash[]>();
async function proof(fork: 0 | 1, oldSize: number, newSize: number): Promise<Hash[]> {
  const key = `${fork}:${oldSize}:${newSize}`;
  let p = proofs.get(key);
  if (p === undefined) {
    p = await forks[fork].proof(oldSize, newSize);
    proofs.set(key, p);
  }
  return p;
}

/** One submission: which fork, which size, and how the old size is chosen. */
const submission = fc.record({
  fork: fc.constantFrom(0 as const, 1 as const),
  size: fc.integer({ min: 0, max: MAX }),
  // 'current': the witness's size as the client last learned it (what a real log sends);
  // 'random': any size; proofs come from the chosen fork's tree when old ≤ size.
  old: fc.oneof(fc.constant('current' as const), fc.integer({ min: 0, max: MAX })),
  // Sent together with the next submission, not after it.
  concurrent: fc.boolean(),
});

test('two forks, random order and old sizes: no two roots for one size, state only grows consistently', async () => {
  // Coverage of the runs, checked at the end so the property cannot pass vacuously.
  const seen = { pastSplit: 0, refusedFork: 0, raced: 0 };
  await fc.assert(
    fc.asyncProperty(fc.array(submission, { minLength: 1, maxLength: 40 }), async (subs) => {
      const store = new MemoryWitnessStore();
      const states: WitnessedState[] = [];
      let time = 1_700_000_000;
      const witness = createWitness({
        cosigner,
        logs: [{ origin: trunk.origin, verifiers: [trunk.verifier] }],
        store: {
          latest: (origin) => store.latest(origin),
          async compareAndSwap(origin, expected, next) {
            const swapped = await store.compareAndSwap(origin, expected, next);
            if (swapped) states.push(next);
            return swapped;
          },
        },
        now: () => time++,
      });
      const cosigned: { size: number; root: Hash; fork: 0 | 1 }[] = [];
      let known = 0; // the size the client believes the witness holds, from 409 bodies and 200s

      const send = async (s: (typeof subs)[number]) => {
        const oldSize = s.old === 'current' ? known : s.old;
        const consistencyProof = oldSize <= s.size ? await proof(s.fork, oldSize, s.size) : [];
        const checkpoint = forks[s.fork].checkpoint(s.size);
        const result = await witness.addCheckpoint(formatAddCheckpointRequest({ oldSize, consistencyProof, checkpoint }));
        expect([200, 400, 409, 422]).toContain(result.status);
        if (result.evidence !== undefined) {
          seen.refusedFork++;
          // Evidence only for a real contradiction: the submitted checkpoint, and the tree it
          // implies at the witness's size, belong to the other fork than the one cosigned.
          const e = result.evidence;
          const witnessed = parseCheckpoint(parseNote(e.witnessedCheckpoint!).text);
          expect(e.oldSize).toBe(witnessed.treeSize);
          expect(witnessed.treeSize).toBeGreaterThan(SPLIT);
          expect(bytesEqual(forks[s.fork].root(witnessed.treeSize), witnessed.rootHash)).toBe(false);
          expect(e.checkpoint).toBe(checkpoint);
        }
        if (result.status === 200) {
          expect(openNote(checkpoint + result.body, [witnessVerifier]).verified).toHaveLength(1);
          cosigned.push({ size: s.size, root: forks[s.fork].root(s.size), fork: s.fork });
          if (s.size > SPLIT) seen.pastSplit++;
          known = Math.max(known, s.size);
        } else if (result.status === 409) {
          known = Number(result.body.trim());
        }
      };

      for (let i = 0; i < subs.length; i++) {
        const batch = [subs[i]!];
        while (subs[i]!.concurrent && i + 1 < subs.length) batch.push(subs[++i]!);
        if (batch.length > 1) seen.raced++;
        await Promise.all(batch.map(send));
      }

      // Never two roots for one size.
      for (const a of cosigned) for (const b of cosigned) if (a.size === b.size) expect(bytesEqual(a.root, b.root)).toBe(true);
      // Past the split, only one fork was ever cosigned.
      expect(new Set(cosigned.filter((c) => c.size > SPLIT).map((c) => c.fork)).size).toBeLessThanOrEqual(1);
      // The stored state only grew, and each state is a prefix of the next.
      for (let i = 1; i < states.length; i++) {
        const [prev, next] = [states[i - 1]!, states[i]!];
        expect(next.treeSize).toBeGreaterThanOrEqual(prev.treeSize);
        const lineage = forks.filter((f) => bytesEqual(f.root(next.treeSize), next.rootHash));
        expect(lineage.length).toBeGreaterThan(0);
        expect(lineage.some((f) => bytesEqual(f.root(prev.treeSize), prev.rootHash))).toBe(true);
      }
    }),
    { numRuns: 150 },
  );
  expect(seen.pastSplit).toBeGreaterThan(0);
  expect(seen.refusedFork).toBeGreaterThan(0);
  expect(seen.raced).toBeGreaterThan(0);
});
