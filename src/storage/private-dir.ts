/**
 * Data directories are private to the user running Sightline: the log's (PGlite's files,
 * the log key, the subject-tag year keys, the admin socket), the witness's and the
 * monitor's state. They hold keys, and a claimant's details until erased, so no other
 * user may read or change them, whatever the umask: directories 0700, files 0600.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const PRIVATE_DIR = 0o700;

/**
 * Creates `dir` (and any missing parent) as 0700, and takes group and other permissions
 * away from everything already in it — a directory made by an older version, or by a
 * process with a looser umask. Symbolic links are left as they are and not followed.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  restrict(dir);
}

function restrict(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  // Only the owner's bits are kept: a file stays 0600 (or 0700 if executable), a folder 0700.
  const mode = stat.mode % 0o1000;
  const owner = mode - (mode % 0o100);
  const wanted = stat.isDirectory() ? PRIVATE_DIR : owner;
  if (mode !== wanted) chmodSync(path, wanted);
  if (stat.isDirectory()) for (const name of readdirSync(path)) restrict(join(path, name));
}
