/** Strict parsing of query and path values, into LogErrors that name the field. */
import type { HonoRequest } from 'hono';
import { decodeHex, parseDecimal, readAtMost } from '../encoding/index.js';
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

/** Standard base64 of bytes, natively (the core's encoder runs anywhere, this one is faster). */
export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
export const b64List = (hashes: readonly Hash[]): string[] => hashes.map(b64);

function tooLarge(max: number, what: string): LogError {
  return new LogError('ENTRY_TOO_LARGE', `${what} is at most ${max} bytes`, { field: 'body' });
}

/**
 * The request body, at most `max` bytes. With a Content-Length (the usual case) it is
 * checked before anything is read and the body is read straight off the socket, without
 * building a WHATWG Request and stream for it (@hono/node-server's direct path, a large
 * share of a small write's cost); a chunked body is counted as it arrives and cut off at
 * `max`. `what` names the body in the 413's message.
 */
export async function readBody(req: HonoRequest, max: number, what = 'an entry'): Promise<Uint8Array> {
  const length = req.header('content-length');
  if (length !== undefined && req.header('transfer-encoding') === undefined) {
    const n = parseDecimal(length);
    if (n === undefined) throw new LogError('MALFORMED_REQUEST', 'Content-Length must be a decimal number of bytes', { field: 'Content-Length' });
    if (n > max) throw tooLarge(max, what);
    return new Uint8Array(await req.arrayBuffer());
  }
  const body = await readAtMost(req.raw.body, max);
  if (body === undefined) throw tooLarge(max, what);
  return body;
}
