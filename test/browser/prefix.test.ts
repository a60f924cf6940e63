/**
 * The explorer of a log under a prefix of a service of many logs, in Chromium: three logs on
 * one host — one at the root, two under `/logs/a/` and `/logs/b/`, all of the same name but
 * each with its own key — and a browser that visits them all. Each page's checks pass
 * against its own log (its fetches go under its prefix), each log gets its own pin, and
 * none of them warns that the key changed; the pages' links stay under the prefix.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, expect, test } from 'vitest';
import { mountAt } from '../../src/http/mount.js';
import { launchBrowser, openPage } from '../support/browser.js';
import { onCleanup } from '../support/cleanup.js';
import { builtPackage } from '../support/cli.js';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';

const SETTLE = { timeout: 45_000, interval: 200 };

let url: string;
let browser: Browser;
const keys: Record<string, string> = {};

beforeAll(async () => {
  const web = { explorerScript: join(builtPackage(), 'dist', 'explorer', 'explorer.js') };
  const root = await newTestLog(new MemoryStore(), { web });
  const a = await newTestLog(new MemoryStore(), { web, basePath: '/logs/a/', logSeed: 43 });
  const b = await newTestLog(new MemoryStore(), { web, basePath: '/logs/b/', logSeed: 44 });
  for (const [path, log] of [['/', root], ['/logs/a/', a], ['/logs/b/', b]] as const) {
    for (let i = 0; i < 3; i++) expect((await log.submit(`entry ${i} of ${path}`)).status).toBe(201);
    keys[path] = log.meta.verifierKey;
  }
  expect(new Set(Object.values(keys)).size).toBe(3);
  const atA = mountAt('/logs/a', a.app.fetch);
  const atB = mountAt('/logs/b', b.app.fetch);
  const server = createServer(getRequestListener(async (req: Request, env: unknown) => (await atA(req, env)) ?? (await atB(req, env)) ?? root.app.fetch(req, env)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

async function settled(page: Page, selector: string, final: readonly string[]): Promise<string> {
  const status = () => page.getAttribute(selector, 'data-status');
  await expect.poll(status, { ...SETTLE, message: `${selector} on ${page.url()}` }).toSatisfy((s: string | null) => s !== null && final.includes(s));
  return (await status())!;
}

test('three logs on one host: each verified against its own key, each pinned apart, no warning', async () => {
  const { page, requests, expectNoErrors } = await openPage(browser);
  for (const base of ['/logs/a/', '/logs/b/', '/', '/logs/a/']) {
    await page.goto(url + base);
    expect(await settled(page, '#checkpoint-status', ['verified', 'failed']), base).toBe('verified');
    expect(await page.locator('#key-warning').count(), base).toBe(0);
  }
  // Each page fetched its own log's checkpoint and script.
  const paths = requests.map((r) => new URL(r.url).pathname);
  for (const log of ['/logs/a/', '/logs/b/', '/']) expect(paths, log).toContain(`${log}checkpoint`);
  expect(paths).toContain('/logs/a/assets/explorer.js');
  const pins = (await page.evaluate(`Object.fromEntries(Object.keys(localStorage).filter((k) => k.startsWith('sightline-pin:')).map((k) => [k, localStorage.getItem(k)]))`)) as Record<string, string>;
  expect(pins).toEqual({ 'sightline-pin:/': keys['/'], 'sightline-pin:/logs/a/': keys['/logs/a/'], 'sightline-pin:/logs/b/': keys['/logs/b/'] });
  expectNoErrors();
});

test('under a prefix: the navigation stays there, an entry is proved in its log, the monitor keeps its own state', async () => {
  const { page, requests, expectNoErrors } = await openPage(browser);
  await page.goto(`${url}/logs/b/`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitor' }).click();
  expect(new URL(page.url()).pathname).toBe('/logs/b/monitor');
  expect(await settled(page, '#monitor-status', ['first', 'consistent', 'inconsistent', 'failed'])).toBe('first');
  await page.goto(`${url}/logs/b/`);
  await page.fill('#goto-index', '1');
  await page.getByRole('button', { name: 'Show entry' }).click();
  await page.waitForURL(`${url}/logs/b/entries/1`);
  expect(await settled(page, '#inclusion-status', ['verified', 'failed'])).toBe('verified');
  const entryFetches = requests.map((r) => new URL(r.url).pathname).filter((p) => p.includes('/v1/') || p.includes('/tile/') || p.endsWith('/checkpoint'));
  expect(entryFetches.length).toBeGreaterThan(0);
  for (const p of entryFetches) expect(p.startsWith('/logs/b/'), p).toBe(true);
  const monitorKeys = (await page.evaluate(`Object.keys(localStorage).filter((k) => k.startsWith('sightline-monitor'))`)) as string[];
  expect(monitorKeys).toEqual([expect.stringMatching(/^sightline-monitor@\/logs\/b\/:/)]);
  expectNoErrors();
});
