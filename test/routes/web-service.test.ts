/**
 * A log's home page on a service of many logs lists the service's other logs (the explorer's
 * way in to every body's record), and a log on its own shows no such list.
 */
import { describe, expect, test } from 'vitest';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';

describe("a log's home page", () => {
  test("lists the service's other logs, marking itself and the closed ones", async () => {
    const logs = [
      { id: 'dwp-2026', name: 'Department for Work and Pensions, 2026', href: '/logs/dwp-2026/', open: false },
      { id: 'dwp-2027', name: 'Department for Work and Pensions, 2027', href: '/logs/dwp-2027/', open: true },
      { id: 'hmrc', name: 'HM Revenue & Customs', href: '/logs/hmrc/', open: true },
    ];
    const { app } = await newTestLog(new MemoryStore(), { basePath: '/logs/dwp-2027/', web: { service: () => logs } });
    const page = await (await app.request('/')).text();
    expect(page).toContain('Other logs of this service');
    expect(page).toContain('<li>Department for Work and Pensions, 2027 (this log)</li>');
    expect(page).toContain('<a href="/logs/dwp-2026/">Department for Work and Pensions, 2026</a> <span class="secondary">(closed: read-only)</span>');
    // Names are the operator's text, escaped like everything else on the page.
    expect(page).toContain('<a href="/logs/hmrc/">HM Revenue &amp; Customs</a>');
    expect(page).toContain('<a href="/logs/">All the logs');
  });

  test('of a log on its own has no list of logs', async () => {
    const { app } = await newTestLog(new MemoryStore(), { web: {} });
    expect(await (await app.request('/')).text()).not.toContain('Other logs of this service');
  });
});
