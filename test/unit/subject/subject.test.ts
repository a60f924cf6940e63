/**
 * src/subject beyond the published vectors: normalisation and its errors (which must never
 * repeat the id), the key hierarchy's separation properties, agreement with the node:crypto
 * reference on random inputs, and held keys (text form, narrowing, day ranges).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeHex } from '../../../src/encoding/index.js';
import { LogError } from '../../../src/errors.js';
import {
  type HeldKey,
  SUBJECT_SCHEMES,
  counterKey,
  dayKey,
  dayKeyForHour,
  dayKeysInRange,
  deriveDayKey,
  deriveMonthKey,
  formatHeldKey,
  monthKey,
  normalizeSubjectId,
  parseHeldKey,
  revealToken,
  subjectKey,
  subjectTag,
  tagPrefix,
} from '../../../src/subject/index.js';
import { referenceDerivation } from '../../support/subject-reference.js';

const K_E = Uint8Array.from({ length: 32 }, (_, i) => 100 + i);
const OTHER_K_E = Uint8Array.from({ length: 32 }, (_, i) => 200 + i);
const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
const hex = encodeHex;

function caught(f: () => unknown): LogError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LogError);
    return e as LogError;
  }
  throw new Error('expected a LogError');
}

const FIRST = 'ABCEGHJKLMNOPRSTWXYZ';
const SECOND = 'ABCEGHJKLMNPRSTWXYZ';
const NOT_ISSUED = ['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'];

/** A valid NINO with its id*, spelt as a person might: any case, spaces anywhere, suffix or not. */
const messyNino = fc
  .record({
    first: fc.constantFrom(...FIRST),
    second: fc.constantFrom(...SECOND),
    digits: fc.stringMatching(/^\d{6}$/),
    suffix: fc.constantFrom('', 'A', 'B', 'C', 'D'),
    lower: fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
    spaces: fc.array(fc.nat({ max: 2 }), { minLength: 10, maxLength: 10 }),
  })
  .filter((r) => !NOT_ISSUED.includes(r.first + r.second))
  .map((r) => {
    const chars = [r.first, r.second, ...r.digits, ...r.suffix].map((ch, i) => (r.lower[i] ? ch.toLowerCase() : ch));
    const id = chars.map((ch, i) => ' '.repeat(r.spaces[i]!) + ch).join('') + ' '.repeat(r.spaces[9]!);
    return { id, idStar: r.first + r.second + r.digits };
  });

/** A real hour YYYY-MM-DDTHH between 2000 and 2099. */
const hour = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 13));

describe('normalizeSubjectId', () => {
  test('the schemes', () => {
    expect(SUBJECT_SCHEMES).toEqual(['nino', 'customer-ref']);
  });

  test.each([
    ['nino', 'AB123456C', 'AB123456'],
    ['nino', 'ab123456c', 'AB123456'],
    ['nino', 'AB 12 34 56 C', 'AB123456'],
    ['nino', '  AB123456  ', 'AB123456'],
    ['nino', 'AB123456', 'AB123456'],
    ['nino', 'ZY000000D', 'ZY000000'],
    ['nino', 'OA123456', 'OA123456'], // O is allowed first, not second
    ['customer-ref', 'cust-42', 'CUST-42'],
    ['customer-ref', '  c u s t  ', 'CUST'],
    ['customer-ref', '-', '-'],
    ['customer-ref', '9'.repeat(64), '9'.repeat(64)],
    ['customer-ref', 'AB123456C', 'AB123456C'], // only "nino" drops a suffix
  ])('%s %j → %j', (scheme, id, idStar) => {
    expect(normalizeSubjectId(scheme, id)).toBe(idStar);
  });

  test('every messy spelling of a NINO normalises to prefix and digits', () => {
    fc.assert(
      fc.property(messyNino, ({ id, idStar }) => {
        expect(normalizeSubjectId('nino', id)).toBe(idStar);
      }),
      { numRuns: 2000 },
    );
  });

  test('a non-string id is refused', () => {
    const e = caught(() => normalizeSubjectId('nino', 42 as unknown as string));
    expect(e.field).toBe('subject.id');
  });

  test('a rejected id is never repeated in the message or hint', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SUBJECT_SCHEMES),
        fc.string({ unit: fc.constantFrom(...'abcdefqxyzABCDEFQZ0123456789 _/.é'), minLength: 4, maxLength: 80 }),
        (scheme, id) => {
          let e: LogError;
          try {
            normalizeSubjectId(scheme, id);
            return;
          } catch (thrown) {
            e = thrown as LogError;
          }
          expect(e).toBeInstanceOf(LogError);
          expect(e.code).toBe('MALFORMED_REQUEST');
          expect(e.field).toBe('subject.id');
          const compact = id.replaceAll(' ', '');
          for (const s of [id, compact, compact.toUpperCase(), compact.slice(0, 8), compact.slice(-6)].filter((s) => s.length >= 4)) {
            expect(e.message).not.toContain(s);
            expect(e.hint ?? '').not.toContain(s);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('an unknown scheme is refused naming subject.scheme, without repeating it', () => {
    for (const scheme of ['NINO', 'ssn', 'AB123456C', '']) {
      const e = caught(() => normalizeSubjectId(scheme, 'AB123456C'));
      expect(e.code).toBe('MALFORMED_REQUEST');
      expect(e.field).toBe('subject.scheme');
      expect(e.message).not.toContain('AB123456C');
      if (scheme.length >= 3) expect(e.message).not.toContain(scheme);
    }
  });
});

describe('the key hierarchy', () => {
  test('ids that normalise alike give the same K_s; different ids, schemes or years give different ones', () => {
    const kS = hex(subjectKey(K_E, 'nino', 'AB123456C'));
    for (const alike of ['ab123456c', 'AB 12 34 56 C', 'AB123456', ' ab 123456 a ', 'AB123456D']) expect(hex(subjectKey(K_E, 'nino', alike))).toBe(kS);
    const others = [
      subjectKey(K_E, 'nino', 'AB123457C'),
      subjectKey(K_E, 'nino', 'BA123456C'),
      subjectKey(K_E, 'customer-ref', 'AB123456'),
      subjectKey(OTHER_K_E, 'nino', 'AB123456C'),
    ].map(hex);
    expect(new Set([kS, ...others]).size).toBe(5);
    expect(hex(subjectKey(K_E, 'customer-ref', 'cust-1'))).toBe(hex(subjectKey(K_E, 'customer-ref', 'CUST-1')));
    expect(hex(subjectKey(K_E, 'customer-ref', 'cust-1'))).not.toBe(hex(subjectKey(K_E, 'customer-ref', 'cust-2')));
  });

  test('subjectKey normalises itself and refuses what normalizeSubjectId refuses', () => {
    expect(caught(() => subjectKey(K_E, 'nino', 'QQ123456C')).field).toBe('subject.id');
    expect(caught(() => subjectKey(K_E, 'passport' as 'nino', 'X1')).field).toBe('subject.scheme');
  });

  test('tags of one subject on one day, j = 0…9, are distinct, and differ from the next day’s', () => {
    const kS = subjectKey(K_E, 'nino', 'AB123456C');
    const mar = monthKey(kS, '2026-03');
    const day14 = dayKey(mar, '14');
    const day15 = dayKey(mar, '15');
    const tags14 = Array.from({ length: 10 }, (_, j) => hex(subjectTag(day14, j)));
    const tags15 = Array.from({ length: 10 }, (_, j) => hex(subjectTag(day15, j)));
    expect(new Set(tags14).size).toBe(10);
    expect(new Set([...tags14, ...tags15]).size).toBe(20);
    // Nor do the reveal tokens coincide with any tag.
    const reveals = Array.from({ length: 10 }, (_, j) => hex(revealToken(day14, j)));
    expect(new Set([...tags14, ...reveals]).size).toBe(20);
    // The same day of another month is another K_day.
    expect(hex(dayKey(monthKey(kS, '2026-04'), '14'))).not.toBe(hex(day14));
  });

  test('agrees with the node:crypto reference on random keys, NINOs and hours', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), messyNino, hour, fc.nat({ max: 1000 }), (kE, { id, idStar }, h, j) => {
        const ref = referenceDerivation(hex(kE), 'nino', idStar, h, 0);
        const kS = subjectKey(kE, 'nino', id);
        expect(hex(kS)).toBe(ref.K_s);
        const kDay = dayKeyForHour(kE, 'nino', id, h);
        expect(hex(kDay)).toBe(ref.K_day);
        expect(hex(counterKey(kDay))).toBe(ref.counterKey);
        const refJ = referenceDerivation(hex(kE), 'nino', idStar, h, j + 1).entries[j]!;
        expect(hex(subjectTag(kDay, j))).toBe(refJ.tag_j);
        expect(hex(revealToken(kDay, j))).toBe(refJ.reveal_j);
      }),
      { numRuns: 300 },
    );
  });

  test('counterKey is not K_day, nor a tag', () => {
    const kDay = dayKeyForHour(K_E, 'customer-ref', 'c-1', '2026-03-14T09');
    const c = hex(counterKey(kDay));
    expect(c).not.toBe(hex(kDay));
    expect(c).not.toBe(hex(subjectTag(kDay, 0)));
  });

  test('dayKeyForHour is K_day of the hour’s month and day, for every hour of the day', () => {
    const expected = hex(dayKey(monthKey(subjectKey(K_E, 'nino', 'AB123456C'), '2028-02'), '29'));
    for (let h = 0; h < 24; h++) expect(hex(dayKeyForHour(K_E, 'nino', 'AB123456C', `2028-02-29T${String(h).padStart(2, '0')}`))).toBe(expected);
  });

  test.each(['2026-02-29T00', '2026-13-01T00', '2026-00-10T00', '2026-04-31T00', '2026-01-01T24', '2026-01-01', '2026-01-01T1', '2026-01-01 01', '2026-01-01T01:00', ' 2026-01-01T01'])(
    'dayKeyForHour refuses the hour %j',
    (h) => {
      const e = caught(() => dayKeyForHour(K_E, 'nino', 'AB123456C', h));
      expect(e.code).toBe('MALFORMED_REQUEST');
      expect(e.field).toBe('hour');
    },
  );

  test('month and day strings are checked', () => {
    for (const m of ['2026-3', '2026-13', '2026-00', '26-03', '2026-03-01', '2026/03']) expect(caught(() => monthKey(KEY, m)).field).toBe('month');
    for (const d of ['1', '00', '32', '7 ', '2026-03-07', '-1']) expect(caught(() => dayKey(KEY, d)).field).toBe('day');
  });

  test('j must be a whole number from 0', () => {
    for (const j of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(caught(() => subjectTag(KEY, j)).code).toBe('OUT_OF_RANGE');
      expect(caught(() => revealToken(KEY, j)).code).toBe('OUT_OF_RANGE');
    }
    // Decimal j with no padding: j = 10 is "10", as in the reference.
    const kDay = dayKeyForHour(K_E, 'customer-ref', 'C-1', '2026-01-01T00');
    const ref = referenceDerivation(hex(K_E), 'customer-ref', 'C-1', '2026-01-01T00', 12);
    expect(hex(subjectTag(kDay, 10))).toBe(ref.entries[10]!.tag_j);
    expect(hex(revealToken(kDay, 11))).toBe(ref.entries[11]!.reveal_j);
  });

  test('keys must be 32-byte Uint8Arrays (a caller bug: TypeError)', () => {
    expect(() => subjectKey(new Uint8Array(31), 'nino', 'AB123456C')).toThrow(TypeError);
    expect(() => monthKey(new Uint8Array(33), '2026-03')).toThrow(TypeError);
    expect(() => dayKey([...KEY] as unknown as Uint8Array, '01')).toThrow(TypeError);
    expect(() => subjectTag(new Uint8Array(0), 0)).toThrow(TypeError);
    expect(() => revealToken(new Uint8Array(16), 0)).toThrow(TypeError);
    expect(() => counterKey(new Uint8Array(64))).toThrow(TypeError);
    expect(() => tagPrefix(new Uint8Array(2))).toThrow(TypeError);
  });

  test('tagPrefix is the first four hex digits', () => {
    const tag = subjectTag(KEY, 3);
    expect(tagPrefix(tag)).toBe(hex(tag).slice(0, 4));
    expect(tagPrefix(new Uint8Array(32).fill(0xab))).toBe('abab');
    expect(tagPrefix(new Uint8Array(32))).toBe('0000');
  });
});

describe('held keys', () => {
  const kS = subjectKey(K_E, 'nino', 'AB123456C');
  const subject: HeldKey = { kind: 'subject', year: '2028', key: kS };
  const KEY_HEX = hex(KEY);

  test('text forms round-trip', () => {
    const forms: HeldKey[] = [
      { kind: 'subject', year: '2026', key: KEY },
      { kind: 'month', month: '2026-03', key: KEY },
      { kind: 'day', day: '2028-02-29', key: KEY },
    ];
    expect(forms.map(formatHeldKey)).toEqual([`subject-key:2026:${KEY_HEX}`, `month-key:2026-03:${KEY_HEX}`, `day-key:2028-02-29:${KEY_HEX}`]);
    for (const k of forms) expect(parseHeldKey(formatHeldKey(k))).toEqual(k);
  });

  test.each([
    ['upper-case hex', `subject-key:2026:${KEY_HEX.toUpperCase()}`],
    ['short key', `subject-key:2026:${KEY_HEX.slice(2)}`],
    ['long key', `subject-key:2026:${KEY_HEX}00`],
    ['trailing newline', `subject-key:2026:${KEY_HEX}\n`],
    ['leading space', ` subject-key:2026:${KEY_HEX}`],
    ['unknown kind', `year-key:2026:${KEY_HEX}`],
    ['upper-case kind', `SUBJECT-KEY:2026:${KEY_HEX}`],
    ['subject key with a month', `subject-key:2026-03:${KEY_HEX}`],
    ['month key with a year', `month-key:2026:${KEY_HEX}`],
    ['month key with a day', `month-key:2026-03-14:${KEY_HEX}`],
    ['day key with a month', `day-key:2026-03:${KEY_HEX}`],
    ['month 13', `month-key:2026-13:${KEY_HEX}`],
    ['29 February of a common year', `day-key:2026-02-29:${KEY_HEX}`],
    ['31 April', `day-key:2026-04-31:${KEY_HEX}`],
    ['two-digit year', `subject-key:26:${KEY_HEX}`],
    ['no key', 'subject-key:2026:'],
    ['empty', ''],
  ])('parseHeldKey refuses %s, without repeating the key', (_, text) => {
    const e = caught(() => parseHeldKey(text));
    expect(e.code).toBe('MALFORMED_REQUEST');
    expect(e.field).toBe('key');
    expect(e.message.toLowerCase()).not.toContain(KEY_HEX.slice(0, 16));
    expect((e.hint ?? '').toLowerCase()).not.toContain(KEY_HEX.slice(0, 16));
  });

  test('formatHeldKey refuses a bad scope or key size', () => {
    expect(caught(() => formatHeldKey({ kind: 'day', day: '2026-02-30', key: KEY })).field).toBe('key');
    expect(caught(() => formatHeldKey({ kind: 'month', month: '2026-3', key: KEY })).field).toBe('key');
    expect(caught(() => formatHeldKey({ kind: 'subject', year: '2026', key: new Uint8Array(31) })).field).toBe('key');
  });

  test('a subject key narrows to its months and days', () => {
    const m = deriveMonthKey(subject, '2028-02');
    expect(m).toEqual({ kind: 'month', month: '2028-02', key: monthKey(kS, '2028-02') });
    const d = deriveDayKey(subject, '2028-02-29');
    expect(d).toEqual({ kind: 'day', day: '2028-02-29', key: dayKeyForHour(K_E, 'nino', 'AB123456C', '2028-02-29T10') });
    expect(deriveDayKey(m, '2028-02-29')).toEqual(d);
    expect(deriveDayKey(d, '2028-02-29')).toEqual(d);
    expect(deriveMonthKey(m, '2028-02')).toEqual(m);
  });

  test('a key never reaches outside its scope, nor widens', () => {
    const m = deriveMonthKey(subject, '2028-02');
    const d = deriveDayKey(subject, '2028-02-29');
    expect(caught(() => deriveMonthKey(subject, '2027-12')).field).toBe('month');
    expect(caught(() => deriveDayKey(subject, '2029-01-01')).field).toBe('day');
    expect(caught(() => deriveMonthKey(m, '2028-03')).field).toBe('month');
    expect(caught(() => deriveDayKey(m, '2028-03-01')).field).toBe('day');
    expect(caught(() => deriveMonthKey(d, '2028-02')).field).toBe('month');
    expect(caught(() => deriveDayKey(d, '2028-02-28')).field).toBe('day');
    expect(caught(() => deriveDayKey(subject, '2028-02-30')).field).toBe('day');
    expect(caught(() => deriveMonthKey(subject, '2028-2')).field).toBe('month');
  });

  test('a narrowed key is a copy: changing it leaves the original alone', () => {
    const d = deriveDayKey(subject, '2028-02-29');
    const again = deriveDayKey(d, '2028-02-29');
    again.key.fill(0);
    expect(d.key.some((b) => b !== 0)).toBe(true);
  });

  test('dayKeysInRange: a subject key covers only its year', () => {
    const days = dayKeysInRange(subject, '2027-12-30', '2028-01-02');
    expect(days.map((x) => x.day)).toEqual(['2028-01-01', '2028-01-02']);
    expect(days[1]!.dayKey).toEqual(deriveDayKey(subject, '2028-01-02').key);
    const all = dayKeysInRange(subject, '2000-01-01', '2999-12-31');
    expect(all).toHaveLength(366);
    expect(all[59]).toEqual({ day: '2028-02-29', dayKey: deriveDayKey(subject, '2028-02-29').key });
    expect(all.at(-1)!.day).toBe('2028-12-31');
    expect(new Set(all.map((x) => hex(x.dayKey))).size).toBe(366);
  });

  test('dayKeysInRange: month and day keys, and ranges outside the scope', () => {
    const feb = deriveMonthKey(subject, '2028-02');
    const days = dayKeysInRange(feb, '2028-01-01', '2028-12-31');
    expect(days.map((x) => x.day)).toEqual(Array.from({ length: 29 }, (_, i) => `2028-02-${String(i + 1).padStart(2, '0')}`));
    for (const x of days) expect(x.dayKey).toEqual(deriveDayKey(subject, x.day).key);
    expect(dayKeysInRange(feb, '2028-02-10', '2028-02-10').map((x) => x.day)).toEqual(['2028-02-10']);
    expect(dayKeysInRange(feb, '2028-03-01', '2028-03-31')).toEqual([]);
    const d = deriveDayKey(subject, '2028-02-29');
    expect(dayKeysInRange(d, '2028-02-01', '2028-03-31')).toEqual([{ day: '2028-02-29', dayKey: d.key }]);
    expect(dayKeysInRange(d, '2028-03-01', '2028-03-31')).toEqual([]);
  });

  test('dayKeysInRange refuses bad dates and a reversed range', () => {
    expect(caught(() => dayKeysInRange(subject, '2028-02-30', '2028-03-01')).field).toBe('from');
    expect(caught(() => dayKeysInRange(subject, '2028-02-01', '2028-3-1')).field).toBe('to');
    expect(caught(() => dayKeysInRange(subject, '2028-03-02', '2028-03-01')).field).toBe('to');
  });
});
