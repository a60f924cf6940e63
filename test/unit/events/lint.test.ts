/**
 * The personal-data linter: each kind found in the forms people write it, and ordinary
 * codes left alone (the default code lists are checked in codes.test.ts).
 */
import { describe, expect, test } from 'vitest';
import { lintPersonalData } from '../../../src/events/index.js';

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
