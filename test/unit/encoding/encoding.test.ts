import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeBase64, decodeHex, encodeBase64, encodeHex, parseDecimal } from '../../../src/encoding/index.js';

describe('base64 (RFC 4648 §4, canonical only)', () => {
  test('agrees with node:buffer on every byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = encodeBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(decodeBase64(text)).toEqual(bytes);
      }),
    );
  });

  test('decodes only what it would encode', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (text) => {
        const bytes = decodeBase64(text);
        if (bytes !== undefined) expect(encodeBase64(bytes)).toBe(text);
      }),
      { numRuns: 5000 },
    );
  });

  test.each(['A', 'AA', 'AAA', 'AA=', 'AB==', 'AAB=', 'AA==AA==', '=AAA', 'AA A', 'AA\nA', 'AA-_', 'AAA\u00e9', 'A===', '===='])(
    'rejects %j',
    (text) => {
      expect(decodeBase64(text)).toBeUndefined();
    },
  );
});

describe('canonical decimals', () => {
  test.each([
    ['0', 0],
    ['7', 7],
    ['4294967296', 2 ** 32],
    ['9007199254740991', 2 ** 53 - 1],
  ])('accepts %s', (text, n) => {
    expect(parseDecimal(text)).toBe(n);
  });
  test.each(['', '00', '01', '+1', '-1', ' 1', '1 ', '1.0', '1e3', '0x1', '9007199254740992', '99999999999999999', '１'])('rejects %j', (text) => {
    expect(parseDecimal(text)).toBeUndefined();
  });
  test('round trips every safe integer it is given', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(parseDecimal(String(n))).toBe(n);
      }),
    );
  });
});

describe('hex', () => {
  test('round trips and rejects uppercase, odd length and non-hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        expect(decodeHex(encodeHex(b))).toEqual(b);
      }),
    );
    expect(encodeHex(new Uint8Array([0, 15, 255]))).toBe('000fff');
    expect(decodeHex('0A')).toBeUndefined();
    expect(decodeHex('abc')).toBeUndefined();
    expect(decodeHex('zz')).toBeUndefined();
  });
});
