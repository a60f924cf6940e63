/**
 * Shared pieces of the fuzz tests: run counts (LONG=1 multiplies them by 50), a counter that
 * prints one summary line per property, and fast-check arbitraries that mutate valid text.
 */
import fc from 'fast-check';
import { LogError } from '../../src/errors.js';

export const LONG = process.env.LONG !== undefined && process.env.LONG !== '' && process.env.LONG !== '0';
export const runs = (n: number): number => (LONG ? n * 50 : n);

/** How many inputs each property tried, printed once per property. */
export function counter(name: string) {
  let n = 0;
  return {
    hit: () => void n++,
    get count() {
      return n;
    },
    report: () => console.log(`fuzz: ${name}: ${n} inputs`),
  };
}

/** Runs `f`; returns its value, or undefined when it threw a LogError; any other throw fails the property. */
export function logErrorOr<T>(what: string, f: () => T, maxMs = 2_000): T | undefined {
  const start = performance.now();
  try {
    return f();
  } catch (e) {
    if (!(e instanceof LogError)) throw new Error(`${what} threw ${e instanceof Error ? e.constructor.name : typeof e}, not a LogError: ${String(e)}`, { cause: e });
    return undefined;
  } finally {
    const ms = performance.now() - start;
    if (ms > maxMs) throw new Error(`${what} took ${ms.toFixed(0)} ms on one input`);
  }
}

const HUGE_NUMBERS = ['9007199254740992', '9007199254740991', '18446744073709551616', '99999999999999999999999999', '-1', '-0', '+1', '01', '007', '1e3', '0x10', '1.0', ' 1', '1 ', '١٢', '', 'NaN', 'Infinity'];
const ODD_TEXT = ['\u0000', '\r', '\r\n', '\t', ' ', '\u2014', '\u00a0', '\ufeff', '\ud800', '\u{1f600}', '=', '==', '+', '/', '-', '_', '—', '\\', '"', '%00', '%2F', '..', 'A'.repeat(1000)];

/** Base64 made non-canonical: padding removed or doubled, URL alphabet, spaces, unused bits set. */
function nonCanonicalBase64(s: string, r: number): string {
  const m = /[A-Za-z0-9+/]{4,}={0,2}/g;
  const matches = [...s.matchAll(m)];
  if (matches.length === 0) return s;
  const hit = matches[r % matches.length]!;
  const b = hit[0];
  const variants = [
    b.replace(/=+$/, ''),
    b + '=',
    b.replaceAll('+', '-').replaceAll('/', '_'),
    b.slice(0, 4) + ' ' + b.slice(4),
    b.slice(0, -1),
    // set unused low bits of the last significant character
    b.replace(/([A-Za-z0-9+/])(=+)$/, (_, c: string, pad: string) => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      const i = alphabet.indexOf(c);
      return alphabet[(i | 1) === i ? i ^ 1 : i | 1]! + pad;
    }),
    b + '\n',
    '\u00a0' + b,
  ];
  const v = variants[r % variants.length]!;
  return s.slice(0, hit.index) + v + s.slice(hit.index! + b.length);
}

/** One mutation of `s`, chosen from the integers given. */
function mutateOnce(s: string, kind: number, a: number, b: number, extra: string): string {
  const lines = s.split('\n');
  const li = lines.length === 0 ? 0 : a % lines.length;
  const at = s.length === 0 ? 0 : a % (s.length + 1);
  switch (kind % 12) {
    case 0: {
      // flip one bit of one UTF-16 unit (ASCII stays mostly ASCII)
      if (s.length === 0) return extra;
      const i = a % s.length;
      return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << (b % 7))) + s.slice(i + 1);
    }
    case 1:
      return lines.filter((_, i) => i !== li).join('\n');
    case 2:
      return [...lines.slice(0, li + 1), lines[li]!, ...lines.slice(li + 1)].join('\n');
    case 3: {
      const lj = b % Math.max(1, lines.length);
      const copy = [...lines];
      [copy[li], copy[lj]] = [copy[lj]!, copy[li]!];
      return copy.join('\n');
    }
    case 4:
      return s.slice(0, at) + extra + s.slice(at);
    case 5:
      return s.slice(0, at);
    case 6: {
      // a number made huge, negative or non-canonical
      const nums = [...s.matchAll(/\d+/g)];
      if (nums.length === 0) return s + HUGE_NUMBERS[b % HUGE_NUMBERS.length]!;
      const n = nums[a % nums.length]!;
      return s.slice(0, n.index) + HUGE_NUMBERS[b % HUGE_NUMBERS.length]! + s.slice(n.index! + n[0].length);
    }
    case 7:
      return nonCanonicalBase64(s, a + b);
    case 8:
      return s.slice(0, at) + ODD_TEXT[b % ODD_TEXT.length]! + s.slice(at);
    case 9:
      return s.endsWith('\n') ? s.slice(0, -1) : s + '\n';
    case 10: {
      const end = Math.min(s.length, at + 1 + (b % 16));
      return s.slice(0, at) + s.slice(end);
    }
    default:
      return lines.map((l, i) => (i === li ? l + ODD_TEXT[b % ODD_TEXT.length]! : l)).join(b % 2 === 0 ? '\n' : '\r\n');
  }
}

/** 1–4 mutations of a valid text. */
export function mutatedText(valid: fc.Arbitrary<string> | string): fc.Arbitrary<string> {
  const base = typeof valid === 'string' ? fc.constant(valid) : valid;
  const step = fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 })));
  return fc.tuple(base, fc.array(step, { minLength: 1, maxLength: 4 })).map(([s, steps]) => steps.reduce((acc, [k, a, b, e]) => mutateOnce(acc, k, a, b, e), s));
}

/** Bytes of a valid input with bytes flipped, dropped or inserted. */
export function mutatedBytes(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const step = fc.tuple(fc.nat(3), fc.nat(), fc.integer({ min: 0, max: 255 }));
  return fc.array(step, { minLength: 1, maxLength: 4 }).map((steps) => {
    let out = Uint8Array.from(valid);
    for (const [kind, a, v] of steps) {
      const i = out.length === 0 ? 0 : a % out.length;
      if (kind === 0 && out.length > 0) out[i] = out[i]! ^ (1 << v % 8);
      else if (kind === 1) out = Uint8Array.from([...out.slice(0, i), ...out.slice(i + 1)]);
      else if (kind === 2) out = Uint8Array.from([...out.slice(0, i), v, ...out.slice(i)]);
      else out = out.slice(0, i);
    }
    return out;
  });
}

/** Any text: unicode, binary-ish, or built from the pieces the formats use. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.array(fc.constantFrom(...ODD_TEXT.filter((t) => t.length < 10), ...HUGE_NUMBERS, 'tile', 'entries', 'x', '.p', 'old ', 'index ', 'extra ', '\n', '\n\n', 'c2sp.org/tlog-proof@v1', '— ', 'AAAA', 'PRIVATE+KEY+'), { maxLength: 40 }).map((a) => a.join('')),
);
