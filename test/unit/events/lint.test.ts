/**
 * The personal-data linter: each kind found in the forms people write it, and ordinary
 * codes left alone (the default code lists are checked in codes.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isNormalPublicText, lintPersonalData, normalizePublicText } from '../../../src/events/index.js';

const FOUND: Record<string, readonly string[]> = {
  'a National Insurance number': ['ab123456c', 'AB123456C', 'AB 12 34 56 C', 'AB 12 34 56', 'code-qq123456a', 'ce-12-34-56-d', 'claimant-jk123456'],
  'an e-mail address': ['jane@example.org', 'contact-j.doe+benefits@council.gov.uk', 'x@y.co'],
  'a phone number': ['07700900123', '07700 900123', '+44 7700 900123', '+447700900123', '020 7946 0000', '(020) 7946-0000', '+44 (0)20 7946 0000', '0044 20 7946 0000', '0161 496 0000', '+33 1 23 45 67 89'],
  'a UK postcode': ['SW1A 1AA', 'M1 1AE', 'b33 8th', 'ec1a1bb', 'sw1a-1aa', 'CR2 6XH', 'DN55 1PT', 'w1a 0ax', 'addr-ls1-4ap'],
  'a date of birth': [
    '1985-03-12',
    '1985/3/12',
    '12/03/1985',
    '03/31/1985',
    '12-03-85',
    '12.03.1985',
    '12 03 1985',
    '12 March 1985',
    '1st Feb 2001',
    '29-feb-2000',
    'March 12, 1985',
    'dec 25 1999',
    '19850312',
    '12031985',
    'born-1985-03-12',
  ],
  'a personal name': [
    'Jane Smith',
    'Priya Ramaswamy',
    'Grace Hopper',
    "Siobhan O'Brien",
    'Mrs Patel',
    'mr jones',
    'Dr. Who',
    'mx-taylor',
    'SMITH, John',
    "O'BRIEN, Mary",
    'jane-smith',
    'patel',
    'olivia',
    'MUHAMMAD',
    'JaneSmith',
  ],
};

describe('lintPersonalData finds', () => {
  for (const [kind, values] of Object.entries(FOUND)) {
    test.each(values.map((v) => [v]))(`${kind} in %j`, (value) => {
      expect(lintPersonalData(value)).toBe(kind);
    });
  }
});

describe('lintPersonalData passes', () => {
  test.each([
    'view',
    'uc-full-service',
    'ukgdpr-6-1-e',
    'ukgdpr-9-2-b',
    'ssaa-1992',
    'dpa-2018-s8',
    'welfare-reform-act-2012-s131',
    'digital-economy-act-2017-pt5',
    'cms-2012',
    'esa',
    'pip',
    'uc',
    'dwp-uc',
    'partner.one',
    'la_housing-7',
    'level-10',
    'release-2024',
    'iso-27001',
    'grace-period',
    'mark-as-read',
    'brown-envelope',
    'Work coach',
    'Jobcentre Plus',
    'HM Revenue and Customs',
    'Data Protection Act 2018, section 8',
    'UK GDPR Article 9(2)(g): substantial public interest',
    'HMRC, Customs',
    '',
  ])('%j', (value) => {
    expect(lintPersonalData(value)).toBeUndefined();
  });

  test('impossible dates are not dates of birth', () => {
    for (const value of ['1985-02-30', '31/31/1985', '2001-13-01', '1899-01-01', '00000000', '29-feb-2001']) expect(lintPersonalData(value), value).toBeUndefined();
  });

  test('a number too short or too long for the UK is not a phone number', () => {
    for (const value of ['077009001234', '000 1234 5678', '+44 1234']) expect(lintPersonalData(value), value).not.toBe('a phone number');
  });
});

describe('lintPersonalData on hostile input', () => {
  test('stays linear on long runs of what its patterns look for', () => {
    const n = 2 ** 16;
    const values = ['('.repeat(n), 'a@'.repeat(n / 2), "O'".repeat(n / 2), 'AB,'.repeat(n / 3), 'Aa '.repeat(n / 3), '1 '.repeat(n / 2), 'a1 '.repeat(n / 3), '1st jan '.repeat(n / 8)];
    const start = performance.now();
    for (const v of values) lintPersonalData(v);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

/**
 * The attack: personal data in disguise — separators of every kind and odd spacing,
 * zero-width characters and soft hyphens, fullwidth forms, Cyrillic and Greek look-alikes,
 * the letter O for a zero, months in words. None may pass: either the linter finds it, or
 * the value is not in the normal form public values must be in (and is refused for that).
 */
describe('disguised personal data', () => {
  const SAMPLES: Record<string, readonly string[]> = {
    nino: ['AB123456C', 'AB 12 34 56 C', 'QQ123456A'],
    postcode: ['SW1A 1AA', 'M1 1AE', 'EC1A 1BB'],
    date: ['01/02/1980', '12-03-1985', '1985-03-12', 'February 1980', '3 March 1985'],
    phone: ['07700 900123', '+44 7700 900123', '020 7946 0000'],
    name: ['Jane Smith', 'Mr Okafor', 'SMITH, Jane'],
    email: ['jane@example.org'],
  };
  const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\u00ad', '\u2060', '\ufeff', '\u200e', '\u202e'];
  const SEPARATORS = ['.', '-', '_', '  ', ' . ', '/', '\u2013', ' - '];
  const FULLWIDTH = (c: string) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c);
  const CYRILLIC: Record<string, string> = { A: 'А', B: 'В', C: 'С', E: 'Е', H: 'Н', K: 'К', M: 'М', O: 'О', P: 'Р', T: 'Т', X: 'Х', a: 'а', c: 'с', e: 'е', o: 'о', p: 'р', x: 'х', y: 'у' };

  const disguise = fc.record({
    kind: fc.constantFrom(...Object.keys(SAMPLES)),
    pick: fc.nat(),
    separator: fc.constantFrom(...SEPARATORS),
    invisible: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...INVISIBLE)), { maxLength: 4 }),
    fullwidth: fc.boolean(),
    lookAlikes: fc.boolean(),
    oForZero: fc.boolean(),
    prefix: fc.constantFrom('', 'ref-', 'x '),
  });

  function apply(d: { kind: string; pick: number; separator: string; invisible: [number, string][]; fullwidth: boolean; lookAlikes: boolean; oForZero: boolean; prefix: string }): string {
    const samples = SAMPLES[d.kind]!;
    let v = samples[d.pick % samples.length]!;
    if (d.kind !== 'email') v = v.replace(/[ /.-]/g, d.separator);
    if (d.oForZero && d.kind === 'phone') v = v.replace(/0/g, 'O');
    if (d.lookAlikes) v = [...v].map((c) => CYRILLIC[c] ?? c).join('');
    if (d.fullwidth) v = [...v].map(FULLWIDTH).join('');
    const chars = [...v];
    for (const [at, c] of d.invisible) chars.splice(at % (chars.length + 1), 0, c);
    return d.prefix + chars.join('');
  }

  test('none is accepted', () => {
    fc.assert(
      fc.property(disguise, (d) => {
        const value = apply(d);
        expect(lintPersonalData(value) !== undefined || !isNormalPublicText(value), JSON.stringify(value)).toBe(true);
        // In normal form, the linter alone must find it: the normal form hides nothing.
        expect(lintPersonalData(normalizePublicText(value)), JSON.stringify(normalizePublicText(value))).toBeDefined();
      }),
      { numRuns: 2_000 },
    );
  });

  test('the normal form: NFKC, no invisible characters, Latin letters for look-alikes', () => {
    expect(normalizePublicText('ＡＢ１２３４５６Ｃ')).toBe('AB123456C');
    expect(normalizePublicText('A\u200bB\u00ad12\u2060 3')).toBe('AB12 3');
    expect(normalizePublicText('Јаnе Ѕmіth')).toBe('Jane Smith');
    for (const clean of ['dwp', 'uc-full-service', 'Data Protection Act 2018, s.8', 'Jobcentre Plus']) expect(isNormalPublicText(clean)).toBe(true);
    expect(isNormalPublicText('dwp\u200b')).toBe(false);
  });
});
