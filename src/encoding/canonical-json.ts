/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the one byte form of a JSON value, so that
 * a signature or a commitment over JSON means the same to every implementation.
 *
 * - Objects: members sorted by their names' UTF-16 code units (§3.2.3), no whitespace.
 * - Numbers: the ECMAScript Number-to-String form (§3.2.2.3), which `JSON.stringify`
 *   implements exactly (so -0 is `0`, 1e30 is `1e+30`, 2e-3 is `0.002`).
 * - Strings: `JSON.stringify`'s escaping, which is §3.2.2.2's (only `"`, `\` and the
 *   controls below U+0020 are escaped; `\b \t \n \f \r` by name, the rest as lowercase
 *   `\u00xx`).
 * - Only I-JSON (RFC 7493) is accepted: finite numbers, no lone surrogates, no duplicate
 *   names (a JS object cannot hold them), and nothing that is not JSON at all (undefined,
 *   functions, bigints, class instances).
 *
 * Trust boundary: the value may come from a partner's request; every failure is a
 * LogError naming the path of the offending member.
 */
import { LogError } from '../errors.js';

/** Deeper nesting than any event needs; it keeps hostile input from exhausting the stack. */
export const MAX_JSON_DEPTH = 32;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function refuse(path: string, why: string): LogError {
  return new LogError('MALFORMED_REQUEST', `${path || 'the value'} ${why}`, {
    field: path || 'body',
    hint: 'canonical JSON (RFC 8785) takes only I-JSON: finite numbers, well-formed strings, plain objects and arrays',
  });
}

function string(s: string, path: string): string {
  if (LONE_SURROGATE.test(s)) throw refuse(path, 'holds a lone UTF-16 surrogate, which I-JSON forbids');
  return JSON.stringify(s);
}

function write(value: unknown, path: string, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw refuse(path, 'is not a finite number');
      return JSON.stringify(value);
    case 'string':
      return string(value, path);
    case 'object':
      break;
    default:
      throw refuse(path, `is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which JSON cannot hold`);
  }
  if (depth >= MAX_JSON_DEPTH) throw refuse(path, `nests deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) throw refuse(`${path}[${i}]`, 'is a hole in the array');
      items.push(write(value[i], `${path}[${i}]`, depth + 1));
    }
    return `[${items.join(',')}]`;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) throw refuse(path, 'is not a plain object');
  // The default sort compares UTF-16 code units: exactly §3.2.3's order.
  const names = Object.keys(value).sort();
  const members = names.map((name) => {
    const at = path === '' ? name : `${path}.${name}`;
    return `${string(name, at)}:${write((value as Record<string, unknown>)[name], at, depth + 1)}`;
  });
  return `{${members.join(',')}}`;
}

/** The RFC 8785 canonical text of `value`; throws LogError('MALFORMED_REQUEST') for non-I-JSON. */
export function canonicalJson(value: unknown): string {
  return write(value, '', 0);
}
