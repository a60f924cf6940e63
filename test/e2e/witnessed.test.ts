/**
 * End to end with real processes: a log (PGlite) with two `sightline witness` servers and
 * quorum 2, under concurrent write load. Every `?witnessed=true` receipt carries both
 * cosignatures and verifies offline — in-process and with `sightline verify` and the witness
 * keys; `sightline monitor` follows the log to its last witnessed checkpoint with a full
 * audit; and the log, restarted, keeps serving its witnessed checkpoint.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { cosignatureVerifier, openNote, parseCosignatureVerifier, parseNoteVerifier } from '../../src/note/index.js';
import { verifyReceipt } from '../../src/receipt/index.js';
import { type ServerProcess, startCli, startServe, startWitness } from '../support/cli.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/waits.js';

const ORIGIN = 'witnessed.sightline.example/log';

test('two witnesses, quorum 2, under load: witnessed receipts verify offline; the monitor audits to the end', async () => {
  const dir = tempDir('witnessed-e2e');
  const [logSignerKey, logVerifierKey] = (await runCli(['keygen', '--origin', ORIGIN])).stdout.trim().split('\n') as [string, string];
  writeFileSync(join(dir, 'log.key'), logSignerKey + '\n', { mode: 0o600 });

  // Two witnesses, each with its own key and state, configured for this log.
  const witnesses: { server: ServerProcess; verifierKey: string }[] = [];
  for (const name of ['w1.witness.example', 'w2.witness.example']) {
    const [signerKey] = (await runCli(['keygen', '--origin', name])).stdout.trim().split('\n') as [string];
    writeFileSync(join(dir, `${name}.key`), signerKey + '\n', { mode: 0o600 });
    const server = await startWitness(['--key-file', join(dir, `${name}.key`), '--log', logVerifierKey, '--data-dir', join(dir, name)]);
    const listening = server.lines.find((l) => l.msg === 'listening')!;
    witnesses.push({ server, verifierKey: String(listening.verifierKey) });
  }
  const witnessVerifiers = witnesses.map((w) => parseCosignatureVerifier(w.verifierKey));
  const witnessArgs = witnesses.flatMap((w) => ['--witness', `${w.server.url} ${w.verifierKey}`]);
  const serveArgs = ['--key-file', join(dir, 'log.key'), '--data-dir', join(dir, 'log'), ...witnessArgs, '--witness-quorum', '2'];
  let log = await startServe(serveArgs);
  const added = await runCli(['partner', 'add', 'loader', '--json', '--data-dir', join(dir, 'log')]);
  const { token } = JSON.parse(added.stdout) as { token: string };
  // The log's own first entries: its code lists, and its record of the token it gave.
  const SIZE = 2 + 600;

  const monitorState = join(dir, 'monitor');
  const monitor = startCli(['monitor', log.url, '--log-key', logVerifierKey, '--state', monitorState, '--interval', '1']);

  // Load: 24 concurrent writers, 600 entries; every tenth asks for a witnessed receipt.
  const entries = Array.from({ length: 600 }, (_, i) => new TextEncoder().encode(`witnessed load entry ${i}`));
  const witnessedReceipts: { entry: Uint8Array; receipt: string }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 24 }, async () => {
      while (next < entries.length) {
        const i = next++;
        const query = i % 10 === 0 ? '?witnessed=true' : '';
        const res = await fetch(`${log.url}/v1/entries${query}`, { method: 'POST', body: entries[i], headers: { authorization: `Bearer ${token}` } });
        expect(res.status, await res.clone().text()).toBe(201);
        const body = (await res.json()) as { receipt: string; witnessed?: boolean };
        if (query !== '') {
          expect(body.witnessed).toBe(true);
          witnessedReceipts.push({ entry: entries[i]!, receipt: body.receipt });
        }
      }
    }),
  );
  expect(witnessedReceipts).toHaveLength(60);
  for (const { entry, receipt } of witnessedReceipts) {
    verifyReceipt(receipt, entry, { log: parseNoteVerifier(logVerifierKey), witnesses: witnessVerifiers, quorum: 2 });
  }
  // And with the command-line verifier, from files, as a claimant's advocate would.
  const sample = witnessedReceipts[witnessedReceipts.length - 1]!;
  writeFileSync(join(dir, 'entry'), sample.entry);
  writeFileSync(join(dir, 'receipt.tlog-proof'), sample.receipt);
  const verified = await runCli(['verify', join(dir, 'receipt.tlog-proof'), '--entry', join(dir, 'entry'), '--log-key', logVerifierKey, ...witnesses.flatMap((w) => ['--witness-key', w.verifierKey]), '--quorum', '2']);
  expect(verified.stderr).toBe('');
  expect(verified.code).toBe(0);

  // Every entry ends up in a checkpoint both witnesses cosigned, served first-signature-first.
  await until(async () => ((await (await fetch(`${log.url}/v1/log`)).json()) as { witnessedTreeSize?: number }).witnessedTreeSize === SIZE, 'the last checkpoint to be witnessed');
  const checkpoint = await (await fetch(`${log.url}/checkpoint`)).text();
  const opened = openNote(checkpoint, [parseNoteVerifier(logVerifierKey), ...witnessVerifiers.map((v) => cosignatureVerifier(v.name, v.publicKey))]);
  expect(opened.verified.map((s) => s.name)).toEqual([ORIGIN, 'w1.witness.example', 'w2.witness.example']);
  expect(opened.text.split('\n')[1]).toBe(String(SIZE));
  for (const w of witnesses) {
    const latest = await fetch(`${w.server.url}/v1/logs/${encodeURIComponent(ORIGIN)}/checkpoint`);
    expect(latest.status).toBe(200);
    expect((await latest.text()).split('\n')[1]).toBe(String(SIZE));
  }

  // The monitor has followed it all the way: one line per checkpoint, the last at its size.
  await monitor.until((out) => new RegExp(`^checkpoint ${SIZE}\\b`, 'm').test(out.stdout), `the monitor reached ${SIZE}`);
  expect(await monitor.stop()).toBe(0);
  expect(monitor.output.stdout).not.toMatch(/evidence/i);
  const state = JSON.parse(readFileSync(join(monitorState, 'state.json'), 'utf8')) as { treeSize: number };
  expect(state.treeSize).toBe(SIZE);

  // Restarted, the log serves the witnessed checkpoint it kept.
  expect(await log.stop()).toBe(0);
  log = await startServe(serveArgs);
  expect((await (await fetch(`${log.url}/checkpoint`)).text()).split('\n')[1]).toBe(String(SIZE));
  expect(await log.stop()).toBe(0);
  for (const w of witnesses) expect(await w.server.stop()).toBe(0);
});
