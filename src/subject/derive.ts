/**
 * The subject-tag key hierarchy (design.md, "Typed events and claimant privacy"), with
 * HMAC = HMAC-SHA256 (RFC 2104), all strings UTF-8 and "\n" a newline byte:
 *
 *   K_s      = HMAC(K_e, "sightline/v1/subject\n" ‖ scheme ‖ "\n" ‖ id*)
 *   K_month  = HMAC(K_s, "sightline/v1/month\n" ‖ "YYYY-MM")
 *   K_day    = HMAC(K_month, "sightline/v1/day\n" ‖ "DD")
 *   tag_j    = HMAC(K_day, "sightline/v1/tag\n" ‖ decimal j)
 *   reveal_j = HMAC(K_day, "sightline/v1/reveal\n" ‖ decimal j)
 *   counterKey = SHA-256("sightline/v1/counter\n" ‖ K_day)
 *   K_disclosures = HMAC(SHA-256(reveal_j), "sightline/v1/disclosures\n")
 *
 * K_e is the server's secret key of the year. Each step is one-way, so a claimant holding
 * K_s (or an advocate handed only a K_month or a K_day) derives exactly the tags of that
 * scope and nothing wider; without K_e the ~1.5 × 10⁹ NINOs cannot be tried one by one.
 * The labels separate the steps, so no key of one level can be passed off as another's.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { LogError } from '../errors.js';
import { concatBytes, encodeHex, isBytes, utf8 } from '../encoding/index.js';
import { formatDayOfMonth, formatMonth, parseHour, parseMonth } from './calendar.js';
import { type SubjectScheme, normalizeSubjectId } from './normalize.js';

/** Every key of the scheme, K_e included, is 32 bytes (the HMAC-SHA256 output size). */
export const SUBJECT_KEY_SIZE = 32;

const LABEL_SUBJECT = 'sightline/v1/subject\n';
const LABEL_MONTH = 'sightline/v1/month\n';
const LABEL_DAY = 'sightline/v1/day\n';
const LABEL_TAG = 'sightline/v1/tag\n';
const LABEL_REVEAL = 'sightline/v1/reveal\n';
const LABEL_COUNTER = utf8('sightline/v1/counter\n');
const LABEL_KEY_CHECK = 'sightline/v1/key-check\n';
const LABEL_DISCLOSURES = 'sightline/v1/disclosures\n';

/** `DD`: the day string K_day is derived over (which days the month has is checked where the month is known). */
const DAY_OF_MONTH = /^(0[1-9]|[12]\d|3[01])$/;

/** Argument assertion (noble style): a key of the wrong size is a bug in the caller, not bad input. */
function assertKey(key: unknown, name: string): asserts key is Uint8Array {
  if (!isBytes(key)) throw new TypeError(`${name} must be a Uint8Array`);
  if (key.length !== SUBJECT_KEY_SIZE) throw new TypeError(`${name} must be ${SUBJECT_KEY_SIZE} bytes, got ${key.length}`);
}

function assertEntryNumber(j: number): void {
  if (!Number.isSafeInteger(j) || j < 0) {
    throw new LogError('OUT_OF_RANGE', 'j must be a whole number from 0 up (the entry count of the subject on that day)', { field: 'j' });
  }
}

/** HMAC-SHA256 (RFC 2104). Each derivation takes one, so a server can plug in a native one. */
export type HmacSha256 = (key: Uint8Array, message: Uint8Array) => Uint8Array;

export const nobleHmacSha256: HmacSha256 = (key, message) => hmac(sha256, key, message);

function mac(key: Uint8Array, message: string, impl: HmacSha256): Uint8Array {
  return impl(key, utf8(message));
}

/** K_s = HMAC(K_e, "sightline/v1/subject\n" ‖ scheme ‖ "\n" ‖ id*); the id is normalised here. */
export function subjectKey(yearKey: Uint8Array, scheme: SubjectScheme, id: string, impl: HmacSha256 = nobleHmacSha256): Uint8Array {
  assertKey(yearKey, 'yearKey');
  const idStar = normalizeSubjectId(scheme, id);
  return mac(yearKey, `${LABEL_SUBJECT}${scheme}\n${idStar}`, impl);
}

/** K_month = HMAC(K_s, "sightline/v1/month\n" ‖ "YYYY-MM"). */
export function monthKey(subjectKey: Uint8Array, month: string, impl: HmacSha256 = nobleHmacSha256): Uint8Array {
  assertKey(subjectKey, 'subjectKey');
  if (parseMonth(month) === undefined) {
    throw new LogError('MALFORMED_REQUEST', 'month must be a month YYYY-MM', { field: 'month', hint: 'e.g. 2026-03' });
  }
  return mac(subjectKey, LABEL_MONTH + month, impl);
}

/** K_day = HMAC(K_month, "sightline/v1/day\n" ‖ "DD"). */
export function dayKey(monthKey: Uint8Array, day: string, impl: HmacSha256 = nobleHmacSha256): Uint8Array {
  assertKey(monthKey, 'monthKey');
  if (!DAY_OF_MONTH.test(day)) {
    throw new LogError('MALFORMED_REQUEST', 'day must be a day of the month DD, 01 to 31', { field: 'day', hint: 'two digits, e.g. 07' });
  }
  return mac(monthKey, LABEL_DAY + day, impl);
}

/** tag_j = HMAC(K_day, "sightline/v1/tag\n" ‖ decimal j): the tag the j-th entry of the subject that day carries. */
export function subjectTag(dayKey: Uint8Array, j: number, impl: HmacSha256 = nobleHmacSha256): Uint8Array {
  assertKey(dayKey, 'dayKey');
  assertEntryNumber(j);
  return mac(dayKey, LABEL_TAG + String(j), impl);
}

/** reveal_j = HMAC(K_day, "sightline/v1/reveal\n" ‖ decimal j); the server stores only SHA-256(reveal_j). */
export function revealToken(dayKey: Uint8Array, j: number, impl: HmacSha256 = nobleHmacSha256): Uint8Array {
  assertKey(dayKey, 'dayKey');
  assertEntryNumber(j);
  return mac(dayKey, LABEL_REVEAL + String(j), impl);
}

/**
 * counterKey = SHA-256("sightline/v1/counter\n" ‖ K_day): what the server keys the subject's
 * entry count j of that day by, so that its counters never name the subject.
 */
export function counterKey(dayKey: Uint8Array): Uint8Array {
  assertKey(dayKey, 'dayKey');
  return sha256(concatBytes([LABEL_COUNTER, dayKey]));
}

/**
 * K_day for an event hour `YYYY-MM-DDTHH` (UTC) from K_e, the key of year YYYY: the
 * server's path from a submitted event to its tag.
 */
export function dayKeyForHour(yearKey: Uint8Array, scheme: SubjectScheme, id: string, hour: string, impl: HmacSha256 = nobleHmacSha256): Uint8Array {
  const at = parseHour(hour);
  if (at === undefined) {
    throw new LogError('MALFORMED_REQUEST', 'hour must be an hour YYYY-MM-DDTHH of a real date, hours 00 to 23', {
      field: 'hour',
      hint: 'e.g. 2026-03-14T09 (UTC)',
    });
  }
  return dayKey(monthKey(subjectKey(yearKey, scheme, id, impl), formatMonth(at), impl), formatDayOfMonth(at), impl);
}

/**
 * K_disclosures of an entry: the key whose tags (subjectTag), reveal tokens and counter
 * (counterKey) mark the log operator's reads of that entry's details, in place of a K_day.
 * It is keyed by the entry's reveal hash SHA-256(reveal_j), which the server stores and the
 * claimant computes from their own key, and which is never published: so the claimant
 * finds every read of their entry in the tag buckets, and nobody else can tell which entry
 * a read's tag belongs to (the read names its target, but the tag does not link it to any
 * other entry of the claimant's).
 */
export function disclosureKey(revealHash: Uint8Array, impl: HmacSha256 = nobleHmacSha256): Uint8Array {
  assertKey(revealHash, 'revealHash');
  return mac(revealHash, LABEL_DISCLOSURES, impl);
}

/**
 * The 4-hex-digit bucket of a tag (its first two bytes): clients ask for whole buckets, so
 * the server does not learn which tag in it they derived.
 */
export function tagPrefix(tag: Uint8Array): string {
  assertKey(tag, 'tag');
  return encodeHex(tag.subarray(0, 2));
}

/**
 * A year key's check value, HMAC(K_e, "sightline/v1/key-check\n" ‖ year): stored with the
 * log so that every server of one log can tell it holds the same year key as the others.
 * It is a MAC under a 256-bit secret, so it says nothing about the key (nor any tag).
 */
export function yearKeyCheck(yearKey: Uint8Array, year: string): Uint8Array {
  assertKey(yearKey, 'yearKey');
  return mac(yearKey, LABEL_KEY_CHECK + year, nobleHmacSha256);
}
