/**
 * The frame of every page: the head with the log's identity for the browser module
 * (`sightline-origin`, `sightline-log-key`), a skip link, the header and main navigation,
 * and the footer.
 */
import type { LogMeta } from '../log/index.js';
import { under } from './base-path.js';
import { type Html, h, join } from './html.js';

/** The value of `<body data-page>`: which page this is. */
export type PageName = 'log' | 'entry' | 'check' | 'verify' | 'monitor' | 'money' | 'error';

const NAV: readonly { readonly page: PageName; readonly href: string; readonly text: string }[] = [
  { page: 'log', href: '/', text: 'Log' },
  { page: 'check', href: '/check', text: 'Check my record' },
  { page: 'verify', href: '/verify', text: 'Verify a receipt' },
  { page: 'monitor', href: '/monitor', text: 'Monitor' },
  { page: 'money', href: '/money', text: 'Where the money goes' },
];

export interface PageFrame {
  readonly page: PageName;
  /** What the page is, for the title bar and the tab. */
  readonly title: string;
  /** The log's identity, and the mirrors it keeps copies in (base URLs), which the browser checks read from too. */
  readonly meta: LogMeta & { readonly mirrors?: readonly string[] };
  /** The log's base path (base-path.ts): every link of the frame is under it. */
  readonly base: string;
  /** The content of `<main>`, its `<h1>` first. */
  readonly main: Html;
}

function nav(current: PageName, base: string): Html {
  const links = NAV.map((item) =>
    item.page === current
      ? h`<li><a href="${under(base, item.href)}" aria-current="page">${item.text}</a></li>`
      : h`<li><a href="${under(base, item.href)}">${item.text}</a></li>`,
  );
  return h`<nav aria-label="Main"><ul class="nav-list">${join(links)}</ul></nav>`;
}

export function layout({ page, title, meta, base, main }: PageFrame): Html {
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – Sightline</title>
<meta name="sightline-origin" content="${meta.origin}">
<meta name="sightline-log-key" content="${meta.verifierKey}">
<meta name="sightline-base" content="${base}">${join((meta.mirrors ?? []).map((url) => h`
<meta name="sightline-mirror" content="${url}">`))}
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${under(base, '/assets/explorer.css')}">
<script type="module" src="${under(base, '/assets/explorer.js')}"></script>
</head>
<body data-page="${page}">
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header">
<div class="wrap">
<p class="site-name"><a href="${base}">Sightline</a> <span class="site-tagline">who looked at benefit claimants’ data, and why</span></p>
${nav(page, base)}
</div>
</header>
<main id="main" class="wrap" tabindex="-1">
${main}
</main>
<footer class="site-footer">
<div class="wrap">
<p>This is the public record of <span class="origin">${meta.origin}</span>. It shows only what the log makes public: no claimant's name, address or reference number, so nobody can tell from it who a record of an access is about; public bodies' spending names the organisations paid (and Members of Parliament, whose claims are public), and shows any other individual paid as redacted.</p>
<p>For developers and monitors: <a href="${under(base, '/v1/log')}">the log as JSON</a>, <a href="${under(base, '/checkpoint')}">the latest checkpoint</a>, <a href="${under(base, '/v1/codes')}">the code lists</a> and <a href="${under(base, '/v1/partners')}">the partners and their keys</a>.</p>
</div>
</footer>
</body>
</html>
`;
}

/** The log's verifier key, with where to compare it (log and entry pages). */
export function logKeyBlock(meta: LogMeta): Html {
  return h`<div class="log-key">
<p>This log signs everything it publishes with its own key. Its public key is:</p>
<p><code id="log-key">${meta.verifierKey}</code></p>
<p>Compare it with the key the organisation running the log publishes in its own channels: on its website and in its notices. If they differ, do not trust this site. Your browser remembers this key after your first visit, and warns you if it ever changes.</p>
</div>`;
}

/** The notice shown where a check needs the browser module. */
export function needsJavaScript(what: string): Html {
  return h`<noscript><p class="notice">${what} happens in your own browser and needs JavaScript, which is turned off or blocked. Everything else on this page works without it.</p></noscript>`;
}
