/**
 * The typed events and their published JSON Schemas (draft 2020-12). design.md, "Typed
 * events and claimant privacy": partners submit typed events as JSON; "the server validates
 * them against a published schema". Each field is declared once here, with its schema and,
 * for code fields, the code list it draws on; the schemas and the code-list checks are
 * both built from that one table.
 */
import { CODE_MAX_LENGTH, CODE_PATTERN, type CodeListName } from './codes.js';
import { type JsonSchema, objectSchema } from './schema.js';

export const EVENT_TYPES = ['access', 'share', 'erasure', 'correction', 'heartbeat', 'coverage', 'disclosure', 'subject-key', 'credential'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A validated event: a plain JSON object, kept as parsed (no key reordered or added). */
export type SightlineEvent = {
  readonly type: EventType;
  readonly partner: string;
  readonly partnerSeq: number;
  readonly hour: string;
  readonly commitment: string;
  readonly target?: number;
  readonly [field: string]: unknown;
};

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Which event types concern a claimant named in the request, and so commit to the claimant's
 * reference and carry a subject tag derived from it.
 */
export function hasSubject(type: EventType): boolean {
  return type === 'access' || type === 'share' || type === 'erasure' || type === 'correction' || type === 'subject-key';
}

/**
 * The partner id of the log operator's own events: the operator is a partner of its own
 * (published at /v1/partners like any other), and the only one that may record what the
 * operator did — read an entry's details, issue a subject key, give or take a credential.
 * No account may be created under this id.
 */
export const OPERATOR_PARTNER = 'log-operator';

/** The types only the log operator records, about its own acts. */
export function isOperatorType(type: EventType): boolean {
  return type === 'disclosure' || type === 'subject-key' || type === 'credential';
}

/**
 * Whether a type's leaf carries a subject tag: always for a type about a named claimant;
 * for a disclosure exactly when the entry it read has a claimant (its tag is then derived
 * from that entry's reveal hash, so only the claimant finds it); never otherwise.
 */
export function subjectTagRule(type: EventType): 'always' | 'never' | 'optional' {
  if (hasSubject(type)) return 'always';
  return type === 'disclosure' ? 'optional' : 'never';
}

/** 2^53 − 1: every integer up to it is exact in a JSON number read by JavaScript (I-JSON, RFC 7493 §2.2). */
const MAX_INTEGER = Number.MAX_SAFE_INTEGER;

/** UTC hour, nothing finer: the calendar is checked after the schema (February 30th has this form). */
export const HOUR_PATTERN = '^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3])$';
/**
 * Canonical base64 of exactly 32 bytes (RFC 4648 §3.5): 43 digits and one `=`, the last
 * digit carrying two unused zero bits, so it is one of the 16 listed.
 */
export const COMMITMENT_PATTERN = '^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$';
export const PARTNER_PATTERN = '^[a-z0-9][a-z0-9._-]{0,62}$';
/** A keyed hash of a staff id (hex), never the id: anything else is refused. */
export const ACTOR_PATTERN = '^[0-9a-f]{16,64}$';

/** Where a code field's codes come from: the field itself, each item of it, or each member name. */
export type CodeUse = 'value' | 'items' | 'names';

interface Field {
  readonly schema: JsonSchema;
  readonly codes?: { readonly list: CodeListName; readonly use: CodeUse };
}

function code(list: CodeListName, what: string): JsonSchema {
  return {
    type: 'string',
    pattern: CODE_PATTERN,
    maxLength: CODE_MAX_LENGTH,
    description: `${what}: a code from the ${list} list at GET /v1/codes.`,
  };
}

function hour(what: string): JsonSchema {
  return { type: 'string', pattern: HOUR_PATTERN, description: `${what}, in UTC, to the hour and no finer: YYYY-MM-DDTHH, a real calendar date and hour (00 to 23).` };
}

const FIELDS = {
  partner: {
    schema: {
      type: 'string',
      pattern: PARTNER_PATTERN,
      description: 'The partner that reports the event: its id as registered with this log (lowercase letters, digits, dot, underscore and hyphen; at most 63 characters).',
    },
  },
  partnerSeq: {
    schema: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_INTEGER,
      description: "The partner's own sequence number for this event, from 1, one more for each event it reports, so that a gap or a reuse shows.",
    },
  },
  hour: { schema: hour('The hour the event happened') },
  organisation: { schema: code('organisations', 'The organisation whose staff or system acted'), codes: { list: 'organisations', use: 'value' } },
  system: { schema: code('systems', 'The computer system in which it happened'), codes: { list: 'systems', use: 'value' } },
  actorRole: { schema: code('roles', 'The role of the member of staff who acted'), codes: { list: 'roles', use: 'value' } },
  actor: {
    schema: {
      type: 'string',
      pattern: ACTOR_PATTERN,
      description:
        "The partner's own pseudonym for the member of staff who acted: a keyed hash of their staff id in lowercase hex, 16 to 64 digits, never the id itself.",
    },
  },
  action: {
    schema: {
      ...code('actions', 'What the member of staff did with the data'),
      not: { enum: ['join', 'leave'] },
      description: 'What the member of staff did with the data: a code from the actions list at GET /v1/codes, other than join and leave, which only coverage events use.',
    },
    codes: { list: 'actions', use: 'value' },
  },
  coverageAction: {
    schema: {
      type: 'string',
      enum: ['join', 'leave'],
      description: 'Whether the system joins (join) or leaves (leave) the set of systems whose accesses are logged.',
    },
  },
  purpose: { schema: code('purposes', 'Why the data was used'), codes: { list: 'purposes', use: 'value' } },
  legalBasis: { schema: code('legalBases', 'The law that allows it'), codes: { list: 'legalBases', use: 'value' } },
  categories: {
    schema: {
      type: 'array',
      minItems: 1,
      maxItems: 16,
      uniqueItems: true,
      items: code('categories', 'A kind of data concerned'),
      description: 'The kinds of data concerned: 1 to 16 different codes from the categories list at GET /v1/codes.',
    },
    codes: { list: 'categories', use: 'items' },
  },
  recipient: { schema: code('organisations', 'The organisation the data was sent to'), codes: { list: 'organisations', use: 'value' } },
  target: {
    schema: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_INTEGER,
      description: 'The index in this log of the earlier entry whose details this event is about.',
    },
  },
  since: { schema: hour('The first hour of the period the counts cover, not after hour') },
  readTarget: {
    schema: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_INTEGER,
      description: 'The index in this log of the entry whose private details the operator read.',
    },
  },
  operatorActor: {
    schema: {
      type: 'string',
      pattern: ACTOR_PATTERN,
      description: "The operator's pseudonym for the person who acted: a keyed hash of their account id in lowercase hex, never the id itself.",
    },
  },
  keyYear: {
    schema: { type: 'string', pattern: '^[0-9]{4}$', description: 'The year the issued subject key is for: it finds the claimant\u2019s entries of that year.' },
  },
  credentialAction: {
    schema: {
      type: 'string',
      enum: ['issue', 'revoke', 'set-key'],
      description: "What was done: a bearer token issued (issue), an account's token revoked (revoke), or a partner's event-signing key registered or replaced (set-key).",
    },
  },
  holder: {
    schema: {
      type: 'string',
      enum: ['partner', 'operator', 'auditor'],
      description: "Whose account: a partner (which records events and records), an operator (which may read details and issue subject keys), or an auditor (which may have a redacted record's sealed values opened).",
    },
  },
  account: {
    schema: {
      type: 'string',
      pattern: PARTNER_PATTERN,
      description: "The account: a partner's id as published at GET /v1/partners, or an operator's pseudonym (as in actor).",
    },
  },
  counts: {
    schema: {
      type: 'object',
      propertyNames: { type: 'string', pattern: CODE_PATTERN, maxLength: CODE_MAX_LENGTH, description: 'A code from the purposes list at GET /v1/codes.' },
      additionalProperties: {
        type: 'integer',
        minimum: 0,
        maximum: MAX_INTEGER,
        description: 'How many events with this purpose the partner reported in the period.',
      },
      description: 'For reconciliation: per purpose code (from the purposes list at GET /v1/codes), how many events the partner reported in the period; may be empty.',
    },
    codes: { list: 'purposes', use: 'names' },
  },
  commitment: {
    schema: {
      type: 'string',
      pattern: COMMITMENT_PATTERN,
      description:
        'SHA-256 commitment to the private details, in canonical base64 (32 bytes): SHA-256 of "sightline/v1/commit\\n", the 32-byte opening, and the details as canonical JSON (RFC 8785). The details themselves are never published.',
    },
  },
  subjectCommitment: {
    schema: {
      type: 'string',
      pattern: COMMITMENT_PATTERN,
      description:
        'SHA-256 commitment to the claimant and the private details, in canonical base64 (32 bytes): SHA-256 of "sightline/v1/commit-subject\\n", the 32-byte opening, the subject scheme, "\\n", the subject id in its normal form, "\\n", and the details as canonical JSON (RFC 8785). Signed with the event, it binds the event to its claimant: a claimant who opens the details checks it with their own reference. Neither the claimant nor the details are ever published.',
    },
  },
} as const satisfies Record<string, Field>;

type FieldName = keyof typeof FIELDS;

/** An event about a claimant commits to the claimant too: its `commitment` is defined so. */
const SUBJECT_COMMITMENT = ['commitment', 'subjectCommitment'] as const;

/**
 * Each type's fields after `type`, in the order the schema lists them: a field's name, or
 * [name, field] where the name's definition is another field's (coverage's `action`).
 */
const TYPE_FIELDS: Record<EventType, readonly (FieldName | readonly [string, FieldName])[]> = {
  access: ['partner', 'partnerSeq', 'hour', 'organisation', 'system', 'actorRole', 'actor', 'action', 'purpose', 'legalBasis', 'categories', SUBJECT_COMMITMENT],
  share: ['partner', 'partnerSeq', 'hour', 'organisation', 'system', 'actorRole', 'actor', 'recipient', 'purpose', 'legalBasis', 'categories', SUBJECT_COMMITMENT],
  erasure: ['partner', 'partnerSeq', 'hour', 'organisation', 'system', 'actorRole', 'actor', 'legalBasis', 'target', SUBJECT_COMMITMENT],
  correction: ['partner', 'partnerSeq', 'hour', 'organisation', 'system', 'actorRole', 'actor', 'legalBasis', 'target', 'categories', SUBJECT_COMMITMENT],
  heartbeat: ['partner', 'partnerSeq', 'hour', 'since', 'organisation', 'system', 'counts', 'commitment'],
  coverage: ['partner', 'partnerSeq', 'hour', 'organisation', 'system', ['action', 'coverageAction'], 'commitment'],
  disclosure: ['partner', 'partnerSeq', 'hour', ['actor', 'operatorActor'], 'purpose', 'legalBasis', ['target', 'readTarget'], 'commitment'],
  'subject-key': ['partner', 'partnerSeq', 'hour', ['actor', 'operatorActor'], 'purpose', 'legalBasis', ['year', 'keyYear'], SUBJECT_COMMITMENT],
  credential: ['partner', 'partnerSeq', 'hour', ['actor', 'operatorActor'], ['action', 'credentialAction'], 'holder', 'account', 'commitment'],
};

function typeFields(type: EventType): (readonly [string, FieldName])[] {
  return TYPE_FIELDS[type].map((f) => (typeof f === 'string' ? [f, f] : f));
}

const TITLES: Record<EventType, string> = {
  access: 'A member of staff viewed, searched, changed or exported a claimant’s data',
  share: 'A claimant’s data was sent to another organisation',
  erasure: 'The details of an earlier entry were erased',
  correction: 'The details of an earlier entry were corrected',
  heartbeat: 'A partner’s counts per purpose for a period, for reconciliation',
  coverage: 'A system joined or left the set of systems whose accesses are logged',
  disclosure: 'The log operator read the private details of an entry',
  'subject-key': 'The log operator issued a claimant their subject key',
  credential: "The log operator gave or took an account's credentials",
};

const DESCRIPTIONS: Record<EventType, string> = {
  access:
    'The public part of an access event: who (a role and a pseudonym), where, when (to the hour), what, why and under which law, and which kinds of data. The claimant and the details are not in it: the details are committed to, and the claimant is found only through subject tags.',
  share: 'The public part of a share event: data about a claimant sent by one organisation to another, why and under which law, and which kinds of data.',
  erasure:
    "The public part of an erasure event: the details of an earlier entry (its target) are erased from the log's payload store; the entry itself, and so the tree, stay verifiable.",
  correction: 'The public part of a correction event: the details of an earlier entry (its target) are corrected by this entry, which commits to the corrected details.',
  heartbeat:
    'A partner declares, for reconciliation, how many events it reported per purpose from since to hour. Its own partnerSeq is its last sequence number, so monitors can tell whether events are missing.',
  coverage: 'A system joins or leaves the set of systems whose accesses are logged, so monitors know which systems an absence of entries speaks for.',
  disclosure:
    "Recorded by the log itself, signed by the log operator's own key, before an operator is shown an entry's private details: who (a pseudonym), why and under which law, and which entry. Its subject tag, when the entry has a claimant, is derived from that entry's reveal hash, so the claimant finds it beneath the entry and nobody else can link them.",
  'subject-key':
    "Recorded by the log itself, signed by the log operator's own key, when an operator issues a claimant their subject key: who, why, under which law and for which year, filed under the claimant's own tag so it shows in their timeline.",
  credential: "Recorded by the log itself, signed by the log operator's own key, when a partner's or an operator's bearer token is issued or revoked, or a partner's event-signing key is set.",
};

const SCHEMA_BASE = 'https://sightline.example/schemas/event/';

function schemaFor(type: EventType): JsonSchema {
  const properties: Record<string, JsonSchema> = {
    type: { const: type, description: `The event type: always "${type}" here.` },
  };
  for (const [name, field] of typeFields(type)) properties[name] = FIELDS[field].schema;
  return objectSchema({ id: `${SCHEMA_BASE}${type}.json`, title: TITLES[type], description: DESCRIPTIONS[type], properties });
}

/** The published JSON Schema of each event type; `checkSchema` enforces exactly these. */
export const EVENT_SCHEMAS: Readonly<Record<EventType, JsonSchema>> = Object.freeze({
  access: schemaFor('access'),
  share: schemaFor('share'),
  erasure: schemaFor('erasure'),
  correction: schemaFor('correction'),
  heartbeat: schemaFor('heartbeat'),
  coverage: schemaFor('coverage'),
  disclosure: schemaFor('disclosure'),
  'subject-key': schemaFor('subject-key'),
  credential: schemaFor('credential'),
});

type CodeField = { readonly name: string; readonly list: CodeListName; readonly use: CodeUse };

function codeFieldsOf(type: EventType): readonly CodeField[] {
  return typeFields(type).flatMap(([name, field]) => {
    const f: Field = FIELDS[field];
    return f.codes === undefined ? [] : [{ name, list: f.codes.list, use: f.codes.use }];
  });
}

const CODE_FIELDS: Readonly<Record<EventType, readonly CodeField[]>> = {
  access: codeFieldsOf('access'),
  share: codeFieldsOf('share'),
  erasure: codeFieldsOf('erasure'),
  correction: codeFieldsOf('correction'),
  heartbeat: codeFieldsOf('heartbeat'),
  coverage: codeFieldsOf('coverage'),
  disclosure: codeFieldsOf('disclosure'),
  'subject-key': codeFieldsOf('subject-key'),
  credential: codeFieldsOf('credential'),
};

/** A type's code fields: the event member, its code list, and whether the value, each item or each member name is a code. */
export function codeFields(type: EventType): readonly CodeField[] {
  return CODE_FIELDS[type];
}
