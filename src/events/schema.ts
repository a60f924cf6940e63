/**
 * A small JSON Schema (draft 2020-12) interpreter for the subset the event schemas use, so
 * that the schema the log publishes is itself what it enforces: there is no second,
 * hand-written validator to drift from it. A keyword outside the subset is refused (it
 * would otherwise be silently ignored, and the published schema would promise more than is
 * checked).
 *
 * Keywords follow the specification's semantics: each assertion applies only to instances
 * of its type (`pattern` to strings, `minimum` to numbers, …), patterns are ECMA-262 and
 * unanchored, and lengths count Unicode code points (JSON Schema Validation §6.3.1).
 * Messages name what is expected, never the value found: it may be personal data.
 */
import { isPlainObject } from '../encoding/index.js';
import { LogError } from '../errors.js';

export type JsonSchema = Readonly<Record<string, unknown>>;

/** The first place `value` departs from a schema: where (a JSON path) and what was expected. */
export interface SchemaViolation {
  readonly path: string;
  readonly message: string;
}

const ANNOTATIONS = ['$schema', '$id', '$comment', 'title', 'description', 'examples', 'default'];
const ASSERTIONS = [
  'type',
  'const',
  'enum',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'items',
  'uniqueItems',
  'required',
  'maxProperties',
  'properties',
  'additionalProperties',
  'propertyNames',
  'not',
];
const KNOWN = new Set([...ANNOTATIONS, ...ASSERTIONS]);

/** Deeper than any value the event schemas accept: bounds the work on hostile input. */
const MAX_DEPTH = 32;

type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';


function jsonType(value: unknown): JsonType | undefined {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isPlainObject(value)) return 'object';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'number':
      return Number.isFinite(value) ? 'number' : undefined;
    default:
      return undefined;
  }
}

/** JSON equality (§4.2.2 of JSON Schema Core): by value, object members in any order. */
function jsonEqual(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (depth > MAX_DEPTH) return false;
  const ta = jsonType(a);
  if (ta !== jsonType(b)) return false;
  if (ta === 'array') {
    const x = a as unknown[];
    const y = b as unknown[];
    return x.length === y.length && x.every((v, i) => jsonEqual(v, y[i], depth + 1));
  }
  if (ta === 'object') {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const keys = Object.keys(x);
    return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && jsonEqual(x[k], y[k], depth + 1));
  }
  return false;
}

const patterns = new Map<string, RegExp>();

function compiled(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (re === undefined) {
    // The `u` flag: JSON Schema patterns are ECMA-262 regular expressions over code points.
    re = new RegExp(pattern, 'u');
    patterns.set(pattern, re);
  }
  return re;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function member(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function badSchema(why: string): LogError {
  return new LogError('INTERNAL', `checkSchema: ${why}`);
}

function schemaAt(schema: JsonSchema, keyword: string): JsonSchema {
  const sub = schema[keyword];
  if (!isPlainObject(sub)) throw badSchema(`${keyword} must be a schema object`);
  return sub;
}

function numberAt(schema: JsonSchema, keyword: string): number {
  const n = schema[keyword];
  if (typeof n !== 'number' || !Number.isFinite(n)) throw badSchema(`${keyword} must be a number`);
  return n;
}

const ARTICLE: Record<string, string> = {
  null: 'null',
  boolean: 'true or false',
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  array: 'an array',
  object: 'a JSON object',
};

function typeMatches(value: unknown, type: JsonType | undefined, wanted: string): boolean {
  if (wanted === 'integer') return type === 'number' && Number.isInteger(value);
  return type === wanted;
}

function listOf(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** Schemas whose keywords were all found known: each published schema is looked at once, not on every check. */
const vetted = new WeakSet<JsonSchema>();

function check(schema: JsonSchema, value: unknown, path: string): SchemaViolation | undefined {
  if (!vetted.has(schema)) {
    for (const keyword of Object.keys(schema)) if (!KNOWN.has(keyword)) throw badSchema(`keyword ${keyword} is not one this interpreter knows`);
    vetted.add(schema);
  }
  const type = jsonType(value);
  const fail = (message: string, at = path): SchemaViolation => ({ path: at, message });

  if (schema.type !== undefined) {
    const wanted = typeof schema.type === 'string' ? [schema.type] : schema.type;
    if (!Array.isArray(wanted) || wanted.some((t) => typeof t !== 'string' || !(t in ARTICLE))) throw badSchema('type must name JSON types');
    if (!wanted.some((t: string) => typeMatches(value, type, t))) return fail(`must be ${wanted.map((t: string) => ARTICLE[t]).join(' or ')}`);
  }
  if (schema.const !== undefined && !jsonEqual(value, schema.const, 0)) return fail(`must be ${JSON.stringify(schema.const)}`);
  if (schema.enum !== undefined) {
    if (!Array.isArray(schema.enum)) throw badSchema('enum must be an array');
    if (!schema.enum.some((v) => jsonEqual(value, v, 0))) return fail(`must be one of ${listOf(schema.enum)}`);
  }

  if (type === 'string') {
    const s = value as string;
    // A code point is one or two UTF-16 units: the length bounds the count both ways, and
    // the code points are only counted when the bound does not decide.
    if (schema.minLength !== undefined) {
      const min = numberAt(schema, 'minLength');
      if (Math.ceil(s.length / 2) < min && codePoints(s) < min) return fail(`must be at least ${schema.minLength} characters long`);
    }
    if (schema.maxLength !== undefined) {
      const max = numberAt(schema, 'maxLength');
      if (s.length > max && codePoints(s) > max) return fail(`must be at most ${schema.maxLength} characters long`);
    }
    if (schema.pattern !== undefined) {
      if (typeof schema.pattern !== 'string') throw badSchema('pattern must be a string');
      if (!compiled(schema.pattern).test(s)) return fail(`does not have the form ${schema.pattern}`);
    }
  }

  if (type === 'number') {
    const n = value as number;
    if (schema.minimum !== undefined && n < numberAt(schema, 'minimum')) return fail(`must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && n > numberAt(schema, 'maximum')) return fail(`must be at most ${schema.maximum}`);
  }

  if (type === 'array') {
    const items = value as unknown[];
    if (schema.minItems !== undefined && items.length < numberAt(schema, 'minItems')) return fail(`must have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && items.length > numberAt(schema, 'maxItems')) return fail(`must have at most ${schema.maxItems} items`);
    if (schema.items !== undefined) {
      const itemSchema = schemaAt(schema, 'items');
      for (let i = 0; i < items.length; i++) {
        const v = check(itemSchema, items[i], `${path}[${i}]`);
        if (v !== undefined) return v;
      }
    }
    if (schema.uniqueItems === true) {
      for (let j = 1; j < items.length; j++) {
        for (let i = 0; i < j; i++) if (jsonEqual(items[i], items[j], 0)) return fail(`repeats item ${i}: items must be unique`, `${path}[${j}]`);
      }
    }
  }

  if (type === 'object') {
    const object = value as Record<string, unknown>;
    const properties = schema.properties === undefined ? {} : schemaAt(schema, 'properties');
    if (schema.required !== undefined) {
      if (!Array.isArray(schema.required)) throw badSchema('required must be an array');
      for (const name of schema.required as unknown[]) {
        if (typeof name !== 'string') throw badSchema('required must list names');
        if (!Object.hasOwn(object, name)) return fail('is required', member(path, name));
      }
    }
    const names = Object.keys(object);
    if (schema.maxProperties !== undefined && names.length > numberAt(schema, 'maxProperties')) return fail(`must have at most ${schema.maxProperties} members`);
    if (schema.propertyNames !== undefined) {
      const nameSchema = schemaAt(schema, 'propertyNames');
      for (const name of names) {
        const v = check(nameSchema, name, '');
        if (v !== undefined) return fail(`is not an allowed name: the name ${v.message}`, member(path, name));
      }
    }
    const additional = schema.additionalProperties;
    for (const name of names) {
      if (Object.hasOwn(properties, name)) continue;
      if (additional === false) return fail('is not an allowed field', member(path, name));
    }
    for (const name of Object.keys(properties)) {
      if (!Object.hasOwn(object, name)) continue;
      const v = check(schemaAt(properties, name), object[name], member(path, name));
      if (v !== undefined) return v;
    }
    if (additional !== undefined && additional !== false && additional !== true) {
      const rest = schemaAt(schema, 'additionalProperties');
      for (const name of names) {
        if (Object.hasOwn(properties, name)) continue;
        const v = check(rest, object[name], member(path, name));
        if (v !== undefined) return v;
      }
    }
  }

  if (schema.not !== undefined) {
    const not = schemaAt(schema, 'not');
    if (check(not, value, path) === undefined) {
      if (Array.isArray(not.enum)) return fail(`must not be ${not.enum.length === 1 ? JSON.stringify(not.enum[0]) : `any of ${listOf(not.enum)}`}`);
      if (not.const !== undefined) return fail(`must not be ${JSON.stringify(not.const)}`);
      return fail('has a form that is not allowed here');
    }
  }
  return undefined;
}

/**
 * Validates a parsed JSON value against a schema of the subset above. Returns the first
 * violation, with its path built on `path` (`event` → `event.categories[2]`), or undefined.
 * Throws LogError('INTERNAL') for a schema outside the subset: that is a bug, not bad input.
 */
export function checkSchema(schema: JsonSchema, value: unknown, path: string): SchemaViolation | undefined {
  return check(schema, value, path);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * A published schema of a JSON object of exactly `properties`, every one required (the one
 * normal form of typed events and public-money records), frozen: what is published is what
 * checkSchema enforces, and nothing changes it after.
 */
export function objectSchema(spec: { readonly id: string; readonly title: string; readonly description?: string; readonly properties: Readonly<Record<string, JsonSchema>> }): JsonSchema {
  return deepFreeze({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: spec.id,
    title: spec.title,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    type: 'object',
    required: Object.keys(spec.properties),
    additionalProperties: false,
    properties: spec.properties,
  });
}

/**
 * The fix for a violation of an object schema at `path` (under `root`, e.g. `event`): the
 * published description of the member at fault, or the schema's member list.
 */
export function violationHint(schema: JsonSchema, path: string, root: string, what: string): string {
  const properties = schema.properties as Readonly<Record<string, JsonSchema>>;
  const name = path.startsWith(`${root}.`) ? /^[A-Za-z]+/.exec(path.slice(root.length + 1))?.[0] : undefined;
  const description = name !== undefined && Object.hasOwn(properties, name) ? properties[name]!.description : undefined;
  const where = `${what}, ${String(schema.$id)}`;
  return typeof description === 'string' ? `${description} (${where})` : `the fields are exactly ${Object.keys(properties).join(', ')} (${where})`;
}
