/**
 * "Where the money goes" (`/money`): what public bodies recorded spending, granting,
 * contracting and reimbursing, counted from the entries (money-figures.ts): per body and
 * type, per month, the payees paid most and the kinds of spending, each body's statements
 * that a period is complete and whether the entries still match them, a search by public
 * identifier, and downloads of the records as they stand.
 */
import { formatPounds } from '../money/index.js';
import type { LogMeta } from '../log/index.js';
import { under } from './base-path.js';
import { barChart } from './charts.js';
import { type Html, count, h, join, plural } from './html.js';
import { layout } from './layout.js';
import type { FoundRecord, MoneySnapshot, Total } from './money-figures.js';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  spend: 'Spending over £25,000',
  'local-spend': 'Council spending over £500',
  card: 'Procurement card',
  grant: 'Grants',
  contract: 'Contracts',
  expense: "MPs' business costs",
};

function typeName(type: string): string {
  return TYPE_NAMES[type] ?? type;
}

function pounds(t: Total): string {
  return formatPounds(t.pence);
}

/** Whole pounds, for a bar's length (the label and the table carry the pence). */
function barValue(t: Total): number {
  return Number(t.pence / 100n);
}

function table(id: string, caption: string, heads: readonly string[], rows: readonly (readonly (string | Html)[])[], numeric: readonly number[] = []): Html {
  const head = heads.map((c, i) => (numeric.includes(i) ? h`<th scope="col" class="num">${c}</th>` : h`<th scope="col">${c}</th>`));
  const body = rows.map((cells) => h`<tr>${join(cells.map((cell, i) => (i === 0 ? h`<th scope="row">${cell}</th>` : numeric.includes(i) ? h`<td class="num">${cell}</td>` : h`<td>${cell}</td>`)))}</tr>`);
  return h`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="${id}-caption"><table id="${id}"><caption id="${id}-caption">${caption}</caption><thead><tr>${join(head)}</tr></thead><tbody>${join(body)}</tbody></table></div>`;
}

function periodText(from: string, to: string): string {
  return from === to ? from : `${from} to ${to}`;
}

function totalsText(totals: Readonly<Record<string, string>>): string {
  const parts = Object.entries(totals).map(([c, t]) => (c === 'GBP' ? formatPounds(BigInt(t)) : `${t} ${c} minor units`));
  return parts.length === 0 ? 'no amounts' : parts.join(', ');
}

function found(base: string, rows: readonly FoundRecord[], query: string): Html {
  if (rows.length === 0) return h`<p id="money-found-none">No record is known by “${query}”.</p>`;
  return table(
    'money-found',
    `Records known by “${query}” (newest first${rows.length >= 50 ? ', the first 50' : ''})`,
    ['Entry', 'Body', 'Type', 'Day', 'Paid to', 'Amount', 'Since'],
    rows.map((r) => [
      h`<a href="${under(base, `/entries/${r.index}`)}">${count(r.index)}</a>`,
      r.body,
      typeName(r.type),
      r.day,
      r.payee,
      r.currency === 'GBP' ? formatPounds(r.amount) : r.currency === null ? '—' : `${count(r.amount)} ${r.currency} minor units`,
      r.withdrawn ? 'withdrawn' : r.history.length === 0 ? '' : join(r.history.map((i) => h`<a href="${under(base, `/entries/${i}`)}">entry ${count(i)}</a>`), h`, `),
    ]),
    [0, 5],
  );
}

export function moneyPage(input: { meta: LogMeta; base: string; figures: MoneySnapshot; query?: string; found?: readonly FoundRecord[] }): Html {
  const { meta, base, figures } = input;
  const download = (body: string, type: string, month: string, kind: 'csv' | 'json') =>
    under(base, `/money/records.${kind}?${new URLSearchParams({ body, type, month }).toString()}`);
  const counting = figures.counting ? ' Counting goes on: reload for the rest.' : '';
  const truncated = figures.truncated ? ` This page counts the first ${count(figures.records)} records only; a monitor (sightline monitor) recounts every one.` : '';
  const empty = figures.byBody.length === 0;
  const main = h`<h1>Where the money goes</h1>
<p id="money-upto">What the public bodies of this log recorded they spent, granted, contracted and reimbursed, counted from its entries 0 to ${count(Math.max(0, figures.upTo - 1))}, each record as it now stands: amendments applied, withdrawn records left out.${counting}${truncated} Every record is an entry of the log: its page checks, in your browser, that the log's signed checkpoint includes it.</p>
<form class="search" method="get" action="${under(base, '/money')}" role="search"><label for="money-q">Find a record by a transaction number, a grant id, an ocid, a claim number, a company or charity number, or a payee</label> <input id="money-q" name="q" type="search" minlength="3" maxlength="120" value="${input.query ?? ''}"> <button type="submit">Find</button></form>
${input.query === undefined ? '' : found(base, input.found ?? [], input.query)}
${
  empty
    ? h`<p class="empty" id="money-empty">No public-money record is in this log yet.</p>`
    : h`<section aria-labelledby="money-bodies"><h2 id="money-bodies">Per body</h2>
${table('money-by-body', 'Records and totals per body and type', ['Body', 'Type', 'Records', 'Total'], figures.byBody.map((b) => [b.body, typeName(b.type), count(b.total.count), pounds(b.total)]), [2, 3])}
</section>
<section aria-labelledby="money-months"><h2 id="money-months">Per month</h2>
${barChart({ id: 'money-month-chart', title: 'Total per body, type and month, in pounds', rows: figures.byMonth.map((m) => ({ label: `${m.body}, ${typeName(m.type)}, ${m.month}`, value: barValue(m.total) })) })}
${table(
  'money-by-month',
  'Records and totals per month, with the records as they stand to download',
  ['Month', 'Body', 'Type', 'Records', 'Total', 'Download'],
  figures.byMonth.map((m) => [
    m.month,
    m.body,
    typeName(m.type),
    count(m.total.count),
    pounds(m.total),
    h`<a href="${download(m.body, m.type, m.month, 'csv')}">CSV</a> · <a href="${download(m.body, m.type, m.month, 'json')}">JSON</a> · <button type="button" class="check-download" data-body="${m.body}" data-type="${m.type}" data-month="${m.month}">Check in my browser, then download CSV</button>`,
  ]),
  [3, 4],
)}
<p id="money-check-status" class="status" data-status="idle" aria-live="polite">Your browser can check each record of a month before you download it: that it is an entry of the log, in a checkpoint signed by the log's key, and that the entry says what the row says.</p>
</section>
<section aria-labelledby="money-payees"><h2 id="money-payees">Paid most</h2>
${barChart({ id: 'money-payee-chart', title: 'The payees paid most, in pounds', rows: figures.byPayee.map((p) => ({ label: p.payee, value: barValue(p.total) })) })}
${table('money-by-payee', 'The payees paid most', ['Paid to', 'Records', 'Total'], figures.byPayee.map((p) => [p.payee, count(p.total.count), pounds(p.total)]), [1, 2])}
</section>
<section aria-labelledby="money-categories"><h2 id="money-categories">What for</h2>
${barChart({ id: 'money-category-chart', title: 'Expense types and categories, in pounds', rows: figures.byCategory.map((p) => ({ label: p.category, value: barValue(p.total) })) })}
${table('money-by-category', 'Expense types and categories', ['Expense type or category', 'Records', 'Total'], figures.byCategory.map((p) => [p.category, count(p.total.count), pounds(p.total)]), [1, 2])}
</section>`
}
<section aria-labelledby="money-statements"><h2 id="money-statements">Statements that a period is complete</h2>
${
  figures.statements.length === 0
    ? h`<p class="empty" id="money-statements-none">No body has stated a period complete yet.</p>`
    : table(
        'money-statement-table',
        'Each statement against the records of its period in the log, recounted from the entries',
        ['Entry', 'Body', 'Type', 'Period', 'Stated', 'In the log', 'Matches'],
        figures.statements.map((s) => [
          h`<a href="${under(base, `/entries/${s.leafIndex}`)}">entry ${count(s.leafIndex)}</a>`,
          s.body,
          typeName(s.recordType),
          periodText(s.periodStart, s.periodEnd),
          `${plural(s.declared.count, 'record', 'records')}, ${totalsText(s.declared.totals)}`,
          `${plural(s.found.count, 'record', 'records')}, ${totalsText(s.found.totals)}`,
          s.matches ? h`<span class="ok">Yes</span>` : h`<span class="bad">No</span>${s.lateEntries.length === 0 ? '' : h`: changed since by ${join(s.lateEntries.slice(0, 10).map((i) => h`<a href="${under(base, `/entries/${i}`)}">entry ${count(i)}</a>`), h`, `)}`}`,
        ]),
      )
}
</section>`;
  return layout({ page: 'money', title: 'Where the money goes', meta, base, main });
}
