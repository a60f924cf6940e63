/**
 * The public-money record types: every published schema is valid draft 2020-12 and agrees
 * with Ajv on the examples; each type's example passes; each refusal (schema, calendar,
 * periods, redaction, personal data per field) is named by its field and never quotes the
 * value; and the leaf round-trips byte for byte, refusing what a misbehaving log could store.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { canonicalJson, utf8 } from '../../../src/encoding/index.js';
import { LogError } from '../../../src/errors.js';
import { leafKind } from '../../../src/events/index.js';
import {
  RECORD_SCHEMAS,
  RECORD_TYPES,
  REDACTED,
  type MoneyRecord,
  encodeMoneyLeaf,
  parseMoneyLeaf,
  recordAmount,
  recordDay,
  recordKey,
  redactedFields,
  validateRecord,
} from '../../../src/money/index.js';
import { expectLogError } from '../../support/errors.js';
import { exampleRecord } from '../../support/money-examples.js';

const COMMITMENT = 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=';
const ajv = new Ajv2020({ strict: true, ownProperties: true });

describe('the published schemas', () => {
  test.each(RECORD_TYPES)('%s: a valid draft 2020-12 schema that takes its example, as validateRecord does', (type) => {
    const validate = ajv.compile(RECORD_SCHEMAS[type] as object);
    const record = exampleRecord(type);
    expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
    expect(validateRecord(record)).toBe(record);
  });

  test.each(RECORD_TYPES)('%s: every member is required, and no other is allowed', (type) => {
    const schema = RECORD_SCHEMAS[type];
    expect(schema.required).toEqual(Object.keys(schema.properties as object));
    for (const member of Object.keys(exampleRecord(type))) {
      const { [member]: _gone, ...rest } = exampleRecord(type);
      expect(expectLogError(() => validateRecord(rest), 'INVALID_RECORD').field).toBe(`record.${member}`);
    }
    expect(expectLogError(() => validateRecord(exampleRecord(type, { extra: 'x' })), 'INVALID_RECORD').field).toBe('record.extra');
  });
});

describe('refusals, each naming its field', () => {
  const CASES: readonly (readonly [string, Record<string, unknown>, string])[] = [
    ['an unknown type', { ...exampleRecord('spend'), type: 'payment' }, 'record.type'],
    ['an amount as a string', exampleRecord('spend', { amount: '45000.00' }), 'record.amount'],
    ['an amount with pence as a fraction', exampleRecord('spend', { amount: 4500000.5 }), 'record.amount'],
    ['an amount past 2^53', exampleRecord('spend', { amount: 2 ** 53 }), 'record.amount'],
    ['another currency in a GBP format', exampleRecord('spend', { currency: 'EUR' }), 'record.currency'],
    ['a day month first', exampleRecord('spend', { date: '01/15/2026' }), 'record.date'],
    ['a day not in the calendar', exampleRecord('spend', { date: '2026-02-30' }), 'record.date'],
    ['a 29 February of a common year', exampleRecord('local-spend', { date: '2025-02-29' }), 'record.date'],
    ['a line 0', exampleRecord('spend', { line: 0 }), 'record.line'],
    ['an empty supplier', exampleRecord('spend', { supplier: '' }), 'record.supplier'],
    ['a supplier with a leading space', exampleRecord('spend', { supplier: ' Acme Ltd' }), 'record.supplier'],
    ['a description across lines', exampleRecord('spend', { description: 'a\nb' }), 'record.description'],
    ['negative irrecoverable VAT', exampleRecord('card', { irrecoverableVat: -1 }), 'record.irrecoverableVat'],
    ['a grant id without its prefix', exampleRecord('grant', { id: 'dwp-2026-1' }), 'record.id'],
    ['a recipient without an org-id', exampleRecord('grant', { recipientOrganization: [{ id: '1234567', name: 'Trust' }] }), 'record.recipientOrganization[0].id'],
    ['no recipient', exampleRecord('grant', { recipientOrganization: [] }), 'record.recipientOrganization'],
    ['a disbursement on no day', exampleRecord('grant', { disbursements: [{ transactionDate: '2026-04-31', value: 1 }] }), 'record.disbursements[0].transactionDate'],
    ['a currency in lower case', exampleRecord('grant', { currency: 'gbp' }), 'record.currency'],
    ['a release without an ocid', exampleRecord('contract', { release: { id: '1', date: '2026-01-01T00:00:00Z', tag: ['award'], initiationType: 'tender' } }), 'record.release.ocid'],
    ['a release dated without a zone', exampleRecord('contract', { release: { ...(exampleRecord('contract').release as object), date: '2026-01-12T10:00:00' } }), 'record.release.date'],
    ['a period ending before it starts', exampleRecord('publication', { periodEnd: '2025-12-31' }), 'record.periodEnd'],
    ['a period over a year', exampleRecord('publication', { periodEnd: '2027-01-31' }), 'record.periodEnd'],
    ['a total as a number', exampleRecord('publication', { totals: { GBP: 4500000 } }), 'record.totals.GBP'],
    ['a total with a leading zero', exampleRecord('publication', { totals: { GBP: '04500000' } }), 'record.totals.GBP'],
    ['a total of minus zero', exampleRecord('publication', { totals: { GBP: '-0' } }), 'record.totals.GBP'],
    ['nothing to report, with a count', exampleRecord('publication', { nothingToReport: true }), 'record.nothingToReport'],
    ['a count of 0 not said to be nothing', exampleRecord('publication', { count: 0, totals: {} }), 'record.nothingToReport'],
    ['nothing to report, with totals', exampleRecord('publication', { count: 0, nothingToReport: true }), 'record.totals'],
    ['contract totals', exampleRecord('publication', { recordType: 'contract' }), 'record.totals'],
    ['a publication of amendments', exampleRecord('publication', { recordType: 'amend' }), 'record.recordType'],
    ['a file hash in capitals', exampleRecord('publication', { fileSha256: 'AB'.repeat(32) }), 'record.fileSha256'],
    ['an amendment of an amendment', exampleRecord('amend', { record: exampleRecord('withdraw') }), 'record.record.type'],
    ['an amendment of another body', exampleRecord('amend', { record: exampleRecord('spend', { body: 'hmrc' }) }), 'record.record.body'],
    ['an amendment whose record is invalid', exampleRecord('amend', { record: exampleRecord('spend', { amount: '1' }) }), 'record.record.amount'],
    ['a withdrawal without a reason', exampleRecord('withdraw', { reason: '' }), 'record.reason'],
    ['a repayment of nothing', exampleRecord('repay', { amount: 0 }), 'record.amount'],
    ['a redacted supplier with nothing sealed', exampleRecord('spend', { supplier: REDACTED }), 'record.sealed'],
    ['sealed values with nothing redacted', exampleRecord('spend', { sealed: COMMITMENT }), 'record.sealed'],
    ['a redacted funder', exampleRecord('grant', { fundingOrganization: [{ id: 'GB-GOR-D12', name: REDACTED }], sealed: COMMITMENT }), 'record.sealed'],
    ['a sealed commitment not canonical', exampleRecord('spend', { supplier: REDACTED, sealed: 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq81=' }), 'record.sealed'],
    ['fullwidth letters', exampleRecord('spend', { supplier: 'Ａcme Ltd' }), 'record.supplier'],
    ['a zero-width space', exampleRecord('spend', { expenseType: 'IT\u200bServices' }), 'record.expenseType'],
    ['Cyrillic look-alikes', exampleRecord('spend', { supplier: 'Асme Ltd' }), 'record.supplier'],
    ['a body that is no partner id', exampleRecord('spend', { body: 'DWP' }), 'record.body'],
  ];
  test.each(CASES)('%s', (_what, record, field) => {
    const e = expectLogError(() => validateRecord(record), 'INVALID_RECORD');
    expect(e.field).toBe(field);
    expect(e.hint).toBeTruthy();
  });

  test('a redacted supplier with its values sealed, and a redacted recipient, pass', () => {
    const spend = exampleRecord('spend', { supplier: REDACTED, sealed: COMMITMENT });
    expect(redactedFields(validateRecord(spend))).toEqual(['supplier']);
    const grant = exampleRecord('grant', { recipientOrganization: [{ id: 'GB-CHC-1', name: 'A Trust' }, { id: 'GB-CHC-2', name: REDACTED }], sealed: COMMITMENT });
    expect(redactedFields(validateRecord(grant))).toEqual(['recipientOrganization[1].name']);
  });

  test('nothing to report is a statement of its own', () => {
    expect(() => validateRecord(exampleRecord('publication', { count: 0, totals: {}, nothingToReport: true }))).not.toThrow();
  });
});

describe('personal data, per field', () => {
  // Names are public by design where an organisation or an MP is named; contact details,
  // National Insurance numbers, postcodes and birth dates are refused in every field.
  const REFUSED: readonly (readonly [string, Record<string, unknown>, string, string])[] = [
    ['a NINO in a supplier', exampleRecord('spend', { supplier: 'Payee QQ123456C' }), 'record.supplier', 'a National Insurance number'],
    ['a NINO as a transaction number', exampleRecord('spend', { transactionNumber: 'AB123456C' }), 'record.transactionNumber', 'a National Insurance number'],
    ['a NINO spaced in a description', exampleRecord('spend', { description: 'ref AB 12 34 56 C' }), 'record.description', 'a National Insurance number'],
    ['an e-mail in a description', exampleRecord('local-spend', { purpose: 'refund to jo@example.com' }), 'record.purpose', 'an e-mail address'],
    ['an e-mail in a supplier', exampleRecord('spend', { supplier: 'accounts@acme.co.uk' }), 'record.supplier', 'an e-mail address'],
    ['a phone number in a beneficiary', exampleRecord('card', { beneficiary: 'Taxi 07700 900123' }), 'record.beneficiary', 'a phone number'],
    ['a postcode in a purpose', exampleRecord('local-spend', { purpose: 'Repairs at 12 High St, LS1 4AP' }), 'record.purpose', 'a UK postcode'],
    ['a labelled birth date in a description', exampleRecord('expense', { description: 'Travel for claimant DOB 01/02/1980' }), 'record.description', 'a date of birth'],
    ['a date in a name', exampleRecord('spend', { supplier: 'J Bloggs 12/03/1980' }), 'record.supplier', 'a date of birth'],
    ['an e-mail deep in a release', exampleRecord('contract', { release: { ...(exampleRecord('contract').release as object), parties: [{ contactPoint: { email: 'buyer@dwp.gov.uk' } }] } }), 'record.release.parties[0].contactPoint.email', 'an e-mail address'],
    ['a phone number in a release member name', exampleRecord('contract', { release: { ...(exampleRecord('contract').release as object), '07700900123': 1 } }), 'record.release', 'a phone number'],
    ['a NINO in a recipient id', exampleRecord('grant', { recipientOrganization: [{ id: 'GB-NIN-QQ123456C', name: 'X' }] }), 'record.recipientOrganization[0].id', 'a National Insurance number'],
    ['a NINO dressed as a company in a scheme it is not', exampleRecord('contract', { release: { ...(exampleRecord('contract').release as object), parties: [{ identifier: { scheme: 'GB-CHC', id: 'AB123456' } }] } }), 'record.release.parties[0].identifier.id', 'a National Insurance number'],
    ['a NINO in sealed member names of an amendment', exampleRecord('amend', { reason: 'see QQ123456C' }), 'record.reason', 'a National Insurance number'],
  ];
  test.each(REFUSED)('%s', (_what, record, field, kind) => {
    const e = expectLogError(() => validateRecord(record), 'PERSONAL_DATA');
    expect(e.field).toBe(field);
    expect(e.message).toContain(kind);
    // Never the value: the message names the field and the kind only.
    for (const v of ['QQ123456', 'AB123456', '@', '07700', 'LS1 4AP', '1980']) expect(e.message).not.toContain(v);
  });

  const ALLOWED: readonly (readonly [string, Record<string, unknown>])[] = [
    ['an organisation named like people', exampleRecord('spend', { supplier: 'Marks and Spencer Group Plc' })],
    ['a firm with a title in its name', exampleRecord('spend', { supplier: 'Dr Martens Airwair Ltd' })],
    ["an MP's name", exampleRecord('expense', { member: 'Sarah Smith' })],
    ['a month in a description', exampleRecord('spend', { description: 'Rent for March 2026, paid 01/03/2026' })],
    ['a long transaction number', exampleRecord('spend', { transactionNumber: '01234567890' })],
    ['a transaction number that reads as a day', exampleRecord('spend', { transactionNumber: '20260131' })],
    ['a Scottish company in org-id form', exampleRecord('grant', { recipientOrganization: [{ id: 'GB-COH-SC123456', name: 'A Scottish Company Ltd' }] })],
    ['a Scottish company as an OCDS identifier', exampleRecord('contract', { release: { ...(exampleRecord('contract').release as object), parties: [{ identifier: { scheme: 'GB-COH', id: 'SC123456' } }] } })],
  ];
  test.each(ALLOWED)('%s passes', (_what, record) => {
    expect(() => validateRecord(record)).not.toThrow();
  });
});

describe('keys, days and amounts', () => {
  test('lines of one transaction have keys of their own; identifiers cannot collide through separators', () => {
    const a = recordKey(validateRecord(exampleRecord('spend', { transactionNumber: 'T1', line: 2 })));
    const b = recordKey(validateRecord(exampleRecord('spend', { transactionNumber: 'T1', line: 3 })));
    expect(a).not.toBe(b);
    const c = recordKey(validateRecord(exampleRecord('local-spend', { transactionNumber: 'T1', line: 2 })));
    expect(c).not.toBe(a); // another type, another key
    const d = recordKey(validateRecord(exampleRecord('spend', { transactionNumber: 'T1","2', line: 2 })));
    expect(d).not.toBe(a);
  });

  test('a contract is keyed by its ocid and release id; a publication by its type and period', () => {
    expect(recordKey(validateRecord(exampleRecord('contract')))).toBe('["contract","ocds-h6vhtk-04a1b2","ocds-h6vhtk-04a1b2-award-1"]');
    expect(recordKey(validateRecord(exampleRecord('publication')))).toBe('["publication","spend","2026-01-01","2026-01-31"]');
    expect(() => recordKey(validateRecord(exampleRecord('withdraw')))).toThrow(TypeError);
  });

  test('each line type counts under its day and adds its amount', () => {
    const cases: readonly (readonly [Record<string, unknown>, string, ReturnType<typeof recordAmount>])[] = [
      [exampleRecord('spend'), '2026-01-15', { currency: 'GBP', amount: 4_500_000 }],
      [exampleRecord('local-spend'), '2026-01-07', { currency: 'GBP', amount: 125_000 }],
      [exampleRecord('grant'), '2026-01-20', { currency: 'GBP', amount: 2_500_000 }],
      [exampleRecord('contract'), '2026-01-12', undefined],
      [exampleRecord('expense'), '2026-01-05', { currency: 'GBP', amount: 2_599 }],
    ];
    for (const [record, day, amount] of cases) {
      const r = validateRecord(record);
      expect(recordDay(r)).toBe(day);
      expect(recordAmount(r)).toEqual(amount);
    }
  });
});

describe('the leaf', () => {
  test.each(RECORD_TYPES)('%s: encodes to canonical JSON that parses back to the same record, and is reserved', (type) => {
    const record = validateRecord(exampleRecord(type));
    const leaf = encodeMoneyLeaf(record);
    expect(parseMoneyLeaf(leaf)).toEqual(record);
    expect(leafKind(leaf)).toBe('money');
    // The same bytes from the record's canonical text, as the intake makes them.
    expect(encodeMoneyLeaf(record, canonicalJson(record))).toEqual(leaf);
  });

  test('anything else of the form is refused: other bytes for the same record, another member, an invalid record', () => {
    const record = validateRecord(exampleRecord('spend')) as MoneyRecord;
    const spaced = utf8(JSON.stringify({ v: 1, money: record }, null, 1));
    expectLogError(() => parseMoneyLeaf(spaced), 'INVALID_RECORD');
    const reordered = utf8(JSON.stringify({ money: record, v: 1 }));
    expectLogError(() => parseMoneyLeaf(reordered), 'INVALID_RECORD');
    const extra = utf8(JSON.stringify({ extra: 1, money: record, v: 1 }));
    expectLogError(() => parseMoneyLeaf(extra), 'INVALID_RECORD');
    const invalid = utf8(JSON.stringify({ money: { ...record, amount: '1' }, v: 1 }));
    expectLogError(() => parseMoneyLeaf(invalid), 'INVALID_RECORD');
    // Reserved by its form even when broken: a raw write of it is refused.
    expect(leafKind(invalid)).toBe('money');
    // The member name spelt with an escape is the same member: of the form, not canonical.
    const escaped = utf8(`{"\\u006doney":${JSON.stringify(record)},"v":1}`);
    expect(leafKind(escaped)).toBe('money');
    expectLogError(() => parseMoneyLeaf(escaped), 'INVALID_RECORD');
  });

  test('other entries are not records', () => {
    for (const text of ['', 'hello', '[1]', '{"v":2,"money":{}}', '{"v":1,"event":{}}', '{"money":{}}']) expect(parseMoneyLeaf(utf8(text))).toBeUndefined();
    expect(parseMoneyLeaf(new Uint8Array([0x7b, 0xff]))).toBeUndefined();
  });

  test('a refusal is a LogError, never another exception, on hostile nesting', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 50; i++) deep = { a: deep };
    const record = exampleRecord('contract', { release: { ...(exampleRecord('contract').release as object), deep } });
    expect(() => validateRecord(record)).toThrow(LogError);
  });
});
