/**
 * `sightline advocate-key`: the month and day keys a claimant hands to an advocate, made from
 * the key the claimant holds. A key only narrows: a subject key gives the months and days of
 * its year, a month key the days of its month, a day key nothing; anything else is refused
 * with one line naming the flag, exit 2, and no key printed. The key is never echoed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { deriveDayKey, deriveMonthKey, formatHeldKey, parseHeldKey } from '../../src/subject/index.js';
import { NINO_A, subjectKeyText } from '../support/client-harness.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('advocate-key');
const subject = subjectKeyText(NINO_A, '2026');
const month = formatHeldKey(deriveMonthKey(parseHeldKey(subject), '2026-03'));
const day = formatHeldKey(deriveDayKey(parseHeldKey(subject), '2026-03-04'));

const ONE_LINE = /^sightline: [^\n]+\n$/;

describe('sightline advocate-key', () => {
  test('a subject key gives month and day keys of its year, one a line in the order asked; the same keys the claimant derives', async () => {
    const r = await runCli(['advocate-key', '--key', subject, '--month', '2026-03', '--month', '2026-11', '--day', '2026-03-04']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${month}\n${formatHeldKey(deriveMonthKey(parseHeldKey(subject), '2026-11'))}\n${day}\n`);
  });

  test('a month key gives the day keys of its month: the same day key a subject key gives', async () => {
    const r = await runCli(['advocate-key', '--key', month, '--day', '2026-03-04', '--day', '2026-03-31']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(day);
    expect(r.stdout.split('\n')).toHaveLength(3);
  });

  test('the key from standard input (--key -) or from a file', async () => {
    const piped = await runCli(['advocate-key', '--key', '-', '--day', '2026-03-04'], {}, `${month}\n`);
    expect(piped).toEqual({ code: 0, stdout: `${day}\n`, stderr: '' });
    const file = join(dir, 'month.key');
    writeFileSync(file, `${month}\n`);
    expect((await runCli(['advocate-key', '--key', file, '--day', '2026-03-04'])).stdout).toBe(`${day}\n`);
  });

  test.each([
    ['a month key asked for a day of another month', [month, '--day', '2026-04-01'], /--day "2026-04-01": the month key of 2026-03 does not cover 2026-04-01/],
    ['a month key asked for a month key', [month, '--month', '2026-03'], /the month key of 2026-03 gives day keys only/],
    ['a day key asked for anything', [day, '--day', '2026-03-04'], /the day key of 2026-03-04 gives no other key/],
    ['a subject key asked for a month of another year', [subject, '--month', '2025-12'], /--month "2025-12": the subject key of 2026 does not cover 2025-12; a subject key covers its own year only, 2026/],
    ['a subject key asked for a day of another year', [subject, '--day', '2027-01-01'], /--day "2027-01-01": the subject key of 2026 does not cover 2027-01-01/],
    ['a day that is not a date', [subject, '--day', '2026-02-30'], /--day "2026-02-30": day must be a real date/],
    ['no month or day asked for', [subject], /advocate-key needs --month YYYY-MM or --day YYYY-MM-DD/],
    ['a key that is not one', ['subject-key:2026:' + 'AB'.repeat(32), '--day', '2026-03-04'], /^sightline: --key: /],
  ])('refused: %s', async (_what, [key, ...rest], message) => {
    const r = await runCli(['advocate-key', '--key', key!, ...rest]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(ONE_LINE);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain(key!.slice(-64)); // never the key's secret part
  });
});
