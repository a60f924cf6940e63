/**
 * End to end, public money, on the real server process (PGlite): a month of a department's
 * spending imported with `sightline import` and stated complete with `sightline publish`; the
 * file republished with one line changed and one dropped, both reported and recorded as an
 * amendment and a withdrawal, and the statement restated; the explorer's totals, read in
 * Chromium, equal the sums of the file; `sightline monitor` finds every statement matching,
 * then reports the one a late row added to the closed month breaks.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { formatPounds, parseCsv, parsePublishedAmount } from '../../src/money/index.js';
import { launchBrowser, openPage } from '../support/browser.js';
import { startServe } from '../support/cli.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';

const FIXTURE = resolve(import.meta.dirname, '..', 'fixtures', 'money', 'spend-2026-01.csv');

/** The sum of a file's lines that the log takes (the fixture's lines 7 and 8 are refused: a 32 January, a National Insurance number). */
function fileTotal(text: string, refusedLines: readonly number[]): { count: number; pence: number } {
  const [header, ...rows] = parseCsv(text);
  const column = header!.cells.findIndex((c) => c.startsWith('Amount'));
  const taken = rows.filter((r) => !refusedLines.includes(r.line));
  return { count: taken.length, pence: taken.reduce((sum, r) => sum + parsePublishedAmount(r.cells[column]!, 'amount'), 0) };
}

test('a month imported and stated complete, republished, read in the explorer, and recounted by a monitor', async () => {
  const dataDir = tempDir('money-e2e');
  const work = tempDir('money-e2e-files');
  const server = await startServe(['--data-dir', dataDir, '--origin', 'money.sightline.example/log']);
  try {
    const logKey = String(server.lines.find((l) => l.msg === 'generated a new log key')!.verifierKey);
    const added = await runCli(['partner', 'add', 'dwp', '--name', 'Department for Work and Pensions', '--json', '--data-dir', dataDir]);
    const env = { SIGHTLINE_TOKEN: (JSON.parse(added.stdout) as { token: string }).token };
    const sightline = (...args: string[]) => runCli(args, env);
    const at = ['--log', server.url, '--body', 'dwp'];

    // The month as published: two lines refused with their line numbers, the rest recorded.
    const first = await sightline('import', 'spend', FIXTURE, ...at);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('spend-2026-01.csv: 6 rows of spend (month 2026-01): 4 new, 0 already recorded, 0 changed');
    expect(first.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^sightline: spend-2026-01\.csv:7: date: /), expect.stringMatching(/^sightline: spend-2026-01\.csv:8: record\.description looks like it holds a National Insurance number/)]);
    const stated = await sightline('publish', 'spend', '--period', '2026-01', '--file', FIXTURE, ...at);
    expect(stated.stdout).toMatch(/^spend 2026-01-01 to 2026-01-31: 4 records, £61,500\.50: stated at entry \d+\n$/);

    // Republished: line 3's amount changed, line 6 dropped. Reported, and recorded only as an amendment and a withdrawal.
    const lines = readFileSync(FIXTURE, 'utf8').split('\r\n');
    lines[2] = lines[2]!.replace('"£12,500.50"', '"£12,600.50"');
    lines.splice(5, 1);
    const republished = join(work, 'spend-2026-01.csv');
    writeFileSync(republished, lines.join('\r\n'));
    const second = await sightline('import', 'spend', republished, ...at);
    expect(second.stdout).toContain('5 rows of spend (month 2026-01): 0 new, 2 already recorded, 1 changed (recorded as amendments), 1 dropped (recorded as withdrawals), 2 refused');
    expect(second.stdout).toMatch(/line 3: transaction 00100001 line 2 \(entry \d+\) changed: amount: amended, entry \d+/);
    expect(second.stdout).toMatch(/transaction 00100003 line 1 \(entry \d+\) is not in the file: withdrawn, entry \d+/);
    const restated = await sightline('publish', 'spend', '--period', '2026-01', '--file', republished, ...at);
    expect(restated.stdout).toMatch(/: 3 records, £87,600\.50: restated \(the statement at entry \d+ amended\) at entry \d+/);

    // The explorer's totals, in Chromium, are the sums of the republished file's lines.
    const { count, pence } = fileTotal(lines.join('\r\n'), [6, 7]);
    expect({ count, pence }).toEqual({ count: 3, pence: 8_760_050 });
    const browser = await launchBrowser();
    const { page, expectNoErrors } = await openPage(browser);
    await page.goto(`${server.url}/money`);
    expect(await page.locator('#money-by-body tbody tr').first().locator('td').allTextContents()).toEqual(['Spending over £25,000', String(count), formatPounds(pence)]);
    expect(await page.locator('#money-statement-table tbody tr td .ok').textContent()).toBe('Yes');
    expectNoErrors();

    // A monitor recounts the statement from the entries: it matches.
    const state = join(work, 'monitor');
    const audited = await runCli(['monitor', server.url, '--log-key', logKey, '--state', state, '--once']);
    expect(audited.code).toBe(0);
    expect(audited.stderr).toBe('');
    // One event (the operator's record of the body's token) and 8 records: the 4 lines, the
    // amendment, the withdrawal, the statement and its restatement.
    expect(audited.stdout).toMatch(/audited, 1 event and 8 records checked\n$/);

    // A late row in the closed month: the next audit reports the statement it breaks, naming the entry.
    const late = join(work, 'late.csv');
    writeFileSync(late, `${lines[0]}\r\nDepartment for Work and Pensions,Jobcentre Plus,30/01/2026,Rent,Estates,Late Supplier Ltd,00100099,"25,000.00",Late,Company,,\r\n`);
    expect((await sightline('import', 'spend', late, '--period', '2026-01-30..2026-01-30', ...at)).code).toBe(0);
    const again = await runCli(['monitor', server.url, '--log-key', logKey, '--state', state, '--once']);
    expect(again.code).toBe(0); // the body's statement, not the log, is wrong: a warning with evidence
    expect(again.stderr).toMatch(/warning: the statement at entry \d+ that dwp's spend records from 2026-01-01 to 2026-01-31 are complete says 3 \(£87,600\.50\), but the log holds 4 \(£112,600\.50\); changed since by entry \d+; see .*publication-mismatch\.json/);
  } finally {
    await server.stop();
  }
});
