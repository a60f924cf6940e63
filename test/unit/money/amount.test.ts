/**
 * Amounts as bodies publish them, read into pence (src/money/amount.ts): the messy forms of
 * real files are read, and every form whose reading would be a guess is refused with the
 * field named. Then a property: any amount of pence, written as a file would, reads back.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isLogError } from '../../../src/errors.js';
import { expectLogError } from '../../support/errors.js';
import { formatPounds, minorUnits, parsePublishedAmount } from '../../../src/money/index.js';

describe('parsePublishedAmount', () => {
  test.each([
    ['1234.56', 123456],
    ['£1,234.56', 123456],
    [' £1,234.56 ', 123456],
    ['£ 25,000.00', 2500000],
    ['25000', 2500000],
    ['25000.5', 2500050],
    ['0.05', 5],
    ['-12.00', -1200],
    ['-£12.00', -1200],
    ['£-12.00', -1200],
    ['(1,234.56)', -123456],
    ['(£12)', -1200],
    ['\u00a0£1,000\u00a0', 100000],
    ['-0.00', 0],
    ['1,000,000,000.99', 100000000099],
  ])('%j is %d pence', (text, pence) => {
    expect(Object.is(parsePublishedAmount(text, 'amount'), pence)).toBe(true);
  });

  test.each([
    ['', /empty/],
    ['   ', /empty/],
    ['12.345', /3 decimal places/],
    ['1,23', /not an amount/],
    ['1,2345.00', /not an amount/],
    ['12,34.00', /not an amount/],
    ['1e5', /not an amount/],
    ['.5', /not an amount/],
    ['12.', /not an amount/],
    ['--12', /two minus signs/],
    ['-£-12', /two minus signs/],
    ['$12.00', /another currency/],
    ['€12.00', /another currency/],
    ['12.00 EUR', /another currency/],
    ['１２３', /not an amount/], // full-width digits are not digits here
    ['12 345', /not an amount/],
    ['NaN', /not an amount/],
    ['Infinity', /not an amount/],
    ['0x10', /not an amount/],
    ['99999999999999999', /too large/],
  ])('%j is refused (%s), naming the field', (text, why) => {
    const error = expectLogError(() => parsePublishedAmount(text, 'amount'), 'MALFORMED_REQUEST');
    expect(error.message).toMatch(why);
    expect(error.field).toBe('amount');
  });

  test('any amount of pence, written with or without £, separators and brackets, reads back', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 13), max: 10 ** 13 }), fc.boolean(), fc.boolean(), (pence, pound, brackets) => {
        const shown = formatPounds(pence); // "-£1,234.56"
        const plain = shown.replace(/[£,]/g, '');
        const written = brackets && pence < 0 ? `(${shown.slice(1)})` : pound ? shown : plain;
        expect(parsePublishedAmount(written, 'amount')).toBe(pence);
      }),
    );
  });

  test('whatever the text, the answer is pence or a LogError: never NaN, a fraction or another error', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789.,£-() $e\u00a0'.split('')), maxLength: 24 }), (text) => {
        try {
          expect(Number.isSafeInteger(parsePublishedAmount(text, 'amount'))).toBe(true);
        } catch (e) {
          expect(isLogError(e, 'MALFORMED_REQUEST')).toBe(true);
        }
      }),
    );
  });
});

describe('minorUnits (the JSON API form)', () => {
  test('takes a safe integer and nothing else', () => {
    expect(minorUnits(123456, 'amount')).toBe(123456);
    expect(minorUnits(-5, 'amount')).toBe(-5);
    expect(Object.is(minorUnits(-0, 'amount'), 0)).toBe(true);
    for (const bad of ['123456', 12.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, null, undefined, 10n, [1]]) {
      expect(() => minorUnits(bad, 'amount'), String(bad)).toThrow(/integer number of minor units/);
    }
  });
});
