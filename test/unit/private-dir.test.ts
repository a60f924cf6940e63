/**
 * Data directories are private (src/storage/private-dir.ts): made 0700 whatever the umask,
 * and what an older or looser run left in them is tightened to the owner alone.
 */
import { chmodSync, lstatSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ensurePrivateDir } from '../../src/storage/index.js';
import { tempDir } from '../support/temp.js';

const modeOf = (path: string) => lstatSync(path).mode % 0o1000;

test('a new directory, and the parents it needs, are 0700 even under umask 000', () => {
  const root = tempDir('private-dir');
  const previous = process.umask(0);
  try {
    ensurePrivateDir(join(root, 'a', 'data'));
  } finally {
    process.umask(previous);
  }
  expect(modeOf(join(root, 'a'))).toBe(0o700);
  expect(modeOf(join(root, 'a', 'data'))).toBe(0o700);
});

test('an existing world-readable, world-writable tree is tightened to its owner; symbolic links are not followed', () => {
  const root = tempDir('private-dir');
  const data = join(root, 'data');
  const outside = join(root, 'outside.txt');
  mkdirSync(join(data, 'base', '1'), { recursive: true });
  writeFileSync(join(data, 'base', '1', '1259'), 'heap');
  writeFileSync(join(data, 'log.key'), 'key');
  writeFileSync(join(data, 'tool'), '#!/bin/sh\n');
  writeFileSync(outside, 'not ours');
  symlinkSync(outside, join(data, 'link'));
  for (const dir of [data, join(data, 'base'), join(data, 'base', '1')]) chmodSync(dir, 0o777);
  for (const file of [join(data, 'base', '1', '1259'), join(data, 'log.key'), outside]) chmodSync(file, 0o666);
  chmodSync(join(data, 'tool'), 0o775);

  ensurePrivateDir(data);

  for (const dir of [data, join(data, 'base'), join(data, 'base', '1')]) expect(modeOf(dir), dir).toBe(0o700);
  expect(modeOf(join(data, 'base', '1', '1259'))).toBe(0o600);
  expect(modeOf(join(data, 'log.key'))).toBe(0o600);
  expect(modeOf(join(data, 'tool'))).toBe(0o700); // the owner's bits are kept, nobody else's
  expect(statSync(outside).mode % 0o1000).toBe(0o666); // the link's target is not ours to change
});
