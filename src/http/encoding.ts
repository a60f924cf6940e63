/** Strict parsing of query and path values, into LogErrors that name the field. */
import { decodeHex, encodeBase64, parseDecimal } from '../encoding/index.js';
import { LogError } from '../errors.js';
import type { Hash } from '../merkle/index.js';

export function indexParam(value: string | undefined, field: string, required: true): number;
export function indexParam(value: string | undefined, field: string, required: false): number | undefined;
export function indexParam(value: string | undefined, field: string, required: boolean): number | undefined {
  if (value === undefined) {
    if (!required) return undefined;
    throw new LogError('MALFORMED_REQUEST', `${field} is required`, { field, hint: `add ?${field}=<decimal>` });
  }
  const n = parseDecimal(value);
  if (n === undefined) {
    throw new LogError('MALFORMED_REQUEST', `${field} must be a decimal integer below 2^53 with no sign, spaces or leading zeroes`, {
      field,
      hint: `for example ${field}=42`,
    });
  }
  return n;
}

export function hexHashParam(value: string | undefined, field: string): Hash {
  const bytes = value === undefined ? undefined : decodeHex(value);
  if (bytes === undefined || bytes.length !== 32) {
    throw new LogError('MALFORMED_REQUEST', `${field} must be 64 lowercase hex digits (a SHA-256 hash)`, {
      field,
      hint: 'the leaf hash is SHA-256(0x00 || entry), in lowercase hex',
    });
  }
  return bytes;
}

export const b64 = encodeBase64;
export const b64List = (hashes: readonly Hash[]): string[] => hashes.map((h) => encodeBase64(h));
