/**
 * The wire formats of c2sp.org/tlog-witness "add-checkpoint": the request body a log
 * sends, the `text/x.tlog.size` body of a 409 answer, and the cosignature lines of a 200.
 *
 *     request:   old <old size>\n
 *                <base64 consistency proof hash>\n      (0 to 63 lines)
 *                \n
 *                <signed checkpoint note>
 *     409 body:  <tree size>\n                          (Content-Type: text/x.tlog.size)
 *     200 body:  — <cosigner name> <base64 signature>\n  (one or more)
 *
 * Parsing is strict: each value has exactly one accepted text form (canonical decimal,
 * canonical base64 of exactly 32 bytes), so what the witness checks is what was sent.
 *
 * Trust boundary: every `parse…` input comes from the network. Parsing checks syntax only;
 * nothing in the result is trusted until the checkpoint's signature has been verified.
 */
import { decodeBase64, encodeBase64, parseDecimal, readUint32, uint32Bytes, concatBytes } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { type Hash, HASH_SIZE, isHash, isIndex } from '../merkle/index.js';
import { type NoteLimits, type NoteSignature, type Checkpoint, isValidKeyName, parseCheckpoint, parseNote } from '../note/index.js';

/** The Content-Type of a 409 answer's body (c2sp.org/tlog-witness "add-checkpoint"). */
export const TREE_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

/** "The client MUST NOT send more than 63 consistency proof lines" (c2sp.org/tlog-witness). */
export const MAX_CONSISTENCY_PROOF_LINES = 63;

/**
 * Limits on the submitted checkpoint. A checkpoint is a few hundred bytes; the signature
 * count is what c2sp.org/signed-note asks every verifier to accept (at least 16) with room
 * to spare, and the size leaves room for that many large (post-quantum) signatures.
 */
export const ADD_CHECKPOINT_NOTE_LIMITS: NoteLimits = { maxBytes: 256 * 1024, maxSignatures: 64 };

/**
 * The largest request body worth reading: the old size line, 63 proof lines and the
 * separator, then the largest accepted checkpoint.
 */
export const MAX_ADD_CHECKPOINT_BODY = 'old 9007199254740991\n'.length + MAX_CONSISTENCY_PROOF_LINES * 45 + 1 + ADD_CHECKPOINT_NOTE_LIMITS.maxBytes;

export interface AddCheckpointRequest {
  /** The size of the checkpoint the log believes this witness cosigned last (0 if none). */
  readonly oldSize: number;
  /** RFC 6962 §2.1.2 consistency proof from `oldSize` to the checkpoint's tree size. */
  readonly consistencyProof: readonly Hash[];
  /** The signed checkpoint note, as sent (the log's signature, maybe others). */
  readonly checkpoint: string;
}

function malformed(message: string, field: string): LogError {
  return new LogError('MALFORMED_REQUEST', `couldn't parse add-checkpoint request: ${message}`, { field });
}

/** Formats an add-checkpoint request body; refuses anything `parseAddCheckpointRequest` would refuse. */
export function formatAddCheckpointRequest(request: AddCheckpointRequest): string {
  const { oldSize, consistencyProof, checkpoint } = request;
  if (!isIndex(oldSize)) throw malformed(`old size ${String(oldSize)} is not an integer in [0, 2^53)`, 'oldSize');
  if (!Array.isArray(consistencyProof) || consistencyProof.length > MAX_CONSISTENCY_PROOF_LINES) {
    throw malformed(`the consistency proof must be a list of at most ${MAX_CONSISTENCY_PROOF_LINES} hashes`, 'consistencyProof');
  }
  let out = `old ${oldSize}\n`;
  consistencyProof.forEach((hash, i) => {
    if (!isHash(hash)) throw malformed(`consistency proof element ${i} is not a 32-byte hash`, 'consistencyProof');
    out += `${encodeBase64(hash)}\n`;
  });
  checkCheckpointNote(checkpoint);
  return `${out}\n${checkpoint}`;
}

/** The submitted note must be a well-formed signed note whose text is a checkpoint. */
function checkCheckpointNote(checkpoint: string): Checkpoint {
  if (typeof checkpoint !== 'string') throw malformed('the checkpoint must be signed note text', 'checkpoint');
  try {
    return parseCheckpoint(parseNote(checkpoint, ADD_CHECKPOINT_NOTE_LIMITS).text);
  } catch (e) {
    throw malformed(`the checkpoint is not a signed checkpoint note: ${e instanceof Error ? e.message : String(e)}`, 'checkpoint');
  }
}

/**
 * Parses an add-checkpoint request body strictly. Throws `LogError('MALFORMED_REQUEST')`
 * (an HTTP 400) for anything but exactly the form c2sp.org/tlog-witness describes; the
 * checkpoint's note and checkpoint syntax are checked here, its signatures are not.
 *
 * Trust boundary: `body` is the untrusted request body.
 */
export function parseAddCheckpointRequest(body: string): AddCheckpointRequest {
  if (typeof body !== 'string') throw malformed('the body must be text', 'body');
  let pos = 0;
  /** The next line without its newline; "Each line MUST terminate in a newline character". */
  const nextLine = (what: string): string => {
    const end = body.indexOf('\n', pos);
    if (end < 0) throw malformed(`the ${what} does not end with a newline`, what === 'old size line' ? 'oldSize' : 'consistencyProof');
    const line = body.slice(pos, end);
    pos = end + 1;
    return line;
  };

  const first = nextLine('old size line');
  if (!first.startsWith('old ')) throw malformed('the body must start with "old <size>"', 'oldSize');
  const oldSize = parseDecimal(first.slice(4));
  if (oldSize === undefined) {
    throw malformed('the old size must be a decimal with no sign, spaces or leading zeroes, below 2^53', 'oldSize');
  }

  const consistencyProof: Hash[] = [];
  for (;;) {
    const line = nextLine('consistency proof');
    if (line === '') break;
    if (consistencyProof.length === MAX_CONSISTENCY_PROOF_LINES) {
      throw malformed(`more than ${MAX_CONSISTENCY_PROOF_LINES} consistency proof lines`, 'consistencyProof');
    }
    const hash = decodeBase64(line);
    if (hash === undefined || hash.length !== HASH_SIZE) {
      throw malformed(`consistency proof line ${consistencyProof.length + 1} is not canonical base64 of a 32-byte hash`, 'consistencyProof');
    }
    consistencyProof.push(hash);
  }

  const checkpoint = body.slice(pos);
  checkCheckpointNote(checkpoint);
  return { oldSize, consistencyProof, checkpoint };
}

/** The body of a 409 answer: the tree size of the latest cosigned checkpoint and a newline. */
export function formatTreeSizeBody(treeSize: number): string {
  if (!isIndex(treeSize)) throw new RangeError(`tree size ${String(treeSize)} is not an integer in [0, 2^53)`);
  return `${treeSize}\n`;
}

/**
 * Parses a 409 answer's `text/x.tlog.size` body ("<decimal>\n"), strictly.
 *
 * Trust boundary: the body comes from a witness over the network.
 */
export function parseTreeSizeBody(text: string): number {
  const treeSize = typeof text === 'string' && text.endsWith('\n') ? parseDecimal(text.slice(0, -1)) : undefined;
  if (treeSize === undefined) {
    throw new LogError('MALFORMED_REQUEST', `couldn't parse the witness's ${TREE_SIZE_CONTENT_TYPE} body: expected a canonical decimal and a newline`, {
      field: 'treeSize',
    });
  }
  return treeSize;
}

const SIG_PREFIX = '\u2014 '; // em dash, space (c2sp.org/signed-note)

/** Formats note signature lines ("— <name> base64(key ID ‖ signature)\n"), the body of a 200 answer. */
export function formatCosignatureLines(signatures: readonly NoteSignature[]): string {
  if (signatures.length === 0) throw new RangeError('an add-checkpoint answer needs at least one signature line');
  let out = '';
  for (const s of signatures) {
    if (!isValidKeyName(s.name)) throw new RangeError(`invalid key name ${JSON.stringify(s.name)}`);
    out += `${SIG_PREFIX}${s.name} ${encodeBase64(concatBytes([uint32Bytes(s.keyId), s.signature]))}\n`;
  }
  return out;
}

/**
 * Parses the body of a 200 answer: one or more signature lines. Syntax only; to trust
 * them, append them to the checkpoint and open the note with the witness keys
 * (c2sp.org/tlog-witness: "the client MAY concatenate it to the checkpoint").
 *
 * Trust boundary: the body comes from a witness over the network.
 */
export function parseCosignatureLines(text: string): NoteSignature[] {
  const bad = (message: string): LogError => new LogError('MALFORMED_NOTE', `couldn't parse cosignature lines: ${message}`, { field: 'signature' });
  if (typeof text !== 'string' || text.length === 0 || !text.endsWith('\n')) throw bad('expected one or more lines, each ending with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length > ADD_CHECKPOINT_NOTE_LIMITS.maxSignatures) throw bad(`more than ${ADD_CHECKPOINT_NOTE_LIMITS.maxSignatures} lines`);
  return lines.map((line, i) => {
    if (!line.startsWith(SIG_PREFIX)) throw bad(`line ${i + 1} does not start with "— "`);
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) throw bad(`line ${i + 1} has no signature after the key name`);
    const name = rest.slice(0, space);
    const bytes = decodeBase64(rest.slice(space + 1));
    if (!isValidKeyName(name)) throw bad(`line ${i + 1} has an invalid key name`);
    if (bytes === undefined || bytes.length < 5) throw bad(`line ${i + 1} is not base64 of a key ID and a signature`);
    return { name, keyId: readUint32(bytes, 0), signature: bytes.slice(4) };
  });
}
