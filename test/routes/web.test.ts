/**
 * The explorer's server-rendered pages through `app.request()`: every page and its headers,
 * the identity meta tags, navigation, the entry page for typed and raw entries, error
 * pages, the public figures, escaping of what the log holds, and the asset routes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { DEFAULT_CODES, type SightlineEvent, encodeEventLeaf } from '../../src/events/index.js';
import { CONTENT_SECURITY_POLICY, NOT_A_CODE, type WebWitnessing, createFigures } from '../../src/web/index.js';
import { type EventDraft, accessDraft, targetingEvent } from '../support/events.js';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';
import { tempDir } from '../support/temp.js';
import { HANG_MS, until } from '../support/waits.js';
import { example } from '../support/event-examples.js';

const scratch = tempDir('web');
const BUILT_SCRIPT = join(scratch, 'explorer.js');
writeFileSync(BUILT_SCRIPT, 'export const explorer = 1;\n');

/** A whole log with the explorer's pages; `witnessing` stands in for the witnesses the pages list. */
async function newWebLog(options: { explorerScript?: string; witnessing?: WebWitnessing } = {}) {
  const log = await newTestLog(new MemoryStore(), {
    partnerName: 'Partner <A>',
    web: { explorerScript: options.explorerScript ?? BUILT_SCRIPT, witnessing: options.witnessing },
  });
  const submit = async (entry: string) => {
    const res = await log.submit(entry);
    expect(res.status).toBe(201);
    return ((await res.json()) as { index: number }).index;
  };
  const submitEvent = async (draft: EventDraft) => {
    const res = await log.submitEvent(draft);
    const body = (await res.json()) as { index: number };
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body.index;
  };
  return { app: log.app, store: log.store, meta: log.meta, logs: log.logs, operatorToken: log.operatorToken, submit, submitEvent };
}

type WebLog = Awaited<ReturnType<typeof newWebLog>>;

/** The text of a fragment of HTML: tags dropped, entities decoded, spaces collapsed. */
function text(fragment: string): string {
  return fragment
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The element with this id, from its start tag to its matching end tag (no nesting of the same tag name assumed). */
function element(page: string, id: string): string {
  const start = page.search(new RegExp(`<([a-z0-9]+)[^>]*\\sid="${id}"`));
  expect(start, `#${id}`).toBeGreaterThanOrEqual(0);
  const tag = /^<([a-z0-9]+)/.exec(page.slice(start))![1]!;
  const end = page.indexOf(`</${tag}>`, start);
  return page.slice(start, end + tag.length + 3);
}

function startTag(page: string, id: string): string {
  return /^<[^>]*>/.exec(element(page, id))![0];
}

/** Each body row of table #id, as the text of its cells. */
function rows(page: string, id: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(element(page, id))![1]!;
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1]!)));
}

const PAGES = [
  { path: '/', page: 'log', current: '/' },
  { path: '/check', page: 'check', current: '/check' },
  { path: '/verify', page: 'verify', current: '/verify' },
  { path: '/monitor', page: 'monitor', current: '/monitor' },
] as const;

function expectHtmlHeaders(res: Response): void {
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-cache');
  expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
}

/** What every page has, whatever it is: the frame of the contract, and nothing CSP forbids. */
function expectFrame(page: string, log: WebLog, dataPage: string, current: string | undefined): void {
  expect(page.startsWith('<!doctype html>')).toBe(true);
  expect(page).toContain('<html lang="en">');
  expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  expect(page).toMatch(/<title>[^<]+<\/title>/);
  expect(page).toContain(`<meta name="sightline-origin" content="${log.meta.origin}">`);
  expect(page).toContain(`<meta name="sightline-log-key" content="${log.meta.verifierKey}">`);
  expect(page).toContain('<link rel="stylesheet" href="/assets/explorer.css">');
  expect(page).toContain('<script type="module" src="/assets/explorer.js"></script>');
  expect(page).toContain(`<body data-page="${dataPage}">`);
  expect(page).toMatch(/<a class="skip-link" href="#main">/);
  expect(page).toContain('<main id="main"');
  expect(page).toMatch(/<header[\s>]/);
  expect(page).toMatch(/<footer[\s>]/);
  expect(page.match(/<h1[\s>]/g)).toHaveLength(1);
  // Navigation: the four links, the current one (only) marked.
  const nav = /<nav aria-label="Main">([\s\S]*?)<\/nav>/.exec(page)![1]!;
  for (const href of ['/', '/check', '/verify', '/monitor']) expect(nav).toContain(`href="${href}"`);
  const marked = [...nav.matchAll(/<a href="([^"]*)" aria-current="page">/g)].map((m) => m[1]);
  expect(marked).toEqual(current === undefined ? [] : [current]);
  // CSP: no inline script, style element, style attribute or event handler attribute.
  for (const script of page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    expect(script[1]).toMatch(/\ssrc="/);
    expect(script[2]).toBe('');
  }
  expect(page).not.toMatch(/<style[\s>]/i);
  for (const tag of page.match(/<[a-zA-Z][^>]*>/g)!) {
    expect(tag).not.toMatch(/\sstyle=/i);
    expect(tag).not.toMatch(/\son[a-z]+=/i);
    expect(tag).not.toMatch(/javascript:/i);
    expect(tag, 'nothing from elsewhere: the explorer works on an isolated network').not.toMatch(/\s(href|src|action)="(https?:)?\/\//i);
  }
  // Every form control has a label.
  for (const m of page.matchAll(/<(input|textarea|select)\b[^>]*\sid="([^"]+)"/g)) expect(page, `label for #${m[2]}`).toContain(`<label for="${m[2]}">`);
}

let log: WebLog;
beforeEach(async () => {
  log = await newWebLog();
});

describe('every page', () => {
  test.each(PAGES)('$path is a full page with the meta tags, navigation and security headers', async ({ path, page, current }) => {
    await log.submit('first entry');
    const res = await log.app.request(path);
    expect(res.status).toBe(200);
    expectHtmlHeaders(res);
    expectFrame(await res.text(), log, page, current);
  });

  test('an entry page has the frame too, with no navigation link marked current', async () => {
    await log.submit('first entry');
    const res = await log.app.request('/entries/0');
    expect(res.status).toBe(200);
    expectHtmlHeaders(res);
    expectFrame(await res.text(), log, 'entry', undefined);
  });

  test('HEAD of a page answers without a body', async () => {
    const res = await log.app.request('/', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});

describe('the log page', () => {
  test('shows the origin, the log key and where to compare it, the size, and the pending checkpoint status', async () => {
    await log.submit('one');
    await log.submit('two');
    const page = await (await log.app.request('/')).text();
    expect(text(element(page, 'log-key'))).toBe(log.meta.verifierKey);
    expect(startTag(page, 'log-key')).toMatch(/^<code /);
    expect(page).toMatch(/Compare it with the key the organisation running the log publishes/);
    expect(text(element(page, 'tree-size'))).toBe('2');
    expect(startTag(page, 'checkpoint-status')).toContain('data-status="pending"');
    expect(startTag(page, 'checkpoint-status')).toContain('aria-live="polite"');
    expect(text(element(page, 'checkpoint'))).toContain(log.meta.origin);
    expect(element(page, 'witnesses')).toBe('<ul id="witnesses" aria-labelledby="witnesses-heading"></ul>');
    expect(page).toContain('This log has no independent witnesses');
    expect(page).toMatch(/<noscript>/);
    // The latest entries, newest first, link to their pages.
    expect(page.indexOf('href="/entries/1"')).toBeLessThan(page.indexOf('href="/entries/0"'));
  });

  test('lists each witness: name, key, the size it last cosigned and when', async () => {
    const witnessing: WebWitnessing = {
      quorum: 1,
      status: () => [
        { name: 'w1.example.org/w', url: 'https://w1.example.org', verifierKey: 'w1.example.org/w+01234567+BAAA', treeSize: 7, cosignedAt: 1_770_000_000, lastError: undefined },
        { name: 'w2.example.org/<b>', url: 'https://w2.example.org', verifierKey: 'w2.example.org/w+89abcdef+BAAB', treeSize: undefined, cosignedAt: undefined, lastError: '500: down' },
      ],
    };
    const witnessed = await newWebLog({ witnessing });
    const page = await (await witnessed.app.request('/')).text();
    const items = [...element(page, 'witnesses').matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => text(m[1]!));
    expect(items).toHaveLength(2);
    expect(items[0]).toContain('w1.example.org/w');
    expect(items[0]).toContain('w1.example.org/w+01234567+BAAA');
    expect(items[0]).toContain('7 entries');
    expect(items[0]).toContain(new Date(1_770_000_000 * 1000).toISOString().slice(0, 10));
    expect(items[1]).toContain('has not cosigned');
    expect(page).toContain('w2.example.org/&lt;b&gt;');
    expect(page).not.toContain('<b>');
  });
});

const HOURS = { nov: '2025-11-03T09', dec: '2025-12-15T14', jan: '2026-01-20T08' } as const;
const label = (list: keyof typeof DEFAULT_CODES, code: string) => DEFAULT_CODES[list][code]!;

describe('the check page', () => {
  test('offers a key for an adviser: months or days, what the adviser can and cannot see, and no control that could send a key', async () => {
    const page = await (await log.app.request('/check')).text();
    const adviser = element(page, 'adviser');
    expect(text(element(page, 'adviser-heading'))).toBe('Make a key for an adviser');
    const explained = text(element(page, 'adviser-explained'));
    expect(explained).toContain('What the adviser can see with it: on this page, every record about you in the months or days you chose');
    expect(explained).toContain('What they cannot see: any record from another month or day. They cannot work out your own key');
    expect(text(adviser)).toContain('never sent anywhere');
    expect(startTag(page, 'adviser-form')).toContain('action="#"');
    // Both kinds, and each month of the key's year, in words.
    expect(element(page, 'adviser-kind')).toMatch(/<option value="month" selected>Whole months<\/option>\s*<option value="day">Single days<\/option>/);
    for (const id of ['adviser-month-from', 'adviser-month-to']) {
      expect([...element(page, id).matchAll(/<option value="([0-9]{2})">([A-Za-z]+)<\/option>/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual([
        '01 January', '02 February', '03 March', '04 April', '05 May', '06 June', '07 July', '08 August', '09 September', '10 October', '11 November', '12 December',
      ]);
    }
    expect(page).toMatch(/<input type="date" id="adviser-day-from"/);
    expect(startTag(page, 'adviser-result')).toContain('aria-live="polite"');
    // As in the check form: no control has a name, so nothing is submitted without the browser module.
    for (const tag of adviser.match(/<(input|select|textarea)\b[^>]*>/g)!) expect(tag).not.toMatch(/\sname=/);
  });

  test('says the dates are UTC days and the times on records UK time', async () => {
    const hint = text(element(await (await log.app.request('/check')).text(), 'dates-hint'));
    expect(hint).toContain('every date your key covers, up to today');
    expect(hint).toContain('These dates are days in UTC');
    expect(hint).toContain('the times shown on each record are UK time');
  });
});

describe('the monitor page', () => {
  test('shows the root hash once, whole, in the checkpoint’s own base64, never in hex', async () => {
    await log.submit('one');
    await log.submit('two');
    const checkpoint = await (await log.app.request('/checkpoint')).text();
    const root = checkpoint.split('\n')[2]!;
    expect(root).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const page = await (await log.app.request('/monitor')).text();
    expect(text(element(page, 'monitor-root-hash'))).toBe(root);
    expect(text(element(page, 'main'))).toContain('root hash (base64, as in the checkpoint)');
    const hex = Buffer.from(root, 'base64').toString('hex');
    expect(page).not.toContain(hex.slice(0, 16));
  });
});

describe('the entry page', () => {
  test('shows a typed event in plain English, with code-list labels and not codes, and pending checks', async () => {
    const index = await log.submitEvent(
      accessDraft('partner-a', 1, HOURS.nov, 'AB123456C', { organisation: 'hmrc', system: 'searchlight', actorRole: 'fraud-investigator', action: 'export', purpose: 'debt-recovery', legalBasis: 'ssaa-1992', categories: ['bank-details', 'income'] }),
    );
    const page = await (await log.app.request(`/entries/${index}`)).text();
    const fields = element(page, 'entry-fields');
    expect(startTag(page, 'entry-fields')).toMatch(/^<dl /);
    const shown = text(fields);
    for (const [list, code] of [
      ['organisations', 'hmrc'],
      ['systems', 'searchlight'],
      ['roles', 'fraud-investigator'],
      ['actions', 'export'],
      ['purposes', 'debt-recovery'],
      ['legalBases', 'ssaa-1992'],
      ['categories', 'bank-details'],
      ['categories', 'income'],
    ] as const) {
      expect(shown).toContain(label(list, code));
      expect(fields).not.toContain(`>${code}<`);
    }
    expect(shown).toContain('Access to a claimant’s data');
    expect(shown).toContain('Monday 3 November 2025, between 9am and 10am (UK time)'); // GMT in November
    expect(shown).toMatch(/partner-a.*entry number 1/);
    // Public fields only: the details and the subject's reference are never on the page.
    expect(page).not.toContain('AB123456C');
    expect(page).not.toContain('viewed claim summary');
    expect(page).not.toContain('case-1');
    expect(startTag(page, 'signature-status')).toContain('data-status="pending"');
    expect(startTag(page, 'inclusion-status')).toContain('data-status="pending"');
    expect(text(element(page, 'log-key'))).toBe(log.meta.verifierKey);
  });

  test('shows the leaf hash in base64, as /v1/entries gives it and the browser’s check shows it', async () => {
    await log.submit('first entry');
    const api = (await (await log.app.request('/v1/entries/0')).json()) as { leafHash: string };
    const page = await (await log.app.request('/entries/0')).text();
    expect(text(element(page, 'leaf-hash'))).toBe(api.leafHash);
    expect(page).toContain('Leaf hash (SHA-256, RFC 6962), in base64');
    expect(page).not.toContain(Buffer.from(api.leafHash, 'base64').toString('hex'));
  });

  test('an erasure links to the entry it is about', async () => {
    const target = await log.submitEvent(accessDraft('partner-a', 1, HOURS.nov));
    const erasure = await log.submitEvent({ event: targetingEvent('erasure', 'partner-a', 2, HOURS.dec, target), subject: { scheme: 'nino', id: 'AB123456C' }, details: { reason: 'wrong claimant' } });
    const page = await (await log.app.request(`/entries/${erasure}`)).text();
    expect(element(page, 'entry-fields')).toContain(`<a href="/entries/${target}">entry ${target}</a>`);
    expect(text(element(page, 'entry-fields'))).toContain('Details of an earlier entry erased');
  });

  test('lists what happened to the entry since: every read of its details by the operator, its correction and its erasure, each linked', async () => {
    const target = await log.submitEvent(accessDraft('partner-a', 1, HOURS.nov));
    const before = await (await log.app.request(`/entries/${target}`)).text();
    expect(text(element(before, 'since'))).toContain('Nothing: no one has read, corrected or erased its private details');
    const read = await log.app.request(`/v1/entries/${target}/details?purpose=complaint-handling&legalBasis=ukgdpr-6-1-e`, { headers: { authorization: `Bearer ${log.operatorToken}` } });
    const body = (await read.json()) as { disclosure: number };
    expect(read.status, JSON.stringify(body)).toBe(200);
    const { disclosure } = body;
    const erasure = await log.submitEvent({ event: targetingEvent('erasure', 'partner-a', 2, HOURS.dec, target), subject: { scheme: 'nino', id: 'AB123456C' }, details: {} });
    const page = await (await log.app.request(`/entries/${target}`)).text();
    const since = element(page, 'since-list');
    expect(since).toContain(`<a href="/entries/${disclosure}">The log operator read its private details: entry ${disclosure}</a>`);
    expect(since).toContain(`<a href="/entries/${erasure}">Its private details were erased: entry ${erasure}</a>`);
    // The read itself is an entry of its own, in plain English.
    const readPage = await (await log.app.request(`/entries/${disclosure}`)).text();
    expect(text(element(readPage, 'entry-fields'))).toContain('The log operator read an entry’s details');
  });

  test('says "raw entry" for a raw one and shows its bytes escaped: a hostile entry cannot inject markup', async () => {
    const hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"> & "quotes" \u202e';
    const index = await log.submit(hostile);
    const res = await log.app.request(`/entries/${index}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('This is a raw entry');
    expect(text(element(page, 'entry-fields'))).toContain('Raw entry (not a typed event)');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt; &amp; &quot;quotes&quot; \ufffd');
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('\u202e');
    expect(page).toContain(Buffer.from(hostile).toString('hex').slice(0, 64));
    expect(startTag(page, 'signature-status')).toContain('data-status="none"');
    expect(startTag(page, 'inclusion-status')).toContain('data-status="pending"');
    expectFrame(page, log, 'entry', undefined);
  });

  test('the log’s record of its code lists says what it is', async () => {
    await log.submitEvent(accessDraft('partner-a', 1, HOURS.nov)); // the record comes first
    const page = await (await log.app.request('/entries/0')).text();
    expect(text(element(page, 'entry-fields'))).toContain('The log recorded a change of its code lists');
    expect(startTag(page, 'signature-status')).toContain('data-status="none"');
  });
});

describe('pages that cannot be shown', () => {
  test('an unknown entry is a full HTML 404 page with the navigation', async () => {
    await log.submit('only entry');
    const res = await log.app.request('/entries/5');
    expect(res.status).toBe(404);
    expectHtmlHeaders(res);
    const page = await res.text();
    expectFrame(page, log, 'error', undefined);
    expect(text(element(page, 'error-message'))).toContain('This log has no entry 5: it has 1 entry');
  });

  test.each(['abc', '-1', '1.5', '0x10', '99999999999999999999'])('/entries/%s is a full HTML 400 page', async (bad) => {
    const res = await log.app.request(`/entries/${bad}`);
    expect(res.status).toBe(400);
    expectHtmlHeaders(res);
    expectFrame(await res.text(), log, 'error', undefined);
  });

  test('the go-to-entry form redirects to the entry, or answers 400', async () => {
    const ok = await log.app.request('/entries?index=12');
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/entries/12');
    const bad = await log.app.request('/entries?index=%3Cb%3E');
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain('<b>');
  });

  test('a page whose reads fail answers an HTML 503 and logs why', async () => {
    await log.submit('one');
    (log.store as MemoryStore).readEntries = async () => {
      throw new Error('database down');
    };
    const res = await log.app.request('/entries/0');
    expect(res.status).toBe(503);
    expectHtmlHeaders(res);
    expect(await res.text()).toContain('Something went wrong while reading the log');
    expect(log.logs.some((r) => r.msg === 'page failed' && String(r.error).includes('database down'))).toBe(true);
  });

  const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

  test.each(['/nonexistent', '/entries/5/more', '/check/', '/a/b/c?x=1'])('a browser asking for %s, which is no page, gets the explorer’s HTML 404 page', async (path) => {
    const res = await log.app.request(path, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(404);
    expectHtmlHeaders(res);
    const page = await res.text();
    expectFrame(page, log, 'error', undefined);
    expect(text(element(page, 'error-message'))).toContain('There is no page at this address');
    // HEAD too, without a body.
    const head = await log.app.request(path, { method: 'HEAD', headers: { accept: BROWSER_ACCEPT } });
    expect([head.status, head.headers.get('content-type'), await head.text()]).toEqual([404, 'text/html; charset=utf-8', '']);
  });

  test('the 404 page does not repeat the address as markup', async () => {
    const res = await log.app.request('/%3Cscript%3Ealert(1)%3C/script%3E', { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('<script>alert');
  });

  test.each([
    ['/nonexistent', 'application/json'],
    ['/nonexistent', 'application/problem+json'],
    ['/nonexistent', '*/*'],
    ['/nonexistent', undefined],
    ['/nonexistent', 'application/json, text/html;q=0.5'],
    ['/v1/nonexistent', BROWSER_ACCEPT],
    ['/v1', BROWSER_ACCEPT],
    ['/v1%2Fproofs%2Finclusion', BROWSER_ACCEPT],
    ['/tile/nonexistent/x', BROWSER_ACCEPT],
    ['/checkpoint/x', BROWSER_ACCEPT],
    ['/assets/nonexistent.js', BROWSER_ACCEPT],
  ])('an API client (%s, Accept %s) keeps the JSON problem for an unknown route', async (path, accept) => {
    const res = await log.app.request(path, accept === undefined ? {} : { headers: { accept } });
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    // A tile path that is not one is the tile route's malformed request.
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual(path.startsWith('/tile/') ? [404, 'MALFORMED_TILE'] : [404, 'NOT_FOUND']);
  });

  test('a POST to an unknown path is a JSON problem, whatever it accepts', async () => {
    const res = await log.app.request('/nonexistent', { method: 'POST', body: 'x', headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  test('the API keeps its JSON problems', async () => {
    const res = await log.app.request('/v1/entries/9');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('the public figures', () => {
  test('count accesses per organisation, purpose, legal basis and month, erasures, coverage changes and sequence gaps', async () => {
    const access = (seq: number, hour: string, overrides: Record<string, unknown>) => log.submitEvent(accessDraft('partner-a', seq, hour, 'AB123456C', overrides));
    const first = await access(1, HOURS.nov, { organisation: 'dwp', purpose: 'claim-assessment', legalBasis: 'ukgdpr-6-1-e' });
    await access(2, HOURS.nov, { organisation: 'dwp', purpose: 'claim-assessment', legalBasis: 'ssaa-1992' });
    await access(3, HOURS.dec, { organisation: 'hmrc', purpose: 'payment', legalBasis: 'ssaa-1992' });
    // A share counts as an access, by the organisation that shared.
    const share = accessDraft('partner-a', 4, HOURS.jan, 'AB123456C', { organisation: 'dwp', purpose: 'payment', legalBasis: 'welfare-reform-act-2012-s131' });
    const shareEvent: Record<string, unknown> = { ...share.event, type: 'share', recipient: 'la-housing-benefit' };
    delete shareEvent.action;
    await log.submitEvent({ ...share, event: shareEvent });
    await log.submitEvent({ event: targetingEvent('erasure', 'partner-a', 5, HOURS.jan, first), subject: { scheme: 'nino', id: 'AB123456C' }, details: { reason: 'wrong claimant' } });
    // Number 6 is skipped: a gap.
    await log.submitEvent({ event: { type: 'coverage', partner: 'partner-a', partnerSeq: 7, hour: HOURS.dec, organisation: 'dwp', system: 'pip', action: 'join' }, details: {} });
    await log.submitEvent({ event: { type: 'coverage', partner: 'partner-a', partnerSeq: 8, hour: HOURS.jan, organisation: 'dwp', system: 'pip', action: 'leave' }, details: {} });
    await log.submit('a raw entry');

    const page = await (await log.app.request('/')).text();
    const figures = element(page, 'figures');
    expect(startTag(page, 'figures')).toMatch(/^<section /);
    expect(text(element(page, 'figures-coverage'))).toContain('Figures up to entry 8: they count the first 9 entries, of the 9 entries in the log now');

    expect(rows(page, 'by-organisation')).toEqual([
      [label('organisations', 'dwp'), '3'],
      [label('organisations', 'hmrc'), '1'],
    ]);
    expect(rows(page, 'by-purpose')).toEqual([
      [label('purposes', 'claim-assessment'), '2'],
      [label('purposes', 'payment'), '2'],
    ]);
    expect(rows(page, 'by-legal-basis')).toEqual([
      [label('legalBases', 'ssaa-1992'), '2'],
      [label('legalBases', 'ukgdpr-6-1-e'), '1'],
      [label('legalBases', 'welfare-reform-act-2012-s131'), '1'],
    ]);
    expect(rows(page, 'by-month')).toEqual([
      ['November 2025', '2', '0'],
      ['December 2025', '1', '0'],
      ['January 2026', '1', '1'],
    ]);
    expect(rows(page, 'coverage-by-system')).toEqual([[label('systems', 'pip'), '1', '1', 'Left in January 2026 (entry 7)']]);
    expect(rows(page, 'coverage-changes').map((r) => r.slice(1, 3))).toEqual([
      [label('systems', 'pip'), 'Left'],
      [label('systems', 'pip'), 'Joined'],
    ]);
    // The log operator is a partner of its own, listed like any other (no act of its yet here).
    expect(rows(page, 'partner-sequences')).toEqual([
      ['The log operator (its own acts) (log-operator)', '0', 'None yet', '0', 'None'],
      ['Partner <A> (partner-a)', '7', '8', '1', '6'],
    ]);
    expect(rows(page, 'by-kind')).toEqual([
      ['Access to a claimant’s data', '3'],
      ['A system joined or left the log', '2'],
      ['Details of an earlier entry erased', '1'],
      ['Data shared with another organisation', '1'],
      ['Log records of a change of the code lists', '1'],
      ['Raw entries (not typed events)', '1'],
    ]);
    expect(text(figures)).toContain('4 accesses to claimants’ data');
    expect(text(figures)).toContain('1 erasure of private details');
    expect(text(figures)).toContain('2 times a system joined or left the log');
    // Tables: captions, and a labelled, focusable wrapper that scrolls on its own.
    for (const id of ['by-organisation', 'by-purpose', 'by-legal-basis', 'by-month', 'coverage-by-system', 'partner-sequences', 'by-kind']) {
      expect(element(page, id)).toContain(`<caption id="${id}-caption">`);
      expect(page).toContain(`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="${id}-caption"><table id="${id}">`);
    }
    // Charts: images with a text alternative that carries the numbers.
    const charts = [...figures.matchAll(/<svg\b([^>]*)>([\s\S]*?)<\/svg>/g)];
    expect(charts).toHaveLength(2);
    for (const [, attributes, body] of charts) {
      expect(attributes).toContain('role="img"');
      expect(attributes).toMatch(/aria-label="[^"]+"/);
      expect(body).toMatch(/^<title id="[^"]+">/);
    }
    expect(charts[0]![1]).toContain(`${label('organisations', 'dwp')}: 3`);
    expect(charts[1]![1]).toContain('November 2025: 2. December 2025: 1. January 2026: 1.');
  });

  test('a partner with no name is shown by its id once, not as "id (id)"; a named one by name and id', async () => {
    await log.store.addPartner({ id: 'la-leeds', name: null, tokenHash: new Uint8Array(32).fill(1), publicKey: null });
    await log.store.addPartner({ id: 'hmrc-tc', name: 'hmrc-tc', tokenHash: new Uint8Array(32).fill(2), publicKey: null });
    await log.store.addPartner({ id: 'dwp-old', name: null, tokenHash: new Uint8Array(32).fill(3), publicKey: null });
    await log.store.revokePartner('dwp-old');
    const page = await (await log.app.request('/')).text();
    const names = rows(page, 'partner-sequences').map((r) => r[0]);
    expect(names).toContain('la-leeds');
    expect(names).toContain('hmrc-tc');
    expect(names).toContain('dwp-old (no longer active)');
    expect(names).toContain('Partner <A> (partner-a)');
    for (const name of names) expect(name, 'an id shown twice').not.toMatch(/^([a-z0-9._-]+) \(\1[,)]/);
  });

  test('are refreshed incrementally, and show what is ready while a large log is still being counted', async () => {
    const entries = Array.from({ length: 5 }, (_, i) => new TextEncoder().encode(`raw ${i}`));
    let gate: (() => void) | undefined;
    let reachedGate!: () => void;
    const atGate = new Promise<void>((resolve) => (reachedGate = resolve));
    const starts: number[] = [];
    const store = {
      async readEntries(start: number, count: number) {
        starts.push(start);
        if (start === 4 && gate === undefined) {
          const opened = new Promise<void>((resolve) => (gate = resolve));
          reachedGate();
          await opened;
        }
        return entries.slice(start, start + count);
      },
      listPartners: async () => [],
      partnerSequence: async () => ({ last: null, count: 0, gaps: [], truncated: false }),
    };
    // The clock stands still unless the test moves it, so refreshes start only when it says.
    let now = 0;
    const figures = createFigures(store, { pageSize: 2, refreshMs: 1_000, waitMs: 20, now: () => now });
    void figures.current(); // starts the count, which stops at entry 4 until the gate opens
    await atGate;
    const first = await figures.current();
    expect({ upTo: first.upTo, counting: first.counting, raw: first.rawEntries }).toEqual({ upTo: 4, counting: true, raw: 4 });
    gate!();
    const counted = async () => !(await figures.current()).counting;
    await until(counted, 'the count to reach the end');
    now += 1_000;
    void figures.current(); // the next refresh, reading on from entry 5
    await until(counted, 'the next refresh to end');
    const second = await figures.current();
    expect({ upTo: second.upTo, raw: second.rawEntries }).toEqual({ upTo: 5, raw: 5 });
    // Each refresh reads on from where the last stopped.
    expect(starts).toEqual([0, 2, 4, 5]);
  });

  test('hold no unbounded string from an entry: what is not code-shaped is counted under one label', async () => {
    // Leaves a log could only hold by letting them past its intake: 300 "events" with unique
    // 60 KB organisation names. The figures stay small whatever the log holds.
    const entries = Array.from({ length: 300 }, (_, i) =>
      encodeEventLeaf({
        event: { ...example('access'), organisation: `org-${i}-${'x'.repeat(60_000)}` } as unknown as SightlineEvent,
        signature: new Uint8Array(64),
        subjectTag: 'ab'.repeat(32),
      }),
    );
    const store = {
      readEntries: async (start: number, count: number) => entries.slice(start, start + count),
      listPartners: async () => [],
      partnerSequence: async () => ({ last: null, count: 0, gaps: [], truncated: false }),
    };
    const figures = createFigures(store, { pageSize: 1000, refreshMs: 0, waitMs: HANG_MS });
    const counted = await figures.current();
    expect(counted.accesses).toBe(300);
    expect(counted.byOrganisation).toEqual([[NOT_A_CODE, 300]]);
    expect(JSON.stringify(counted).length).toBeLessThan(10_000);
  });

  test('refresh at most every refreshMs', async () => {
    let reads = 0;
    const store = {
      readEntries: async () => {
        reads++;
        return [];
      },
      listPartners: async () => [],
      partnerSequence: async () => ({ last: null, count: 0, gaps: [], truncated: false }),
    };
    let now = 1_000_000;
    const figures = createFigures(store, { refreshMs: 5_000, now: () => now });
    await figures.current();
    await figures.current();
    expect(reads).toBe(1);
    now += 5_000;
    await figures.current();
    expect(reads).toBe(2);
  });
});

describe('assets', () => {
  test('the stylesheet', async () => {
    const res = await log.app.request('/assets/explorer.css');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const css = await res.text();
    expect(css).toContain(':focus-visible');
    expect(css).toContain('prefers-reduced-motion');
    expect(css).not.toMatch(/url\(\s*['"]?(https?:)?\/\//); // nothing fetched from elsewhere
  });

  test('the browser module, when built', async () => {
    const res = await log.app.request('/assets/explorer.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe('export const explorer = 1;\n');
  });

  test('503 with a plain message when it is not built', async () => {
    const unbuilt = await newWebLog({ explorerScript: join(scratch, 'missing', 'explorer.js') });
    const res = await unbuilt.app.request('/assets/explorer.js');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toContain('npm run build');
  });
});
