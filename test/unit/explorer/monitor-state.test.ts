/**
 * The Monitor page's comparison: the first checkpoint is kept; the same size must have the
 * same root; a larger or smaller tree needs a consistency proof that verifies against both
 * roots; the kept checkpoint advances only when consistent, and an inconsistent view is kept
 * as evidence. The stored state is parsed strictly: anything else is "corrupt".
 */
import { describe, expect, test } from 'vitest';
import {
  MAX_HISTORY,
  type MonitorState,
  advanceState,
  compareCheckpoints,
  judgeConsistency,
  monitorEvidence,
  monitorEvidenceFileName,
  monitorStateText,
  monitorStorageKey,
  parseMonitorState,
} from '../../../src/explorer/monitor-state.js';
import { ORIGIN, checkpointNote, checkpointOf, consistency, log } from '../../support/explorer-log.js';

const now = new Date('2026-03-20T10:00:00.000Z');

describe('compareCheckpoints and judgeConsistency', () => {
  test('first, same, fork at one size, and proofs both ways', async () => {
    const c10 = checkpointOf(checkpointNote(10));
    const c15 = checkpointOf(checkpointNote(15));
    expect(compareCheckpoints(undefined, c10)).toEqual({ kind: 'first' });
    expect(compareCheckpoints(c10, checkpointOf(checkpointNote(10)))).toEqual({ kind: 'same' });
    const forked = checkpointOf(checkpointNote(10, { root: new Uint8Array(32).fill(1) }));
    expect(compareCheckpoints(c10, forked)).toMatchObject({ kind: 'fork', reason: expect.stringMatching(/two different contents for the same size, 10 entries/) });
    expect(compareCheckpoints(c10, c15)).toEqual({ kind: 'proof', from: 10, to: 15, grown: true });
    expect(compareCheckpoints(c15, c10)).toEqual({ kind: 'proof', from: 10, to: 15, grown: false });
    const proof = await consistency(10, 15);
    expect(judgeConsistency(c10, c15, proof)).toBeUndefined();
    expect(judgeConsistency(c15, c10, proof)).toBeUndefined(); // an older view, proved a prefix
    expect(judgeConsistency(c10, c15, await consistency(9, 15))).toMatch(/does not show that its 10 entries are the start of its 15 entries/);
    const rewritten = checkpointOf(checkpointNote(15, { root: new Uint8Array(32).fill(2) }));
    expect(judgeConsistency(c10, rewritten, proof)).toMatch(/INVALID|does not/);
    expect(judgeConsistency(c10, c15, [])).toMatch(/does not show/);
  });

  test('a checkpoint of another origin is a contradiction, not a proof question', () => {
    const c = checkpointOf(checkpointNote(10));
    expect(compareCheckpoints({ ...c, origin: 'elsewhere.example/log' }, c)).toMatchObject({ kind: 'fork' });
  });
});

describe('advanceState', () => {
  const n10 = checkpointNote(10);
  const n15 = checkpointNote(15);
  const forked = checkpointNote(15, { root: new Uint8Array(32).fill(3) });
  const observe = (seenNote: string, status: 'first' | 'consistent' | 'inconsistent', extra: object = {}) => ({
    origin: ORIGIN,
    logKey: log.verifierKey,
    seenNote,
    seen: checkpointOf(seenNote),
    status,
    now,
    ...extra,
  });

  test('keeps the first, advances on a consistent larger tree, not on an older one, never on an inconsistent one', () => {
    const s1 = advanceState(undefined, undefined, observe(n10, 'first'));
    expect(s1.kept).toBe(n10);
    expect(s1.history).toEqual([{ treeSize: 10, rootHash: expect.any(String), seenAt: now.toISOString(), status: 'first' }]);
    const s2 = advanceState(s1, 10, observe(n15, 'consistent'));
    expect(s2.kept).toBe(n15);
    expect(s2.history.map((h) => [h.treeSize, h.status])).toEqual([[10, 'first'], [15, 'consistent']]);
    const s3 = advanceState(s2, 15, observe(n10, 'consistent')); // an older view
    expect(s3.kept).toBe(n15);
    const evidence = monitorEvidence({ origin: ORIGIN, logKey: log.verifierKey, kept: n15, seen: forked, proof: [], reason: 'two roots', now });
    const s4 = advanceState(s3, 15, observe(forked, 'inconsistent', { evidence }));
    expect(s4.kept).toBe(n15);
    expect(s4.evidence).toEqual([evidence]);
    expect(s4.history[s4.history.length - 1]).toMatchObject({ treeSize: 15, status: 'inconsistent' });
    // The same checkpoint seen again adds no history line.
    expect(advanceState(s2, 15, observe(n15, 'consistent')).history).toHaveLength(2);
  });

  test('the history keeps the newest entries only', () => {
    let s: MonitorState | undefined;
    for (let i = 1; i <= MAX_HISTORY + 10; i++) {
      const note = checkpointNote(i % 2 === 0 ? 10 : 15);
      s = advanceState(s, undefined, observe(note, s === undefined ? 'first' : 'consistent'));
    }
    expect(s!.history).toHaveLength(MAX_HISTORY);
  });
});

describe('stored state', () => {
  test('round trip; nothing stored; corrupt text of every kind', () => {
    const state = advanceState(undefined, undefined, {
      origin: ORIGIN,
      logKey: log.verifierKey,
      seenNote: checkpointNote(10),
      seen: checkpointOf(checkpointNote(10)),
      status: 'first',
      now,
      evidence: monitorEvidence({ origin: ORIGIN, logKey: log.verifierKey, kept: 'a', seen: 'b', proof: null, reason: 'r', now }),
    });
    expect(parseMonitorState(monitorStateText(state))).toEqual({ state, corrupt: false });
    expect(parseMonitorState(null)).toEqual({ corrupt: false });
    const o = JSON.parse(monitorStateText(state)) as Record<string, unknown>;
    for (const bad of [
      'not json',
      '[]',
      JSON.stringify({ ...o, version: 2 }),
      JSON.stringify({ ...o, kept: 3 }),
      JSON.stringify({ ...o, history: [{ treeSize: -1, rootHash: 'AAAA', seenAt: 'x', status: 'first' }] }),
      JSON.stringify({ ...o, history: [{ treeSize: 1, rootHash: 'AAAA', seenAt: 'x', status: 'first' }] }),
      JSON.stringify({ ...o, history: [{ ...(o.history as object[])[0], status: 'fine' }] }),
      JSON.stringify({ ...o, evidence: [{ type: 'x' }] }),
      JSON.stringify({ ...o, evidence: 'none' }),
    ]) {
      expect(parseMonitorState(bad), bad).toEqual({ corrupt: true });
    }
  });

  test('names: the storage key and the evidence file', () => {
    expect(monitorStorageKey(ORIGIN)).toBe(`sightline-monitor:${ORIGIN}`);
    expect(monitorStorageKey(ORIGIN, '/')).toBe(`sightline-monitor:${ORIGIN}`);
    // Two logs of one site under their prefixes never share a state, even under one name.
    expect(monitorStorageKey(ORIGIN, '/logs/a/')).toBe(`sightline-monitor@/logs/a/:${ORIGIN}`);
    expect(monitorStorageKey(ORIGIN, '/logs/a/')).not.toBe(monitorStorageKey(ORIGIN, '/logs/b/'));
    const e = monitorEvidence({ origin: ORIGIN, logKey: log.verifierKey, kept: 'a', seen: 'b', proof: null, reason: 'r', now });
    expect(monitorEvidenceFileName(e)).toBe('sightline-monitor-evidence-2026-03-20T10-00-00-000Z.json');
  });
});
