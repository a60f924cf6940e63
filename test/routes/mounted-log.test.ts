/**
 * One whole log (API and explorer pages) served under a prefix of a service of many logs,
 * through mountAt, beside the same log at the root. Every URL an answer makes for itself
 * stays inside the prefix: a link checker follows every link, form, stylesheet and script of
 * every page and finds each answered through the mount; the `Link` of a cut-short
 * /v1/entries page and the `Location` of redirects and problems are under it too. The
 * tlog-tiles and JSON answers are byte for byte the root log's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { mountAt } from '../../src/http/mount.js';
import { type AppDeps, createApp } from '../../src/http/index.js';
import { type WebSources, createWebDeps } from '../../src/web/index.js';
import { accessDraft, targetingEvent } from '../support/events.js';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';
import { tempDir } from '../support/temp.js';

const scratch = tempDir('mounted-log');
const BUILT_SCRIPT = join(scratch, 'explorer.js');
writeFileSync(BUILT_SCRIPT, 'export const explorer = 1;\n');

const PREFIX = '/logs/test-log';
const BASE = `${PREFIX}/`;
const SITE = 'http://service.test';
const HOURS = { nov: '2025-11-03T09', dec: '2025-12-15T14' } as const;

/** The same log twice, written alike: one served at the root, one under PREFIX. */
async function twoLogs() {
  const web = { explorerScript: BUILT_SCRIPT };
  const root = await newTestLog(new MemoryStore(), { web });
  const mounted = await newTestLog(new MemoryStore(), { web, basePath: BASE });
  for (const log of [root, mounted]) {
    const access = async (seq: number, hour: string) => {
      const res = await log.submitEvent(accessDraft('partner-a', seq, hour, 'AB123456C'));
      expect(res.status).toBe(201);
      return ((await res.json()) as { index: number }).index;
    };
    const first = await access(1, HOURS.nov); // after the log's record of its code lists
    await access(2, HOURS.dec);
    const erasure = await log.submitEvent({ event: targetingEvent('erasure', 'partner-a', 3, HOURS.dec, first), subject: { scheme: 'nino', id: 'AB123456C' }, details: { reason: 'wrong claimant' } });
    expect(erasure.status).toBe(201);
    const coverage = await log.submitEvent({ event: { type: 'coverage', partner: 'partner-a', partnerSeq: 4, hour: HOURS.dec, organisation: 'dwp', system: 'pip', action: 'join' }, details: {} });
    expect(coverage.status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await log.submit(`raw entry ${i}`)).status).toBe(201);
  }
  return { root, mounted };
}

let logs: Awaited<ReturnType<typeof twoLogs>>;
/** The service: the log under PREFIX, and nothing else (so a link outside it is a 404). */
let service: (path: string, init?: RequestInit) => Promise<Response>;

beforeAll(async () => {
  logs = await twoLogs();
  const handler = mountAt(PREFIX, logs.mounted.app.fetch);
  const nothing = () => new Response('not a log of this service', { status: 404 });
  service = async (path, init) => (await handler(new Request(new URL(path, SITE), init))) ?? nothing();
});

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** Every URL an HTML page refers to (href, src, action), entities decoded. */
function references(page: string): { attr: string; value: string }[] {
  return [...page.matchAll(/\s(href|src|action)="([^"]*)"/g)].map((m) => ({
    attr: m[1]!,
    value: m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>'),
  }));
}

/** The pages a reader can reach, with their statuses: every page kind, and each error page. */
function pages(treeSize: number): [string, number][] {
  return [
    ['', 200],
    ['check', 200],
    ['verify', 200],
    ['monitor', 200],
    ['entries/0', 200], // the log's record of its code lists
    ['entries/1', 200], // an access, erased later
    ['entries/2', 200],
    ['entries/3', 200], // the erasure
    [`entries/${treeSize - 1}`, 200], // a raw entry, the last
    ['entries/999', 404],
    ['entries/x', 400],
    ['entries?index=x', 400],
    ['no/such/page', 404],
  ];
}

/**
 * Follows every reference of every page: each resolves (against the page's URL) inside the
 * prefix, and is answered there — never by the "not a log" fallback, never with a 404.
 */
async function checkLinks(
  ask: (path: string, init?: RequestInit) => Promise<Response>,
  base: string,
): Promise<{ followed: Set<string>; pagesSeen: number }> {
  const treeSize = Number(/<strong id="tree-size">(\d+)<\/strong>/.exec(await (await ask(base, { headers: HTML })).text())![1]);
  expect(treeSize).toBeGreaterThan(5);
  const followed = new Set<string>();
  let pagesSeen = 0;
  for (const [page, status] of pages(treeSize)) {
    const pageUrl = new URL(base + page, SITE);
    const res = await ask(pageUrl.pathname + pageUrl.search, { headers: HTML });
    expect(res.status, page).toBe(status);
    expect(res.headers.get('content-type'), page).toMatch(/^text\/html/);
    const html = await res.text();
    pagesSeen++;
    expect(html, page).toContain(`<meta name="sightline-base" content="${base}">`);
    const refs = references(html);
    expect(refs.filter((r) => r.attr === 'src').map((r) => r.value), page).toEqual([`${base}assets/explorer.js`]);
    expect(refs.some((r) => r.value === `${base}assets/explorer.css`), page).toBe(true);
    for (const { attr, value } of refs) {
      if (value.startsWith('#') || value.startsWith('data:')) continue; // within the page
      const target = new URL(value, pageUrl);
      expect(target.origin, `${attr}="${value}" on ${page}`).toBe(SITE);
      expect(target.pathname.startsWith(base), `${attr}="${value}" on ${page} leaves ${base}`).toBe(true);
      // The same reference written as the page writes it: an absolute path, never relative (there is no <base>).
      expect(value.startsWith(base), `${attr}="${value}" on ${page}`).toBe(true);
      const key = target.pathname + target.search;
      if (followed.has(key)) continue;
      followed.add(key);
      // A form is submitted with a value; a link is followed as it is.
      const url = attr === 'action' ? `${key}?index=2` : key;
      const answer = await ask(url, { headers: HTML });
      expect(answer.status, `${url} (${attr} on ${page})`).not.toBe(404);
      expect(answer.status, `${url} (${attr} on ${page})`).toBeLessThan(400);
      if (answer.status === 303) expect(answer.headers.get('location'), url).toBe(`${base}entries/2`);
    }
  }
  return { followed, pagesSeen };
}

describe('a log under a prefix: every URL its answers make is inside the prefix', () => {
  test('the link checker: every link, form, stylesheet and script of every page, followed through the mount', async () => {
    const { followed } = await checkLinks(service, BASE);
    // What must be among them: the navigation, the assets, the API links of the footer and pages, the entry links of the figures and the since list.
    for (const path of ['/', '/check', '/verify', '/monitor', '/assets/explorer.css', '/assets/explorer.js', '/v1/log', '/checkpoint', '/v1/codes', '/v1/partners', '/entries', '/entries/3', '/v1/entries/1', '/v1/receipts/1', '/v1/entries?start=0&count=100']) {
      expect(followed, path).toContain(BASE + path.slice(1));
    }
    expect([...followed].some((p) => p.startsWith(`${BASE}v1/codes/`))).toBe(true);
  });

  test('the same link checker passes on the log at the root', async () => {
    const root = async (path: string, init?: RequestInit) => logs.root.app.fetch(new Request(new URL(path, SITE), init));
    const { followed } = await checkLinks(root, '/');
    expect(followed).toContain('/v1/receipts/1');
  });

  test('the go-to form redirects inside the prefix', async () => {
    const res = await service(`${BASE}entries?index=4`, { headers: HTML });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${BASE}entries/4`);
  });

  test('the prefix without its slash is the log’s home page, one redirect away', async () => {
    const res = await service(PREFIX);
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe(BASE);
    const home = await service(res.headers.get('location')!, { headers: HTML });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('data-page="log"');
  });

  test('/v1/entries: the next page’s Link is inside the prefix, and gives the rest there', async () => {
    // Pages are cut by size: entries of 60 KB each, 20 of them, beyond the page's MiB.
    const big = await newTestLog(new MemoryStore(), { basePath: BASE });
    for (let i = 0; i < 20; i++) expect((await big.submit('x'.repeat(60_000) + i)).status).toBe(201);
    const bigService = mountAt(PREFIX, big.app.fetch);
    const first = (await bigService(new Request(`${SITE}${BASE}v1/entries?start=0&count=20`)))!;
    expect(first.status).toBe(200);
    const link = first.headers.get('link');
    expect(link).toMatch(/^<[^>]+>; rel="next"$/);
    const target = new URL(/^<([^>]+)>/.exec(link!)![1]!, `${SITE}${BASE}v1/entries?start=0&count=20`);
    expect(target.pathname).toBe(`${BASE}v1/entries`);
    const { next, entries } = (await first.json()) as { next: number; entries: { index: number }[] };
    expect(target.searchParams.get('start')).toBe(String(next));
    const rest = (await bigService(new Request(target)))!;
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { entries: { index: number }[] }).entries[0]!.index).toBe(entries.length);
    // At the root, as before.
    const rootBig = await newTestLog(new MemoryStore());
    for (let i = 0; i < 20; i++) await rootBig.submit('x'.repeat(60_000) + i);
    const atRoot = await rootBig.app.request('/v1/entries?start=0&count=20');
    expect(atRoot.headers.get('link')).toMatch(/^<\/v1\/entries\?start=\d+&count=\d+>; rel="next"$/);
  });

  test('problems name the path the client asked for', async () => {
    const res = await service(`${BASE}v1/entries/999`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { instance: string }).instance).toBe(`${BASE}v1/entries/999`);
    const unknown = await service(`${BASE}v1/nope`);
    expect(((await unknown.json()) as { instance: string }).instance).toBe(`${BASE}v1/nope`);
  });

  test('the HTML 404 page under the prefix, and API paths there keep their JSON problems', async () => {
    const page = await service(`${BASE}no/such/page`, { headers: HTML });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    for (const path of ['v1/nope', 'v1%2Fproofs', 'tile/x', 'checkpoint/x', 'assets/nope.js']) {
      const res = await service(BASE + path, { headers: HTML });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toBe('application/problem+json');
    }
  });

  test('a base path is checked, and the API and its pages may not disagree on it', () => {
    const deps = (basePath: string | undefined, web: string) => ({ basePath, web: { basePath: web } }) as unknown as AppDeps;
    expect(() => createApp(deps('/logs/other/', BASE))).toThrow(/base path/);
    expect(() => createApp(deps(undefined, '/logs/../x/'))).toThrow(/base path/);
    expect(() => createWebDeps({ basePath: '/logs/x%2F/' } as unknown as WebSources)).toThrow(/base path/);
  });
});

describe('the same answers as at the root, byte for byte', () => {
  // The same raw entries in both (a typed event's commitment opening is random, so two logs
  // of the same events differ): the root log at `/`, the other under the prefix.
  let both: (path: string, init?: RequestInit) => Promise<Response>;
  let token: string;
  beforeAll(async () => {
    const root = await newTestLog(new MemoryStore());
    const mounted = await newTestLog(new MemoryStore(), { basePath: BASE });
    for (const log of [root, mounted]) for (let i = 0; i < 300; i++) expect((await log.submit(`raw entry ${i}`)).status).toBe(201);
    const handler = mountAt(PREFIX, mounted.app.fetch);
    token = mounted.token;
    both = async (path, init) => {
      const req = new Request(new URL(path, SITE), init);
      return (await handler(req)) ?? root.app.fetch(req);
    };
  });

  test('tlog-tiles: the checkpoint, hash tiles, a partial and a full entry bundle', async () => {
    const treeSize = Number((await (await both('/checkpoint')).text()).split('\n')[1]);
    expect(treeSize).toBe(300);
    const paths = ['checkpoint', 'tile/0/000', 'tile/0/001.p/44', 'tile/1/000.p/1', 'tile/entries/000', 'tile/entries/001.p/44'];
    for (const path of paths) {
      const atRoot = await both(`/${path}`);
      const underPrefix = await both(`${BASE}${path}`);
      expect(atRoot.status, path).toBe(200);
      expect(underPrefix.status, path).toBe(200);
      expect(Buffer.from(await underPrefix.arrayBuffer()).equals(Buffer.from(await atRoot.arrayBuffer())), path).toBe(true);
      for (const h of ['content-type', 'cache-control']) expect(underPrefix.headers.get(h), `${path} ${h}`).toBe(atRoot.headers.get(h));
    }
  });

  test('the JSON API: entries, proofs, receipts, codes', async () => {
    for (const path of ['v1/log', 'v1/entries?start=0&count=5', 'v1/entries/1', 'v1/proofs/inclusion?index=1&treeSize=5', 'v1/proofs/consistency?from=2&to=5', 'v1/receipts/2', 'v1/codes', 'healthz']) {
      const atRoot = await both(`/${path}`);
      const underPrefix = await both(`${BASE}${path}`);
      expect(underPrefix.status, path).toBe(atRoot.status);
      expect(await underPrefix.text(), path).toBe(await atRoot.text());
    }
  });

  test('the same headers, CORS and security headers included, and the same preflight answers', async () => {
    const headers = (res: Response) => [...res.headers.entries()].filter(([k]) => k !== 'x-request-id' && k !== 'date');
    const cors = { origin: 'https://monitor.example' };
    for (const path of ['checkpoint', 'tile/0/000', 'v1/log', 'v1/entries/1', 'v1/nope']) {
      const atRoot = await both(`/${path}`, { headers: cors });
      const underPrefix = await both(`${BASE}${path}`, { headers: cors });
      expect(headers(underPrefix), path).toEqual(headers(atRoot));
    }
    const preflight = { method: 'OPTIONS', headers: { ...cors, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } };
    for (const path of ['v1/entries', 'v1/details', 'checkpoint']) {
      const atRoot = await both(`/${path}`, preflight);
      const underPrefix = await both(`${BASE}${path}`, preflight);
      expect(underPrefix.status, path).toBe(atRoot.status);
      expect(headers(underPrefix), path).toEqual(headers(atRoot));
    }
  });

  test('sightline/client works unchanged given the prefix: writes verified against the pinned key, reads, tiles', async () => {
    const mountedLog = await newTestLog(new MemoryStore(), { basePath: BASE });
    const handler = mountAt(PREFIX, mountedLog.app.fetch);
    const send = async (input: string, init?: RequestInit) => (await handler(new Request(input, init))) ?? new Response('not a log', { status: 404 });
    const client = createClient({ url: `${SITE}${PREFIX}/`, token: mountedLog.token, logKey: mountedLog.meta.verifierKey, fetch: send });
    const receipt = await client.submitEntry(new TextEncoder().encode('through the client'));
    expect(receipt.index).toBe(0);
    expect((await client.entry(0)).data).toEqual(new TextEncoder().encode('through the client'));
    expect((await client.checkpoint()).split('\n')[1]).toBe('1');
    expect(await client.tile('tile/entries/000.p/1')).toBeDefined();
    expect(await client.receipt(0)).toMatch(/^c2sp\.org\/tlog-proof@v1/);
  });

  test('a write under the prefix goes to that log only', async () => {
    const res = await both(`${BASE}v1/entries`, { method: 'POST', body: 'one more', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { index: number }).index).toBe(300);
    expect(await (await both('/v1/entries/300')).text()).toMatch(/not_found|no entry/i);
  });
});
