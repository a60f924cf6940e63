/**
 * The `#figures` section of the log page: the public figures as tables (each with a
 * caption, scrolling inside a focusable wrapper on narrow screens) and bar charts.
 */
import type { CodeListName, EventType } from '../events/index.js';
import { isEventType } from '../events/index.js';
import { under } from './base-path.js';
import { barChart } from './charts.js';
import type { PublicFigures, Tally } from './figures.js';
import { type Html, count, h, hourText, join, monthName, plural } from './html.js';
import { type Labels, TYPE_NAMES } from './labels.js';

/** Most bars in one chart (the table lists every row). */
const MAX_BARS = 12;

function codeLabel(labels: Labels, list: CodeListName, code: string): string {
  if (code === '(none)') return 'Not given';
  return labels.find(list, code) ?? `${code} (not in the current code lists)`;
}

interface Column {
  readonly heading: string;
  readonly numeric?: boolean;
}

/** A table with a caption, in a wrapper that scrolls on its own on a narrow screen. */
function table(id: string, caption: string, columns: readonly Column[], rows: readonly (readonly (string | number | Html)[])[], empty: string): Html {
  if (rows.length === 0) return h`<p class="empty" id="${id}-empty">${caption}: ${empty}</p>`;
  const head = columns.map((c) => (c.numeric ? h`<th scope="col" class="num">${c.heading}</th>` : h`<th scope="col">${c.heading}</th>`));
  const body = rows.map(
    (cells) =>
      h`<tr>${join(
        cells.map((cell, i) => {
          const value = typeof cell === 'number' ? count(cell) : cell;
          if (i === 0) return h`<th scope="row">${value}</th>`;
          return columns[i]?.numeric ? h`<td class="num">${value}</td>` : h`<td>${value}</td>`;
        }),
      )}</tr>`,
  );
  return h`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="${id}-caption"><table id="${id}"><caption id="${id}-caption">${caption}</caption><thead><tr>${join(head)}</tr></thead><tbody>${join(body)}</tbody></table></div>`;
}

function tallyRows(labels: Labels, list: CodeListName, tally: Tally): (string | number)[][] {
  return tally.map(([code, n]) => [codeLabel(labels, list, code), n]);
}

function gapsText(gaps: PartnerGapsLike['gaps'], truncated: boolean): string {
  if (gaps.length === 0) return 'None';
  const parts = gaps.map((g) => (g.from === g.to ? count(g.from) : `${count(g.from)} to ${count(g.to)}`));
  return `${parts.join(', ')}${truncated ? ', and more' : ''}`;
}

type PartnerGapsLike = NonNullable<PublicFigures['partners']>[number];

function missingCount(p: PartnerGapsLike): number {
  return p.gaps.reduce((sum, g) => sum + (g.to - g.from + 1), 0);
}

/** A partner by its name and id, the id once when it has no name of its own: "Name (id)", "id", "id (no longer active)". */
function partnerCell(p: PartnerGapsLike): Html {
  const named = p.name !== null && p.name.trim() !== '' && p.name !== p.id;
  const notes = [...(named ? [p.id] : []), ...(p.active ? [] : ['no longer active'])];
  return notes.length === 0 ? h`${named ? p.name : p.id}` : h`${named ? p.name : p.id} <span class="secondary">(${notes.join(', ')})</span>`;
}

function coverageAction(action: string): string {
  return action === 'join' ? 'Joined' : action === 'leave' ? 'Left' : action;
}

function entryLink(index: number, base: string): Html {
  return h`<a href="${under(base, `/entries/${index}`)}">entry ${count(index)}</a>`;
}

function progress(figures: PublicFigures, treeSize: number): Html {
  const counted =
    figures.upTo === 0
      ? 'No entries are counted yet'
      : `Figures up to entry ${count(figures.upTo - 1)}: they count the first ${plural(figures.upTo, 'entry', 'entries')}`;
  const covered = h`<p id="figures-coverage" data-up-to="${figures.upTo}">${counted}, of the ${plural(treeSize, 'entry', 'entries')} in the log now.</p>`;
  const notes: Html[] = [];
  if (figures.upTo < treeSize && figures.counting) notes.push(h`<p class="notice">The counting is still going on. Reload the page in a little while to see more.</p>`);
  if (figures.failed) notes.push(h`<p class="notice">The figures could not be brought up to date just now. They will be the next time this page is loaded.</p>`);
  return join([covered, ...notes]);
}

export function figuresSection(figures: PublicFigures, labels: Labels, treeSize: number, base: string): Html {
  const orgRows = figures.byOrganisation.map(([code, n]) => ({ label: codeLabel(labels, 'organisations', code), value: n }));
  const monthRows = figures.byMonth.filter((m) => m.accesses > 0).map((m) => ({ label: monthName(m.month), value: m.accesses }));
  const typeRows: (string | number)[][] = figures.byType.map(([type, n]) => [isEventType(type) ? TYPE_NAMES[type as EventType] : type, n]);
  typeRows.push(['Log records of a change of the code lists', figures.records], ['Raw entries (not typed events)', figures.rawEntries]);
  if (figures.malformed > 0) typeRows.push(['Entries that claim to be typed events but are not well formed', figures.malformed]);

  const partners = figures.partners ?? [];
  const partnersWithGaps = partners.filter((p) => p.gaps.length > 0).length;

  return h`<section id="figures" aria-labelledby="figures-heading">
<h2 id="figures-heading">Figures from the public log</h2>
<p>These figures are counted from the public entries of the log and nothing else, so anyone can count them again from the log’s public data and check them.</p>
${progress(figures, treeSize)}
<ul class="key-figures">
<li><strong>${count(figures.accesses)}</strong> ${figures.accesses === 1 ? 'access to' : 'accesses to'} claimants’ data (views, searches, changes, exports and data shared with another organisation)</li>
<li><strong>${count(figures.erasures)}</strong> ${figures.erasures === 1 ? 'erasure' : 'erasures'} of private details</li>
<li><strong>${count(figures.coverageChanges)}</strong> ${figures.coverageChanges === 1 ? 'time' : 'times'} a system joined or left the log</li>
</ul>

<h3 id="by-organisation-heading">Who accessed claimants’ data</h3>
${orgRows.length > 0 ? barChart({ id: 'chart-organisations', title: 'Bar chart of accesses per organisation', rows: orgRows.slice(0, MAX_BARS) }) : ''}
${table('by-organisation', 'Accesses per organisation', [{ heading: 'Organisation' }, { heading: 'Accesses', numeric: true }], tallyRows(labels, 'organisations', figures.byOrganisation), 'no accesses recorded yet.')}

<h3 id="by-month-heading">When</h3>
${monthRows.length > 0 ? barChart({ id: 'chart-months', title: 'Bar chart of accesses per month', rows: monthRows.slice(-24) }) : ''}
${table(
  'by-month',
  'Accesses and erasures per month (UTC)',
  [{ heading: 'Month' }, { heading: 'Accesses', numeric: true }, { heading: 'Erasures', numeric: true }],
  figures.byMonth.map((m) => [m.month === '(none)' ? 'Not given' : monthName(m.month), m.accesses, m.erasures]),
  'nothing recorded yet.',
)}

<h3 id="by-purpose-heading">Why</h3>
${table('by-purpose', 'Accesses per purpose', [{ heading: 'Purpose' }, { heading: 'Accesses', numeric: true }], tallyRows(labels, 'purposes', figures.byPurpose), 'no accesses recorded yet.')}

<h3 id="by-legal-basis-heading">Under which law</h3>
${table('by-legal-basis', 'Accesses per legal basis', [{ heading: 'Legal basis' }, { heading: 'Accesses', numeric: true }], tallyRows(labels, 'legalBases', figures.byLegalBasis), 'no accesses recorded yet.')}

<h3 id="coverage-heading">Which systems are covered</h3>
<p>A system “joins” the log when it starts recording every access to claimants’ data here, and “leaves” when it stops. No entries from a system that has left does not mean nobody used it.</p>
${table(
  'coverage-by-system',
  'Systems joining and leaving the log',
  [{ heading: 'System' }, { heading: 'Times joined', numeric: true }, { heading: 'Times left', numeric: true }, { heading: 'Latest change' }],
  figures.coverageBySystem.map((s) => [codeLabel(labels, 'systems', s.system), s.joins, s.leaves, h`${coverageAction(s.latest.action)} in ${monthName(s.latest.hour.slice(0, 7))} (${entryLink(s.latest.index, base)})`]),
  'no system has joined or left yet.',
)}
${figures.latestCoverage.length > 0
  ? table(
      'coverage-changes',
      figures.latestCoverage.length < figures.coverageChanges ? `The latest ${count(figures.latestCoverage.length)} of ${count(figures.coverageChanges)} changes, newest first` : 'Every change, newest first',
      [{ heading: 'When' }, { heading: 'System' }, { heading: 'Change' }, { heading: 'Organisation' }, { heading: 'Entry' }],
      figures.latestCoverage.map((c) => [hourText(c.hour), codeLabel(labels, 'systems', c.system), coverageAction(c.action), codeLabel(labels, 'organisations', c.organisation), entryLink(c.index, base)]),
      '',
    )
  : ''}

<h3 id="sequence-heading">Missing entries from partners</h3>
<p>Each partner numbers its entries 1, 2, 3 and so on. A missing number means an entry the partner numbered was never recorded here: it may have been lost, or held back. ${figures.partners === undefined ? '' : partnersWithGaps === 0 ? 'No partner has missing numbers.' : `${plural(partnersWithGaps, 'partner has', 'partners have')} missing numbers.`}</p>
${table(
  'partner-sequences',
  'Sequence numbers per partner',
  [{ heading: 'Partner' }, { heading: 'Entries', numeric: true }, { heading: 'Last number', numeric: true }, { heading: 'Missing', numeric: true }, { heading: 'Missing numbers' }],
  partners.map((p) => [
    partnerCell(p),
    p.count,
    p.last === null ? 'None yet' : p.last,
    missingCount(p),
    gapsText(p.gaps, p.truncated),
  ]),
  figures.partners === undefined ? 'not counted yet.' : 'no partners registered yet.',
)}

<h3 id="by-kind-heading">Every entry, by kind</h3>
${table('by-kind', 'Entries per kind', [{ heading: 'Kind of entry' }, { heading: 'Entries', numeric: true }], typeRows, 'no entries yet.')}

<details>
<summary>How these figures are counted</summary>
<p>Every entry of the log is read in order, from the public entry bundles (<a href="${under(base, '/v1/entries?start=0&count=100')}">/v1/entries</a> or the <code>/tile/entries/</code> tiles). Typed events are the entries that are the canonical JSON <code>{"v":1,"event":…}</code>. Accesses are events of type <code>access</code> or <code>share</code>, counted by their <code>organisation</code>, <code>purpose</code> and <code>legalBasis</code> codes and by the month of their <code>hour</code> (UTC). Erasures are events of type <code>erasure</code>, and coverage changes events of type <code>coverage</code>. The names shown are the labels of the code lists in force (<a href="${under(base, '/v1/codes')}">/v1/codes</a>). Missing numbers come from <code>/v1/partners/{id}/sequence</code>.</p>
</details>
</section>`;
}
