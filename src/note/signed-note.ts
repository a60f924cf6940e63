/**
 * c2sp.org/signed-note: text signed by one or more keys, byte-compatible with Go's
 * golang.org/x/mod/sumdb/note.
 *
 *     <text ending in \n>
 *     <blank line>
 *     — <key name> base64(uint32 key ID ‖ signature)\n   (one or more)
 *
 * The text MUST be ignored until a signature by a trusted key has verified (`openNote`).
 */
import { decodeBase64, decodeUtf8, encodeBase64, readUint32, uint32Bytes, utf8 } from '../encoding/index.js';
import { LogError } from '../errors.js';

/** One signature line. `signature` excludes the 4-byte key ID. */
export interface NoteSignature {
  readonly name: string;
  /** The uint32 key ID (big-endian in the encoding). */
  readonly keyId: number;
  readonly signature: Uint8Array;
}

export interface Note {
  /** The signed text, including its final newline but not the separating blank line. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** Checks signatures of one key. `verify` MUST return false, never throw, on a bad signature. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** Signs with one key. The signature excludes the key ID, which the note encoding prepends. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(message: Uint8Array): Uint8Array;
}

/** A note whose text a trusted key vouched for. */
export interface VerifiedNote extends Note {
  /** Signatures by known keys, each verified; duplicates dropped. */
  readonly verified: readonly NoteSignature[];
  /** Signatures by keys the verifier does not know: kept, not trusted (c2sp.org/signed-note). */
  readonly unverified: readonly NoteSignature[];
}

export interface NoteLimits {
  /** Largest accepted note in bytes of UTF-8. */
  readonly maxBytes: number;
  /** Most signature lines accepted; the spec requires accepting at least 16. */
  readonly maxSignatures: number;
}

/**
 * Go's note package stops at 100 signatures; 1 MiB leaves room for that many of the
 * largest post-quantum signatures the spec anticipates (~5 kB each).
 */
export const DEFAULT_NOTE_LIMITS: NoteLimits = { maxBytes: 1_048_576, maxSignatures: 100 };

const SIG_PREFIX = '\u2014 '; // em dash, space
// Go's unicode.IsSpace: the ASCII spaces, U+0085, U+00A0 and the Unicode White_Space Z characters.
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
// Signed notes MUST NOT contain ASCII control characters other than newline.
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function malformed(message: string, field = 'note'): LogError {
  return new LogError('MALFORMED_NOTE', `couldn't parse signed note: ${message}`, { field });
}

/** c2sp.org/signed-note: key names are non-empty, with no Unicode spaces and no `+`. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !SPACE.test(name) && !name.includes('+') && !LONE_SURROGATE.test(name) && !CONTROL.test(name);
}

/** Note text: non-empty, ends in a newline, valid UTF-8 without control characters. */
function checkText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n')) throw malformed('the text must end with a newline', 'text');
  if (CONTROL.test(text)) throw malformed('the text contains a control character', 'text');
  if (LONE_SURROGATE.test(text)) throw malformed('the text is not valid UTF-8', 'text');
}

/**
 * Parses a signed note's syntax without verifying anything.
 *
 * Trust boundary: `input` is attacker-controlled; nothing in the result is trusted until
 * `openNote` has verified a signature.
 */
export function parseNote(input: string | Uint8Array, limits: NoteLimits = DEFAULT_NOTE_LIMITS): Note {
  let msg: string;
  if (typeof input === 'string') {
    // Measure in UTF-8 bytes; a string cannot hold invalid UTF-8 except lone surrogates.
    if (input.length > limits.maxBytes || utf8(input).length > limits.maxBytes) throw malformed(`the note is over ${limits.maxBytes} bytes`);
    if (LONE_SURROGATE.test(input)) throw malformed('the note is not valid UTF-8');
    msg = input;
  } else {
    if (input.length > limits.maxBytes) throw malformed(`the note is over ${limits.maxBytes} bytes`);
    const decoded = decodeUtf8(input);
    if (decoded === undefined) throw malformed('the note is not valid UTF-8');
    msg = decoded;
  }
  if (CONTROL.test(msg)) throw malformed('the note contains a control character');

  // The text is separated from the signatures by the last blank line.
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = msg.slice(0, split + 1);
  const block = msg.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw malformed('no signature lines, or the last line does not end with a newline');

  const lines = block.slice(0, -1).split('\n');
  if (lines.length > limits.maxSignatures) throw malformed(`more than ${limits.maxSignatures} signatures`);
  const signatures = lines.map((line, i) => {
    if (!line.startsWith(SIG_PREFIX)) throw malformed(`signature line ${i + 1} does not start with "— "`, 'signature');
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) throw malformed(`signature line ${i + 1} has no signature after the key name`, 'signature');
    const name = rest.slice(0, space);
    const bytes = decodeBase64(rest.slice(space + 1));
    if (!isValidKeyName(name)) throw malformed(`signature line ${i + 1} has an invalid key name`, 'signature');
    // 4 bytes of key ID and at least one byte of signature, as Go requires.
    if (bytes === undefined || bytes.length < 5) throw malformed(`signature line ${i + 1} is not base64 of a key ID and a signature`, 'signature');
    return { name, keyId: readUint32(bytes, 0), signature: bytes.slice(4) };
  });
  checkText(text);
  return { text, signatures };
}

/** Formats a note: the text, a blank line, then one line per signature, in order. */
export function formatNote(note: Note): string {
  checkText(note.text);
  if (note.signatures.length === 0) throw malformed('a signed note needs at least one signature', 'signatures');
  let out = note.text + '\n';
  for (const s of note.signatures) {
    if (!isValidKeyName(s.name)) throw malformed(`invalid key name ${JSON.stringify(s.name)}`, 'signatures');
    const bytes = new Uint8Array(4 + s.signature.length);
    bytes.set(uint32Bytes(s.keyId), 0);
    bytes.set(s.signature, 4);
    out += `${SIG_PREFIX}${s.name} ${encodeBase64(bytes)}\n`;
  }
  return out;
}

/** Signs `text` with each signer, in order, and returns the signed note. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  const message = utf8(text);
  return formatNote({ text, signatures: signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(message) })) });
}

/**
 * Parses a signed note and verifies it against trusted keys (c2sp.org/signed-note
 * "Signatures"): signatures from unknown keys (name and key ID not both matching a
 * known key) are kept but ignored; a signature from a known key that fails to verify
 * rejects the whole note (`INVALID_SIGNATURE`); a note with no verified signature is
 * rejected (`UNVERIFIED_NOTE`).
 */
export function openNote(
  input: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  limits: NoteLimits = DEFAULT_NOTE_LIMITS,
): VerifiedNote {
  const note = parseNote(input, limits);
  const message = utf8(note.text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const sig of note.signatures) {
    const verifier = verifiers.find((v) => v.name === sig.name && v.keyId === sig.keyId);
    if (verifier === undefined) {
      unverified.push(sig);
      continue;
    }
    if (!verifier.verify(message, sig.signature)) {
      throw new LogError('INVALID_SIGNATURE', `signature by ${sig.name} does not verify`, { field: 'signature' });
    }
    const id = `${sig.keyId} ${sig.name}`;
    if (!seen.has(id)) {
      seen.add(id);
      verified.push(sig);
    }
  }
  if (verified.length === 0) {
    throw new LogError('UNVERIFIED_NOTE', 'the note carries no signature by a trusted key', { field: 'signature' });
  }
  return { ...note, verified, unverified };
}
