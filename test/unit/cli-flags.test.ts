/**
 * One flag table per command (src/cli/flags.ts): the parse options, the environment
 * fallbacks, the required-flag check and the help all come from it, so they cannot drift.
 * And the one usage error, the one key reader and the one terminal sanitiser.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SERVE_COMMAND, SERVE_HELP, parseServeArgs } from '../../src/config.js';
import { type CommandSpec, UsageError, commandHelp, parseCommand } from '../../src/cli/flags.js';
import { KEY_FORMS, keyTextOrFile, keyTextOrFileSync } from '../../src/cli/key-text.js';
import { errorLine, printable } from '../../src/cli/terminal.js';
import { isLogError } from '../../src/errors.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('cli-flags');

const SPEC: CommandSpec = {
  name: 'demo',
  summary: 'a demonstration',
  positionals: [{ name: 'URL', help: 'where' }],
  flags: [
    { name: 'size', value: 'N', env: 'DEMO_SIZE', default: '7', help: 'how many' },
    { name: 'name', value: 'NAME', required: true, env: 'DEMO_NAME', help: 'what it is called' },
    { name: 'tag', value: 'T', multiple: true, env: 'DEMO_TAGS', envSeparator: ';', help: 'a tag' },
    { name: 'loud', type: 'boolean', env: 'DEMO_LOUD', help: 'say it loudly' },
  ],
};

function parsed(args: string[], env: Record<string, string> = {}) {
  const p = parseCommand(SPEC, args, env);
  if (p === 'help') throw new Error('help');
  return p;
}

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('no error');
}

describe('a flag table', () => {
  test('gives the flag, else its environment variable, else its default; an empty variable counts as unset', () => {
    expect(parsed(['u', '--name', 'n']).string('size')).toBe('7');
    expect(parsed(['u', '--name', 'n'], { DEMO_SIZE: '9' }).string('size')).toBe('9');
    expect(parsed(['u', '--name', 'n', '--size', '3'], { DEMO_SIZE: '9' }).string('size')).toBe('3');
    expect(parsed(['u', '--name', 'n'], { DEMO_SIZE: '' }).string('size')).toBe('7');
    expect(parsed(['u'], { DEMO_NAME: 'from-env' }).string('name')).toBe('from-env');
    expect(parsed(['u', '--name', 'n', '--tag', 'a', '--tag', 'b']).strings('tag')).toEqual(['a', 'b']);
    expect(parsed(['u', '--name', 'n'], { DEMO_TAGS: 'a; b;' }).strings('tag')).toEqual(['a', 'b']);
    expect(parsed(['u', '--name', 'n'], { DEMO_LOUD: 'true' }).boolean('loud')).toBe(true);
    expect(parsed(['u', '--name', 'n'], { DEMO_LOUD: '0' }).boolean('loud')).toBe(false);
    expect(parsed(['u', '--name', 'n']).positionals).toEqual(['u']);
    expect(parseCommand(SPEC, ['--help'], {})).toBe('help');
  });

  test('refuses, as a usage error naming what is wrong: a missing required flag or positional, an unknown flag, a bad boolean variable, too many arguments', () => {
    expect(usageError(() => parsed(['u'])).message).toBe('demo needs --name (or DEMO_NAME); see sightline demo --help');
    expect(usageError(() => parsed(['u'])).field).toBe('name');
    expect(usageError(() => parsed(['--name', 'n'])).message).toBe('demo needs URL; see sightline demo --help');
    expect(usageError(() => parsed(['u', '--name', 'n', '--bogus'])).message).toMatch(/^demo: Unknown option '--bogus'.*; see sightline demo --help$/);
    expect(usageError(() => parsed(['u', 'v', '--name', 'n'])).message).toBe('demo: unexpected argument "v"; see sightline demo --help');
    expect(usageError(() => parsed(['u', '--name', 'n'], { DEMO_LOUD: 'yes' })).field).toBe('DEMO_LOUD');
    // A UsageError is a LogError naming the field, as configuration errors always were.
    expect(isLogError(usageError(() => parsed(['u'])), 'MALFORMED_REQUEST')).toBe(true);
  });

  test('its help names every flag, value, environment variable and default', () => {
    const help = commandHelp(SPEC);
    expect(help).toMatch(/^Usage: sightline demo URL --name NAME \[--size N\] \[--tag T …\] \[--loud\]\n/);
    for (const text of ['--size N', '[DEMO_SIZE]', '(default: 7)', '--name NAME', '[DEMO_NAME]', '(required)', '--tag T', 'separated by ";"', 'repeatable', '--loud', '[DEMO_LOUD=1]', '-h, --help']) {
      expect(help).toContain(text);
    }
    expect(help.split('\n').every((line) => line.length <= 100)).toBe(true);
  });

  test('serve: every flag of the table is in its help with its variable, and each variable works as the flag does', () => {
    for (const flag of SERVE_COMMAND.flags) {
      expect(SERVE_HELP).toContain(`--${flag.name}`);
      if (flag.env !== undefined) expect(SERVE_HELP).toContain(flag.env);
    }
    // --max-batch, once written in three places: the table alone now makes it.
    expect(parseServeArgs(['--max-batch', '12'], {})).toMatchObject({ maxBatch: 12 });
    expect(parseServeArgs([], { SIGHTLINE_MAX_BATCH: '13' })).toMatchObject({ maxBatch: 13 });
    expect(parseServeArgs([], {})).toMatchObject({ maxBatch: 4096, host: '127.0.0.1', port: 8080, origin: undefined });
    expect(parseServeArgs([], { HOST: '0.0.0.0', PORT: '9', SIGHTLINE_ORIGIN: 'o.example/log', SIGHTLINE_MAX_PENDING: '5' })).toMatchObject({
      host: '0.0.0.0',
      port: 9,
      origin: 'o.example/log',
      maxPending: 5,
    });
  });
});

describe('one key reader: the key, a file holding it, or - for standard input', () => {
  const key = 'subject-key:2026:' + 'ab'.repeat(32);

  test('reads each form alike', async () => {
    const file = join(dir, 'key.txt');
    writeFileSync(file, `${key}\n`);
    const io = { stdin: async () => new TextEncoder().encode(`${key}\n`) };
    expect(await keyTextOrFile(key, 'key', KEY_FORMS.held, io)).toBe(key);
    expect(await keyTextOrFile(file, 'key', KEY_FORMS.held, io)).toBe(key);
    expect(await keyTextOrFile('-', 'key', KEY_FORMS.held, io)).toBe(key);
    expect(keyTextOrFileSync(file, 'key', KEY_FORMS.held)).toBe(key);
  });

  test('neither a key nor a file: a usage error naming the flag, never repeating the value', async () => {
    const secret = 'sk_2026_0123456789abcdef';
    const e = await keyTextOrFile(secret, 'key', KEY_FORMS.held, { stdin: async () => new Uint8Array() }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toContain('--key');
    expect((e as Error).message).not.toContain(secret);
  });
});

test('one terminal sanitiser: control characters, escape sequences and bidirectional overrides cannot act', () => {
  expect(printable('a\u001b[2Jb\rc\u202ed\u2066e\u009bf\u061cg')).toBe('a\ufffd[2Jb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg');
  expect(printable('plain text, “quoted” — ünïcödé')).toBe('plain text, “quoted” — ünïcödé');
  expect(errorLine('first\u001b]0;title\u0007 line\nsecond line')).toBe('sightline: first\ufffd]0;title\ufffd line\n');
});
