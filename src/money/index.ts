// Public money on the record (design.md, "Public money"): amounts in minor units, days, exact
// totals, the record types and their schemas, their leaves, and the recount anyone runs
// from the entries. No I/O; runs in Node and browsers.
export { minorUnits, parsePublishedAmount } from './amount.js';
export { FIRST_YEAR, LAST_YEAR, isDay, parsePublishedDate } from './dates.js';
export { formatPounds, sumMinorUnits, totalsByCurrency } from './totals.js';
export {
  AMENDMENT_TYPES,
  LINE_TYPES,
  NAME_PROFILE,
  RECORD_SCHEMAS,
  RECORD_TYPES,
  REDACTED,
  type AmendmentType,
  type LineType,
  type MoneyRecord,
  type RecordType,
  isAmendmentType,
  isLineType,
  isRecordType,
} from './records.js';
export { redactedFields, validateRecord } from './validate.js';
export { type KeyedType, encodeMoneyLeaf, keyedType, parseMoneyLeaf, recordAmount, recordDay, recordKey, recordTarget } from './leaf.js';
export { type AuditedRecord, EMPTY_MONEY_AUDIT, MoneyAudit, type MoneyAuditState, type PublicationCheck, parseMoneyAudit } from './audit.js';
export { CsvReader, type CsvRow, parseCsv } from './csv.js';
export { CsvLayout, type HeaderMap, type ImportedRecord, type RefusedRow, isRefused, mapHeader, normalHeader, readPackage } from './layouts.js';
export { type Decision, type StandingEntry, StandingIndex, changedFields, comparable } from './plan.js';
export { type DownloadRow, recordsCsv, recordsJson } from './download.js';
