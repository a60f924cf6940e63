/**
 * The files bodies publish, read into records (the request form of POST /v1/records): the
 * CSV layouts of spending over £25,000 (HM Treasury), a council's spending over £500 and its
 * card transactions (Local Government Transparency Code 2015) and MPs' business costs (IPSA),
 * 360Giving grants (JSON packages and the flat CSV), and OCDS release packages.
 *
 * Headers are matched in one normal form (lower case, letters and digits only, a `£` or a
 * bracketed unit dropped: "Amount (£)", "AMOUNT", " amount " are one), against the names
 * seen in real files. A column the layout needs and the file lacks is refused for the whole
 * file; a cell that cannot be read refuses its row only, naming its line.
 */
import { isPlainObject } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { parsePublishedAmount } from './amount.js';
import type { CsvRow } from './csv.js';
import { parsePublishedDate } from './dates.js';
import { type LineType, REDACTED } from './records.js';

/** A record read from a file, in the request form, with where it came from. */
export interface ImportedRecord {
  /** The line of the file (CSV), or the item's position in the package (JSON, from 1). */
  readonly line: number;
  readonly record: Record<string, unknown>;
}

/** A row the importer could not read: where, and why (never quoting a personal value). */
export interface RefusedRow {
  readonly line: number;
  readonly field: string | undefined;
  readonly reason: string;
}

type Column =
  | 'departmentFamily'
  | 'entity'
  | 'date'
  | 'expenseType'
  | 'expenseArea'
  | 'supplier'
  | 'payeeType'
  | 'transactionNumber'
  | 'amount'
  | 'description'
  | 'organisationName'
  | 'irrecoverableVat'
  | 'purpose'
  | 'category'
  | 'serviceArea'
  | 'expenditureCode'
  | 'cardTransaction'
  | 'member'
  | 'constituency'
  | 'claimNumber'
  | 'amountClaimed'
  | 'amountPaid'
  | 'amountNotPaid'
  | 'amountRepaid'
  | 'status'
  | 'grantId'
  | 'title'
  | 'currency'
  | 'amountAwarded'
  | 'awardDate'
  | 'recipientId'
  | 'recipientName'
  | 'funderId'
  | 'funderName';

/** Header names seen in published files, in normal form, for each column. */
const ALIASES: Record<Column, readonly string[]> = {
  departmentFamily: ['departmentfamily', 'deptfamily'],
  entity: ['entity', 'entityname'],
  date: ['date', 'paymentdate', 'dateofpayment', 'transactiondate', 'dateofexpenditure', 'expendituredate', 'dateincurred'],
  expenseType: ['expensetype', 'expendituretype'],
  expenseArea: ['expensearea', 'expenditurearea'],
  supplier: ['supplier', 'suppliername', 'payee', 'payeename', 'beneficiary', 'beneficiaryname', 'merchant', 'merchantname', 'vendor', 'vendorname'],
  payeeType: ['suppliertype', 'payeetype', 'beneficiarytype', 'vendortype'],
  transactionNumber: ['transactionnumber', 'transactionno', 'transno', 'transactionid', 'transactionref', 'transactionreference', 'reference', 'referencenumber'],
  amount: ['amount', 'netamount', 'value', 'transactionamount', 'amountexcludingvat', 'amountexvat'],
  description: ['description', 'narrative', 'expensedescription', 'transactiondescription', 'shortdescription', 'details'],
  organisationName: ['organisationname', 'organisation', 'bodyname', 'body', 'council', 'localauthority', 'organisationlabel'],
  irrecoverableVat: ['irrecoverablevat', 'vatirrecoverable', 'nonrecoverablevat', 'irrecoverablevatamount'],
  purpose: ['summaryofpurpose', 'purpose', 'purposeofexpenditure', 'purposeofspend', 'description', 'narrative'],
  category: ['category', 'merchantcategory', 'procurementcategory', 'expenditurecategory', 'expensetype'],
  serviceArea: ['servicearea', 'department', 'directorate', 'service', 'serviceareacategorisation', 'servicedivision'],
  expenditureCode: ['sercopcode', 'serviceexpenditurecode', 'expenditurecode', 'cipfacode', 'cipfaservicecode'],
  cardTransaction: ['cardtransaction', 'procurementcard', 'cardflag', 'procurementcardtransaction', 'gpc'],
  member: ['mpsname', 'mpname', 'member', 'membername', 'mp'],
  constituency: ['mpsconstituency', 'constituency'],
  claimNumber: ['claimno', 'claimnumber', 'claimref', 'claimreference'],
  amountClaimed: ['amountclaimed', 'claimed'],
  amountPaid: ['amountpaid', 'paid'],
  amountNotPaid: ['amountnotpaid', 'notpaid'],
  amountRepaid: ['amountrepaid', 'repaid'],
  status: ['status', 'claimstatus'],
  // 360Giving's flat (spreadsheet) form: "Identifier", "Recipient Org:Identifier", …
  grantId: ['identifier', 'grantidentifier', 'id'],
  title: ['title'],
  currency: ['currency'],
  amountAwarded: ['amountawarded'],
  awardDate: ['awarddate'],
  recipientId: ['recipientorgidentifier', 'recipientorganizationidentifier', 'recipientorganisationidentifier'],
  recipientName: ['recipientorgname', 'recipientorganizationname', 'recipientorganisationname'],
  funderId: ['fundingorgidentifier', 'fundingorganizationidentifier', 'fundingorganisationidentifier'],
  funderName: ['fundingorgname', 'fundingorganizationname', 'fundingorganisationname'],
};

/** What each CSV layout needs (required) and reads if present (optional). */
const LAYOUTS: Record<'spend' | 'local-spend' | 'expense' | 'grant', { readonly required: readonly Column[]; readonly optional: readonly Column[] }> = {
  grant: { required: ['grantId', 'title', 'currency', 'amountAwarded', 'awardDate', 'recipientId', 'recipientName', 'funderId', 'funderName'], optional: ['description'] },
  spend: { required: ['departmentFamily', 'entity', 'date', 'expenseType', 'expenseArea', 'supplier', 'transactionNumber', 'amount'], optional: ['description', 'payeeType'] },
  'local-spend': {
    required: ['organisationName', 'date', 'transactionNumber', 'amount', 'supplier'],
    optional: ['irrecoverableVat', 'purpose', 'category', 'serviceArea', 'expenditureCode', 'cardTransaction', 'payeeType'],
  },
  expense: {
    required: ['member', 'constituency', 'date', 'claimNumber', 'category', 'expenseType', 'amountClaimed', 'amountPaid', 'amountNotPaid', 'amountRepaid', 'status'],
    optional: ['description'],
  },
};

/** A header cell in normal form: "Amount (£)" → "amount", "Claim No." → "claimno", "MP's Name" → "mpsname". */
export function normalHeader(text: string): string {
  return text
    .replace(/\(.*?\)/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * What a payee-type cell says of an individual (HM Treasury's optional supplier type
 * column; councils' "Individual", "Sole trader"): their name is sealed, not published.
 */
const INDIVIDUAL = /^(?:individual|person|private individual|sole trader|self[- ]employed)$/i;
/** How published files show a name already taken out: the importer needs the true one to seal. */
const ALREADY_REDACTED = /^(?:redacted(?: personal data)?|personal data(?: redacted)?|redacted - personal data|name withheld|withheld)$/i;
const YES = /^(?:y|yes|true|1|card)$/i;
const NO = /^(?:n|no|false|0)?$/i;

/** The column index of each header the layout uses. */
export interface HeaderMap {
  readonly columns: ReadonlyMap<Column, number>;
  /** The layout's optional columns the file lacks (so a summary can say what was assumed). */
  readonly missing: readonly string[];
}

function layoutOf(type: LineType): (typeof LAYOUTS)[keyof typeof LAYOUTS] {
  if (type === 'spend' || type === 'expense' || type === 'grant') return LAYOUTS[type];
  if (type === 'local-spend' || type === 'card') return LAYOUTS['local-spend'];
  throw new LogError('MALFORMED_REQUEST', `${type} records are not read from CSV here`, { field: 'type', hint: 'contracts come as OCDS release packages (JSON)' });
}

/** Reads the header row. Spreadsheets add trailing empty columns: they are ignored. */
export function mapHeader(type: LineType, header: CsvRow): HeaderMap {
  const layout = layoutOf(type);
  const normal = header.cells.map(normalHeader);
  const columns = new Map<Column, number>();
  for (const column of [...layout.required, ...layout.optional]) {
    // The names are in order of preference: "Summary of Purpose" is the purpose, even where a
    // "Description" column could be read as one. The same best name twice is ambiguous.
    const best = ALIASES[column].find((alias) => normal.includes(alias));
    if (best === undefined) continue;
    const chosen = normal.flatMap((h, i) => (h === best ? [i] : []));
    if (chosen.length > 1) {
      throw new LogError('MALFORMED_REQUEST', `line ${header.line}: columns ${chosen.map((i) => JSON.stringify(header.cells[i])).join(' and ')} both read as ${column}`, {
        field: `line ${header.line}`,
        hint: 'rename or remove one of them',
      });
    }
    columns.set(column, chosen[0]!);
  }
  const absent = layout.required.filter((c) => !columns.has(c));
  if (absent.length > 0) {
    throw new LogError('MALFORMED_REQUEST', `line ${header.line}: the file has no column for ${absent.join(', ')}`, {
      field: `line ${header.line}`,
      hint: `a ${type} file's header names ${absent.map((c) => ALIASES[c][0]).join(', ')} (case, spacing and "£" do not matter)`,
    });
  }
  return { columns, missing: layout.optional.filter((c) => !columns.has(c)) };
}

function refuse(field: string, reason: string, hint?: string): never {
  throw new LogError('INVALID_RECORD', reason, { field, ...(hint === undefined ? {} : { hint }) });
}

/** One line of text as a public field holds it: spaces collapsed, ends trimmed. */
function text(value: string): string {
  return value.replace(/[\s\u00a0]+/g, ' ').trim();
}

/**
 * Reads data rows into records, numbering the lines of each transaction as they come
 * (related lines share a transaction number). `body` is the partner id the records are
 * recorded under.
 */
export class CsvLayout {
  readonly #lines = new Map<string, number>();

  constructor(
    private readonly type: LineType,
    private readonly header: HeaderMap,
    private readonly body: string,
  ) {}

  #cell(row: CsvRow, column: Column): string | undefined {
    const i = this.header.columns.get(column);
    return i === undefined ? undefined : text(row.cells[i] ?? '');
  }

  #required(row: CsvRow, column: Column): string {
    const value = this.#cell(row, column)!;
    if (value === '') refuse(column, `${column} is empty`);
    return value;
  }

  /** The record of a data row, or a RefusedRow naming why. */
  read(row: CsvRow): ImportedRecord | RefusedRow {
    try {
      return { line: row.line, record: this.#record(row) };
    } catch (e) {
      if (!(e instanceof LogError)) throw e;
      return { line: row.line, field: e.field, reason: e.message };
    }
  }

  #amount(row: CsvRow, column: Column): number {
    const value = this.#cell(row, column);
    return value === undefined || value === '' ? 0 : parsePublishedAmount(value, column);
  }

  /** The payee's name, or its sealed form when the payee is an individual. */
  #payee(row: CsvRow): { name: string; sealed: Record<string, string> | null } {
    const name = this.#required(row, 'supplier');
    if (ALREADY_REDACTED.test(name)) {
      refuse('supplier', 'the payee is already redacted in the file: the log seals the true name, so that an auditor can check it', 'import the file with the names (marking individuals in a supplier type column as "Individual"); the log publishes "Redacted personal data" for them');
    }
    const individual = INDIVIDUAL.test(this.#cell(row, 'payeeType') ?? '');
    return individual ? { name: REDACTED, sealed: { [this.type === 'spend' ? 'supplier' : 'beneficiary']: name } } : { name, sealed: null };
  }

  #transaction(row: CsvRow): { transactionNumber: string; line: number } {
    const transactionNumber = this.#required(row, 'transactionNumber');
    const line = (this.#lines.get(transactionNumber) ?? 0) + 1;
    this.#lines.set(transactionNumber, line);
    return { transactionNumber, line };
  }

  #record(row: CsvRow): Record<string, unknown> {
    if (this.type === 'grant') {
      // 360Giving's flat form: one recipient and one funder a row, amounts in pounds.
      return {
        type: 'grant',
        body: this.body,
        id: this.#required(row, 'grantId'),
        title: this.#required(row, 'title'),
        description: this.#cell(row, 'description') ?? '',
        currency: this.#required(row, 'currency'),
        amountAwarded: parsePublishedAmount(this.#required(row, 'amountAwarded'), 'amountAwarded'),
        awardDate: parsePublishedDate(this.#required(row, 'awardDate').replace(/(?:Z|[+-][0-9]{2}:[0-9]{2})$/, ''), 'awardDate'),
        recipientOrganization: [{ id: this.#required(row, 'recipientId'), name: this.#required(row, 'recipientName') }],
        fundingOrganization: [{ id: this.#required(row, 'funderId'), name: this.#required(row, 'funderName') }],
        disbursements: [],
        sealed: null,
      };
    }
    const date = parsePublishedDate(this.#required(row, 'date'), 'date');
    if (this.type === 'spend') {
      const payee = this.#payee(row);
      return {
        type: 'spend',
        body: this.body,
        departmentFamily: this.#required(row, 'departmentFamily'),
        entity: this.#required(row, 'entity'),
        date,
        expenseType: this.#required(row, 'expenseType'),
        expenseArea: this.#required(row, 'expenseArea'),
        supplier: payee.name,
        ...this.#transaction(row),
        amount: parsePublishedAmount(this.#required(row, 'amount'), 'amount'),
        currency: 'GBP',
        description: this.#cell(row, 'description') ?? '',
        sealed: payee.sealed,
      };
    }
    if (this.type === 'expense') {
      return {
        type: 'expense',
        body: this.body,
        member: this.#required(row, 'member'),
        constituency: this.#required(row, 'constituency'),
        date,
        claimNumber: this.#required(row, 'claimNumber'),
        category: this.#required(row, 'category'),
        expenseType: this.#required(row, 'expenseType'),
        currency: 'GBP',
        amountClaimed: this.#amount(row, 'amountClaimed'),
        amountPaid: this.#amount(row, 'amountPaid'),
        amountNotPaid: this.#amount(row, 'amountNotPaid'),
        amountRepaid: this.#amount(row, 'amountRepaid'),
        status: this.#required(row, 'status'),
        description: this.#cell(row, 'description') ?? '',
      };
    }
    // A council's file: its card flag says whether the row is a card transaction.
    const flag = this.#cell(row, 'cardTransaction') ?? '';
    if (!YES.test(flag) && !NO.test(flag)) refuse('cardTransaction', 'the card transaction flag is neither yes nor no', 'Y or N (or empty for no)');
    const type = this.type === 'card' || YES.test(flag) ? 'card' : 'local-spend';
    const payee = this.#payee(row);
    return {
      type,
      body: this.body,
      organisationName: this.#required(row, 'organisationName'),
      date,
      ...this.#transaction(row),
      amount: parsePublishedAmount(this.#required(row, 'amount'), 'amount'),
      irrecoverableVat: this.#amount(row, 'irrecoverableVat'),
      currency: 'GBP',
      beneficiary: payee.name,
      purpose: this.#cell(row, 'purpose') ?? '',
      category: this.#cell(row, 'category') ?? '',
      serviceArea: this.#cell(row, 'serviceArea') ?? '',
      expenditureCode: this.#cell(row, 'expenditureCode') ?? '',
      sealed: payee.sealed,
    };
  }
}


/** A 360Giving amount (a JSON number of pounds) in pence, refusing what would be a guess. */
function poundsNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) refuse(field, `${field} is not a number of pounds`, '360Giving amounts are JSON numbers, for example 1500.5');
  return parsePublishedAmount(String(value), field);
}

function dayOf(value: unknown, field: string): string {
  if (typeof value !== 'string') refuse(field, `${field} is not a date`, 'YYYY-MM-DD, or an ISO 8601 date and time');
  return parsePublishedDate(value.length > 10 && value[10] === 'T' ? value.slice(0, 10) : value, field);
}

function organisations(value: unknown, field: string): { id: string; name: string }[] {
  if (!Array.isArray(value) || value.length === 0) refuse(field, `${field} lists no organisation`, 'each grant names its recipient and funding organisations, with their identifiers');
  return value.map((o: unknown, i) => {
    if (!isPlainObject(o) || typeof o.id !== 'string' || typeof o.name !== 'string') refuse(`${field}[${i}]`, `${field}[${i}] has no id and name`);
    return { id: o.id.trim(), name: text(o.name) };
  });
}

/** A 360Giving grant (JSON) as a record: amounts in pence, days, the disbursements so far. */
function grantRecord(grant: unknown, body: string): Record<string, unknown> {
  if (!isPlainObject(grant)) refuse('grant', 'a grant is a JSON object');
  const disbursements = Array.isArray(grant.disbursementTransaction) ? grant.disbursementTransaction : [];
  return {
    type: 'grant',
    body,
    id: typeof grant.id === 'string' ? grant.id.trim() : refuse('id', 'the grant has no id'),
    title: typeof grant.title === 'string' ? text(grant.title) : refuse('title', 'the grant has no title'),
    description: typeof grant.description === 'string' ? text(grant.description) : '',
    currency: typeof grant.currency === 'string' ? grant.currency : refuse('currency', 'the grant has no currency'),
    amountAwarded: poundsNumber(grant.amountAwarded, 'amountAwarded'),
    awardDate: dayOf(grant.awardDate, 'awardDate'),
    recipientOrganization: organisations(grant.recipientOrganization, 'recipientOrganization'),
    fundingOrganization: organisations(grant.fundingOrganization, 'fundingOrganization'),
    disbursements: disbursements.map((d: unknown, i) => {
      if (!isPlainObject(d)) refuse(`disbursementTransaction[${i}]`, 'a disbursement is a JSON object');
      return { transactionDate: dayOf(d.transactionDate, `disbursementTransaction[${i}].transactionDate`), value: poundsNumber(d.value, `disbursementTransaction[${i}].value`) };
    }),
    sealed: null,
  };
}

/**
 * The records of a JSON package: a 360Giving package (`{"grants": [...]}`) or an OCDS
 * release package (`{"releases": [...]}`), each item kept in order; an item that cannot be
 * read is refused with its position.
 */
export function readPackage(type: 'grant' | 'contract', json: unknown, body: string): (ImportedRecord | RefusedRow)[] {
  const member = type === 'grant' ? 'grants' : 'releases';
  if (!isPlainObject(json) || !Array.isArray(json[member])) {
    throw new LogError('MALFORMED_REQUEST', `the file is not ${type === 'grant' ? 'a 360Giving package' : 'an OCDS release package'}: it has no ${member} array`, {
      field: member,
      hint: type === 'grant' ? 'a 360Giving JSON file is {"grants": [ … ]}' : 'an OCDS release package is {"uri", "publishedDate", "releases": [ … ], …}',
    });
  }
  return (json[member] as unknown[]).map((item, i) => {
    const line = i + 1;
    try {
      if (type === 'grant') return { line, record: grantRecord(item, body) };
      // Verbatim: the release as published, keyed by its ocid and id.
      return { line, record: { type: 'contract', body, release: item } };
    } catch (e) {
      if (!(e instanceof LogError)) throw e;
      return { line, field: e.field, reason: e.message };
    }
  });
}

export function isRefused(row: ImportedRecord | RefusedRow): row is RefusedRow {
  return 'reason' in row;
}
