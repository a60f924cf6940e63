/**
 * Browser tests drive Debian's chromium (/usr/bin/chromium; .ci/run installs it) through
 * playwright-core. Every page is watched: a console error or an uncaught page error fails
 * the test; axe-core checks WCAG 2.1 A and AA; screenshots go to
 * test-results/screenshots/<name>-<desktop|phone>.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type Browser, type BrowserContext, type Page, type Request, chromium } from 'playwright-core';
import { expect, onTestFinished } from 'vitest';
import { onCleanup } from './cleanup.js';

const root = resolve(import.meta.dirname, '..', '..');
export const SCREENSHOTS = join(root, 'test-results', 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  // The narrowest common phone: nothing may be wider than the screen at 360 px (styles.ts).
  phone: { width: 360, height: 780 },
} as const;
export type Width = keyof typeof VIEWPORTS;

/** Chromium, closed at the end of the test file at the latest (test/support/cleanup.ts). */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  onCleanup(() => browser.close());
  return browser;
}

export interface SeenRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | null;
}

export interface WatchedPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught page errors, as `console: …` / `pageerror: …` lines. */
  readonly errors: string[];
  /** Every request the page made, in order (clear it to start a new window of observation). */
  readonly requests: SeenRequest[];
  /** Fails the test if the page logged an error or threw. */
  expectNoErrors(): void;
}

export interface OpenOptions {
  readonly width?: Width;
  /**
   * Console messages expected by design (a regular expression each), e.g. Chromium's
   * "Failed to load resource … 410 (Gone)" when a client reads erased details. Anything else
   * at level error fails the test.
   */
  readonly expectedConsoleErrors?: readonly RegExp[];
}

/**
 * A page in a fresh context (its own localStorage) at the given width. The context closes
 * when the test ends; the errors are checked there too, so no test can forget to.
 */
export async function openPage(browser: Browser, options: OpenOptions = {}): Promise<WatchedPage> {
  const width = options.width ?? 'desktop';
  const context = await browser.newContext({ viewport: VIEWPORTS[width], ...(width === 'phone' ? { isMobile: true, hasTouch: true } : {}) });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: SeenRequest[] = [];
  const expected = options.expectedConsoleErrors ?? [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (expected.some((re) => re.test(text))) return;
    const where = message.location();
    errors.push(`console: ${text}${where.url ? ` (${where.url}:${where.lineNumber})` : ''}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.stack ?? error.message}`));
  page.on('request', (request: Request) => {
    requests.push({ url: request.url(), method: request.method(), headers: request.headers(), body: request.postData() });
  });
  const expectNoErrors = () => expect(errors, `console or page errors on ${page.url()}`).toEqual([]);
  onTestFinished(async () => {
    await context.close().catch(() => undefined);
    if (errors.length > 0) throw new Error(`console or page errors on a page of this test:\n${errors.join('\n')}`);
  });
  return { context, page, errors, requests, expectNoErrors };
}

let axeSource: string | undefined;
function axe(): string {
  const main = createRequire(import.meta.url).resolve('axe-core');
  return (axeSource ??= readFileSync(join(dirname(main), 'axe.min.js'), 'utf8'));
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Runs axe-core (WCAG 2.0/2.1, A and AA) on the page as it is now; fails on any violation, listing each. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) {
    // The pages' Content-Security-Policy (script-src 'self') rightly blocks an inline
    // <script> (page.addScriptTag); evaluating the source through the DevTools protocol is
    // not subject to it, so the pages are tested under their own policy.
    await page.evaluate(axe());
  }
  expect(await page.evaluate('typeof window.axe === "object"'), 'axe-core loaded').toBe(true);
  const violations = (await page.evaluate(
    `axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))`,
  )) as AxeViolation[];
  const report = violations.map(
    (v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`).join('\n')}`,
  );
  expect(report, `axe violations on ${label} (${page.url()})`).toEqual([]);
}

/** A full-page screenshot, test-results/screenshots/<name>-<width>.png. */
export async function screenshot(page: Page, name: string, width: Width): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}-${width}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The page scrolls sideways when its content is wider than the viewport. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
}
