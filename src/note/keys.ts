/**
 * Ed25519 note keys and their text forms, exactly as Go's golang.org/x/mod/sumdb/note
 * writes them, so keys move between Sightline and other tools:
 *
 *     verifier key:  <name>+<hex8 key ID>+base64(<type byte> ‖ 32-byte public key)
 *     signer key:    PRIVATE+KEY+<name>+<hex8 key ID>+base64(0x01 ‖ 32-byte seed)
 *
 * key ID = SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] (c2sp.org/signed-note).
 * Signature types: 0x01 Ed25519 note signatures; 0x04 cosignature/v1
 * (c2sp.org/tlog-cosignature), handled in cosignature.ts.
 *
 * This module uses @noble/ed25519 so it runs in browsers; a server that verifies many
 * signatures per second may supply its own `NoteVerifier` backed by node:crypto.
 */
import * as ed from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, decodeBase64, encodeBase64, readUint32, utf8 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { type NoteSigner, type NoteVerifier, isValidKeyName } from './signed-note.js';

// noble's synchronous API needs a synchronous SHA-512.
ed.hashes.sha512 = sha512;

/** c2sp.org/signed-note signature type identifiers. */
export const SIGNATURE_TYPE_ED25519 = 0x01;
export const SIGNATURE_TYPE_COSIGNATURE_V1 = 0x04;

const SIGNER_PREFIX = 'PRIVATE+KEY+';

/** SHA-256(name ‖ "\n" ‖ type ‖ public key)[:4] as a uint32. */
export function keyId(name: string, type: number, publicKey: Uint8Array): number {
  return readUint32(sha256(concatBytes([utf8(name), new Uint8Array([0x0a, type]), publicKey])), 0);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function badKey(message: string, field: string): LogError {
  return new LogError('MALFORMED_KEY', message, { field, hint: 'verifier keys look like name+1a2b3c4d+AQ…; signer keys like PRIVATE+KEY+name+1a2b3c4d+AQ…' });
}

/** An Ed25519 note signer that also knows its public half. */
export interface Ed25519NoteSigner extends NoteSigner {
  readonly publicKey: Uint8Array;
  /** The verifier key text for this signer. */
  readonly verifierKey: string;
}

/** An Ed25519 note verifier (type 0x01) for `name` and a 32-byte public key. */
export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier & { readonly publicKey: Uint8Array } {
  if (!isValidKeyName(name)) throw badKey(`invalid key name ${JSON.stringify(name)}`, 'name');
  if (publicKey.length !== 32) throw badKey(`an Ed25519 public key is 32 bytes, got ${publicKey.length}`, 'publicKey');
  const pub = publicKey.slice();
  return {
    name,
    keyId: keyId(name, SIGNATURE_TYPE_ED25519, pub),
    publicKey: pub,
    verify(message, signature) {
      // RFC 8032 verification (not ZIP-215), as Go's crypto/ed25519 does.
      try {
        return signature.length === 64 && ed.verify(signature, message, pub, { zip215: false });
      } catch {
        return false;
      }
    },
  };
}

/**
 * Makes an Ed25519 signing function for a 32-byte seed. The default is noble's, which runs
 * anywhere; a server may pass a native one (node:crypto signs about ten times faster).
 * RFC 8032 signatures are deterministic, so every implementation signs identically.
 */
export type Ed25519SignerFactory = (seed: Uint8Array) => (message: Uint8Array) => Uint8Array;

const nobleSign: Ed25519SignerFactory = (seed) => (message) => ed.sign(message, seed);

/** An Ed25519 note signer for `name` from a 32-byte seed (the RFC 8032 private key). */
export function ed25519Signer(name: string, seed: Uint8Array, implementation: Ed25519SignerFactory = nobleSign): Ed25519NoteSigner {
  if (!isValidKeyName(name)) throw badKey(`invalid key name ${JSON.stringify(name)}`, 'name');
  if (seed.length !== 32) throw badKey(`an Ed25519 seed is 32 bytes, got ${seed.length}`, 'seed');
  const secret = seed.slice();
  const publicKey = ed.getPublicKey(secret);
  const id = keyId(name, SIGNATURE_TYPE_ED25519, publicKey);
  return {
    name,
    keyId: id,
    publicKey,
    verifierKey: formatVerifierKey(name, SIGNATURE_TYPE_ED25519, publicKey),
    sign: implementation(secret),
  };
}

/** The parts of a key text: name, the key ID it claims, and the typed key material. */
interface KeyParts {
  name: string;
  keyId: number;
  type: number;
  key: Uint8Array;
}

/** Splits `name+hex8+base64`. The base64 may itself contain `+`, so split twice only. */
function splitKey(text: string, field: string): KeyParts {
  const a = text.indexOf('+');
  const b = a < 0 ? -1 : text.indexOf('+', a + 1);
  if (b < 0) throw badKey(`key ${JSON.stringify(text.slice(0, 40))} is not name+keyid+key`, field);
  const name = text.slice(0, a);
  const idText = text.slice(a + 1, b);
  const material = decodeBase64(text.slice(b + 1));
  if (!isValidKeyName(name)) throw badKey('the key name is empty or contains a space or "+"', field);
  if (!/^[0-9a-f]{8}$/.test(idText)) throw badKey('the key ID is not 8 lowercase hex digits', field);
  if (material === undefined || material.length < 2) throw badKey('the key material is not canonical base64 of a type byte and a key', field);
  return { name, keyId: parseInt(idText, 16), type: material[0]!, key: material.slice(1) };
}

/** Parses a signer key `PRIVATE+KEY+name+hex8+base64(0x01 ‖ seed)`, checking its key ID. */
export function parseSignerKey(text: string, implementation?: Ed25519SignerFactory): Ed25519NoteSigner {
  const trimmed = text.endsWith('\n') ? text.slice(0, -1) : text; // key files usually end in a newline
  if (!trimmed.startsWith(SIGNER_PREFIX)) throw badKey('a signer key starts with PRIVATE+KEY+', 'signerKey');
  const parts = splitKey(trimmed.slice(SIGNER_PREFIX.length), 'signerKey');
  if (parts.type !== SIGNATURE_TYPE_ED25519) throw badKey(`unsupported signer key type 0x${parts.type.toString(16)}`, 'signerKey');
  if (parts.key.length !== 32) throw badKey('an Ed25519 seed is 32 bytes', 'signerKey');
  const signer = ed25519Signer(parts.name, parts.key, implementation);
  if (signer.keyId !== parts.keyId) throw badKey('the key ID does not match the key', 'signerKey');
  return signer;
}

/** Formats a signer key as Go's note.GenerateKey does. */
export function formatSignerKey(name: string, seed: Uint8Array): string {
  const signer = ed25519Signer(name, seed);
  return `${SIGNER_PREFIX}${name}+${hex8(signer.keyId)}+${encodeBase64(concatBytes([new Uint8Array([SIGNATURE_TYPE_ED25519]), seed]))}`;
}

/** Formats a verifier key `name+hex8+base64(type ‖ publicKey)`. */
export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw badKey(`invalid key name ${JSON.stringify(name)}`, 'name');
  return `${name}+${hex8(keyId(name, type, publicKey))}+${encodeBase64(concatBytes([new Uint8Array([type]), publicKey]))}`;
}

/** A verifier key's parts, with its key ID checked against the key. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
}

/** Parses a verifier key of any type, checking its key ID; the caller picks the types it supports. */
export function parseVerifierKey(text: string): VerifierKey {
  const trimmed = text.endsWith('\n') ? text.slice(0, -1) : text;
  const parts = splitKey(trimmed, 'verifierKey');
  if ((parts.type === SIGNATURE_TYPE_ED25519 || parts.type === SIGNATURE_TYPE_COSIGNATURE_V1) && parts.key.length !== 32) {
    throw badKey('an Ed25519 public key is 32 bytes', 'verifierKey');
  }
  if (keyId(parts.name, parts.type, parts.key) !== parts.keyId) throw badKey('the key ID does not match the key', 'verifierKey');
  return { name: parts.name, keyId: parts.keyId, type: parts.type, publicKey: parts.key };
}

/** Parses an Ed25519 (type 0x01) verifier key into a `NoteVerifier`. */
export function parseNoteVerifier(text: string): NoteVerifier & { readonly publicKey: Uint8Array } {
  const vkey = parseVerifierKey(text);
  if (vkey.type !== SIGNATURE_TYPE_ED25519) throw badKey(`expected an Ed25519 (0x01) key, got type 0x${vkey.type.toString(16)}`, 'verifierKey');
  return ed25519Verifier(vkey.name, vkey.publicKey);
}

/** A new random Ed25519 key for `name`, as signer and verifier key texts. */
export function generateKey(name: string): { signerKey: string; verifierKey: string } {
  const seed = ed.utils.randomSecretKey();
  return { signerKey: formatSignerKey(name, seed), verifierKey: ed25519Signer(name, seed).verifierKey };
}
