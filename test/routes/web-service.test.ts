/**
 * A log's home page on a service of many logs lists the service's other logs (the explorer's
 * way in to every body's record), and a log on its own shows no such list.
 */
import { describe, expect, test } from 'vitest';
import { encodeSuccessorRecord } from '../../src/events/index.js';
import { generateKey } from '../../src/note/index.js';
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

  test("a closed log's last entry, its announcement of the log after it, reads as such", async () => {
    const log = await newTestLog(new MemoryStore(), { web: {} });
    const next = 'test.sightline.example/next';
    const vkey = generateKey(next).verifierKey;
    const record = encodeSuccessorRecord({ origin: next, vkey, start: '2027-01-01T00:00:00Z' });
    // A partner cannot write one: it is the log's own form of entry.
    const forged = await log.submit(record);
    expect(forged.status).toBe(422);
    expect(((await forged.json()) as { code: string }).code).toBe('RESERVED_ENTRY');
    const final = await log.sequencer.finalize([record]);
    const page = await (await log.app.request(`/entries/${final.treeSize - 1}`)).text();
    expect(page).toContain('The log closed: this was its last entry before its final checkpoint.');
    expect(page).toContain(`<code class="origin">${next}</code>`);
    expect(page).toContain(`<code>${vkey}</code>`);
  });

  test('of a log on its own has no list of logs', async () => {
    const { app } = await newTestLog(new MemoryStore(), { web: {} });
    expect(await (await app.request('/')).text()).not.toContain('Other logs of this service');
  });
});
