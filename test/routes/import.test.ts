/**
 * `sightline import` against a log assembled in-process (its requests through
 * `app.request()`): a month's file recorded, the same file again adding nothing, a
 * republished file's changed and dropped rows reported and recorded only as an amendment and
 * a withdrawal, refused rows named by line, packages, a dry run, and the period.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { importFile } from '../../src/cli/import.js';
import { publish } from '../../src/cli/publish.js';
import { parseMoneyLeaf } from '../../src/money/index.js';
import { MoneyLedger } from '../support/money-ledger.js';
import { addPartner } from '../../src/cli/partners.js';
import { MemoryStore } from '../support/memory-store.js';
import { tempDir } from '../support/temp.js';
import { newTestLog } from '../support/test-log.js';

const scratch = tempDir('import');
const fixture = (name: string) => resolve(import.meta.dirname, '..', 'fixtures', 'money', name);

async function setup() {
  const log = await newTestLog(new MemoryStore());
  const { token } = await addPartner(log.store, 'dwp', 'Department for Work and Pensions', null);
  const fetch = async (url: string, init?: RequestInit) => log.app.request(url, init);
  const run = (type: 'spend' | 'local-spend' | 'grant' | 'contract' | 'expense', path: string, more: { period?: { from: string; to: string }; dryRun?: boolean } = {}) =>
    importFile({ type, path, url: 'http://log.test', body: 'dwp', token, fetch, ...more });
  /** Every record entry of the log, read back through the ledger anyone can recompute. */
  const ledger = async () => {
    const head = await log.store.readHead();
    const l = new MoneyLedger();
    (await log.store.readEntries(0, head.treeSize)).forEach((data, i) => {
      const r = parseMoneyLeaf(data);
      if (r !== undefined) l.add(i, r);
    });
    return l;
  };
  const state = (type: 'spend' | 'expense', from: string, to: string, fileSha256: string | null = null) => publish({ fetch, url: 'http://log.test', body: 'dwp', token, type, period: { from, to }, fileSha256 });
  return { log, run, ledger, state };
}

describe('importing a month of spending', () => {
  test('recorded once: each refused row named by its line; the same file again adds nothing', async () => {
    const { log, run, ledger } = await setup();
    const first = await run('spend', fixture('spend-2026-01.csv'));
    expect(first).toMatchObject({ rows: 6, created: 4, unchanged: 0, amended: 0, withdrawn: 0, refused: 2, period: { from: '2026-01-01', to: '2026-01-31' } });
    expect(first.refusals.map((r) => [r.line, r.field])).toEqual([
      [7, 'date'],
      [8, 'record.description'],
    ]);
    expect(first.refusals[1]!.reason).not.toContain('QQ123456');
    const size = (await log.store.readHead()).treeSize;
    expect((await ledger()).records()).toHaveLength(4);

    const again = await run('spend', fixture('spend-2026-01.csv'));
    expect(again).toMatchObject({ created: 0, unchanged: 4, amended: 0, withdrawn: 0, refused: 2 });
    expect((await log.store.readHead()).treeSize).toBe(size);
  });

  test('a republished file with one changed and one dropped row: both reported, recorded as an amendment and a withdrawal, never as new rows', async () => {
    const { log, run, ledger } = await setup();
    await run('spend', fixture('spend-2026-01.csv'));
    const lines = readFileSync(fixture('spend-2026-01.csv'), 'utf8').split('\r\n');
    // Line 3 (the second line of transaction 00100001) changes its amount; line 6 is dropped.
    lines[2] = lines[2]!.replace('"£12,500.50"', '"£12,600.50"');
    lines.splice(5, 1);
    const republished = join(scratch, 'spend-2026-01-v2.csv');
    writeFileSync(republished, lines.join('\r\n'));
    const size = (await log.store.readHead()).treeSize;

    const dry = await run('spend', republished, { dryRun: true });
    expect(dry).toMatchObject({ created: 0, amended: 1, withdrawn: 1 });
    expect((await log.store.readHead()).treeSize).toBe(size);

    const summary = await run('spend', republished);
    expect(summary).toMatchObject({ created: 0, unchanged: 2, amended: 1, withdrawn: 1 });
    expect(summary.changes).toEqual([
      { kind: 'amended', line: 3, key: 'transaction 00100001 line 2', original: expect.any(Number), fields: ['amount'], index: size },
      { kind: 'withdrawn', line: null, key: 'transaction 00100003 line 1', original: expect.any(Number), fields: [], index: size + 1 },
    ]);
    expect((await log.store.readHead()).treeSize).toBe(size + 2);
    const l = await ledger();
    expect(l.findings).toEqual([]);
    expect(l.records()).toHaveLength(4); // no new, unrelated record
    expect(l.recordAt(size)!.current.amount).toBe(1_260_050);
    expect(l.recordAt(size + 1)!.withdrawnAt).toBe(size + 1);

    // Importing the republished file again adds nothing more.
    expect(await run('spend', republished)).toMatchObject({ created: 0, unchanged: 3, amended: 0, withdrawn: 0 });
    expect((await log.store.readHead()).treeSize).toBe(size + 2);
  });

  test('with --period, a row outside it is refused and records of other months are never withdrawn', async () => {
    const { run } = await setup();
    await run('spend', fixture('spend-2026-01.csv'));
    const february = join(scratch, 'spend-2026-02.csv');
    const header = readFileSync(fixture('spend-2026-01.csv'), 'utf8').split('\r\n')[0];
    writeFileSync(february, `${header}\r\nD,E,03/02/2026,T,A,Feb Supplier Ltd,00200001,"30,000.00",Feb,Company,,\r\nD,E,28/01/2026,T,A,Late Ltd,00200002,"30,000.00",Late,Company,,\r\n`);
    const summary = await run('spend', february, { period: { from: '2026-02-01', to: '2026-02-28' } });
    expect(summary).toMatchObject({ created: 1, withdrawn: 0, refused: 1 });
    expect(summary.refusals[0]).toMatchObject({ line: 3, field: 'date' });
  });
});

describe('other layouts', () => {
  test("a council's file, IPSA claims, 360Giving grants and OCDS releases", async () => {
    const { run } = await setup();
    expect(await run('local-spend', fixture('council-2026-01.csv'))).toMatchObject({ rows: 3, created: 3, refused: 0 });
    expect(await run('expense', fixture('ipsa-2026-01.csv'))).toMatchObject({ rows: 2, created: 2, refused: 0 });
    const grants = await run('grant', fixture('grants-2026.json'));
    expect(grants).toMatchObject({ rows: 3, created: 2, refused: 1 });
    expect(grants.refusals[0]).toMatchObject({ line: 2, field: 'amountAwarded' });
    expect(await run('grant', fixture('grants-2026.csv'))).toMatchObject({ rows: 2, created: 2, refused: 0 });
    const releases = await run('contract', fixture('releases-2026.json'));
    // The second release carries a named officer's e-mail address: refused, its position given.
    expect(releases).toMatchObject({ rows: 2, created: 1, refused: 1 });
    expect(releases.refusals[0]).toMatchObject({ line: 2, field: 'record.release.parties[0].contactPoint.email' });
    expect(await run('contract', fixture('releases-2026.json'))).toMatchObject({ created: 0, unchanged: 1, refused: 1 });
  });
});

describe('the statement that a period is complete', () => {
  test("its count and totals are the log's, the monitor's recount matches, a late row breaks it, a restatement mends it", async () => {
    const { run, ledger, state } = await setup();
    await run('spend', fixture('spend-2026-01.csv'));
    const stated = await state('spend', '2026-01-01', '2026-01-31', 'ab'.repeat(32));
    // The four rows the log took: £45,000.00 + £12,500.50 + £30,000.00 − £26,000.00.
    expect(stated.record).toMatchObject({ count: 4, totals: { GBP: '6150050' }, fileSha256: 'ab'.repeat(32), nothingToReport: false });
    expect(stated.restated).toBeNull();
    expect((await state('spend', '2026-01-01', '2026-01-31', 'ab'.repeat(32))).duplicate).toBe(true);
    expect((await ledger()).checkPublications()).toMatchObject([{ leafIndex: stated.index, matches: true }]);

    // A late row in the closed period: the statement no longer matches, and the entry is named.
    const late = join(scratch, 'late.csv');
    writeFileSync(late, `${readFileSync(fixture('spend-2026-01.csv'), 'utf8').split('\r\n')[0]}\r\nD,E,30/01/2026,T,A,Late Supplier Ltd,00100099,"25,000.00",Late,Company,,\r\n`);
    await run('spend', late, { period: { from: '2026-01-30', to: '2026-01-30' } });
    const [broken] = (await ledger()).checkPublications();
    expect(broken).toMatchObject({ matches: false, found: { count: 5, totals: { GBP: '8650050' } } });
    expect(broken!.lateEntries).toHaveLength(1);

    const restated = await state('spend', '2026-01-01', '2026-01-31', 'ab'.repeat(32));
    expect(restated.restated).toBe(stated.index);
    expect((await ledger()).checkPublications()).toMatchObject([{ leafIndex: stated.index, matches: true, lateEntries: [] }]);
  });

  test('a month with no records is stated as nothing to report', async () => {
    const { state, ledger } = await setup();
    const stated = await state('expense', '2026-02-01', '2026-02-28');
    expect(stated.record).toMatchObject({ count: 0, totals: {}, nothingToReport: true, fileSha256: null });
    expect((await ledger()).checkPublications()).toMatchObject([{ matches: true }]);
  });
});
