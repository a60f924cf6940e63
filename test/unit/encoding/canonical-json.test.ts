/**
 * RFC 8785 (JCS): the RFC's own examples byte for byte, its property ordering, the I-JSON
 * refusals, and properties over arbitrary JSON: the canonical text parses back to the same
 * value, and member order in the input never matters.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MAX_JSON_DEPTH, canonicalJson } from '../../../src/encoding/index.js';
import { expectLogError } from '../../support/errors.js';

describe('RFC 8785 examples', () => {
  test('§3.2.2: numbers, strings and literals', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  test('§3.2.3: members sorted by UTF-16 code units', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const names = Object.keys(JSON.parse(canonicalJson(input)) as object);
    // Object.keys puts integer-like names first; compare the text order instead.
    const order = [...canonicalJson(input).matchAll(/"([^"]*)":"([^"]*)"/g)].map((m) => m[2]);
    expect(order).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
    expect(names).toHaveLength(7);
  });

  test('-0 is 0, and nested objects and arrays have no whitespace', () => {
    expect(canonicalJson({ b: [-0, { d: 1, c: [] }], a: {} })).toBe('{"a":{},"b":[0,{"c":[],"d":1}]}');
  });
});

describe('only I-JSON', () => {
  test.each([
    [{ n: Number.NaN }, 'n'],
    [{ n: Number.POSITIVE_INFINITY }, 'n'],
    [{ s: 'half \ud800 a pair' }, 's'],
    [{ ['\udc00']: 1 }, '\udc00'],
    [{ u: undefined }, 'u'],
    [{ list: [1, () => 1] }, 'list[1]'],
    [{ big: 1n }, 'big'],
    [{ when: new Date(0) }, 'when'],
    [{ a: { b: [1, , 3] } }, 'a.b[1]'],
  ])('%o is refused, naming %s', (value, field) => {
    expect(expectLogError(() => canonicalJson(value), 'MALFORMED_REQUEST').field).toBe(field);
  });

  test(`nesting past ${MAX_JSON_DEPTH} levels is refused, and up to it accepted`, () => {
    const nest = (n: number): unknown => (n === 0 ? 1 : [nest(n - 1)]);
    expect(canonicalJson(nest(MAX_JSON_DEPTH))).toBe('['.repeat(MAX_JSON_DEPTH) + '1' + ']'.repeat(MAX_JSON_DEPTH));
    expectLogError(() => canonicalJson(nest(MAX_JSON_DEPTH + 1)), 'MALFORMED_REQUEST');
  });
});

describe('properties', () => {
  const json = fc.jsonValue({ maxDepth: 6 });

  test('the canonical text is JSON for the same value, and canonical again', () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value);
        const back = JSON.parse(text) as unknown;
        expect(canonicalJson(back)).toBe(text);
        expect(back).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  test('member order in the input never changes the output', () => {
    const reversed = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(reversed);
      if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)]));
      return v;
    };
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalJson(reversed(value))).toBe(canonicalJson(value));
      }),
      { numRuns: 500 },
    );
  });
});
