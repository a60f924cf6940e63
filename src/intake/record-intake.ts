/**
 * Turning one record of a POST /v1/records body into a `MoneySubmission` for the sequencer:
 * the record checked against its published schema and the per-field linter (src/money), its
 * body the authenticated partner's own, a redacted record's true values sealed (committed to
 * in the record, kept in the erasable store), its key, and its leaf.
 *
 * Trust boundary: everything in the request is untrusted. The sealed values are personal
 * data: no message, log line or public byte ever holds them; the leaf holds only their
 * commitment, under a fresh random opening.
 */
import { canonicalJson, encodeBase64, isPlainObject, utf8 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { eventCommitment, lintPersonalData } from '../events/index.js';
import { type MoneyRecord, NAME_PROFILE, encodeMoneyLeaf, isAmendmentType, recordDay, recordKey, redactedFields, validateRecord } from '../money/index.js';
import type { Hash } from '../merkle/index.js';
import type { MoneySubmission } from '../sequencer/index.js';
import type { SubmittingPartner } from './event-intake.js';

/** The largest leaf a record may make: an entry is at most 65,535 bytes (c2sp.org/tlog-tiles entry bundles). */
export const MAX_RECORD_LEAF_BYTES = 65_535;
/** The most characters a sealed value may have: a person's name. */
const MAX_SEALED_VALUE = 255;
/** The name of a field a record may redact: a member, or an organisation's name in a list. */
const SEALED_FIELD = /^[a-z][A-Za-z]{0,39}(?:\[[0-9]{1,2}\]\.name)?$/;

export interface RecordIntakeContext {
  readonly sha256: (data: Uint8Array) => Hash;
  readonly randomBytes: (n: number) => Uint8Array;
}


/**
 * The record that carries `sealed`: the record itself, or an amendment's new record. In a
 * request `sealed` holds the true values of the redacted fields, by field (`supplier`,
 * `recipientOrganization[1].name`); in the log, their commitment.
 */
function sealedHolder(record: Record<string, unknown>): Record<string, unknown> | undefined {
  const holder = record.type === 'amend' && isPlainObject(record.record) ? record.record : record;
  return isPlainObject(holder.sealed) ? holder : undefined;
}

/**
 * Seals the true values of a redacted record: checks them against the fields it redacts,
 * and puts the commitment in their place. Returns the record as the log keeps it.
 */
function seal(input: Record<string, unknown>, ctx: RecordIntakeContext): { record: unknown; sealed?: { details: string; opening: Uint8Array } } {
  const holder = sealedHolder(input);
  if (holder === undefined) return { record: input };
  const values = holder.sealed as Record<string, unknown>;
  const path = holder === input ? 'record.sealed' : 'record.record.sealed';
  for (const [field, value] of Object.entries(values)) {
    // A member name is a field of the record (supplier, recipientOrganization[0].name), never
    // anything else: it may be quoted in a message, so it must not carry what a value can.
    if (!SEALED_FIELD.test(field)) {
      throw new LogError('INVALID_RECORD', `${path} names something that is not a field of the record`, { field: path, hint: 'name each redacted field as the record does: supplier, beneficiary, recipientOrganization[0].name' });
    }
    if (typeof value !== 'string' || value.length === 0 || [...value].length > MAX_SEALED_VALUE || /[\u0000-\u001f\u007f-\u009f]/.test(value)) {
      throw new LogError('INVALID_RECORD', `${path} values are the true text of the redacted fields: one line, 1 to ${MAX_SEALED_VALUE} characters`, { field: path, hint: 'for example {"supplier": "the payee\'s name"}' });
    }
    // Sealed, but kept by the log: a National Insurance number or contact details have no
    // place even there. The value is never quoted.
    const kind = lintPersonalData(value, NAME_PROFILE);
    if (kind !== undefined) throw new LogError('PERSONAL_DATA', `${path}'s value for one field looks like it holds ${kind}`, { field: path, hint: "seal only the individual's name; contact details and identity numbers are refused everywhere" });
  }
  const opening = ctx.randomBytes(32);
  const details = canonicalJson(values);
  const commitment = encodeBase64(eventCommitment(opening, values));
  const replaced = { ...holder, sealed: commitment };
  const record = holder === input ? replaced : { ...input, record: replaced };
  // The redacted fields are exactly the sealed ones: checked once the record is valid.
  return { record, sealed: { details, opening } };
}

function checkSealedFields(record: MoneyRecord, sealedFields: readonly string[]): void {
  const holder = (record.type === 'amend' ? record.record : record) as MoneyRecord;
  const redacted = redactedFields(holder);
  const path = record.type === 'amend' ? 'record.record.sealed' : 'record.sealed';
  const missing = redacted.find((f) => !sealedFields.includes(f));
  const extra = sealedFields.find((f) => !redacted.includes(f));
  if (missing !== undefined || extra !== undefined) {
    throw new LogError('INVALID_RECORD', missing !== undefined ? `${path} has no true value for the redacted field ${missing}` : `${path} gives a value for ${extra}, which is not redacted`, {
      field: path,
      hint: 'give one true value for each field that shows "Redacted personal data", named as the field is (supplier, beneficiary, recipientOrganization[0].name)',
    });
  }
}

/** Checks one record of a request from `partner` and makes its submission. */
export function prepareRecord(input: unknown, partner: SubmittingPartner, ctx: RecordIntakeContext): MoneySubmission {
  if (!isPlainObject(input)) throw new LogError('INVALID_RECORD', 'a record must be a JSON object with a type', { field: 'record', hint: 'see GET /v1/record-schemas' });
  const inner = input.type === 'amend' && isPlainObject(input.record) ? input.record : input;
  if (typeof inner.sealed === 'string') {
    throw new LogError('INVALID_RECORD', 'in a request, sealed holds the true values of the redacted fields, not a commitment', {
      field: inner === input ? 'record.sealed' : 'record.record.sealed',
      hint: 'send {"supplier": "the payee\'s name"}; the log makes the commitment with an opening of its own, so that only an auditor can have it opened',
    });
  }
  const holder = sealedHolder(input);
  const sealedFields = holder === undefined ? [] : Object.keys(holder.sealed as object);
  // The content a replay is recognised by: the record as sent, its true values included,
  // which the random opening would otherwise hide.
  let contentText: string;
  try {
    contentText = canonicalJson(input);
  } catch (e) {
    if (e instanceof LogError) throw new LogError('INVALID_RECORD', `record: ${e.message}`, { field: e.field === undefined || e.field === 'body' ? 'record' : `record.${e.field}`, hint: e.hint, cause: e });
    throw e;
  }
  const { record: sealedRecord, sealed } = seal(input, ctx);
  const record = validateRecord(sealedRecord);
  if (sealed !== undefined) checkSealedFields(record, sealedFields);
  if (record.body !== partner.id) {
    throw new LogError('FORBIDDEN', `the record names body ${record.body}, but the bearer token is ${partner.id}'s`, { field: 'record.body', hint: 'a body records only its own records: set body to your partner id' });
  }
  // Without sealed values the record is the request's: its canonical text is already made.
  const leaf = sealed === undefined ? encodeMoneyLeaf(record, contentText) : encodeMoneyLeaf(record);
  if (leaf.length > MAX_RECORD_LEAF_BYTES) {
    throw new LogError('ENTRY_TOO_LARGE', `the record takes ${leaf.length} bytes as a leaf, over ${MAX_RECORD_LEAF_BYTES}`, { field: 'record', hint: 'an OCDS release this large is split into several releases by its publisher' });
  }
  const amendment = isAmendmentType(record.type);
  return {
    partnerId: partner.id,
    recordType: record.type,
    recordKey: record.type === 'amend' ? recordKey(record.record as MoneyRecord) : amendment ? null : recordKey(record),
    target: amendment ? (record.target as number) : null,
    recordDay: record.type === 'amend' ? recordDay(record.record as MoneyRecord) : amendment || record.type === 'publication' ? null : recordDay(record),
    contentHash: ctx.sha256(utf8(contentText)),
    leaf,
    ...(sealed === undefined ? {} : { sealed }),
  };
}
