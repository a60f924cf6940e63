/**
 * c2sp.org/tlog-proof@v1 receipts: an offline-verifiable proof that an entry is in the
 * log, for the partner that submitted it and for anyone it hands the file to.
 *
 *     c2sp.org/tlog-proof@v1
 *     [extra <base64>]
 *     index <leaf index>
 *     <base64 inclusion proof hash>   (zero or more, leaf's sibling first)
 *     <blank line>
 *     <signed checkpoint note, verbatim, with any cosignatures>
 */
import { decodeBase64, encodeBase64, isBytes, parseDecimal } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { type Hash, HASH_SIZE, isHash, isIndex, leafHash, verifyInclusion } from '../merkle/index.js';
import { type Checkpoint, openCheckpoint } from '../note/checkpoint.js';
import { cosignatureTimestamp } from '../note/cosignature.js';
import { type NoteLimits, type NoteVerifier, DEFAULT_NOTE_LIMITS, parseNote } from '../note/signed-note.js';

export const RECEIPT_HEADER = 'c2sp.org/tlog-proof@v1';

export interface Receipt {
  /** Opaque, unauthenticated extra data (the spec: MUST NOT be implicitly trusted). */
  readonly extra?: Uint8Array;
  readonly leafIndex: number;
  readonly inclusionProof: readonly Hash[];
  /** The signed checkpoint note, verbatim. */
  readonly checkpoint: string;
}

function malformed(message: string, field: string): LogError {
  return new LogError('MALFORMED_RECEIPT', `couldn't parse receipt: ${message}`, { field });
}

/**
 * The last checkpoint text `formatReceipt` found to be a signed note. A log formats every
 * receipt of a batch against one checkpoint: parse it once, not once per receipt.
 */
let lastSignedNote: string | undefined;

/** Formats a receipt; the checkpoint must already be a signed note. */
export function formatReceipt(receipt: Receipt): string {
  if (!isIndex(receipt.leafIndex)) throw malformed(`leaf index ${receipt.leafIndex} is not an integer in [0, 2^53)`, 'index');
  if (receipt.checkpoint !== lastSignedNote) {
    parseNote(receipt.checkpoint); // a receipt carries a signed note, never bare text
    lastSignedNote = receipt.checkpoint;
  }
  let out = RECEIPT_HEADER + '\n';
  if (receipt.extra !== undefined) {
    if (receipt.extra.length === 0) throw malformed('extra data, when present, is not empty', 'extra');
    out += `extra ${encodeBase64(receipt.extra)}\n`;
  }
  out += `index ${receipt.leafIndex}\n`;
  for (const h of receipt.inclusionProof) {
    if (!isHash(h)) throw malformed('inclusion proof elements are 32-byte hashes', 'inclusionProof');
    out += encodeBase64(h) + '\n';
  }
  return out + '\n' + receipt.checkpoint;
}

/**
 * Parses a receipt's syntax strictly, without verifying it.
 *
 * Trust boundary: the text is attacker-controlled; use `verifyReceipt`.
 */
export function parseReceipt(text: string, limits: NoteLimits = DEFAULT_NOTE_LIMITS): Receipt {
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw malformed('no blank line before the checkpoint', 'checkpoint');
  const lines = text.slice(0, blank).split('\n');
  const checkpoint = text.slice(blank + 2);
  let at = 0;
  if (lines[at++] !== RECEIPT_HEADER) throw malformed(`the first line must be ${RECEIPT_HEADER}`, 'header');
  let extra: Uint8Array | undefined;
  if (lines[at]?.startsWith('extra ')) {
    extra = decodeBase64(lines[at]!.slice('extra '.length));
    if (extra === undefined || extra.length === 0) throw malformed('extra data must be non-empty canonical base64', 'extra');
    at++;
  }
  const indexLine = lines[at++];
  const leafIndex = indexLine?.startsWith('index ') ? parseDecimal(indexLine.slice('index '.length)) : undefined;
  if (leafIndex === undefined) throw malformed('expected "index <decimal>" with no leading zeroes', 'index');
  const inclusionProof = lines.slice(at).map((line, i) => {
    const h = decodeBase64(line);
    if (h === undefined || h.length !== HASH_SIZE) throw malformed(`proof line ${i + 1} is not canonical base64 of a 32-byte hash`, 'inclusionProof');
    return h;
  });
  parseNote(checkpoint, limits); // syntax only; verifyReceipt checks the signatures
  return extra === undefined ? { leafIndex, inclusionProof, checkpoint } : { extra, leafIndex, inclusionProof, checkpoint };
}

/** Whose signatures a receipt must carry. */
export interface ReceiptPolicy {
  /** The log's checkpoint key (Ed25519, type 0x01). */
  readonly log: NoteVerifier;
  /** The log's origin; by default the log key's name. */
  readonly origin?: string;
  /** Witness cosignature verifiers (type 0x04). */
  readonly witnesses?: readonly NoteVerifier[];
  /** How many distinct witnesses must have cosigned; 0 by default. */
  readonly quorum?: number;
  /**
   * Mirror cosignature verifiers (type 0x04, c2sp.org/tlog-mirror): a mirror's cosignature
   * also says it durably holds every entry of the checkpoint and serves them.
   */
  readonly mirrors?: readonly NoteVerifier[];
  /** How many distinct mirrors must have cosigned; 0 by default. */
  readonly mirrorQuorum?: number;
}

export interface VerifiedReceipt {
  readonly leafIndex: number;
  readonly checkpoint: Checkpoint;
  /** Witnesses whose cosignature verified, with the time each cosigned. */
  readonly cosigners: readonly { name: string; keyId: number; timestamp: number }[];
  /** Mirrors whose cosignature verified, with the time each cosigned. */
  readonly mirrorCosigners: readonly { name: string; keyId: number; timestamp: number }[];
  readonly extra?: Uint8Array;
}

/**
 * Verifies a receipt for `entry` (the entry's bytes, or `{ leafHash }`): the checkpoint
 * is signed by the log key and carries the origin, the entry is included at the stated
 * index, and at least `quorum` distinct witnesses cosigned the checkpoint. Throws
 * `LogError` (`MALFORMED_*`, `INVALID_SIGNATURE`, `UNVERIFIED_NOTE`, `INVALID_PROOF`).
 */
export function verifyReceipt(
  receipt: string | Receipt,
  entry: Uint8Array | { readonly leafHash: Hash },
  policy: ReceiptPolicy,
): VerifiedReceipt {
  const parsed = typeof receipt === 'string' ? parseReceipt(receipt) : receipt;
  const witnesses = policy.witnesses ?? [];
  const quorum = policy.quorum ?? 0;
  const mirrors = policy.mirrors ?? [];
  const mirrorQuorum = policy.mirrorQuorum ?? 0;
  if (!Number.isSafeInteger(quorum) || quorum < 0 || quorum > witnesses.length) {
    throw new RangeError(`quorum must be an integer in [0, ${witnesses.length}], got ${quorum}`);
  }
  if (!Number.isSafeInteger(mirrorQuorum) || mirrorQuorum < 0 || mirrorQuorum > mirrors.length) {
    throw new RangeError(`the mirror quorum must be an integer in [0, ${mirrors.length}], got ${mirrorQuorum}`);
  }
  // One key counted as a witness and as a mirror would let one party stand for two: refused.
  const both = mirrors.find((m) => witnesses.some((w) => w.name === m.name && w.keyId === m.keyId));
  if (both !== undefined) throw new RangeError(`the key ${both.name} is given as a witness and as a mirror; a mirror cosigns under a key of its own`);
  const opened = openCheckpoint(parsed.checkpoint, policy.log, {
    others: [...witnesses, ...mirrors],
    ...(policy.origin === undefined ? {} : { origin: policy.origin }),
  });
  const { checkpoint } = opened;
  const hash = isBytes(entry) ? leafHash(entry) : entry.leafHash;
  verifyInclusion(hash, parsed.leafIndex, checkpoint.treeSize, parsed.inclusionProof, checkpoint.rootHash);

  const signedBy = (keys: readonly NoteVerifier[]) =>
    opened.note.verified
      .filter((s) => keys.some((k) => k.name === s.name && k.keyId === s.keyId))
      .map((s) => ({ name: s.name, keyId: s.keyId, timestamp: cosignatureTimestamp(s.signature) ?? 0 }));
  const cosigners = signedBy(witnesses);
  if (cosigners.length < quorum) {
    throw new LogError('UNVERIFIED_NOTE', `the checkpoint carries ${cosigners.length} witness cosignatures, the policy needs ${quorum}`, {
      field: 'cosignatures',
    });
  }
  const mirrorCosigners = signedBy(mirrors);
  if (mirrorCosigners.length < mirrorQuorum) {
    throw new LogError('UNVERIFIED_NOTE', `the checkpoint carries ${mirrorCosigners.length} mirror cosignatures, the policy needs ${mirrorQuorum}`, {
      field: 'cosignatures',
    });
  }
  return {
    leafIndex: parsed.leafIndex,
    checkpoint,
    cosigners,
    mirrorCosigners,
    ...(parsed.extra === undefined ? {} : { extra: parsed.extra }),
  };
}
