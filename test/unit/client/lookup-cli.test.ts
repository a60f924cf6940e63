/**
 * `sightline lookup` in-process against the real app served on a loopback port: the table
 * and --json, the pinned or trusted-on-first-use log key, keys from files, and exit codes
 * 0 (all verified), 1 (some failed) and 2 (usage).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { EventReceipt, TimelineRow } from '../../../src/client/index.js';
import { type Log, NINO_A, accessEvent, newLog, partnerClient, rewriteDetails, subjectKeyText } from '../../support/client-harness.js';
import { type CliResult, runCli } from '../../support/run-cli.js';
import { formatTimeline } from '../../../src/cli/lookup.js';
import { deriveDayKey, deriveMonthKey, formatHeldKey, parseHeldKey } from '../../../src/subject/index.js';

let log: Log;
let server: Server;
let url: string;
let dir: string;
let events: EventReceipt[];
/** When set, answers the requests it returns a Response for instead of the log (`honest` asks the log). */
let tamper: ((path: string, honest: () => Promise<Response>) => Promise<Response | undefined> | Response | undefined) | undefined;

beforeEach(async () => {
  log = await newLog();
  const client = partnerClient(log);
  events = [];
  for (const [seq, hour] of [
    [1, '2026-03-14T09'],
    [2, '2026-03-14T11'],
    [3, '2026-03-20T16'],
  ] as const) {
    events.push(await client.submitEvent({ event: accessEvent('partner-a', seq, hour, seq), subject: { scheme: 'nino', id: NINO_A }, details: { seq }, signer: { seed: log.partnerKey.seed } }));
  }
  tamper = undefined;
  server = createServer(
    getRequestListener(async (req: Request) => {
      const replaced = await tamper?.(new URL(req.url).pathname, async () => log.app.fetch(req));
      return replaced ?? log.app.fetch(req);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'sightline-lookup-'));
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

/** `sightline lookup ARGS…`, in-process, with its output captured. */
function cli(args: string[]): Promise<CliResult> {
  return runCli(['lookup', ...args]);
}

const range = ['--from', '2026-03-01', '--to', '2026-03-31'];
/** The claimant's own reference, which each entry's commitment covers. */
const who = ['--scheme', 'nino', '--id', NINO_A];

describe('sightline lookup', () => {
  test('prints a table with the code lists’ labels, every row ✓, exit 0; with a pinned key nothing goes to stderr', async () => {
    const r = await cli(['--key', subjectKeyText(NINO_A), ...who, ...range, '--url', url, '--log-key', log.signer.verifierKey]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^DATE\/HOUR \(UTC\)\s+ORGANISATION\s+SYSTEM\s+ROLE\s+ACTION\s+PURPOSE\s+LEGAL BASIS\s+STATUS\s+INDEX$/);
    const rows = lines.slice(1, 4);
    expect(rows[0]).toMatch(/^2026-03-14 09:00 /);
    expect(rows[2]).toMatch(/^2026-03-20 16:00 /);
    expect(rows.every((l) => / ✓ +\d+$/.test(l))).toBe(true);
    expect(r.stdout).toContain('Jobcentre Plus (DWP)'); // organisation label of code list item 1
    expect(r.stdout).toMatch(/3 entries from 2026-03-01 to 2026-03-31, checked against the checkpoint of test\.sightline\.example\/log at tree size \d+/);
  });

  test('--copy: tiles and bundles are read from the copy, not the log, and every row still verifies', async () => {
    const fromCopy: string[] = [];
    const copy = createServer(
      getRequestListener(async (req: Request) => {
        fromCopy.push(new URL(req.url).pathname);
        return log.app.fetch(req);
      }),
    );
    await new Promise<void>((resolve) => copy.listen(0, '127.0.0.1', resolve));
    const fromLog: string[] = [];
    tamper = (path) => {
      fromLog.push(path);
      return undefined;
    };
    try {
      const copyUrl = `http://127.0.0.1:${(copy.address() as AddressInfo).port}`;
      const r = await cli(['--key', subjectKeyText(NINO_A), ...who, ...range, '--url', url, '--log-key', log.signer.verifierKey, '--copy', copyUrl]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(fromCopy.some((p) => p.startsWith('/tile/'))).toBe(true);
      expect(fromLog.filter((p) => p.startsWith('/tile/'))).toEqual([]);
      expect((await cli(['--key', subjectKeyText(NINO_A), ...who, ...range, '--url', url, '--mirror', 'not a url'])).code).toBe(2);
    } finally {
      await new Promise<void>((resolve) => copy.close(() => resolve()));
    }
  });

  test('--json prints the rows; without --log-key the key is fetched with a trust-on-first-use warning', async () => {
    const r = await cli(['--key', subjectKeyText(NINO_A), ...who, ...range, '--url', url, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^sightline: warning: the log key is not pinned.*trust on first use/);
    const { rows, searched } = JSON.parse(r.stdout) as { rows: TimelineRow[]; searched: unknown };
    expect(searched).toEqual({ from: '2026-03-01', to: '2026-03-31', days: 31 });
    expect(rows.map((row) => row.index)).toEqual(events.map((e) => e.index));
    expect(rows.map((row) => row.details)).toEqual([{ seq: 1 }, { seq: 2 }, { seq: 3 }]);
    expect(rows.every((row) => row.verified)).toBe(true);
  });

  test('--key and --log-key may be files', async () => {
    writeFileSync(join(dir, 'key'), subjectKeyText(NINO_A) + '\n');
    writeFileSync(join(dir, 'log.pub'), log.signer.verifierKey + '\n');
    const r = await cli(['--key', join(dir, 'key'), ...who, '--from', '2026-03-14', '--to', '2026-03-14', '--url', url, '--log-key', join(dir, 'log.pub'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { rows: TimelineRow[] }).rows.map((row) => row.index)).toEqual([events[0]!.index, events[1]!.index]);
  });

  test('says the period actually searched: a day key asked for a month searches its one day, in the text and in --json', async () => {
    const dayKey = formatHeldKey(deriveDayKey(parseHeldKey(subjectKeyText(NINO_A)), '2026-03-14'));
    const text = await cli(['--key', dayKey, ...who, ...range, '--url', url, '--log-key', log.signer.verifierKey]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Searched 2026-03-14 only \(a day key covers one day\), not all of 2026-03-01 to 2026-03-31\.\n/);
    expect(text.stdout).toMatch(/\n2 entries on 2026-03-14, checked against/);
    const json = await cli(['--key', dayKey, ...who, ...range, '--url', url, '--log-key', log.signer.verifierKey, '--json']);
    const parsed = JSON.parse(json.stdout) as { searched: unknown; rows: TimelineRow[] };
    expect(parsed.searched).toEqual({ from: '2026-03-14', to: '2026-03-14', days: 1 });
    expect(parsed.rows).toHaveLength(2);
    // A month key asked for a quarter searches its month; nothing found is said for that month.
    const monthKey = formatHeldKey(deriveMonthKey(parseHeldKey(subjectKeyText(NINO_A)), '2026-02'));
    const none = await cli(['--key', monthKey, ...who, '--from', '2026-01-01', '--to', '2026-03-31', '--url', url, '--log-key', log.signer.verifierKey]);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^Searched 2026-02-01 to 2026-02-28 \(a month key covers its month, 2026-02\), not all of 2026-01-01 to 2026-03-31\.\nNo entries found from 2026-02-01 to 2026-02-28\./);
    // Asked within the key's scope: no such line.
    const within = await cli(['--key', subjectKeyText(NINO_A), ...who, ...range, '--url', url, '--log-key', log.signer.verifierKey]);
    expect(within.stdout).not.toMatch(/^Searched \d/m);
  });

  test('a row that fails verification: ✗ in the table, its problem listed, one line on stderr, exit 1', async () => {
    const target = events[1]!.index;
    tamper = async (path, honest) =>
      path === '/v1/details' ? rewriteDetails(await honest(), (r) => (r.status === 'found' && r.index === target ? { ...r, details: { seq: 99 } } : r)) : undefined;
    const r = await cli(['--key', subjectKeyText(NINO_A), ...who, ...range, '--url', url, '--log-key', log.signer.verifierKey]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('sightline: 1 of 3 entries failed verification\n');
    expect(r.stdout).toMatch(new RegExp(` ✗ +${target}\\n`));
    expect(r.stdout).toContain(`✗ entry ${target}: the details served for entry ${target} do not open its commitment`);
  });

  test('--id - reads the reference from standard input, so it is in no process listing; a record about someone else fails', async () => {
    const piped = await runCli(['lookup', '--key', subjectKeyText(NINO_A), '--scheme', 'nino', '--id', '-', ...range, '--url', url, '--log-key', log.signer.verifierKey, '--json'], {}, `${NINO_A}\n`);
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    // Another reference with A's key: every row found, none about that person.
    const other = await cli(['--key', subjectKeyText(NINO_A), '--scheme', 'nino', '--id', 'CE654321A', ...range, '--url', url, '--log-key', log.signer.verifierKey]);
    expect(other.code).toBe(1);
    expect(other.stderr).toBe('sightline: 3 of 3 entries failed verification\n');
    expect(other.stdout).toContain('it is not a record about you');
    expect(other.stdout).not.toContain('CE654321');
  });

  test('text from the log cannot drive the terminal: control and bidi characters are replaced', async () => {
    tamper = (path) =>
      path === '/v1/codes'
        ? Response.json({ sha256: '00'.repeat(32), leafIndex: 0, codes: { organisations: { 'jobcentre-plus': 'Jobcentre\u001b[2J\u202e Plus' } } })
        : undefined;
    const r = await cli(['--key', subjectKeyText(NINO_A), ...who, ...range, '--url', url, '--log-key', log.signer.verifierKey]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Jobcentre\ufffd[2J\ufffd Plus');
    expect(r.stdout).not.toMatch(/[\u001b\u202e]/);
  });

  test('a checkpoint not signed by the pinned key: one line saying to check the log key, exit 2; no server: one line, exit 1', async () => {
    const other = subjectKeyText(NINO_A);
    const stranger = 'test.sightline.example/log+00000000+AQ' + 'A'.repeat(42) + '=';
    expect((await cli(['--key', other, ...who, ...range, '--url', url, '--log-key', stranger])).code).toBe(2); // a key whose ID does not match is a usage error
    const wrongKey = (await import('../../../src/note/index.js')).ed25519Signer('test.sightline.example/log', new Uint8Array(32).fill(5)).verifierKey;
    const bad = await cli(['--key', other, ...who, ...range, '--url', url, '--log-key', wrongKey]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(bad.stderr).toMatch(/^sightline: the checkpoint at \S+ does not verify with --log-key \(.*\): check the log key and --url\n$/);
    const otherLog = (await import('../../../src/note/index.js')).ed25519Signer('another.example/log', new Uint8Array(32).fill(5)).verifierKey;
    const elsewhere = await cli(['--key', other, ...who, ...range, '--url', url, '--log-key', otherLog]);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/check the log key and --url\n$/);
    const down = await cli(['--key', other, ...who, ...range, '--url', 'http://127.0.0.1:1', '--log-key', log.signer.verifierKey]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^sightline: couldn't reach/);
  });

  test('no entries: says so, and that a mistyped key finds nothing too', () => {
    const out = formatTimeline({ checkpoint: { origin: 'o', treeSize: 3, rootHash: '', note: '' }, rows: [] }, {}, { from: '2026-03-01', to: '2026-03-31' });
    expect(out).toMatch(/^No entries found from 2026-03-01 to 2026-03-31\. A mistyped key finds nothing too: if you expected entries, compare --key with the key you were given\.\n/);
  });

  test('usage errors exit 2 with one line on stderr, never echoing the key', async () => {
    const key = subjectKeyText(NINO_A);
    const cases: string[][] = [
      [],
      ['--key', key, ...who, '--from', '2026-03-01'],
      ['--key', key, ...range],
      ['--key', key, ...range, '--scheme', 'passport', '--id', NINO_A],
      ['--key', key, ...range, '--scheme', 'nino', '--id', 'QQ123456C'],
      ['--key', key.slice(0, -1) + 'G', ...who, ...range],
      ['--key', join(dir, 'missing'), ...who, ...range],
      ['--key', key, ...who, '--from', '2026-02-30', '--to', '2026-03-31'],
      ['--key', key, ...who, '--from', '2026-03-31', '--to', '2026-03-01'],
      ['--key', key, ...who, '--from', '2025-01-01', '--to', '2025-12-31'],
      ['--key', key, ...who, ...range, '--log-key', 'not a key'],
      ['--key', key, ...who, ...range, '--url', 'ftp://x'],
      ['--key', key, ...who, ...range, '--bogus'],
    ];
    for (const args of cases) {
      const r = await cli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stderr).not.toContain(key.slice(-64));
      expect(r.stderr).not.toMatch(/QQ123456|AB123456/);
      expect(r.stdout).toBe('');
    }
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: sightline lookup/);
  });
});
