/**
 * The check of a typed event's public part, as a partner submits it (POST /v1/events). Its
 * order matters: the personal-data linter runs before the schema, so a value that holds
 * personal data is reported as such (PERSONAL_DATA) rather than as merely malformed, and no
 * later message can be tempted to quote it. No message quotes any value: it names the field
 * and what is expected.
 */
import { decodeBase64, decodeHex, isPlainObject } from '../encoding/index.js';
import { LogError } from '../errors.js';
import type { CodeLists } from './codes.js';
import { isNormalPublicText, lintPersonalData } from './lint.js';
import { checkSchema, violationHint } from './schema.js';
import { ACTOR_PATTERN, EVENT_SCHEMAS, EVENT_TYPES, type SightlineEvent, codeFields, isEventType } from './types.js';

/** Nesting beyond what any event schema accepts; bounds the linter's walk on hostile input. */
const MAX_DEPTH = 8;

/**
 * Strictly formatted by their patterns, and excluded from the linter: an hour is a date by
 * design, and random hex or base64 would trip its digit-run checks.
 */
const UNLINTED = new Set(['hour', 'since', 'commitment', 'actor']);

/** An account pseudonym: the form of the actor field (ACTOR_PATTERN). */
const PSEUDONYM = new RegExp(ACTOR_PATTERN);

const CODES_HINT = 'public fields take only codes from the lists published at GET /v1/codes';


function personalData(field: string, message: string): LogError {
  return new LogError('PERSONAL_DATA', message, {
    field,
    hint: 'public fields hold only codes and pseudonyms, and are published for ever; put personal details in `details`, which the log commits to and never publishes',
  });
}

/** Every string in the event, member names included, through the linter (step 2). */
function lint(value: unknown, path: string, depth: number, top: boolean): void {
  if (typeof value === 'string') {
    const kind = lintPersonalData(value);
    if (kind !== undefined) throw personalData(path, `${path} looks like it holds ${kind}`);
    notNormal(value, path, path);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= MAX_DEPTH) throw new LogError('INVALID_EVENT', `${path} nests deeper than any event field`, { field: path, hint: CODES_HINT });
  if (Array.isArray(value)) {
    value.forEach((item, i) => lint(item, `${path}[${i}]`, depth + 1, false));
    return;
  }
  for (const [name, member] of Object.entries(value)) {
    const kind = lintPersonalData(name);
    // The name is the personal data here: the field is the object holding it.
    if (kind !== undefined) throw personalData(path, `a member name in ${path} looks like ${kind}`);
    notNormal(name, path, `a member name in ${path}`);
    if (top && name === 'actor' && typeof member === 'string') lintActor(member, `${path}.actor`);
    if (top && UNLINTED.has(name)) continue;
    // An operator's account is named by its pseudonym (hex, like actor); a partner's by its
    // id, which is never of that form (checkAccountId), so the form tells them apart.
    if (top && name === 'account' && typeof member === 'string' && PSEUDONYM.test(member)) {
      lintActor(member, `${path}.account`);
      continue;
    }
    lint(member, `${path}.${name}`, depth + 1, false);
  }
}

/** A public string must already be in the one normal form the linter judges (src/events/lint.ts). */
function notNormal(value: string, field: string, what: string): void {
  if (isNormalPublicText(value)) return;
  throw new LogError('INVALID_EVENT', `${what} is not in the normal form of public text`, {
    field,
    hint: 'public values are Unicode NFKC, without invisible characters (zero-width spaces, soft hyphens, direction marks), and use Latin letters, not look-alikes from other scripts',
  });
}

/**
 * The actor is a pseudonym in hex, so its digits are not linted as text; but hex can spell
 * text, and a partner could put a staff number or a National Insurance number there in hex.
 * The bytes it encodes are linted as text.
 */
function lintActor(value: string, field: string): void {
  const bytes = decodeHex(value);
  if (bytes === undefined) return; // not whole bytes (or not hex, which the schema refuses)
  // A keyed hash is random bytes: text is printable ASCII throughout, which 8 random bytes
  // are once in about 2,500 tries and 16 once in about six million.
  if (!bytes.every((b) => b >= 0x20 && b <= 0x7e)) return;
  const kind = lintPersonalData(String.fromCharCode(...bytes));
  if (kind !== undefined) throw personalData(field, `${field} is hex for text that looks like it holds ${kind}`);
}

function invalid(field: string, message: string, hint: string): LogError {
  return new LogError('INVALID_EVENT', message, { field, hint });
}

function isCalendarHour(hour: string): boolean {
  const y = Number(hour.slice(0, 4));
  const m = Number(hour.slice(5, 7));
  const d = Number(hour.slice(8, 10));
  const h = Number(hour.slice(11, 13));
  // Date.UTC rolls February 30th over into March: a real date is one that comes back unchanged.
  const t = new Date(Date.UTC(y, m - 1, d, h));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d && t.getUTCHours() === h;
}

/**
 * Validates the public part of a typed event against `codes`, in this order:
 *  1. a JSON object with a known `type` (INVALID_EVENT, field `event.type`);
 *  2. the personal-data linter over every string and member name, except `hour`, `since`,
 *     `commitment` and `actor` (PERSONAL_DATA);
 *  3. the type's published schema (INVALID_EVENT);
 *  4. every code field against the code lists (UNKNOWN_CODE);
 *  5. `hour` (and `since`) a real UTC hour, `since` not after `hour`, `commitment` canonical
 *     base64 of 32 bytes (INVALID_EVENT).
 * Returns the same object, typed; it is neither copied nor reordered.
 */
export function validateEvent(value: unknown, codes: CodeLists): SightlineEvent {
  if (!isPlainObject(value)) throw invalid('event.type', 'the event must be a JSON object with a type', `the event is a JSON object whose type is one of ${EVENT_TYPES.join(', ')}`);
  const type = value.type;
  if (!isEventType(type)) throw invalid('event.type', `event.type must be one of ${EVENT_TYPES.join(', ')}`, 'each event type has its own published JSON Schema');

  lint(value, 'event', 0, true);

  const schema = EVENT_SCHEMAS[type];
  const violation = checkSchema(schema, value, 'event');
  if (violation !== undefined) {
    throw invalid(violation.path, `${violation.path} ${violation.message}`, violationHint(schema, violation.path, 'event', `the ${type} event schema`));
  }

  for (const { name, list, use } of codeFields(type)) {
    const known = codes[list];
    const unknown = (field: string) =>
      new LogError('UNKNOWN_CODE', `${field} is not a code in the ${list} list`, { field, hint: `${CODES_HINT}; ${field} takes one from the ${list} list` });
    const field = `event.${name}`;
    const member = value[name];
    if (use === 'value') {
      if (!Object.hasOwn(known, member as string)) throw unknown(field);
    } else if (use === 'items') {
      (member as string[]).forEach((item, i) => {
        if (!Object.hasOwn(known, item)) throw unknown(`${field}[${i}]`);
      });
    } else {
      for (const key of Object.keys(member as object)) if (!Object.hasOwn(known, key)) throw unknown(`${field}.${key}`);
    }
  }

  const hour = value.hour as string;
  if (!isCalendarHour(hour)) throw invalid('event.hour', 'event.hour is not a real calendar date and hour', 'the UTC hour as YYYY-MM-DDTHH, e.g. 2026-03-01T09');
  if (type === 'heartbeat') {
    const since = value.since as string;
    if (!isCalendarHour(since)) throw invalid('event.since', 'event.since is not a real calendar date and hour', 'the UTC hour as YYYY-MM-DDTHH, e.g. 2026-03-01T09');
    // Both have the fixed form YYYY-MM-DDTHH, so text order is time order.
    if (since > hour) throw invalid('event.since', 'event.since is after event.hour', 'a heartbeat covers the hours from since up to hour');
  }
  const commitment = decodeBase64(value.commitment as string);
  if (commitment === undefined || commitment.length !== 32) {
    throw invalid('event.commitment', 'event.commitment is not canonical base64 of 32 bytes', 'base64 of the 32-byte SHA-256 commitment to the details, padded, with no line breaks');
  }
  return value as SightlineEvent;
}
