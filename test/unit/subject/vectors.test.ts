/**
 * test/vectors/subject-tags.json, the published subject-tag vectors: (a) the node:crypto
 * reference re-derives every value in it, (b) src/subject (and src/events for the
 * commitment) agrees with every value in it.
 * Regenerate with: npx tsx test/support/generate-subject-vectors.ts
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { decodeHex, encodeBase64, encodeHex } from '../../../src/encoding/index.js';
import { eventCommitment } from '../../../src/events/index.js';
import { LogError } from '../../../src/errors.js';
import {
  type SubjectScheme,
  counterKey,
  dayKey,
  dayKeyForHour,
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
import { type ReferenceDerivation, referenceDerivation } from '../../support/subject-reference.js';

interface VectorCase extends ReferenceDerivation {
  note: string;
  scheme: SubjectScheme;
  id: string;
  'id*': string;
  year: string;
  hour: string;
}

interface Vectors {
  yearKeys: Record<string, string>;
  commitmentInput: { opening: string; details: Record<string, unknown> };
  cases: VectorCase[];
  rejected: { scheme: string; id: string; field: string; why: string }[];
}

const file = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'vectors', 'subject-tags.json');
const v = JSON.parse(readFileSync(file, 'utf8')) as Vectors;
const hex = (text: string): Uint8Array => decodeHex(text)!;
const yearKey = (c: VectorCase): Uint8Array => hex(v.yearKeys[c.year]!);

describe('subject-tags.json', () => {
  test('is a real document: year keys of 32 bytes, cases with three entries, rejections', () => {
    for (const k of Object.values(v.yearKeys)) expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(v.cases.length).toBeGreaterThanOrEqual(8);
    expect(v.rejected.length).toBeGreaterThanOrEqual(10);
    for (const c of v.cases) {
      expect(c.entries.map((e) => e.j)).toEqual([0, 1, 2]);
      expect(c.year).toBe(c.hour.slice(0, 4));
    }
    expect(new Set(v.cases.map((c) => c.scheme))).toEqual(new Set(['nino', 'customer-ref']));
  });

  describe.each(v.cases.map((c, i) => [`${i}: ${c.scheme} ${JSON.stringify(c.id)} ${c.hour}`, c] as const))('%s', (_, c) => {
    test('(a) the node:crypto reference derives every value', () => {
      const { note: _note, scheme, id: _id, 'id*': idStar, year: _year, hour, ...derived } = c;
      expect(derived).toEqual(referenceDerivation(v.yearKeys[c.year]!, scheme, idStar, hour, c.entries.length));
    });

    test('(b) src/subject: id*', () => {
      expect(normalizeSubjectId(c.scheme, c.id)).toBe(c['id*']);
      expect(normalizeSubjectId(c.scheme, c['id*'])).toBe(c['id*']);
    });

    test('(b) src/subject: K_s, K_month, K_day, counterKey', () => {
      const kS = subjectKey(yearKey(c), c.scheme, c.id);
      expect(encodeHex(kS)).toBe(c.K_s);
      const kMonth = monthKey(kS, c.hour.slice(0, 7));
      expect(encodeHex(kMonth)).toBe(c.K_month);
      const kDay = dayKey(kMonth, c.hour.slice(8, 10));
      expect(encodeHex(kDay)).toBe(c.K_day);
      expect(encodeHex(dayKeyForHour(yearKey(c), c.scheme, c.id, c.hour))).toBe(c.K_day);
      expect(encodeHex(counterKey(kDay))).toBe(c.counterKey);
    });

    test('(b) src/subject: tag_j, its prefix, reveal_j and SHA-256(reveal_j)', () => {
      const kDay = hex(c.K_day);
      for (const e of c.entries) {
        const tag = subjectTag(kDay, e.j);
        expect(encodeHex(tag)).toBe(e.tag_j);
        expect(tagPrefix(tag)).toBe(e.prefix);
        const reveal = revealToken(kDay, e.j);
        expect(encodeHex(reveal)).toBe(e.reveal_j);
        expect(createHash('sha256').update(reveal).digest('hex')).toBe(e['SHA-256(reveal_j)']);
      }
    });

    test('(b) src/events: the commitment of an event about the subject, made from the id as the partner sent it', () => {
      const opening = hex(v.commitmentInput.opening);
      expect(encodeBase64(eventCommitment(opening, v.commitmentInput.details, { scheme: c.scheme, id: c.id }))).toBe(c.commitment);
      expect(encodeBase64(eventCommitment(opening, v.commitmentInput.details, { scheme: c.scheme, id: c['id*'] }))).toBe(c.commitment);
    });

    test('(b) src/subject: held keys format, parse and narrow to the same keys', () => {
      const subject = { kind: 'subject', year: c.year, key: hex(c.K_s) } as const;
      const month = { kind: 'month', month: c.hour.slice(0, 7), key: hex(c.K_month) } as const;
      const day = { kind: 'day', day: c.hour.slice(0, 10), key: hex(c.K_day) } as const;
      expect(formatHeldKey(subject)).toBe(c.heldKeys.subject);
      expect(formatHeldKey(month)).toBe(c.heldKeys.month);
      expect(formatHeldKey(day)).toBe(c.heldKeys.day);
      expect(parseHeldKey(c.heldKeys.subject)).toEqual(subject);
      expect(parseHeldKey(c.heldKeys.month)).toEqual(month);
      expect(parseHeldKey(c.heldKeys.day)).toEqual(day);
      expect(deriveMonthKey(parseHeldKey(c.heldKeys.subject), month.month)).toEqual(month);
      expect(deriveDayKey(parseHeldKey(c.heldKeys.subject), day.day)).toEqual(day);
      expect(deriveDayKey(parseHeldKey(c.heldKeys.month), day.day)).toEqual(day);
    });
  });

  test('ids that normalise alike share their keys; the same text in another scheme does not', () => {
    const byIdStar = new Map<string, string>();
    for (const c of v.cases) {
      const key = `${c.scheme}\n${c['id*']}\n${c.year}`;
      const seen = byIdStar.get(key);
      if (seen === undefined) byIdStar.set(key, c.K_s);
      else expect(c.K_s).toBe(seen);
    }
    expect(new Set(byIdStar.values()).size).toBe(byIdStar.size);
  });

  test.each(v.rejected.map((r) => [`${r.scheme} ${JSON.stringify(r.id)} (${r.why})`, r] as const))('rejects %s', (_, r) => {
    let thrown: unknown;
    try {
      normalizeSubjectId(r.scheme, r.id);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(LogError);
    const e = thrown as LogError;
    expect(e.code).toBe('MALFORMED_REQUEST');
    expect(e.field).toBe(r.field);
    expect(e.hint).toBeTruthy();
    // The id is personal data: it is never echoed, in any spelling.
    const spellings = [r.id, r.id.replaceAll(' ', ''), r.id.replaceAll(' ', '').toUpperCase()].filter((s) => s.trim().length >= 4);
    for (const s of spellings) {
      expect(e.message).not.toContain(s);
      expect(e.hint).not.toContain(s);
    }
  });
});
