/**
 * `serve` checks everything its flags name before it writes anything: a port in use, an
 * invalid --origin, a missing --key-file or --codes file once failed only after the data
 * directory (and a new log key in it) had been made, leaving a half-made log behind.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { onCleanup } from '../support/cleanup.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('serve-checks-first');

/** One line, `sightline: …`, and nothing else. */
const ONE_LINE = /^sightline: [^\n]+\n$/;

describe('serve writes nothing until its flags are known to be good', () => {
  test('a port in use: one line naming the port and --port, no data directory made', async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => other.close(() => resolve())));
    const { port } = other.address() as AddressInfo;
    const dataDir = join(dir, 'port-in-use');
    const r = await runCli(['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(ONE_LINE);
    expect(r.stderr).toBe(`sightline: port ${port} on 127.0.0.1 is already in use: stop what listens there, or give another --port\n`);
    expect(r.stdout).toBe('');
    expect(existsSync(dataDir)).toBe(false);
  });

  test('the witness too: a port in use is one line naming --port, and no witness key is made', async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => other.close(() => resolve())));
    const { port } = other.address() as AddressInfo;
    const verifierKey = (await runCli(['keygen', '--origin', 'ports.sightline.example/log'])).stdout.trim().split('\n')[1]!;
    const dataDir = join(dir, 'witness-port-in-use');
    const r = await runCli(['witness', '--log', verifierKey, '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`sightline: port ${port} on 127.0.0.1 is already in use: stop what listens there, or give another --port\n`);
    expect(existsSync(dataDir)).toBe(false);
  });

  test('an invalid --origin (flag or environment): one line naming it, no data directory made', async () => {
    for (const [args, env] of [
      [['--origin', 'has space'], {}],
      [['--origin', 'a+b'], {}],
      [[], { SIGHTLINE_ORIGIN: 'has space' }],
    ] as const) {
      const dataDir = join(dir, 'bad-origin');
      const r = await runCli(['serve', '--port', '0', '--data-dir', dataDir, ...args], env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(ONE_LINE);
      expect(r.stderr).toContain('--origin');
      expect(existsSync(dataDir)).toBe(false);
    }
  });

  test('a --key-file or --codes file that is missing or not valid: one line, no data directory made', async () => {
    const notAKey = join(dir, 'not-a-key');
    writeFileSync(notAKey, 'not a key\n');
    for (const args of [['--key-file', join(dir, 'missing.key')], ['--key-file', notAKey], ['--codes', join(dir, 'missing.json')], ['--codes', notAKey]]) {
      const dataDir = join(dir, 'bad-file');
      const r = await runCli(['serve', '--port', '0', '--data-dir', dataDir, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(ONE_LINE);
      expect(existsSync(dataDir), args.join(' ')).toBe(false);
    }
  });
});
