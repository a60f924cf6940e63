/**
 * What an entry is, read from its bytes alone: a typed event, the log's own record of a
 * change of code lists, a raw entry, or something that claims to be an event but is not
 * well formed. Never throws: the bytes are untrusted.
 */
import { type SightlineEvent, parseEventLeaf, parseLogRecord } from '../events/index.js';
import { type MoneyRecord, RECORD_SCHEMAS, parseMoneyLeaf } from '../money/index.js';
import type { Labels } from './labels.js';
import { TYPE_NAMES } from './labels.js';
import { monthName } from './html.js';

export type DescribedEntry =
  | { readonly kind: 'event'; readonly event: SightlineEvent; readonly signature: Uint8Array; readonly subjectTag?: string }
  | { readonly kind: 'record'; readonly sha256: string; readonly previous: string | null }
  | { readonly kind: 'successor'; readonly origin: string; readonly vkey: string; readonly start: string }
  | { readonly kind: 'money'; readonly record: MoneyRecord }
  | { readonly kind: 'raw' }
  | { readonly kind: 'malformed'; readonly reason: string };

export function describeEntry(data: Uint8Array): DescribedEntry {
  let leaf;
  try {
    leaf = parseEventLeaf(data);
  } catch (e) {
    return { kind: 'malformed', reason: e instanceof Error ? e.message : String(e) };
  }
  if (leaf !== undefined) return { kind: 'event', ...leaf };
  const record = parseLogRecord(data);
  if (record?.record === 'codes') return { kind: 'record', sha256: record.sha256, previous: record.previous };
  if (record?.record === 'successor') return { kind: 'successor', origin: record.origin, vkey: record.vkey, start: record.start };
  try {
    const money = parseMoneyLeaf(data);
    if (money !== undefined) return { kind: 'money', record: money };
  } catch (e) {
    return { kind: 'malformed', reason: e instanceof Error ? e.message : String(e) };
  }
  return { kind: 'raw' };
}

/** A string member of an event, or undefined. */
export function field(event: SightlineEvent, name: string): string | undefined {
  const value = event[name];
  return typeof value === 'string' ? value : undefined;
}

/** One line on an entry, for lists of entries. */
export function entrySummary(entry: DescribedEntry, labels: Labels, size: number): string {
  switch (entry.kind) {
    case 'event': {
      const { event } = entry;
      const organisation = field(event, 'organisation');
      const hour = field(event, 'hour');
      const who = organisation === undefined ? '' : `, ${labels.of('organisations', organisation)}`;
      const when = hour === undefined ? '' : `, ${monthName(hour.slice(0, 7))}`;
      return `${TYPE_NAMES[event.type]}${who}${when}`;
    }
    case 'record':
      return 'The log’s record of a change of the code lists';
    case 'successor':
      return `The log’s announcement of the log after it, ${entry.origin}`;
    case 'money':
      return `${String(RECORD_SCHEMAS[entry.record.type].title)}, recorded by ${entry.record.body}`;
    case 'raw':
      return `Raw entry of ${size} ${size === 1 ? 'byte' : 'bytes'}`;
    case 'malformed':
      return 'An entry that claims to be a typed event but is not well formed';
  }
}
