/**
 * Horizontal bar charts as inline SVG: no script, no style attribute (the stylesheet colours
 * them through classes), lengths in em so they grow with the text, and the whole chart read
 * out as one image with a text alternative that carries every number.
 */
import { type Html, count, h, join } from './html.js';

export interface BarChart {
  /** Unique on the page: the chart's title element is `<id>-title`. */
  readonly id: string;
  /** What the chart shows, e.g. "Accesses per organisation". */
  readonly title: string;
  readonly rows: readonly { readonly label: string; readonly value: number }[];
}

/** Height of one bar's row (its label line above the bar), in em. */
const ROW_EM = 2.75;

/** Most characters of a label drawn (SVG text does not wrap); the text alternative and the table have it whole. */
const MAX_LABEL = 36;

function shorten(label: string): string {
  if (label.length <= MAX_LABEL) return label;
  const cut = label.slice(0, MAX_LABEL);
  const space = cut.lastIndexOf(' ');
  return `${(space > MAX_LABEL / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:(–-]+$/, '')}…`;
}

function em(n: number): string {
  return `${Number(n.toFixed(3))}em`;
}

export function barChart({ id, title, rows }: BarChart): Html {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const alt = `${title}. ${rows.map((r) => `${r.label}: ${count(r.value)}`).join('. ')}.`;
  const bars = rows.map((r, i) => {
    const top = i * ROW_EM;
    // A non-zero count always shows a sliver of bar.
    const width = r.value === 0 ? 0 : Math.max(0.5, (100 * r.value) / max);
    return h`<text class="bar-label" x="0" y="${em(top + 1)}">${count(r.value)} · ${shorten(r.label)}</text><rect class="bar" x="0" y="${em(top + 1.35)}" width="${`${Number(width.toFixed(2))}%`}" height="0.9em"></rect>`;
  });
  return h`<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${alt}" width="100%" height="${em(Math.max(1, rows.length) * ROW_EM)}" focusable="false"><title id="${id}-title">${alt}</title>${join(bars)}</svg></figure>`;
}
