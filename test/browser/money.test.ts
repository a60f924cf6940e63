/**
 * "Where the money goes" in Chromium: a month of a department's spending imported and
 * stated complete, then the page: its totals equal the sums of the file's lines (as the log
 * took them), the statement matches, it passes axe at desktop and phone widths without
 * scrolling sideways; a search finds a transaction, and its entry's page proves, in the
 * browser, that the log's signed checkpoint includes it.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { beforeAll, expect, test } from 'vitest';
import { importFile } from '../../src/cli/import.js';
import { addPartner } from '../../src/cli/partners.js';
import { publish } from '../../src/cli/publish.js';
import { formatPounds, parseCsv, parsePublishedAmount } from '../../src/money/index.js';
import { type Width, expectAccessible, horizontalOverflow, launchBrowser, openPage, screenshot } from '../support/browser.js';
import { onCleanup } from '../support/cleanup.js';
import { builtPackage } from '../support/cli.js';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';

const SETTLE = { timeout: 45_000, interval: 200 };
const FILE = resolve(import.meta.dirname, '..', 'fixtures', 'money', 'spend-2026-01.csv');

let url: string;
let browser: Browser;
let refused: number[];

beforeAll(async () => {
  const log = await newTestLog(new MemoryStore(), { web: { explorerScript: join(builtPackage(), 'dist', 'explorer', 'explorer.js') } });
  const { token } = await addPartner(log.store, 'dwp', 'Department for Work and Pensions', null);
  const fetch = async (u: string, init?: RequestInit) => log.app.request(u, init);
  const summary = await importFile({ type: 'spend', path: FILE, url: 'http://log.test', body: 'dwp', token, fetch });
  refused = summary.refusals.map((r) => r.line);
  await publish({ fetch, url: 'http://log.test', body: 'dwp', token, type: 'spend', period: { from: '2026-01-01', to: '2026-01-31' }, fileSha256: null });
  const server = createServer(getRequestListener((req: Request) => log.app.fetch(req)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => server.close(() => r())));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

/** The file's own sum: every line the log took, its amount as the file writes it. */
function fileTotal(): { count: number; pence: number } {
  const [header, ...rows] = parseCsv(readFileSync(FILE, 'utf8'));
  const column = header!.cells.findIndex((c) => c.startsWith('Amount'));
  const taken = rows.filter((r) => !refused.includes(r.line));
  return { count: taken.length, pence: taken.reduce((sum, r) => sum + parsePublishedAmount(r.cells[column]!, 'amount'), 0) };
}

for (const width of ['desktop', 'phone'] as Width[]) {
  test(`the totals are the sums of the file, the statement matches, and the page passes axe (${width})`, async () => {
    const { page, expectNoErrors } = await openPage(browser, { width });
    const res = await page.goto(`${url}/money`);
    expect(res?.status()).toBe(200);
    expect(await page.getAttribute('body', 'data-page')).toBe('money');
    const { count, pence } = fileTotal();
    expect(count).toBe(4);
    const row = page.locator('#money-by-body tbody tr').first();
    expect(await row.locator('td').allTextContents()).toEqual(['Spending over £25,000', String(count), formatPounds(pence)]);
    const month = page.locator('#money-by-month tbody tr').first();
    expect((await month.locator('td').allTextContents()).slice(2, 4)).toEqual([String(count), formatPounds(pence)]);
    expect(await page.locator('#money-statement-table tbody tr td .ok').textContent()).toBe('Yes');
    await screenshot(page, 'money', width);
    await expectAccessible(page, `money (${width})`);
    if (width === 'phone') expect(await horizontalOverflow(page), '/money scrolls sideways at 360 px').toBeLessThanOrEqual(0);
    expectNoErrors();
  });
}

test("a search finds a transaction, and its entry's page proves it is in the log", async () => {
  const { page, expectNoErrors } = await openPage(browser);
  await page.goto(`${url}/money`);
  await page.locator('#money-q').fill('00100002');
  await page.locator('form.search button').click();
  await page.waitForURL(/\/money\?q=00100002$/);
  const link = page.locator('#money-found tbody tr th a');
  expect(await link.count()).toBe(1);
  await link.click();
  await page.waitForURL(/\/entries\/\d+$/);
  await expect
    .poll(() => page.getAttribute('#inclusion-status', 'data-status'), { ...SETTLE, message: '#inclusion-status' })
    .toSatisfy((s: string | null) => s === 'verified' || s === 'failed');
  expect(await page.getAttribute('#inclusion-status', 'data-status')).toBe('verified');
  expectNoErrors();
});

test('a month is checked in the browser, record by record, before its CSV is downloaded: the same file the server writes', async () => {
  const { page, expectNoErrors } = await openPage(browser);
  await page.goto(`${url}/money`);
  const downloading = page.waitForEvent('download');
  await page.locator('button.check-download').first().click();
  const file = await downloading;
  await expect
    .poll(() => page.getAttribute('#money-check-status', 'data-status'), { ...SETTLE, message: '#money-check-status' })
    .toSatisfy((s: string | null) => s === 'verified' || s === 'failed');
  expect(await page.getAttribute('#money-check-status', 'data-status')).toBe('verified');
  expect(await page.locator('#money-check-status').textContent()).toContain('each of the 4 records of dwp for 2026-01 is an entry of the log');
  expect(file.suggestedFilename()).toBe('dwp-spend-2026-01-checked.csv');
  const path = await file.path();
  const served = await (await fetch(`${url}/money/records.csv?body=dwp&type=spend&month=2026-01`)).text();
  expect(readFileSync(path, 'utf8')).toBe(served);
  expectNoErrors();
});

test('a row the server changed is caught: nothing is downloaded', async () => {
  const { page } = await openPage(browser);
  // The server lies about one amount: the entry in the log says otherwise.
  await page.route('**/v1/records?**', async (route) => {
    const res = await route.fetch();
    const body = (await res.json()) as { records: { record: { amount: number } }[] };
    body.records[0]!.record.amount += 100;
    await route.fulfill({ response: res, json: body });
  });
  let downloaded = false;
  page.on('download', () => (downloaded = true));
  await page.goto(`${url}/money`);
  await page.locator('button.check-download').first().click();
  await expect
    .poll(() => page.getAttribute('#money-check-status', 'data-status'), { ...SETTLE, message: '#money-check-status' })
    .toSatisfy((s: string | null) => s === 'verified' || s === 'failed');
  expect(await page.getAttribute('#money-check-status', 'data-status')).toBe('failed');
  expect(await page.locator('#money-check-status').textContent()).toContain('Not downloaded');
  expect(downloaded).toBe(false);
});
