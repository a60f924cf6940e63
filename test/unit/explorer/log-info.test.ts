/**
 * GET /v1/log as the explorer reads it: witnesses with parsed cosignature keys (a key of the
 * wrong kind kept but unusable), the quorum, and answers lacking what the API promises refused.
 */
import { expect, test } from 'vitest';
import { cosignedBy, parseLogWitnesses } from '../../../src/explorer/log-info.js';
import { isLogError } from '../../../src/errors.js';
import { openNote, parseCosignatureVerifier, parseNoteVerifier } from '../../../src/note/index.js';
import { ORIGIN, checkpointNote, log, witness } from '../../support/explorer-log.js';

const body = (over: Record<string, unknown> = {}) => ({
  origin: ORIGIN,
  verifierKey: log.verifierKey,
  treeSize: 20,
  rootHash: 'x',
  quorum: 1,
  witnesses: [
    { name: witness.name, url: 'https://w1.example', verifierKey: witness.verifierKey, treeSize: 20, cosignedAt: '2026-03-20T10:00:00Z' },
    { name: 'wrong.example', url: 'https://w2.example', verifierKey: log.verifierKey },
  ],
  ...over,
});

test('witnesses, their keys and the quorum', () => {
  const info = parseLogWitnesses(body());
  expect(info.quorum).toBe(1);
  expect(info.witnesses.map((w) => [w.name, w.verifier?.name, w.treeSize, w.cosignedAt, w.lastError])).toEqual([
    [witness.name, witness.name, 20, '2026-03-20T10:00:00Z', null],
    ['wrong.example', undefined, null, null, null],
  ]);
  const opened = openNote(checkpointNote(20, { cosigned: true }), [parseNoteVerifier(log.verifierKey), parseCosignatureVerifier(witness.verifierKey)]);
  expect(cosignedBy(opened.verified, info.witnesses).map((w) => w.name)).toEqual([witness.name]);
  expect(parseLogWitnesses({ origin: ORIGIN, verifierKey: log.verifierKey }).witnesses).toEqual([]);
});

test('answers that lack what the API promises are refused', () => {
  for (const bad of [null, [], body({ origin: 1 }), body({ quorum: -1 }), body({ quorum: 3 }), body({ witnesses: {} }), body({ witnesses: [{ name: 'x' }] })]) {
    let error: unknown;
    try {
      parseLogWitnesses(bad);
    } catch (e) {
      error = e;
    }
    expect(isLogError(error, 'INTERNAL'), JSON.stringify(bad)).toBe(true);
  }
});
