/**
 * For the suites that run the real `sightline` bin (e2e, browser): the package is built
 * once per run into a temp folder laid out as an installed package — package.json, dist/
 * (the same tsc and explorer builds as `npm run build`), migrations/, and node_modules
 * linked — so that a spawned process runs what users run, and the checkout's own dist/ is
 * never written. Its path reaches the tests as SIGHTLINE_TEST_PACKAGE.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

export default function setup(): () => void {
  // The e2e and browser projects both ask for it; one build serves a run of both.
  if (process.env.SIGHTLINE_TEST_PACKAGE !== undefined) return () => {};
  const pkg = mkdtempSync(join(tmpdir(), 'sightline-test-package-'));
  try {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], { cwd: root, stdio: 'inherit' });
    execFileSync(process.execPath, [join(root, 'scripts', 'build-explorer.mjs'), join(pkg, 'dist')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    chmodSync(join(pkg, 'dist', 'cli', 'main.js'), 0o755);
    copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
    cpSync(join(root, 'migrations'), join(pkg, 'migrations'), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  } catch (e) {
    rmSync(pkg, { recursive: true, force: true });
    throw e;
  }
  process.env.SIGHTLINE_TEST_PACKAGE = pkg;
  return () => rmSync(pkg, { recursive: true, force: true });
}
