/**
 * A service of many logs, run in-process on PGlite (src/cli/service.ts): a configuration
 * checked before the disk is touched, a log added to the file while the service runs and
 * served at once, a log retired (final checkpoint, read-only, also after a restart), a shard
 * that refuses entries before its interval, and a log's write quota.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseServeArgs } from '../../src/config.js';
import { type RunningService, startService } from '../../src/cli/service.js';
import { openCheckpoint, parseNoteVerifier } from '../../src/note/index.js';
import { onCleanup } from '../support/cleanup.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/waits.js';

const OPERATOR = 'operator:\n  name: Test service\n  contact: [ops@test.example]\nlogs:\n';

function logYaml(id: string, extra: string[] = []): string {
  return [`  - id: ${id}`, `    name: Log ${id}`, `    origin: test.example/${id}`, ...extra.map((l) => `    ${l}`)].join('\n') + '\n';
}

async function start(dir: string, file: string): Promise<RunningService> {
  const config = parseServeArgs(['--port', '0', '--config', file, '--data-dir', join(dir, 'data')], {});
  if (config === 'help') throw new Error('unexpected help');
  const service = await startService(config, () => {});
  onCleanup(() => service.close()); // close() is idempotent: a test may stop it earlier
  return service;
}

async function partnerToken(dir: string, log: string): Promise<string> {
  const added = await runCli(['partner', 'add', `${log}-writer`, '--log', log, '--json', '--data-dir', join(dir, 'data')]);
  expect(added.stderr).toBe('');
  return (JSON.parse(added.stdout) as { token: string }).token;
}

const write = (service: RunningService, log: string, token: string, body: string) =>
  fetch(`${service.url}/logs/${log}/v1/entries`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });

describe('a service of many logs', () => {
  test('a configuration with a mistake is refused before anything is written', async () => {
    const dir = tempDir('service-bad-config');
    const file = join(dir, 'service.yaml');
    writeFileSync(file, OPERATOR + logYaml('a') + logYaml('b', ['origin: test.example/a']).replace('    origin: test.example/b\n', ''));
    const r = await runCli(['serve', '--port', '0', '--config', file, '--data-dir', join(dir, 'data')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/logs\[1\] \(b\): origin: origin "test\.example\/a" is already/);
    expect(existsSync(join(dir, 'data'))).toBe(false);
    const mixed = await runCli(['serve', '--port', '0', '--config', file, '--origin', 'x.example/log', '--data-dir', join(dir, 'data')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--origin sets the one log of a server without --config/);
  });

  test('a log added to the file while the service runs is served at once; one retired closes for ever', async () => {
    const dir = tempDir('service-reload');
    const file = join(dir, 'service.yaml');
    writeFileSync(file, OPERATOR + logYaml('first'));
    const service = await start(dir, file);
    expect([...service.logs.keys()]).toEqual(['first']);
    expect((await fetch(`${service.url}/logs/second/checkpoint`)).status).toBe(404);

    const added = await runCli(['log', 'add', 'second', '--config', file, '--name', 'Second', '--origin', 'test.example/second']);
    expect(added.code).toBe(0);
    await until(async () => (await fetch(`${service.url}/logs/second/checkpoint`)).status === 200, 'the added log served');
    const listed = (await (await fetch(`${service.url}/logs.json`)).json()) as { logs: unknown[] };
    expect(listed.logs).toHaveLength(2);

    const token = await partnerToken(dir, 'second');
    expect((await write(service, 'second', token, 'before the end')).status).toBe(201);
    const retired = await runCli(['log', 'retire', 'second', '--config', file]);
    expect(retired.code).toBe(0);
    await until(async () => ((await (await fetch(`${service.url}/logs/second/metadata.json`)).json()) as { state: string }).state === 'readonly', 'the retired log read-only');
    const metadata = (await (await fetch(`${service.url}/logs/second/metadata.json`)).json()) as { final_checkpoint: string; vkey: string };
    const final = openCheckpoint(metadata.final_checkpoint, parseNoteVerifier(metadata.vkey)).checkpoint;
    const refused = await write(service, 'second', token, 'after the end');
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe('LOG_READ_ONLY');
    // The other log is not affected.
    const other = await partnerToken(dir, 'first');
    expect((await write(service, 'first', other, 'still open')).status).toBe(201);
    await service.close();

    // After a restart, even with the retirement taken out of the file, the log stays closed.
    writeFileSync(file, OPERATOR + logYaml('first') + logYaml('second'));
    const again = await start(dir, file);
    const after = await write(again, 'second', token, 'after the restart');
    expect(after.status).toBe(409);
    const served = openCheckpoint(await (await fetch(`${again.url}/logs/second/checkpoint`)).text(), parseNoteVerifier(metadata.vkey)).checkpoint;
    expect(served.treeSize).toBe(final.treeSize);
    expect(((await (await fetch(`${again.url}/logs/second/metadata.json`)).json()) as { state: string }).state).toBe('readonly');
  });

  test('a shard refuses entries before its interval, and a log keeps to its quota', async () => {
    const dir = tempDir('service-interval');
    const file = join(dir, 'service.yaml');
    writeFileSync(
      file,
      OPERATOR + logYaml('later', ['interval: { start: 2999-01-01, end: 2999-12-31 }']) + logYaml('small', ['quota: { entriesPerSecond: 1 }']) + logYaml('full', ['quota: { storageBytes: 1 }']),
    );
    const service = await start(dir, file);
    const early = await write(service, 'later', await partnerToken(dir, 'later'), 'too early');
    expect(early.status).toBe(409);
    expect(((await early.json()) as { code: string }).code).toBe('OUTSIDE_INTERVAL');

    const token = await partnerToken(dir, 'small');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => write(service, 'small', token, `entry ${i}`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    const limited = answers.find((a) => a.status === 429);
    expect(limited?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(((await limited!.json()) as { detail: string }).detail).toMatch(/quota of 1 writes a second/);

    // A log at its storage quota refuses partner writes (its size is read at start, then every few seconds).
    const full = await write(service, 'full', await partnerToken(dir, 'full'), 'one byte too many');
    expect(full.status).toBe(507);
    expect(((await full.json()) as { code: string; detail: string })).toMatchObject({ code: 'QUOTA_EXCEEDED', detail: expect.stringMatching(/storage quota of 1$/) });
  });
});
