import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Hash, type NodeId, appendLeaves, leafHash, proveInclusion } from '../../../src/merkle/index.js';
import {
  cosignatureVerifier,
  ed25519Cosigner,
  ed25519Signer,
  formatNote,
  parseNote,
  parseNoteVerifier,
  parseSignerKey,
  signCheckpoint,
} from '../../../src/note/index.js';
import { type Receipt, formatReceipt, parseReceipt, verifyReceipt } from '../../../src/receipt/index.js';
import { expectLogError } from '../../support/errors.js';
import { TESSERA_CHECKPOINTS, TESSERA_ENTRIES, TESSERA_SIGNER_KEY } from '../../support/tessera.js';

/** The Tessera fixture's tree: every node by (level, index), as a hash reader. */
const tree = appendLeaves(0, [], TESSERA_ENTRIES.map(leafHash));
const nodes = new Map(tree.nodes.map((n) => [`${n.level}/${n.index}`, n.hash]));
const reader = { readHashes: async (ids: readonly NodeId[]): Promise<Hash[]> => ids.map((n) => nodes.get(`${n.level}/${n.index}`)!) };
const logKey = parseNoteVerifier(parseSignerKey(TESSERA_SIGNER_KEY).verifierKey);

async function tesseraReceipt(leafIndex: number, treeSize = 15): Promise<string> {
  return formatReceipt({
    leafIndex,
    inclusionProof: await proveInclusion(reader, leafIndex, treeSize),
    checkpoint: TESSERA_CHECKPOINTS[treeSize]!,
  });
}

describe('receipts for the tessera testdata log', () => {
  test('every entry of the size-15 checkpoint gets a receipt that verifies offline', async () => {
    for (let i = 0; i < 15; i++) {
      const receipt = await tesseraReceipt(i);
      expect(receipt.startsWith(`c2sp.org/tlog-proof@v1\nindex ${i}\n`)).toBe(true);
      expect(receipt.endsWith(`\n\n${TESSERA_CHECKPOINTS[15]}`)).toBe(true);
      const verified = verifyReceipt(receipt, TESSERA_ENTRIES[i]!, { log: logKey });
      expect(verified.leafIndex).toBe(i);
      expect(verified.checkpoint.treeSize).toBe(15);
      expect(verifyReceipt(receipt, { leafHash: leafHash(TESSERA_ENTRIES[i]!) }, { log: logKey }).leafIndex).toBe(i);
    }
  });

  test('a receipt does not verify for another entry, index or log', async () => {
    const receipt = await tesseraReceipt(3);
    expectLogError(() => verifyReceipt(receipt, TESSERA_ENTRIES[4]!, { log: logKey }), 'INVALID_PROOF');
    expectLogError(() => verifyReceipt(receipt.replace('index 3', 'index 4'), TESSERA_ENTRIES[3]!, { log: logKey }), 'INVALID_PROOF');
    expectLogError(() => verifyReceipt(receipt.replace('index 3', 'index 15'), TESSERA_ENTRIES[3]!, { log: logKey }), 'INVALID_PROOF');
    const other = ed25519Signer('example.com/log/testdata', new Uint8Array(32).fill(1));
    expectLogError(() => verifyReceipt(receipt, TESSERA_ENTRIES[3]!, { log: parseNoteVerifier(other.verifierKey) }), 'UNVERIFIED_NOTE');
    expectLogError(() => verifyReceipt(receipt, TESSERA_ENTRIES[3]!, { log: logKey, origin: 'example.com/other' }), 'UNVERIFIED_NOTE');
    expectLogError(() => verifyReceipt(receipt.replace('\n15\n', '\n14\n'), TESSERA_ENTRIES[3]!, { log: logKey }), 'INVALID_SIGNATURE');
    const parsed = parseReceipt(receipt);
    const flipped = parsed.inclusionProof.map((h) => h.slice());
    flipped[1]![0]! ^= 1;
    expectLogError(() => verifyReceipt({ ...parsed, inclusionProof: flipped }, TESSERA_ENTRIES[3]!, { log: logKey }), 'INVALID_PROOF');
    expectLogError(
      () => verifyReceipt({ ...parsed, inclusionProof: parsed.inclusionProof.slice(1) }, TESSERA_ENTRIES[3]!, { log: logKey }),
      'INVALID_PROOF',
    );
  });

  test('the one-entry checkpoint has an empty proof', async () => {
    const signer = parseSignerKey(TESSERA_SIGNER_KEY);
    const checkpoint = signCheckpoint({ origin: signer.name, treeSize: 1, rootHash: leafHash(TESSERA_ENTRIES[0]!), extensions: [] }, signer);
    const receipt = formatReceipt({ leafIndex: 0, inclusionProof: [], checkpoint });
    expect(receipt).toBe(`c2sp.org/tlog-proof@v1\nindex 0\n\n${checkpoint}`);
    expect(verifyReceipt(receipt, TESSERA_ENTRIES[0]!, { log: logKey }).checkpoint.treeSize).toBe(1);
  });
});

describe('witness quorum', () => {
  const witnesses = [1, 2, 3].map((i) => ed25519Cosigner(`witness${i}.example`, new Uint8Array(32).fill(10 + i)));
  const policyWitnesses = witnesses.map((w) => cosignatureVerifier(w.name, w.publicKey));

  async function cosigned(by: number[]): Promise<string> {
    const base = parseNote(TESSERA_CHECKPOINTS[15]!);
    const checkpoint = formatNote({
      text: base.text,
      signatures: [...base.signatures, ...by.map((i) => witnesses[i]!.cosign(base.text, 1_700_000_000 + i))],
    });
    return formatReceipt({ leafIndex: 7, inclusionProof: await proveInclusion(reader, 7, 15), checkpoint });
  }

  test('a quorum of distinct witnesses verifies, with their times', async () => {
    const receipt = await cosigned([0, 2]);
    const verified = verifyReceipt(receipt, TESSERA_ENTRIES[7]!, { log: logKey, witnesses: policyWitnesses, quorum: 2 });
    expect(verified.cosigners.map((c) => [c.name, c.timestamp])).toEqual([
      ['witness1.example', 1_700_000_000],
      ['witness3.example', 1_700_000_002],
    ]);
    expectLogError(() => verifyReceipt(receipt, TESSERA_ENTRIES[7]!, { log: logKey, witnesses: policyWitnesses, quorum: 3 }), 'UNVERIFIED_NOTE');
    // Without a quorum policy the cosignatures are not needed.
    expect(verifyReceipt(receipt, TESSERA_ENTRIES[7]!, { log: logKey }).cosigners).toEqual([]);
  });

  test('one witness cosigning twice counts once', async () => {
    const receipt = await cosigned([1, 1]);
    expectLogError(() => verifyReceipt(receipt, TESSERA_ENTRIES[7]!, { log: logKey, witnesses: policyWitnesses, quorum: 2 }), 'UNVERIFIED_NOTE');
  });

  test('a forged cosignature by a policy witness rejects the receipt', async () => {
    const receipt = await cosigned([0, 1]);
    const lines = receipt.split('\n');
    const last = lines.length - 2; // the last signature line, before the final newline
    lines[last] = lines[last]!.slice(0, -6) + (lines[last]!.slice(-6, -5) === 'A' ? 'B' : 'A') + lines[last]!.slice(-5);
    expectLogError(() => verifyReceipt(lines.join('\n'), TESSERA_ENTRIES[7]!, { log: logKey, witnesses: policyWitnesses, quorum: 1 }), 'INVALID_SIGNATURE');
  });

  test('an impossible quorum is a programming error', async () => {
    const receipt = await cosigned([0]);
    expect(() => verifyReceipt(receipt, TESSERA_ENTRIES[7]!, { log: logKey, witnesses: policyWitnesses, quorum: 4 })).toThrow(RangeError);
  });
});

describe('mirror quorum', () => {
  // Indices 0–2 witnesses, 3–4 mirrors: all cosignature/v1, told apart only by the policy.
  const cosigners = [1, 2, 3, 4, 5].map((i) => ed25519Cosigner(i <= 3 ? `witness${i}.example` : `mirror${i - 3}.example`, new Uint8Array(32).fill(20 + i)));
  const verifiers = cosigners.map((c) => cosignatureVerifier(c.name, c.publicKey));
  const witnesses = verifiers.slice(0, 3);
  const mirrors = verifiers.slice(3);

  async function cosigned(by: number[]): Promise<string> {
    const base = parseNote(TESSERA_CHECKPOINTS[15]!);
    const checkpoint = formatNote({ text: base.text, signatures: [...base.signatures, ...by.map((i) => cosigners[i]!.cosign(base.text, 1_700_000_100 + i))] });
    return formatReceipt({ leafIndex: 3, inclusionProof: await proveInclusion(reader, 3, 15), checkpoint });
  }

  test('mirrors and witnesses are counted apart', async () => {
    const receipt = await cosigned([0, 3, 4]);
    const verified = verifyReceipt(receipt, TESSERA_ENTRIES[3]!, { log: logKey, witnesses, quorum: 1, mirrors, mirrorQuorum: 2 });
    expect(verified.cosigners.map((c) => c.name)).toEqual(['witness1.example']);
    expect(verified.mirrorCosigners.map((c) => [c.name, c.timestamp])).toEqual([
      ['mirror1.example', 1_700_000_103],
      ['mirror2.example', 1_700_000_104],
    ]);
    // Witness cosignatures never stand in for mirrors, nor the reverse.
    const witnessed = await cosigned([0, 1, 2]);
    expectLogError(() => verifyReceipt(witnessed, TESSERA_ENTRIES[3]!, { log: logKey, witnesses, mirrors, mirrorQuorum: 1 }), 'UNVERIFIED_NOTE');
    const mirrored = await cosigned([3, 4]);
    expectLogError(() => verifyReceipt(mirrored, TESSERA_ENTRIES[3]!, { log: logKey, witnesses, quorum: 1, mirrors }), 'UNVERIFIED_NOTE');
  });

  test('one mirror cosigning twice counts once; one key may not be both a witness and a mirror', async () => {
    const receipt = await cosigned([3, 3]);
    expectLogError(() => verifyReceipt(receipt, TESSERA_ENTRIES[3]!, { log: logKey, mirrors, mirrorQuorum: 2 }), 'UNVERIFIED_NOTE');
    expect(() => verifyReceipt(receipt, TESSERA_ENTRIES[3]!, { log: logKey, witnesses: [mirrors[0]!], mirrors, mirrorQuorum: 1 })).toThrow(/as a witness and as a mirror/);
    expect(() => verifyReceipt(receipt, TESSERA_ENTRIES[3]!, { log: logKey, mirrors, mirrorQuorum: 3 })).toThrow(RangeError);
  });
});

describe('parseReceipt / formatReceipt', () => {
  const checkpoint = TESSERA_CHECKPOINTS[15]!;
  const receipt: fc.Arbitrary<Receipt> = fc.record(
    {
      extra: fc.uint8Array({ minLength: 1, maxLength: 40 }),
      leafIndex: fc.oneof(fc.nat(1000), fc.constantFrom(2 ** 32, 2 ** 40, 2 ** 53 - 1)),
      inclusionProof: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 64 }),
      checkpoint: fc.constant(checkpoint),
    },
    { requiredKeys: ['leafIndex', 'inclusionProof', 'checkpoint'] },
  );

  test('parse(format(r)) == r', () => {
    fc.assert(
      fc.property(receipt, (r) => {
        const text = formatReceipt(r);
        expect(parseReceipt(text)).toEqual(r);
        expect(formatReceipt(parseReceipt(text))).toBe(text);
      }),
    );
  });

  test('the extra line comes second', () => {
    const text = formatReceipt({ extra: new TextEncoder().encode('hi'), leafIndex: 5, inclusionProof: [], checkpoint });
    expect(text.startsWith('c2sp.org/tlog-proof@v1\nextra aGk=\nindex 5\n\n')).toBe(true);
  });

  const proofLine = Buffer.alloc(32, 9).toString('base64');
  test.each([
    ['another header', `c2sp.org/tlog-proof@v2\nindex 1\n\n${checkpoint}`, 'header'],
    ['a header with a trailing space', `c2sp.org/tlog-proof@v1 \nindex 1\n\n${checkpoint}`, 'header'],
    ['no index line', `c2sp.org/tlog-proof@v1\n${proofLine}\n\n${checkpoint}`, 'index'],
    ['index with a leading zero', `c2sp.org/tlog-proof@v1\nindex 01\n\n${checkpoint}`, 'index'],
    ['index with a plus', `c2sp.org/tlog-proof@v1\nindex +1\n\n${checkpoint}`, 'index'],
    ['index with two spaces', `c2sp.org/tlog-proof@v1\nindex  1\n\n${checkpoint}`, 'index'],
    ['negative index', `c2sp.org/tlog-proof@v1\nindex -1\n\n${checkpoint}`, 'index'],
    ['index past 2^53', `c2sp.org/tlog-proof@v1\nindex 9007199254740992\n\n${checkpoint}`, 'index'],
    ['extra after index', `c2sp.org/tlog-proof@v1\nindex 1\nextra aGk=\n\n${checkpoint}`, 'inclusionProof'],
    ['empty extra', `c2sp.org/tlog-proof@v1\nextra \nindex 1\n\n${checkpoint}`, 'extra'],
    ['bad extra base64', `c2sp.org/tlog-proof@v1\nextra aGk\nindex 1\n\n${checkpoint}`, 'extra'],
    ['proof line of 31 bytes', `c2sp.org/tlog-proof@v1\nindex 1\n${Buffer.alloc(31).toString('base64')}\n\n${checkpoint}`, 'inclusionProof'],
    ['proof line with a space', `c2sp.org/tlog-proof@v1\nindex 1\n${proofLine} \n\n${checkpoint}`, 'inclusionProof'],
    ['no blank line (the checkpoint reads as proof lines)', `c2sp.org/tlog-proof@v1\nindex 1\n${checkpoint}`, 'inclusionProof'],
    ['no blank line at all', `c2sp.org/tlog-proof@v1\nindex 1\n`, 'checkpoint'],
  ])('rejects %s', (_, text, field) => {
    expect(expectLogError(() => parseReceipt(text), 'MALFORMED_RECEIPT').field).toBe(field);
  });

  test('rejects a receipt whose checkpoint is not a signed note', () => {
    expectLogError(() => parseReceipt(`c2sp.org/tlog-proof@v1\nindex 1\n\nexample.com/log\n2\n${proofLine}\n`), 'MALFORMED_NOTE');
    expectLogError(() => parseReceipt(`c2sp.org/tlog-proof@v1\nindex 1\n\n${checkpoint}trailing`), 'MALFORMED_NOTE');
  });

  test('format refuses what parse would refuse', () => {
    expectLogError(() => formatReceipt({ leafIndex: -1, inclusionProof: [], checkpoint }), 'MALFORMED_RECEIPT');
    expectLogError(() => formatReceipt({ leafIndex: 1, inclusionProof: [new Uint8Array(31)], checkpoint }), 'MALFORMED_RECEIPT');
    expectLogError(() => formatReceipt({ extra: new Uint8Array(0), leafIndex: 1, inclusionProof: [], checkpoint }), 'MALFORMED_RECEIPT');
    expectLogError(() => formatReceipt({ leafIndex: 1, inclusionProof: [], checkpoint: 'not a note\n' }), 'MALFORMED_NOTE');
  });

  test('hostile receipts only ever throw LogError', () => {
    const base = formatReceipt({ leafIndex: 7, inclusionProof: [new Uint8Array(32)], checkpoint });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: base.length }), fc.string({ maxLength: 4 }), fc.nat(3), (at, insert, drop) => {
        const s = base.slice(0, at) + insert + base.slice(at + drop);
        try {
          verifyReceipt(s, TESSERA_ENTRIES[7]!, { log: logKey });
        } catch (e) {
          expect(e).toHaveProperty('code');
          expect(String((e as { code: string }).code)).toMatch(/^(MALFORMED_(RECEIPT|NOTE|CHECKPOINT)|INVALID_(PROOF|SIGNATURE)|UNVERIFIED_NOTE)$/);
        }
      }),
    );
  });
});
