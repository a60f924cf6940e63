/**
 * The check of a public-money record as a body submits it (POST /v1/records), in the order
 * the typed events' check uses (src/events/validate.ts): the personal-data linter first, per
 * field, so that a value holding personal data is reported as such and no later message
 * quotes it; then the type's published schema; then what a schema cannot say (real days,
 * periods, totals, redaction). No message quotes a value: it names the field and the fix.
 */
import { isPlainObject } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { type LintProfile, checkSchema, isNormalPublicText, lintPersonalData, violationHint } from '../events/index.js';
import { isDay } from './dates.js';
import {
  type Field,
  type MoneyRecord,
  RECORD_SCHEMAS,
  RECORD_TYPES,
  REDACTED,
  isLineType,
  isRecordType,
  recordFields,
} from './records.js';

/** Deeper than an OCDS release nests (about six levels): bounds the walk on hostile input. */
const MAX_DEPTH = 16;
/** A publication covers at most a year: bodies publish monthly, IPSA every two months. */
const MAX_PERIOD_DAYS = 366;


function invalid(field: string, message: string, hint: string): LogError {
  return new LogError('INVALID_RECORD', message, { field, hint });
}

function personalData(field: string, message: string): LogError {
  return new LogError('PERSONAL_DATA', message, {
    field,
    hint: 'a public record is published for ever: National Insurance numbers, e-mail addresses, phone numbers, postcodes and dates of birth are refused in every field; an individual paid is shown as "Redacted personal data", with the name given in sealed, which only an auditor can open',
  });
}

/**
 * A Companies House number: eight digits, or two letters and six digits (SC…, NI…, OC…),
 * which has the form of a National Insurance number by accident. It is set aside where it
 * says what it is: in org-id.guide form (GB-COH-SC123456), or as the id of an OCDS
 * identifier whose scheme is GB-COH. Those forms admit nothing else.
 */
const COMPANY_NUMBER = /^(?:[0-9]{8}|[A-Z]{2}[0-9]{6})$/;
function isCompanyNumber(value: string, scheme: unknown): boolean {
  return value.startsWith('GB-COH-') ? COMPANY_NUMBER.test(value.slice('GB-COH-'.length)) : scheme === 'GB-COH' && COMPANY_NUMBER.test(value);
}

/** Every string under `value`, member names included, through the linter of its field. */
function lint(value: unknown, path: string, profile: LintProfile, depth: number, scheme?: unknown): void {
  if (typeof value === 'string') {
    const kind = isCompanyNumber(value, scheme) ? undefined : lintPersonalData(value, profile);
    if (kind !== undefined) throw personalData(path, `${path} looks like it holds ${kind}`);
    notNormal(value, path, path);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= MAX_DEPTH) throw invalid(path, `${path} nests deeper than any record field`, 'an OCDS release nests a few levels; other fields are flat');
  if (Array.isArray(value)) {
    value.forEach((item, i) => lint(item, `${path}[${i}]`, profile, depth + 1));
    return;
  }
  for (const [name, member] of Object.entries(value)) {
    const kind = lintPersonalData(name, profile);
    if (kind !== undefined) throw personalData(path, `a member name in ${path} looks like ${kind}`);
    notNormal(name, path, `a member name in ${path}`);
    lint(member, `${path}.${name}`, profile, depth + 1, name === 'id' ? (value as Record<string, unknown>).scheme : undefined);
  }
}

function notNormal(value: string, field: string, what: string): void {
  if (isNormalPublicText(value)) return;
  throw invalid(field, `${what} is not in the normal form of public text`, 'public values are Unicode NFKC, without invisible characters, and use Latin letters, not look-alikes from other scripts');
}

function dayNumber(day: string): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000;
}

function checkDay(value: string, field: string): void {
  if (!isDay(Number(value.slice(0, 4)), Number(value.slice(5, 7)), Number(value.slice(8, 10)))) {
    throw invalid(field, `${field} is not a day of the calendar`, 'YYYY-MM-DD, a real day between 1900 and 2199');
  }
}

/** The members of `record` that show REDACTED: top-level names, and recipientOrganization[i].name. */
export function redactedFields(record: MoneyRecord): string[] {
  const out: string[] = [];
  for (const [member, field] of recordFields(record.type)) {
    if (field.redactable !== true) continue;
    const value = record[member];
    if (value === REDACTED) out.push(member);
    if (Array.isArray(value)) value.forEach((o: unknown, i) => isPlainObject(o) && o.name === REDACTED && out.push(`${member}[${i}].name`));
  }
  return out;
}

/**
 * Validates a record against its type's published schema and the rules beside it, at `path`
 * (`record`, or `record.record` inside an amendment):
 *  1. a JSON object with a known `type` (INVALID_RECORD, field `<path>.type`);
 *  2. the personal-data linter, per field (PERSONAL_DATA);
 *  3. the type's schema (INVALID_RECORD);
 *  4. days of the calendar; a publication's period, count and totals; redaction and
 *     `sealed` together; an amendment's record of a line type or a publication, by the
 *     same body (INVALID_RECORD).
 * Returns the same object, typed.
 */
export function validateRecord(value: unknown, path = 'record'): MoneyRecord {
  if (!isPlainObject(value) || !isRecordType(value.type)) {
    throw invalid(`${path}.type`, `${path} must be a JSON object whose type is one of ${RECORD_TYPES.join(', ')}`, 'each record type has its own published JSON Schema at GET /v1/record-schemas');
  }
  const type = value.type;
  const fields = new Map<string, Field>(recordFields(type));
  for (const [name, member] of Object.entries(value)) {
    const field = fields.get(name);
    if (field?.lint !== undefined) lint(member, `${path}.${name}`, field.lint, 0);
  }
  const violation = checkSchema(RECORD_SCHEMAS[type], value, path);
  if (violation !== undefined) throw invalid(violation.path, `${violation.path} ${violation.message}`, violationHint(RECORD_SCHEMAS[type], violation.path, path, `the ${type} record schema`));

  for (const [name, field] of fields) if (field.day === true) checkDay(value[name] as string, `${path}.${name}`);
  const record = value as MoneyRecord;
  if (type === 'grant') (record.disbursements as { transactionDate: string }[]).forEach((d, i) => checkDay(d.transactionDate, `${path}.disbursements[${i}].transactionDate`));
  if (type === 'publication') checkPublication(record, path);
  if (fields.has('sealed')) {
    const redacted = redactedFields(record);
    if (redacted.length > 0 && record.sealed === null) {
      throw invalid(`${path}.sealed`, `${path}.${redacted[0]} is redacted, but sealed is null`, 'a redacted record commits to the true values: send them in sealed (POST /v1/records), and the log computes the commitment');
    }
    if (redacted.length === 0 && record.sealed !== null) throw invalid(`${path}.sealed`, `${path}.sealed commits to values, but no field is redacted`, `a field an individual's name is in shows exactly "${REDACTED}"`);
  }
  if (type === 'amend') {
    const inner = validateRecord(record.record, `${path}.record`);
    if (!isLineType(inner.type) && inner.type !== 'publication') throw invalid(`${path}.record.type`, `an amendment's record is a ${inner.type}`, 'an amendment carries the record as it now stands: a line record or a publication, never another amendment');
    if (inner.body !== record.body) throw invalid(`${path}.record.body`, `${path}.record names another body`, 'a body amends only its own records');
  }
  return record;
}

function checkPublication(record: MoneyRecord, path: string): void {
  const start = record.periodStart as string;
  const end = record.periodEnd as string;
  checkDay(start, `${path}.periodStart`);
  checkDay(end, `${path}.periodEnd`);
  const days = dayNumber(end) - dayNumber(start) + 1;
  if (days < 1) throw invalid(`${path}.periodEnd`, `${path}.periodEnd is before periodStart`, 'a period runs from its first day to its last, both included');
  if (days > MAX_PERIOD_DAYS) throw invalid(`${path}.periodEnd`, `${path} covers more than ${MAX_PERIOD_DAYS} days`, 'publish a statement per month (or per publication period), at most a year');
  const totals = record.totals as Record<string, string>;
  const count = record.count as number;
  if (record.nothingToReport !== (count === 0)) {
    throw invalid(`${path}.nothingToReport`, record.nothingToReport ? `${path} says there is nothing to report but counts records` : `${path} counts no records but does not say there is nothing to report`, 'a period with no records is stated as such: count 0 and nothingToReport true, or a count of 1 or more and nothingToReport false');
  }
  if (count === 0 && Object.keys(totals).length > 0) throw invalid(`${path}.totals`, `${path} has totals but no records`, 'a statement of nothing to report has totals {}');
  if (record.recordType === 'contract' && Object.keys(totals).length > 0) throw invalid(`${path}.totals`, 'contract releases have no totals', 'OCDS values are not minor units; a contract statement counts releases and has totals {}');
}
