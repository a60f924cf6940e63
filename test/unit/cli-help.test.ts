/**
 * The command line helps: every command and subcommand answers --help (the list comes from
 * the command table, so a new command without help fails here), `--version` prints the
 * package's version, a missing flag is named, and every usage error exits 2 with exactly one
 * line on stderr and nothing on stdout.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { COMMANDS, commandPaths } from '../../src/cli/run.js';
import { ed25519Signer } from '../../src/note/index.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('cli-help');

/** One line, `sightline: …`, and nothing else. */
const ONE_LINE = /^sightline: [^\n]+\n$/;

const VKEY = ed25519Signer('help.sightline.example/log', new Uint8Array(32).fill(5)).verifierKey;

describe('--help', () => {
  const paths = commandPaths();

  test('the table names every command, and each group its subcommands', () => {
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['serve', 'keygen', 'partner', 'partner add', 'partner set-key', 'partner list', 'partner revoke', 'operator', 'operator add', 'operator list', 'operator revoke', 'subject-key', 'advocate-key', 'import', 'publish', 'lookup', 'monitor', 'witness', 'verify', 'fsck']),
    );
  });

  test.each(paths.map((p) => [p.join(' '), p] as const))('sightline %s --help: its usage on stdout, exit 0', async (name, path) => {
    for (const flag of ['--help', '-h']) {
      const r = await runCli([...path, flag]);
      expect(r.stderr, `${name} ${flag}`).toBe('');
      expect(r.code, `${name} ${flag}`).toBe(0);
      expect(r.stdout, `${name} ${flag}`).toMatch(new RegExp(`^Usage: sightline ${name.replace(/[-]/g, '\\-')}\\b`));
    }
  });

  test('sightline --help lists every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) {
      for (const name of 'subcommands' in c ? c.subcommands.map((s) => s.spec.name) : [c.spec.name]) expect(r.stdout).toContain(`  ${name} `);
    }
  });

  test('every flag of every command is in its help, with its environment variable', async () => {
    for (const c of COMMANDS) {
      for (const command of 'subcommands' in c ? c.subcommands : [c]) {
        const r = await runCli([...command.spec.name.split(' '), '--help']);
        for (const flag of command.spec.flags) {
          expect(r.stdout, `${command.spec.name} --${flag.name}`).toContain(`--${flag.name}`);
          if (flag.env !== undefined) expect(r.stdout, `${command.spec.name} ${flag.env}`).toContain(flag.env);
        }
      }
    }
  });
});

test('--version and -V print the package version', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    expect(await runCli([flag])).toEqual({ code: 0, stdout: `sightline ${version}\n`, stderr: '' });
  }
});

describe('usage errors: exit 2, exactly one line on stderr, nothing on stdout', () => {
  test.each([
    [['subject-key', '--scheme', 'nino', '--id', 'AB123456C', '--year', '2026', '--purpose', 'p'], 'sightline: subject-key needs --legal-basis; see sightline subject-key --help\n'],
    [['lookup', '--scheme', 'nino', '--id', 'AB123456C', '--from', '2026-01-01', '--to', '2026-01-02'], 'sightline: lookup needs --key; see sightline lookup --help\n'],
    [['monitor', 'http://127.0.0.1:9'], 'sightline: monitor needs --log-key; see sightline monitor --help\n'],
    [['monitor', '--log-key', VKEY], 'sightline: monitor needs URL; see sightline monitor --help\n'],
    [['partner', 'set-key', 'p1'], 'sightline: partner set-key needs --public-key; see sightline partner set-key --help\n'],
    [['partner', 'add'], 'sightline: partner add needs ID; see sightline partner add --help\n'],
    [['verify', 'receipt.txt', '--entry', 'entry.bin'], 'sightline: verify needs --log-key; see sightline verify --help\n'],
    [['advocate-key', '--month', '2026-03'], 'sightline: advocate-key needs --key; see sightline advocate-key --help\n'],
    [['import', 'spend', 'f.csv', '--body', 'dwp'], 'sightline: import needs --log; see sightline import --help\n'],
    [['witness'], 'sightline: witness needs --log VKEY (repeatable), --config FILE or --log-list URL: no logs to witness; see sightline witness --help\n'],
  ])('a missing flag or argument is named: %j', async (args, stderr) => {
    expect(await runCli(args)).toEqual({ code: 2, stdout: '', stderr });
  });

  test('serve --port abc exits 2 naming --port, and writes nothing', async () => {
    const dataDir = join(dir, 'never');
    const r = await runCli(['serve', '--port', 'abc', '--data-dir', dataDir]);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'sightline: --port must be a whole number from 0 to 65535, got "abc"\n' });
    expect((await runCli(['serve', '--data-dir', dataDir], { PORT: 'abc' })).code).toBe(2);
  });

  test.each([
    ['nonsense'],
    ['partner'],
    ['partner', 'nonsense'],
    ['operator', 'add'],
    ['operator', 'list', 'extra'],
    ['keygen', '--bogus'],
    ['keygen', '--origin'],
    ['keygen', '--origin', 'has space'],
    ['serve', '--no-such-flag'],
    ['serve', '--max-batch', '0'],
    ['serve', '--connect-timeout', 'soon'],
    ['serve', '--database-url', 'mysql://x'],
    ['serve', '--witness', 'https://w.example'],
    ['fsck', '--sample', '0', '--data-dir', join(dir, 'none')],
    ['partner', 'list', '--json=yes'],
    ['subject-key', '--scheme', 'passport', '--id', 'x', '--year', '2026', '--purpose', 'p', '--legal-basis', 'l'],
    ['subject-key', '--scheme', 'nino', '--id', 'x', '--year', '26', '--purpose', 'p', '--legal-basis', 'l'],
    ['lookup', '--key', 'not-a-key', '--scheme', 'nino', '--id', 'AB123456C', '--from', '2026-01-01', '--to', '2026-01-02'],
    ['lookup', '--key', join(dir, 'missing'), '--scheme', 'nino', '--id', 'AB123456C', '--from', '2026-01-01', '--to', '2026-01-02'],
    ['monitor', 'ftp://x', '--log-key', VKEY],
    ['monitor', 'http://127.0.0.1:9', '--log-key', 'not a key'],
    ['monitor', 'http://127.0.0.1:9', '--log-key', VKEY, '--interval', 'often'],
    ['witness', '--log', 'not a key'],
    ['witness', '--log', VKEY, '--port', '99999'],
    ['witness', '--log', VKEY, '--name', 'a b'],
    ['verify', '--bundle', 'x'],
    ['verify', 'r', '--entry', 'e', '--log-key', VKEY, '--quorum', 'all'],
    ['advocate-key', '--key', 'not-a-key', '--day', '2026-03-01'],
    ['publish', 'spend', '--period', '2026-01', '--log', 'http://127.0.0.1:9', '--body', 'dwp'],
    ['publish', 'amend', '--period', '2026-01', '--log', 'http://127.0.0.1:9', '--body', 'dwp'],
    ['import', 'payments', 'f.csv', '--log', 'http://127.0.0.1:9', '--body', 'dwp'],
    ['import', 'spend', 'f.csv', '--log', 'ftp://x', '--body', 'dwp'],
    ['import', 'spend', 'f.csv', '--log', 'http://127.0.0.1:9', '--body', 'dwp'],
    ['import', 'spend', 'f.csv', '--log', 'http://127.0.0.1:9', '--body', 'dwp', '--period', '2026-13'],
    ['import', 'spend', 'f.csv', '--log', 'http://127.0.0.1:9', '--body', 'dwp', '--period', '2026-02-01..2026-01-01'],
  ])('%j', async (...args) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(ONE_LINE);
    expect(r.stdout).toBe('');
  });
});
