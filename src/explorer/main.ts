/**
 * The explorer's browser module (`/assets/explorer.js`): reads `<body data-page>` and runs
 * that page's checks. Every verification happens here, in the user's browser, against the
 * log key the browser pinned; the server's pages only say what the server claims.
 *
 * It writes nothing to the console: what fails is said in the page.
 */
import { runCheckPage } from './check-page.js';
import { type DomElement, byId, doc, h, mainElement, setStatus, technicalDetails, whenReady } from './dom.js';
import { runEntryPage } from './entry-page.js';
import { explain } from './explain.js';
import { runLogPage } from './log-page.js';
import { runMoneyPage } from './money-page.js';
import { runMonitorPage } from './monitor-page.js';
import { type PageContext, pageContext } from './pinning.js';
import { runVerifyPage } from './verify-page.js';

type Page = 'log' | 'entry' | 'check' | 'verify' | 'monitor' | 'money';

const PAGES: Record<Page, { run: (ctx: PageContext) => Promise<void>; statuses: readonly string[]; failed: string }> = {
  log: { run: runLogPage, statuses: ['checkpoint-status'], failed: 'failed' },
  entry: { run: runEntryPage, statuses: ['signature-status', 'inclusion-status'], failed: 'failed' },
  check: { run: runCheckPage, statuses: ['check-summary'], failed: 'failed' },
  verify: { run: runVerifyPage, statuses: ['verify-result'], failed: 'invalid' },
  monitor: { run: runMonitorPage, statuses: ['monitor-status'], failed: 'failed' },
  money: { run: runMoneyPage, statuses: ['money-check-status'], failed: 'failed' },
};

function isPage(name: string | undefined): name is Page {
  return name !== undefined && Object.hasOwn(PAGES, name);
}

/** Says in the page that nothing could be checked: in its status elements, or in a note at the top of <main>. */
function reportFailure(page: Page, e: unknown): void {
  const why = explain(e, 'checkpoint');
  const text = `Nothing could be checked in your browser. ${why.text}`;
  const found = PAGES[page].statuses.map((id) => byId(id)).filter((el): el is DomElement => el !== null);
  if (found.length > 0) {
    for (const el of found) setStatus(el, PAGES[page].failed, text, technicalDetails('Technical details', [['Reason', why.technical]]));
  } else {
    mainElement().prepend(h('p', { class: 'explorer-error', role: 'alert' }, text));
  }
}

function start(): void {
  const name = doc().body?.dataset.page;
  if (!isPage(name)) return; // a page without checks (the "not found" page)
  let ctx: PageContext;
  try {
    ctx = pageContext();
  } catch (e) {
    reportFailure(name, e);
    return;
  }
  PAGES[name].run(ctx).catch((e: unknown) => reportFailure(name, e));
}

try {
  whenReady(start);
} catch {
  // Not in a web page: nothing to do.
}
