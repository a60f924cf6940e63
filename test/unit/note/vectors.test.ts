// Signed-note vectors made by Go's golang.org/x/mod/sumdb/note, and the tessera fixture.
import { describe, expect, test } from 'vitest';
import { leafHash, rootOfLeaves } from '../../../src/merkle/index.js';
import {
  ed25519Signer,
  formatSignerKey,
  keyId,
  openCheckpoint,
  openNote,
  parseNoteVerifier,
  parseSignerKey,
  signCheckpoint,
  signNote,
} from '../../../src/note/index.js';
import { expectLogError } from '../../support/errors.js';
import { TESSERA_CHECKPOINTS, TESSERA_ENTRIES, TESSERA_SIGNER_KEY } from '../../support/tessera.js';
import { fromHex, noteVectors } from '../../support/vectors.js';

const v = noteVectors();

describe('notes.json (Go sumdb/note)', () => {
  test('keys: the seed gives the same public key, key ID, signer key and verifier key texts', () => {
    const signer = ed25519Signer(v.name, fromHex(v.seedHex));
    expect(Buffer.from(signer.publicKey).toString('hex')).toBe(v.publicKeyHex);
    expect(signer.keyId.toString(16).padStart(8, '0')).toBe(v.keyHash);
    expect(keyId(v.name, 0x01, fromHex(v.publicKeyHex))).toBe(parseInt(v.keyHash, 16));
    expect(signer.verifierKey).toBe(v.verifierKey);
    expect(formatSignerKey(v.name, fromHex(v.seedHex))).toBe(v.signerKey);
    const parsed = parseSignerKey(v.signerKey);
    expect(parsed.keyId).toBe(signer.keyId);
    expect(parsed.verifierKey).toBe(v.verifierKey);
    const verifier = parseNoteVerifier(v.verifierKey);
    expect(verifier.name).toBe(v.name);
    expect(verifier.keyId).toBe(signer.keyId);
  });

  test.each(v.notes.map((n, i) => [i, n] as const))('note %i is signed byte-identically and verifies', (_, n) => {
    const signer = parseSignerKey(v.signerKey);
    expect(signNote(n.text, [signer])).toBe(n.signed);
    const opened = openNote(n.signed, [parseNoteVerifier(v.verifierKey)]);
    expect(opened.text).toBe(n.text);
    expect(opened.verified).toHaveLength(1);
    expect(opened.unverified).toHaveLength(0);
    // Bytes and strings are the same note.
    expect(openNote(new TextEncoder().encode(n.signed), [parseNoteVerifier(v.verifierKey)]).text).toBe(n.text);
  });

  const expected: Record<string, 'MALFORMED_NOTE' | 'INVALID_SIGNATURE' | 'UNVERIFIED_NOTE'> = {
    'no blank line before signatures': 'MALFORMED_NOTE',
    'no signatures': 'MALFORMED_NOTE',
    'signature bit flipped': 'INVALID_SIGNATURE',
    'signature by unknown key': 'UNVERIFIED_NOTE',
    'text changed after signing': 'INVALID_SIGNATURE',
  };
  test('every invalid note is known to this test', () => {
    expect(Object.keys(v.invalid).sort()).toEqual(Object.keys(expected).sort());
  });
  test.each(Object.entries(v.invalid))('invalid: %s is rejected', (name, text) => {
    expectLogError(() => openNote(text, [parseNoteVerifier(v.verifierKey)]), expected[name]!);
  });
});

describe('the transparency-dev/tessera testdata log', () => {
  const signer = parseSignerKey(TESSERA_SIGNER_KEY);
  test.each(Object.entries(TESSERA_CHECKPOINTS))('the checkpoint for size %s is byte-identical', (size, published) => {
    const treeSize = Number(size);
    const rootHash = rootOfLeaves(TESSERA_ENTRIES.slice(0, treeSize).map(leafHash));
    expect(signCheckpoint({ origin: 'example.com/log/testdata', treeSize, rootHash, extensions: [] }, signer)).toBe(published);
    const { checkpoint } = openCheckpoint(published, parseNoteVerifier(signer.verifierKey));
    expect(checkpoint.treeSize).toBe(treeSize);
    expect(checkpoint.rootHash).toEqual(rootHash);
  });
});
