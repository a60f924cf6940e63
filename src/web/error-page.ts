/** The HTML answer for a page that cannot be shown: not found, a bad address, or the log unavailable. */
import type { LogMeta } from '../log/index.js';
import { under } from './base-path.js';
import { type Html, h } from './html.js';
import { layout } from './layout.js';

export function errorPage(meta: LogMeta, base: string, status: 400 | 404 | 503, message: string): Html {
  const title = status === 404 ? 'Page not found' : status === 400 ? 'This address is not right' : 'The log cannot show this page just now';
  const main = h`<h1>${title}</h1>
<p id="error-message">${message}</p>
<p>You can go back to <a href="${base}">the log</a>, <a href="${under(base, '/check')}">check your record</a> or <a href="${under(base, '/verify')}">verify a receipt</a>.</p>`;
  return layout({ page: 'error', title, meta, base, main });
}
