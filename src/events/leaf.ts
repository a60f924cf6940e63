/**
 * The bytes of typed events: the commitment to the private details, the message a partner
 * signs, and the leaf the log stores, plus the log's own code-lists record. Every one is
 * canonical JSON (RFC 8785) under a domain-separating prefix, so each byte string has one
 * meaning and a monitor or claimant can recompute it exactly.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalJson, concatBytes, decodeBase64, decodeUtf8, encodeBase64, isBytes, isPlainObject, utf8, bytesEqual } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { normalizeSubjectId } from '../subject/normalize.js';
import { type EventType, type SightlineEvent, isEventType, subjectTagRule } from './types.js';

/** Domain separation (design.md: C = SHA-256("sightline/v1/commit" ‖ r ‖ canonical(details))). */
const COMMIT_PREFIX = utf8('sightline/v1/commit\n');
/** The commitment of an event about a claimant: another label, so the two forms never meet. */
const SUBJECT_COMMIT_PREFIX = utf8('sightline/v1/commit-subject\n');
const SIGN_PREFIX = 'sightline/v1/event\n';

export const OPENING_SIZE = 32;
export const SIGNATURE_SIZE = 64;
const HEX64 = /^[0-9a-f]{64}$/;
/** The member of a public-money record's leaf that holds the record: `{ v: 1, money: … }`. */
export const MONEY_MEMBER = 'money';

/** A claimant's reference as a partner sends it: the scheme and the id in it. */
export interface SubjectRef {
  readonly scheme: string;
  readonly id: string;
}

/**
 * The commitment to an event's private details, and for an event about a claimant to the
 * claimant too:
 *
 *   no subject:  C = SHA-256("sightline/v1/commit\n" ‖ r ‖ JCS(details))
 *   a subject:   C = SHA-256("sightline/v1/commit-subject\n" ‖ r ‖ scheme ‖ "\n" ‖ id* ‖ "\n" ‖ JCS(details))
 *
 * r is 32 random bytes, so C hides what it commits to (a National Insurance number is
 * guessable) until r is revealed; id* is the id's normal form (normalizeSubjectId), which
 * holds no newline. The partner signs C inside the event, so the subject is bound by the
 * partner's signature and not only by the tag the server attaches: a claimant who opens the
 * details recomputes C with their own reference, and an entry the server filed under
 * another claimant's tag does not open for them. The details and r live in an erasable
 * store; erasing them leaves the leaf, and the tree, verifiable.
 */
export function eventCommitment(opening: Uint8Array, details: unknown, subject?: SubjectRef): Uint8Array {
  if (!isBytes(opening)) throw new TypeError('opening must be a Uint8Array');
  if (opening.length !== OPENING_SIZE) {
    throw new LogError('COMMITMENT_MISMATCH', `the opening must be exactly ${OPENING_SIZE} bytes`, {
      field: 'opening',
      hint: 'the opening is the 32 random bytes the commitment was made with, in base64',
    });
  }
  let text: string;
  try {
    text = canonicalJson(details);
  } catch (e) {
    if (!(e instanceof LogError)) throw e;
    // canonicalJson names paths inside the value; name them inside `details`.
    const inner = e.field === undefined || e.field === 'body' ? '' : e.field;
    const field = inner === '' ? 'details' : inner.startsWith('[') ? `details${inner}` : `details.${inner}`;
    throw new LogError(e.code, `details: ${e.message}`, { field, hint: e.hint, cause: e });
  }
  if (subject === undefined) return sha256(concatBytes([COMMIT_PREFIX, opening, utf8(text)]));
  const idStar = normalizeSubjectId(subject.scheme, subject.id); // refuses a scheme or id that is not one
  return sha256(concatBytes([SUBJECT_COMMIT_PREFIX, opening, utf8(`${subject.scheme}\n${idStar}\n`), utf8(text)]));
}

/**
 * What a partner signs: "sightline/v1/event\n" ‖ origin ‖ "\n" ‖ canonicalJson(event). The
 * origin binds the signature to one log, so an event cannot be replayed into another.
 */
export function eventSigningMessage(origin: string, event: unknown): Uint8Array {
  if (origin.length === 0 || origin.includes('\n')) throw new TypeError('origin must be a non-empty line');
  return utf8(`${SIGN_PREFIX}${origin}\n${canonicalJson(event)}`);
}

function assertSubjectTag(type: EventType, subjectTag: string | undefined): void {
  const rule = subjectTagRule(type);
  if (subjectTag !== undefined && !HEX64.test(subjectTag)) throw new TypeError('a subject tag is 64 lowercase hex digits');
  if (rule === 'always' && subjectTag === undefined) throw new TypeError(`a ${type} leaf needs a subject tag of 64 lowercase hex digits`);
  if (rule === 'never' && subjectTag !== undefined) throw new TypeError(`a ${type} leaf concerns no claimant and has no subject tag`);
}

/**
 * The leaf: UTF-8 of canonicalJson({ v: 1, event, signature, subjectTag }), the signature in
 * base64. `subjectTag` is present as subjectTagRule says: always for the types about a named
 * claimant, for a disclosure when the entry it read has one, never otherwise.
 */
export function encodeEventLeaf(leaf: { event: SightlineEvent; signature: Uint8Array; subjectTag?: string }): Uint8Array {
  const { event, signature, subjectTag } = leaf;
  if (!isEventType(event.type)) throw new TypeError('event.type must be an event type');
  if (!isBytes(signature) || signature.length !== SIGNATURE_SIZE) throw new TypeError(`signature must be ${SIGNATURE_SIZE} bytes (Ed25519)`);
  assertSubjectTag(event.type, subjectTag);
  const body: Record<string, unknown> = { v: 1, event, signature: encodeBase64(signature) };
  if (subjectTag !== undefined) body.subjectTag = subjectTag;
  return utf8(canonicalJson(body));
}


/** JSON text of `data` parsed, or undefined when it is not UTF-8 JSON. */
function parseJson(data: Uint8Array): unknown {
  // Every typed leaf and log record is a canonical JSON object, so its first byte is "{":
  // anything else is a raw entry, told apart without decoding or a throwing parse.
  if (data[0] !== 0x7b) return undefined;
  const text = decodeUtf8(data);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** True when `data` is exactly the canonical JSON of `value`. */
function isCanonical(data: Uint8Array, value: unknown): boolean {
  try {
    return bytesEqual(utf8(canonicalJson(value)), data);
  } catch {
    return false; // not I-JSON (a lone surrogate, too deep): no canonical form at all
  }
}

function notCanonical(message: string): LogError {
  return new LogError('INVALID_EVENT', message, { field: 'leaf', hint: 'an event leaf is the canonical JSON (RFC 8785) of { v: 1, event, signature, subjectTag }' });
}

/**
 * The strict inverse of encodeEventLeaf, for monitors and claimants. Undefined when `data` is
 * not an event leaf at all (not UTF-8 JSON, or not an object with v: 1 and an event member:
 * a raw entry, or a record). An event leaf must be exactly what encodeEventLeaf makes of its
 * parts, else LogError('INVALID_EVENT'): a log that stored anything else misbehaved. The
 * event is returned as found, not validated against the schema or the code lists.
 */
export function parseEventLeaf(data: Uint8Array): EventLeaf | undefined {
  return eventLeafOf(data, parseJson(data));
}

type EventLeaf = { event: SightlineEvent; signature: Uint8Array; subjectTag?: string };

/** parseEventLeaf on `data` already parsed as `parsed`. */
function eventLeafOf(data: Uint8Array, parsed: unknown): EventLeaf | undefined {
  if (!isPlainObject(parsed) || parsed.v !== 1 || !Object.hasOwn(parsed, 'event')) return undefined;
  const { event, signature, subjectTag } = parsed;
  for (const key of Object.keys(parsed)) if (!['v', 'event', 'signature', 'subjectTag'].includes(key)) throw notCanonical('an event leaf has a member it may not have');
  if (!isPlainObject(event) || !isEventType(event.type)) throw notCanonical('the event of an event leaf must be an object with a known type');
  const sig = typeof signature === 'string' ? decodeBase64(signature) : undefined;
  if (sig === undefined || sig.length !== SIGNATURE_SIZE) throw notCanonical(`the signature of an event leaf must be canonical base64 of ${SIGNATURE_SIZE} bytes`);
  if (subjectTag !== undefined && (typeof subjectTag !== 'string' || !HEX64.test(subjectTag))) throw notCanonical('the subject tag of an event leaf must be 64 lowercase hex digits');
  const rule = subjectTagRule(event.type);
  if (rule === 'always' && subjectTag === undefined) throw notCanonical(`a ${event.type} leaf must have a subject tag`);
  if (rule === 'never' && subjectTag !== undefined) throw notCanonical(`a ${event.type} leaf may not have a subject tag`);
  if (!isCanonical(data, parsed)) throw notCanonical('the event leaf is not in canonical JSON (RFC 8785)');
  const out: EventLeaf = { event: event as SightlineEvent, signature: sig };
  if (subjectTag !== undefined) out.subjectTag = subjectTag as string;
  return out;
}

/**
 * What every reader takes a leaf for: a typed event (`parseEventLeaf` parses it, or throws
 * because it has the form of one but breaks it), a log record, a public-money record, or a
 * raw entry. The write
 * path for raw entries accepts only 'raw', so that no raw entry is ever read as an event or
 * a record: the kinds are told apart by the same functions everywhere.
 */
export function leafKind(data: Uint8Array): 'event' | 'record' | 'money' | 'raw' {
  // Parsed once: this runs on every raw write.
  const parsed = parseJson(data);
  if (parsed === undefined) return 'raw';
  if (logRecordOf(data, parsed) !== undefined) return 'record';
  // A public-money record's leaf (src/money/leaf.ts): reserved by its form alone, well
  // formed or not, so that no raw entry is ever read as one.
  if (isPlainObject(parsed) && parsed.v === 1 && Object.hasOwn(parsed, MONEY_MEMBER)) return 'money';
  try {
    return eventLeafOf(data, parsed) === undefined ? 'raw' : 'event';
  } catch {
    return 'event'; // the form of an event leaf, broken: readers report it as a bad event
  }
}

/**
 * The log's record of a change of code lists: canonicalJson({ v: 1, record: 'codes',
 * sha256, previous }), digests in lowercase hex, `previous` null for the first lists. The
 * chain of records lets a monitor follow every change of the vocabulary.
 */
export function encodeCodeListsRecord(record: { sha256: string; previous: string | null }): Uint8Array {
  if (!HEX64.test(record.sha256)) throw new TypeError('sha256 must be 64 lowercase hex digits');
  if (record.previous !== null && !HEX64.test(record.previous)) throw new TypeError('previous must be null or 64 lowercase hex digits');
  return utf8(canonicalJson({ v: 1, record: 'codes', sha256: record.sha256, previous: record.previous }));
}

/**
 * The log's announcement, as its last entry before its final checkpoint, of the log that
 * takes its entries from then on (a temporal shard's successor): canonicalJson({ v: 1,
 * record: 'successor', origin, vkey, start }), `start` the instant (RFC 3339, UTC) the
 * successor's interval begins. Signed into the closing log's tree, it is the link a reader
 * of the old log follows to the new one, with the new one's key.
 */
export function encodeSuccessorRecord(record: { origin: string; vkey: string; start: string }): Uint8Array {
  if (!isSuccessor(record)) throw new TypeError('a successor record names an origin, a verifier key of that origin and a UTC start');
  return utf8(canonicalJson({ v: 1, record: 'successor', origin: record.origin, vkey: record.vkey, start: record.start }));
}

/**
 * An origin is one line; the key an Ed25519 note verifier key of that origin,
 * `<origin>+<hex8>+<base64 of 0x01 and the 32-byte key: 44 characters>`; the start a UTC
 * instant to the second.
 */
function isSuccessor(r: { origin: unknown; vkey: unknown; start: unknown }): r is { origin: string; vkey: string; start: string } {
  return (
    typeof r.origin === 'string' &&
    /^[^\s+][^\u0000-\u001f\u007f+]{0,254}$/.test(r.origin) &&
    typeof r.vkey === 'string' &&
    r.vkey.startsWith(`${r.origin}+`) &&
    /^[0-9a-f]{8}\+A[Q-Za-f][A-Za-z0-9+/]{42}$/.test(r.vkey.slice(r.origin.length + 1)) &&
    typeof r.start === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(r.start)
  );
}

/**
 * A log record the server wrote, or undefined for anything that is not exactly (canonical
 * bytes included) such a record: callers then treat the entry as a partner event or a raw
 * entry. Total, never throws.
 */
export function parseLogRecord(data: Uint8Array): LogRecord | undefined {
  return logRecordOf(data, parseJson(data));
}

export type LogRecord = { record: 'codes'; sha256: string; previous: string | null } | { record: 'successor'; origin: string; vkey: string; start: string };

/** parseLogRecord on `data` already parsed as `parsed`. */
function logRecordOf(data: Uint8Array, parsed: unknown): LogRecord | undefined {
  if (isPlainObject(parsed) && parsed.v === 1 && parsed.record === 'successor') {
    const { origin, vkey, start } = parsed;
    if (Object.keys(parsed).length !== 5 || !isSuccessor({ origin, vkey, start }) || !isCanonical(data, parsed)) return undefined;
    return { record: 'successor', origin: origin as string, vkey: vkey as string, start: start as string };
  }
  if (!isPlainObject(parsed) || parsed.v !== 1 || parsed.record !== 'codes') return undefined;
  const { sha256: digest, previous } = parsed;
  if (Object.keys(parsed).length !== 4 || typeof digest !== 'string' || !HEX64.test(digest)) return undefined;
  if (previous !== null && (typeof previous !== 'string' || !HEX64.test(previous))) return undefined;
  if (!isCanonical(data, parsed)) return undefined;
  return { record: 'codes', sha256: digest, previous };
}
