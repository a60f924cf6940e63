/**
 * Writes test/vectors/subject-tags.json from the node:crypto reference (subject-reference.ts).
 * Run once, by hand, when cases are added: npx tsx test/support/generate-subject-vectors.ts
 * The published file is the contract; vectors.test.ts checks both implementations against it.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMITMENT_DETAILS, COMMITMENT_OPENING, referenceDerivation } from './subject-reference.js';

const out = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'vectors', 'subject-tags.json');

/** Fixed, made-up year keys K_e: 0x00…0x1f, a hash of a label, and 0xff…0xff. */
const yearKeys: Record<string, string> = {
  '2025': Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('hex'),
  '2026': createHash('sha256').update('sightline subject-tag test vectors: year key 2026').digest('hex'),
  '2028': 'ff'.repeat(32),
};

/** Ids as a partner might send them, with id* worked out by hand from the normalisation rules. */
const cases: { scheme: string; id: string; 'id*': string; hour: string; note: string }[] = [
  { scheme: 'nino', id: 'AB123456C', 'id*': 'AB123456', hour: '2026-03-14T09', note: 'suffix letter dropped' },
  { scheme: 'nino', id: 'ab 12 34 56 c', 'id*': 'AB123456', hour: '2026-03-14T09', note: 'lower case and spaces: same keys and tags as the case above' },
  { scheme: 'nino', id: 'AB123456', 'id*': 'AB123456', hour: '2026-03-14T17', note: 'no suffix letter; a later hour of the same day: same K_day as above' },
  { scheme: 'nino', id: ' ce654321d ', 'id*': 'CE654321', hour: '2026-01-01T00', note: 'leading and trailing spaces, lower-case suffix' },
  { scheme: 'nino', id: 'JZ 99 99 99 A', 'id*': 'JZ999999', hour: '2025-12-31T23', note: 'last hour of a year' },
  { scheme: 'nino', id: 'nz123456', 'id*': 'NZ123456', hour: '2028-02-29T12', note: 'a leap day' },
  { scheme: 'customer-ref', id: 'cust-00042', 'id*': 'CUST-00042', hour: '2026-03-14T09', note: 'customer reference, upper-cased' },
  {
    scheme: 'customer-ref',
    id: 'ab 12 34 56 c',
    'id*': 'AB123456C',
    hour: '2026-03-14T09',
    note: 'the same text as a NINO case above, but another scheme (and the suffix kept): different keys',
  },
  { scheme: 'customer-ref', id: 'x', 'id*': 'X', hour: '2025-07-04T10', note: 'one character, the shortest' },
  {
    scheme: 'customer-ref',
    id: `z-${'0123456789'.repeat(6)}-z`,
    'id*': `Z-${'0123456789'.repeat(6)}-Z`,
    hour: '2025-07-04T10',
    note: '64 characters, the longest',
  },
];

/** Ids every implementation must refuse, with the request field at fault. */
const rejected: { scheme: string; id: string; field: 'subject.id' | 'subject.scheme'; why: string }[] = [
  { scheme: 'nino', id: 'DA123456A', field: 'subject.id', why: 'first prefix letter D' },
  { scheme: 'nino', id: 'QQ123456C', field: 'subject.id', why: 'first prefix letter Q (the usual specimen number)' },
  { scheme: 'nino', id: 'VA123456', field: 'subject.id', why: 'first prefix letter V' },
  { scheme: 'nino', id: 'AO123456', field: 'subject.id', why: 'second prefix letter O' },
  { scheme: 'nino', id: 'AF123456', field: 'subject.id', why: 'second prefix letter F' },
  ...['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].map((p) => ({ scheme: 'nino', id: `${p}123456`, field: 'subject.id' as const, why: `prefix ${p} is not issued` })),
  { scheme: 'nino', id: 'AB12345', field: 'subject.id', why: 'five digits' },
  { scheme: 'nino', id: 'AB1234567', field: 'subject.id', why: 'seven digits' },
  { scheme: 'nino', id: 'AB123456E', field: 'subject.id', why: 'suffix letter E' },
  { scheme: 'nino', id: 'AB123456CC', field: 'subject.id', why: 'two suffix letters' },
  { scheme: 'nino', id: 'AB-12-34-56-C', field: 'subject.id', why: 'hyphens are not spaces' },
  { scheme: 'nino', id: 'AB\t123456', field: 'subject.id', why: 'a tab is not a space' },
  { scheme: 'nino', id: 'AB\u00a0123456', field: 'subject.id', why: 'a no-break space is not a space' },
  { scheme: 'nino', id: '\uff21\uff22123456', field: 'subject.id', why: 'full-width letters' },
  { scheme: 'nino', id: '', field: 'subject.id', why: 'empty' },
  { scheme: 'customer-ref', id: '', field: 'subject.id', why: 'empty' },
  { scheme: 'customer-ref', id: '   ', field: 'subject.id', why: 'only spaces' },
  { scheme: 'customer-ref', id: 'cust_42', field: 'subject.id', why: 'underscore' },
  { scheme: 'customer-ref', id: 'cust/42', field: 'subject.id', why: 'slash' },
  { scheme: 'customer-ref', id: `A${'0'.repeat(64)}`, field: 'subject.id', why: '65 characters' },
  { scheme: 'customer-ref', id: '\ufb01le-1', field: 'subject.id', why: 'the ligature "ﬁ": upper-casing is ASCII only, so it does not become "FI"' },
  { scheme: 'customer-ref', id: '\u0131d-1', field: 'subject.id', why: 'dotless i: upper-casing is ASCII only, so it does not become "I"' },
  { scheme: 'NINO', id: 'AB123456C', field: 'subject.scheme', why: 'schemes are lower case' },
  { scheme: 'customer_ref', id: 'CUST-1', field: 'subject.scheme', why: 'unknown scheme' },
  { scheme: 'passport', id: '123456789', field: 'subject.scheme', why: 'unknown scheme' },
];

const ENTRIES = 3;

const doc = {
  description: [
    'Sightline subject-tag vectors (sightline/v1). The server holds a secret 32-byte key K_e per calendar year;',
    'an event in hour YYYY-MM-DDTHH (UTC) about subject (scheme, id) carries tag_j, derived from the K_e of year YYYY.',
    'HMAC is HMAC-SHA256 (RFC 2104); all strings are UTF-8; "\\n" is one newline byte (0x0a); ‖ is concatenation; hex is lowercase.',
    'The year keys below are made up for these vectors.',
  ],
  derivation: [
    'id*      = id upper-cased (ASCII a-z only), spaces (U+0020) removed; for "nino" the final suffix letter (A-D) dropped',
    'K_s      = HMAC(K_e, "sightline/v1/subject\\n" ‖ scheme ‖ "\\n" ‖ id*)',
    'K_month  = HMAC(K_s, "sightline/v1/month\\n" ‖ "YYYY-MM")',
    'K_day    = HMAC(K_month, "sightline/v1/day\\n" ‖ "DD")',
    'tag_j    = HMAC(K_day, "sightline/v1/tag\\n" ‖ decimal j)      (j = 0, 1, 2, … per subject and day, no gaps)',
    'reveal_j = HMAC(K_day, "sightline/v1/reveal\\n" ‖ decimal j)   (the server stores only SHA-256(reveal_j))',
    'counterKey = SHA-256("sightline/v1/counter\\n" ‖ K_day)       (what the server keys the count j by)',
    'prefix   = the first 4 hex digits of tag_j (the bucket a client asks for: GET /v1/tags/PREFIX)',
    'commitment = base64 of SHA-256("sightline/v1/commit-subject\\n" ‖ opening ‖ scheme ‖ "\\n" ‖ id* ‖ "\\n" ‖ JCS(details))   (the event\'s commitment, signed by the partner: it binds the event to its subject)',
  ],
  commitmentInput: { opening: COMMITMENT_OPENING, details: COMMITMENT_DETAILS },
  schemes: {
    nino: 'UK National Insurance number: after normalisation two prefix letters (first not D, F, I, Q, U, V; second not D, F, I, O, Q, U, V; not BG, GB, KN, NK, NT, TN, ZZ), six digits, and an optional suffix A-D, which id* drops',
    'customer-ref': 'after normalisation 1 to 64 characters of A-Z, 0-9 and "-"',
    other: 'any other scheme, and any id not of its scheme\'s form, is rejected',
  },
  heldKeys: ['subject-key:YYYY:<64 hex>        (K_s of one year)', 'month-key:YYYY-MM:<64 hex>       (K_month)', 'day-key:YYYY-MM-DD:<64 hex>      (K_day)'],
  yearKeys,
  cases: cases.map((c) => ({
    note: c.note,
    scheme: c.scheme,
    id: c.id,
    'id*': c['id*'],
    year: c.hour.slice(0, 4),
    hour: c.hour,
    ...referenceDerivation(yearKeys[c.hour.slice(0, 4)]!, c.scheme, c['id*'], c.hour, ENTRIES),
  })),
  rejected,
};

writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
console.log(`wrote ${out}: ${doc.cases.length} cases, ${rejected.length} rejected ids`);
