/**
 * `runCli`, the command line in-process: the contract the executable keeps (one
 * `sightline: …` line on stderr, exit 2 for a usage error and 1 for any other), output only
 * through the io given, the environment only from it, and nothing left behind in the
 * process: no exit code set, no signal handler, no data directory held.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ed25519Signer } from '../../src/note/index.js';
import { LOCK_FILE } from '../../src/storage/index.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('cli-run');

/** One line, `sightline: …`, and nothing else. */
const ONE_LINE = /^sightline: [^\n]+\n$/;

describe('runCli', () => {
  test('an unknown command: exit 2, one line on stderr, nothing on stdout', async () => {
    const r = await runCli(['nonsense']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'sightline: unknown command "nonsense"; see sightline --help\n' });
  });

  test('usage errors exit 2 with one line: an unknown flag, a bad value, a missing argument', async () => {
    for (const args of [['keygen', '--bogus'], ['keygen', '--origin', 'has space'], ['fsck', '--sample', '0', '--data-dir', dir], ['partner', 'add'], ['verify', '--bundle', 'x']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(ONE_LINE);
      expect(r.stdout, args.join(' ')).toBe('');
    }
  });

  test('a failure that is not a usage error exits 1 with one line', async () => {
    const notADirectory = join(dir, 'a-file');
    writeFileSync(notADirectory, 'not a directory');
    const r = await runCli(['fsck', '--data-dir', notADirectory]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(ONE_LINE);
    expect(r.stdout).toBe('');
  });

  test('keygen prints two lines, the signer key and its verifier key', async () => {
    const r = await runCli(['keygen', '--origin', 'run.sightline.example/log']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^PRIVATE\+KEY\+run\.sightline\.example\/log\+[0-9a-f]{8}\+\S+\nrun\.sightline\.example\/log\+[0-9a-f]{8}\+\S+\n$/);
    const again = await runCli(['keygen', '--origin', 'run.sightline.example/log']);
    expect(again.stdout).not.toBe(r.stdout);
  });

  test('help goes to stdout with exit 0', async () => {
    for (const args of [[], ['--help'], ['help']]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: sightline <command>/);
      expect(r.stderr).toBe('');
    }
  });

  test('subject-key reads --id - from the stdin given, and the key file from the env given; each issue is recorded in the log', async () => {
    const keys = join(dir, 'tag-keys.json');
    writeFileSync(keys, JSON.stringify({ '2026': '3c'.repeat(32) }), { mode: 0o600 });
    const args = ['subject-key', '--scheme', 'nino', '--year', '2026', '--purpose', 'subject-access-request', '--legal-basis', 'ukgdpr-6-1-c', '--data-dir', join(dir, 'keys-log')];
    const given = await runCli([...args, '--id', 'AB123456C', '--tag-key-file', keys]);
    expect(given.stderr).toBe('');
    expect(given.code).toBe(0);
    expect(given.stdout).toMatch(/^subject-key:2026:[0-9a-f]{64}\n$/);
    expect(process.env.SIGHTLINE_TAG_KEY_FILE).toBeUndefined();
    const piped = await runCli([...args, '--id', '-'], { SIGHTLINE_TAG_KEY_FILE: keys }, 'AB123456C\n');
    expect(piped).toEqual(given);
    // Without why and under which law, no key is given.
    const unexplained = await runCli(['subject-key', '--scheme', 'nino', '--year', '2026', '--id', 'AB123456C', '--tag-key-file', keys, '--data-dir', join(dir, 'keys-log')]);
    expect(unexplained.code).toBe(2);
    expect(unexplained.stdout).toBe('');
    // The log holds the code lists it checked the events against, and the two issues.
    const checked = await runCli(['fsck', '--data-dir', join(dir, 'keys-log')]);
    expect(checked.stdout).toMatch(/^fsck: ok, 3 entries/m);
  });

  test('an account change for a log whose key is not at hand is refused in one line, and nothing is changed or written', async () => {
    const data = join(dir, 'keyless');
    expect((await runCli(['partner', 'add', 'first', '--data-dir', data])).code).toBe(0); // a new log: its key made here, as serve would
    rmSync(join(data, 'log.key'));
    const refused = await runCli(['partner', 'add', 'second', '--data-dir', data]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("sightline: recording this change in the log needs the log's key: pass --key-file FILE (or set SIGHTLINE_KEY_FILE)\n");
    expect(existsSync(join(data, 'log.key'))).toBe(false);
    const listed = await runCli(['partner', 'list', '--json', '--data-dir', data]);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((p) => p.id).sort()).toEqual(['first', 'log-operator']);
  });

  test('leaves no trace in the process: no exit code, no signal handler, the data directory released', async () => {
    const exitCode = process.exitCode;
    const listeners = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
    const down = await runCli(['monitor', 'http://127.0.0.1:9', '--log-key', ed25519Signer('run.sightline.example/log', new Uint8Array(32).fill(7)).verifierKey, '--state', join(dir, 'monitor'), '--once']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(ONE_LINE);

    // A DATABASE_URL of this process must not turn a PGlite run into a PostgreSQL one.
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres://nobody@127.0.0.1:9/none';
    try {
      const dataDir = join(dir, 'data');
      const added = await runCli(['operator', 'add', 'casework', '--data-dir', dataDir]);
      expect(added.stderr).toBe('');
      expect(added.code).toBe(0);
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
      const listed = await runCli(['operator', 'list', '--data-dir', dataDir]);
      expect(listed).toEqual({ code: 0, stdout: 'ID        STATUS\ncasework  active\n', stderr: '' });
      const failed = await runCli(['operator', 'add', 'casework', '--data-dir', dataDir]); // a second time: refused
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(ONE_LINE);
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
    expect(process.exitCode).toBe(exitCode);
    expect({ SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') }).toEqual(listeners);
  });
});
