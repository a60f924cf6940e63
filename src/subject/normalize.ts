/**
 * id*: the one spelling of a subject's reference that the subject-tag scheme derives keys
 * from, so that "ab 12 34 56 c" and "AB123456" reach the same claimant key. The id is
 * personal data: no message or hint here ever contains it, or any part of it.
 */
import { LogError } from '../errors.js';

export type SubjectScheme = 'nino' | 'customer-ref';

export const SUBJECT_SCHEMES: readonly SubjectScheme[] = Object.freeze(['nino', 'customer-ref'] as const);

export function isSubjectScheme(scheme: unknown): scheme is SubjectScheme {
  return typeof scheme === 'string' && (SUBJECT_SCHEMES as readonly string[]).includes(scheme);
}

/*
 * National Insurance number (HMRC, National Insurance Manual NIM39110): two prefix letters,
 * six digits, and a suffix letter A–D. The suffix is not part of the identity (the same
 * person may be written with or without it, or with a different one), so id* drops it.
 */
const NINO = /^([A-Z])([A-Z])(\d{6})[A-D]?$/;
/** Letters never used as the first prefix letter. */
const NINO_NOT_FIRST = 'DFIQUV';
/** Letters never used as the second prefix letter. */
const NINO_NOT_SECOND = 'DFIOQUV';
/** Prefixes never issued (administrative, or too like another prefix). */
const NINO_NOT_ISSUED = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

/** A customer reference: 1 to 64 characters of A–Z, 0–9 and "-" after normalisation. */
const CUSTOMER_REF = /^[A-Z0-9-]{1,64}$/;

/**
 * Upper-cases ASCII letters only. `String.prototype.toUpperCase` follows Unicode, which
 * maps "ı" to "I", "ſ" to "S" and "ß" to "SS": a non-ASCII spelling would then alias an
 * ASCII id, and implementations with other case tables would disagree. Here every
 * non-ASCII character survives and is rejected by the scheme's alphabet.
 */
function upperAscii(text: string): string {
  return text.replace(/[a-z]/g, (c) => c.toUpperCase());
}

function refuseId(message: string, hint: string): LogError {
  return new LogError('MALFORMED_REQUEST', message, { field: 'subject.id', hint });
}

/**
 * id* per the scheme: upper-cased (ASCII), spaces (U+0020) removed, and for "nino" the
 * suffix letter dropped. Throws LogError('MALFORMED_REQUEST') naming `subject.scheme` or
 * `subject.id`; the message never repeats the id.
 */
export function normalizeSubjectId(scheme: string, id: string): string {
  if (!isSubjectScheme(scheme)) {
    throw new LogError('MALFORMED_REQUEST', `subject.scheme must be one of ${SUBJECT_SCHEMES.join(', ')}`, {
      field: 'subject.scheme',
      hint: `the subject schemes are ${SUBJECT_SCHEMES.map((s) => JSON.stringify(s)).join(' and ')}, in lower case`,
    });
  }
  if (typeof id !== 'string') throw refuseId('subject.id must be a string', 'send the reference as a JSON string');
  const text = upperAscii(id.replaceAll(' ', ''));
  if (scheme === 'nino') {
    const m = NINO.exec(text);
    if (m === null) {
      throw refuseId(
        'subject.id is not a National Insurance number: without spaces it must be two letters, six digits and an optional suffix letter A–D',
        'spaces and letter case do not matter; nothing else may be in the number',
      );
    }
    const [, first, second, digits] = m as unknown as [string, string, string, string];
    if (NINO_NOT_FIRST.includes(first) || NINO_NOT_SECOND.includes(second) || NINO_NOT_ISSUED.has(first + second)) {
      throw refuseId(
        'subject.id is not a National Insurance number: its prefix letters are never issued',
        'the first letter is never D, F, I, Q, U or V; the second never D, F, I, O, Q, U or V; and BG, GB, KN, NK, NT, TN and ZZ are not used',
      );
    }
    return first + second + digits;
  }
  if (!CUSTOMER_REF.test(text)) {
    throw refuseId(
      'subject.id is not a customer reference: without spaces it must be 1 to 64 characters of A–Z, 0–9 and "-"',
      'spaces and letter case do not matter; other characters are not allowed',
    );
  }
  return text;
}
