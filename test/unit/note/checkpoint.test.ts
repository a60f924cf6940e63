import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { EMPTY_ROOT } from '../../../src/merkle/index.js';
import {
  type Checkpoint,
  ed25519Signer,
  ed25519Verifier,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  signNote,
} from '../../../src/note/index.js';
import { expectLogError } from '../../support/errors.js';

const root = 'XcVQNYP35lxeqfxsmyxGZdgqhoTL6V1t0Jh7MeVf8kM=';
const signer = ed25519Signer('example.gov.uk/audit-log', new Uint8Array(32).fill(7));
const verifier = ed25519Verifier(signer.name, signer.publicKey);

const line = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((s) => !/[\u0000-\u001f]/.test(s));
const checkpoint: fc.Arbitrary<Checkpoint> = fc.record({
  origin: line,
  treeSize: fc.oneof(fc.nat(1000), fc.constantFrom(2 ** 32, 2 ** 40, 2 ** 53 - 1), fc.maxSafeNat()),
  rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  extensions: fc.array(line, { maxLength: 3 }),
});

describe('parseCheckpoint / formatCheckpoint', () => {
  test('parse(format(c)) == c, for sizes up to 2^53 − 1', () => {
    fc.assert(
      fc.property(checkpoint, (c) => {
        const text = formatCheckpoint(c);
        expect(parseCheckpoint(text)).toEqual(c);
        expect(formatCheckpoint(parseCheckpoint(text))).toBe(text);
      }),
    );
  });

  test('the C2SP example parses', () => {
    const c = parseCheckpoint('example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n');
    expect(c.origin).toBe('example.com/behind-the-sofa');
    expect(c.treeSize).toBe(20852163);
    expect(c.extensions).toEqual([]);
  });

  test.each([
    ['leading zero', `o\n08\n${root}\n`, 'treeSize'],
    ['plus sign', `o\n+8\n${root}\n`, 'treeSize'],
    ['minus sign', `o\n-8\n${root}\n`, 'treeSize'],
    ['space before size', `o\n 8\n${root}\n`, 'treeSize'],
    ['space after size', `o\n8 \n${root}\n`, 'treeSize'],
    ['hex size', `o\n0x8\n${root}\n`, 'treeSize'],
    ['exponent', `o\n8e0\n${root}\n`, 'treeSize'],
    ['decimal point', `o\n8.0\n${root}\n`, 'treeSize'],
    ['size of 2^53', `o\n9007199254740992\n${root}\n`, 'treeSize'],
    ['size far too large', `o\n18446744073709551616\n${root}\n`, 'treeSize'],
    ['empty size', `o\n\n${root}\n`, 'treeSize'],
    ['unpadded root', `o\n8\n${root.slice(0, -1)}\n`, 'rootHash'],
    ['root with trailing bits', `o\n8\n${root.slice(0, -2)}l=\n`, 'rootHash'],
    ['url-safe base64 root', `o\n8\n47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=\n`, 'rootHash'],
    ['root of 31 bytes', `o\n8\n${Buffer.alloc(31).toString('base64')}\n`, 'rootHash'],
    ['root of 33 bytes', `o\n8\n${Buffer.alloc(33).toString('base64')}\n`, 'rootHash'],
    ['root with a trailing space', `o\n8\n${root} \n`, 'rootHash'],
    ['empty origin', `\n8\n${root}\n`, 'origin'],
    ['origin with a tab', `a\tb\n8\n${root}\n`, 'origin'],
    ['no final newline', `o\n8\n${root}`, 'checkpoint'],
    ['two lines', `o\n8\n`, 'checkpoint'],
    ['empty extension line', `o\n8\n${root}\n\n`, 'extensions'],
    ['extension line with CR', `o\n8\n${root}\nx\r\n`, 'extensions'],
  ])('rejects %s', (_, text, field) => {
    expect(expectLogError(() => parseCheckpoint(text), 'MALFORMED_CHECKPOINT').field).toBe(field);
  });

  test('format refuses what parse would refuse', () => {
    const ok: Checkpoint = { origin: 'o', treeSize: 1, rootHash: EMPTY_ROOT, extensions: [] };
    expectLogError(() => formatCheckpoint({ ...ok, origin: '' }), 'MALFORMED_CHECKPOINT');
    expectLogError(() => formatCheckpoint({ ...ok, origin: 'a\nb' }), 'MALFORMED_CHECKPOINT');
    expectLogError(() => formatCheckpoint({ ...ok, treeSize: -1 }), 'MALFORMED_CHECKPOINT');
    expectLogError(() => formatCheckpoint({ ...ok, treeSize: 1.5 }), 'MALFORMED_CHECKPOINT');
    expectLogError(() => formatCheckpoint({ ...ok, treeSize: 2 ** 53 }), 'MALFORMED_CHECKPOINT');
    expectLogError(() => formatCheckpoint({ ...ok, rootHash: new Uint8Array(31) }), 'MALFORMED_CHECKPOINT');
    expectLogError(() => formatCheckpoint({ ...ok, extensions: [''] }), 'MALFORMED_CHECKPOINT');
  });
});

describe('signed checkpoints', () => {
  const c: Checkpoint = { origin: signer.name, treeSize: 2 ** 40 + 5, rootHash: EMPTY_ROOT, extensions: [] };

  test('sign then open', () => {
    const note = signCheckpoint(c, signer);
    expect(openCheckpoint(note, verifier).checkpoint).toEqual(c);
    expect(openCheckpoint(new TextEncoder().encode(note), verifier).checkpoint).toEqual(c);
  });

  test('the log key is named after the origin', () => {
    expectLogError(() => signCheckpoint({ ...c, origin: 'other.example/log' }, signer), 'MALFORMED_CHECKPOINT');
  });

  test('a checkpoint signed only by another key is not the log\'s', () => {
    const witness = ed25519Signer('witness.example', new Uint8Array(32).fill(8));
    const note = signNote(formatCheckpoint(c), [witness]);
    const witnessV = ed25519Verifier(witness.name, witness.publicKey);
    expectLogError(() => openCheckpoint(note, verifier, { others: [witnessV] }), 'UNVERIFIED_NOTE');
  });

  test('a checkpoint of another origin is refused even with a valid signature', () => {
    const note = signNote(formatCheckpoint({ ...c, origin: 'other.example/log' }), [signer]);
    expect(expectLogError(() => openCheckpoint(note, verifier), 'UNVERIFIED_NOTE').field).toBe('origin');
    expect(openCheckpoint(note, verifier, { origin: 'other.example/log' }).checkpoint.origin).toBe('other.example/log');
  });

  test('a validly signed note that is not a checkpoint is refused', () => {
    expectLogError(() => openCheckpoint(signNote(`${signer.name}\n08\n${root}\n`, [signer]), verifier), 'MALFORMED_CHECKPOINT');
  });
});
