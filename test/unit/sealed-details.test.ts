/**
 * Details at rest (src/storage/sealed-details.ts): what is sealed opens to exactly itself,
 * under its own key, for its own entry only; nothing of the plaintext shows in the sealed
 * bytes; and any change to the value, the key or the entry is refused as INTERNAL rather
 * than opened as something else.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LogError } from '../../src/errors.js';
import { MIN_SEALED_SIZE, openDetails, sealAll, sealDetails } from '../../src/storage/sealed-details.js';

const opening = () => new Uint8Array(randomBytes(32));

describe('sealed details', () => {
  test('open to the opening and details sealed, for any details text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (details, leafIndex) => {
        const r = opening();
        const { keys, sealed } = sealAll([{ leafIndex, opening: r, details }]);
        expect(keys[0]).toHaveLength(32);
        expect(sealed[0]!.length).toBe(MIN_SEALED_SIZE + new TextEncoder().encode(details).length);
        expect(openDetails(leafIndex, keys[0]!, sealed[0]!)).toEqual({ opening: r, details });
      }),
    );
  });

  test('a fresh key and nonce for each entry: the same details sealed twice share nothing', () => {
    const r = opening();
    const item = { leafIndex: 7, opening: r, details: '{"note":"same"}' };
    const { keys, sealed } = sealAll([item, item]);
    expect(Buffer.from(keys[0]!).equals(Buffer.from(keys[1]!))).toBe(false);
    expect(Buffer.from(sealed[0]!).equals(Buffer.from(sealed[1]!))).toBe(false);
  });

  test('the sealed bytes hold neither the details nor the opening', () => {
    const marker = 'claimant-marker-0123456789';
    const r = opening();
    const { sealed } = sealAll([{ leafIndex: 1, opening: r, details: JSON.stringify({ note: marker }) }]);
    const bytes = Buffer.from(sealed[0]!);
    expect(bytes.indexOf(Buffer.from(marker))).toBe(-1);
    expect(bytes.indexOf(Buffer.from(r))).toBe(-1);
  });

  test('another entry, another key, a changed byte or an unknown version is refused as INTERNAL', () => {
    const r = opening();
    const { keys, sealed } = sealAll([{ leafIndex: 5, opening: r, details: '{"a":1}' }]);
    const key = keys[0]!;
    const value = sealed[0]!;
    const refused = (leafIndex: number, k: Uint8Array, v: Uint8Array) => {
      let thrown: unknown;
      try {
        openDetails(leafIndex, k, v);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(LogError);
      expect((thrown as LogError).code).toBe('INTERNAL');
      expect((thrown as LogError).message).toMatch(new RegExp(`^the stored details of entry ${leafIndex} cannot be opened: `));
    };
    refused(6, key, value); // moved to another entry
    refused(5, new Uint8Array(randomBytes(32)), value);
    refused(5, key.subarray(0, 16), value);
    for (const at of [0, 1, 13, value.length - 1]) {
      const changed = new Uint8Array(value);
      changed[at]! ^= 1;
      refused(5, key, changed);
    }
    refused(5, key, value.subarray(0, MIN_SEALED_SIZE - 1));
  });

  test('sealing refuses a key, nonce or opening of the wrong size', () => {
    expect(() => sealDetails(0, opening(), '{}', new Uint8Array(31), new Uint8Array(12))).toThrow(/32-byte key/);
    expect(() => sealDetails(0, opening(), '{}', new Uint8Array(32), new Uint8Array(8))).toThrow(/12-byte nonce/);
    expect(() => sealDetails(0, new Uint8Array(16), '{}', new Uint8Array(32), new Uint8Array(12))).toThrow(/32-byte opening/);
  });
});
