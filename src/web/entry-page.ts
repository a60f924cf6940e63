/**
 * The entry page (`/entries/{index}`): the public fields of one entry in plain English, from
 * the code lists' labels, or the bytes of a raw entry. The browser module checks the
 * partner's signature into `#signature-status` and the inclusion proof into
 * `#inclusion-status`.
 */
import { decodeUtf8, encodeBase64, encodeHex } from '../encoding/index.js';
import type { CodeListName, SightlineEvent } from '../events/index.js';
import type { LogMeta } from '../log/index.js';
import { type MoneyRecord, RECORD_SCHEMAS, formatPounds } from '../money/index.js';
import { under } from './base-path.js';
import { type DescribedEntry, describeEntry, field } from './describe.js';
import { type Html, count, h, hourText, join, plural, visibleText } from './html.js';
import { type Labels, TYPE_EXPLANATIONS, TYPE_NAMES } from './labels.js';
import { layout, logKeyBlock, needsJavaScript } from './layout.js';

export interface EntryPageInput {
  readonly meta: LogMeta;
  /** The log's base path: the page's links are under it. */
  readonly base: string;
  readonly index: number;
  readonly data: Uint8Array;
  readonly leafHash: Uint8Array;
  /** The number of entries in the log now. */
  readonly treeSize: number;
  readonly labels: Labels;
  /** The typed events that target this entry, by index: at most MAX_LISTED_SINCE are listed, one more means there are more. */
  readonly since?: readonly { readonly leafIndex: number; readonly type: string }[];
  /** For a public-money record: the later entries about it (amendments, withdrawal, repayments), and its original's index. */
  readonly record?: { readonly original: number; readonly history: readonly number[] };
}

/** The most events about an entry its page lists. */
export const MAX_LISTED_SINCE = 50;

/** What an event that targets an entry did to it, in a phrase. */
const SINCE: Readonly<Record<string, string>> = {
  disclosure: 'The log operator read its private details',
  erasure: 'Its private details were erased',
  correction: 'Its private details were corrected',
};

/**
 * What happened to the entry since it was recorded: every erasure, correction and read of
 * its details by the log operator, each an entry of its own that the reader can check. A
 * read by the operator is recorded before the operator sees the details, so this list is
 * complete for every read there was.
 */
function sinceSection(input: EntryPageInput): Html {
  const since = input.since ?? [];
  const listed = since.slice(0, MAX_LISTED_SINCE);
  const items = listed.map((e) => h`<li data-type="${e.type}"><a href="${under(input.base, `/entries/${e.leafIndex}`)}">${SINCE[e.type] ?? e.type}: entry ${count(e.leafIndex)}</a></li>`);
  const more = since.length > MAX_LISTED_SINCE ? h`<p>There are more: these are the first ${count(MAX_LISTED_SINCE)}.</p>` : '';
  return h`<section id="since" aria-labelledby="since-heading">
<h2 id="since-heading">What happened to this entry since</h2>
${listed.length === 0 ? h`<p>Nothing: no one has read, corrected or erased its private details through the log.</p>` : h`<ul id="since-list">${join(items)}</ul>${more}`}
</section>`;
}

function row(term: string, value: Html | string, name?: string): Html {
  return name === undefined ? h`<div><dt>${term}</dt><dd>${value}</dd></div>` : h`<div data-field="${name}"><dt>${term}</dt><dd>${value}</dd></div>`;
}

function coded(labels: Labels, list: CodeListName, code: string): Html {
  const label = labels.find(list, code);
  return label === undefined ? h`${code} <span class="secondary">(a code not in the current code lists)</span>` : h`${label}`;
}

function eventRows(event: SightlineEvent, labels: Labels, base: string): Html[] {
  const rows: Html[] = [row('What happened', h`${TYPE_NAMES[event.type]}. <span class="secondary">${TYPE_EXPLANATIONS[event.type]}</span>`, 'type')];
  const text = (name: string) => field(event, name);
  const add = (name: string, term: string, list: CodeListName) => {
    const value = text(name);
    if (value !== undefined) rows.push(row(term, coded(labels, list, value), name));
  };
  const hour = text('hour');
  if (hour !== undefined) rows.push(row(event.type === 'heartbeat' ? 'Period ends' : 'When', hourText(hour), 'hour'));
  const since = text('since');
  if (since !== undefined) rows.push(row('Period starts', hourText(since), 'since'));
  add('organisation', 'Organisation', 'organisations');
  add('system', 'Computer system', 'systems');
  add('actorRole', 'Role of the member of staff', 'roles');
  add('action', event.type === 'coverage' ? 'Change' : 'What they did', 'actions');
  add('recipient', 'Sent to', 'organisations');
  add('purpose', 'Why (purpose)', 'purposes');
  add('legalBasis', 'Legal basis', 'legalBases');
  const categories = event.categories;
  if (Array.isArray(categories)) {
    const items = categories.map((c) => h`<li>${typeof c === 'string' ? coded(labels, 'categories', c) : String(c)}</li>`);
    rows.push(row('Kinds of data', h`<ul class="plain">${join(items)}</ul>`, 'categories'));
  }
  const counts = event.counts;
  if (typeof counts === 'object' && counts !== null && !Array.isArray(counts)) {
    const items = Object.entries(counts as Record<string, unknown>).map(([code, n]) => h`<li>${coded(labels, 'purposes', code)}: ${typeof n === 'number' ? count(n) : String(n)}</li>`);
    rows.push(row('Events per purpose in the period', items.length === 0 ? 'None' : h`<ul class="plain">${join(items)}</ul>`, 'counts'));
  }
  if (typeof event.target === 'number') rows.push(row('About', h`<a href="${under(base, `/entries/${event.target}`)}">entry ${count(event.target)}</a>`, 'target'));
  const partner = text('partner');
  if (partner !== undefined) rows.push(row('Recorded by', h`the partner system <code>${partner}</code>, as its entry number ${typeof event.partnerSeq === 'number' ? count(event.partnerSeq) : String(event.partnerSeq)}`, 'partner'));
  return rows;
}

/** Fields whose values are minor units of the record's currency. */
const AMOUNTS = new Set(['amount', 'irrecoverableVat', 'amountAwarded', 'amountClaimed', 'amountPaid', 'amountNotPaid', 'amountRepaid']);

function moneyValue(name: string, value: unknown, currency: unknown): Html | string {
  if (AMOUNTS.has(name) && typeof value === 'number') return currency === 'GBP' ? formatPounds(value) : `${count(value)} ${String(currency)} minor units`;
  if (value === null) return '—';
  if (typeof value === 'object') return h`<pre class="raw-text">${visibleText(JSON.stringify(value, null, 2))}</pre>`;
  return visibleText(String(value));
}

/** A field's name as words: "transactionNumber" → "Transaction number". */
function words(name: string): string {
  const spaced = name.replace(/([A-Z])/g, ' $1').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** A public-money record: its type, then every field as it is, amounts in pounds. */
function moneyFields(record: MoneyRecord, input: EntryPageInput): Html {
  const schema = RECORD_SCHEMAS[record.type];
  const rows: Html[] = [row('What happened', h`${String(schema.title)}, recorded by <code>${record.body}</code>.`, 'type')];
  const r = record as Record<string, unknown>;
  if (typeof r.target === 'number') rows.push(row(record.type === 'amend' ? 'Amends' : record.type === 'withdraw' ? 'Withdraws' : 'Repaid against', h`<a href="${under(input.base, `/entries/${r.target}`)}">entry ${count(r.target)}</a>`, 'target'));
  const shown = record.type === 'amend' ? { ...(r.record as Record<string, unknown>), reason: r.reason } : r;
  for (const [name, value] of Object.entries(shown)) {
    if (name === 'type' || name === 'body' || name === 'target') continue;
    rows.push(row(words(name), moneyValue(name, value, shown.currency), name));
  }
  return h`<dl id="entry-fields" class="fields">${join(rows)}</dl>`;
}

/** What happened to a record since: its amendments, withdrawal and repayments, each an entry. */
function recordHistory(input: EntryPageInput): Html {
  const record = input.record;
  if (record === undefined) return h``;
  const original = record.original === input.index ? '' : h`<p>This entry is about <a href="${under(input.base, `/entries/${record.original}`)}">entry ${count(record.original)}</a>, the record as first published.</p>`;
  const items = record.history.map((i) => h`<li><a href="${under(input.base, `/entries/${i}`)}">entry ${count(i)}</a>${i === input.index ? ' (this one)' : ''}</li>`);
  return h`<section id="record-history" aria-labelledby="record-history-heading">
<h2 id="record-history-heading">The record's history</h2>
${original}
${items.length === 0 ? h`<p>Nothing since: the record has not been amended, withdrawn or repaid against.</p>` : h`<p>Later entries about the record, in the order the log took them:</p><ul id="record-history-list">${join(items)}</ul>`}
</section>`;
}

function bytesBlock(data: Uint8Array): Html {
  const text = decodeUtf8(data);
  const hex = encodeHex(data).replace(/(.{64})/g, '$1\n').trim();
  return h`${text === undefined ? h`<p>Its bytes are not text.</p>` : h`<p>As text (characters that could hide or disguise text are shown as �):</p><pre class="raw-text">${visibleText(text)}</pre>`}
<details><summary>The bytes in hexadecimal</summary><pre class="hex">${hex}</pre></details>`;
}

function fields(entry: DescribedEntry, input: EntryPageInput): Html {
  const { data, labels } = input;
  switch (entry.kind) {
    case 'event':
      return h`<dl id="entry-fields" class="fields">${join(eventRows(entry.event, labels, input.base))}</dl>`;
    case 'record':
      return h`<dl id="entry-fields" class="fields">
${row('What happened', 'The log recorded a change of its code lists: the words it uses for organisations, systems, purposes and so on.', 'type')}
${row('New code lists', h`<a href="${under(input.base, `/v1/codes/${entry.sha256}`)}">version <code class="hash">${entry.sha256}</code></a>`, 'sha256')}
${row('Previous code lists', entry.previous === null ? 'None: these were the first' : h`<a href="${under(input.base, `/v1/codes/${entry.previous}`)}">version <code class="hash">${entry.previous}</code></a>`, 'previous')}
</dl>`;
    case 'successor':
      return h`<dl id="entry-fields" class="fields">
${row('What happened', 'The log closed: this was its last entry before its final checkpoint. It names the log that takes its entries from then on, and that log’s key, so that anyone reading this log can follow the chain.', 'type')}
${row('The next log', h`<code class="origin">${entry.origin}</code>`, 'origin')}
${row('Its key', h`<code>${entry.vkey}</code>`, 'vkey')}
${row('Takes entries from', h`<time datetime="${entry.start}">${entry.start}</time> (UTC)`, 'start')}
</dl>`;
    case 'money':
      return moneyFields(entry.record, input);
    case 'raw':
      return h`<p>This is a raw entry: the log stores it exactly as a partner sent it, and it is not a typed event, so the log cannot say what it means. It is shown here as it is.</p>
<dl id="entry-fields" class="fields">
${row('Kind of entry', 'Raw entry (not a typed event)', 'kind')}
${row('Size', plural(data.length, 'byte', 'bytes'), 'size')}
</dl>
${bytesBlock(data)}`;
    case 'malformed':
      return h`<p class="notice">This entry claims to be a typed event, but it is not well formed. A log working properly never accepts such an entry.</p>
<dl id="entry-fields" class="fields">
${row('Kind of entry', 'Not a well-formed typed event', 'kind')}
${row('What is wrong', entry.reason, 'problem')}
${row('Size', plural(data.length, 'byte', 'bytes'), 'size')}
</dl>
${bytesBlock(data)}`;
  }
}

function signatureStatus(entry: DescribedEntry): Html {
  if (entry.kind === 'event') {
    return h`<p id="signature-status" class="status" data-status="pending" aria-live="polite">Not checked yet: your browser checks the partner’s signature with the key the partner registered.</p>`;
  }
  const why = entry.kind === 'record' || entry.kind === 'successor' ? 'the log wrote it itself' : entry.kind === 'money' ? "the log wrote it from the body's authenticated request" : entry.kind === 'raw' ? 'it is a raw entry' : 'it is not a well-formed typed event';
  return h`<p id="signature-status" class="status" data-status="none" aria-live="polite">This entry has no partner signature to check: ${why}.</p>`;
}

function technical(entry: DescribedEntry, input: EntryPageInput): Html {
  // Base64, as /v1/entries gives it and as the browser's check below shows it: one hash, one
  // encoding on the page (hashes are base64 throughout the explorer, as in the checkpoint).
  const rows: Html[] = [row('Leaf hash (SHA-256, RFC 6962), in base64', h`<code class="hash" id="leaf-hash">${encodeBase64(input.leafHash)}</code>`), row('Size', plural(input.data.length, 'byte', 'bytes'))];
  if (entry.kind === 'event') {
    const actor = field(entry.event, 'actor');
    if (actor !== undefined) rows.push(row('Pseudonym of the member of staff', h`<code class="hash">${actor}</code>`));
    const commitment = field(entry.event, 'commitment');
    if (commitment !== undefined) rows.push(row('Commitment to the private details', h`<code class="hash">${commitment}</code>`));
    if (entry.subjectTag !== undefined) rows.push(row('Subject tag', h`<code class="hash">${entry.subjectTag}</code>`));
    rows.push(row('Partner’s Ed25519 signature', h`<code class="hash">${encodeBase64(entry.signature)}</code>`));
  }
  const asStored = entry.kind === 'event' || entry.kind === 'record' || entry.kind === 'successor' || entry.kind === 'money' ? h`<p>The entry exactly as stored:</p><pre class="raw-text">${visibleText(decodeUtf8(input.data) ?? '')}</pre>` : '';
  return h`<details>
<summary>Technical details</summary>
<dl class="fields">${join(rows)}</dl>
${entry.kind === 'event' ? h`<p>The private details (such as who the entry is about and notes on the case) are not in the log. The log holds only a commitment to them, which proves later that they were not changed. The subject tag lets the person the entry is about find it with their key; nobody else can tell whom it belongs to.</p>` : ''}
${asStored}
<p>As JSON: <a href="${under(input.base, `/v1/entries/${input.index}`)}">/v1/entries/${input.index}</a>. Its receipt (c2sp.org/tlog-proof): <a href="${under(input.base, `/v1/receipts/${input.index}`)}">/v1/receipts/${input.index}</a>.</p>
</details>`;
}

export function entryPage(input: EntryPageInput): Html {
  const { meta, base, index, treeSize } = input;
  const entry = describeEntry(input.data);
  const pager: Html[] = [];
  if (index > 0) pager.push(h`<li><a href="${under(base, `/entries/${index - 1}`)}" rel="prev">Previous entry (${count(index - 1)})</a></li>`);
  if (index + 1 < treeSize) pager.push(h`<li><a href="${under(base, `/entries/${index + 1}`)}" rel="next">Next entry (${count(index + 1)})</a></li>`);
  const main = h`<h1>Entry ${count(index)}</h1>
<article id="entry" data-index="${index}" aria-labelledby="entry-heading">
<h2 id="entry-heading">What this entry says</h2>
${fields(entry, input)}
</article>

<section id="checks" aria-labelledby="checks-heading">
<h2 id="checks-heading">Checks</h2>
${signatureStatus(entry)}
<p id="inclusion-status" class="status" data-status="pending" aria-live="polite">Not checked yet: your browser checks that this entry is in the log, against the log’s signed state.</p>
${needsJavaScript('Checking the signature and that the entry is in the log')}
${logKeyBlock(meta)}
</section>

${entry.kind === 'event' ? sinceSection(input) : ''}
${entry.kind === 'money' ? recordHistory(input) : ''}
${technical(entry, input)}
${pager.length > 0 ? h`<nav aria-label="Entries" class="pager"><ul>${join(pager)}</ul></nav>` : ''}`;
  return layout({ page: 'entry', title: `Entry ${count(index)}`, meta, base, main });
}
