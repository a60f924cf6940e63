/**
 * The bytes of a public-money record in the log, and what anyone reads back from them: the
 * leaf is the UTF-8 of canonicalJson({ v: 1, money: record }) (RFC 8785), one byte string per
 * record, which a monitor, a journalist's client or the explorer parses strictly and
 * recomputes exactly. The log writes the leaf itself from a checked record: a raw entry of
 * this form is refused (leafKind, src/events/leaf.ts).
 *
 * Each record also has a *key*, the identifier the body publishes it under (a transaction
 * number and line, a grant id, an ocid and release id, a claim number, a publication's
 * type and period): the log takes one record per key and body, and a change to it only as
 * an amendment naming the original's index.
 */
import { canonicalJson, bytesEqual, decodeUtf8, utf8 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { MONEY_MEMBER } from '../events/index.js';
import { type LineType, type MoneyRecord, isAmendmentType, isLineType } from './records.js';
import { validateRecord } from './validate.js';

/**
 * The leaf of a validated record. `canonical`, when the caller has it already, is
 * canonicalJson(record): JCS orders "money" before "v", so the leaf is that text inside
 * `{"money":…,"v":1}` and the record is not serialised twice.
 */
export function encodeMoneyLeaf(record: MoneyRecord, canonical?: string): Uint8Array {
  if (canonical !== undefined) return utf8(`{"${MONEY_MEMBER}":${canonical},"v":1}`);
  return utf8(canonicalJson({ v: 1, [MONEY_MEMBER]: record }));
}

/** The member name of a record leaf, as bytes: `"money"`. */
const MONEY_NAME = utf8(`"${MONEY_MEMBER}"`);
const BACKSLASH = 0x5c;

function includesBytes(data: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= data.length; i++) {
    for (let j = 0; j < needle.length; j++) if (data[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function notCanonical(message: string, cause?: unknown): LogError {
  return new LogError('INVALID_RECORD', message, { field: 'leaf', hint: 'a record leaf is the canonical JSON (RFC 8785) of { v: 1, money: record }, the record valid under its published schema', cause });
}

/**
 * The record in a leaf: undefined when `data` is not of the record form at all (not a JSON
 * object with v: 1 and a `money` member); LogError('INVALID_RECORD') when it has the form but
 * is not exactly what encodeMoneyLeaf makes of a valid record — a log that stored it
 * misbehaved. The record is checked against its schema: what a reader totals is what the
 * log was allowed to take.
 */
export function parseMoneyLeaf(data: Uint8Array): MoneyRecord | undefined {
  // Most entries are no record: one without the member name's bytes, nor an escape that could
  // spell it, is not parsed at all (every reader of a whole log calls this on each entry).
  if (data[0] !== 0x7b || (!includesBytes(data, MONEY_NAME) && !data.includes(BACKSLASH))) return undefined;
  const text = decodeUtf8(data);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const o = parsed as Record<string, unknown>;
  if (o.v !== 1 || !Object.hasOwn(o, MONEY_MEMBER)) return undefined;
  if (Object.keys(o).length !== 2) throw notCanonical('a record leaf has a member it may not have');
  let record: MoneyRecord;
  try {
    record = validateRecord(o[MONEY_MEMBER], MONEY_MEMBER);
  } catch (e) {
    throw notCanonical(`the record in the leaf is not valid: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  let canonical: Uint8Array;
  try {
    canonical = utf8(canonicalJson(parsed));
  } catch (e) {
    throw notCanonical('the record leaf is not I-JSON', e);
  }
  if (!bytesEqual(canonical, data)) throw notCanonical('the record leaf is not in canonical JSON (RFC 8785)');
  return record;
}

/** The type a key is taken under: an amendment's record stands under the original's type. */
export type KeyedType = LineType | 'publication';

/**
 * The key of a line record or a publication, within its body: canonical JSON of its type and
 * identifying members, so that no two keys collide whatever the identifiers hold.
 */
export function recordKey(record: MoneyRecord): string {
  const r = record as Record<string, unknown>;
  switch (record.type) {
    case 'spend':
    case 'local-spend':
    case 'card':
      return canonicalJson([record.type, r.transactionNumber, r.line]);
    case 'grant':
      return canonicalJson([record.type, r.id]);
    case 'contract': {
      const release = r.release as Record<string, unknown>;
      return canonicalJson([record.type, release.ocid, release.id]);
    }
    case 'expense':
      return canonicalJson([record.type, r.claimNumber]);
    case 'publication':
      return canonicalJson([record.type, r.recordType, r.periodStart, r.periodEnd]);
    default:
      throw new TypeError(`a ${record.type} has no key of its own: it names its original by index`);
  }
}

/** The day a line record counts under in a publication's period. */
export function recordDay(record: MoneyRecord): string {
  const r = record as Record<string, unknown>;
  switch (record.type) {
    case 'grant':
      return r.awardDate as string;
    case 'contract':
      return ((r.release as Record<string, unknown>).date as string).slice(0, 10);
    default:
      return r.date as string;
  }
}

/**
 * The amount a line record adds to its period's totals: spend's amount, a council's net
 * amount, a grant's amount awarded, an MP's amount paid; a contract release has none (OCDS
 * values are decimals, not minor units).
 */
export function recordAmount(record: MoneyRecord): { readonly currency: string; readonly amount: number } | undefined {
  const r = record as Record<string, unknown>;
  switch (record.type) {
    case 'grant':
      return { currency: r.currency as string, amount: r.amountAwarded as number };
    case 'expense':
      return { currency: 'GBP', amount: r.amountPaid as number };
    case 'contract':
      return undefined;
    default:
      return { currency: 'GBP', amount: r.amount as number };
  }
}

/** Whether a record names an earlier one (an amendment), and which. */
export function recordTarget(record: MoneyRecord): number | undefined {
  return isAmendmentType(record.type) ? (record.target as number) : undefined;
}

/** The type a record stands under: its own, or for an amendment its new record's. */
export function keyedType(record: MoneyRecord): KeyedType | undefined {
  if (record.type === 'amend') return (record.record as MoneyRecord).type as KeyedType;
  if (isLineType(record.type) || record.type === 'publication') return record.type;
  return undefined;
}
