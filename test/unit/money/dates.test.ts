/**
 * Days as bodies publish them, read into YYYY-MM-DD (src/money/dates.ts): day first as UK
 * files are; what only reads as month first, two-digit years and spreadsheet serials are
 * refused, not guessed; every answer is a day of the calendar.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { expectLogError } from '../../support/errors.js';
import { isDay, parsePublishedDate } from '../../../src/money/index.js';

describe('parsePublishedDate', () => {
  test.each([
    ['31/01/2026', '2026-01-31'],
    ['1/2/2026', '2026-02-01'],
    ['01.02.2026', '2026-02-01'],
    ['01-02-2026', '2026-02-01'],
    ['2026-02-01', '2026-02-01'],
    ['2026-02-01T00:00:00', '2026-02-01'],
    ['31/01/2026 00:00:00', '2026-01-31'],
    ['31/01/2026 00:00', '2026-01-31'],
    ['31 Jan 2026', '2026-01-31'],
    ['31-JAN-2026', '2026-01-31'],
    ['3 September 2026', '2026-09-03'],
    ['3 Sept 2026', '2026-09-03'],
    ['29/02/2024', '2024-02-29'],
    [' 05/04/2026 ', '2026-04-05'],
  ])('%j is %s', (text, day) => {
    expect(parsePublishedDate(text, 'paymentDate')).toBe(day);
  });

  test.each([
    ['', /empty/],
    ['01/31/2026', /month first/],
    ['31/13/2026', /not a day of the calendar/],
    ['29/02/2026', /not a day of the calendar/],
    ['29/02/1900', /not a day of the calendar/],
    ['31/04/2026', /not a day of the calendar/],
    ['00/01/2026', /not a day of the calendar/],
    ['01/01/1899', /not a day of the calendar/],
    ['01/01/26', /two-digit year/],
    ['46023', /serial/],
    ['31/01-2026', /not a day/],
    ['31 Foo 2026', /no month called/],
    ['2026-1-31', /not a day/],
    ['٣١/٠١/٢٠٢٦', /not a day/], // Arabic-Indic digits are not digits here
    ['tomorrow', /not a day/],
  ])('%j is refused (%s), naming the field', (text, why) => {
    const error = expectLogError(() => parsePublishedDate(text, 'paymentDate'), 'MALFORMED_REQUEST');
    expect(error.message).toMatch(why);
    expect(error.field).toBe('paymentDate');
  });

  test('every day of the calendar, written day first or as ISO, reads back; isDay agrees with Date', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString().slice(0, 10);
        const [y, m, day] = iso.split('-');
        expect(parsePublishedDate(`${day}/${m}/${y}`, 'f')).toBe(iso);
        expect(parsePublishedDate(iso, 'f')).toBe(iso);
        expect(isDay(Number(y), Number(m), Number(day))).toBe(true);
      }),
    );
    for (let year = 1900; year <= 2199; year++) {
      const feb29 = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
      expect(isDay(year, 2, 29), String(year)).toBe(feb29);
    }
  });
});
