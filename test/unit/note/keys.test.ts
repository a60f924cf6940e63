import { describe, expect, test } from 'vitest';
import {
  ed25519Signer,
  formatVerifierKey,
  generateKey,
  openNote,
  parseNoteVerifier,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../../src/note/index.js';
import { expectLogError } from '../../support/errors.js';
import { nodePublicKey, nodeVerify } from '../../support/node-ed25519.js';
import { noteVectors } from '../../support/vectors.js';

const v = noteVectors();

describe('key texts', () => {
  test('generated keys round trip and sign notes that the verifier key accepts', () => {
    const { signerKey, verifierKey } = generateKey('sightline.example/log');
    expect(signerKey).toMatch(/^PRIVATE\+KEY\+sightline\.example\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    const signer = parseSignerKey(signerKey);
    expect(signer.verifierKey).toBe(verifierKey);
    const note = signNote('hello\n', [signer]);
    expect(openNote(note, [parseNoteVerifier(verifierKey)]).verified).toHaveLength(1);
    // Two generated keys differ.
    expect(generateKey('sightline.example/log').signerKey).not.toBe(signerKey);
  });

  test('signatures match an independent Ed25519 (node:crypto)', () => {
    const signer = parseSignerKey(v.signerKey);
    const seed = Buffer.from(v.seedHex, 'hex');
    expect(Buffer.from(nodePublicKey(seed)).toString('hex')).toBe(v.publicKeyHex);
    const message = new TextEncoder().encode('a message\n');
    expect(nodeVerify(signer.publicKey, message, signer.sign(message))).toBe(true);
  });

  test('a key file with a trailing newline is accepted', () => {
    expect(parseSignerKey(v.signerKey + '\n').keyId).toBe(parseInt(v.keyHash, 16));
    expect(parseVerifierKey(v.verifierKey + '\n').keyId).toBe(parseInt(v.keyHash, 16));
  });

  const vk = v.verifierKey;
  const [name, id, material] = [v.name, v.keyHash, vk.slice(v.name.length + 10)];
  test.each([
    ['missing key ID', `${name}+${material}`],
    ['uppercase key ID', `${name}+${id.toUpperCase()}+${material}`],
    ['short key ID', `${name}+${id.slice(1)}+${material}`],
    ['wrong key ID', `${name}+00000000+${material}`],
    ['other name (key ID mismatch)', `other+${id}+${material}`],
    ['empty name', `+${id}+${material}`],
    ['name with a space', `a b+${id}+${material}`],
    ['bad base64', `${name}+${id}+${material.slice(0, -1)}`],
    ['key of 31 bytes', formatVerifierKey(name, 0x01, new Uint8Array(31))],
    ['only a type byte', `${name}+${id}+AQ==`],
    ['trailing space', `${vk} `],
  ])('verifier key: rejects %s', (_, text) => {
    expectLogError(() => parseNoteVerifier(text), 'MALFORMED_KEY');
  });

  test('verifier key of another type is not an Ed25519 note key', () => {
    const cosigKey = formatVerifierKey(name, 0x04, new Uint8Array(32).fill(3));
    expect(parseVerifierKey(cosigKey).type).toBe(0x04);
    expectLogError(() => parseNoteVerifier(cosigKey), 'MALFORMED_KEY');
  });

  test.each([
    ['no PRIVATE+KEY prefix', v.signerKey.slice('PRIVATE+KEY+'.length)],
    ['lowercase prefix', v.signerKey.replace('PRIVATE+KEY', 'private+key')],
    ['wrong key ID', v.signerKey.replace(v.keyHash, '00000000')],
    ['wrong type byte', v.signerKey.replace('+AQAB', '+AgAB')],
    ['a verifier key', v.verifierKey],
    ['short seed', `PRIVATE+KEY+${name}+${id}+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHQ==`],
  ])('signer key: rejects %s', (_, text) => {
    expectLogError(() => parseSignerKey(text), 'MALFORMED_KEY');
  });

  test('signers refuse invalid names and seeds', () => {
    expectLogError(() => ed25519Signer('a+b', new Uint8Array(32)), 'MALFORMED_KEY');
    expectLogError(() => ed25519Signer('ab', new Uint8Array(31)), 'MALFORMED_KEY');
  });
});
