/**
 * A data directory that lost a file or whose files are damaged: the server says what is
 * wrong and what to do, and writes nothing. A missing tag-keys.json was once made afresh and
 * then refused (its keys are not the log's) with a message that did not say it was missing;
 * a damaged database printed PGlite's WebAssembly internals.
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseServeArgs } from '../../src/config.js';
import { startService } from '../../src/cli/service.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('missing-or-damaged');

/** One line, `sightline: …`, and nothing else. */
const ONE_LINE = /^sightline: [^\n]+\n$/;

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
const BACKUP_SECTION = 'Backing up and restoring a log';

/** A data directory holding a log a server has started on once (its key, tag-keys.json, the database). */
async function madeLog(name: string): Promise<string> {
  const dataDir = join(dir, name);
  const config = parseServeArgs(['--port', '0', '--data-dir', dataDir], {});
  if (config === 'help') throw new Error('unexpected help');
  const server = await startService(config, () => {});
  await server.close();
  return dataDir;
}

/** Every file under `root` with its size, to show that nothing was written. */
function listing(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const s = statSync(path);
      if (s.isDirectory()) walk(path);
      else out.push(`${path.slice(root.length)} ${s.size}`);
    }
  };
  walk(root);
  return out.sort();
}

describe('a missing tag-keys.json beside a log that uses its keys', () => {
  test('serve says the file is missing and to restore it, and writes no new one', async () => {
    const dataDir = await madeLog('lost-tag-keys');
    const tagKeys = join(dataDir, 'tag-keys.json');
    const logKey = readFileSync(join(dataDir, 'log.key'), 'utf8');
    rmSync(tagKeys);
    const r = await runCli(['serve', '--port', '0', '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(ONE_LINE);
    expect(r.stderr).toContain(`the subject-tag key file ${tagKeys} is missing`);
    expect(r.stderr).toContain('restore the file from a backup');
    expect(r.stderr).toContain('--tag-key-file');
    expect(existsSync(tagKeys)).toBe(false);
    expect(readdirSync(dataDir).filter((f) => f.includes('tag-keys'))).toEqual([]);
    expect(readFileSync(join(dataDir, 'log.key'), 'utf8')).toBe(logKey);
  });
});

describe('a damaged data directory', () => {
  const damages: [string, (dataDir: string) => void][] = [
    ['its WAL overwritten', (d) => overwrite(readdirSync(join(d, 'pg_wal')).filter((f) => /^[0-9A-F]{24}$/.test(f)).map((f) => join(d, 'pg_wal', f)))],
    ['its control file overwritten', (d) => overwrite([join(d, 'global', 'pg_control')])],
    // The log's own tables (relation numbers from 16384 are user tables): PostgreSQL starts, and its first read finds them damaged.
    ['its tables overwritten', (d) => overwrite(userRelationFiles(d))],
  ];
  for (const [what, damage] of damages) {
    test(`${what}: fsck, serve and partner list say it is damaged and point to fsck and the backup section, without PGlite's internals`, async () => {
      const dataDir = await madeLog(what.replaceAll(' ', '-'));
      damage(dataDir);
      const before = listing(dataDir);
      for (const args of [['fsck'], ['serve', '--port', '0'], ['partner', 'list']]) {
        const r = await runCli([...args, '--data-dir', dataDir]);
        expect(r.code, args[0]).toBe(1);
        expect(r.stderr, args[0]).toMatch(ONE_LINE);
        expect(r.stderr, args[0]).toContain(`the data directory ${dataDir} is damaged`);
        expect(r.stderr, args[0]).toContain('sightline fsck');
        expect(r.stderr, args[0]).toContain(BACKUP_SECTION);
        expect(r.stderr, args[0]).not.toMatch(/Aborted|ASSERTIONS|initialize/);
      }
      // Nothing was changed in it (but for the pid file PGlite's aborted start leaves), and the section pointed to is there.
      expect(listing(dataDir).filter((f) => !f.startsWith('/postmaster.pid '))).toEqual(before);
      expect(README).toContain(`### ${BACKUP_SECTION}`);
    });
  }
});

/** Replaces each file's bytes with as many random ones. */
function overwrite(files: string[]): void {
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) writeFileSync(f, randomBytes(statSync(f).size));
}

/** The non-empty files of the user tables and indexes (relation numbers from 16384) in every database of a cluster. */
function userRelationFiles(dataDir: string): string[] {
  const base = join(dataDir, 'base');
  return readdirSync(base).flatMap((db) =>
    readdirSync(join(base, db))
      .filter((f) => /^\d+$/.test(f) && Number(f) >= 16_384 && statSync(join(base, db, f)).size > 0)
      .map((f) => join(base, db, f)),
  );
}
