/**
 * End to end: a list of real Sightline logs (each a `sightline serve` process on its own
 * data directory), published by a small HTTP server in this test as a service publishes
 * them (an operator list, /logs.json, with each log's metadata document made by
 * `logMetadata`, and the logs/v0 list, /logs.txt). `sightline monitor --log-list --once`
 * audits every listed log; a following monitor picks up a log added to the list; and
 * `sightline witness --log-list` cosigns the listed logs' checkpoints, a log added later
 * included, without a restart.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { type LogDescription, formatLogList, logDirName, logMetadata, operatorList } from '../../src/discovery/index.js';
import { openNote, parseCosignatureVerifier } from '../../src/note/index.js';
import { formatAddCheckpointRequest } from '../../src/witness/index.js';
import { type ServerProcess, startCli, startServe, startWitness } from '../support/cli.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/waits.js';

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

interface Listed {
  readonly id: string;
  readonly origin: string;
  readonly server: ServerProcess;
  readonly vkey: string;
}

/** The discovery documents of `logs`, served as a Sightline service serves them. */
async function listServer(logs: Listed[]): Promise<string> {
  let base = '';
  const description = (l: Listed): LogDescription => ({
    id: l.id,
    name: l.id,
    origin: l.origin,
    vkey: l.vkey,
    submissionUrl: `${l.server.url}/`,
    monitoringUrl: `${l.server.url}/`,
    state: 'active',
    stateSince: new Date('2026-01-01T00:00:00Z'),
    mmdSeconds: 1,
    recordSchemas: [],
  });
  const server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    const one = /^\/logs\/([^/]+)\/metadata\.json$/.exec(path);
    const log = one === null ? undefined : logs.find((l) => l.id === one[1]);
    let body: string | undefined;
    if (path === '/logs.json') body = JSON.stringify(operatorList({ name: 'Test', contact: ['ops@example.org'] }, logs.map((l) => ({ log: description(l), metadataUrl: `${base}/logs/${l.id}/metadata.json` })), new Date()));
    else if (path === '/logs.txt') body = formatLogList(logs.map((l) => ({ vkey: l.vkey, origin: l.origin, qpd: 86400, contact: 'ops@example.org' })));
    else if (log !== undefined) body = JSON.stringify(logMetadata(description(log)));
    res.writeHead(body === undefined ? 404 : 200);
    res.end(body ?? '');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return base;
}

async function serveLog(id: string): Promise<Listed> {
  const origin = `${id}.lists.sightline.example/log`;
  const server = await startServe(['--data-dir', tempDir(`log-list-${id}`), '--origin', origin]);
  const vkey = String(server.lines.find((l) => l.msg === 'generated a new log key')!.verifierKey);
  return { id, origin, server, vkey };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

test('monitor --log-list audits every listed log, and a following monitor picks up a log added to the list', async () => {
  const logs: Listed[] = [];
  try {
    logs.push(await serveLog('dwp-2026'), await serveLog('hmrc-2026'));
    const base = await listServer(logs);
    const state = join(tempDir('log-list-monitor'), 'state');

    const once = await runCli(['monitor', '--log-list', `${base}/logs.json`, '--state', state, '--once']);
    expect(once.code, once.stderr).toBe(0);
    for (const l of logs.slice(0, 2)) expect(once.stdout).toMatch(new RegExp(`^${escape(l.origin)}: checkpoint \\d+ `, 'm'));
    expect(readdirSync(join(state, 'logs')).sort()).toEqual(logs.map((l) => logDirName(l.origin)).sort());

    // Following: a third log joins the list (the list server reads `logs` on every request).
    const monitor = startCli(['monitor', '--log-list', `${base}/logs.json`, '--state', state, '--interval', '0.2', '--list-interval', '1']);
    try {
      await monitor.until((o) => o.stderr.includes('following'), 'the monitor follows the listed logs');
      logs.push(await serveLog('nhs-2026'));
      await monitor.until((o) => new RegExp(`^${escape(logs[2]!.origin)}: checkpoint \\d+ `, 'm').test(o.stdout), 'the added log audited');
    } finally {
      expect(await monitor.stop()).toBe(0);
    }
    expect(readdirSync(join(state, 'logs'))).toContain(logDirName(logs[2]!.origin));
  } finally {
    await Promise.all(logs.map((l) => l.server.stop()));
  }
});

test('witness --log-list cosigns the checkpoints of the listed logs, and of a log added to the list without a restart', async () => {
  const logs: Listed[] = [];
  try {
    logs.push(await serveLog('council-2026'));
    const base = await listServer(logs);
    const witness = await startWitness(['--data-dir', tempDir('log-list-witness'), '--log-list', `${base}/logs.txt`, '--log-list-interval', '1', '--port', '0']);
    try {
      const listening = witness.lines.find((l) => l.msg === 'listening')!;
      const cosigner = parseCosignatureVerifier(String(listening.verifierKey));
      const cosign = async (l: Listed): Promise<number> => {
        const checkpoint = await (await fetch(`${l.server.url}/checkpoint`)).text();
        const res = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body: formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [], checkpoint }) });
        const body = await res.text();
        if (res.status === 200) expect(openNote(checkpoint + body, [cosigner]).verified).toHaveLength(1);
        return res.status;
      };
      expect(await cosign(logs[0]!)).toBe(200);

      logs.push(await serveLog('trust-2026'));
      await until(async () => (await cosign(logs[1]!)) === 200, 'the added log cosigned');
      expect(witness.lines.some((l) => l.msg === 'witnessing logs from the log list' && JSON.stringify(l.origins) === JSON.stringify([logs[1]!.origin]))).toBe(true);
    } finally {
      await witness.stop();
    }
  } finally {
    await Promise.all(logs.map((l) => l.server.stop()));
  }
});
