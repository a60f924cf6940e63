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

/** Whether a string is well-formed UTF-16: natively where the runtime has it (Node 20, current browsers). */
const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !LONE_SURROGATE.test(s);

/**
 * The path of the member being written, as segments: joined only when a value is refused,
 * so that writing a valid value builds no path strings.
 */
type Path = string[];

/** A JSON object as JSON.parse makes one: not null, not an array, not a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function pathText(path: Path): string {
  return path.join('');
}

function string(s: string, path: Path): string {
  if (!isWellFormed(s)) throw refuse(pathText(path), 'holds a lone UTF-16 surrogate, which I-JSON forbids');
  return JSON.stringify(s);
}

function write(value: unknown, path: Path, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw refuse(pathText(path), 'is not a finite number');
      return JSON.stringify(value);
    case 'string':
      return string(value, path);
    case 'object':
      break;
    default:
      throw refuse(pathText(path), `is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which JSON cannot hold`);
  }
  if (depth >= MAX_JSON_DEPTH) throw refuse(pathText(path), `nests deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      path.push(`[${i}]`);
      if (!(i in value)) throw refuse(pathText(path), 'is a hole in the array');
      out += (i === 0 ? '' : ',') + write(value[i], path, depth + 1);
      path.pop();
    }
    return out + ']';
  }
  if (!isPlainObject(value)) throw refuse(pathText(path), 'is not a plain object');
  // The default sort compares UTF-16 code units: exactly §3.2.3's order.
  const names = Object.keys(value).sort();
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    path.push(path.length === 0 ? name : `.${name}`);
    out += `${i === 0 ? '' : ','}${string(name, path)}:${write((value as Record<string, unknown>)[name], path, depth + 1)}`;
    path.pop();
  }
  return out + '}';
}

/** The RFC 8785 canonical text of `value`; throws LogError('MALFORMED_REQUEST') for non-I-JSON. */
export function canonicalJson(value: unknown): string {
  return write(value, [], 0);
}
