/**
 * The explorer of a log with a mirror, in Chromium: the log (one port) keeps a copy in a
 * mirror (another port, another web origin), and the page names it. The browser's check of a
 * month of public-money records reads the tree's tiles and bundles from the mirror — allowed
 * by the page's connect-src and the mirror's CORS — and passes against the pinned key; the
 * log is asked for no full tile or bundle.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, expect, test } from 'vitest';
import { importFile } from '../../src/cli/import.js';
import { addPartner } from '../../src/cli/partners.js';
import { createMirrorApp } from '../../src/http/mirror-app.js';
import { MemoryMirrorStore, createMirror, originHashOf } from '../../src/mirror/index.js';
import type { MirrorPost } from '../../src/mirroring/index.js';
import { ed25519Cosigner, parseCosignatureVerifier } from '../../src/note/index.js';
import { launchBrowser, openPage } from '../support/browser.js';
import { onCleanup } from '../support/cleanup.js';
import { builtPackage } from '../support/cli.js';
import { MemoryStore } from '../support/memory-store.js';
import { TEST_ORIGIN, newTestLog } from '../support/test-log.js';
import { HANG_MS } from '../support/waits.js';

const SETTLE = { timeout: 45_000, interval: 200 };
const FILE = resolve(import.meta.dirname, '..', 'fixtures', 'money', 'spend-2026-01.csv');
const mirrorKey = ed25519Cosigner('browser.mirror.example', new Uint8Array(32).fill(21));

let logUrl: string;
let mirrorUrl: string;
let browser: Browser;

async function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<string> {
  const server = createServer(getRequestListener(fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  // The mirror first: the log is configured with its URL.
  let mirrorApp!: ReturnType<typeof createMirrorApp>;
  mirrorUrl = await listen((req) => mirrorApp.fetch(req));
  const post: MirrorPost = async (url, body, headers) => {
    const res = await fetch(url, { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: new Uint8Array(await res.arrayBuffer()) };
  };
  const log = await newTestLog(new MemoryStore(), {
    web: { explorerScript: join(builtPackage(), 'dist', 'explorer', 'explorer.js') },
    mirroring: { endpoints: [{ url: mirrorUrl, verifierKey: mirrorKey.verifierKey, verifier: parseCosignatureVerifier(mirrorKey.verifierKey) }], quorum: 1, post },
  });
  onCleanup(() => log.mirroring!.stop());
  const mirror = createMirror({ cosigner: mirrorKey, logs: [{ origin: TEST_ORIGIN, verifiers: [log.verifier] }], store: new MemoryMirrorStore(), now: () => Math.floor(Date.now() / 1000) });
  mirrorApp = createMirrorApp({ mirror, log: () => {}, contact: 'test' });
  for (let i = 0; i < 300; i++) expect((await log.submit(`browser entry ${i}`)).status).toBe(201);
  const { token } = await addPartner(log.store, 'dwp', 'Department for Work and Pensions', null);
  const local = async (u: string, init?: RequestInit) => log.app.request(u, init);
  await importFile({ type: 'spend', path: FILE, url: 'http://log.test', body: 'dwp', token, fetch: local });
  await log.mirroring!.waitFor(log.sequencer.head().treeSize, HANG_MS);
  logUrl = await listen((req) => log.app.fetch(req));
  browser = await launchBrowser();
});

async function settled(page: Page, selector: string, final: readonly string[]): Promise<string> {
  const status = () => page.getAttribute(selector, 'data-status');
  await expect.poll(status, { ...SETTLE, message: `${selector} on ${page.url()}` }).toSatisfy((s: string | null) => s !== null && final.includes(s));
  return (await status())!;
}

test("the browser's check of a month's records reads the tree from the mirror, and passes", async () => {
  const { page, requests, expectNoErrors } = await openPage(browser);
  await page.goto(`${logUrl}/money`);
  await page.locator('button.check-download').first().click();
  expect(await settled(page, '#money-check-status', ['verified', 'failed'])).toBe('verified');
  const fromMirror = requests.filter((r) => r.url.startsWith(`${mirrorUrl}/${originHashOf(TEST_ORIGIN)}/tile/`));
  expect(fromMirror.length).toBeGreaterThan(0);
  // Full tiles and bundles, immutable, all from the mirror; the log serves only the partial right edge.
  const fullFromLog = requests.filter((r) => r.url.startsWith(`${logUrl}/tile/`) && !r.url.includes('.p/'));
  expect(fullFromLog).toEqual([]);
  expectNoErrors();
});
