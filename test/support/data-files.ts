/**
 * Searching a database's files for bytes: every regular file under a directory (heap,
 * indexes, WAL — recycled segments included — commit logs, statistics, the lot), read
 * whole and searched as binary, so nothing escapes for being in a file nobody expected.
 */
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Needle {
  /** What the bytes are, for messages. */
  readonly what: string;
  readonly bytes: Uint8Array;
}

/** Every (file, needle) such that the file under `dir` holds the needle's bytes; paths relative to `dir`. */
export function filesHolding(dir: string, needles: readonly Needle[]): { file: string; what: string }[] {
  const found: { file: string; what: string }[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
      return;
    }
    if (!stat.isFile()) return;
    const data = readFileSync(path);
    for (const needle of needles) {
      if (data.indexOf(needle.bytes) >= 0) found.push({ file: relative(dir, path), what: needle.what });
    }
  };
  walk(dir);
  return found;
}

/** How many regular files are under `dir`: a search over none proves nothing. */
export function countFiles(dir: string): number {
  let count = 0;
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else if (stat.isFile()) count++;
  };
  walk(dir);
  return count;
}
