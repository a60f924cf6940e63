/**
 * Text and number helpers shared by the C2SP text formats: UTF-8 with fatal decoding,
 * canonical ASCII decimals and strict lowercase hex.
 */

const encoder = new TextEncoder();
const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, or returns `undefined` for invalid UTF-8 (never replaces bytes with U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return fatalDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Parses a canonical ASCII decimal: digits only, no sign, no spaces, no leading zero
 * (except `0` itself), and at most 2^53 − 1 so the value is exact in a `number`
 * (c2sp.org/tlog-checkpoint: "with no leading zeroes"). Returns `undefined` otherwise.
 */
export function parseDecimal(text: string): number | undefined {
  if (text.length === 0 || text.length > 16) return undefined;
  if (text.length > 1 && text.charCodeAt(0) === 0x30) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

const HEX: string[] = Array.from({ length: 256 }, (_, b) => (b < 16 ? '0' : '') + b.toString(16));

export function encodeHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]!;
  return out;
}

/** Decodes lowercase hex of even length, or returns `undefined`. */
export function decodeHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * True for a Uint8Array, also one made in another realm (an iframe, a worker, a vm
 * context), where `instanceof` fails; after noble's `isBytes`.
 */
export function isBytes(a: unknown): a is Uint8Array {
  return a instanceof Uint8Array || (ArrayBuffer.isView(a) && a.constructor.name === 'Uint8Array');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The parts, one after another. Takes an array, not arguments: a batch can hold more parts than a call can spread. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Big-endian uint32 from four bytes at `offset`. */
export function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! * 256 + bytes[offset + 1]!) * 256 + bytes[offset + 2]!) * 256 + bytes[offset + 3]!;
}

/** Four big-endian bytes of a uint32. */
export function uint32Bytes(n: number): Uint8Array {
  return new Uint8Array([Math.floor(n / 16777216) % 256, Math.floor(n / 65536) % 256, Math.floor(n / 256) % 256, n % 256]);
}
