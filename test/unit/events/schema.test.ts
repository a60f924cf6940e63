/**
 * checkSchema, the interpreter that makes the published schemas the enforced ones: its
 * keywords one by one, then properties over generated events (valid ones pass, one mutated
 * field fails there), each cross-checked against Ajv, an independent draft 2020-12
 * validator, which also confirms every EVENT_SCHEMAS entry is a valid schema.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeBase64 } from '../../../src/encoding/index.js';
import {
  type CodeListName,
  DEFAULT_CODES,
  EVENT_SCHEMAS,
  EVENT_TYPES,
  type EventType,
  type JsonSchema,
  checkSchema,
  validateEvent,
} from '../../../src/events/index.js';
import { expectLogError } from '../../support/errors.js';

const MAX = Number.MAX_SAFE_INTEGER;

/**
 * Strict: refuses unknown keywords and loose types, so the published schemas are clean
 * 2020-12. `ownProperties`: by default Ajv lets an inherited name (toString) satisfy
 * `required`, which a JSON instance, having no such member, does not.
 */
const strictAjv = new Ajv2020({ strict: true, allErrors: false, ownProperties: true });
/** Lenient: for the keyword table, whose schemas test type-applicability on purpose. */
const ajv = new Ajv2020({ strict: false, ownProperties: true });

const validators = Object.fromEntries(EVENT_TYPES.map((t) => [t, strictAjv.compile(EVENT_SCHEMAS[t] as object)])) as unknown as Record<EventType, (v: unknown) => boolean>;

describe('checkSchema keywords (and Ajv agrees)', () => {
  const CASES: readonly (readonly [string, JsonSchema, unknown, string | undefined])[] = [
    // [what, schema, value, path of the violation or undefined]
    ['type string', { type: 'string' }, 'x', undefined],
    ['type string, given a number', { type: 'string' }, 1, ''],
    ['type integer, given 1.0', { type: 'integer' }, 1.0, undefined],
    ['type integer, given 1.5', { type: 'integer' }, 1.5, ''],
    ['type number', { type: 'number' }, 1.5, undefined],
    ['type object, given an array', { type: 'object' }, [], ''],
    ['type object, given null', { type: 'object' }, null, ''],
    ['type array', { type: 'array' }, [], undefined],
    ['type null', { type: 'null' }, null, undefined],
    ['type boolean', { type: 'boolean' }, false, undefined],
    ['type list', { type: ['string', 'null'] }, null, undefined],
    ['type list, given a number', { type: ['string', 'null'] }, 3, ''],
    ['const', { const: 'access' }, 'access', undefined],
    ['const, other', { const: 'access' }, 'share', ''],
    ['const object, members in another order', { const: { a: 1, b: [2] } }, { b: [2], a: 1 }, undefined],
    ['enum', { enum: ['join', 'leave'] }, 'leave', undefined],
    ['enum, other', { enum: ['join', 'leave'] }, 'view', ''],
    ['minLength counts code points', { type: 'string', minLength: 2 }, '😀', ''],
    ['maxLength counts code points', { type: 'string', maxLength: 1 }, '😀', undefined],
    ['maxLength', { type: 'string', maxLength: 3 }, 'abcd', ''],
    ['pattern is not anchored', { type: 'string', pattern: 'b' }, 'abc', undefined],
    ['pattern, anchored', { type: 'string', pattern: '^b$' }, 'abc', ''],
    ['pattern ignores non-strings', { pattern: '^b$' }, 5, undefined],
    ['minimum', { type: 'integer', minimum: 1 }, 0, ''],
    ['maximum', { type: 'integer', maximum: MAX }, MAX + 1, ''],
    ['maximum, at the bound', { type: 'integer', maximum: MAX }, MAX, undefined],
    ['minimum ignores non-numbers', { minimum: 1 }, 'a', undefined],
    ['minItems', { type: 'array', minItems: 1 }, [], ''],
    ['maxItems', { type: 'array', maxItems: 1 }, [1, 2], ''],
    ['items', { type: 'array', items: { type: 'string' } }, ['a', 2], '[1]'],
    ['uniqueItems', { type: 'array', uniqueItems: true }, ['a', 'b', 'a'], '[2]'],
    ['uniqueItems compares objects by value', { type: 'array', uniqueItems: true }, [{ a: 1, b: 2 }, { b: 2, a: 1 }], '[1]'],
    ['uniqueItems, distinct', { type: 'array', uniqueItems: true }, [1, '1', [1]], undefined],
    ['required', { type: 'object', required: ['a', 'b'] }, { a: 1 }, 'b'],
    ['required, inherited names do not count', { type: 'object', required: ['toString'] }, {}, 'toString'],
    ['properties', { type: 'object', properties: { a: { type: 'string' } } }, { a: 1 }, 'a'],
    ['additionalProperties false', { type: 'object', properties: { a: {} }, additionalProperties: false }, { a: 1, b: 2 }, 'b'],
    ['additionalProperties false, constructor', { type: 'object', properties: { a: {} }, additionalProperties: false }, { constructor: 1 }, 'constructor'],
    ['additionalProperties schema', { type: 'object', additionalProperties: { type: 'integer' } }, { a: 1, b: 'x' }, 'b'],
    ['propertyNames', { type: 'object', propertyNames: { pattern: '^[a-z]+$' } }, { ok: 1, NO: 2 }, 'NO'],
    ['not enum', { type: 'string', not: { enum: ['join', 'leave'] } }, 'join', ''],
    ['not enum, other', { type: 'string', not: { enum: ['join', 'leave'] } }, 'view', undefined],
    ['nested path', { type: 'object', properties: { a: { type: 'array', items: { type: 'object', properties: { b: { type: 'integer' } } } } } }, { a: [{ b: 1 }, { b: 'x' }] }, 'a[1].b'],
    ['annotations are ignored', { title: 'T', description: 'D', $comment: 'C', examples: [1], type: 'integer' }, 3, undefined],
  ];

  test.each(CASES.map((c) => [...c]))('%s', (_, schema, value, path) => {
    const v = checkSchema(schema, value, '');
    expect(v?.path).toBe(path);
    expect(ajv.validate(schema as object, value)).toBe(path === undefined);
  });

  test('paths are built on the root path given', () => {
    expect(checkSchema({ type: 'object', required: ['a'] }, {}, 'event')).toEqual({ path: 'event.a', message: 'is required' });
    expect(checkSchema({ type: 'array', items: { type: 'string' } }, [1], 'event.categories')?.path).toBe('event.categories[0]');
    expect(checkSchema({ type: 'string' }, 1, 'event.hour')?.path).toBe('event.hour');
  });

  test('messages say what is expected, never the value found', () => {
    const secret = 'Jane Smith 07700900123';
    for (const schema of [{ type: 'integer' }, { const: 'x' }, { enum: ['a'] }, { type: 'string', pattern: '^a$' }, { type: 'string', maxLength: 3 }, { not: { type: 'string' } }]) {
      const v = checkSchema(schema, secret, 'event.f');
      expect(v).toBeDefined();
      expect(v!.message).not.toContain(secret);
      expect(v!.message).not.toContain('Jane');
    }
  });

  test('a keyword outside the subset is refused, not silently ignored', () => {
    for (const schema of [{ oneOf: [] }, { $ref: '#' }, { format: 'date-time' }, { type: 'object', properties: { a: { anyOf: [] } } }]) {
      expectLogError(() => checkSchema(schema, { a: 1 }, ''), 'INTERNAL');
    }
  });
});

// Generators of valid events, from the default code lists.
const code = (list: CodeListName) => fc.constantFrom(...Object.keys(DEFAULT_CODES[list]));
const HOUR_MS = 3_600_000;
const hour = fc.integer({ min: Date.UTC(1970, 0, 1) / HOUR_MS, max: Date.UTC(2099, 11, 31, 23) / HOUR_MS }).map((h) => new Date(h * HOUR_MS).toISOString().slice(0, 13));
const safeInteger = (min: number) => fc.oneof(fc.constantFrom(min, MAX), fc.integer({ min, max: 1000 }), fc.maxSafeNat().map((n) => Math.max(min, n)));
const actor = fc.stringMatching(/^[0-9a-f]{16,64}$/);
const commitment = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(encodeBase64);
const categories = fc.uniqueArray(code('categories'), { minLength: 1, maxLength: 16 });
const counts = fc.dictionary(code('purposes'), safeInteger(0), { maxKeys: 13 });
/** Partner ids the linter passes; the schema-only properties use any id its pattern allows. */
const cleanPartner = fc.constantFrom('dwp-uc', 'hmrc.rti', 'la_leeds', 'p1', 'cms');
const anyPartner = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,62}$/);

function eventOf(type: EventType, partner: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> {
  const common = { partner, partnerSeq: safeInteger(1), hour, organisation: code('organisations'), system: code('systems'), commitment };
  const staff = { actorRole: code('roles'), actor };
  const t = fc.constant(type);
  switch (type) {
    case 'access':
      return fc.record({ type: t, ...common, ...staff, action: code('actions').filter((a) => a !== 'join' && a !== 'leave'), purpose: code('purposes'), legalBasis: code('legalBases'), categories });
    case 'share':
      return fc.record({ type: t, ...common, ...staff, recipient: code('organisations'), purpose: code('purposes'), legalBasis: code('legalBases'), categories });
    case 'erasure':
      return fc.record({ type: t, ...common, ...staff, legalBasis: code('legalBases'), target: safeInteger(0) });
    case 'correction':
      return fc.record({ type: t, ...common, ...staff, legalBasis: code('legalBases'), target: safeInteger(0), categories });
    case 'heartbeat':
      return fc
        .record({ type: t, ...common, hours: fc.tuple(hour, hour), counts })
        .map(({ hours, ...rest }) => ({ ...rest, since: hours[0] < hours[1] ? hours[0] : hours[1], hour: hours[0] < hours[1] ? hours[1] : hours[0] }));
    case 'coverage':
      return fc.record({ type: t, ...common, action: fc.constantFrom('join', 'leave') });
    case 'disclosure':
      return fc.record({ type: t, partner, partnerSeq: safeInteger(1), hour, actor, purpose: code('purposes'), legalBasis: code('legalBases'), target: safeInteger(0), commitment });
    case 'subject-key':
      return fc.record({ type: t, partner, partnerSeq: safeInteger(1), hour, actor, purpose: code('purposes'), legalBasis: code('legalBases'), year: fc.integer({ min: 0, max: 9999 }).map((y) => String(y).padStart(4, '0')), commitment });
    case 'credential':
      return fc
        .record({ type: t, partner, partnerSeq: safeInteger(1), hour, actor, action: fc.constantFrom('issue', 'revoke', 'set-key'), holder: fc.constantFrom('partner', 'operator'), partnerId: cleanPartner, pseudonym: actor, commitment })
        .map(({ partnerId, pseudonym, ...rest }) => ({ ...rest, account: rest.holder === 'partner' ? partnerId : pseudonym }));
  }
}

const anyEvent = (partner: fc.Arbitrary<string>) => fc.constantFrom(...EVENT_TYPES).chain((type) => eventOf(type, partner));

/** Values no field of any event type accepts (`{}` is a valid `counts`, so it is used elsewhere). */
const BAD_VALUES: readonly unknown[] = [null, true, '', -1, 1.5, [], 'Not A Code!', MAX + 1, ['payment', 'payment']];

const mutated = anyEvent(cleanPartner).chain((event) =>
  fc.record({
    event: fc.constant(event),
    field: fc.constantFrom(...Object.keys(event)),
    bad: fc.constantFrom(...BAD_VALUES, { payment: 1 }, undefined),
  }),
);

describe('EVENT_SCHEMAS', () => {
  test.each(EVENT_TYPES.map((t) => [t]))('the %s schema is a valid draft 2020-12 schema, described field by field', (type) => {
    const schema = EVENT_SCHEMAS[type];
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(`https://sightline.example/schemas/event/${type}.json`);
    expect(strictAjv.validateSchema(schema as object)).toBe(true);
    expect(typeof schema.title).toBe('string');
    expect(typeof schema.description).toBe('string');
    expect(schema.additionalProperties).toBe(false);
    const properties = schema.properties as Record<string, JsonSchema>;
    expect(schema.required).toEqual(Object.keys(properties));
    for (const [name, property] of Object.entries(properties)) expect(typeof property.description, name).toBe('string');
  });

  test('code fields name their code list in their description', () => {
    const properties = EVENT_SCHEMAS.share.properties as Record<string, JsonSchema>;
    expect(properties.recipient!.description).toContain('organisations list at GET /v1/codes');
    expect(properties.legalBasis!.description).toContain('legalBases list');
    expect((properties.categories!.items as JsonSchema).description).toContain('categories list');
  });

  test('they are frozen', () => {
    expect(Object.isFrozen(EVENT_SCHEMAS.access)).toBe(true);
    expect(Object.isFrozen((EVENT_SCHEMAS.access.properties as Record<string, JsonSchema>).categories)).toBe(true);
  });
});

describe('properties over generated events', () => {
  test('a generated valid event passes checkSchema and Ajv', () => {
    fc.assert(
      fc.property(anyEvent(anyPartner), (event) => {
        const type = event.type as EventType;
        expect(checkSchema(EVENT_SCHEMAS[type], event, 'event')).toBeUndefined();
        expect(validators[type](event)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('a generated valid event with a clean partner id passes validateEvent, unchanged', () => {
    fc.assert(
      fc.property(anyEvent(cleanPartner), (event) => {
        expect(validateEvent(event, DEFAULT_CODES)).toBe(event);
      }),
      { numRuns: 1000 },
    );
  });

  test('one field mutated (or removed) fails there, in checkSchema, Ajv and validateEvent', () => {
    fc.assert(
      fc.property(mutated, ({ event, field, bad }) => {
        // A counts object of purposes is still a valid counts.
        fc.pre(!(field === 'counts' && bad !== undefined && typeof bad === 'object' && !Array.isArray(bad) && bad !== null));
        const changed = { ...event };
        if (bad === undefined) delete changed[field];
        else changed[field] = bad;
        const type = event.type as EventType;
        const v = checkSchema(EVENT_SCHEMAS[type], changed, 'event');
        expect(v, JSON.stringify(changed)).toBeDefined();
        expect(v!.path.startsWith(`event.${field}`), `${v!.path} for ${field}`).toBe(true);
        expect(validators[type](changed)).toBe(false);
        const e = expectLogError(() => validateEvent(changed, DEFAULT_CODES), 'INVALID_EVENT');
        expect(e.field!.startsWith(`event.${field}`)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('an extra field fails in both', () => {
    fc.assert(
      fc.property(anyEvent(anyPartner), fc.constantFrom('extra', 'subject', 'details', 'name', 'opening', 'signature'), fc.jsonValue(), (event, name, value) => {
        const changed = { ...event, [name]: value };
        expect(checkSchema(EVENT_SCHEMAS[event.type as EventType], changed, 'event')).toEqual({ path: `event.${name}`, message: 'is not an allowed field' });
        expect(validators[event.type as EventType](changed)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  test('checkSchema and Ajv agree on arbitrary JSON thrown at each schema', () => {
    fc.assert(
      fc.property(fc.constantFrom(...EVENT_TYPES), fc.jsonValue({ maxDepth: 3 }), (type, value) => {
        expect(checkSchema(EVENT_SCHEMAS[type], value, 'event') === undefined).toBe(validators[type](value));
      }),
      { numRuns: 1000 },
    );
  });
});
