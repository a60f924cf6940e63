/**
 * The explorer's plain words for a checkpoint that does not verify with the reader's key: the
 * key is the first thing to check, as `sightline lookup` and the monitor say.
 */
import { describe, expect, it } from 'vitest';
import { LogError } from '../../../src/errors.js';
import { explain } from '../../../src/explorer/explain.js';

describe('a checkpoint the pinned or given key does not verify', () => {
  it.each([
    ['not signed by the key', new LogError('UNVERIFIED_NOTE', 'the checkpoint is not signed by the log key a.example/log', { field: 'signature' })],
    ['another origin', new LogError('UNVERIFIED_NOTE', 'the checkpoint\'s origin "b" is not "a"', { field: 'origin' })],
    ['a signature that does not verify', new LogError('INVALID_SIGNATURE', 'signature by a.example/log does not verify', { field: 'signature' })],
  ])('%s: says to check the log key, in every activity', (_, error) => {
    for (const activity of ['checkpoint', 'lookup', 'receipt', 'consistency'] as const) {
      const said = explain(error, activity);
      expect(said.text).toMatch(/Check the log key/);
      expect(said.technical).toBe(`${error.code}: ${error.message}`);
    }
  });

  it('too few cosignatures is the witnesses’ matter, not the key’s', () => {
    expect(explain(new LogError('UNVERIFIED_NOTE', 'too few', { field: 'cosignatures' }), 'checkpoint').text).not.toMatch(/log key/);
  });
});
