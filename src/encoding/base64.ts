/**
 * Strict standard base64 (RFC 4648 §4), the encoding of every C2SP text format.
 *
 * Decoding accepts only the canonical encoding: padded to a multiple of four, no
 * whitespace, and zero bits in the unused tail (RFC 4648 §3.5 "canonical encoding"), so
 * that each byte string has exactly one text form and a signed or hashed text cannot
 * be varied without changing its meaning.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Every pair of base64 digits, indexed by the 12 bits they encode: half the string joins. */
const PAIRS: string[] = [];
for (let i = 0; i < 4096; i++) PAIRS.push(ALPHABET[Math.floor(i / 64)]! + ALPHABET[i % 64]!);

export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  const full = bytes.length - (bytes.length % 3);
  for (let i = 0; i < full; i += 3) {
    const n = bytes[i]! * 65536 + bytes[i + 1]! * 256 + bytes[i + 2]!;
    out += PAIRS[Math.floor(n / 4096)]! + PAIRS[n % 4096]!;
  }
  const rest = bytes.length - full;
  if (rest === 1) {
    const n = bytes[full]!;
    out += ALPHABET[Math.floor(n / 4)]! + ALPHABET[(n % 4) * 16]! + '==';
  } else if (rest === 2) {
    const n = bytes[full]! * 256 + bytes[full + 1]!;
    out += ALPHABET[Math.floor(n / 1024)]! + ALPHABET[Math.floor(n / 16) % 64]! + ALPHABET[(n % 16) * 4]! + '=';
  }
  return out;
}

/**
 * Decodes canonical base64, or returns `undefined` for anything else. Callers turn
 * `undefined` into the typed error of their own format, naming the field.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      let v: number;
      if (last && j >= 4 - pad) {
        v = 0; // padding, checked to be '=' by endsWith above
      } else {
        v = c < 128 ? DECODE[c]! : -1;
        if (v < 0) return undefined;
      }
      n = n * 64 + v;
    }
    const b0 = Math.floor(n / 65536);
    const b1 = Math.floor(n / 256) % 256;
    const b2 = n % 256;
    out[o++] = b0;
    if (!last || pad < 2) out[o++] = b1;
    else if (b1 !== 0) return undefined; // non-zero unused bits: not canonical
    if (!last || pad < 1) out[o++] = b2;
    else if (b2 !== 0) return undefined;
  }
  return out;
}
