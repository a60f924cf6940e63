/**
 * c2sp.org/tlog-checkpoint: the note text of a log's signed tree head.
 *
 *     <origin>\n<tree size>\n<base64 root hash>\n[<extension line>\n]*
 */
import { decodeBase64, encodeBase64, parseDecimal } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { type Hash, HASH_SIZE, isHash, isIndex } from '../merkle/index.js';
import { type NoteLimits, type NoteSigner, type NoteVerifier, type VerifiedNote, DEFAULT_NOTE_LIMITS, openNote, signNote } from './signed-note.js';

export interface Checkpoint {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Hash;
  /** Opaque, non-empty extension lines (NOT RECOMMENDED by the spec; kept if present). */
  readonly extensions: readonly string[];
}

// Note text MUST NOT contain ASCII control characters other than newline (c2sp.org/signed-note).
const CONTROL = /[\u0000-\u001f]/;

function malformed(message: string, field: string): LogError {
  return new LogError('MALFORMED_CHECKPOINT', `couldn't parse checkpoint: ${message}`, { field });
}

/**
 * Parses a checkpoint body strictly: exactly one form per checkpoint (canonical decimal
 * size, canonical base64 of a 32-byte root, non-empty lines, final newline).
 *
 * Trust boundary: the text is attacker-controlled unless it came out of `openNote`.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw malformed('the text must end with a newline', 'checkpoint');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('expected origin, tree size and root hash lines', 'checkpoint');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0 || CONTROL.test(origin)) throw malformed('the origin line must be non-empty text', 'origin');
  const treeSize = parseDecimal(sizeText);
  if (treeSize === undefined) {
    throw malformed('the tree size must be a decimal with no sign, spaces or leading zeroes, below 2^53', 'treeSize');
  }
  const rootHash = decodeBase64(rootText);
  if (rootHash === undefined || rootHash.length !== HASH_SIZE) {
    throw malformed('the root hash must be canonical base64 of 32 bytes', 'rootHash');
  }
  for (const line of extensions) {
    if (line.length === 0 || CONTROL.test(line)) throw malformed('extension lines must be non-empty text', 'extensions');
  }
  return { origin, treeSize, rootHash, extensions };
}

/** Formats a checkpoint body; rejects anything `parseCheckpoint` would reject. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, treeSize, rootHash, extensions } = checkpoint;
  if (origin.length === 0 || CONTROL.test(origin)) throw malformed('the origin must be non-empty text without newlines', 'origin');
  if (!isIndex(treeSize)) throw malformed(`tree size ${treeSize} is not an integer in [0, 2^53)`, 'treeSize');
  if (!isHash(rootHash)) throw malformed('the root hash must be 32 bytes', 'rootHash');
  for (const line of extensions) {
    if (line.length === 0 || CONTROL.test(line)) throw malformed('extension lines must be non-empty text', 'extensions');
  }
  return [origin, String(treeSize), encodeBase64(rootHash), ...extensions].join('\n') + '\n';
}

/** Formats and signs a checkpoint; the log's key name is its origin. */
export function signCheckpoint(checkpoint: Checkpoint, signer: NoteSigner): string {
  if (signer.name !== checkpoint.origin) {
    throw malformed(`the signing key is named ${JSON.stringify(signer.name)}, not the origin`, 'origin');
  }
  return signNote(formatCheckpoint(checkpoint), [signer]);
}

export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: VerifiedNote;
}

/**
 * Verifies a signed checkpoint: it MUST carry a valid signature by `log` (other
 * verifiers, such as witnesses, may be passed in `others`), and its origin MUST be
 * `origin` (by default the log key's name).
 */
export function openCheckpoint(
  signedNote: string | Uint8Array,
  log: NoteVerifier,
  options: { origin?: string; others?: readonly NoteVerifier[]; limits?: NoteLimits } = {},
): VerifiedCheckpoint {
  const note = openNote(signedNote, [log, ...(options.others ?? [])], options.limits ?? DEFAULT_NOTE_LIMITS);
  if (!note.verified.some((s) => s.name === log.name && s.keyId === log.keyId)) {
    throw new LogError('UNVERIFIED_NOTE', `the checkpoint is not signed by the log key ${log.name}`, { field: 'signature' });
  }
  const checkpoint = parseCheckpoint(note.text);
  const origin = options.origin ?? log.name;
  if (checkpoint.origin !== origin) {
    throw new LogError('UNVERIFIED_NOTE', `the checkpoint's origin ${JSON.stringify(checkpoint.origin)} is not ${JSON.stringify(origin)}`, {
      field: 'origin',
    });
  }
  return { checkpoint, note };
}
