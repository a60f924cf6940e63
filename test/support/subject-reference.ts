/**
 * A second, independent implementation of the subject-tag derivation (design.md, "Typed
 * events and claimant privacy") on node:crypto's HMAC and SHA-256 (OpenSSL), written from
 * the scheme's text and sharing no code with src/subject. It makes and checks
 * test/vectors/subject-tags.json; src/subject is then checked against that file.
 *
 * It starts from id* as written in the vectors (normalised by hand), so the vectors also
 * pin down the normalisation.
 */
import { createHash, createHmac } from 'node:crypto';

const hmac = (key: Buffer, message: string): Buffer => createHmac('sha256', key).update(message, 'utf8').digest();

export interface ReferenceEntry {
  j: number;
  tag_j: string;
  prefix: string;
  reveal_j: string;
  'SHA-256(reveal_j)': string;
}

/**
 * The fixed opening and details every case's commitment is made with, and the details'
 * canonical JSON (RFC 8785) written out by hand, so the reference shares no JCS code.
 */
export const COMMITMENT_OPENING = '5c'.repeat(32);
export const COMMITMENT_DETAILS = { screen: 'claim summary', caseRef: 'case-7' };
const COMMITMENT_DETAILS_JCS = '{"caseRef":"case-7","screen":"claim summary"}';

export interface ReferenceDerivation {
  /** C of an event about this subject, with COMMITMENT_OPENING and COMMITMENT_DETAILS. */
  commitment: string;
  K_s: string;
  K_month: string;
  K_day: string;
  counterKey: string;
  heldKeys: { subject: string; month: string; day: string };
  entries: ReferenceEntry[];
}

/** Every derived value for K_e (hex), scheme, id* and hour `YYYY-MM-DDTHH`, with tags for j = 0 … entries − 1. */
export function referenceDerivation(yearKeyHex: string, scheme: string, idStar: string, hour: string, entries: number): ReferenceDerivation {
  const year = hour.slice(0, 4);
  const month = hour.slice(0, 7);
  const date = hour.slice(0, 10);
  const dd = hour.slice(8, 10);
  const kS = hmac(Buffer.from(yearKeyHex, 'hex'), `sightline/v1/subject\n${scheme}\n${idStar}`);
  const kMonth = hmac(kS, `sightline/v1/month\n${month}`);
  const kDay = hmac(kMonth, `sightline/v1/day\n${dd}`);
  const counterKey = createHash('sha256').update('sightline/v1/counter\n', 'utf8').update(kDay).digest('hex');
  const list: ReferenceEntry[] = [];
  for (let j = 0; j < entries; j++) {
    const tag = hmac(kDay, `sightline/v1/tag\n${j}`);
    const reveal = hmac(kDay, `sightline/v1/reveal\n${j}`);
    list.push({
      j,
      tag_j: tag.toString('hex'),
      prefix: tag.toString('hex').slice(0, 4),
      reveal_j: reveal.toString('hex'),
      'SHA-256(reveal_j)': createHash('sha256').update(reveal).digest('hex'),
    });
  }
  const commitment = createHash('sha256')
    .update('sightline/v1/commit-subject\n', 'utf8')
    .update(Buffer.from(COMMITMENT_OPENING, 'hex'))
    .update(`${scheme}\n${idStar}\n${COMMITMENT_DETAILS_JCS}`, 'utf8')
    .digest('base64');
  return {
    commitment,
    K_s: kS.toString('hex'),
    K_month: kMonth.toString('hex'),
    K_day: kDay.toString('hex'),
    counterKey,
    heldKeys: {
      subject: `subject-key:${year}:${kS.toString('hex')}`,
      month: `month-key:${month}:${kMonth.toString('hex')}`,
      day: `day-key:${date}:${kDay.toString('hex')}`,
    },
    entries: list,
  };
}
