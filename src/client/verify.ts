/**
 * Offline checks a partner, a claimant or anyone can make with no trust in the server: a
 * receipt against the pinned log key, a partner's signature over an event, and whether
 * details open an event's commitment. Pure: runs in Node 20 and browsers.
 */
import * as ed from '@noble/ed25519';
import { bytesEqual, decodeBase64, isBytes } from '../encoding/index.js';
import { type SightlineEvent, type SubjectRef, eventCommitment, eventSigningMessage, hasSubject, isEventType } from '../events/index.js';
import type { Hash } from '../merkle/index.js';
import { type NoteVerifier, parseNoteVerifier } from '../note/index.js';
import { type VerifiedReceipt, verifyReceipt } from '../receipt/index.js';

/** A verifier key text (`<name>+<hex8>+<base64>`), or a parsed verifier. */
export type LogKey = string | NoteVerifier;

export function logVerifier(key: LogKey): NoteVerifier {
  return typeof key === 'string' ? parseNoteVerifier(key.trim()) : key;
}

/**
 * Verifies a c2sp.org/tlog-proof receipt for an entry (its bytes, or `{ leafHash }`): the
 * checkpoint is signed by the log key and carries its name as origin, and the entry is
 * included at the receipt's index. Witness cosignatures are required when `witnesses` and
 * `quorum` are given. Returns the verified receipt; throws `LogError` (`MALFORMED_*`,
 * `UNVERIFIED_NOTE`, `INVALID_SIGNATURE`, `INVALID_PROOF`) when it does not verify.
 */
export function verifyEntryReceipt(
  receipt: string,
  entry: Uint8Array | { readonly leafHash: Hash },
  logKey: LogKey,
  options: { readonly witnesses?: readonly NoteVerifier[]; readonly quorum?: number } = {},
): VerifiedReceipt {
  return verifyReceipt(receipt, entry, {
    log: logVerifier(logKey),
    ...(options.witnesses === undefined ? {} : { witnesses: options.witnesses }),
    ...(options.quorum === undefined ? {} : { quorum: options.quorum }),
  });
}

/**
 * Whether `signature` is the partner's Ed25519 signature (RFC 8032, not ZIP-215, as Go and
 * OpenSSL verify) of "sightline/v1/event\n" ‖ origin ‖ "\n" ‖ JCS(event). Never throws.
 */
export function verifyEventSignature(origin: string, event: SightlineEvent, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    if (!isBytes(signature) || signature.length !== 64 || !isBytes(publicKey) || publicKey.length !== 32) return false;
    return ed.verify(signature, eventSigningMessage(origin, event), publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Whether `details` and the 32-byte `opening` open the event's commitment, for `subject`
 * when the event's type concerns a claimant (then the commitment covers the claimant's
 * reference too, and without one nothing opens it). Never throws.
 */
export function opensCommitment(event: SightlineEvent, opening: Uint8Array, details: unknown, subject?: SubjectRef): boolean {
  try {
    const commitment = typeof event.commitment === 'string' ? decodeBase64(event.commitment) : undefined;
    if (commitment === undefined || !isBytes(opening) || opening.length !== 32) return false;
    const about = isEventType(event.type) && hasSubject(event.type);
    if (about && subject === undefined) return false;
    return bytesEqual(eventCommitment(opening, details, about ? subject : undefined), commitment);
  } catch {
    return false;
  }
}
