/** Temp folders of a test file, removed at its end (test/support/cleanup.ts), also when it fails. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';

/** A new folder `sightline-<name>-XXXXXX` in the run's temp folder, removed when the file ends. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sightline-${name.replace(/^sightline-/, '').replace(/-$/, '')}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
