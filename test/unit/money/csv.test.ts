/**
 * The CSV reader: what spreadsheets write (a BOM, CRLF, quoted fields with commas, quotes and
 * line breaks, trailing empty columns, blank lines), the line each row starts on, refusals
 * with their line, and the same rows whatever the chunks the file arrives in (against a
 * naive encoder of random rows).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CsvReader, parseCsv } from '../../../src/money/index.js';
import { expectLogError } from '../../support/errors.js';

describe('parseCsv', () => {
  test('a BOM, CRLF, quotes, commas and line breaks in quotes, trailing empty columns, blank lines', () => {
    const text = '\uFEFFa,b,,\r\n"x, y","say ""hi""",,\r\n\r\n"two\r\nlines",z,,\r\n,,\r\nlast,1';
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ['a', 'b', '', ''] },
      { line: 2, cells: ['x, y', 'say "hi"', '', ''] },
      { line: 4, cells: ['two\r\nlines', 'z', '', ''] },
      { line: 7, cells: ['last', '1'] },
    ]);
  });

  test('old Mac line ends and a final line break', () => {
    expect(parseCsv('a,b\rc,d\r')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['c', 'd'] },
    ]);
  });

  test('a quote in an unquoted field, text after a closing quote, an unclosed quote: refused with the line', () => {
    expect(expectLogError(() => parseCsv('a,b\nx"y,z'), 'MALFORMED_REQUEST').message).toContain('line 2');
    expect(expectLogError(() => parseCsv('a\n"x"y'), 'MALFORMED_REQUEST').message).toContain('line 2');
    expect(expectLogError(() => parseCsv('a\n\n"never closed'), 'MALFORMED_REQUEST').message).toContain('line 3');
  });

  test('a field that never ends is cut off, not read into memory without bound', () => {
    expectLogError(() => parseCsv(`"${'x'.repeat(70_000)}`), 'MALFORMED_REQUEST');
  });
});

/** RFC 4180 as a careful writer does it: quoted when needed. */
function encode(rows: string[][], eol: string): string {
  return rows.map((r) => r.map((c) => (/[",\r\n]/.test(c) || c === '' ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join(eol) + eol;
}

describe('against a naive encoder', () => {
  test('random rows, any line ends, split into random chunks, read back the same', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r', '£', 'é'), maxLength: 6 });
    const row = fc.array(cell, { minLength: 1, maxLength: 4 }).filter((r) => r.some((c) => c.trim() !== ''));
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'), fc.array(fc.nat(), { maxLength: 6 }), (rows, eol, cuts) => {
        const text = encode(rows, eol);
        const reader = new CsvReader();
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const got = [];
        let from = 0;
        for (const p of [...points, text.length]) {
          got.push(...reader.push(text.slice(from, p)));
          from = p;
        }
        got.push(...reader.end());
        expect(got.map((r) => r.cells)).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });
});

describe('text that is not UTF-8', () => {
  test('a file saved as Windows-1252 is refused at the line of its first such byte, not read as a guess', () => {
    const bytes = Buffer.concat([Buffer.from('Date,Amount\r\n01/01/2026,'), Buffer.from([0xa3]), Buffer.from('45,000.00\r\n')]);
    const e = expectLogError(() => parseCsv(new TextDecoder().decode(bytes)), 'MALFORMED_REQUEST');
    expect(e.message).toBe('line 2 is not UTF-8 text');
    expect(e.hint).toContain('CSV UTF-8');
  });
});
