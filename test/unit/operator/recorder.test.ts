/**
 * The operator's recorder: each act becomes one signed event through the intake, numbered
 * without gaps; a number another server of the log took first is read again and the act
 * retried; one at a time, so concurrent acts never race each other for a number.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { nodeEd25519 } from '../../../src/cli/node-crypto.js';
import { LogError } from '../../../src/errors.js';
import { OPERATOR_PARTNER } from '../../../src/events/index.js';
import { ed25519Signer } from '../../../src/note/index.js';
import { type OperatorAct, createOperatorRecorder, operatorKeySeed, pseudonym, pseudonymKey } from '../../../src/operator/index.js';
import { nobleHmacSha256 } from '../../../src/subject/index.js';
import { verifyEventSignature } from '../../../src/client/index.js';

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const ORIGIN = 'recorder.sightline.example/log';
const logKey = ed25519Signer(ORIGIN, new Uint8Array(32).fill(9), nodeEd25519);
const seed = operatorKeySeed((m) => logKey.sign(m), sha256);
const signer = ed25519Signer(OPERATOR_PARTNER, seed, nodeEd25519);
const key = { publicKey: signer.publicKey, sign: signer.sign, pseudonymKey: pseudonymKey(seed, sha256) };
const act = (n: number): OperatorAct => ({ type: 'credential', actor: 'ab'.repeat(16), action: 'issue', holder: 'partner', account: `p${n}` });

function harness(options: { taken?: Set<number>; lastSequence?: () => number } = {}) {
  const bodies: { event: Record<string, unknown>; signature: string }[] = [];
  let committed = 0;
  const taken = options.taken ?? new Set<number>();
  const recorder = createOperatorRecorder({
    origin: ORIGIN,
    key,
    async prepare(body) {
      return body as never;
    },
    async submit(submission) {
      const body = submission as unknown as { event: { partnerSeq: number }; signature: string };
      await new Promise((r) => setImmediate(r));
      if (taken.has(body.event.partnerSeq)) throw new LogError('SEQUENCE_CONFLICT', 'taken');
      taken.add(body.event.partnerSeq);
      bodies.push(body as never);
      return { leafIndex: committed++ };
    },
    lastSequence: async () => options.lastSequence?.() ?? Math.max(0, ...taken),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    now: () => new Date('2026-12-03T10:20:00Z'),
  });
  return { recorder, bodies };
}

describe('the operator recorder', () => {
  test('signs each act as the log operator, for this origin, numbered 1, 2, 3 with no gap, even when asked at once', async () => {
    const { recorder, bodies } = harness();
    const indices = await Promise.all([1, 2, 3].map((n) => recorder.record(act(n))));
    expect(indices).toEqual([0, 1, 2]);
    expect(bodies.map((b) => b.event.partnerSeq)).toEqual([1, 2, 3]);
    for (const b of bodies) {
      expect(b.event).toMatchObject({ type: 'credential', partner: OPERATOR_PARTNER, hour: '2026-12-03T10' });
      expect(verifyEventSignature(ORIGIN, b.event as never, new Uint8Array(Buffer.from(b.signature, 'base64')), signer.publicKey)).toBe(true);
    }
  });

  test('a number another server took first is read again, and the act goes in under the next', async () => {
    const taken = new Set([1, 2]);
    let reads = 0;
    const { recorder, bodies } = harness({ taken, lastSequence: () => (reads++ === 0 ? 0 : Math.max(...taken)) });
    expect(await recorder.record(act(1))).toBe(0);
    expect(bodies.map((b) => b.event.partnerSeq)).toEqual([3]);
  });

  test('anything else that refuses the act is passed on, and the next act reads its number afresh', async () => {
    let fail = true;
    const recorder = createOperatorRecorder({
      origin: ORIGIN,
      key,
      prepare: async (body) => {
        if (fail) throw new LogError('UNKNOWN_CODE', 'no such purpose', { field: 'event.purpose' });
        return body as never;
      },
      submit: async () => ({ leafIndex: 7 }),
      lastSequence: async () => 4,
      randomBytes: (n) => new Uint8Array(randomBytes(n)),
      now: () => new Date(),
    });
    await expect(recorder.record(act(1))).rejects.toMatchObject({ code: 'UNKNOWN_CODE' });
    fail = false;
    expect(await recorder.record(act(2))).toBe(7);
  });

  test('pseudonyms: one per account, the same each time, naming no one, different for an operator and an administrator', () => {
    const a = pseudonym(key, nobleHmacSha256, 'operator', 'alice.smith');
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(pseudonym(key, nobleHmacSha256, 'operator', 'alice.smith')).toBe(a);
    expect(pseudonym(key, nobleHmacSha256, 'admin', 'alice.smith')).not.toBe(a);
    expect(pseudonym(key, nobleHmacSha256, 'operator', 'bob')).not.toBe(a);
  });

  test('the operator key is the log key’s, and no one else’s: another log key derives another', () => {
    const other = operatorKeySeed((m) => ed25519Signer(ORIGIN, new Uint8Array(32).fill(10), nodeEd25519).sign(m), sha256);
    expect(Buffer.from(other).equals(Buffer.from(seed))).toBe(false);
    expect(Buffer.from(operatorKeySeed((m) => logKey.sign(m), sha256)).equals(Buffer.from(seed))).toBe(true);
  });
});
