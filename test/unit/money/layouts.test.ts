/**
 * The published layouts read into records: header variants, the messy cells of real files,
 * the lines of one transaction numbered, individuals sealed, a card flag, 360Giving and OCDS
 * packages; and a refusal per row that cannot be read, naming its line.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CsvLayout, REDACTED, isRefused, mapHeader, normalHeader, parseCsv, readPackage, validateRecord } from '../../../src/money/index.js';
import { expectLogError } from '../../support/errors.js';

const fixture = (name: string) => readFileSync(resolve(import.meta.dirname, '..', '..', 'fixtures', 'money', name), 'utf8');

function readCsv(type: 'spend' | 'local-spend' | 'card' | 'expense' | 'grant', text: string) {
  const [header, ...rows] = parseCsv(text);
  const layout = new CsvLayout(type, mapHeader(type, header!), 'dwp');
  return rows.map((r) => layout.read(r));
}

describe('headers', () => {
  test('one normal form: case, spacing, "£" and bracketed units do not matter', () => {
    for (const h of ['Amount (£)', 'AMOUNT', ' amount ', 'Amount £', 'amount(GBP)']) expect(normalHeader(h)).toBe('amount');
    expect(normalHeader("MP's Name")).toBe('mpsname');
    expect(normalHeader('Claim No.')).toBe('claimno');
  });

  test('a file without a needed column is refused whole, naming it; two columns read as one field are refused', () => {
    const e = expectLogError(() => mapHeader('spend', parseCsv('Date,Supplier,Amount\n')[0]!), 'MALFORMED_REQUEST');
    expect(e.message).toContain('departmentFamily');
    expectLogError(() => mapHeader('spend', parseCsv('Department Family,Entity,Date,Expense Type,Expense Area,Supplier,Transaction Number,Amount,AMOUNT (£)\n')[0]!), 'MALFORMED_REQUEST');
    // The preferred name wins where two could be read as one field.
    const header = mapHeader('local-spend', parseCsv('Body Name,Date,Transaction Number,Net Amount,Supplier,Description,Summary of Purpose\n')[0]!);
    expect(header.columns.get('purpose')).toBe(6);
  });
});

describe('HM Treasury spending over £25,000', () => {
  const rows = readCsv('spend', fixture('spend-2026-01.csv'));

  test('every readable row is a valid record, with its file line', () => {
    const read = rows.filter((r) => !isRefused(r));
    expect(read.map((r) => r.line)).toEqual([2, 3, 4, 6, 8]);
    const valid = (r: (typeof read)[number]) => (isRefused(r) ? undefined : validateRecord({ ...r.record, sealed: r.record.sealed === null ? null : 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=' }));
    for (const r of read.filter((r) => r.line !== 8)) expect(() => valid(r)).not.toThrow();
    // Read, but the log refuses it: a National Insurance number in the description.
    expectLogError(() => valid(read.find((r) => r.line === 8)!), 'PERSONAL_DATA');
  });

  test('pounds with £ and separators, brackets for a refund, related lines numbered, a quoted description', () => {
    const [a, b, , d] = rows.filter((r) => !isRefused(r)).map((r) => (isRefused(r) ? undefined : r.record));
    expect(a).toMatchObject({ date: '2026-01-05', amount: 4_500_000, transactionNumber: '00100001', line: 1, description: 'Cloud hosting, January', sealed: null });
    expect(b).toMatchObject({ amount: 1_250_050, transactionNumber: '00100001', line: 2 });
    expect(d).toMatchObject({ date: '2026-01-31', amount: -2_600_000, description: 'Refund of rent, "overpaid"' });
  });

  test('a sole trader is published as redacted, the name sealed', () => {
    const row = rows.find((r) => r.line === 4)!;
    expect(isRefused(row) ? undefined : row.record).toMatchObject({ supplier: REDACTED, sealed: { supplier: 'Jane Doe' } });
  });

  test('a day not in the calendar refuses its row only, naming the line and field', () => {
    const refused = rows.find((r) => r.line === 7)!;
    expect(isRefused(refused) && refused).toMatchObject({ line: 7, field: 'date' });
  });

  test('a name already redacted in the file is refused: the log seals the true one', () => {
    const [r] = readCsv('spend', 'Department Family,Entity,Date,Expense Type,Expense Area,Supplier,Transaction Number,Amount\nD,E,01/01/2026,T,A,REDACTED PERSONAL DATA,1,30000\n');
    expect(isRefused(r!) && r).toMatchObject({ line: 2, field: 'supplier' });
  });
});

describe("a council's spending and card transactions", () => {
  test('a card flag makes a row a card transaction; a missing VAT cell is 0; "£600" and "10 Jan 2026" read', () => {
    const rows = readCsv('local-spend', fixture('council-2026-01.csv')).map((r) => (isRefused(r) ? r : r.record));
    expect(rows.map((r) => (r as { type?: string }).type)).toEqual(['local-spend', 'card', 'local-spend']);
    expect(rows[0]).toMatchObject({ amount: 125_000, irrecoverableVat: 0, expenditureCode: 'EC-4410', purpose: 'Grounds maintenance' });
    expect(rows[1]).toMatchObject({ amount: 4_599, irrecoverableVat: 0 });
    expect(rows[2]).toMatchObject({ date: '2026-01-10', amount: 60_000, irrecoverableVat: 1_200 });
    for (const r of rows) expect(() => validateRecord(r)).not.toThrow();
  });

  test('a card flag that is neither yes nor no refuses the row', () => {
    const [r] = readCsv('local-spend', 'Body Name,Date,Transaction Number,Net Amount,Beneficiary,Card Transaction\nC,01/01/2026,1,10.00,Shop Ltd,maybe\n');
    expect(isRefused(r!) && r).toMatchObject({ field: 'cardTransaction' });
  });
});

describe("MPs' business costs", () => {
  test('the IPSA columns, quoted throughout', () => {
    const rows = readCsv('expense', fixture('ipsa-2026-01.csv')).map((r) => (isRefused(r) ? r : r.record));
    expect(rows[1]).toMatchObject({ member: 'Jane Example', claimNumber: '2026-1-10002', amountClaimed: 12_000, amountPaid: 10_000, amountNotPaid: 2_000, status: 'Part Paid', description: 'London return' });
    for (const r of rows) expect(() => validateRecord(r)).not.toThrow();
  });
});

describe('360Giving flat CSV', () => {
  test('one recipient and one funder a row, pounds into pence, ISO or day-first dates', () => {
    const rows = readCsv('grant', fixture('grants-2026.csv')).map((r) => (isRefused(r) ? r : r.record));
    expect(rows[0]).toMatchObject({ id: '360G-dwp-2026-0101', amountAwarded: 2_500_000, awardDate: '2026-01-20', recipientOrganization: [{ id: 'GB-CHC-1234567', name: 'Anytown Community Trust' }], disbursements: [] });
    expect(rows[1]).toMatchObject({ amountAwarded: 150_055, awardDate: '2026-01-21', description: '' });
    for (const r of rows) expect(() => validateRecord(r)).not.toThrow();
  });
});

describe('packages', () => {
  test('360Giving: pounds into pence, ISO dates and times into days, disbursements; a third decimal place refuses that grant only', () => {
    const rows = readPackage('grant', JSON.parse(fixture('grants-2026.json')), 'dwp');
    expect(isRefused(rows[0]!) ? undefined : rows[0]!.record).toMatchObject({ amountAwarded: 2_500_000, awardDate: '2026-01-20', disbursements: [{ transactionDate: '2026-02-01', value: 1_250_050 }], description: 'Support for people returning to work' });
    expect(isRefused(rows[1]!) && rows[1]).toMatchObject({ line: 2, field: 'amountAwarded' });
    expect(isRefused(rows[2]!) ? undefined : rows[2]!.record).toMatchObject({ awardDate: '2026-01-22', amountAwarded: 999_999 });
    expect(() => validateRecord((rows[0] as { record: object }).record)).not.toThrow();
  });

  test('OCDS: each release kept verbatim', () => {
    const json = JSON.parse(fixture('releases-2026.json'));
    const rows = readPackage('contract', json, 'dwp');
    expect(rows.map((r) => (isRefused(r) ? undefined : r.record.release))).toEqual(json.releases);
  });

  test('a file of the wrong shape is refused whole', () => {
    expectLogError(() => readPackage('grant', { releases: [] }, 'dwp'), 'MALFORMED_REQUEST');
    expectLogError(() => readPackage('contract', [], 'dwp'), 'MALFORMED_REQUEST');
  });
});
