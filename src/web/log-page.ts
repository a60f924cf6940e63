/**
 * The log page (`/`): what the log is, its current size and key, its witnesses, the latest
 * entries and the public figures. The browser module verifies the checkpoint into
 * `#checkpoint-status`.
 */
import type { LogMeta } from '../log/index.js';
import { under } from './base-path.js';
import { describeEntry, entrySummary } from './describe.js';
import type { PublicFigures } from './figures.js';
import { figuresSection } from './figures-view.js';
import { type Html, count, h, join, plural, utcTime } from './html.js';
import type { Labels } from './labels.js';
import { layout, logKeyBlock, needsJavaScript } from './layout.js';

/** What the page says of each witness (as `/v1/log` does). */
export interface WitnessView {
  readonly name: string;
  readonly url: string;
  readonly verifierKey: string;
  readonly treeSize: number | undefined;
  readonly cosignedAt: number | undefined;
  readonly lastError: string | undefined;
}

/** Another log of the same service, as a log's home page links to it. */
export interface ServiceLogLink {
  readonly id: string;
  readonly name: string;
  /** Its home page: `/logs/<id>/`. */
  readonly href: string;
  readonly open: boolean;
}

export interface LogPageInput {
  readonly meta: LogMeta;
  /** The log's base path: the page's links are under it. */
  readonly base: string;
  /** The size of the checkpoint the log publishes. */
  readonly treeSize: number;
  /** True when the log has witnesses but no checkpoint the quorum cosigned yet. */
  readonly awaitingWitnesses: boolean;
  readonly witnesses: { readonly quorum: number; readonly list: readonly WitnessView[] } | undefined;
  /** The latest entries, newest first. */
  readonly latest: readonly { readonly index: number; readonly data: Uint8Array }[];
  readonly figures: PublicFigures;
  readonly labels: Labels;
  /** The logs of this log's service, itself included: empty for a log on its own. */
  readonly service?: readonly ServiceLogLink[];
}

/** The other logs of the service: one body's log of one period is seldom all a reader is after. */
function serviceBlock(service: readonly ServiceLogLink[], origin: string, self: string): Html {
  if (service.length < 2) return h``;
  const items = service.map((l) =>
    l.href === self
      ? h`<li>${l.name} (this log)</li>`
      : h`<li><a href="${l.href}">${l.name}</a>${l.open ? '' : h` <span class="secondary">(closed: read-only)</span>`}</li>`,
  );
  return h`<section id="service-logs" aria-labelledby="service-logs-heading">
<h2 id="service-logs-heading">Other logs of this service</h2>
<p><code class="origin">${origin}</code> is one of ${service.length} logs kept by this service: one for each organisation and period. A record about you may be in any of them; one key for a year finds your records in every log of that year.</p>
<ul>${join(items)}</ul>
<p><a href="/logs/">All the logs, with their periods and keys</a></p>
</section>`;
}

function witnessItem(w: WitnessView): Html {
  const cosigned =
    w.treeSize === undefined || w.cosignedAt === undefined
      ? h`It has not cosigned a checkpoint of this log yet.`
      : h`It last vouched for the log when it had <span class="witness-size">${plural(w.treeSize, 'entry', 'entries')}</span>, at <time datetime="${new Date(w.cosignedAt * 1000).toISOString()}">${utcTime(w.cosignedAt)}</time>.`;
  const failing = w.lastError === undefined ? '' : h` <span class="secondary">Its last answer was an error.</span>`;
  return h`<li><strong>${w.name}</strong>. ${cosigned}${failing}<br><span class="secondary">Witness key:</span> <code class="key">${w.verifierKey}</code></li>`;
}

function witnessesBlock(witnesses: LogPageInput['witnesses'], base: string): Html {
  const intro =
    witnesses === undefined || witnesses.list.length === 0
      ? h`<p>This log has no independent witnesses. Anyone can still follow it with the <a href="${under(base, '/monitor')}">monitor page</a> or the <code>sightline monitor</code> tool.</p>`
      : h`<p>Independent witnesses keep their own copy of the log’s state and vouch for each new state only if nothing recorded before was changed or removed. The log publishes a state once ${plural(witnesses.quorum, 'witness has', 'witnesses have')} vouched for it.</p>`;
  const items = witnesses === undefined ? [] : witnesses.list.map(witnessItem);
  return h`<h3 id="witnesses-heading">Independent witnesses</h3>
${intro}
<ul id="witnesses" aria-labelledby="witnesses-heading">${join(items)}</ul>`;
}

function latestBlock(input: LogPageInput): Html {
  const items = input.latest.map(({ index, data }) => h`<li><a href="${under(input.base, `/entries/${index}`)}">Entry ${count(index)}</a>: ${entrySummary(describeEntry(data), input.labels, data.length)}</li>`);
  return h`<section id="latest" aria-labelledby="latest-heading">
<h2 id="latest-heading">Latest entries</h2>
${items.length === 0 ? h`<p>The log has no entries yet.</p>` : h`<ul class="entry-list">${join(items)}</ul>`}
<form class="goto" action="${under(input.base, '/entries')}" method="get">
<label for="goto-index">Go to an entry by its number</label>
<span class="hint" id="goto-hint">Entries are numbered from 0. A receipt or an evidence file gives the number.</span>
<span class="inline-controls"><input id="goto-index" name="index" type="text" inputmode="numeric" pattern="[0-9]+" autocomplete="off" required aria-describedby="goto-hint"> <button type="submit">Show entry</button></span>
</form>
</section>`;
}

export function logPage(input: LogPageInput): Html {
  const { meta, base, treeSize } = input;
  const main = h`<h1>A public record of who looked at claimants’ data</h1>
<p class="lead">Government departments and the organisations working with them record here each time their staff look at, change or share a benefit claimant’s personal data. The record cannot be quietly changed afterwards, and it does not show who any entry is about.</p>
<p>If you were given a key for your own record, <a href="${under(base, '/check')}">check your record</a>. If you have a receipt or an evidence file, <a href="${under(base, '/verify')}">verify it</a>.</p>

<section id="checkpoint" aria-labelledby="checkpoint-heading">
<h2 id="checkpoint-heading">The log now</h2>
<dl class="facts">
<dt>Name of the log</dt><dd><code class="origin">${meta.origin}</code></dd>
<dt>Entries in the log</dt><dd><strong id="tree-size">${treeSize}</strong>${input.awaitingWitnesses ? h` <span class="secondary">(the log is waiting for its witnesses to vouch for its first state)</span>` : ''}</dd>
</dl>
<p id="checkpoint-status" class="status" data-status="pending" aria-live="polite">Not checked yet: your browser checks the log’s signature on its latest state when this page has loaded.</p>
${needsJavaScript('Checking the signature')}
${logKeyBlock(meta)}
${witnessesBlock(input.witnesses, base)}
<details>
<summary>What your browser checks, in detail</summary>
<p>The log publishes a signed <a href="${under(base, '/checkpoint')}">checkpoint</a> (c2sp.org/tlog-checkpoint): its name, its number of entries and the root hash of the Merkle tree (RFC 6962) of all its entries, signed with the log’s Ed25519 key. Your browser checks that signature with the key above, as it was first seen on this device, and checks the witnesses’ cosignatures (c2sp.org/tlog-cosignature) with the witness keys the log lists. Every entry can then be proved to be in the tree, and every later tree proved to contain this one.</p>
</details>
</section>

${latestBlock(input)}

${figuresSection(input.figures, input.labels, Math.max(treeSize, input.figures.upTo), base)}

${serviceBlock(input.service ?? [], meta.origin, base)}`;
  return layout({ page: 'log', title: 'The log', meta, base, main });
}
