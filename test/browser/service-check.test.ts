/**
 * "Check my record" on a service of many logs, in Chromium: a claimant's data used by two
 * bodies, each with its own log behind the service's front; one year's key, entered on one
 * log's check page, finds and verifies the records in both logs, and each row says which log
 * (so which organisation) it came from.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { beforeAll, expect, test } from 'vitest';
import { type ServedLog, createServiceApp } from '../../src/http/service-app.js';
import { formatHeldKey, subjectKey } from '../../src/subject/index.js';
import { launchBrowser, openPage } from '../support/browser.js';
import { onCleanup } from '../support/cleanup.js';
import { builtPackage } from '../support/cli.js';
import { accessDraft } from '../support/events.js';
import { MemoryStore } from '../support/memory-store.js';
import { TEST_YEAR_KEYS, newTestLog } from '../support/test-log.js';

const SETTLE = { timeout: 45_000, interval: 200 };
const CLAIMANT = 'AB123456C';
const DAY = '2026-06-01';

let url: string;

beforeAll(async () => {
  const explorerScript = join(builtPackage(), 'dist', 'explorer', 'explorer.js');
  const names: Record<string, string> = { dwp: 'Department for Work and Pensions', nhs: 'Leeds Teaching Hospitals NHS Trust' };
  const links = () => Object.entries(names).map(([id, name]) => ({ id, name, href: `/logs/${id}/`, open: true }));
  const served: ServedLog[] = [];
  for (const [i, id] of ['dwp', 'nhs'].entries()) {
    const log = await newTestLog(new MemoryStore(), { origin: `check.sightline.example/${id}`, logSeed: 50 + i, basePath: `/logs/${id}/`, web: { explorerScript, service: links } });
    // The claimant's data, used by this body: one access event in its log.
    expect((await log.submitEvent(accessDraft('partner-a', 1, `${DAY}T10`, CLAIMANT))).status).toBe(201);
    served.push({
      id,
      fetch: (request) => log.app.fetch(request),
      describe: (base) => ({
        id,
        name: names[id]!,
        origin: log.meta.origin,
        vkey: log.meta.verifierKey,
        submissionUrl: `${base}/logs/${id}/`,
        monitoringUrl: `${base}/logs/${id}/`,
        state: 'active',
        stateSince: new Date('2026-01-01T00:00:00Z'),
        mmdSeconds: 10,
        recordSchemas: [],
      }),
      listEntry: () => ({ vkey: log.meta.verifierKey, origin: log.meta.origin, qpd: 86_400, contact: 'ops@example' }),
    });
  }
  const front = createServiceApp({ operator: { name: 'Test service', contact: [] }, logs: () => served, now: () => new Date(), log: () => {}, ready: async () => {} });
  const server = createServer(getRequestListener(front.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test("one year's key, on one log's check page, finds the claimant's records in every log of the service", async () => {
  const browser = await launchBrowser();
  const { page, expectNoErrors } = await openPage(browser);
  await page.goto(`${url}/logs/dwp/check`);
  expect(await page.locator('#service-scope').textContent()).toContain('every log of this service');
  await page.locator('#held-key').fill(formatHeldKey({ kind: 'subject', year: '2026', key: subjectKey(TEST_YEAR_KEYS['2026']!, 'nino', CLAIMANT) }));
  await page.locator('#subject-scheme').selectOption('nino');
  await page.locator('#subject-id').fill(CLAIMANT);
  await page.locator('#from').fill(DAY);
  await page.locator('#to').fill(DAY);
  await page.locator('#check-submit').click();
  const rows = async () =>
    (await page.evaluate(`[...document.querySelectorAll('#timeline [data-row]')].map((r) => [r.getAttribute('data-status'), r.querySelector('.row-log')?.textContent ?? ''])`)) as [string, string][];
  await expect.poll(async () => (await rows()).map(([status]) => status).join(','), SETTLE).toBe('verified,verified');
  expect((await rows()).map(([, log]) => log).sort()).toEqual(['In the log of Department for Work and Pensions', 'In the log of Leeds Teaching Hospitals NHS Trust']);
  expect(await page.getAttribute('#check-summary', 'data-status')).toBe('done');
  expectNoErrors();
});
