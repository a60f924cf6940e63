import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  type NoteSignature,
  ed25519Signer,
  ed25519Verifier,
  formatNote,
  isValidKeyName,
  openNote,
  parseNote,
  signNote,
} from '../../../src/note/index.js';
import { expectLogError } from '../../support/errors.js';

const seed = (n: number) => new Uint8Array(32).fill(n);
const alice = ed25519Signer('alice.example/log', seed(1));
const bob = ed25519Signer('bob.example/witness', seed(2));
const aliceV = ed25519Verifier(alice.name, alice.publicKey);
const bobV = ed25519Verifier(bob.name, bob.publicKey);
const text = 'example.gov.uk/audit-log\n8\nXcVQNYP35lxeqfxsmyxGZdgqhoTL6V1t0Jh7MeVf8kM=\n';

// Key names: non-empty, no Unicode space, no '+', no control characters.
const keyName = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
  .filter((s) => isValidKeyName(s));
// Note text: lines without control characters, ending in a newline.
const noteText = fc
  .array(fc.string({ unit: 'grapheme', maxLength: 30 }).filter((l) => !/[\u0000-\u001f]/.test(l)), { minLength: 1, maxLength: 5 })
  .map((lines) => lines.join('\n') + '\n')
  // The last blank line separates text from signatures, so a text may not end with one.
  .filter((t) => !t.endsWith('\n\n') || t.length === 0);
const signature: fc.Arbitrary<NoteSignature> = fc.record({
  name: keyName,
  keyId: fc.integer({ min: 0, max: 0xffffffff }),
  signature: fc.uint8Array({ minLength: 1, maxLength: 80 }),
});

describe('parse and format', () => {
  test('parse(format(note)) == note', () => {
    fc.assert(
      fc.property(noteText, fc.array(signature, { minLength: 1, maxLength: 5 }), (t, sigs) => {
        const formatted = formatNote({ text: t, signatures: sigs });
        const parsed = parseNote(formatted);
        expect(parsed.text).toBe(t);
        expect(parsed.signatures).toEqual(sigs);
        expect(formatNote(parsed)).toBe(formatted);
      }),
    );
  });

  test('format(parse(s)) == s, or parse rejects s with MALFORMED_NOTE', () => {
    const base = signNote(text, [alice, bob]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: base.length }), fc.string({ maxLength: 4 }), fc.nat(3), (at, insert, drop) => {
        const s = base.slice(0, at) + insert + base.slice(at + drop);
        let parsed;
        try {
          parsed = parseNote(s);
        } catch (e) {
          expect((e as { code?: string }).code).toBe('MALFORMED_NOTE');
          return;
        }
        expect(formatNote(parsed)).toBe(s);
      }),
    );
  });

  test('the text is split from the signatures at the last blank line', () => {
    const t = 'first paragraph\n\nsecond paragraph\n';
    const parsed = parseNote(signNote(t, [alice]));
    expect(parsed.text).toBe(t);
    // A signature line above a later blank line is text, as in Go's note.Open.
    const later = parseNote(`${text}\n— alice.example/log AAAAAAE=\n\n— bob AAAAAAE=\n`);
    expect(later.text).toBe(`${text}\n— alice.example/log AAAAAAE=\n`);
    expect(later.signatures.map((x) => x.name)).toEqual(['bob']);
  });

  test.each([
    ['no blank line', `${text}— alice.example/log AAAAAAE=\n`],
    ['no signatures', `${text}\n`],
    ['no final newline', `${text}\n— alice.example/log AAAAAAE=`],
    ['signature line without em dash', `${text}\n- alice.example/log AAAAAAE=\n`],
    ['en dash instead of em dash', `${text}\n\u2013 alice.example/log AAAAAAE=\n`],
    ['no space after the dash', `${text}\n—alice.example/log AAAAAAE=\n`],
    ['no signature after the name', `${text}\n— alice.example/log\n`],
    ['empty signature', `${text}\n— alice.example/log \n`],
    ['signature of 4 bytes (no signature after the key ID)', `${text}\n— alice.example/log AAAAAA==\n`],
    ['non-canonical base64 (non-zero padding bits)', `${text}\n— alice.example/log AAAAAAF=\n`],
    ['unpadded base64', `${text}\n— alice.example/log AAAAAAE\n`],
    ['base64 with a space', `${text}\n— alice.example/log AAAA AAE=\n`],
    ['two spaces after the name', `${text}\n— alice.example/log  AAAAAAE=\n`],
    ['empty key name', `${text}\n—  AAAAAAE=\n`],
    ['key name with +', `${text}\n— alice+log AAAAAAE=\n`],
    ['key name with a no-break space', `${text}\n— alice\u00a0log AAAAAAE=\n`],
    ['carriage return', `${text.replace('\n8', '\r\n8')}\n— alice.example/log AAAAAAE=\n`],
    ['tab in the text', `a\tb\n\n— alice.example/log AAAAAAE=\n`],
    ['NUL in the text', `a\u0000b\n\n— alice.example/log AAAAAAE=\n`],
    ['lone surrogate', `a\ud800b\n\n— alice.example/log AAAAAAE=\n`],
    ['empty text', `\n— alice.example/log AAAAAAE=\n`],
  ])('rejects %s', (_, s) => {
    expectLogError(() => parseNote(s), 'MALFORMED_NOTE');
  });

  test('rejects invalid UTF-8 bytes', () => {
    const bytes = new TextEncoder().encode(signNote(text, [alice]));
    const bad = new Uint8Array([...bytes.slice(0, 3), 0xff, ...bytes.slice(3)]);
    expectLogError(() => parseNote(bad), 'MALFORMED_NOTE');
    const overlong = new Uint8Array([...bytes.slice(0, 3), 0xc0, 0xaf, ...bytes.slice(3)]);
    expectLogError(() => parseNote(overlong), 'MALFORMED_NOTE');
  });

  test('limits: size and number of signatures', () => {
    const many = signNote(text, Array.from({ length: 101 }, (_, i) => ed25519Signer(`k${i}`, seed(i))));
    expectLogError(() => parseNote(many), 'MALFORMED_NOTE');
    // The spec requires accepting at least 16 signatures.
    const sixteen = signNote(text, Array.from({ length: 16 }, (_, i) => ed25519Signer(`k${i}`, seed(i))));
    expect(parseNote(sixteen).signatures).toHaveLength(16);
    expect(parseNote(sixteen, { maxBytes: 100_000, maxSignatures: 16 }).signatures).toHaveLength(16);
    expectLogError(() => parseNote(sixteen, { maxBytes: 100_000, maxSignatures: 15 }), 'MALFORMED_NOTE');
    expectLogError(() => parseNote(sixteen, { maxBytes: 200, maxSignatures: 100 }), 'MALFORMED_NOTE');
    expectLogError(() => parseNote(new TextEncoder().encode(sixteen), { maxBytes: 200, maxSignatures: 100 }), 'MALFORMED_NOTE');
  });

  test('signing and formatting refuse text a note cannot carry', () => {
    expectLogError(() => signNote('no final newline', [alice]), 'MALFORMED_NOTE');
    expectLogError(() => signNote('', [alice]), 'MALFORMED_NOTE');
    expectLogError(() => signNote('a\rb\n', [alice]), 'MALFORMED_NOTE');
    expectLogError(() => formatNote({ text, signatures: [] }), 'MALFORMED_NOTE');
    expectLogError(() => formatNote({ text, signatures: [{ name: 'a b', keyId: 1, signature: new Uint8Array(1) }] }), 'MALFORMED_NOTE');
  });
});

describe('openNote', () => {
  const signed = signNote(text, [alice, bob]);

  test('verifies with any one trusted key; other signatures are kept, not trusted', () => {
    const opened = openNote(signed, [aliceV]);
    expect(opened.verified.map((s) => s.name)).toEqual([alice.name]);
    expect(opened.unverified.map((s) => s.name)).toEqual([bob.name]);
    const both = openNote(signed, [bobV, aliceV]);
    expect(both.verified.map((s) => s.name)).toEqual([alice.name, bob.name]);
    expect(both.unverified).toEqual([]);
  });

  test('a key that shares only the name, or only the key ID, is unknown', () => {
    const sameName = ed25519Signer(alice.name, seed(9));
    expectLogError(() => openNote(signNote(text, [sameName]), [aliceV]), 'UNVERIFIED_NOTE');
    const sameId = { name: 'mallory.example', keyId: alice.keyId, sign: alice.sign };
    expectLogError(() => openNote(signNote(text, [sameId]), [aliceV]), 'UNVERIFIED_NOTE');
  });

  test('a bad signature by a known key rejects the whole note, even beside a good one', () => {
    const forged = { ...bob, sign: () => new Uint8Array(64) };
    expectLogError(() => openNote(signNote(text, [alice, forged]), [aliceV, bobV]), 'INVALID_SIGNATURE');
  });

  test('a repeated signature by one key is listed once', () => {
    const twice = signNote(text, [alice, alice]);
    expect(openNote(twice, [aliceV]).verified).toHaveLength(1);
  });

  test('no trusted keys: UNVERIFIED_NOTE', () => {
    expectLogError(() => openNote(signed, []), 'UNVERIFIED_NOTE');
  });

  test('hostile inputs only ever throw LogError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array()), (input) => {
        try {
          openNote(input, [aliceV]);
        } catch (e) {
          expect(['MALFORMED_NOTE', 'INVALID_SIGNATURE', 'UNVERIFIED_NOTE']).toContain((e as { code?: string }).code);
        }
      }),
    );
  });
});
