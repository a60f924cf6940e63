/**
 * `sightline mirror` and `sightline export`: their flags checked before anything is started or
 * written, each mistake one line naming the flag, exit status 2.
 */
import { describe, expect, test } from 'vitest';
import { parseCommand } from '../../src/cli/flags.js';
import { MIRROR_COMMAND, mirrorConfig } from '../../src/cli/mirror.js';
import { runCli } from '../support/run-cli.js';
import { logSigner } from '../support/witness-log.js';

const KEY = logSigner(3, 'cli.sightline.example/log').verifierKey;

function config(args: string[]) {
  const flags = parseCommand(MIRROR_COMMAND, args, {});
  if (flags === 'help') throw new Error('help');
  return mirrorConfig(flags);
}

describe('sightline mirror flags', () => {
  test('logs pushed to it, logs it follows (each URL with its key), and its defaults', () => {
    const c = config(['--log', KEY, '--follow', 'https://log.example/', '--log-key', KEY]);
    expect(c.logs).toEqual([{ origin: 'cli.sightline.example/log', verifiers: [expect.anything()], verifierKeys: [KEY] }]);
    expect(c.follow).toMatchObject([{ url: 'https://log.example/', origin: 'cli.sightline.example/log' }]);
    expect(c).toMatchObject({ port: 8082, followIntervalSeconds: 10, cacheMiB: 128 });
  });

  test.each([
    [[], /no logs to mirror/],
    [['--follow', 'https://log.example/'], /each --follow needs its --log-key: 1 --follow and 0 --log-key/],
    [['--follow', 'ftp://log.example/', '--log-key', KEY], /--follow "ftp:\/\/log.example\/" must be an http/],
    [['--log', 'not-a-key'], /not an Ed25519 verifier key|--log/],
    [['--log', KEY, '--follow-interval', '0'], /--follow-interval must be a number of seconds/],
    [['--log', KEY, '--name', 'has space'], /--name "has space" is not a valid key name/],
  ])('%j is refused with one line and status 2', async (args, message) => {
    const run = await runCli(['mirror', ...(args as string[])]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message as RegExp);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('sightline export flags', () => {
  test.each([
    [['--log-key', KEY], /export needs --to DIR/],
    [['--to', '/nonexistent/x'], /export needs --log-key/],
    [['--to', '/tmp/x', '--log-key', KEY, '--from', 'ftp://x'], /--from must be an http/],
    [['--to', '/tmp/x', '--log-key', KEY, '--interval', 'soon'], /--interval must be a number of seconds/],
  ])('%j is refused with one line and status 2', async (args, message) => {
    const run = await runCli(['export', ...(args as string[])]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message as RegExp);
  });
});
