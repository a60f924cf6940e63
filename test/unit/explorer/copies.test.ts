/**
 * The explorer reads from the mirrors its page names (`<meta name="sightline-mirror">`, from the
 * log's own configuration): each a mirror's base URL, the origin's hash appended; anything but
 * an http(s) URL is left out.
 */
import { describe, expect, test } from 'vitest';
import { pageCopies } from '../../../src/explorer/pinning.js';
import { originHashOf } from '../../../src/mirror/index.js';

describe('pageCopies', () => {
  test('mirrors get the origin hash; the rest is left out', () => {
    const origin = 'log.example.gov.uk/dwp';
    const copies = pageCopies(['https://mirror.example/', 'javascript:alert(1)', '/relative', 'http://m2.example:8082'], origin);
    expect(copies).toEqual([{ url: `https://mirror.example/${originHashOf(origin)}` }, { url: `http://m2.example:8082/${originHashOf(origin)}` }]);
    expect(pageCopies([], origin)).toEqual([]);
  });
});
