/**
 * The ledger anyone recomputes from a log's records: history per record, and each
 * publication's count and totals checked against the records of its period, against a
 * naive recount over random logs.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MoneyAudit, type MoneyAuditState, type MoneyRecord, validateRecord } from '../../../src/money/index.js';
import { MoneyLedger } from '../../support/money-ledger.js';
import { exampleRecord } from '../../support/money-examples.js';

function spend(n: number, amount: number, date = '2026-01-15'): MoneyRecord {
  return validateRecord(exampleRecord('spend', { transactionNumber: `T${n}`, amount, date }));
}

function publication(count: number, total: bigint | undefined, overrides: Record<string, unknown> = {}): MoneyRecord {
  return validateRecord(exampleRecord('publication', { count, totals: total === undefined ? {} : { GBP: total.toString() }, nothingToReport: count === 0, ...overrides }));
}

function ledgerOf(records: readonly MoneyRecord[]): MoneyLedger {
  const ledger = new MoneyLedger();
  records.forEach((r, i) => ledger.add(i, r));
  return ledger;
}

describe('publications', () => {
  test('a statement that matches its period; rows outside the period, of another type or body, do not count', () => {
    const ledger = ledgerOf([
      spend(1, 100),
      spend(2, 250),
      spend(3, 999, '2026-02-01'),
      validateRecord(exampleRecord('local-spend')),
      validateRecord(exampleRecord('spend', { body: 'hmrc', transactionNumber: 'X' })),
      publication(2, 350n),
    ]);
    const [check] = ledger.checkPublications();
    expect(check).toMatchObject({ leafIndex: 5, matches: true, found: { count: 2, totals: { GBP: '350' } }, lateEntries: [] });
    expect(ledger.findings).toEqual([]);
  });

  test('a row added to a closed period is flagged, with the entry that added it', () => {
    const ledger = ledgerOf([spend(1, 100), publication(1, 100n), spend(2, 5)]);
    const [check] = ledger.checkPublications();
    expect(check).toMatchObject({ matches: false, declared: { count: 1 }, found: { count: 2, totals: { GBP: '105' } }, lateEntries: [2] });
  });

  test('an amendment and a withdrawal change what the period holds; an amended statement can match again', () => {
    const records = [
      spend(1, 100),
      spend(2, 200),
      publication(2, 300n),
      validateRecord(exampleRecord('amend', { target: 0, record: exampleRecord('spend', { transactionNumber: 'T1', amount: 150 }) })),
      validateRecord(exampleRecord('withdraw', { target: 1 })),
    ];
    const ledger = ledgerOf(records);
    expect(ledger.checkPublications()[0]).toMatchObject({ matches: false, found: { count: 1, totals: { GBP: '150' } }, lateEntries: [3, 4] });
    expect(ledger.recordAt(3)?.leafIndex).toBe(0);
    expect(ledger.recordAt(0)?.history.map((h) => h.record.type)).toEqual(['amend']);
    expect(ledger.recordAt(1)?.withdrawnAt).toBe(4);
    const restated = ledgerOf([...records, validateRecord(exampleRecord('amend', { target: 2, record: exampleRecord('publication', { count: 1, totals: { GBP: '150' } }) }))]);
    expect(restated.checkPublications()[0]).toMatchObject({ leafIndex: 2, matches: true, lateEntries: [] });
  });

  test('nothing to report matches an empty period, and stops matching when a row arrives', () => {
    expect(ledgerOf([publication(0, undefined)]).checkPublications()[0]!.matches).toBe(true);
    expect(ledgerOf([publication(0, undefined), spend(1, 1)]).checkPublications()[0]!.matches).toBe(false);
  });

  test('totals past 2^53 pence are exact', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const ledger = ledgerOf([spend(1, big), spend(2, big), spend(3, 1), publication(3, 2n * BigInt(big) + 1n)]);
    expect(ledger.checkPublications()[0]).toMatchObject({ matches: true, found: { totals: { GBP: '18014398509481983' } } });
  });

  test('what a well-behaved log refuses is reported as a finding', () => {
    const ledger = ledgerOf([
      spend(1, 1),
      spend(1, 2),
      validateRecord(exampleRecord('withdraw', { target: 9 })),
      validateRecord(exampleRecord('withdraw', { target: 0, body: 'hmrc' })),
      validateRecord(exampleRecord('amend', { target: 0, record: exampleRecord('spend', { transactionNumber: 'other' }) })),
    ]);
    expect(ledger.findings).toHaveLength(4);
  });
});

describe('against a naive recount', () => {
  test('count and totals of random logs of lines, amendments, withdrawals and a statement', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('line' as const), amount: fc.integer({ min: -1e9, max: 1e9 }), day: fc.integer({ min: 1, max: 28 }), month: fc.integer({ min: 1, max: 2 }) }),
      fc.record({ kind: fc.constant('amend' as const), of: fc.nat(), amount: fc.integer({ min: 0, max: 1e9 }) }),
      fc.record({ kind: fc.constant('withdraw' as const), of: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const records: MoneyRecord[] = [];
        // The naive model: each line's standing amount and month, by its original index.
        const lines = new Map<number, { amount: number; month: number; day: number; n: number; withdrawn: boolean }>();
        let n = 0;
        for (const o of ops) {
          const standing = [...lines].filter(([, l]) => !l.withdrawn);
          if (o.kind === 'line') {
            lines.set(records.length, { amount: o.amount, month: o.month, day: o.day, n: ++n, withdrawn: false });
            records.push(spend(n, o.amount, `2026-0${o.month}-${String(o.day).padStart(2, '0')}`));
          } else if (standing.length > 0) {
            const [index, line] = standing[o.of % standing.length]!;
            if (o.kind === 'amend') {
              line.amount = o.amount;
              records.push(validateRecord(exampleRecord('amend', { target: index, record: exampleRecord('spend', { transactionNumber: `T${line.n}`, amount: o.amount, date: `2026-0${line.month}-${String(line.day).padStart(2, '0')}` }) })));
            } else {
              line.withdrawn = true;
              records.push(validateRecord(exampleRecord('withdraw', { target: index })));
            }
          }
        }
        const january = [...lines.values()].filter((l) => !l.withdrawn && l.month === 1);
        const total = january.reduce((t, l) => t + BigInt(l.amount), 0n);
        const ledger = ledgerOf([...records, publication(january.length, january.length === 0 ? undefined : total)]);
        const [check] = ledger.checkPublications();
        expect(ledger.findings).toEqual([]);
        expect(check!.found.count).toBe(january.length);
        expect(check!.matches).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the recount a monitor keeps between runs', () => {
  test('its state, read back, checks as the whole log read at once', () => {
    const records = [spend(1, 100), spend(2, 200), publication(2, 300n), validateRecord(exampleRecord('amend', { target: 0, record: exampleRecord('spend', { transactionNumber: 'T1', amount: 150 }) })), spend(3, 7)];
    const whole = new MoneyAudit();
    records.forEach((r, i) => whole.add(i, r));
    const first = new MoneyAudit();
    records.slice(0, 2).forEach((r, i) => first.add(i, r));
    const second = new MoneyAudit(JSON.parse(JSON.stringify(first.state())) as MoneyAuditState);
    records.slice(2).forEach((r, i) => second.add(i + 2, r));
    expect(second.check()).toEqual(whole.check());
    expect(second.state()).toEqual(whole.state());
  });

  test('a mismatch is reported once per version of the statement, and again after a restatement that breaks too', () => {
    const audit = new MoneyAudit();
    [spend(1, 100), publication(1, 100n)].forEach((r, i) => audit.add(i, r));
    expect(audit.newMismatches()).toEqual([]);
    audit.add(2, spend(2, 5));
    expect(audit.newMismatches().map((c) => c.leafIndex)).toEqual([1]);
    expect(audit.newMismatches()).toEqual([]);
    const reread = new MoneyAudit(audit.state());
    expect(reread.newMismatches()).toEqual([]);
    reread.add(3, validateRecord(exampleRecord('amend', { target: 1, record: exampleRecord('publication', { count: 1, totals: { GBP: '100' } }) })));
    expect(reread.newMismatches().map((c) => c.lateEntries)).toEqual([[]]);
  });
});
