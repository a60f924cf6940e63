/**
 * "Where the money goes" through `app.request()`: the totals per body, month, payee and
 * category equal the sums of the records as they stand (amended, withdrawn), each
 * statement shown matching or not, a search by public identifier, downloads of a month's
 * records as CSV (formulas defused) and JSON, and every parameter checked.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { importFile } from '../../src/cli/import.js';
import { addPartner } from '../../src/cli/partners.js';
import { publish } from '../../src/cli/publish.js';
import { MemoryStore } from '../support/memory-store.js';
import { tempDir } from '../support/temp.js';
import { newTestLog } from '../support/test-log.js';

const scratch = tempDir('web-money');
const script = join(scratch, 'explorer.js');
writeFileSync(script, 'export const explorer = 1;\n');
const fixture = (name: string) => resolve(import.meta.dirname, '..', 'fixtures', 'money', name);

/** The text of a fragment of HTML: tags dropped, entities decoded, spaces collapsed. */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

async function setup() {
  const log = await newTestLog(new MemoryStore(), { web: { explorerScript: script } });
  const { token } = await addPartner(log.store, 'dwp', 'Department for Work and Pensions', null);
  const fetch = async (url: string, init?: RequestInit) => log.app.request(url, init);
  const run = (path: string) => importFile({ type: 'spend', path, url: 'http://log.test', body: 'dwp', token, fetch });
  const page = async (path: string) => {
    const res = await log.app.request(path, { headers: { accept: 'text/html' } });
    return { status: res.status, html: await res.text(), headers: res.headers };
  };
  return { log, run, page, state: () => publish({ fetch, url: 'http://log.test', body: 'dwp', token, type: 'spend', period: { from: '2026-01-01', to: '2026-01-31' }, fileSha256: null }) };
}

describe('/money', () => {
  test('the totals are the sums of the records as they stand, and a statement shows whether it still matches', async () => {
    const { run, page, state } = await setup();
    expect((await page('/money')).html).toContain('No public-money record is in this log yet');
    await run(fixture('spend-2026-01.csv'));
    const stated = await state();
    let { html, status } = await page('/money');
    expect(status).toBe(200);
    let t = text(html);
    // £45,000.00 + £12,500.50 + £30,000.00 − £26,000.00, as the log took them.
    expect(t).toContain('dwp Spending over £25,000 4 £61,500.50');
    expect(t).toContain('2026-01 dwp Spending over £25,000 4 £61,500.50 CSV · JSON');
    expect(t).toContain('Acme Software Ltd 2 £57,500.50');
    expect(t).toContain('Redacted personal data 1 £30,000.00');
    expect(t).not.toContain('Jane Doe');
    expect(t).toMatch(new RegExp(`entry ${stated.index} dwp Spending over £25,000 2026-01-01 to 2026-01-31 4 records, £61,500.50 4 records, £61,500.50 Yes`));

    // A republished file: one amount changed, one line dropped; the month's totals follow, and the statement no longer matches.
    const lines = readFileSync(fixture('spend-2026-01.csv'), 'utf8').split('\r\n');
    lines[1] = lines[1]!.replace('"£45,000.00"', '"£46,000.00"');
    lines.splice(5, 1);
    const republished = join(scratch, 'spend-v2.csv');
    writeFileSync(republished, lines.join('\r\n'));
    await run(republished);
    ({ html } = await page('/money'));
    t = text(html);
    expect(t).toContain('dwp Spending over £25,000 3 £88,500.50');
    expect(t).toMatch(/4 records, £61,500\.50 3 records, £88,500\.50 No : changed since by entry \d+ , entry \d+/);
  });

  test('a search by transaction number or payee finds the record, links its entry and says what happened to it since', async () => {
    const { run, page } = await setup();
    await run(fixture('spend-2026-01.csv'));
    let t = text((await page('/money?q=00100001')).html);
    expect(t).toMatch(/Records known by “00100001”.*Entry Body Type Day Paid to Amount Since \d+ dwp Spending over £25,000 2026-01-05 Acme Software Ltd £12,500\.50/);
    t = text((await page('/money?q=northern%20property')).html);
    expect(t).toContain('Northern Property Co Ltd -£26,000.00');
    expect(text((await page('/money?q=nobody-at-all')).html)).toContain('No record is known by “nobody-at-all”');
    // Too short to search: the page without a search.
    expect(text((await page('/money?q=ab')).html)).not.toContain('Records known by');
    // A sealed name is never searchable.
    expect(text((await page('/money?q=jane')).html)).toContain('No record is known by “jane”');
  });

  test('a month downloads as CSV (formulas defused) and JSON, each record with its entries', async () => {
    const { log, run } = await setup();
    const file = join(scratch, 'formula.csv');
    writeFileSync(file, 'Department Family,Entity,Date,Expense Type,Expense Area,Supplier,Transaction Number,Amount,Description\nD,E,01/01/2026,T,A,"=HYPERLINK(""x"")",1,"30,000.00","+cmd, ""quoted"""\n');
    expect(await run(file)).toMatchObject({ created: 1 });
    const csv = await log.app.request('/money/records.csv?body=dwp&type=spend&month=2026-01');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="dwp-spend-2026-01.csv"');
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toBe('index,current,withdrawnBy,type,body,departmentFamily,entity,date,expenseType,expenseArea,supplier,transactionNumber,line,amount,currency,description,sealed');
    expect(lines[1]).toMatch(/^\d+,\d+,,spend,dwp,D,E,2026-01-01,T,A,"'=HYPERLINK\(""x""\)",1,1,3000000,GBP,"'\+cmd, ""quoted""",$/);
    const json = (await (await log.app.request('/money/records.json?body=dwp&type=spend&month=2026-01')).json()) as { records: { index: number; record: { supplier: string } }[] };
    expect(json.records.map((r) => r.record.supplier)).toEqual(['=HYPERLINK("x")']);
  });

  test('a download names a body, a type and a month', async () => {
    const { page } = await setup();
    for (const query of ['', '?body=dwp&type=spend', '?body=DWP&type=spend&month=2026-01', '?body=dwp&type=amend&month=2026-01', '?body=dwp&type=spend&month=2026-13']) {
      expect((await page(`/money/records.csv${query}`)).status).toBe(400);
    }
  });
});

describe("a record's entry page", () => {
  test('its fields, amounts in pounds, and its history; an amendment names the record it amends', async () => {
    const { run, page } = await setup();
    await run(fixture('spend-2026-01.csv'));
    const lines = readFileSync(fixture('spend-2026-01.csv'), 'utf8').split('\r\n');
    lines[1] = lines[1]!.replace('"£45,000.00"', '"£46,000.00"');
    const republished = join(scratch, 'spend-v3.csv');
    writeFileSync(republished, lines.join('\r\n'));
    const summary = await run(republished);
    const { original, index } = summary.changes[0]!;
    let t = text((await page(`/entries/${original}`)).html);
    expect(t).toContain('A payment of central government spending over £25,000 (HM Treasury table), recorded by dwp .');
    expect(t).toContain('Supplier Acme Software Ltd');
    expect(t).toContain('Transaction number 00100001');
    expect(t).toContain('Amount £45,000.00');
    expect(t).toContain('This entry has no partner signature to check: the log wrote it from the body\'s authenticated request');
    expect(t).toMatch(new RegExp(`The record's history Later entries about the record, in the order the log took them: entry ${index}`));
    t = text((await page(`/entries/${index}`)).html);
    expect(t).toContain(`Amends entry ${original}`);
    expect(t).toContain('Amount £46,000.00');
    expect(t).toContain(`This entry is about entry ${original} , the record as first published.`);
  });
});
