/**
 * Keys for an adviser (design.md, "Typed events and claimant privacy": a claimant may hand
 * an advocate K_month or K_day for the months or days in question). From the held key the
 * claimant entered on `/check`, this page derives one month key per chosen month of the
 * key's year, or one day key per chosen day, with the subject core's one-way derivations
 * (HMAC-SHA256: a month key gives nothing of its year or of another month, a day key nothing
 * of another day), and offers each as text to copy and as a small file to download.
 *
 * Everything happens in this page: the held key and the keys made from it are never sent
 * anywhere (no request is made at all), and no message repeats a key except the output.
 *
 * `adviserKeys` is pure (no DOM), so the choice of keys is tested in Node; `runAdviserForm`
 * wires it to the form.
 */
import { LogError } from '../errors.js';
import { MONTHS, monthName } from '../events/index.js';
import { type HeldKey, deriveDayKey, deriveMonthKey, formatHeldKey, searchedPeriod } from '../subject/index.js';
import { type DomElement, byId, download, h, inputById, setStatus, statusElement } from './dom.js';
import { describeDay } from './format.js';

/** Most day keys made at once: a month's worth. Longer periods are what month keys are for. */
export const MAX_DAY_KEYS = 31;

/** What the claimant chose: months of the key's year (`MM`, inclusive), or days (inclusive YYYY-MM-DD). */
export type AdviserChoice = { readonly kind: 'month'; readonly from: string; readonly to: string } | { readonly kind: 'day'; readonly from: string; readonly to: string };

/** One key made: what it opens in words, its text, and the name of its file. */
export interface AdviserKey {
  readonly kind: 'month' | 'day';
  /** The month or day it opens, in words: "March 2026", "14 March 2026". */
  readonly opens: string;
  readonly label: string;
  readonly text: string;
  readonly fileName: string;
}

/** A choice the key cannot serve, said in plain words. */
export class AdviserKeyProblem extends Error {}


function coverageWords(key: HeldKey): string {
  switch (key.kind) {
    case 'subject':
      return `the year ${key.year}`;
    case 'month':
      return monthName(key.month);
    case 'day':
      return describeDay(key.day) ?? key.day;
  }
}

/** The year of the key's days: the months a subject key (or a month key) can give. */
function keyYear(key: HeldKey): string {
  return key.kind === 'subject' ? key.year : key.kind === 'month' ? key.month.slice(0, 4) : key.day.slice(0, 4);
}

function made(key: HeldKey): AdviserKey {
  const text = formatHeldKey(key);
  if (key.kind === 'month') {
    const opens = monthName(key.month);
    return { kind: 'month', opens, label: `Month key for ${opens}`, text, fileName: `month-key-${key.month}.txt` };
  }
  if (key.kind === 'day') {
    const opens = describeDay(key.day) ?? key.day;
    return { kind: 'day', opens, label: `Day key for ${opens}`, text, fileName: `day-key-${key.day}.txt` };
  }
  throw new LogError('INTERNAL', 'an adviser key is a month or a day key');
}

/** The keys for the claimant's choice, oldest first; an `AdviserKeyProblem` says what to change. */
export function adviserKeys(key: HeldKey, choice: AdviserChoice): AdviserKey[] {
  if (key.kind === 'day') {
    throw new AdviserKeyProblem(`Your key is a day key, for ${coverageWords(key)}: it opens that one day, and no other key can be made from it. You can give it to your adviser as it is.`);
  }
  if (choice.kind === 'month') {
    if (!/^(0[1-9]|1[0-2])$/.test(choice.from) || !/^(0[1-9]|1[0-2])$/.test(choice.to)) throw new AdviserKeyProblem('Choose the first and the last month.');
    if (choice.to < choice.from) throw new AdviserKeyProblem('The first month is after the last month. Change the months and try again.');
    const year = keyYear(key);
    const months: string[] = [];
    for (let m = Number(choice.from); m <= Number(choice.to); m++) months.push(`${year}-${String(m).padStart(2, '0')}`);
    if (key.kind === 'month' && months.some((m) => m !== key.month)) {
      throw new AdviserKeyProblem(`Your key is a month key, for ${coverageWords(key)}: it can make a key for that month only, or day keys within it. Choose ${MONTHS[Number(key.month.slice(5, 7)) - 1]!} only, or single days.`);
    }
    return months.map((m) => made(deriveMonthKey(key, m)));
  }
  const day = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
  if (!day.test(choice.from) || !day.test(choice.to)) throw new AdviserKeyProblem('Give the first and the last day, each as a day, month and year.');
  if (choice.to < choice.from) throw new AdviserKeyProblem('The first day is after the last day. Change the dates and try again.');
  let period: ReturnType<typeof searchedPeriod>;
  try {
    period = searchedPeriod(key, choice.from, choice.to);
  } catch {
    throw new AdviserKeyProblem('Give the first and the last day, each as a real date.');
  }
  // Never fewer days than asked without saying so: a key for a day outside the claimant's own cannot be made.
  if (period === undefined || period.from !== choice.from || period.to !== choice.to) {
    throw new AdviserKeyProblem(`Your key covers ${coverageWords(key)} only. Choose days within it.`);
  }
  if (period.days > MAX_DAY_KEYS) throw new AdviserKeyProblem(`That is ${period.days} days. Choose up to ${MAX_DAY_KEYS} days, or make month keys instead.`);
  const out: AdviserKey[] = [];
  // Day after day through UTC midnights: ISO text in and out, so no two-digit-year rule applies.
  for (let d = new Date(`${period.from}T00:00:00Z`), i = 0; i < period.days; i++, d = new Date(d.getTime() + 86_400_000)) {
    out.push(made(deriveDayKey(key, d.toISOString().slice(0, 10))));
  }
  return out;
}

/** The part of the browser the copy button uses. */
interface Clipboard {
  writeText(text: string): Promise<void>;
}

function clipboard(): Clipboard | undefined {
  const nav = (globalThis as { navigator?: { clipboard?: Clipboard } }).navigator;
  return nav?.clipboard;
}

/** Selects the text of an element, so that it can be copied by hand when the clipboard is refused. */
function selectText(el: DomElement): void {
  const g = globalThis as { getSelection?: () => { selectAllChildren(node: unknown): void } | null };
  g.getSelection?.()?.selectAllChildren(el);
}

function keyItem(key: AdviserKey, n: number): DomElement {
  const id = `adviser-key-${n}`;
  const code = h('code', { id, class: 'key held-key-text' }, key.text);
  const note = h('p', { class: 'copy-status', 'aria-live': 'polite' });
  const copy = h('button', { type: 'button', class: 'secondary copy-key', 'aria-describedby': `${id}-label` }, 'Copy');
  copy.addEventListener('click', () => {
    const board = clipboard();
    const fallback = () => {
      selectText(code);
      note.textContent = 'Your browser did not let this page copy it: the key is selected, so copy it yourself (Ctrl+C, or ⌘+C on a Mac).';
    };
    if (board === undefined) return fallback();
    board.writeText(key.text).then(() => {
      note.textContent = 'Copied.';
    }, fallback);
  });
  const save = h('button', { type: 'button', class: 'secondary download-key', 'aria-describedby': `${id}-label` }, 'Download');
  save.addEventListener('click', () => {
    download(key.fileName, `${key.text}\n`, 'text/plain');
    note.textContent = `Saved as ${key.fileName}.`;
  });
  return h(
    'li',
    { 'data-file-name': key.fileName },
    h('p', { id: `${id}-label`, class: 'held-key-label' }, h('strong', {}, key.label)),
    h('p', {}, code),
    h('p', { class: 'inline-controls' }, copy, save),
    note,
  );
}

/**
 * Wires the adviser form: `readKey` reads and parses the key entered in the check form (and
 * throws what to fix, in words). Nothing here makes a request.
 */
export function runAdviserForm(readKey: () => Promise<HeldKey>, problemText: (e: unknown) => string): void {
  const form = byId('adviser-form');
  if (form === null) return;
  const kind = inputById('adviser-kind');
  const months = byId('adviser-months');
  const days = byId('adviser-days');
  const list = byId('adviser-keys');
  const result = statusElement('adviser-result', 'div');
  const showKind = () => {
    const day = kind?.value === 'day';
    if (months !== null) months.hidden = day;
    if (days !== null) days.hidden = !day;
  };
  kind?.addEventListener('change', showKind);
  showKind();
  const value = (id: string) => (inputById(id)?.value ?? '').trim();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      list?.replaceChildren();
      let keys: AdviserKey[];
      try {
        const key = await readKey();
        const choice: AdviserChoice =
          kind?.value === 'day' ? { kind: 'day', from: value('adviser-day-from'), to: value('adviser-day-to') } : { kind: 'month', from: value('adviser-month-from'), to: value('adviser-month-to') };
        keys = adviserKeys(key, choice);
      } catch (e) {
        setStatus(result, 'failed', e instanceof AdviserKeyProblem ? e.message : problemText(e));
        return;
      }
      list?.replaceChildren(...keys.map(keyItem));
      const first = keys[0]!;
      const last = keys.at(-1)!;
      setStatus(
        result,
        'done',
        keys.length === 1
          ? `Made a ${first.kind} key for ${first.opens}. Copy it or download it below, and give it to your adviser.`
          : `Made ${keys.length} keys, one for each ${first.kind} from ${first.opens} to ${last.opens}. Copy or download each below, and give them to your adviser.`,
      );
    })();
  });
}
