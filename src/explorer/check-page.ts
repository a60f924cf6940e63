/**
 * Check my record (`/check`): the claimant (or their adviser) gives their held key — typed
 * or pasted in `#held-key`, or from a file in `#key-file` — and a range of days; `lookup`
 * finds their entries by tag prefix buckets and verifies each one in this browser against
 * the pinned log key. `#check-summary` says what was found; `#timeline` lists the rows
 * (`data-row`, `data-index`, `data-status` verified|failed|erased), each with an
 * "I don't recognise this" button that downloads the entry's evidence bundle.
 *
 * The claimant also gives their own reference (`#subject-scheme`, `#subject-id`): each
 * entry's commitment, signed by its partner, covers it, so an entry filed under their tag
 * but about someone else fails.
 *
 * Privacy: the key and the reference stay in this page. The only requests are the ones
 * `lookup` makes by design (tag prefix buckets, entry bundles, tiles, the partners' keys,
 * and the details in fixed-size POSTs of reveal tokens), plus the public code lists and log
 * information: none names an entry (design.md, "The watchers are watched"). An evidence
 * bundle is built from the entry and inclusion proof the lookup already holds, so it asks
 * for nothing by index either. Nothing is logged to the console, and the evidence bundle
 * holds no key, tag derivation, reveal token or private detail.
 */
import { LogError, type LookupResult, type TimelineRow, createClient, lookup, lookupAcrossLogs, parseHeldKey, verifyEntryReceipt } from '../client/index.js';
import { parseNoteVerifier } from '../note/index.js';
import { decodeBase64 } from '../encoding/index.js';
import type { SubjectRef } from '../events/index.js';
import { type HeldKey, normalizeSubjectId, searchedPeriod } from '../subject/index.js';
import { formatReceipt } from '../receipt/index.js';
import { type DomElement, type InputElement, byId, download, entryLink, h, inputById, mainElement, setStatus, statusElement, technicalDetails } from './dom.js';
import { runAdviserForm } from './adviser-key.js';
import { bundleSummary, buildEvidenceBundle, evidenceBundleText, evidenceFileName } from './evidence-bundle.js';
import { explain } from './explain.js';
import { describeDay, isoDay } from './format.js';
import { fetchLogWitnesses } from './log-info.js';
import { type PageContext, pageClient } from './pinning.js';
import { type CodeLabels, type RowView, type SearchedRange, describeRow, rowStatus, summarise } from './timeline.js';

/** A key file is a line of text; anything much larger is not one. */
const MAX_KEY_FILE = 64 * 1024;
const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

class InputProblem extends Error {}

async function readKeyText(): Promise<string> {
  const typed = inputById('held-key')?.value.trim() ?? '';
  if (typed.length > 0) return typed;
  const file = inputById('key-file')?.files?.[0];
  if (file === undefined) throw new InputProblem('Paste your key in the box, or choose the file that holds it.');
  if (file.size > MAX_KEY_FILE) throw new InputProblem('That file is too big to be a key file. Choose the file with your key in it.');
  return (await file.text()).trim();
}

/** The claimant's reference, checked in the page: a typing error is said here, not found as a failure on every row. */
function subjectRef(): SubjectRef {
  const scheme = (byId('subject-scheme') as { value?: string } | null)?.value ?? 'nino';
  const id = inputById('subject-id')?.value.trim() ?? '';
  if (id.length === 0) throw new InputProblem('Type your National Insurance number (or your customer reference): it checks each record is about you, and stays on this device.');
  try {
    normalizeSubjectId(scheme, id);
  } catch {
    throw new InputProblem(
      scheme === 'nino'
        ? 'That is not a National Insurance number. It is two letters, six numbers and a letter, like the one on your letters from DWP.'
        : 'That is not a customer reference. Check it against your letters from DWP.',
    );
  }
  return { scheme, id };
}

/** The key's own days: the default range. */
function scope(key: HeldKey): { from: string; to: string } {
  switch (key.kind) {
    case 'subject':
      return { from: `${key.year}-01-01`, to: `${key.year}-12-31` };
    case 'month': {
      const [y, m] = key.month.split('-').map(Number) as [number, number];
      const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
      return { from: `${key.month}-01`, to: `${key.month}-${String(last).padStart(2, '0')}` };
    }
    case 'day':
      return { from: key.day, to: key.day };
  }
}

/**
 * The days to search: those the key covers within the dates given (by default, every day of
 * the key's up to today). Days are UTC days, as event hours are UTC hours. Today is the last
 * day that can hold entries (the log refuses hours more than its small clock-skew allowance
 * ahead), so by default the search stops there rather than asking for days not yet begun.
 */
function range(key: HeldKey, now = Date.now()): SearchedRange {
  const own = scope(key);
  const fromText = inputById('from')?.value.trim() ?? '';
  const toText = inputById('to')?.value.trim() ?? '';
  if ((fromText !== '' && !DAY.test(fromText)) || (toText !== '' && !DAY.test(toText))) throw new InputProblem('Give the dates as a day, month and year.');
  const today = isoDay(now);
  const from = fromText === '' ? own.from : fromText;
  const to = toText !== '' ? toText : own.to > today && today >= from ? today : own.to;
  if (to < from) throw new InputProblem('The first day is after the last day. Change the dates and try again.');
  let searched: ReturnType<typeof searchedPeriod>;
  try {
    searched = searchedPeriod(key, from, to);
  } catch {
    throw new InputProblem('Give the dates as a day, month and year.');
  }
  if (searched === undefined) {
    const covers = own.from === own.to ? describeDay(own.from) : `${describeDay(own.from)} to ${describeDay(own.to)}`;
    throw new InputProblem(`Your key only covers ${covers} (dates in UTC). Choose days in that period.`);
  }
  return {
    ...searched,
    ...(fromText !== '' || toText !== '' ? { asked: { from, to } } : {}),
    ...(searched.to === today ? { today } : {}),
  };
}

interface Shared {
  readonly ctx: PageContext;
  readonly result: LookupResult;
  readonly labels: CodeLabels;
  readonly bundles: Map<number, Promise<string>>;
}

/** The element type rows take in the page's #timeline. */
function rowTag(timeline: DomElement): 'li' | 'tr' | 'article' {
  if (timeline.tagName === 'OL' || timeline.tagName === 'UL') return 'li';
  if (timeline.tagName === 'TABLE' || timeline.tagName === 'TBODY') return 'tr';
  return 'article';
}

function rowContent(view: RowView, row: TimelineRow, shared: Shared): DomElement[] {
  const headingId = `row-${view.index}-heading`;
  const facts = h('dl', { class: 'facts' }, h('dt', {}, 'When'), h('dd', {}, view.when));
  for (const [k, v] of view.facts) facts.append(h('dt', {}, k), h('dd', {}, v));
  const links = [...view.corrections, ...view.related];
  const linkList = links.length === 0 ? null : h('ul', { class: 'related' }, ...links.map((l) => h('li', {}, entryLink(l.index, l.text, shared.ctx.basePath))));
  const problems = view.problems.length === 0 ? null : h('ul', { class: 'problems' }, ...view.problems.map((p) => h('li', {}, p)));
  const technical = technicalDetails('Technical details', view.technical, problems, h('p', {}, entryLink(view.index, `Open record ${view.index} on its own page`, shared.ctx.basePath)));
  const privateDetails =
    row.details === undefined
      ? null
      : h('details', { class: 'private-details' }, h('summary', {}, 'Private details of this record (only shown to you)'), h('pre', {}, JSON.stringify(row.details, null, 2)));
  const button = h('button', { type: 'button', class: 'not-recognised', 'aria-describedby': headingId }, 'I don’t recognise this');
  const note = h('p', { class: 'bundle-status', 'aria-live': 'polite' });
  button.addEventListener('click', () => {
    void saveBundle(view, row, button as InputElement, note, shared);
  });
  return [
    h('h3', { id: headingId }, view.heading),
    facts,
    h('p', { class: 'row-status', 'data-status': view.status }, h('strong', {}, `${view.statusWords}. `), view.verdict),
    linkList,
    privateDetails,
    technical,
    h('p', { class: 'actions' }, button),
    note,
  ].filter((x): x is DomElement => x !== null);
}

function renderRow(tag: 'li' | 'tr' | 'article', view: RowView, row: TimelineRow, shared: Shared): DomElement {
  const attrs = { 'data-row': '', 'data-index': String(view.index), 'data-status': view.status, class: `timeline-row status-${view.status}` };
  if (tag === 'tr') return h('tr', attrs, h('td', {}, ...rowContent(view, row, shared)));
  return h(tag, attrs, ...rowContent(view, row, shared));
}

/**
 * Builds (once) the evidence bundle of a row: the entry and a receipt against the lookup's
 * checkpoint, both from what the lookup read and computed (no request names the entry), and
 * the keys.
 */
async function bundleText(view: RowView, row: TimelineRow, shared: Shared): Promise<string> {
  const { ctx, result } = shared;
  const entry = row.entry === undefined ? undefined : decodeBase64(row.entry);
  const proof = row.inclusionProof?.map((hash) => decodeBase64(hash));
  if (entry === undefined || proof === undefined || proof.some((hash) => hash === undefined)) {
    throw new LogError('NOT_FOUND', `the check could not read entry ${view.index} or prove it from the log's tiles, so there is no receipt to put in the file`);
  }
  const info = await fetchLogWitnesses(ctx.baseUrl).catch(() => undefined);
  const receipt = formatReceipt({ leafIndex: view.index, inclusionProof: proof as Uint8Array[], checkpoint: result.checkpoint.note });
  const witnesses = (info?.witnesses ?? []).filter((w) => w.verifier !== undefined);
  let verdict = `${view.statusWords}. ${view.verdict}`;
  let quorum = 0;
  try {
    verifyEntryReceipt(receipt, entry, ctx.verifier);
    try {
      verifyEntryReceipt(receipt, entry, ctx.verifier, { witnesses: witnesses.map((w) => w.verifier!), quorum: info?.quorum ?? 0 });
      quorum = info?.quorum ?? 0;
    } catch {
      quorum = 0;
    }
  } catch (e) {
    verdict = `${verdict} The receipt in this file did not verify in the browser: ${explain(e, 'receipt').technical}.`;
  }
  const now = new Date();
  const summary = bundleSummary({
    index: view.index,
    origin: result.checkpoint.origin,
    heading: view.heading,
    when: view.when,
    facts: view.facts,
    verdict,
    treeSize: result.checkpoint.treeSize,
    checkedAt: now,
  });
  return evidenceBundleText(
    buildEvidenceBundle({
      index: view.index,
      entry,
      receipt,
      logKey: ctx.logKey,
      witnessKeys: witnesses.map((w) => w.verifierKey),
      quorum,
      summary,
      createdAt: now,
    }),
  );
}

async function saveBundle(view: RowView, row: TimelineRow, button: InputElement, note: DomElement, shared: Shared): Promise<void> {
  button.disabled = true;
  note.textContent = 'Preparing the file…';
  try {
    let text = shared.bundles.get(view.index);
    if (text === undefined) {
      text = bundleText(view, row, shared);
      shared.bundles.set(view.index, text);
      text.catch(() => shared.bundles.delete(view.index));
    }
    const name = evidenceFileName(view.index);
    download(name, await text);
    note.textContent = `Saved as ${name}. Keep it safe: it is proof of what the log holds. Give it to your adviser, or send it with a complaint to the organisation named above or to the Information Commissioner’s Office. It does not contain your key.`;
  } catch (e) {
    note.textContent = `The file could not be made. ${explain(e, 'bundle').text}`;
  } finally {
    button.disabled = false;
  }
}

async function check(ctx: PageContext, summary: DomElement, timeline: DomElement): Promise<void> {
  let key: HeldKey;
  let subject: SubjectRef;
  let period: SearchedRange;
  try {
    const text = await readKeyText();
    key = parseHeldKey(text);
    subject = subjectRef();
    period = range(key);
  } catch (e) {
    const text = e instanceof InputProblem ? e.message : explain(e, 'lookup').text;
    setStatus(summary, 'failed', text);
    return;
  }
  setStatus(summary, 'pending', 'Checking… Your browser is finding and verifying your records. This can take a little while.');
  timeline.setAttribute('aria-busy', 'true');
  // A table keeps its caption and header row: only the rows of an earlier check go.
  if (timeline.tagName === 'TABLE') for (const body of Array.from(timeline.querySelectorAll('tbody'))) body.remove();
  else timeline.replaceChildren();
  // One log, or (on a service) every log of the service whose period meets the dates.
  let searched: { readonly name: string | undefined; readonly ctx: PageContext; readonly result: LookupResult; readonly labels: CodeLabels }[];
  try {
    const serviceList = byId('service-scope')?.getAttribute('data-service-list') ?? null;
    searched = serviceList === null ? [await checkOneLog(ctx, key, subject, period)] : await checkEveryLog(ctx, key, subject, period);
  } catch (e) {
    const why = explain(e, 'lookup');
    timeline.removeAttribute('aria-busy');
    setStatus(summary, 'failed', `Your records could not be checked. ${why.text}`, technicalDetails('Technical details', [['Reason', why.technical]]));
    return;
  }
  const tag = rowTag(timeline);
  const body = timeline.tagName === 'TABLE' ? h('tbody') : timeline;
  for (const one of searched) {
    const shared: Shared = { ctx: one.ctx, result: one.result, labels: one.labels, bundles: new Map() };
    for (const row of one.result.rows) {
      const element = renderRow(tag, describeRow(row, one.labels), row, shared);
      // Which log, and so which organisation and year, the record came from.
      if (one.name !== undefined) element.prepend(h('p', { class: 'row-log' }, `In the log of ${one.name}`));
      body.append(element);
    }
  }
  if (body !== timeline) timeline.append(body);
  timeline.removeAttribute('aria-busy');
  const all: LookupResult = { ...searched[0]!.result, rows: searched.flatMap((s) => s.result.rows) };
  const failed = all.rows.some((r) => rowStatus(r) === 'failed');
  setStatus(
    summary,
    failed ? 'failed' : 'done',
    summarise(all, period, key),
    technicalDetails(
      'Technical details',
      searched.flatMap((s) => [
        [`Checked against the contents of ${s.name ?? 'the log'}`, `${s.result.checkpoint.treeSize} entries (origin ${s.result.checkpoint.origin})`],
        ['Root hash (base64)', s.result.checkpoint.rootHash],
        [s.ctx === ctx ? 'Log key used (pinned in your browser)' : 'Log key used (as the service lists it)', s.ctx.logKey],
      ]),
    ),
  );
}

async function checkOneLog(ctx: PageContext, key: HeldKey, subject: SubjectRef, period: SearchedRange) {
  const client = pageClient(ctx);
  const [result, codes] = await Promise.all([lookup({ client, key, subject, from: period.from, to: period.to, logKey: ctx.verifier }), client.codes().catch(() => undefined)]);
  return { name: undefined, ctx, result, labels: codes?.codes ?? {} };
}

/**
 * Every log of the service whose period meets the dates: this log with the key pinned in
 * this browser, the others with the keys the service lists (lookupAcrossLogs). A log that
 * could not be searched makes the whole check fail, saying which: no record may go unseen.
 */
async function checkEveryLog(ctx: PageContext, key: HeldKey, subject: SubjectRef, period: SearchedRange) {
  const found = await lookupAcrossLogs({ serviceUrl: `${new URL(ctx.baseUrl).origin}/`, key, subject, from: period.from, to: period.to, logKeys: { [ctx.origin]: ctx.logKey } });
  const failed = found.logs.find((l) => l.result === undefined);
  if (failed !== undefined) throw new LogError('UNAVAILABLE', `the log of ${failed.name} could not be searched: ${failed.error ?? 'unknown error'}`);
  return Promise.all(
    found.logs.map(async (l) => {
      const own = l.origin === ctx.origin;
      const logCtx: PageContext = own ? ctx : { ...ctx, origin: l.origin, basePath: `${new URL(l.url).pathname.replace(/\/+$/, '')}/`, baseUrl: l.url, logKey: l.logKey, verifier: parseNoteVerifier(l.logKey) };
      const codes = await createClient({ url: l.url }).codes().catch(() => undefined);
      return { name: l.name, ctx: logCtx, result: l.result!, labels: codes?.codes ?? {} };
    }),
  );
}

export async function runCheckPage(ctx: PageContext): Promise<void> {
  const summary = statusElement('check-summary');
  let timeline = byId('timeline');
  if (timeline === null) {
    timeline = h('ol', { id: 'timeline' });
    mainElement().append(timeline);
  }
  const list = timeline;
  // The key must not leave this page: no spell-check service (some send text away), no
  // form autofill history, no autocorrection of its letters.
  for (const box of [byId('held-key'), byId('subject-id')]) {
    if (box === null) continue;
    box.setAttribute('spellcheck', 'false');
    box.setAttribute('autocomplete', 'off');
    box.setAttribute('autocorrect', 'off');
  }
  byId('held-key')?.setAttribute('autocapitalize', 'off');
  const form = byId('check-form');
  const submit = inputById('check-submit');
  let running = false;
  const start = (event?: { preventDefault(): void }) => {
    event?.preventDefault();
    if (running) return;
    running = true;
    if (submit !== null) submit.disabled = true;
    check(ctx, summary, list)
      .catch((e: unknown) => setStatus(summary, 'failed', `Your records could not be checked. ${explain(e, 'lookup').text}`))
      .finally(() => {
        running = false;
        if (submit !== null) submit.disabled = false;
      });
  };
  // Both: a form submits on Enter; a button may be outside the form or not a submit button.
  form?.addEventListener('submit', start);
  submit?.addEventListener('click', start);
  // Keys for an adviser, from the key entered above; made in this page, never sent.
  runAdviserForm(
    async () => parseHeldKey(await readKeyText()),
    (e) => (e instanceof InputProblem ? e.message : explain(e, 'lookup').text),
  );
}
