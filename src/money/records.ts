/**
 * The public-money record types and their published JSON Schemas (draft 2020-12), each from
 * the format bodies already publish (references.md, "Public money"):
 *
 *  - `spend`: central government spending over £25,000 (HM Treasury's monthly table);
 *  - `local-spend`, `card`: a council's spending over £500 and its procurement card
 *    transactions (Local Government Transparency Code 2015; the code's card flag is the type);
 *  - `grant`: the 360Giving Data Standard's required fields and disbursements;
 *  - `contract`: an Open Contracting Data Standard 1.1 release, kept verbatim;
 *  - `expense`: an MP's business-cost claim as IPSA publishes it;
 *  - `publication`: a body's statement that a period's records of a type are complete;
 *  - `amend`, `withdraw`, `repay`: later entries about an earlier record, never edits.
 *
 * One normal form: every member a type has is present (an empty text is ""), amounts are
 * JSON integers of the currency's minor unit, days are `YYYY-MM-DD`, and totals, which may
 * pass 2^53 pence, are decimal strings. Each field is declared once here with its schema and
 * the personal-data checks it gets (src/events/lint.ts): organisation names are public by
 * design in supplier and recipient fields, but National Insurance numbers, e-mail addresses,
 * phone numbers, postcodes and dates of birth are refused in every field.
 */
import { COMMITMENT_PATTERN, type JsonSchema, type LintProfile, PARTNER_PATTERN, objectSchema } from '../events/index.js';

export const LINE_TYPES = ['spend', 'local-spend', 'card', 'grant', 'contract', 'expense'] as const;
export type LineType = (typeof LINE_TYPES)[number];
export const AMENDMENT_TYPES = ['amend', 'withdraw', 'repay'] as const;
export type AmendmentType = (typeof AMENDMENT_TYPES)[number];
export const RECORD_TYPES = [...LINE_TYPES, 'publication', ...AMENDMENT_TYPES] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** A validated record: a plain JSON object, kept as parsed. */
export type MoneyRecord = { readonly type: RecordType; readonly body: string; readonly [field: string]: unknown };

export function isRecordType(value: unknown): value is RecordType {
  return typeof value === 'string' && (RECORD_TYPES as readonly string[]).includes(value);
}
export function isLineType(value: unknown): value is LineType {
  return typeof value === 'string' && (LINE_TYPES as readonly string[]).includes(value);
}
export function isAmendmentType(value: unknown): value is AmendmentType {
  return typeof value === 'string' && (AMENDMENT_TYPES as readonly string[]).includes(value);
}

/**
 * What a redacted field shows publicly, as councils already publish it. Its true value is
 * sealed: committed to in the record (`sealed`), kept in the erasable store, and opened only
 * for an auditor, an opening the log records.
 */
export const REDACTED = 'Redacted personal data';

/** 2^53 − 1: every integer up to it is exact in a JSON number read by JavaScript (RFC 7493 §2.2). */
const MAX_INTEGER = Number.MAX_SAFE_INTEGER;
export const DAY_PATTERN = '^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$';
/** A total in minor units as a canonical decimal: no leading zeros, no plus, no "-0". */
export const TOTAL_PATTERN = '^(?:0|-?[1-9][0-9]{0,30})$';
export const CURRENCY_PATTERN = '^[A-Z]{3}$';
/** Printable, one line, no leading or trailing space; the normal form is checked after. */
const TEXT_PATTERN = '^(?:[^\\s\\u0000-\\u001f\\u007f-\\u009f](?:[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f])?)?$';
const IDENTIFIER_PATTERN = '^[^\\s\\u0000-\\u001f\\u007f-\\u009f](?:[^\\u0000-\\u001f\\u007f-\\u009f]{0,126}[^\\s\\u0000-\\u001f\\u007f-\\u009f])?$';
/** org-id.guide: a list's prefix (country and register) and the identifier in that list. */
export const ORG_ID_PATTERN = '^[A-Z]{2,4}-[A-Z0-9]{2,10}-[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$';
/** 360Giving: a grant's id begins with its publisher's registered prefix, 360G-…. */
const GRANT_ID_PATTERN = '^360G-[A-Za-z0-9][A-Za-z0-9._/-]{0,119}$';
/** OCDS 1.1: an ocid is a registered prefix (ocds-, six characters) and the process's id. */
export const OCID_PATTERN = '^ocds-[a-z0-9]{6}-[A-Za-z0-9][A-Za-z0-9._/-]{0,119}$';

/** Names: organisations (and, redacted, individuals) by design; no contact details or birth dates. */
export const NAME_PROFILE: LintProfile = Object.freeze({ phones: true, postcodes: true, dates: 'any', names: false, ninoAcrossSeparators: false });
/** Free text (a purpose, a description): names and ordinary dates may appear; a labelled birth date may not. */
export const TEXT_PROFILE: LintProfile = Object.freeze({ phones: true, postcodes: true, dates: 'labelled', names: false, ninoAcrossSeparators: false });
/** Identifiers: digit runs and day-like numbers are their nature; a National Insurance number or an e-mail address is not. */
export const IDENTIFIER_PROFILE: LintProfile = Object.freeze({ phones: false, postcodes: true, dates: 'labelled', names: false, ninoAcrossSeparators: false });

export interface Field {
  readonly schema: JsonSchema;
  /** The personal-data checks on every string in it; absent: none (its pattern admits none). */
  readonly lint?: LintProfile;
  /** Whether it may be redacted: then it holds REDACTED and its value is sealed. */
  readonly redactable?: true;
  /** A day, checked against the calendar after the schema. */
  readonly day?: true;
}

function text(maxLength: number, description: string, lint: LintProfile = TEXT_PROFILE): Field {
  return { schema: { type: 'string', maxLength, pattern: TEXT_PATTERN, description }, lint };
}
function required(maxLength: number, description: string, lint: LintProfile = TEXT_PROFILE): Field {
  return { schema: { type: 'string', minLength: 1, maxLength, pattern: TEXT_PATTERN, description }, lint };
}
function name(description: string, redactable = false): Field {
  return { ...required(255, description, NAME_PROFILE), ...(redactable ? { redactable: true as const } : {}) };
}
function identifier(description: string): Field {
  return { schema: { type: 'string', pattern: IDENTIFIER_PATTERN, maxLength: 128, description }, lint: IDENTIFIER_PROFILE };
}
function day(description: string): Field {
  return { schema: { type: 'string', pattern: DAY_PATTERN, description: `${description}: YYYY-MM-DD, a day of the calendar.` }, day: true };
}
function amount(description: string, minimum = -MAX_INTEGER): Field {
  return { schema: { type: 'integer', minimum, maximum: MAX_INTEGER, description: `${description}, in the currency's minor unit (pence for GBP): a JSON integer, never a string or a fraction.` } };
}
const GBP: Field = { schema: { const: 'GBP', description: 'The currency: always pounds sterling (GBP) in this format.' } };
const LINE: Field = {
  schema: {
    type: 'integer',
    minimum: 1,
    maximum: 100_000,
    description: 'Which line of the transaction this is, from 1: related lines share a transaction number, and the file lists them in order.',
  },
};
const SEALED: Field = {
  schema: {
    type: ['string', 'null'],
    pattern: COMMITMENT_PATTERN,
    description:
      'null, or when a field shows "Redacted personal data", the SHA-256 commitment (canonical base64) to the true values: SHA-256 of "sightline/v1/commit\\n", a 32-byte opening and the RFC 8785 canonical JSON of the redacted fields and their values. Only an auditor can have it opened, and the log records each opening.',
  },
};
const ORGANISATIONS = (who: string, redactable: boolean): Field => ({
  schema: {
    type: 'array',
    minItems: 1,
    maxItems: 8,
    items: {
      type: 'object',
      required: ['id', 'name'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', pattern: ORG_ID_PATTERN, description: `The ${who}'s identifier in org-id.guide form (GB-CHC-1234567, GB-COH-01234567, GB-GOR-D12).` },
        name: { type: 'string', minLength: 1, maxLength: 255, pattern: TEXT_PATTERN, description: `The ${who}'s name.` },
      },
    },
    description: `The ${who} organisations, each with its org-id.guide identifier and its name.`,
  },
  lint: NAME_PROFILE,
  ...(redactable ? { redactable: true as const } : {}),
});

const FIELDS = {
  body: {
    schema: {
      type: 'string',
      pattern: PARTNER_PATTERN,
      description: 'The public body that publishes the record: its partner id in this log (GET /v1/partners). The bearer token must be its own.',
    },
  },
  // spend (HM Treasury)
  departmentFamily: required(255, 'The department family, as in the HM Treasury table.'),
  entity: required(255, 'The entity within the department family that paid.'),
  paymentDate: day('The payment date from the ledger'),
  expenseType: required(255, 'The expense type.'),
  expenseArea: required(255, 'The expense area.'),
  supplier: name('The supplier paid: an organisation, or "Redacted personal data" for an individual.', true),
  transactionNumber: identifier('The transaction number from the ledger: related lines share one.'),
  line: LINE,
  amount: amount('The amount'),
  gbp: GBP,
  description: text(1000, 'What the payment was for, as published; may be empty.'),
  sealed: SEALED,
  // local-spend and card (Local Government Transparency Code 2015)
  organisationName: required(255, 'The council or other body that paid, by name.'),
  date: day('The date of the transaction'),
  netAmount: amount('The amount net of recoverable VAT'),
  irrecoverableVat: amount('The VAT the body could not recover', 0),
  beneficiary: name('Who was paid: an organisation, or "Redacted personal data" for an individual.', true),
  purpose: text(1000, 'A summary of the purpose of the spend.'),
  category: text(255, 'The merchant category (card transactions) or procurement category.'),
  serviceArea: text(255, 'The department or service area.'),
  expenditureCode: text(64, 'The CIPFA SeRCOP service expenditure code, if given.', IDENTIFIER_PROFILE),
  // grant (360Giving)
  grantId: { schema: { type: 'string', pattern: GRANT_ID_PATTERN, description: "The grant's 360Giving identifier: the publisher's prefix 360G- and its own id." }, lint: IDENTIFIER_PROFILE },
  title: required(500, 'The title of the grant.'),
  grantDescription: text(4000, 'A description of the grant.'),
  currency: { schema: { type: 'string', pattern: CURRENCY_PATTERN, description: 'The ISO 4217 currency code of the amounts (GBP).' } },
  amountAwarded: amount('The amount awarded', 0),
  awardDate: day('The day the grant was awarded'),
  recipientOrganization: ORGANISATIONS('recipient', true),
  fundingOrganization: ORGANISATIONS('funding', false),
  disbursements: {
    schema: {
      type: 'array',
      maxItems: 366,
      items: {
        type: 'object',
        required: ['transactionDate', 'value'],
        additionalProperties: false,
        properties: {
          transactionDate: { type: 'string', pattern: DAY_PATTERN, description: 'The day the money was paid: YYYY-MM-DD.' },
          value: { type: 'integer', minimum: 0, maximum: MAX_INTEGER, description: "The amount paid, in the currency's minor unit." },
        },
      },
      description: "The grant's disbursement transactions so far (360Giving's disbursementTransaction), possibly none.",
    },
  },
  // contract (OCDS 1.1)
  release: {
    schema: {
      type: 'object',
      required: ['ocid', 'id', 'date', 'tag', 'initiationType'],
      properties: {
        ocid: { type: 'string', pattern: OCID_PATTERN, description: 'The open contracting process identifier.' },
        id: { type: 'string', pattern: IDENTIFIER_PATTERN, maxLength: 128, description: "The release's identifier, unique within its ocid." },
        date: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:[0-9]{2})$', description: 'When the release was published (RFC 3339).' },
        tag: { type: 'array', minItems: 1, maxItems: 16, items: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]{0,63}$' }, description: 'The OCDS release tags (award, contract, implementation, …).' },
        initiationType: { type: 'string', pattern: '^[A-Za-z]{1,32}$', description: 'How the process began (tender).' },
      },
      description: 'The OCDS 1.1 release, verbatim: the log keeps it as published (in canonical JSON), keyed by ocid and id.',
    },
    lint: TEXT_PROFILE,
  },
  // expense (IPSA)
  member: name("The Member of Parliament's name, as IPSA publishes it."),
  constituency: required(255, 'The constituency.'),
  claimNumber: identifier("IPSA's claim number."),
  expenseCategory: required(255, 'The category of business cost (office costs, travel, accommodation, …).'),
  amountClaimed: amount('The amount claimed', 0),
  amountPaid: amount('The amount paid', 0),
  amountNotPaid: amount('The amount not paid', 0),
  amountRepaid: amount('The amount repaid', 0),
  status: required(64, 'The status of the claim (Paid, Part Paid, Not Paid, Repaid).'),
  // publication
  recordType: { schema: { type: 'string', enum: [...LINE_TYPES], description: 'The type of records the statement is about.' } },
  periodStart: day('The first day of the period'),
  periodEnd: day('The last day of the period, not before periodStart'),
  count: { schema: { type: 'integer', minimum: 0, maximum: MAX_INTEGER, description: 'How many records of the type the body recorded for the period (amendments applied, withdrawn ones left out).' } },
  totals: {
    schema: {
      type: 'object',
      maxProperties: 16,
      propertyNames: { type: 'string', pattern: CURRENCY_PATTERN },
      additionalProperties: { type: 'string', pattern: TOTAL_PATTERN, description: 'The total in minor units, as a decimal string: totals may pass 2^53 pence.' },
      description: 'Per currency, the total of the records covered (their amount, net amount, amount awarded or amount paid); a contract release has none.',
    },
  },
  fileSha256: { schema: { type: ['string', 'null'], pattern: '^[0-9a-f]{64}$', description: 'The SHA-256 (lowercase hex) of the file the body published elsewhere for the period, or null.' } },
  nothingToReport: { schema: { type: 'boolean', description: 'true states that there was nothing to report for the period (count 0, no totals): a statement of its own.' } },
  // amend, withdraw, repay
  target: { schema: { type: 'integer', minimum: 0, maximum: MAX_INTEGER, description: 'The index in this log of the original record.' } },
  reason: required(1000, 'Why, in words the public can read.'),
  record: { schema: { type: 'object', description: 'The record as it now stands: the same type and key as the original, every field given.' } },
  repaidOn: day('The day it was repaid'),
  repaidAmount: amount('The amount repaid', 1),
} as const satisfies Record<string, Field>;

type FieldName = keyof typeof FIELDS;

/** Each type's members after `type`: a field's name, or [member, field] where the member's definition is another field's. */
const TYPE_FIELDS: Record<RecordType, readonly (FieldName | readonly [string, FieldName])[]> = {
  spend: ['body', 'departmentFamily', 'entity', ['date', 'paymentDate'], 'expenseType', 'expenseArea', 'supplier', 'transactionNumber', 'line', 'amount', ['currency', 'gbp'], 'description', 'sealed'],
  'local-spend': ['body', 'organisationName', 'date', 'transactionNumber', 'line', ['amount', 'netAmount'], 'irrecoverableVat', ['currency', 'gbp'], 'beneficiary', 'purpose', 'category', 'serviceArea', 'expenditureCode', 'sealed'],
  card: ['body', 'organisationName', 'date', 'transactionNumber', 'line', ['amount', 'netAmount'], 'irrecoverableVat', ['currency', 'gbp'], 'beneficiary', 'purpose', 'category', 'serviceArea', 'expenditureCode', 'sealed'],
  grant: ['body', ['id', 'grantId'], 'title', ['description', 'grantDescription'], 'currency', 'amountAwarded', 'awardDate', 'recipientOrganization', 'fundingOrganization', 'disbursements', 'sealed'],
  contract: ['body', 'release'],
  expense: ['body', 'member', 'constituency', 'date', 'claimNumber', ['category', 'expenseCategory'], 'expenseType', ['currency', 'gbp'], 'amountClaimed', 'amountPaid', 'amountNotPaid', 'amountRepaid', 'status', 'description'],
  publication: ['body', 'recordType', 'periodStart', 'periodEnd', 'count', 'totals', 'fileSha256', 'nothingToReport'],
  amend: ['body', 'target', 'reason', 'record'],
  withdraw: ['body', 'target', 'reason'],
  repay: ['body', 'target', ['date', 'repaidOn'], ['amount', 'repaidAmount'], ['currency', 'gbp'], 'reason'],
};

/** A type's members after `type`, each with its field. */
export function recordFields(type: RecordType): readonly (readonly [string, Field])[] {
  return TYPE_FIELDS[type].map((f) => (typeof f === 'string' ? [f, FIELDS[f]] : [f[0], FIELDS[f[1]]]));
}

const TITLES: Record<RecordType, string> = {
  spend: 'A payment of central government spending over £25,000 (HM Treasury table)',
  'local-spend': "A council's payment over £500 (Local Government Transparency Code 2015)",
  card: "A council's procurement card transaction (Local Government Transparency Code 2015)",
  grant: 'A grant (360Giving Data Standard)',
  contract: 'An Open Contracting Data Standard 1.1 release (contract award, details, payment, change)',
  expense: "An MP's business-cost claim, as IPSA publishes it",
  publication: "A body's statement that a period's records of a type are complete",
  amend: 'A change to an earlier record: the record as it now stands',
  withdraw: 'An earlier record withdrawn: it no longer stands',
  repay: 'Money repaid against an earlier record',
};

const SCHEMA_BASE = 'https://sightline.example/schemas/record/';

function schemaFor(type: RecordType): JsonSchema {
  const properties: Record<string, JsonSchema> = { type: { const: type, description: `The record type: always "${type}" here.` } };
  for (const [member, field] of recordFields(type)) properties[member] = field.schema;
  return objectSchema({ id: `${SCHEMA_BASE}${type}.json`, title: TITLES[type], properties });
}

/** The published JSON Schema of each record type; validateRecord enforces exactly these. */
export const RECORD_SCHEMAS: Readonly<Record<RecordType, JsonSchema>> = Object.freeze(Object.fromEntries(RECORD_TYPES.map((t) => [t, schemaFor(t)])) as Record<RecordType, JsonSchema>);
