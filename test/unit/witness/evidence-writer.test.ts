/**
 * The witness's evidence files: one per contradiction however often and however it is shown,
 * and a bound per log, so that no log (not even one that forks at every size) can fill the
 * disk or crowd out another log's evidence.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { MAX_EVIDENCE_FILES_PER_LOG, evidenceWriter } from '../../../src/cli/witness.js';
import type { WitnessEvidence } from '../../../src/witness/index.js';
import { tempDir } from '../../support/temp.js';

const note = (origin: string, size: number, root: string, sig = 'AAAA') => `${origin}\n${size}\n${root}\n\n\u2014 ${origin} ${sig}\n`;

function fork(origin: string, size: number, extra = ''): WitnessEvidence {
  return {
    type: 'tlog-witness-evidence',
    failure: 'conflicting-root',
    detail: 'a second root',
    origin,
    witness: 'w.example/w',
    observedAt: 1_700_000_000 + size,
    oldSize: size,
    consistencyProof: [],
    checkpoint: note(origin, size, `forked${size}`) + extra,
    witnessedCheckpoint: note(origin, size, `honest${size}`),
  };
}

test('one file per pair of checkpoints, whatever else differs (time, signature lines)', () => {
  const dir = join(tempDir('witness-evidence'), 'evidence');
  const records: Record<string, unknown>[] = [];
  const write = evidenceWriter(dir, (r) => void records.push(r));
  for (let i = 0; i < 50; i++) write({ ...fork('a.example/log', 7, i % 2 === 0 ? '' : `\u2014 someone.example/x ${i}\n`), observedAt: i });
  expect(readdirSync(dir)).toHaveLength(1);
  write(fork('a.example/log', 8));
  expect(readdirSync(dir)).toHaveLength(2);
  expect(records.filter((r) => r.msg === 'kept evidence of an inconsistent checkpoint')).toHaveLength(2);
});

test(`at most ${MAX_EVIDENCE_FILES_PER_LOG} files per log; another log still has its own room`, () => {
  const dir = join(tempDir('witness-evidence'), 'evidence');
  const records: Record<string, unknown>[] = [];
  const write = evidenceWriter(dir, (r) => void records.push(r));
  for (let size = 1; size <= MAX_EVIDENCE_FILES_PER_LOG + 20; size++) write(fork('busy.example/log', size));
  expect(readdirSync(dir)).toHaveLength(MAX_EVIDENCE_FILES_PER_LOG);
  expect(records.filter((r) => r.msg === 'evidence limit of this log reached: not keeping this evidence')).toHaveLength(20);
  // An origin that makes the same safe file-name prefix is still another log.
  write(fork('busy.example_log', 1));
  write(fork('quiet.example/log', 1));
  expect(readdirSync(dir)).toHaveLength(MAX_EVIDENCE_FILES_PER_LOG + 2);
});
