/**
 * Timeline rows in words: code-list labels instead of codes (and codes without a label
 * marked, never dropped), the status of each row, corrections and erasures linked by index,
 * and a summary that says what was found.
 */
import { describe, expect, test } from 'vitest';
import { type LookupResult, type TimelineRow, parseHeldKey } from '../../../src/client/index.js';
import { DEFAULT_CODES } from '../../../src/events/index.js';
import { describeFacts, describeRow, eventView, label, rowStatus, summarise } from '../../../src/explorer/timeline.js';

const labels = DEFAULT_CODES;
const okChecks = { inclusion: true, checkpointSignature: true, tag: true, partnerSignature: true, commitment: true as boolean | 'erased' };

function row(over: Partial<TimelineRow> = {}): TimelineRow {
  return {
    index: 12,
    day: '2026-03-14',
    j: 0,
    hour: '2026-03-14T09',
    type: 'access',
    organisation: 'dwp',
    system: 'uc-full-service',
    actorRole: 'case-manager',
    actor: '5f2c9a1e7b3d4c60',
    action: 'view',
    purpose: 'claim-assessment',
    legalBasis: 'ukgdpr-6-1-e',
    categories: ['health', 'income'],
    recipient: null,
    target: null,
    partner: 'dwp-ucfs',
    checks: okChecks,
    verified: true,
    problems: [],
    ...over,
  };
}

describe('describeRow', () => {
  test('an access: labels in reading order, verified', () => {
    const view = describeRow(row(), labels);
    expect(view.status).toBe('verified');
    expect(view.heading).toBe('Your data was used');
    expect(view.when).toBe('Saturday 14 March 2026, between 9am and 10am (UK time)');
    expect(view.facts).toEqual([
      ['Who', 'Department for Work and Pensions, using Universal Credit full service'],
      ['Their role', 'Case manager'],
      ['What was done', 'Viewed a record'],
      ['Data concerned', 'Health and disability; Income and earnings'],
      ['Why', 'Assessing a claim'],
      ['The law that allows it', 'UK GDPR Article 6(1)(e): public task'],
    ]);
    expect(view.statusWords).toBe('Verified');
    expect(view.technical).toContainEqual(['Entry number (leaf index)', '12']);
    expect(view.technical).toContainEqual(['Partner signature', 'passed']);
    expect(view.corrections).toEqual([]);
  });

  test('a share names the recipient; a code without a label is shown, marked', () => {
    const view = describeRow(row({ type: 'share', action: null, recipient: 'hmrc', purpose: 'made-up-purpose' }), labels);
    expect(view.heading).toBe('Your data was sent to another organisation');
    expect(view.facts).toContainEqual(['Sent to', 'HM Revenue and Customs']);
    expect(view.facts).toContainEqual(['Why', 'made-up-purpose (a code with no description in the published lists)']);
    expect(view.facts.map(([k]) => k)).not.toContain('What was done');
  });

  test('statuses: failed wins; a verified erasure of the details is erased; corrections and erasures link by index', () => {
    expect(rowStatus(row({ verified: false, problems: ['x'] }))).toBe('failed');
    expect(rowStatus(row({ checks: { ...okChecks, commitment: 'erased' }, erasedBy: 40 }))).toBe('erased');
    expect(rowStatus(row({ verified: false, checks: { ...okChecks, commitment: 'erased' } }))).toBe('failed');
    const erased = describeRow(row({ checks: { ...okChecks, commitment: 'erased' }, erasedBy: 40, correctedBy: [30, 35] }), labels);
    expect(erased.status).toBe('erased');
    expect(erased.related).toEqual([{ index: 40, text: 'Details erased by record 40' }]);
    expect(erased.corrections).toEqual([
      { index: 30, text: 'Corrected by record 30' },
      { index: 35, text: 'Corrected by record 35' },
    ]);
    const correction = describeRow(row({ type: 'correction', target: 7, action: null, purpose: null }), labels);
    expect(correction.related).toEqual([{ index: 7, text: 'Corrects record 7' }]);
    expect(correction.facts).toContainEqual(['What was done', 'Corrected the details of record 7']);
    const failed = describeRow(row({ verified: false, problems: ['the details served for entry 12 do not open its commitment'] }), labels);
    expect(failed.statusWords).toBe('Not verified');
    expect(failed.problems).toEqual(['the details served for entry 12 do not open its commitment']);
  });

  test('a row that is not a typed event still has a heading, a day and no empty facts', () => {
    const view = describeRow(
      row({ type: null, hour: null, organisation: null, system: null, actorRole: null, actor: null, action: null, purpose: null, legalBasis: null, categories: null, partner: null, verified: false }),
      labels,
    );
    expect(view.heading).toBe('A record that could not be read');
    expect(view.when).toBe('14 March 2026 (a day in UTC)');
    expect(view.facts).toEqual([]);
    expect(view.status).toBe('failed');
  });
});

test('label, eventView and describeFacts take only what has the right type', () => {
  expect(label(labels, 'roles', null)).toBeNull();
  expect(label({}, 'roles', 'work-coach')).toBe('work-coach (a code with no description in the published lists)');
  const v = eventView({ type: 'coverage', hour: '2026-03-14T09', organisation: 'dwp', system: 7, action: 'join', categories: ['a', 3], target: -1 });
  expect(v).toMatchObject({ type: 'coverage', organisation: 'dwp', system: null, categories: null, target: null });
  expect(describeFacts(v, labels)).toEqual([
    ['Who', 'Department for Work and Pensions'],
    ['What happened', 'The system started reporting to this log'],
  ]);
});

describe('summarise', () => {
  test('a well-formed key that finds nothing: what was searched, with which key, and that a mistyped key finds nothing too, and how to tell', () => {
    const empty: LookupResult = { checkpoint: { origin: 'o', treeSize: 3, rootHash: '', note: '' }, rows: [] };
    const key = parseHeldKey(`month-key:2026-03:${'ab'.repeat(30)}9c1d`);
    const said = summarise(empty, { from: '2026-03-01', to: '2026-03-31' }, key);
    expect(said).toBe(
      'We searched the log for records about you from 1 March 2026 to 31 March 2026 (dates in UTC), with your month key for March 2026, and found none. ' +
        'If the key is right, no organisation reported using your data in those days through a system that reports to this log. ' +
        'But a key with one wrong letter finds nothing too, and looks just the same. Compare the key you entered, which ends in “9c1d”, with the key you were given, letter by letter, or ask for it again.',
    );
    expect(said).not.toContain('ab'.repeat(30)); // never the key itself
    expect(summarise(empty, { from: '2026-03-14', to: '2026-03-14' }, parseHeldKey(`day-key:2026-03-14:${'0'.repeat(64)}`))).toMatch(/^We searched the log for records about you on 14 March 2026 \(dates in UTC\), with your day key for 14 March 2026, and found none\./);
    expect(summarise(empty, { from: '2026-01-01', to: '2026-06-30' }, parseHeldKey(`subject-key:2026:${'0'.repeat(64)}`))).toMatch(/, with your key for 2026, and found none\./);
  });

  const result = (rows: TimelineRow[]): LookupResult => ({ checkpoint: { origin: 'o', treeSize: 3, rootHash: '', note: '' }, rows });
  test('none found, all verified, some not', () => {
    expect(summarise(result([]), { from: '2026-03-01', to: '2026-03-31' })).toMatch(/^We searched the log for records about you from 1 March 2026 to 31 March 2026 \(dates in UTC\), and found none\./);
    expect(summarise(result([row()]), { from: '2026-03-14', to: '2026-03-14' })).toBe('We found 1 record about you on 14 March 2026 (dates in UTC). It was checked in your browser and verified.');
    expect(summarise(result([row(), row({ index: 13, verified: false })]), { from: '2026-03-01', to: '2026-03-31' })).toBe(
      'We found 2 records about you from 1 March 2026 to 31 March 2026 (dates in UTC). 1 record could not be verified: see the records marked “Not verified”.',
    );
  });

  test('the period actually searched: a day key asked for a month says one day; a search that stops today says so', () => {
    const day = parseHeldKey(`day-key:2026-03-14:${'0'.repeat(64)}`);
    const searched = { from: '2026-03-14', to: '2026-03-14', days: 1, asked: { from: '2026-03-01', to: '2026-03-31' } };
    expect(summarise(result([]), searched, day)).toMatch(
      /^We searched the log for records about you on 14 March 2026 \(dates in UTC\), with your day key for 14 March 2026, and found none\. You asked for 1 March 2026 to 31 March 2026, but your day key for 14 March 2026 covers only 1 day of it, so only that day was searched\. /,
    );
    const month = parseHeldKey(`month-key:2026-03:${'0'.repeat(64)}`);
    expect(summarise(result([row()]), { from: '2026-03-10', to: '2026-03-31', days: 22, asked: { from: '2026-03-10', to: '2026-04-30' } }, month)).toBe(
      'We found 1 record about you from 10 March 2026 to 31 March 2026 (dates in UTC). You asked for 10 March 2026 to 30 April 2026, but your month key for March 2026 covers only 22 days of it, so only those days were searched. It was checked in your browser and verified.',
    );
    // Asked for exactly what the key covers: nothing more to say.
    expect(summarise(result([row()]), { from: '2026-03-01', to: '2026-03-31', days: 31, asked: { from: '2026-03-01', to: '2026-03-31' } }, month)).not.toContain('You asked for');
    const year = parseHeldKey(`subject-key:2026:${'0'.repeat(64)}`);
    expect(summarise(result([row()]), { from: '2026-01-01', to: '2026-12-03', days: 337, today: '2026-12-03' }, year)).toMatch(
      /^We found 1 record about you from 1 January 2026 to today, 3 December 2026 \(dates in UTC\)\./,
    );
  });
});
