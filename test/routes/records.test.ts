/**
 * The public-money API through `app.request()`: POST /v1/records with every record type, a
 * receipt per accepted record and a problem per refused one (by position, the others going
 * ahead), replays, keys already taken, amendments, withdrawals and repayments and what they
 * may name, redaction with sealed values, the request's own limits, and the schemas.
 */
import { describe, expect, test } from 'vitest';
import type { LogErrorCode } from '../../src/errors.js';
import { eventCommitment, leafKind, parseEventLeaf } from '../../src/events/index.js';
import { createRateLimiter } from '../../src/http/rate-limit.js';
import { MAX_RECORDS_PER_REQUEST, problemType } from '../../src/http/index.js';
import { RECORD_SCHEMAS, RECORD_TYPES, REDACTED, type RecordType, parseMoneyLeaf } from '../../src/money/index.js';
import { verifyReceipt } from '../../src/receipt/index.js';
import { addPartner } from '../../src/cli/partners.js';
import { createAccounts } from '../../src/cli/accounts.js';
import { MemoryStore } from '../support/memory-store.js';
import { exampleRecord } from '../support/money-examples.js';
import { accessDraft } from '../support/events.js';
import { newTestLog } from '../support/test-log.js';

type Log = Awaited<ReturnType<typeof newTestLog>>;
type Result = { position: number; status: 'created' | 'duplicate' | 'refused'; index?: number; leafHash?: string; receipt?: string; problem?: Record<string, unknown> };
type Answer = { accepted: number; refused: number; results: Result[] };

const BODY = 'partner-a';

/** A record of `type` by partner-a (an amendment's record too). */
function rec(type: RecordType, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = exampleRecord(type, { body: BODY });
  if (type === 'amend') base.record = { ...(base.record as object), body: BODY };
  return { ...base, ...overrides };
}

async function post(log: Log, body: unknown, token = log.token): Promise<Response> {
  return log.app.request('/v1/records', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
}

async function record(log: Log, records: unknown[], token = log.token): Promise<Answer> {
  const res = await post(log, { records }, token);
  const body = (await res.json()) as Answer;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

async function one(log: Log, r: unknown): Promise<Result> {
  return (await record(log, [r])).results[0]!;
}

async function leafAt(log: Log, index: number): Promise<Uint8Array> {
  return (await log.store.readEntries(index, 1))[0]!;
}

async function expectProblem(res: Response, status: number, code: LogErrorCode, field?: string): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  expect({ status: res.status, code: body.code }).toEqual({ status, code });
  if (field !== undefined) expect(body.field).toBe(field);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(typeof body.hint).toBe('string');
  return body;
}

function refusal(r: Result, code: LogErrorCode, field?: string): Record<string, unknown> {
  expect(r.status, JSON.stringify(r)).toBe('refused');
  expect(r.problem!.code).toBe(code);
  expect(r.problem!.type).toBe(problemType(code));
  if (field !== undefined) expect(r.problem!.field).toBe(field);
  expect(typeof r.problem!.hint).toBe('string');
  return r.problem!;
}

describe('POST /v1/records', () => {
  test('one of each line type and a publication in one request: each committed, each with a receipt that verifies against its leaf', async () => {
    const log = await newTestLog(new MemoryStore());
    const types = ['spend', 'local-spend', 'card', 'grant', 'contract', 'expense', 'publication'] as const;
    const answer = await record(log, types.map((t) => rec(t)));
    expect(answer).toMatchObject({ accepted: types.length, refused: 0 });
    for (const [i, r] of answer.results.entries()) {
      expect(r).toMatchObject({ position: i, status: 'created' });
      const leaf = await leafAt(log, r.index!);
      expect(parseMoneyLeaf(leaf)).toEqual(rec(types[i]!));
      expect(leafKind(leaf)).toBe('money');
      expect(verifyReceipt(r.receipt!, leaf, { log: log.verifier }).leafIndex).toBe(r.index);
    }
  });

  test('a refused record never stops the others, and is named by its position and field', async () => {
    const log = await newTestLog(new MemoryStore());
    const answer = await record(log, [rec('spend'), rec('spend', { transactionNumber: 'T2', amount: '45000.00' }), 'not a record', rec('spend', { transactionNumber: 'T3' })]);
    expect(answer).toMatchObject({ accepted: 2, refused: 2 });
    expect(answer.results.map((r) => r.status)).toEqual(['created', 'refused', 'refused', 'created']);
    refusal(answer.results[1]!, 'INVALID_RECORD', 'record.amount');
    refusal(answer.results[2]!, 'INVALID_RECORD', 'record');
    expect(answer.results[1]!.position).toBe(1);
  });

  test('a replay is answered with the first receipt; other values under a taken key are refused, naming the entry', async () => {
    const log = await newTestLog(new MemoryStore());
    const first = await one(log, rec('spend'));
    const again = await record(log, [rec('spend'), rec('spend')]);
    expect(again.results.map((r) => [r.status, r.index])).toEqual([
      ['duplicate', first.index],
      ['duplicate', first.index],
    ]);
    const changed = refusal(await one(log, rec('spend', { amount: 1 })), 'RECORD_EXISTS', 'record');
    expect(changed.existing).toBe(first.index);
    expect(String(changed.hint)).toContain(`target ${first.index}`);
    // Two different records under one key in one request: one is taken, the other refused.
    const both = await record(log, [rec('spend', { transactionNumber: 'N' }), rec('spend', { transactionNumber: 'N', amount: 2 })]);
    expect(both.results.map((r) => r.status).sort()).toEqual(['created', 'refused']);
    // Another line of the same transaction is another record.
    expect((await one(log, rec('spend', { line: 2 }))).status).toBe('created');
    expect((await log.store.readHead()).treeSize).toBe(3);
  });

  test('an amendment, a repayment and a withdrawal name an original of the same body that stands', async () => {
    const log = await newTestLog(new MemoryStore());
    const original = (await one(log, rec('expense'))).index!;
    const other = await addPartner(log.store, 'hmrc', 'HMRC', null);
    const hmrcRecord = (await record(log, [{ ...rec('expense'), body: 'hmrc' }], other.token)).results[0]!.index!;

    const amended = rec('amend', { target: original, record: rec('expense', { amountPaid: 2_000, amountNotPaid: 599 }) });
    const amend = await one(log, amended);
    expect(amend.status).toBe('created');
    expect((await one(log, amended)).index).toBe(amend.index); // the same change again is one entry
    expect((await one(log, rec('repay', { target: original }))).status).toBe('created');

    refusal(await one(log, rec('amend', { target: amend.index, record: rec('expense') })), 'INVALID_RECORD', 'target'); // an amendment is not an original
    refusal(await one(log, rec('amend', { target: hmrcRecord, record: rec('expense') })), 'INVALID_RECORD', 'target'); // another body's
    refusal(await one(log, rec('amend', { target: 999, record: rec('expense') })), 'INVALID_RECORD', 'target'); // no such entry
    refusal(await one(log, rec('amend', { target: original, record: rec('expense', { claimNumber: 'other' }) })), 'INVALID_RECORD', 'target'); // another key
    refusal(await one(log, rec('amend', { target: original, record: rec('spend') })), 'INVALID_RECORD', 'target'); // another type

    const withdrawn = await one(log, rec('withdraw', { target: original }));
    expect(withdrawn.status).toBe('created');
    expect((await one(log, rec('withdraw', { target: original }))).index).toBe(withdrawn.index);
    refusal(await one(log, rec('withdraw', { target: original, reason: 'Another reason' })), 'RECORD_EXISTS', 'target');
    refusal(await one(log, rec('amend', { target: original, record: rec('expense', { amountPaid: 1 }) })), 'INVALID_RECORD', 'target');
    refusal(await one(log, rec('repay', { target: original, amount: 7 })), 'INVALID_RECORD', 'target');
  });

  test('a withdrawal and an amendment of one record in one request: the record is not amended after it is withdrawn', async () => {
    const log = await newTestLog(new MemoryStore());
    const original = (await one(log, rec('spend'))).index!;
    const answer = await record(log, [rec('withdraw', { target: original }), rec('withdraw', { target: original, reason: 'Twice' }), rec('amend', { target: original, record: rec('spend', { amount: 3 }) })]);
    expect(answer.results.filter((r) => r.status === 'created')).toHaveLength(1);
  });

  test('a redacted payee: the leaf holds only the commitment to the true name, under a fresh opening, and a replay is still one entry', async () => {
    const log = await newTestLog(new MemoryStore());
    const sent = rec('spend', { supplier: REDACTED, sealed: { supplier: 'Jane Smith' } });
    const r = await one(log, sent);
    expect(r.status).toBe('created');
    const leaf = await leafAt(log, r.index!);
    expect(new TextDecoder().decode(leaf)).not.toContain('Jane');
    const stored = parseMoneyLeaf(leaf)!;
    expect(stored.supplier).toBe(REDACTED);
    const details = await log.store.readDetails(r.index!);
    expect(details).toBeDefined();
    expect(details && 'details' in details ? JSON.parse(details.details) : undefined).toEqual({ supplier: 'Jane Smith' });
    if (details && 'opening' in details) expect(Buffer.from(eventCommitment(details.opening, { supplier: 'Jane Smith' })).toString('base64')).toBe(stored.sealed);
    expect((await one(log, sent)).index).toBe(r.index);
    // An amendment of a redacted record seals its own values.
    const amend = await one(log, rec('amend', { target: r.index, record: rec('spend', { supplier: REDACTED, amount: 5, sealed: { supplier: 'Jane Smith' } }) }));
    expect(amend.status).toBe('created');
    expect(new TextDecoder().decode(await leafAt(log, amend.index!))).not.toContain('Jane');
  });

  test('sealed values must match the redacted fields exactly, hold no contact details, and never be a commitment', async () => {
    const log = await newTestLog(new MemoryStore());
    refusal(await one(log, rec('spend', { supplier: REDACTED, sealed: { beneficiary: 'Jane Smith' } })), 'INVALID_RECORD', 'record.sealed');
    refusal(await one(log, rec('spend', { sealed: { supplier: 'Jane Smith' } })), 'INVALID_RECORD', 'record.sealed');
    refusal(await one(log, rec('spend', { supplier: REDACTED, sealed: { supplier: '' } })), 'INVALID_RECORD', 'record.sealed');
    const p = refusal(await one(log, rec('spend', { supplier: REDACTED, sealed: { supplier: 'Jane Smith QQ123456C' } })), 'PERSONAL_DATA', 'record.sealed');
    expect(JSON.stringify(p)).not.toContain('QQ123456');
    refusal(await one(log, rec('spend', { supplier: REDACTED, sealed: 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=' })), 'INVALID_RECORD', 'record.sealed');
    refusal(await one(log, rec('spend', { supplier: REDACTED })), 'INVALID_RECORD', 'record.sealed');
    // A member name that is no field is refused without being quoted: it could be anything.
    const named = refusal(await one(log, rec('spend', { supplier: REDACTED, sealed: { QQ123456C: 'Jane Smith' } })), 'INVALID_RECORD', 'record.sealed');
    expect(JSON.stringify(named)).not.toContain('QQ123456');
    expect((await log.store.readHead()).treeSize).toBe(0);
  });

  test('personal data is refused per record, and no answer quotes it', async () => {
    const log = await newTestLog(new MemoryStore());
    const answer = await record(log, [rec('local-spend', { purpose: 'Refund to jo.bloggs@example.com' }), rec('spend')]);
    const p = refusal(answer.results[0]!, 'PERSONAL_DATA', 'record.purpose');
    expect(JSON.stringify(p)).not.toContain('bloggs');
    expect(answer.results[1]!.status).toBe('created');
  });

  test("a body records only its own records", async () => {
    const log = await newTestLog(new MemoryStore());
    refusal(await one(log, { ...rec('spend'), body: 'hmrc' }), 'FORBIDDEN', 'record.body');
  });

  test('the request itself: a token, JSON, 1 to the limit of records, no other member; nothing is written when it is refused', async () => {
    const log = await newTestLog(new MemoryStore());
    await expectProblem(await post(log, { records: [rec('spend')] }, 'wrong'), 401, 'UNAUTHORIZED');
    await expectProblem(await post(log, '{"records": ['), 400, 'MALFORMED_REQUEST', 'body');
    await expectProblem(await post(log, [rec('spend')]), 400, 'MALFORMED_REQUEST', 'body');
    await expectProblem(await post(log, { records: [] }), 400, 'MALFORMED_REQUEST', 'records');
    await expectProblem(await post(log, { records: [rec('spend')], more: 1 }), 400, 'MALFORMED_REQUEST', 'more');
    const many = Array.from({ length: MAX_RECORDS_PER_REQUEST + 1 }, (_, i) => rec('spend', { transactionNumber: `T${i}` }));
    await expectProblem(await post(log, { records: many }), 413, 'ENTRY_TOO_LARGE', 'records');
    expect((await log.store.readHead()).treeSize).toBe(0);
  });

  test('a request of n records is n writes of the partner\'s rate limit', async () => {
    let t = 0;
    const log = await newTestLog(new MemoryStore(), { rateLimit: createRateLimiter({ rate: 1, burst: 5, now: () => t }) });
    expect((await record(log, [1, 2, 3].map((n) => rec('spend', { transactionNumber: `T${n}` })))).accepted).toBe(3);
    const over = await expectProblem(await post(log, { records: [4, 5, 6].map((n) => rec('spend', { transactionNumber: `T${n}` })) }), 429, 'RATE_LIMITED', 'records');
    expect(over.retryAfter).toBeGreaterThanOrEqual(1);
    t += 10_000;
    expect((await record(log, [4, 5, 6].map((n) => rec('spend', { transactionNumber: `T${n}` })))).accepted).toBe(3);
  });

  test('a raw entry of the record form is refused: only the log writes record leaves', async () => {
    const log = await newTestLog(new MemoryStore());
    const forged = JSON.stringify({ money: rec('spend'), v: 1 });
    await expectProblem(await log.submit(forged), 422, 'RESERVED_ENTRY', 'body');
    await expectProblem(await log.submit('{"money":1,"v":1}'), 422, 'RESERVED_ENTRY', 'body');
  });
});

describe('GET /v1/record-schemas', () => {
  test('every schema, and each by type', async () => {
    const log = await newTestLog(new MemoryStore());
    const all = (await (await log.app.request('/v1/record-schemas')).json()) as { schemas: unknown };
    expect(all.schemas).toEqual(JSON.parse(JSON.stringify(RECORD_SCHEMAS)));
    for (const type of RECORD_TYPES) {
      const res = await log.app.request(`/v1/record-schemas/${type}`);
      expect(res.headers.get('content-type')).toBe('application/schema+json');
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify(RECORD_SCHEMAS[type])));
    }
    await expectProblem(await log.app.request('/v1/record-schemas/payment'), 404, 'NOT_FOUND', 'type');
  });
});

describe('GET /v1/records', () => {
  test("a body's records of a period as they stand: amended, withdrawn, moved out by an amendment, paged", async () => {
    const log = await newTestLog(new MemoryStore());
    const jan = (n: number, day = '2026-01-15') => rec('spend', { transactionNumber: `T${n}`, date: day });
    const first = await record(log, [jan(1), jan(2), jan(3), rec('spend', { transactionNumber: 'T4', date: '2026-02-01' }), rec('local-spend')]);
    const [t1, t2, t3, t4] = first.results.map((r) => r.index!);
    await record(log, [
      rec('amend', { target: t1, record: jan(1, '2026-01-20') }),
      rec('withdraw', { target: t2 }),
      rec('amend', { target: t3, record: jan(3, '2026-02-03') }),
      rec('amend', { target: t4, record: rec('spend', { transactionNumber: 'T4', date: '2026-01-31' }) }),
    ]);
    const get = (query: string) => log.app.request(`/v1/records?${query}`);
    const res = await get('body=partner-a&type=spend&from=2026-01-01&to=2026-01-31');
    expect(res.status).toBe(200);
    const page = (await res.json()) as { records: { index: number; current: number; withdrawnBy: number | null; record: Record<string, unknown> }[]; next: number | null };
    expect(page.next).toBeNull();
    expect(page.records.map((r) => [r.index, r.withdrawnBy === null, r.record.date])).toEqual([
      [t1, true, '2026-01-20'],
      [t2, false, '2026-01-15'],
      [t4, true, '2026-01-31'],
    ]);
    expect(page.records[0]!.current).toBeGreaterThan(t1!);
    expect(((await (await get('body=partner-a&type=spend&from=2026-01-01&to=2026-01-31&after=' + t2)).json()) as typeof page).records.map((r) => r.index)).toEqual([t4]);
    expect(((await (await get('body=hmrc&type=spend&from=2026-01-01&to=2026-01-31')).json()) as typeof page).records).toEqual([]);
  });

  test('every parameter is checked, and a period is at most a year', async () => {
    const log = await newTestLog(new MemoryStore());
    const get = (query: string) => log.app.request(`/v1/records?${query}`);
    await expectProblem(await get('type=spend&from=2026-01-01&to=2026-01-31'), 400, 'MALFORMED_REQUEST', 'body');
    await expectProblem(await get('body=partner-a&type=amend&from=2026-01-01&to=2026-01-31'), 400, 'MALFORMED_REQUEST', 'type');
    await expectProblem(await get('body=partner-a&type=spend&from=2026-02-30&to=2026-03-31'), 400, 'MALFORMED_REQUEST', 'from');
    await expectProblem(await get('body=partner-a&type=spend&from=2026-01-01&to=2027-01-31'), 400, 'MALFORMED_REQUEST', 'to');
    await expectProblem(await get('body=partner-a&type=spend&from=2026-02-01&to=2026-01-31'), 400, 'MALFORMED_REQUEST', 'to');
    await expectProblem(await get('body=partner-a&type=spend&from=2026-01-01&to=2026-01-31&after=01'), 400, 'MALFORMED_REQUEST', 'after');
  });
});

describe('GET /v1/records/{index}/sealed', () => {
  test("an auditor has a redacted record's sealed values opened, the opening recorded in the log first", async () => {
    const log = await newTestLog(new MemoryStore());
    const r = await one(log, rec('spend', { supplier: REDACTED, sealed: { supplier: 'Jane Smith' } }));
    const { token } = await createAccounts(log.store, log.operatorActs, 'admin').addAuditor('nao-1');
    const open = (index: number, auth = token, query = '?purpose=fraud-error-investigation&legalBasis=ukgdpr-6-1-e') =>
      log.app.request(`/v1/records/${index}/sealed${query}`, { headers: { authorization: `Bearer ${auth}` } });

    const res = await open(r.index!);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { index: number; sealed: Record<string, string>; opening: string; disclosure: number };
    expect(body.sealed).toEqual({ supplier: 'Jane Smith' });
    // The values open the record's commitment.
    const record = parseMoneyLeaf(await leafAt(log, r.index!))!;
    expect(Buffer.from(eventCommitment(new Uint8Array(Buffer.from(body.opening, 'base64')), body.sealed)).toString('base64')).toBe(record.sealed);
    // The opening is in the log, before the answer: a disclosure naming the record, under the auditor's pseudonym.
    expect(body.disclosure).toBeGreaterThan(r.index!);
    const disclosure = parseEventLeaf(await leafAt(log, body.disclosure))!;
    expect(disclosure.event).toMatchObject({ type: 'disclosure', partner: 'log-operator', target: r.index, purpose: 'fraud-error-investigation', actor: log.operatorActs.pseudonym('auditor', 'nao-1') });
    expect(JSON.stringify(disclosure)).not.toContain('Jane');
  });

  test('refused: without an auditor token (an operator or a partner token is not one), for a record with nothing sealed, without a reason; nothing is recorded', async () => {
    const log = await newTestLog(new MemoryStore());
    const r = await one(log, rec('spend', { supplier: REDACTED, sealed: { supplier: 'Jane Smith' } }));
    const plain = await one(log, rec('spend', { transactionNumber: 'T9' }));
    const accounts = createAccounts(log.store, log.operatorActs, 'admin');
    const { token } = await accounts.addAuditor('nao-1');
    const size = (await log.store.readHead()).treeSize;
    const open = (index: number, auth: string, query = '?purpose=fraud-error-investigation&legalBasis=ukgdpr-6-1-e') =>
      log.app.request(`/v1/records/${index}/sealed${query}`, { headers: { authorization: `Bearer ${auth}` } });
    await expectProblem(await open(r.index!, log.operatorToken), 401, 'UNAUTHORIZED', 'Authorization');
    await expectProblem(await open(r.index!, log.token), 401, 'UNAUTHORIZED', 'Authorization');
    await expectProblem(await open(plain.index!, token), 404, 'NOT_FOUND', 'index');
    await expectProblem(await open(999, token), 404, 'NOT_FOUND', 'index');
    await expectProblem(await open(r.index!, token, ''), 400, 'MALFORMED_REQUEST', 'purpose');
    await expectProblem(await open(r.index!, token, '?purpose=lunch&legalBasis=ukgdpr-6-1-e'), 422, 'UNKNOWN_CODE', 'purpose');
    expect((await log.store.readHead()).treeSize).toBe(size);
    // A claimant's details are never opened here: an access event's entry is no record.
    const access = (await (await log.submitEvent(accessDraft('partner-a', 1, '2026-03-14T09'))).json()) as { index: number };
    await expectProblem(await open(access.index, token), 404, 'NOT_FOUND', 'index');
    await accounts.revokeAuditor('nao-1');
    await expectProblem(await open(r.index!, token), 401, 'UNAUTHORIZED', 'Authorization');
  });
});
