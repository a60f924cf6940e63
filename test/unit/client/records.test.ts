/**
 * The client's public-money records: listed page by page as the log says they stand, then
 * checked against the log itself — each row's entries proved in a checkpoint signed by the
 * log key, agreeing with one another, the current one holding the row. Rows a lying server
 * changed are caught.
 */
import { describe, expect, test } from 'vitest';
import { createClient, listRecords, verifyRecords } from '../../../src/client/index.js';
import { MemoryStore } from '../../support/memory-store.js';
import { exampleRecord } from '../../support/money-examples.js';
import { expectRejectsWith } from '../../support/log-store-contract.js';
import { newTestLog } from '../../support/test-log.js';

const QUERY = { body: 'partner-a', type: 'spend', from: '2026-01-01', to: '2026-01-31' } as const;

async function setup() {
  const log = await newTestLog(new MemoryStore());
  const post = async (records: unknown[]) => {
    const res = await log.app.request('/v1/records', { method: 'POST', body: JSON.stringify({ records }), headers: { authorization: `Bearer ${log.token}`, 'content-type': 'application/json' } });
    return ((await res.json()) as { results: { index: number }[] }).results.map((r) => r.index);
  };
  const spend = (n: number, amount = 100) => exampleRecord('spend', { body: 'partner-a', transactionNumber: `T${n}`, amount });
  const [a, b, c] = await post([spend(1), spend(2), spend(3)]);
  await post([
    { ...exampleRecord('amend', { body: 'partner-a', target: a, record: spend(1, 150) }) },
    { ...exampleRecord('withdraw', { body: 'partner-a', target: b }) },
  ]);
  /** A client whose GET /v1/records answers pass through `lie` first. */
  const client = (lie?: (body: { records: Record<string, unknown>[] }) => void) =>
    createClient({
      url: 'http://log.test',
      fetch: async (url, init) => {
        const res = await log.app.request(url, init);
        if (lie === undefined || !url.includes('/v1/records?')) return res;
        const body = (await res.json()) as { records: Record<string, unknown>[] };
        lie(body);
        return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
  return { log, client, indices: { a: a!, b: b!, c: c! } };
}

describe('records', () => {
  test('listed as they stand, each with its history, and verified against the log key', async () => {
    const { log, client, indices } = await setup();
    const rows = await listRecords(client(), QUERY);
    expect(rows.map((r) => [r.index, r.record.amount, r.withdrawnBy === null, r.history.length])).toEqual([
      [indices.a, 150, true, 1],
      [indices.b, 100, false, 1],
      [indices.c, 100, true, 0],
    ]);
    const checkpoint = await verifyRecords(client(), log.meta.verifierKey, rows);
    expect(checkpoint.treeSize).toBe((await log.store.readHead()).treeSize);
  });

  test.each([
    ['an amount changed', (b: { records: Record<string, unknown>[] }) => ((b.records[0]!.record as { amount: number }).amount = 999)],
    ['an amended record shown as first published', (b: { records: Record<string, unknown>[] }) => ((b.records[0]!.current = b.records[0]!.index), ((b.records[0]!.record as { amount: number }).amount = 100))],
    ['a withdrawal hidden', (b: { records: Record<string, unknown>[] }) => (b.records[1]!.withdrawnBy = null)],
    ['another record under a row', (b: { records: Record<string, unknown>[] }) => (b.records[2]!.record = b.records[1]!.record)],
    ['an entry past the checkpoint', (b: { records: Record<string, unknown>[] }) => (b.records[2]!.index = 10_000)],
  ])('a lying server is caught: %s', async (_what, lie) => {
    const { log, client } = await setup();
    const rows = await listRecords(client(lie), QUERY);
    await expectRejectsWith(verifyRecords(client(), log.meta.verifierKey, rows), 'INVALID_PROOF');
  });
});
