/**
 * The explorer in a real browser, against the real server process (PGlite): three partners
 * record typed events about a dozen claimants over three months (with an erasure, a
 * correction and a few raw entries), and chromium loads every page — no console errors,
 * WCAG 2.1 AA by axe-core, screenshots at desktop and phone widths — and does what a
 * claimant, an adviser and a monitor would: checks the log's checkpoint and an entry, finds
 * one claimant's record with their key (which never leaves the page), downloads evidence
 * that `sightline verify --bundle` accepts, verifies a receipt, watches the log grow
 * consistently, and sees an entry changed behind the log's back marked as failed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/storage/index.js';
import { deriveDayKey, deriveMonthKey, formatHeldKey, parseHeldKey } from '../../src/subject/index.js';
import { describeDay } from '../../src/events/index.js';
import { type Width, expectAccessible, horizontalOverflow, launchBrowser, openPage, screenshot } from '../support/browser.js';
import { type ServerProcess, startServe } from '../support/cli.js';
import { runCli } from '../support/run-cli.js';
import { accessDraft, code, partnerKeyPair, signedEvent, targetingEvent } from '../support/events.js';
import { tempDir } from '../support/temp.js';

const ORIGIN = 'explorer.sightline.example/log';
const PARTNERS = ['dwp-uc', 'hmrc-tc', 'la-leeds'] as const;
/** Partners that record nothing, with the long names real organisations have: the partner table must still fit a phone. */
const NAMED_PARTNERS = [
  ['rbkc-revenues-and-benefits-housing-benefit-and-council-tax', 'The Royal Borough of Kensington and Chelsea, Revenues and Benefits Service (Housing Benefit and Council Tax Reduction)'],
  ['llanfair-community-benefits', 'LlanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogochCommunityBenefitsAndWelfareRightsAdviceOffice'],
  ['dwp-pip-assessment-provider-north-east-and-cumbria', 'Department for Work and Pensions — Personal Independence Payment assessment provider, North East and Cumbria'],
] as const;
const PREFIXES = ['AB', 'CE', 'HJ', 'KL', 'MN', 'PR'];
const SUBJECTS = Array.from({ length: 12 }, (_, i) => `${PREFIXES[i % PREFIXES.length]}${String(310000 + i * 4241).slice(0, 6)}${'ABCD'[i % 4]}`);
const MONTHS = ['06', '07', '08'];
const FROM = '2026-06-01';
const TO = '2026-08-31';
/** Statuses settle on slow shared machines too. */
const SETTLE = { timeout: 45_000, interval: 200 };

interface Posted {
  index: number;
  subject: string | null;
  hour: string | null;
  type: string;
  partner: string;
}

let dataDir: string;
let server: ServerProcess;
let browser: Browser;
let verifierKey: string;
const tokens: Record<string, string> = {};
const seq: Record<string, number> = {};
const posted: Posted[] = [];
const claimant = SUBJECTS[0]!;
let subjectKey: string;
let erasedIndex: number;
let correctedIndex: number;
let correctionIndex: number;
let erasureIndex: number;
/** One of the claimant's entries that nothing targets: shown on the entry page, its evidence downloaded, and later tampered with. */
let plainIndex: number;
let rawIndex: number;
let bundleFile: string;

async function postEvent(partner: string, body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[partner]}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { index: number };
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json.index;
}

async function postRaw(text: string): Promise<number> {
  const res = await fetch(`${server.url}/v1/entries`, { method: 'POST', headers: { authorization: `Bearer ${tokens['dwp-uc']}` }, body: text });
  const json = (await res.json()) as { index: number };
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json.index;
}

function nextSeq(partner: string): number {
  return (seq[partner] = (seq[partner] ?? 0) + 1);
}

async function seed(): Promise<void> {
  await Promise.all(
    PARTNERS.map(async (id) => {
      const publicKey = Buffer.from(partnerKeyPair(id).publicKey).toString('base64');
      const added = await runCli(['partner', 'add', id, '--public-key', publicKey, '--json', '--data-dir', dataDir]);
      expect(added.stderr).toBe('');
      tokens[id] = (JSON.parse(added.stdout) as { token: string }).token;
    }),
  );

  for (const [id, name] of NAMED_PARTNERS) {
    const added = await runCli(['partner', 'add', id, '--name', name, '--data-dir', dataDir]);
    expect(added.code, added.stderr).toBe(0);
  }

  for (const text of ['a raw entry: the log takes any bytes', 'another raw entry <b>not markup</b> & "quoted"']) {
    posted.push({ index: await postRaw(text), subject: null, hour: null, type: 'raw', partner: 'dwp-uc' });
  }

  // 48 access events: each claimant four, in June, June, July and August, from different partners.
  const work = Array.from({ length: 48 }, (_, i) => {
    const partner = PARTNERS[(i + Math.floor(i / 12)) % 3]!;
    const subject = SUBJECTS[i % SUBJECTS.length]!;
    const hour = `2026-${MONTHS[Math.floor(i / 16)]}-${String(1 + ((i * 5) % 28)).padStart(2, '0')}T${String((i * 7) % 24).padStart(2, '0')}`;
    const draft = accessDraft(partner, nextSeq(partner), hour, subject, { purpose: code('purposes', i), categories: [code('categories', i)], action: code('actions', i) });
    return { partner, subject, hour, body: signedEvent(draft, ORIGIN, partnerKeyPair(partner).seed) };
  });
  for (let i = 0; i < work.length; i += 8) {
    const batch = work.slice(i, i + 8);
    const indices = await Promise.all(batch.map((w) => postEvent(w.partner, w.body)));
    indices.forEach((index, k) => posted.push({ index, subject: batch[k]!.subject, hour: batch[k]!.hour, type: 'access', partner: batch[k]!.partner }));
    if (i === 24) posted.push({ index: await postRaw('a raw entry between the events'), subject: null, hour: null, type: 'raw', partner: 'dwp-uc' });
  }

  const theirs = posted.filter((p) => p.subject === claimant).sort((a, b) => a.hour!.localeCompare(b.hour!));
  expect(theirs.map((p) => p.hour!.slice(0, 7))).toEqual(['2026-06', '2026-06', '2026-07', '2026-08']);
  const [first, second, , fourth] = theirs as [Posted, Posted, Posted, Posted];

  // The partner that recorded the first erases its details; the second one's are corrected.
  const erasure = targetingEvent('erasure', first.partner, nextSeq(first.partner), '2026-08-20T12', first.index);
  erasureIndex = await postEvent(first.partner, signedEvent({ event: erasure, subject: { scheme: 'nino', id: claimant }, details: { reason: 'recorded against the wrong claimant' } }, ORIGIN, partnerKeyPair(first.partner).seed));
  posted.push({ index: erasureIndex, subject: claimant, hour: '2026-08-20T12', type: 'erasure', partner: first.partner });
  const correction = targetingEvent('correction', second.partner, nextSeq(second.partner), '2026-07-15T10', second.index);
  correctionIndex = await postEvent(second.partner, signedEvent({ event: correction, subject: { scheme: 'nino', id: claimant }, details: { note: 'the screen viewed was the payment history' } }, ORIGIN, partnerKeyPair(second.partner).seed));
  posted.push({ index: correctionIndex, subject: claimant, hour: '2026-07-15T10', type: 'correction', partner: second.partner });
  erasedIndex = first.index;
  correctedIndex = second.index;
  plainIndex = fourth.index;
  rawIndex = posted.find((p) => p.type === 'raw')!.index;

  const key = await runCli(['subject-key', '--scheme', 'nino', '--id', claimant, '--year', '2026', '--purpose', 'subject-access-request', '--legal-basis', 'ukgdpr-6-1-c', '--data-dir', dataDir]);
  expect(key.stderr).toBe('');
  expect(key.code).toBe(0);
  subjectKey = key.stdout.trim();
  expect(subjectKey).toMatch(/^subject-key:2026:[0-9a-f]{64}$/);
}

async function treeSize(): Promise<number> {
  return ((await (await fetch(`${server.url}/v1/log`)).json()) as { treeSize: number }).treeSize;
}

const claimantIndices = (month?: string) =>
  posted
    .filter((p) => p.subject === claimant && (month === undefined || p.hour!.startsWith(month)))
    .map((p) => p.index)
    .sort((a, b) => a - b);

beforeAll(async () => {
  // The server runs the package built for this run (test/support/build-setup.ts), whose
  // dist/explorer/explorer.js is the browser module it serves.
  dataDir = tempDir('explorer');
  [server, browser] = await Promise.all([startServe(['--data-dir', dataDir, '--origin', ORIGIN]), launchBrowser()]);
  verifierKey = String(server.lines.find((l) => l.msg === 'generated a new log key')!.verifierKey);
  await seed();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function status(page: Page, selector: string): Promise<string | null> {
  return page.locator(selector).getAttribute('data-status', { timeout: 10_000 });
}

/** Waits until `selector`'s data-status is one of `final`, and returns it. */
async function settled(page: Page, selector: string, final: readonly string[]): Promise<string> {
  await expect.poll(() => status(page, selector), { ...SETTLE, message: `${selector} data-status on ${page.url()}` }).toSatisfy((s: string | null) => s !== null && final.includes(s));
  return (await status(page, selector))!;
}

interface TimelineRow {
  index: number;
  status: string | null;
}

async function timeline(page: Page): Promise<TimelineRow[]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('#timeline [data-row]')].map((r) => ({ index: Number(r.getAttribute('data-index')), status: r.getAttribute('data-status') }))`,
  )) as TimelineRow[];
}

/** Submits a held key and the claimant's reference on the check page and waits until the timeline shows exactly `expected`, every row settled. */
async function check(page: Page, key: string, expected: number[], reference = claimant): Promise<TimelineRow[]> {
  await page.locator('#held-key').fill(key);
  await page.locator('#subject-scheme').selectOption('nino');
  await page.locator('#subject-id').fill(reference);
  await page.locator('#from').fill(FROM);
  await page.locator('#to').fill(TO);
  await page.locator('#check-submit').click();
  const indices = async () => {
    const rows = await timeline(page);
    return rows.every((r) => r.status === 'verified' || r.status === 'failed' || r.status === 'erased') ? rows.map((r) => r.index).sort((a, b) => a - b) : ['not settled'];
  };
  await expect.poll(indices, { ...SETTLE, message: `#timeline rows (data-index) for ${key.split(':').slice(0, 2).join(':')}` }).toEqual(expected);
  // And nothing more arrives.
  await page.waitForTimeout(500);
  expect(await indices()).toEqual(expected);
  return timeline(page);
}

describe('the explorer in chromium', () => {
  const PAGES = [
    { name: 'log', path: () => '/', page: 'log', nav: '/', statuses: ['#checkpoint-status'] },
    { name: 'entry-event', path: () => `/entries/${plainIndex}`, page: 'entry', nav: undefined, statuses: ['#signature-status', '#inclusion-status'] },
    { name: 'entry-raw', path: () => `/entries/${rawIndex}`, page: 'entry', nav: undefined, statuses: ['#signature-status', '#inclusion-status'] },
    { name: 'check', path: () => '/check', page: 'check', nav: '/check', statuses: [] },
    { name: 'verify', path: () => '/verify', page: 'verify', nav: '/verify', statuses: [] },
    { name: 'monitor', path: () => '/monitor', page: 'monitor', nav: '/monitor', statuses: ['#monitor-status'] },
  ];
  const FINAL = ['verified', 'failed', 'none', 'first', 'consistent', 'inconsistent'];

  for (const width of ['desktop', 'phone'] as Width[]) {
    for (const p of PAGES) {
      test(`${p.name} page (${width}): loads without errors, follows the page contract, passes axe, screenshotted`, async () => {
        const path = p.path();
        const { page, expectNoErrors } = await openPage(browser, { width });
        const res = await page.goto(`${server.url}${path}`);
        expect(res?.status()).toBe(200);
        expect(res?.headers()['content-type']).toBe('text/html; charset=utf-8');
        expect(await page.getAttribute('html', 'lang')).toBe('en');
        expect(await page.getAttribute('body', 'data-page')).toBe(p.page);
        expect(await page.getAttribute('meta[name="viewport"]', 'content')).toBe('width=device-width, initial-scale=1');
        expect(await page.getAttribute('meta[name="sightline-origin"]', 'content')).toBe(ORIGIN);
        expect(await page.getAttribute('meta[name="sightline-log-key"]', 'content')).toBe(verifierKey);
        expect((await page.title()).trim()).not.toBe('');
        expect(await page.locator('main#main').count()).toBe(1);
        expect(await page.locator('a[href="#main"]').count(), 'a skip link to #main').toBeGreaterThan(0);
        const nav = page.locator('header nav[aria-label="Main"]');
        for (const href of ['/', '/check', '/verify', '/monitor']) expect(await nav.locator(`a[href="${href}"]`).count(), `nav link ${href}`).toBe(1);
        if (p.nav !== undefined) expect(await nav.locator('a[aria-current="page"]').getAttribute('href'), 'aria-current').toBe(p.nav);
        for (const selector of p.statuses) {
          await settled(page, selector, FINAL);
          expect(await page.getAttribute(selector, 'aria-live'), `${selector} aria-live`).toBe('polite');
        }
        await screenshot(page, p.name, width);
        await expectAccessible(page, `${p.name} (${width})`);
        if (width === 'phone') expect(await horizontalOverflow(page), `${path}: scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
        expectNoErrors();
      });
    }
  }

  test('an unknown entry is an HTML 404 page with the nav', async () => {
    const { page } = await openPage(browser, { expectedConsoleErrors: [/Failed to load resource: the server responded with a status of 404/] });
    const res = await page.goto(`${server.url}/entries/999999`);
    expect(res?.status()).toBe(404);
    expect(res?.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(await page.locator('header nav[aria-label="Main"] a[href="/check"]').count()).toBe(1);
    await expectAccessible(page, 'not-found');
    await screenshot(page, 'not-found', 'desktop');
  });

  test('any unknown address a browser asks for is the HTML 404 page with the nav; an API client still gets JSON', async () => {
    const { page } = await openPage(browser, { expectedConsoleErrors: [/Failed to load resource: the server responded with a status of 404/] });
    const res = await page.goto(`${server.url}/nonexistent/page`);
    expect(res?.status()).toBe(404);
    expect(res?.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(await page.getAttribute('body', 'data-page')).toBe('error');
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    expect(await page.locator('header nav[aria-label="Main"] a[href="/check"]').count()).toBe(1);
    await expectAccessible(page, 'unknown address');
    const api = await fetch(`${server.url}/nonexistent/page`, { headers: { accept: 'application/json' } });
    expect([api.status, api.headers.get('content-type')]).toEqual([404, 'application/problem+json']);
    await api.body?.cancel();
  });

  test('the partner table fits a phone at 360 px with long partner names, and a partner with no name is named once', async () => {
    const { page, expectNoErrors } = await openPage(browser, { width: 'phone' });
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.locator('#partner-sequences tbody tr').count(), SETTLE).toBe(PARTNERS.length + NAMED_PARTNERS.length + 1);
    const cells = (await page.locator('#partner-sequences tbody th').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    for (const id of PARTNERS) expect(cells, `partner ${id}`).toContain(id);
    for (const [id, name] of NAMED_PARTNERS) expect(cells).toContain(`${name} (${id})`);
    expect(await page.evaluate('window.innerWidth')).toBe(360);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), 'the page scrolls sideways at 360 px').toBe(true);
    // The table itself fits too: nothing to scroll sideways inside its wrapper.
    const wrap = page.locator('.table-wrap:has(#partner-sequences)');
    expect(await wrap.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await screenshot(page, 'log-partners', 'phone');
    expectNoErrors();
  });

  test('the log page verifies the checkpoint; the entry page the signature and the inclusion', async () => {
    const { page, expectNoErrors } = await openPage(browser);
    await page.goto(`${server.url}/`);
    expect(await settled(page, '#checkpoint-status', ['verified', 'failed'])).toBe('verified');
    expect((await page.locator('#log-key').textContent())?.trim()).toBe(verifierKey);
    expect((await page.locator('#tree-size').textContent())?.replace(/,/g, '')).toContain(String(await treeSize()));

    await page.goto(`${server.url}/entries/${plainIndex}`);
    expect(await settled(page, '#signature-status', ['verified', 'failed', 'none'])).toBe('verified');
    expect(await settled(page, '#inclusion-status', ['verified', 'failed'])).toBe('verified');
    expect(await page.locator('dl#entry-fields').count()).toBe(1);

    // A raw entry has no partner signature to check, but is included all the same.
    await page.goto(`${server.url}/entries/${rawIndex}`);
    expect(await settled(page, '#inclusion-status', ['verified', 'failed'])).toBe('verified');
    expect(await settled(page, '#signature-status', ['verified', 'failed', 'none'])).toBe('none');
    expect(await page.locator('main').textContent()).toContain('a raw entry: the log takes any bytes');
    expectNoErrors();
  });

  test('Check my record: exactly the claimant’s entries, verified, and the key never leaves the page; a month key shows only its month', async () => {
    const { page, requests } = await openPage(browser);
    await page.goto(`${server.url}/check`);
    requests.length = 0;
    const rows = await check(page, subjectKey, claimantIndices());
    for (const row of rows) expect(row.status, `row ${row.index}`).toBe(row.index === erasedIndex ? 'erased' : 'verified');
    expect((await page.locator('#check-summary').textContent())?.trim()).not.toBe('');
    // The corrected entry links to the correcting one.
    expect(await page.locator(`#timeline [data-row][data-index="${correctedIndex}"] a[href="/entries/${correctionIndex}"]`).count()).toBeGreaterThan(0);
    await expectAccessible(page, 'check with a timeline');
    await screenshot(page, 'check-timeline', 'desktop');

    // An adviser holding only July's key sees July's entries and nothing else.
    const july = formatHeldKey(deriveMonthKey(parseHeldKey(subjectKey), '2026-07'));
    const julyRows = await check(page, july, claimantIndices('2026-07'));
    expect(julyRows.length).toBeGreaterThan(0);
    for (const row of julyRows) expect(row.status, `row ${row.index}`).toBe('verified');

    // With another person's reference, the same key finds the same entries, and none verifies:
    // the partner's signed commitment says whom each is about.
    const other = await check(page, july, claimantIndices('2026-07'), SUBJECTS[1]!);
    for (const row of other) expect(row.status, `row ${row.index}`).toBe('failed');

    // A mistyped key of the right form finds nothing: the page says what it searched, with
    // which key, and how to tell a mistyped key, by its last letters, never the key itself.
    const mistyped = july.slice(0, -1) + (july.endsWith('0') ? '1' : '0');
    await check(page, mistyped, []);
    const summary = async () => (await page.locator('#check-summary').textContent()) ?? '';
    await expect.poll(summary, SETTLE).toMatch(/found none/);
    expect(await summary()).toMatch(/with your month key for July 2026, and found none\..*one wrong letter finds nothing too/);
    expect(await summary()).toContain(`ends in “${mistyped.slice(-4)}”`);
    expect(await summary()).not.toContain(mistyped.split(':').pop()!.slice(0, 16));

    // Nothing the page asked for carries either key or the reference, in any form, and nothing went elsewhere.
    expect(requests.length).toBeGreaterThan(0);
    const secrets = [subjectKey, july].flatMap((text) => {
      const hex = text.split(':').pop()!;
      const bytes = Buffer.from(hex, 'hex');
      return [text, hex, hex.toUpperCase(), bytes.toString('base64'), bytes.toString('base64url'), encodeURIComponent(text)];
    });
    secrets.push(claimant, claimant.slice(0, 8), SUBJECTS[1]!.slice(0, 8));
    for (const r of requests) {
      const seen = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body ?? ''}`;
      for (const secret of secrets) expect(seen.includes(secret), `${r.method} ${r.url} carries the key`).toBe(false);
      expect(new URL(r.url).origin, `${r.url}: a request outside the log`).toBe(new URL(server.url).origin);
    }
    expect(page.url()).not.toContain(subjectKey.split(':').pop()!);

    // Nor does any name an entry: shared reads only (buckets, bundles, tiles), and the details
    // in POSTs of one fixed size (issue 14, seam 4).
    for (const r of requests) {
      const url = new URL(r.url);
      expect(url.pathname, `${r.method} ${r.url}`).not.toMatch(/^\/v1\/(entries|proofs|receipts)\b/);
      expect(url.search, `${r.method} ${r.url}`).toBe('');
      for (const index of claimantIndices()) expect(url.pathname.split('/'), `${r.method} ${r.url} names entry ${index}`).not.toContain(String(index));
    }
    expect(requests.some((r) => new URL(r.url).pathname.startsWith('/tile/entries/'))).toBe(true);
    const posts = requests.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    for (const r of posts) expect(new URL(r.url).pathname).toBe('/v1/details');
    expect(new Set(posts.map((r) => r.body?.length))).toEqual(new Set([3026]));
  });
  test('Check my record reports the period actually searched: a day key asked for three months searches one day; with no dates, up to today', async () => {
    const { page, expectNoErrors } = await openPage(browser);
    await page.goto(`${server.url}/check`);
    const july = posted.find((p) => p.subject === claimant && p.type === 'access' && p.hour!.startsWith('2026-07'))!;
    const day = july.hour!.slice(0, 10);
    const dayKey = formatHeldKey(deriveDayKey(parseHeldKey(subjectKey), day));
    await check(page, dayKey, claimantIndices(day));
    const summary = (await page.locator('#check-summary').textContent()) ?? '';
    expect(summary).toContain(`about you on ${describeDay(day)} (dates in UTC).`);
    expect(summary).toContain(`You asked for 1 June 2026 to 31 August 2026, but your day key for ${describeDay(day)} covers only 1 day of it, so only that day was searched.`);
    expectNoErrors();

    // With no dates, the search runs up to today (UTC) and no further: on 10 August, the
    // claimant's entries of later days are not asked for.
    const { page: later, expectNoErrors: noErrorsLater } = await openPage(browser);
    await later.clock.setFixedTime(new Date('2026-08-10T12:00:00Z'));
    await later.goto(`${server.url}/check`);
    await later.locator('#held-key').fill(subjectKey);
    await later.locator('#subject-id').fill(claimant);
    await later.locator('#check-submit').click();
    const expected = posted.filter((p) => p.subject === claimant && p.hour! <= '2026-08-10T23').map((p) => p.index).sort((a, b) => a - b);
    expect(expected.length).toBeLessThan(claimantIndices().length);
    await expect.poll(async () => (await timeline(later)).map((r) => r.index).sort((a, b) => a - b), SETTLE).toEqual(expected);
    await expect.poll(async () => (await later.locator('#check-summary').textContent()) ?? '', SETTLE).toContain('from 1 January 2026 to today, 10 August 2026 (dates in UTC)');
    noErrorsLater();
  });

  test('Make a key for an adviser: month and day keys made in the page, shown, copied and downloaded, never sent; the adviser’s key finds its month', async () => {
    const { context, page, requests, expectNoErrors } = await openPage(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.goto(`${server.url}/check`);
    requests.length = 0;
    const held = parseHeldKey(subjectKey);
    const wanted = ['2026-07', '2026-08'].map((m) => formatHeldKey(deriveMonthKey(held, m)));

    // By keyboard: the key, then the form's controls, then Enter on the button.
    await page.locator('#held-key').fill(subjectKey);
    await page.locator('#adviser-kind').focus();
    expect(await page.locator('#adviser-kind').inputValue()).toBe('month');
    await page.locator('#adviser-month-from').selectOption('07');
    await page.locator('#adviser-month-to').selectOption('08');
    await page.locator('#adviser-submit').focus();
    await page.keyboard.press('Enter');
    expect(await settled(page, '#adviser-result', ['done', 'failed'])).toBe('done');
    expect(await page.locator('#adviser-result').textContent()).toBe('Made 2 keys, one for each month from July 2026 to August 2026. Copy or download each below, and give them to your adviser.');
    expect((await page.locator('#adviser-keys code').allTextContents()).map((t) => t.trim())).toEqual(wanted);
    await expectAccessible(page, 'check with adviser keys');
    await screenshot(page, 'check-adviser-keys', 'desktop');

    // Download: a small text file holding the key, and nothing else.
    const [file] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.locator('#adviser-keys li').first().locator('.download-key').click()]);
    expect(file.suggestedFilename()).toBe('month-key-2026-07.txt');
    const saved = join(dataDir, file.suggestedFilename());
    await file.saveAs(saved);
    expect(readFileSync(saved, 'utf8')).toBe(`${wanted[0]}\n`);

    // Copy: the key on the clipboard.
    await page.locator('#adviser-keys li').nth(1).locator('.copy-key').click();
    await expect.poll(() => page.locator('#adviser-keys li').nth(1).locator('.copy-status').textContent(), SETTLE).toBe('Copied.');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(wanted[1]);

    // Day keys, across the month's end.
    await page.locator('#adviser-kind').selectOption('day');
    expect(await page.locator('#adviser-months').isHidden()).toBe(true);
    await page.locator('#adviser-day-from').fill('2026-07-31');
    await page.locator('#adviser-day-to').fill('2026-08-01');
    await page.locator('#adviser-submit').click();
    await expect.poll(async () => (await page.locator('#adviser-keys code').allTextContents()).map((t) => t.trim()), SETTLE).toEqual(
      ['2026-07-31', '2026-08-01'].map((d) => formatHeldKey(deriveDayKey(held, d))),
    );
    // A day outside the key's year is refused in words.
    await page.locator('#adviser-day-to').fill('2027-01-02');
    await page.locator('#adviser-submit').click();
    await expect.poll(() => page.locator('#adviser-result').textContent(), SETTLE).toBe('Your key covers the year 2026 only. Choose days within it.');
    expect(await page.locator('#adviser-result').getAttribute('data-status')).toBe('failed');

    // Making, copying and downloading keys asked the server for nothing: no request at all,
    // so none can carry the held key or a key made from it.
    const secrets = [subjectKey, ...wanted].flatMap((text) => {
      const hex = text.split(':').pop()!;
      return [text, hex, Buffer.from(hex, 'hex').toString('base64')];
    });
    for (const r of requests) {
      const seen = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body ?? ''}`;
      for (const secret of secrets) expect(seen.includes(secret), `${r.method} ${r.url} carries a key`).toBe(false);
    }
    expect(requests.filter((r) => !r.url.startsWith('blob:')).map((r) => `${r.method} ${r.url}`)).toEqual([]);

    // The adviser, with only the July key, finds the claimant's July entries.
    await page.locator('#held-key').fill('');
    await page.locator('#key-file').setInputFiles(saved);
    const rows = await (async () => {
      await page.locator('#subject-id').fill(claimant);
      await page.locator('#from').fill(FROM);
      await page.locator('#to').fill(TO);
      await page.locator('#check-submit').click();
      await expect.poll(async () => (await timeline(page)).map((r) => r.index).sort((a, b) => a - b), SETTLE).toEqual(claimantIndices('2026-07'));
      return timeline(page);
    })();
    for (const row of rows) expect(row.status, `row ${row.index}`).not.toBe('failed');
    expectNoErrors();
  });

  test('Make a key for an adviser works at a phone’s width', async () => {
    const { page, expectNoErrors } = await openPage(browser, { width: 'phone' });
    await page.goto(`${server.url}/check`);
    await page.locator('#held-key').fill(subjectKey);
    await page.locator('#adviser-month-from').selectOption('01');
    await page.locator('#adviser-month-to').selectOption('12');
    await page.locator('#adviser-submit').click();
    expect(await settled(page, '#adviser-result', ['done', 'failed'])).toBe('done');
    expect(await page.locator('#adviser-keys li').count()).toBe(12);
    expect(await horizontalOverflow(page), 'the keys fit at 360 px').toBeLessThanOrEqual(0);
    await expectAccessible(page, 'check with adviser keys (phone)');
    await screenshot(page, 'check-adviser-keys', 'phone');
    expectNoErrors();
  });

  test('"I don’t recognise this" downloads an evidence bundle that `sightline verify --bundle` accepts', async () => {
    const { page, requests } = await openPage(browser);
    await page.goto(`${server.url}/check`);
    await check(page, subjectKey, claimantIndices());
    requests.length = 0;
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.locator(`#timeline [data-row][data-index="${plainIndex}"] .not-recognised`).click()]);
    expect(download.suggestedFilename()).toBe(`sightline-evidence-${plainIndex}.json`);
    bundleFile = join(dataDir, download.suggestedFilename());
    await download.saveAs(bundleFile);
    // The bundle is made from what the check already read and proved: no request names the entry.
    expect(requests.map((r) => new URL(r.url).pathname).filter((p) => /^\/v1\/(entries|proofs|receipts)\b/.test(p) || p.split('/').includes(String(plainIndex)))).toEqual([]);
    const bundle = JSON.parse(readFileSync(bundleFile, 'utf8')) as Record<string, unknown>;
    expect(bundle).toMatchObject({ type: 'sightline-evidence-bundle', version: 1, origin: ORIGIN, index: plainIndex, logKey: verifierKey, witnessKeys: [], quorum: 0 });
    const entry = ((await (await fetch(`${server.url}/v1/entries/${plainIndex}`)).json()) as { data: string }).data;
    expect(bundle.entry).toBe(entry);
    expect(typeof bundle.summary === 'string' && bundle.summary.length > 0).toBe(true);
    expect(Number.isNaN(Date.parse(String(bundle.createdAt)))).toBe(false);

    const verified = await runCli(['verify', '--bundle', bundleFile, '--log-key', verifierKey]);
    expect(verified.code, `${verified.stdout}${verified.stderr}`).toBe(0);
  });
  test('Verify a receipt: a good receipt and its entry are valid; a changed byte in either is invalid; an evidence bundle alone is valid', async () => {
    const { page, expectNoErrors } = await openPage(browser);
    await page.goto(`${server.url}/verify`);
    const receipt = await (await fetch(`${server.url}/v1/receipts/${plainIndex}`)).text();
    const entry = Buffer.from(((await (await fetch(`${server.url}/v1/entries/${plainIndex}`)).json()) as { data: string }).data, 'base64');
    const verify = async (receiptText: string | Buffer, entryBytes: Buffer | undefined, expected: 'valid' | 'invalid', name = `entry-${plainIndex}.tlog-proof`) => {
      // The result of the previous run must not be mistaken for this one.
      await page.evaluate(`document.getElementById('verify-result').removeAttribute('data-status')`);
      await page.locator('#receipt-file').setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from(receiptText) });
      await page.locator('#entry-file').setInputFiles(entryBytes === undefined ? [] : { name: `entry-${plainIndex}.bin`, mimeType: 'application/octet-stream', buffer: entryBytes });
      await page.locator('#verify-submit').click();
      expect(await settled(page, '#verify-result', ['valid', 'invalid']), `${name}${entryBytes === undefined ? ' alone' : ''}`).toBe(expected);
    };

    await verify(receipt, entry, 'valid');
    expect(await page.locator('#verify-result').textContent()).toContain(String(plainIndex));
    await expectAccessible(page, 'verify with a result');
    await screenshot(page, 'verify-result', 'desktop');

    // One byte of the receipt changed: the first character of the first proof hash.
    const lines = receipt.split('\n');
    const hashLine = lines.findIndex((l) => l.startsWith('index ')) + 1;
    expect(lines[hashLine]).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    lines[hashLine] = (lines[hashLine]![0] === 'A' ? 'B' : 'A') + lines[hashLine]!.slice(1);
    await verify(lines.join('\n'), entry, 'invalid');

    // One byte of the entry changed.
    const changed = Buffer.from(entry);
    changed[changed.length - 2] = changed[changed.length - 2]! ^ 0x01;
    await verify(receipt, changed, 'invalid');

    // The evidence bundle carries its entry.
    await verify(readFileSync(bundleFile), undefined, 'valid', `sightline-evidence-${plainIndex}.json`);
    expectNoErrors();
  });
  test('the monitor page: a first visit keeps the checkpoint; after the log grows, a reload proves it consistent', async () => {
    const { page, expectNoErrors } = await openPage(browser);
    await page.goto(`${server.url}/monitor`);
    expect(await settled(page, '#monitor-status', ['first', 'consistent', 'inconsistent', 'failed'])).toBe('first');
    const before = await treeSize();
    for (let i = 0; i < 3; i++) await postRaw(`a raw entry after the first visit, ${i}`);
    const after = await treeSize();
    expect(after).toBe(before + 3);
    await page.reload();
    expect(await settled(page, '#monitor-status', ['first', 'consistent', 'inconsistent', 'failed'])).toBe('consistent');
    const history = (await page.locator('#monitor-history').textContent()) ?? '';
    expect(history.replace(/,/g, '')).toContain(String(after));
    await screenshot(page, 'monitor-consistent', 'desktop');
    expectNoErrors();
  });

  test('an entry changed in the database behind the log’s back is marked failed, never verified', async () => {
    const leaf = Buffer.from(((await (await fetch(`${server.url}/v1/entries/${plainIndex}`)).json()) as { data: string }).data, 'base64');
    // One byte: a hex digit of the actor, so the leaf still parses and only the checks can tell.
    const at = leaf.indexOf('"actor":"') + '"actor":"'.length;
    expect(at).toBeGreaterThan(8);
    const replacement = leaf[at] === 0x30 ? 0x31 : 0x30;
    expect(await server.stop()).toBe(0);
    const db = await openDatabase({ dataDir });
    try {
      await db.db.execute(sql`update entries set data = overlay(data placing decode(${replacement.toString(16)}, 'hex') from ${at + 1}::int for 1) where leaf_index = ${plainIndex}`);
    } finally {
      await db.close();
    }
    server = await startServe(['--data-dir', dataDir, '--origin', ORIGIN]);
    const stored = Buffer.from(((await (await fetch(`${server.url}/v1/entries/${plainIndex}`)).json()) as { data: string }).data, 'base64');
    expect(stored.length).toBe(leaf.length);
    expect([...stored].filter((b, i) => b !== leaf[i])).toEqual([replacement]);

    const { page } = await openPage(browser);
    await page.goto(`${server.url}/check`);
    // Every status any row ever shows, not just the last: the tampered row must never read verified.
    await page.evaluate(`(() => {
      const seen = (window.seenStatuses = []);
      const note = (el) => { if (el.nodeType === 1 && el.matches('[data-row]')) seen.push(el.getAttribute('data-index') + ':' + el.getAttribute('data-status')); };
      new MutationObserver((records) => records.forEach((r) => {
        if (r.type === 'attributes') note(r.target);
        r.addedNodes.forEach((n) => { note(n); if (n.nodeType === 1) n.querySelectorAll('[data-row]').forEach(note); });
      })).observe(document.getElementById('timeline'), { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status', 'data-index'] });
    })()`);
    const rows = await check(page, subjectKey, claimantIndices());
    for (const row of rows) expect(row.status, `row ${row.index}`).toBe(row.index === plainIndex ? 'failed' : row.index === erasedIndex ? 'erased' : 'verified');
    const seen = (await page.evaluate('window.seenStatuses')) as string[];
    expect(seen).toContain(`${plainIndex}:failed`);
    expect(seen).not.toContain(`${plainIndex}:verified`);
    await screenshot(page, 'check-tampered', 'desktop');
  });
});

