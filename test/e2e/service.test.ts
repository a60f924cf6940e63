/**
 * End to end: one `sightline serve --config` hosting the logs of three bodies — HMRC, an NHS
 * trust, and the DWP in two yearly shards behind the alias `dwp` — with a witness cosigning
 * every log. The DWP's first shard ends during the test: it signs its final checkpoint,
 * refuses entries for ever (also after a restart), and its successor takes the partner's
 * next write through the alias with the same token. Every log is checked by an outside
 * client under its prefix, and discovered from the service's lists.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parseLogList } from '../../src/discovery/index.js';
import { generateKey, openCheckpoint, openNote, parseCosignatureVerifier, parseNoteVerifier } from '../../src/note/index.js';
import { verifyReceipt } from '../../src/receipt/index.js';
import { type ServerProcess, startServe, startWitness } from '../support/cli.js';
import { auditAsOutsideClient } from '../support/outside-client.js';
import { accessDraft, code, partnerKeyPair, signedEvent } from '../support/events.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/waits.js';

interface PlannedLog {
  readonly id: string;
  readonly name: string;
  readonly origin: string;
  readonly signerKey: string;
  readonly verifierKey: string;
  readonly alias?: string;
  readonly interval?: { start: string; end: string };
}

const iso = (ms: number) => new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');

function plan(id: string, name: string, options: Pick<PlannedLog, 'alias' | 'interval'> = {}): PlannedLog {
  const origin = `e2e.sightline.example/${id}`;
  return { id, name, origin, ...generateKey(origin), ...options };
}

function yaml(logs: readonly PlannedLog[], keyDir: string, witness: { url: string; key: string }): string {
  const lines = ['operator:', '  name: E2E transparency service', '  contact: [ops@e2e.example]', 'logs:'];
  for (const l of logs) {
    const keyFile = join(keyDir, `${l.id}.key`);
    writeFileSync(keyFile, `${l.signerKey}\n`, { mode: 0o600 });
    lines.push(`  - id: ${l.id}`, `    name: ${l.name}`, `    origin: ${l.origin}`, `    keyFile: ${keyFile}`);
    if (l.alias !== undefined) lines.push(`    alias: ${l.alias}`);
    if (l.interval !== undefined) lines.push(`    interval: { start: ${l.interval.start}, end: ${l.interval.end} }`);
    lines.push(`    witnesses: [{ url: "${witness.url}", key: "${witness.key}" }]`);
  }
  return `${lines.join('\n')}\n`;
}

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return (await res.json()) as T;
}

test('three bodies on one service: prefixes, discovery, a witness on every log, and a shard rollover through the alias', async () => {
  const dir = tempDir('service-e2e');
  const dataDir = join(dir, 'data');
  // The DWP's 2026 shard ends a little after the service is up; its successor starts then.
  const end = iso(Date.now() + 40_000);
  const logs = [
    plan('hmrc', 'HM Revenue and Customs'),
    plan('nhs-leeds', 'Leeds Teaching Hospitals NHS Trust'),
    plan('dwp-2026', 'Department for Work and Pensions, 2026', { alias: 'dwp', interval: { start: iso(Date.now() - 86_400_000), end } }),
    plan('dwp-2027', 'Department for Work and Pensions, 2027', { alias: 'dwp', interval: { start: end, end: iso(Date.now() + 366 * 86_400_000) } }),
  ];
  const verifiers = Object.fromEntries(logs.map((l) => [l.id, parseNoteVerifier(l.verifierKey)]));

  // The witness knows every log's key before the service starts.
  const witness = await startWitness(['--data-dir', join(dir, 'witness'), '--name', 'e2e.witness.example', ...logs.flatMap((l) => ['--log', l.verifierKey])]);
  let server: ServerProcess | undefined;
  const tokens: Record<string, string> = {};
  try {
    const witnessKey = String(witness.lines.find((l) => l.msg === 'listening')!.verifierKey);
    const cosigner = parseCosignatureVerifier(witnessKey);
    const configFile = join(dir, 'service.yaml');
    writeFileSync(configFile, yaml(logs, dir, { url: witness.url, key: witnessKey }));
    server = await startServe(['--config', configFile, '--data-dir', dataDir]);
    const base = server.url;

    // Discovery: the operator list, each log's metadata, and the logs/v0 list.
    const operatorList = await json<{ logs: { metadata_url: string }[] }>(`${base}/logs.json`);
    expect(operatorList.logs.map((l) => l.metadata_url)).toEqual(logs.map((l) => `${base}/logs/${l.id}/metadata.json`));
    for (const l of logs) {
      const metadata = await json<Record<string, unknown>>(`${base}/logs/${l.id}/metadata.json`);
      expect(metadata).toMatchObject({ origin: l.origin, vkey: l.verifierKey, log_spec: 'tlog-tiles', state: 'active', monitoring_endpoint: { url: `${base}/logs/${l.id}/` } });
    }
    expect((await json<{ successor?: string }>(`${base}/logs/dwp-2026/metadata.json`)).successor).toBe('dwp-2027');
    const list = parseLogList(await (await fetch(`${base}/logs.txt`)).text());
    expect(list.map((e) => [e.origin, e.vkey])).toEqual(logs.map((l) => [l.origin, l.verifierKey]));

    // A partner of each body; the DWP's is given to its current shard.
    const partnerKey = (id: string) => partnerKeyPair(`${id}-system`);
    for (const id of ['hmrc', 'nhs-leeds', 'dwp-2026']) {
      const publicKey = Buffer.from(partnerKey(id).publicKey).toString('base64');
      const added = await runCli(['partner', 'add', `${id}-system`, '--log', id, '--public-key', publicKey, '--json', '--data-dir', dataDir]);
      expect(added.stderr, id).toBe('');
      tokens[id] = (JSON.parse(added.stdout) as { token: string }).token;
    }
    const submit = (path: string, token: string, body: string) =>
      fetch(`${base}${path}/v1/entries`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });

    // Each log takes its body's writes at its own prefix, and only with its own partners' tokens.
    for (const id of ['hmrc', 'nhs-leeds']) {
      const res = await submit(`/logs/${id}`, tokens[id]!, `${id}: first entry`);
      expect(res.status, id).toBe(201);
      const { receipt } = (await res.json()) as { receipt: string };
      expect(verifyReceipt(receipt, new TextEncoder().encode(`${id}: first entry`), { log: verifiers[id]! }).leafIndex).toBeGreaterThan(0);
    }
    expect((await submit('/logs/hmrc', tokens['nhs-leeds']!, 'not a partner here')).status).toBe(401);

    // One claimant's data is used by all three bodies: a typed event in each body's log, made
    // this hour, signed by its partner for the log it goes to.
    const claimant = 'AB123456C';
    const hour = new Date().toISOString().slice(0, 13);
    const recordAccess = async (path: string, id: string, origin: string, seq: number) => {
      const body = signedEvent(accessDraft(`${id}-system`, seq, hour, claimant), origin, partnerKey(id).seed);
      const res = await fetch(`${base}${path}/v1/events`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${tokens[id]}`, 'content-type': 'application/json' } });
      expect(res.status, `${path}: ${await res.clone().text()}`).toBe(201);
      return res;
    };
    await recordAccess('/logs/hmrc', 'hmrc', 'e2e.sightline.example/hmrc', 1);
    await recordAccess('/logs/nhs-leeds', 'nhs-leeds', 'e2e.sightline.example/nhs-leeds', 1);
    await recordAccess('/logs/dwp', 'dwp-2026', 'e2e.sightline.example/dwp-2026', 1);

    // Through the alias, the DWP's write goes to the shard of now, which says so.
    const before = await submit('/logs/dwp', tokens['dwp-2026']!, 'dwp: before the turn of the year');
    expect(before.status).toBe(201);
    expect(before.headers.get('content-location')).toBe('/logs/dwp-2026/v1/entries');

    // Every log's checkpoint is cosigned by the witness (an empty log's is not offered to it).
    const cosigned = (id: string) =>
      until(async () => {
        // 404 until the witness has cosigned one: a log with witnesses serves only those.
        const res = await fetch(`${base}/logs/${id}/checkpoint`);
        return res.status === 200 && openNote(await res.text(), [verifiers[id]!, cosigner]).verified.length === 2;
      }, `${id}'s checkpoint cosigned by the witness`);
    for (const id of ['hmrc', 'nhs-leeds', 'dwp-2026']) await cosigned(id);

    // The turn of the year: the 2026 shard closes for ever with a final checkpoint.
    await until(async () => (await json<{ state: string }>(`${base}/logs/dwp-2026/metadata.json`)).state === 'readonly', 'dwp-2026 read-only', 200);
    const closed = await json<{ final_checkpoint: string; final_tree_head: { tree_size: number } }>(`${base}/logs/dwp-2026/metadata.json`);
    const final = openCheckpoint(closed.final_checkpoint, verifiers['dwp-2026']!).checkpoint;
    expect(final.treeSize).toBe(closed.final_tree_head.tree_size);
    // Its last entry names the log after it, with that log's key.
    const lastEntry = await json<{ data: string }>(`${base}/logs/dwp-2026/v1/entries/${final.treeSize - 1}`);
    expect(JSON.parse(Buffer.from(lastEntry.data, 'base64').toString('utf8'))).toEqual({ v: 1, record: 'successor', origin: logs[3]!.origin, vkey: logs[3]!.verifierKey, start: end });
    const refused = await submit('/logs/dwp-2026', tokens['dwp-2026']!, 'dwp: too late');
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe('LOG_READ_ONLY');

    // The partner's next write, unchanged (same URL, same token), lands in the successor.
    const after = await submit('/logs/dwp', tokens['dwp-2026']!, 'dwp: after the turn of the year');
    expect(after.status).toBe(201);
    expect(after.headers.get('content-location')).toBe('/logs/dwp-2027/v1/entries');
    const { receipt } = (await after.json()) as { receipt: string };
    verifyReceipt(receipt, new TextEncoder().encode('dwp: after the turn of the year'), { log: verifiers['dwp-2027']! });
    await cosigned('dwp-2027');
    // The successor numbers the partner's events afresh, as a log of its own.
    const last = (await (await recordAccess('/logs/dwp', 'dwp-2026', 'e2e.sightline.example/dwp-2027', 1)).json()) as { index: number };
    // A log with witnesses serves the checkpoint they cosigned: wait until it covers the event.
    await until(async () => {
      const res = await fetch(`${base}/logs/dwp-2027/checkpoint`);
      return res.status === 200 && openCheckpoint(await res.text(), verifiers['dwp-2027']!).checkpoint.treeSize > last.index;
    }, 'the witnessed checkpoint of dwp-2027 to cover its event');

    // The claimant's subject key for the year is the service's: issued on one log, it finds
    // their records in every log, and the lookup says which body each came from.
    const issued = await runCli(['subject-key', '--log', 'hmrc', '--scheme', 'nino', '--id', claimant, '--year', hour.slice(0, 4), '--purpose', code('purposes'), '--legal-basis', code('legalBases'), '--data-dir', dataDir]);
    expect(issued.stderr).toBe('');
    // The issue is recorded in hmrc's log first: wait until the witnessed checkpoint covers it
    // (a log with witnesses serves only what they cosigned), as every entry of the log.
    const { treeSize: hmrcSize } = await json<{ treeSize: number }>(`${base}/logs/hmrc/v1/log`);
    await until(async () => {
      const res = await fetch(`${base}/logs/hmrc/checkpoint`);
      return res.status === 200 && openCheckpoint(await res.text(), verifiers['hmrc']!).checkpoint.treeSize >= hmrcSize;
    }, "the witnessed checkpoint of hmrc to cover the subject key's issue");
    const today = hour.slice(0, 10);
    const found = await runCli(['lookup', '--service', base, '--key', issued.stdout.trim(), '--scheme', 'nino', '--id', claimant, '--from', today, '--to', today, '--json']);
    const byLog = (JSON.parse(found.stdout) as { logs: { origin: string; error?: string; rows: { type: string; verified: boolean; problems: string[] }[] }[] }).logs;
    const problems = byLog.flatMap((l) => [...(l.error === undefined ? [] : [`${l.origin}: ${l.error}`]), ...l.rows.flatMap((r) => r.problems.map((p) => `${l.origin} ${r.type}: ${p}`))]);
    expect(problems).toEqual([]);
    expect(found.code, found.stderr).toBe(0);
    expect(Object.fromEntries(byLog.map((l) => [l.origin, l.rows.map((r) => `${r.type}${r.verified ? '' : ' (unverified)'}`).sort()]))).toEqual({
      'e2e.sightline.example/hmrc': ['access', 'subject-key'],
      'e2e.sightline.example/nhs-leeds': ['access'],
      'e2e.sightline.example/dwp-2026': ['access'],
      'e2e.sightline.example/dwp-2027': ['access'],
    });

    // An outside client checks every log under its prefix, trusting only the log's key.
    for (const l of logs) await auditAsOutsideClient(`${base}/logs/${l.id}`, verifiers[l.id]!);
    expect((await auditAsOutsideClient(`${base}/logs/dwp-2026`, verifiers['dwp-2026']!)).treeSize).toBe(final.treeSize);

    // A monitor follows the service's list: every log audited, the closed one to its final checkpoint.
    const monitored = await runCli(['monitor', '--log-list', `${base}/logs.json`, '--once', '--state', join(dir, 'monitor')]);
    expect(monitored.stderr).not.toMatch(/misbehaved|evidence/);
    expect(monitored.code).toBe(0);
    for (const l of logs) expect(monitored.stdout + monitored.stderr).toContain(l.origin);
  } finally {
    if (server !== undefined) expect(await server.stop()).toBe(0);
  }

  // Read-only for ever: after a restart too, and the final checkpoint is what it serves.
  server = await startServe(['--config', join(dir, 'service.yaml'), '--data-dir', dataDir]);
  try {
    const metadata = await json<{ state: string; final_checkpoint: string }>(`${server.url}/logs/dwp-2026/metadata.json`);
    expect(metadata.state).toBe('readonly');
    const final = openCheckpoint(metadata.final_checkpoint, verifiers['dwp-2026']!).checkpoint;
    const served = openCheckpoint(await (await fetch(`${server.url}/logs/dwp-2026/checkpoint`)).text(), verifiers['dwp-2026']!).checkpoint;
    expect([served.treeSize, Buffer.from(served.rootHash).toString('hex')]).toEqual([final.treeSize, Buffer.from(final.rootHash).toString('hex')]);
    const refused = await fetch(`${server.url}/logs/dwp-2026/v1/entries`, { method: 'POST', body: 'after the restart', headers: { authorization: `Bearer ${tokens['dwp-2026']}` } });
    expect(refused.status).toBe(409);
    const again = await runCli(['partner', 'list', '--log', 'dwp-2027', '--json', '--data-dir', dataDir]);
    expect((JSON.parse(again.stdout) as { id: string }[]).map((p) => p.id)).toContain('dwp-2026-system');
  } finally {
    expect(await server.stop()).toBe(0);
    expect(await witness.stop()).toBe(0);
  }
});
