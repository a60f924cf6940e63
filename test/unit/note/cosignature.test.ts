import { describe, expect, test } from 'vitest';
import { EMPTY_ROOT } from '../../../src/merkle/index.js';
import {
  cosignatureMessage,
  cosignatureTimestamp,
  cosignatureVerifier,
  ed25519Cosigner,
  ed25519Signer,
  ed25519Verifier,
  formatCheckpoint,
  formatNote,
  keyId,
  openCheckpoint,
  openNote,
  parseCosignatureVerifier,
  parseNote,
  parseNoteVerifier,
  parseVerifierKey,
  signCheckpoint,
} from '../../../src/note/index.js';
import { expectLogError } from '../../support/errors.js';
import { nodeSign, nodeVerify } from '../../support/node-ed25519.js';

const logSigner = ed25519Signer('example.com/behind-the-sofa', new Uint8Array(32).fill(1));
const logVerifier = ed25519Verifier(logSigner.name, logSigner.publicKey);
const witnessSeed = new Uint8Array(32).fill(4);
const witness = ed25519Cosigner('witness.example.com/w1', witnessSeed);
const checkpoint = { origin: logSigner.name, treeSize: 20852163, rootHash: EMPTY_ROOT, extensions: [] };
const body = formatCheckpoint(checkpoint);

describe('cosignature/v1', () => {
  test('the signed message is the header, the time line and the checkpoint body', () => {
    expect(new TextDecoder().decode(cosignatureMessage(body, 1679315147))).toBe(
      `cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n${Buffer.from(EMPTY_ROOT).toString('base64')}\n`,
    );
  });

  test('the key ID uses signature type 0x04, and the verifier key text carries it', () => {
    expect(witness.keyId).toBe(keyId(witness.name, 0x04, witness.publicKey));
    expect(witness.keyId).not.toBe(keyId(witness.name, 0x01, witness.publicKey));
    const parsed = parseVerifierKey(witness.verifierKey);
    expect(parsed.type).toBe(0x04);
    expect(parseCosignatureVerifier(witness.verifierKey).keyId).toBe(witness.keyId);
    expectLogError(() => parseCosignatureVerifier(logSigner.verifierKey), 'MALFORMED_KEY');
    expectLogError(() => parseNoteVerifier(witness.verifierKey), 'MALFORMED_KEY');
  });

  test('a cosignature made by the core verifies with node:crypto', () => {
    const timestamp = 1_700_000_000;
    const sig = witness.cosign(body, timestamp);
    expect(sig.signature).toHaveLength(72);
    expect(Buffer.from(sig.signature.subarray(0, 8)).readBigUInt64BE()).toBe(BigInt(timestamp));
    expect(cosignatureTimestamp(sig.signature)).toBe(timestamp);
    expect(nodeVerify(witness.publicKey, cosignatureMessage(body, timestamp), sig.signature.subarray(8))).toBe(true);
    // …and not for another time or another checkpoint.
    expect(nodeVerify(witness.publicKey, cosignatureMessage(body, timestamp + 1), sig.signature.subarray(8))).toBe(false);
  });

  test('a cosignature made by node:crypto verifies with the core, inside a checkpoint note', () => {
    const timestamp = 1_679_315_147;
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(timestamp));
    const signature = new Uint8Array([...ts, ...nodeSign(witnessSeed, cosignatureMessage(body, timestamp))]);
    const logSigned = parseNote(signCheckpoint(checkpoint, logSigner));
    const note = formatNote({
      text: logSigned.text,
      signatures: [...logSigned.signatures, { name: witness.name, keyId: witness.keyId, signature }],
    });
    const w = cosignatureVerifier(witness.name, witness.publicKey);
    const opened = openCheckpoint(note, logVerifier, { others: [w] });
    expect(opened.note.verified.map((s) => s.name)).toEqual([logSigner.name, witness.name]);
    // Without the witness key its cosignature is kept but ignored.
    expect(openCheckpoint(note, logVerifier).note.unverified.map((s) => s.name)).toEqual([witness.name]);
  });

  test('tampered cosignatures are rejected', () => {
    const w = cosignatureVerifier(witness.name, witness.publicKey);
    const sig = witness.cosign(body, 1_700_000_000);
    const withSig = (signature: Uint8Array) => formatNote({ text: body, signatures: [{ ...sig, signature }] });
    openNote(withSig(sig.signature), [w]);
    const laterTime = sig.signature.slice();
    laterTime[7]! ^= 1;
    expectLogError(() => openNote(withSig(laterTime), [w]), 'INVALID_SIGNATURE');
    const flipped = sig.signature.slice();
    flipped[40]! ^= 1;
    expectLogError(() => openNote(withSig(flipped), [w]), 'INVALID_SIGNATURE');
    expectLogError(() => openNote(withSig(sig.signature.slice(0, 71)), [w]), 'INVALID_SIGNATURE');
    // A timestamp past 2^53 cannot be represented exactly and is refused.
    const huge = sig.signature.slice();
    huge[0] = 0x7f;
    expect(cosignatureTimestamp(huge)).toBeUndefined();
    expectLogError(() => openNote(withSig(huge), [w]), 'INVALID_SIGNATURE');
  });

  test('an Ed25519 note signature by the same key is not a cosignature', () => {
    // Same name and key, but type 0x01: a different key ID, so the cosignature verifier ignores it.
    const plain = ed25519Signer(witness.name, witnessSeed);
    const note = formatNote({ text: body, signatures: [{ name: plain.name, keyId: plain.keyId, signature: plain.sign(new TextEncoder().encode(body)) }] });
    expectLogError(() => openNote(note, [cosignatureVerifier(witness.name, witness.publicKey)]), 'UNVERIFIED_NOTE');
  });

  test('cosigning refuses timestamps a u64 in a number cannot carry exactly', () => {
    expect(() => witness.cosign(body, -1)).toThrow(RangeError);
    expect(() => witness.cosign(body, 2 ** 53)).toThrow(RangeError);
    expect(() => witness.cosign(body, 1.5)).toThrow(RangeError);
  });
});
