/**
 * A claimant's timeline in words: each verified (or not) row of `lookup` becomes what the
 * Check my record page shows — when, who, in what role, what was done, why, under which law
 * — with the code lists' plain-English labels instead of codes. Pure: no DOM; the page
 * module puts these strings into elements with textContent only, since everything here
 * comes from log entries, which are untrusted.
 */
import type { LookupResult, TimelineRow } from '../client/index.js';
import { encodeHex } from '../encoding/index.js';
import type { HeldKey } from '../subject/index.js';
import { describeDay, describeHour, plural } from './format.js';

/** Per code list (organisations, systems, roles, actions, purposes, legalBases, categories): code → label. */
export type CodeLabels = Readonly<Record<string, Readonly<Record<string, string>>>>;

export type RowStatus = 'verified' | 'failed' | 'erased';

export interface RowLink {
  readonly index: number;
  readonly text: string;
}

export interface RowView {
  readonly index: number;
  readonly status: RowStatus;
  /** A short heading: "Your data was viewed", "Your data was sent to another organisation", … */
  readonly heading: string;
  readonly when: string;
  /** Labelled facts in reading order; a value is never empty. */
  readonly facts: readonly (readonly [label: string, value: string])[];
  /** "Verified", "Not verified" or "Verified, details erased". */
  readonly statusWords: string;
  /** What that status means for this record, in a sentence or two. */
  readonly verdict: string;
  /** The correcting entries (links to /entries/{i}). */
  readonly corrections: readonly RowLink[];
  /** The entry this one erases or corrects, or the erasure entry of its details. */
  readonly related: readonly RowLink[];
  /** Technical facts for the details element. */
  readonly technical: readonly (readonly [label: string, value: string])[];
  readonly problems: readonly string[];
}

/** A code's label, or the code itself, marked, when the lists have no label for it. */
export function label(labels: CodeLabels, list: string, code: string | null): string | null {
  if (code === null) return null;
  const found = labels[list]?.[code];
  return found !== undefined && found.length > 0 ? found : `${code} (a code with no description in the published lists)`;
}

export function rowStatus(row: TimelineRow): RowStatus {
  if (!row.verified) return 'failed';
  return row.checks.commitment === 'erased' ? 'erased' : 'verified';
}

export function headingOf(type: string | null): string {
  switch (type) {
    case 'access':
      return 'Your data was used';
    case 'share':
      return 'Your data was sent to another organisation';
    case 'erasure':
      return 'Details of an earlier record were erased';
    case 'correction':
      return 'Details of an earlier record were corrected';
    case 'coverage':
      return 'A system started or stopped reporting to the log';
    case 'heartbeat':
      return 'A partner’s count of its records';
    case 'disclosure':
      return 'The log’s operator read the private details of one of your records';
    case 'subject-key':
      return 'Your key was issued';
    case null:
      return 'A record that could not be read';
    default:
      return 'A record about you';
  }
}

/** The status in two or three words. */
export const STATUS_WORDS: Readonly<Record<RowStatus, string>> = { verified: 'Verified', failed: 'Not verified', erased: 'Verified, details erased' };

function verdictOf(status: RowStatus): string {
  if (status === 'failed') {
    return 'Something about this record did not check out (see the technical details). It may have been changed, or the log is not working properly.';
  }
  const base = 'This record is in the public log, which cannot be changed without it showing, and it was signed by the organisation that reported it.';
  return status === 'erased' ? `${base} Its private details have since been erased, as the log records.` : base;
}

function check(ok: boolean | 'erased'): string {
  return ok === 'erased' ? 'erased (the erasure is itself verified)' : ok ? 'passed' : 'failed';
}

/** The public fields of an event that the explorer shows (a timeline row has them all). */
export interface EventView {
  readonly type: string | null;
  readonly organisation: string | null;
  readonly system: string | null;
  readonly actorRole: string | null;
  readonly action: string | null;
  readonly purpose: string | null;
  readonly legalBasis: string | null;
  readonly categories: readonly string[] | null;
  readonly recipient: string | null;
  readonly target: number | null;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The shown fields of a parsed event leaf's event (anything of the wrong type is left out). */
export function eventView(event: Readonly<Record<string, unknown>>): EventView & { readonly hour: string | null; readonly partner: string | null } {
  const categories = event.categories;
  const target = event.target;
  return {
    type: text(event.type),
    hour: text(event.hour),
    partner: text(event.partner),
    organisation: text(event.organisation),
    system: text(event.system),
    actorRole: text(event.actorRole),
    action: text(event.action),
    purpose: text(event.purpose),
    legalBasis: text(event.legalBasis),
    categories: Array.isArray(categories) && categories.every((c) => typeof c === 'string') ? (categories as string[]) : null,
    recipient: text(event.recipient),
    target: typeof target === 'number' && Number.isSafeInteger(target) && target >= 0 ? target : null,
  };
}

/** An event's public fields as labelled facts in reading order (who, role, what, why, law); a value is never empty. */
export function describeFacts(e: EventView, labels: CodeLabels): [string, string][] {
  const facts: [string, string][] = [];
  const add = (name: string, value: string | null) => {
    if (value !== null && value.length > 0) facts.push([name, value]);
  };
  const organisation = label(labels, 'organisations', e.organisation);
  const system = label(labels, 'systems', e.system);
  add('Who', organisation === null ? system : system === null ? organisation : `${organisation}, using ${system}`);
  add('Their role', label(labels, 'roles', e.actorRole));
  const categories = e.categories === null ? null : e.categories.map((c) => label(labels, 'categories', c)!).join('; ');
  switch (e.type) {
    case 'share':
      add('Sent to', label(labels, 'organisations', e.recipient));
      add('Data concerned', categories);
      break;
    case 'erasure':
      add('What was done', e.target === null ? 'Erased the details of an earlier record' : `Erased the details of record ${e.target}`);
      break;
    case 'correction':
      add('What was done', e.target === null ? 'Corrected the details of an earlier record' : `Corrected the details of record ${e.target}`);
      add('Data concerned', categories);
      break;
    case 'coverage':
      add('What happened', e.action === 'join' ? 'The system started reporting to this log' : e.action === 'leave' ? 'The system stopped reporting to this log' : null);
      break;
    case 'heartbeat':
      add('What happened', 'The partner reported how many events it recorded, so that missing ones would show');
      break;
    case 'disclosure':
      add('What was done', e.target === null ? 'Read the private details of a record' : `Read the private details of record ${e.target}`);
      break;
    case 'subject-key':
      add('What was done', 'Issued the key that finds your records');
      break;
    default:
      add('What was done', label(labels, 'actions', e.action));
      add('Data concerned', categories);
  }
  add('Why', label(labels, 'purposes', e.purpose));
  add('The law that allows it', label(labels, 'legalBases', e.legalBasis));
  return facts;
}

/** What the page shows for one row. */
export function describeRow(row: TimelineRow, labels: CodeLabels): RowView {
  const status = rowStatus(row);
  // The hour in UK time, as people read clocks; without one, the day the tag was derived
  // for, which is a UTC day, and said to be.
  const hour = row.hour === null ? undefined : describeHour(row.hour);
  const when = hour ?? `${describeDay(row.day) ?? row.day} (a day in UTC)`;
  const facts = describeFacts(row, labels);

  const corrections = (row.correctedBy ?? []).map((i) => ({ index: i, text: `Corrected by record ${i}` }));
  const related: RowLink[] = [];
  if (row.target !== null && (row.type === 'erasure' || row.type === 'correction' || row.type === 'disclosure')) {
    const verb = row.type === 'erasure' ? 'Erases' : row.type === 'correction' ? 'Corrects' : 'Read the details of';
    related.push({ index: row.target, text: `${verb} record ${row.target}` });
  }
  // Beneath the record: every time the log's operator read its private details.
  for (const i of row.disclosedBy ?? []) related.push({ index: i, text: `Its private details were read by the log’s operator: record ${i}` });
  if (row.erasedBy !== undefined) related.push({ index: row.erasedBy, text: `Details erased by record ${row.erasedBy}` });

  const technical: [string, string][] = [
    ['Entry number (leaf index)', String(row.index)],
    ['Event type', row.type ?? 'not a typed event'],
    ['Hour (UTC)', row.hour ?? 'none'],
    ['Found with the tag for', `${row.day} (UTC), number ${row.j}`],
    ['Partner', row.partner ?? 'none'],
    ['Included in the signed tree', check(row.checks.inclusion)],
    ['Log signature on the checkpoint', check(row.checks.checkpointSignature)],
    ['Subject tag and day', check(row.checks.tag)],
    ['Partner signature', check(row.checks.partnerSignature)],
    ['Private details match the commitment', check(row.checks.commitment)],
  ];
  if (row.actor !== null) technical.push(["Staff member's pseudonym", row.actor]);
  return { index: row.index, status, heading: headingOf(row.type), when, facts, statusWords: STATUS_WORDS[status], verdict: verdictOf(status), corrections, related, technical, problems: row.problems };
}

/** The key's scope, for the summary: "your key for 2026", "your key for March 2026", … */
export function scopeWords(kind: 'subject' | 'month' | 'day', scope: string): string {
  if (kind === 'subject') return `the year ${scope}`;
  if (kind === 'month') {
    const day = describeDay(`${scope}-01`);
    return day === undefined ? scope : day.replace(/^1 /, '');
  }
  return describeDay(scope) ?? scope;
}

/** "your key for 2026", "your month key for March 2026", "your day key for 14 March 2026". */
function describeKeyScope(key: HeldKey): string {
  switch (key.kind) {
    case 'subject':
      return `your key for ${key.year}`;
    case 'month': {
      const first = describeDay(`${key.month}-01`);
      return `your month key for ${first === undefined ? key.month : first.replace(/^1 /, '')}`;
    }
    case 'day':
      return `your day key for ${describeDay(key.day) ?? key.day}`;
  }
}

/** What a check searched: the days its key covers within what was asked, and what was asked. */
export interface SearchedRange {
  /** First and last day searched (YYYY-MM-DD, UTC days: the days subject tags are derived for). */
  readonly from: string;
  readonly to: string;
  /** How many days that is. */
  readonly days?: number;
  /** The range the claimant asked for, when it was more than the key covers. */
  readonly asked?: { readonly from: string; readonly to: string };
  /** Today (UTC), when the search stopped there. */
  readonly today?: string;
}

function daysWords(from: string, to: string, today?: string): string {
  const first = describeDay(from) ?? from;
  const last = describeDay(to) ?? to;
  if (to === today) return from === to ? `today, ${last}` : `from ${first} to today, ${last}`;
  return from === to ? `on ${last}` : `from ${first} to ${last}`;
}

/**
 * The summary line. `range` is the period searched (within the key's own). Its dates are
 * UTC days (an event's hour is a UTC hour, and its tag is derived for that hour's UTC day),
 * so they are said to be UTC; the times of the records below are shown in UK time. When the
 * key covers less than was asked (a day key asked for a month searches one day), it says so.
 * With no rows, it says what was searched and that a mistyped key finds nothing too: a key
 * of the right form with one wrong letter derives other tags, which the log cannot tell from
 * a claimant with no records, so only the claimant can tell, by the end of the key they entered.
 */
export function summarise(result: LookupResult, range: SearchedRange, key?: HeldKey): string {
  const rows = result.rows;
  const period = `${daysWords(range.from, range.to, range.today)} (dates in UTC)`;
  const asked = range.asked;
  const narrowed =
    asked === undefined || key === undefined || (asked.from === range.from && asked.to === range.to)
      ? ''
      : ` You asked for ${daysWords(asked.from, asked.to).replace(/^(on|from) /, '')}, but ${describeKeyScope(key)} covers only ${plural(range.days ?? 1, 'day', 'days')} of it, so only ${range.from === range.to ? 'that day was' : 'those days were'} searched.`;
  if (rows.length === 0) {
    const searched = `We searched the log for records about you ${period}${key === undefined ? '' : `, with ${describeKeyScope(key)}`}, and found none.${narrowed}`;
    const ifRight = 'If the key is right, no organisation reported using your data in those days through a system that reports to this log.';
    const ending = key === undefined ? '' : `, which ends in “${encodeHex(key.key).slice(-4)}”,`;
    const mistyped = `But a key with one wrong letter finds nothing too, and looks just the same. Compare the key you entered${ending} with the key you were given, letter by letter, or ask for it again.`;
    return `${searched} ${ifRight} ${mistyped}`;
  }
  const failed = rows.filter((r) => rowStatus(r) === 'failed').length;
  const found = `We found ${plural(rows.length, 'record', 'records')} about you ${period}.${narrowed}`;
  if (failed === 0) return `${found} ${rows.length === 1 ? 'It was' : 'All of them were'} checked in your browser and verified.`;
  return `${found} ${plural(failed, 'record', 'records')} could not be verified: see the records marked “Not verified”.`;
}
