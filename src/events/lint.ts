/**
 * The personal-data linter. design.md, "Typed events and claimant privacy": "No free text in
 * the public leaf; a linter rejects values that look like personal data (National Insurance
 * numbers, names, postcodes, e-mail addresses, dates of birth)". Public fields are codes and
 * pseudonyms, so a value that looks like any of these is a partner's mistake that would
 * otherwise be published for ever in an append-only log.
 *
 * It is a heuristic, tuned to err towards refusing: a false alarm costs a partner one
 * rejected request, a miss cannot be undone. Every scan is linear in the value (no nested
 * unbounded quantifiers, bounded windows), since values come from untrusted requests.
 */

/**
 * Invisible characters: Unicode's default-ignorable code points (zero-width spaces and
 * joiners, soft hyphens, variation selectors, …) and format characters (bidi controls, …).
 * Inside a value they only hide what it says.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/gu;

/**
 * Letters of other scripts that look like Latin ones (Cyrillic and Greek, from Unicode's
 * confusables list), folded to the Latin letter they pass for, so that a look-alike cannot
 * smuggle a name or a National Insurance number past the checks.
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = Object.fromEntries(
  [
    ['А', 'A'], ['В', 'B'], ['Е', 'E'], ['К', 'K'], ['М', 'M'], ['Н', 'H'], ['О', 'O'], ['Р', 'P'], ['С', 'C'], ['Т', 'T'], ['У', 'Y'], ['Х', 'X'],
    ['Ѕ', 'S'], ['І', 'I'], ['Ј', 'J'], ['Ԛ', 'Q'], ['Ԝ', 'W'], ['а', 'a'], ['с', 'c'], ['е', 'e'], ['о', 'o'], ['р', 'p'], ['у', 'y'], ['х', 'x'],
    ['ѕ', 's'], ['і', 'i'], ['ј', 'j'], ['ԛ', 'q'], ['ԝ', 'w'], ['һ', 'h'], ['ԁ', 'd'], ['ɡ', 'g'], ['ı', 'i'],
    ['Α', 'A'], ['Β', 'B'], ['Ε', 'E'], ['Ζ', 'Z'], ['Η', 'H'], ['Ι', 'I'], ['Κ', 'K'], ['Μ', 'M'], ['Ν', 'N'], ['Ο', 'O'], ['Ρ', 'P'], ['Τ', 'T'], ['Υ', 'Y'], ['Χ', 'X'],
    ['ο', 'o'], ['ν', 'v'], ['ι', 'i'], ['κ', 'k'], ['ρ', 'p'], ['τ', 't'], ['υ', 'u'], ['χ', 'x'], ['α', 'a'],
  ],
);
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const LOOK_ALIKE = new RegExp(`[${Object.keys(LOOK_ALIKES).join('')}]`, 'gu');

/**
 * The one normal form of public text: Unicode NFKC (fullwidth and other compatibility forms
 * become plain ones), no invisible characters, look-alike letters folded to Latin. A public
 * value must already be in it (`isNormalPublicText`); the linter judges values in it.
 */
export function normalizePublicText(value: string): string {
  // Printable ASCII is already in it: NFKC leaves it, and none of it is invisible or a look-alike.
  if (PRINTABLE_ASCII.test(value)) return value;
  return value.normalize('NFKC').replace(INVISIBLE, '').replace(LOOK_ALIKE, (c) => LOOK_ALIKES[c]!);
}

export function isNormalPublicText(value: string): boolean {
  return normalizePublicText(value) === value;
}

/** What people put between the parts of a number or a name: any run of them reads as one space. */
const SEPARATORS = /[\s._\-\u2010-\u2015\u2212/\\|:;,·•*~'"()[\]{}<>]+/gu;

/** A digit written as the letter O (or o) inside a run of digits and separators, read as 0. */
function zeroForO(value: string): string {
  return value.replace(/[0-9oO][0-9oO .()+-]*[0-9oO]/g, (run) => (/[0-9]/.test(run) ? run.replace(/[oO]/g, '0') : run));
}

export type PersonalDataKind =
  | 'a National Insurance number'
  | 'an e-mail address'
  | 'a phone number'
  | 'a UK postcode'
  | 'a date of birth'
  | 'a personal name';

/**
 * HMRC's National Insurance number format: two prefix letters (the first not D, F, I, Q, U
 * or V; the second not D, F, I, O, Q, U or V), six digits, a suffix A–D. The suffix is left
 * out (it adds nothing to detection) and QQ is added (HMRC's specimen prefix, so test data
 * shaped like real numbers is caught too). Written solid it is found anywhere, even glued
 * into a code (`code-qq123456a`); written in pairs (`AB 12 34 56 C`) the separator must be
 * the same throughout and the prefix must start a word, or "dec 25 1999" would be one.
 */
const NINO_PREFIX = '(?:[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z]|qq)';
const NINO_SOLID = new RegExp(`${NINO_PREFIX}[0-9]{6}`, 'i');
const NINO_PAIRS = new RegExp(`(?<![a-z])${NINO_PREFIX}([ -])[0-9]{2}\\1[0-9]{2}\\1[0-9]{2}(?![0-9])`, 'i');
/** The prefix set off from the digits (`AB-123456C`, `AB 123456 C`), starting a word. */
const NINO_SPLIT = new RegExp(`(?<![a-z])${NINO_PREFIX}[ -][0-9]{6}(?![0-9])`, 'i');

const EMAIL_LOCAL_END = /[a-z0-9._%+'-]$/i;
const EMAIL_DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/i;

function hasEmail(value: string): boolean {
  for (let at = value.indexOf('@'); at >= 0; at = value.indexOf('@', at + 1)) {
    // RFC 5321 §4.5.3.1 bounds a domain at 255 octets: a window that size keeps this linear.
    if (EMAIL_LOCAL_END.test(value.slice(Math.max(0, at - 1), at)) && EMAIL_DOMAIN.test(value.slice(at + 1, at + 256))) return true;
  }
  return false;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/**
 * A UK number as people write it (Ofcom's numbering plan: 10 or 11 digits with the trunk 0,
 * or 9–10 after +44 / 0044, maybe with `(0)`), or any + international number (E.164: at
 * most 15 digits).
 */
function isPhone(run: string): boolean {
  let digits = '';
  for (const c of run) if (isDigit(c)) digits += c;
  let national: string | undefined;
  if (run.startsWith('+')) {
    if (!digits.startsWith('44')) return digits.length >= 8 && digits.length <= 15;
    national = digits.slice(2);
  } else if (digits.startsWith('0044')) {
    national = digits.slice(4);
  }
  if (national !== undefined) {
    if (national.startsWith('0')) national = national.slice(1);
    return (national.length === 9 || national.length === 10) && !national.startsWith('0');
  }
  return digits.startsWith('0') && !digits.startsWith('00') && (digits.length === 10 || digits.length === 11);
}

/** Scans runs of digits and the separators people put in phone numbers, one pass. */
function hasPhone(value: string): boolean {
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (!(isDigit(c) || c === '+' || c === '(')) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < value.length && (isDigit(value[j]!) || ' -().'.includes(value[j]!))) j++;
    if (isPhone(value.slice(i, j))) return true;
    i = j;
  }
  return false;
}

/**
 * The Royal Mail formats (A9, A99, AA9, AA99, A9A, AA9A, then 9AA) with the letters each
 * position may hold, which keeps codes such as `ssaa-1992` or `dpa-2018-s8` clear of it.
 * The space may be missing or be a code's hyphen (`ec1a1bb`, `sw1a-1aa`).
 */
const POSTCODE =
  /(?<![a-z0-9])(?:gir[\s._-]?0aa|(?:[a-pr-uwyz][0-9]{1,2}|[a-pr-uwyz][a-hk-y][0-9]{1,2}|[a-pr-uwyz][0-9][a-hjkpstuw]|[a-pr-uwyz][a-hk-y][0-9][abehmnprv-y])[\s._-]?[0-9][abd-hjlnp-uw-z]{2})(?![a-z0-9])/i;

function isLeapYear(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}

/** A two-digit year is taken as 20yy: only leap years depend on the century, and 1900 is the one that differs. */
function fullYear(text: string): number {
  const y = Number(text);
  return text.length === 2 ? 2000 + y : y;
}

const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const MONTH_INDEX = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const YEAR4 = '(?:19|20)[0-9]{2}';

const DATE_ISO = new RegExp(`(?<![0-9])(${YEAR4})([-/. ])([0-9]{1,2})\\2([0-9]{1,2})(?![0-9])`, 'g');
const DATE_NUMERIC = new RegExp(`(?<![0-9])([0-9]{1,2})([-/. ])([0-9]{1,2})\\2((?:19|20)?[0-9]{2})(?![0-9])`, 'g');
const DATE_COMPACT = /(?<![0-9])[0-9]{8}(?![0-9])/g;
const DATE_DAY_MONTH = new RegExp(`(?<![0-9])([0-9]{1,2})(?:st|nd|rd|th)?[\\s.,/-]{0,3}(${MONTHS})(?![a-z])\\.?[\\s.,/-]{0,3}((?:19|20)?[0-9]{2})(?![0-9])`, 'gi');
/** A month and a year ("February 1980", "feb-1980"): a birth month is personal data too. */
const DATE_MONTH_YEAR = new RegExp(`(?<![0-9](?:st|nd|rd|th)?[\\s.,/_-]{0,3})(?<![a-z])(?:${MONTHS})(?![a-z])\\.?[\\s.,/_-]{0,3}${YEAR4}(?![0-9])`, 'i');
const DATE_MONTH_DAY = new RegExp(`(?<![a-z])(${MONTHS})(?![a-z])\\.?[\\s.,/-]{0,3}([0-9]{1,2})(?:st|nd|rd|th)?,?[\\s.,/-]{0,3}(${YEAR4})(?![0-9])`, 'gi');

function monthOf(name: string): number {
  return MONTH_INDEX.indexOf(name.slice(0, 3).toLowerCase()) + 1;
}

/** Any calendar date, in the forms people write one: a date in a public field is most likely a birth date. */
function hasDate(value: string): boolean {
  for (const m of value.matchAll(DATE_ISO)) if (isCalendarDate(Number(m[1]), Number(m[3]), Number(m[4]))) return true;
  for (const m of value.matchAll(DATE_NUMERIC)) {
    const y = fullYear(m[4]!);
    // Day first (UK) or month first (US): either reading that is a real date counts.
    if (isCalendarDate(y, Number(m[3]), Number(m[1])) || isCalendarDate(y, Number(m[1]), Number(m[3]))) return true;
  }
  for (const m of value.matchAll(DATE_COMPACT)) {
    const s = m[0];
    const ymd = Number(s.slice(0, 4));
    const dmy = Number(s.slice(4));
    if (ymd >= 1900 && ymd <= 2099 && isCalendarDate(ymd, Number(s.slice(4, 6)), Number(s.slice(6)))) return true;
    if (dmy >= 1900 && dmy <= 2099 && isCalendarDate(dmy, Number(s.slice(2, 4)), Number(s.slice(0, 2)))) return true;
  }
  for (const m of value.matchAll(DATE_DAY_MONTH)) if (isCalendarDate(fullYear(m[3]!), monthOf(m[2]!), Number(m[1]))) return true;
  for (const m of value.matchAll(DATE_MONTH_DAY)) if (isCalendarDate(Number(m[3]), monthOf(m[1]!), Number(m[2]))) return true;
  return DATE_MONTH_YEAR.test(value);
}

/**
 * Common given names and surnames in the UK, four letters or more, leaving out those that
 * are also ordinary English words or plausible parts of a code (grace, mark, harry, jack,
 * brown, white, green, hall, ward, king, young, baker, turner, walker, cooper, mason, grant,
 * peter, dean, …). Smith stays: it is the commonest surname and no one's code.
 */
const NAMES = new Set(
  (
    'olivia amelia isla emily sophia sophie freya ella charlotte isabella isabelle evie jessica harriet chloe lucy sarah emma ' +
    'hannah rebecca laura rachel claire louise natalie nicola samantha stephanie elizabeth margaret susan karen helen julie ' +
    'deborah caroline catherine katherine kathleen patricia linda barbara jennifer michelle angela amanda joanne lisa gemma ' +
    'leanne danielle megan lauren bethany abigail niamh siobhan aisha fatima zara priya anjali jane mary anne joan ruth alice ' +
    'oliver george noah arthur muhammad mohammed mohammad archie henry theodore thomas jacob william james charles joshua ' +
    'daniel samuel joseph benjamin alexander edward christopher matthew andrew anthony richard robert michael david john ' +
    'paul simon jonathan gary kevin brian alan colin graham keith trevor neil stuart craig darren wayne ryan liam connor ' +
    'callum kieran jamie lewis dylan ethan aaron adam luke alfie freddie logan lucas isaac finley reggie tommy ahmed hassan ' +
    'hussain ibrahim omar imran sanjay arjun rohan donald ' +
    'smith jones williams davies evans wilson johnson roberts robinson thompson wright edwards hughes harris clarke clark ' +
    'patel jackson morris moore harrison scott morgan allen khan singh begum murphy kelly campbell stewart anderson ' +
    'macdonald mcdonald reid mitchell thomson walsh chapman ellis marshall shaw simpson jenkins phillips watson davis ' +
    'richardson bennett griffiths lloyd owen owens rees russell bailey collins fraser gordon hamilton henderson kaur nowak ' +
    'kowalski rahman akhtar choudhury chowdhury miah okafor adeyemi mensah nguyen wang zhang chen kumar sharma gupta mistry'
  ).split(' '),
);

/**
 * Words of public bodies', benefits' and statutes' names. Two capitalised words in a row
 * are taken for a name ("Jane Smith", "Priya Ramaswamy") unless one of them is among
 * these, so that "Jobcentre Plus" or "Data Protection Act" in a code-list label is not.
 */
const INSTITUTIONAL = new Set(
  (
    'access account act acts administration advisory agency allowance allowances appeal appeals article assessment ' +
    'attendance authority authorities bank benefit benefits board british building care carer case centre chapter child ' +
    'children claim claimant code commission commissioners compliance computer council court courts credit credits crime ' +
    'crown customer customs data debt department digital directorate disability economy employment england error ' +
    'executive fraud full fund general government health home housing independence information insurance ireland ' +
    'jobcentre justice kingdom local maintenance management manager ministry national northern office officer online ' +
    'paragraph part payment payments pension pensions personal plus portal protection public reform regulation regulations ' +
    'revenue royal rules schedule scotland section security service services social society state statutory support ' +
    'system systems tax team tribunal tribunals trust united universal wales welfare work works'
  ).split(' '),
);

/** All-capital abbreviations that may stand before a comma without being a SURNAME, Given name. */
const ABBREVIATIONS = new Set('cis dpa dwp esa gdpr haas hm hmrc jsa la nhs pip rti uc uk'.split(' '));

const TITLE = /(?<![a-z])(?:mrs|mr|ms|miss|dr|mx)(?:\.?[\s_-]+|\.)[a-z]{2,}/i;
const WORD = "(?:Mc|Mac|O')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?";
const TITLE_CASE_PAIR = new RegExp(`(?<![A-Za-z'])(${WORD})(?=\\s+(${WORD})(?![A-Za-z']))`, 'g');
const SURNAME_COMMA_GIVEN = /(?<![A-Za-z'-])([A-Z]+(?:['-][A-Z]+)?),\s*([A-Z][a-z]+)(?![A-Za-z])/g;

function institutional(word: string): boolean {
  return INSTITUTIONAL.has(word.toLowerCase());
}

function hasName(value: string): boolean {
  if (TITLE.test(value)) return true;
  for (const m of value.matchAll(TITLE_CASE_PAIR)) if (!institutional(m[1]!) && !institutional(m[2]!)) return true;
  for (const m of value.matchAll(SURNAME_COMMA_GIVEN)) {
    if (!ABBREVIATIONS.has(m[1]!.toLowerCase()) && !institutional(m[1]!) && !institutional(m[2]!)) return true;
  }
  for (const run of value.match(/[A-Za-z]+/g) ?? []) {
    if (NAMES.has(run.toLowerCase())) return true;
    // A name glued in camel case ("JaneSmith") is found word by word.
    for (const part of run.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])/g) ?? []) if (NAMES.has(part.toLowerCase())) return true;
  }
  return false;
}

const CHECKS: readonly (readonly [PersonalDataKind, (value: string) => boolean])[] = [
  ['a National Insurance number', (v) => NINO_SOLID.test(v) || NINO_PAIRS.test(v) || NINO_SPLIT.test(v)],
  ['an e-mail address', hasEmail],
  ['a phone number', hasPhone],
  ['a UK postcode', (v) => POSTCODE.test(v)],
  ['a date of birth', hasDate],
  ['a personal name', hasName],
];

/**
 * Words that say a date is someone's birth date. In free text of a public record (a
 * payment's description) a date is ordinary; beside one of these it is personal data.
 */
const BIRTH_LABEL = /(?<![a-z])(?:d\.?\s?o\.?\s?b|dob|born|birth\s?(?:date|day)|date\s+of\s+birth)(?![a-z])/i;

/**
 * Which checks a field gets. Every field is checked for National Insurance numbers, e-mail
 * addresses and dates of birth; the rest are per field, because some fields hold by design
 * what another field must not: an organisation's name in a supplier field is a
 * capitalised pair of words, a transaction number a long run of digits, a payment's
 * description a date.
 */
export interface LintProfile {
  /** Phone numbers (off for identifiers: a long transaction number is a digit run starting 0). */
  readonly phones: boolean;
  /** Full UK postcodes: the address of an individual, in any public field. */
  readonly postcodes: boolean;
  /** Any date is taken for a birth date ('any'), or only a date beside words like "born" or "DOB" ('labelled'). */
  readonly dates: 'any' | 'labelled';
  /** Personal names (off where a name is public by design: a supplier, a recipient, a Member of Parliament). */
  readonly names: boolean;
  /**
   * National Insurance numbers with every separator taken out, wherever they begin: right
   * for codes, which are short; wrong for identifiers and text, where `DWP-2026-0001` reads
   * as one. Written solid, in pairs or set off from the prefix, one is found in any field.
   */
  readonly ninoAcrossSeparators: boolean;
}

/** The profile of codes and pseudonyms, the typed events' public fields: everything is checked. */
export const CODE_PROFILE: LintProfile = Object.freeze({ phones: true, postcodes: true, dates: 'any', names: true, ninoAcrossSeparators: true });

function checksOf(profile: LintProfile): readonly (readonly [PersonalDataKind, (value: string) => boolean])[] {
  return CHECKS.flatMap(([kind, found]): (readonly [PersonalDataKind, (value: string) => boolean])[] => {
    if (kind === 'a phone number' && !profile.phones) return [];
    if (kind === 'a UK postcode' && !profile.postcodes) return [];
    if (kind === 'a personal name' && !profile.names) return [];
    if (kind === 'a date of birth' && profile.dates === 'labelled') return [[kind, (v) => BIRTH_LABEL.test(v) && hasDate(v)]];
    return [[kind, found]];
  });
}

/**
 * The kind of personal data `value` looks like it holds under `profile` (every check by
 * default), or undefined. Callers report the kind and the field, never the value.
 */
export function lintPersonalData(value: string, profile: LintProfile = CODE_PROFILE): PersonalDataKind | undefined {
  let memo = memos.get(profile);
  if (memo === undefined) {
    memo = { checks: checksOf(profile), verdicts: new Map() };
    memos.set(profile, memo);
  }
  // Public values are mostly codes, the same few hundred again and again: remember the
  // verdicts on short values (a pure function of the value), within a bound.
  const cached = value.length <= MEMO_MAX_LENGTH ? memo.verdicts.get(value) : undefined;
  if (cached !== undefined) return cached === CLEAN ? undefined : cached;
  let result: PersonalDataKind | undefined;
  // The value is judged as written and as it reads once disguises are taken off: in normal
  // form, with every run of separators read as one space, with O between digits read as 0,
  // and (for National Insurance numbers) with the separators gone altogether.
  const normal = normalizePublicText(value);
  const spaced = normal.replace(SEPARATORS, ' ');
  const views = [...new Set([value, normal, spaced, zeroForO(spaced)])];
  const solid = profile.ninoAcrossSeparators ? normal.replace(/[^A-Za-z0-9]+/g, '') : '';
  outer: for (const [kind, found] of memo.checks) {
    for (const view of views) {
      if (found(view)) {
        result = kind;
        break outer;
      }
    }
  }
  // Last, as it would also take a date or a phone number written with letters for one.
  if (result === undefined && profile.ninoAcrossSeparators && NINO_SOLID.test(solid)) result = 'a National Insurance number';
  if (value.length <= MEMO_MAX_LENGTH) {
    if (memo.verdicts.size >= MEMO_ENTRIES) memo.verdicts.clear();
    memo.verdicts.set(value, result ?? CLEAN);
  }
  return result;
}

const CLEAN = 'clean';
const MEMO_ENTRIES = 4096;
const MEMO_MAX_LENGTH = 64;
/** Per profile (a handful of frozen constants): its checks, and its verdicts on short values. */
const memos = new WeakMap<LintProfile, { checks: ReturnType<typeof checksOf>; verdicts: Map<string, PersonalDataKind | typeof CLEAN> }>();
