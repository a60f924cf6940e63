/**
 * End to end: `sightline monitor --once` (in-process) against the real server process (PGlite)
 * holding raw entries and typed events, audited, then resumed from its state; and against
 * a small HTTP log that serves a tampered tile: exit 3, evidence written, and a webhook
 * alert that carries no entry contents. Following, stopped by SIGTERM, runs the real process.
 */
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { decodeBase64, encodeBase64, utf8 } from '../../src/encoding/index.js';
import { startCli, startServe } from '../support/cli.js';
import { runCli } from '../support/run-cli.js';
import { accessDraft, partnerKeyPair, signedEvent } from '../support/events.js';
import { FakeLog, flip, logSigner } from '../support/fake-log.js';
import { tempDir } from '../support/temp.js';

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

const ORIGIN = 'monitor.sightline.example/log';

test('monitor --once audits a real log, then resumes from its state and audits only the new entries', async () => {
  const dataDir = tempDir('sightline-monitor-e2e-');
  const stateDir = join(tempDir('sightline-monitor-state-'), 'state');
  const server = await startServe(['--data-dir', dataDir, '--origin', ORIGIN]);
  try {
    const logKey = String(server.lines.find((l) => l.msg === 'generated a new log key')!.verifierKey);
    const publicKey = Buffer.from(partnerKeyPair('dwp-uc').publicKey).toString('base64');
    const added = await runCli(['partner', 'add', 'dwp-uc', '--public-key', publicKey, '--json', '--data-dir', dataDir]);
    expect(added.stderr).toBe('');
    const token = (JSON.parse(added.stdout) as { token: string }).token;

    const postEntries = async (from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        const res = await fetch(`${server.url}/v1/entries`, { method: 'POST', body: `raw entry ${i}`, headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBeLessThan(300);
        await res.arrayBuffer();
      }
    };
    const postEvent = async (seq: number) => {
      const body = signedEvent(accessDraft('dwp-uc', seq, '2026-06-01T09'), ORIGIN, partnerKeyPair('dwp-uc').seed);
      const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status, await res.text()).toBe(201);
    };
    await postEntries(0, 5);
    for (const seq of [1, 2, 3]) await postEvent(seq);
    const size1 = 1 + 1 + 5 + 3; // the code-lists record, the operator's record of the token, raw entries, the events

    const first = await runCli(['monitor', server.url, '--log-key', logKey, '--state', stateDir, '--once']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines1 = first.stdout.trim().split('\n');
    expect(lines1).toHaveLength(1);
    expect(lines1[0]).toMatch(new RegExp(`^checkpoint ${size1} \\(\\+${size1} entries\\) root \\S{16} consistent with 0: audited, 4 events checked$`)); // the partner's three, and the operator's record of its token
    const state1 = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { treeSize: number; partners: Record<string, { highest: number }> };
    expect(state1.treeSize).toBe(size1);
    expect(state1.partners['dwp-uc']!.highest).toBe(3);
    expect(readFileSync(join(stateDir, 'checkpoints', String(size1)), 'utf8')).toMatch(new RegExp(`^${ORIGIN.replace(/\./g, '\\.')}\\n${size1}\\n`));

    // Nothing new: nothing to say.
    const idle = await runCli(['monitor', server.url, '--log-key', logKey, '--state', stateDir, '--once']);
    expect(idle).toMatchObject({ code: 0, stdout: '', stderr: '' });

    await postEntries(5, 300);
    await postEvent(4);
    const size2 = size1 + 301;
    const second = await runCli(['monitor', server.url, '--log-key', logKey, '--state', stateDir, '--once']);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^checkpoint ${size2} \\(\\+301 entries\\) root \\S{16} consistent with ${size1}: audited, 1 event checked$`))]);
    expect(readdirSync(join(stateDir, 'checkpoints')).sort()).toEqual([String(size1), String(size2)].sort());
    expect(existsSync(join(stateDir, 'evidence'))).toBe(false);
  } finally {
    await server.stop();
  }
});

async function listen(handler: (req: IncomingMessage, body: Buffer) => { status: number; body?: Uint8Array | string }): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = handler(req, Buffer.concat(chunks));
      res.writeHead(answer.status);
      res.end(answer.body ?? '');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('monitor --once against a log serving a tampered tile: exit 3, evidence, and a webhook alert with references only', async () => {
  const log = new FakeLog().appendRaw(300, 300, 'secret entry');
  const tampered = 'tile/0/000';
  const logUrl = await listen((req) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname.slice(1));
    if (path === 'checkpoint') return { status: 200, body: log.checkpoint() };
    const data = log.serve(path, log.size);
    if (data === undefined) return { status: 404 };
    return { status: 200, body: path === tampered ? flip(data, 100) : data };
  });
  const alerts: { headers: IncomingMessage['headers']; body: string }[] = [];
  const webhook = await listen((req, body) => {
    alerts.push({ headers: req.headers, body: body.toString('utf8') });
    return { status: 204 };
  });
  const stateDir = tempDir('sightline-monitor-tamper-');

  const run = await runCli(['monitor', logUrl, '--log-key', log.signer.verifierKey, '--state', stateDir, '--once', '--webhook', `${webhook}/alerts`]);
  expect(run.code).toBe(3);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/the log misbehaved \(tile-mismatch\)/);

  const files = readdirSync(join(stateDir, 'evidence'));
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(/^\d{8}T\d{6}\.\d{3}Z-tile-mismatch\.json$/);
  const bytes = readFileSync(join(stateDir, 'evidence', files[0]!));
  const evidence = JSON.parse(bytes.toString('utf8')) as Record<string, any>;
  expect(evidence).toMatchObject({
    version: 1,
    kind: 'tile-mismatch',
    log: { url: logUrl, origin: log.signer.name, logKey: log.signer.verifierKey },
    previous: null,
    checkpoint: { treeSize: 300, rootHash: encodeBase64(log.root()), note: log.checkpoint() },
    leafIndex: 3, // byte 100 is in the fourth hash
    tile: { path: tampered },
  });
  expect(decodeBase64(evidence.entry)).toEqual(utf8('secret entry 3'));
  const computed = decodeBase64(evidence.tile.computed)!;
  expect(decodeBase64(evidence.tile.served)).toEqual(flip(computed, 100));
  expect(computed).toEqual(log.serve(tampered, 300));

  expect(alerts).toHaveLength(1);
  expect(alerts[0]!.headers['content-type']).toBe('application/json');
  const alert = JSON.parse(alerts[0]!.body) as Record<string, unknown>;
  expect(alert).toEqual({
    kind: 'tile-mismatch',
    origin: log.signer.name,
    previousTreeSize: null,
    treeSize: 300,
    leafIndex: 3,
    evidence: files[0],
    evidenceSha256: createHash('sha256').update(bytes).digest('hex'),
  });
  expect(alerts[0]!.body).not.toContain('secret');
  expect(alerts[0]!.body).not.toContain(evidence.entry as string);

  // The state did not move past what was verified: nothing.
  expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
});

test('a first run with the key of another log, or at the wrong URL: one line naming what to check, exit 2, no evidence, no alert; once verified, a bad signature is evidence', async () => {
  const log = new FakeLog().appendRaw(10);
  const other = new FakeLog(logSigner(new Uint8Array(32).fill(9), 'other.example/log')).appendRaw(3);
  let serving = log;
  let note: string | undefined;
  const logUrl = await listen((req) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname.slice(1));
    if (path === 'checkpoint') return { status: 200, body: note ?? serving.checkpoint() };
    const data = serving.serve(path, serving.size);
    return data === undefined ? { status: 404 } : { status: 200, body: data };
  });
  const pageUrl = await listen(() => ({ status: 200, body: '<!doctype html><title>Welcome</title>' }));
  const alerts: string[] = [];
  const webhook = await listen((_req, body) => {
    alerts.push(body.toString('utf8'));
    return { status: 204 };
  });

  const firstRun = async (url: string, key: string) => {
    const stateDir = tempDir('sightline-monitor-config-');
    const run = await runCli(['monitor', url, '--log-key', key, '--state', stateDir, '--once', '--webhook', webhook]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toContain('misbehaved');
    expect(existsSync(join(stateDir, 'evidence'))).toBe(false);
    expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
    return run.stderr;
  };
  // The key of another log, the log of another key, and a URL that serves no log at all.
  expect(await firstRun(logUrl, other.signer.verifierKey)).toMatch(/origin "monitor\.test\.example\/log"\) is not signed by --log-key other\.example\/log: check the log key and the URL\n$/);
  serving = other;
  expect(await firstRun(logUrl, log.signer.verifierKey)).toMatch(/check the log key and the URL\n$/);
  expect(await firstRun(pageUrl, log.signer.verifierKey)).toMatch(/is not a signed checkpoint .*: check the URL\n$/);
  expect(await firstRun(`${logUrl}/not/the/log`, log.signer.verifierKey)).toMatch(/serves no checkpoint \(GET checkpoint answered 404\): check the URL/);
  // Following does not retry a wrong setting either.
  const following = await runCli(['monitor', logUrl, '--log-key', log.signer.verifierKey, '--state', tempDir('sightline-monitor-config-'), '--interval', '0.2', '--webhook', webhook]);
  expect(following.code).toBe(2);
  expect(alerts).toEqual([]);

  // Verified once with the key, the same log then serving a checkpoint the key did not sign: evidence.
  serving = log;
  const stateDir = tempDir('sightline-monitor-config-');
  expect((await runCli(['monitor', logUrl, '--log-key', log.signer.verifierKey, '--state', stateDir, '--once'])).code).toBe(0);
  note = other.checkpoint();
  const later = await runCli(['monitor', logUrl, '--log-key', log.signer.verifierKey, '--state', stateDir, '--once', '--webhook', webhook]);
  expect(later.code).toBe(3);
  expect(later.stderr).toMatch(/the log misbehaved \(checkpoint-signature\)/);
  expect(readdirSync(join(stateDir, 'evidence'))).toHaveLength(1);
  expect(alerts).toHaveLength(1);
});

test('monitor usage errors exit 2; an unreachable log exits 1 with one line', async () => {
  const log = new FakeLog();
  expect((await runCli(['monitor'])).code).toBe(2);
  expect((await runCli(['monitor', 'http://127.0.0.1:9', '--log-key', 'not a key'])).code).toBe(2);
  const help = await runCli(['monitor', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('--gap-window');
  const stateDir = tempDir('sightline-monitor-down-');
  const down = await runCli(['monitor', 'http://127.0.0.1:9', '--log-key', log.signer.verifierKey, '--state', stateDir, '--once']);
  expect(down.code).toBe(1);
  expect(down.stderr.trim().split('\n')).toHaveLength(1);
});

test('following: polls, audits each new checkpoint, retries a failing log, and on SIGTERM saves state and exits 0', async () => {
  const log = new FakeLog().appendRaw(10);
  let failing = false;
  const logUrl = await listen((req) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname.slice(1));
    if (path === 'checkpoint') return failing ? { status: 503 } : { status: 200, body: log.checkpoint() };
    const data = log.serve(path, log.size);
    return data === undefined ? { status: 404 } : { status: 200, body: data };
  });
  const stateDir = tempDir('sightline-monitor-follow-');
  const monitor = startCli(['monitor', logUrl, '--log-key', log.signer.verifierKey, '--state', stateDir, '--interval', '0.2']);
  await monitor.until((out) => out.stdout.includes('checkpoint 10 '), 'the first checkpoint audited');
  failing = true;
  await monitor.until((out) => /retrying in 1 s/.test(out.stderr), 'a retry announced');
  log.appendRaw(300);
  failing = false;
  await monitor.until((out) => out.stdout.includes('checkpoint 310 (+300 entries)'), 'the grown checkpoint audited');
  expect(monitor.output.stdout.includes('consistent with 10')).toBe(true);
  expect(await monitor.stop()).toBe(0);
  const stdout = monitor.output.stdout;
  expect((JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { treeSize: number }).treeSize).toBe(310);
  expect(stdout.trim().split('\n')).toHaveLength(2);
});
