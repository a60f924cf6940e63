/**
 * The typed-event API through `app.request()`: POST /v1/events and every rejection, replays
 * and sequence conflicts, details by reveal token and after erasure, tag buckets, subject
 * keys, schemas, code lists and partner sequences.
 */
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, test } from 'vitest';
import type { LogErrorCode } from '../../src/errors.js';
import { problemType } from '../../src/http/index.js';
import { DEFAULT_CODES, EVENT_TYPES, OPERATOR_PARTNER, codeListsBytes, encodeCodeListsRecord, encodeEventLeaf, leafKind, parseEventLeaf, parseLogRecord } from '../../src/events/index.js';
import { codeListsInForce } from '../../src/intake/index.js';
import { leafHash } from '../../src/merkle/index.js';
import { verifyReceipt } from '../../src/receipt/index.js';
import { dayKeyForHour, disclosureKey, parseHeldKey, revealToken, subjectKey, subjectTag, tagPrefix } from '../../src/subject/index.js';
import { verifyEventSignature } from '../../src/client/index.js';
import { fsck } from '../../src/cli/fsck.js';
import { addPartner } from '../../src/cli/partners.js';
import { MemoryStore } from '../support/memory-store.js';
import { accessDraft, code, partnerKeyPair, signedEvent, targetingEvent } from '../support/events.js';
import { TEST_YEAR_KEYS, newTestLog } from '../support/test-log.js';

type Log = Awaited<ReturnType<typeof newTestLog>>;
type Receipt = { index: number; leafHash: string; data: string; treeSize: number; receipt: string };

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const HOUR = '2026-03-14T09';
const NINO = 'AB123456C';

async function expectProblem(res: Response, status: number, code: LogErrorCode, field?: string): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  expect({ status: res.status, code: body.code, field: body.field }).toEqual({ status, code, field: field ?? body.field });
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(body.type).toBe(problemType(code));
  expect(typeof body.hint, JSON.stringify(body)).toBe('string');
  return body;
}

async function accepted(res: Response, status = 201): Promise<Receipt> {
  const body = (await res.json()) as Receipt;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

/** The tag and reveal token the log must derive for NINO's j-th entry of HOUR's day. */
function expectedTag(j: number, id = NINO, hour = HOUR) {
  const dayKey = dayKeyForHour(TEST_YEAR_KEYS[hour.slice(0, 4)]!, 'nino', id, hour);
  return { tag: hex(subjectTag(dayKey, j)), reveal: hex(revealToken(dayKey, j)) };
}

let log: Log;
const req = (path: string, init?: RequestInit) => log.app.request(path, init);
beforeEach(async () => {
  log = await newTestLog(new MemoryStore());
});

describe('POST /v1/events', () => {
  test('a valid event is appended as the canonical leaf {v, event, signature, subjectTag}, with a receipt', async () => {
    const body = signedEvent(accessDraft('partner-a', 1, HOUR), log.meta.origin, log.partnerKey.seed);
    const r = await accepted(await log.postEvent(body));
    const leaf = unb64(r.data);
    expect(r.leafHash).toBe(Buffer.from(leafHash(leaf)).toString('base64'));
    expect(verifyReceipt(r.receipt, leaf, { log: log.verifier }).leafIndex).toBe(r.index);
    const parsed = parseEventLeaf(leaf)!;
    expect(parsed.event).toEqual(body.event);
    expect(Buffer.from(parsed.signature).toString('base64')).toBe(body.signature);
    expect(parsed.subjectTag).toBe(expectedTag(0).tag);
    // The code lists were recorded first, at the index GET /v1/codes names.
    const codes = (await (await req('/v1/codes')).json()) as { sha256: string; leafIndex: number };
    expect(codes.leafIndex).toBe(r.index - 1);
    const [recordEntry] = await log.store.readEntries(codes.leafIndex, 1);
    expect(parseLogRecord(recordEntry!)).toEqual({ record: 'codes', sha256: codes.sha256, previous: null });
  });

  test('one subject on one day gets tags j = 0, 1, 2 that share nothing; another day starts again at 0', async () => {
    const tags: string[] = [];
    for (let seq = 1; seq <= 3; seq++) {
      const r = await accepted(await log.submitEvent(accessDraft('partner-a', seq, HOUR)));
      tags.push(parseEventLeaf(unb64(r.data))!.subjectTag!);
    }
    expect(tags).toEqual([0, 1, 2].map((j) => expectedTag(j).tag));
    expect(new Set(tags.map((t) => t.slice(0, 4))).size).toBeGreaterThan(1);
    const nextDay = await accepted(await log.submitEvent(accessDraft('partner-a', 4, '2026-03-15T01')));
    expect(parseEventLeaf(unb64(nextDay.data))!.subjectTag).toBe(expectedTag(0, NINO, '2026-03-15T01').tag);
    // A differently written NINO (spaces, lower case, no suffix) is the same subject.
    const same = await accepted(await log.submitEvent(accessDraft('partner-a', 5, HOUR, 'ab 12 34 56')));
    expect(parseEventLeaf(unb64(same.data))!.subjectTag).toBe(expectedTag(3).tag);
  });

  test('concurrent events about one subject and day get distinct, gapless j', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, async (_, i) => accepted(await log.submitEvent(accessDraft('partner-a', i + 1, HOUR)))));
    const tags = new Set(results.map((r) => parseEventLeaf(unb64(r.data))!.subjectTag));
    expect(tags).toEqual(new Set(Array.from({ length: 20 }, (_, j) => expectedTag(j).tag)));
  });

  test('heartbeat and coverage events concern no claimant: no subject, no subjectTag', async () => {
    const heartbeat = { type: 'heartbeat', partner: 'partner-a', partnerSeq: 1, hour: HOUR, organisation: code('organisations'), system: code('systems'), since: '2026-03-14T00', counts: { [code('purposes')]: 3 } };
    const r = await accepted(await log.submitEvent({ event: heartbeat, details: {} }));
    expect(parseEventLeaf(unb64(r.data))!.subjectTag).toBeUndefined();
    const coverage = { type: 'coverage', partner: 'partner-a', partnerSeq: 2, hour: HOUR, organisation: code('organisations'), system: code('systems'), action: 'join' };
    expect((await log.submitEvent({ event: coverage, details: { reason: 'new case system' } })).status).toBe(201);
    const withSubject = await log.submitEvent({ event: { ...coverage, partnerSeq: 3 }, subject: { scheme: 'nino', id: NINO }, details: {} });
    await expectProblem(withSubject, 400, 'MALFORMED_REQUEST', 'subject');
  });

  test('a replay returns the first receipt; a different event under a used number is 409', async () => {
    const body = signedEvent(accessDraft('partner-a', 1, HOUR), log.meta.origin, log.partnerKey.seed);
    const first = await accepted(await log.postEvent(body));
    const again = await accepted(await log.postEvent(body), 200);
    expect(again.index).toBe(first.index);
    expect(again.data).toBe(first.data);
    // Replayed with a new opening: the same public event, so the same entry.
    const reopened = signedEvent(accessDraft('partner-a', 1, HOUR), log.meta.origin, log.partnerKey.seed);
    expect((reopened.event as { commitment: string }).commitment).not.toBe((body.event as { commitment: string }).commitment);
    const conflict = await log.postEvent(reopened);
    const problem = await expectProblem(conflict, 409, 'SEQUENCE_CONFLICT', 'event.partnerSeq');
    expect(String(problem.detail)).toContain(`index ${first.index}`);
    // Concurrently: one wins, the other conflicts.
    const a = signedEvent(accessDraft('partner-a', 2, HOUR), log.meta.origin, log.partnerKey.seed);
    const b = signedEvent(accessDraft('partner-a', 2, HOUR, 'CE654321D'), log.meta.origin, log.partnerKey.seed);
    const statuses = (await Promise.all([log.postEvent(a), log.postEvent(b)])).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    expect((await (await req('/v1/log')).json()) as { treeSize: number }).toMatchObject({ treeSize: first.index + 2 });
  });

  test('schema violations are 422 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'telepathy' }, 'event.type'],
      [{ partnerSeq: 0 }, 'event.partnerSeq'],
      [{ partnerSeq: '1' }, 'event.partnerSeq'],
      [{ hour: '2026-03-14T09:30' }, 'event.hour'],
      [{ hour: '2026-02-30T09' }, 'event.hour'],
      [{ categories: [] }, 'event.categories'],
      [{ actor: 'Staff Member 12' }, 'event.actor'],
      [{ colour: 'blue' }, 'event.colour'],
    ];
    for (const [override, field] of cases) {
      const res = await log.submitEvent(accessDraft('partner-a', 1, HOUR, NINO, override));
      const body = (await res.clone().json()) as { code: string };
      expect(['INVALID_EVENT', 'PERSONAL_DATA'], JSON.stringify(override)).toContain(body.code);
      await expectProblem(res, 422, body.code as LogErrorCode, field);
    }
    const { organisation: _, ...missing } = accessDraft('partner-a', 1, HOUR).event;
    await expectProblem(await log.submitEvent({ ...accessDraft('partner-a', 1, HOUR), event: missing }), 422, 'INVALID_EVENT');
  });

  test('unknown codes are 422 UNKNOWN_CODE naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ organisation: 'ministry-of-magic' }, 'event.organisation'],
      [{ system: 'no-such-system' }, 'event.system'],
      [{ purpose: 'curiosity' }, 'event.purpose'],
      [{ legalBasis: 'because' }, 'event.legalBasis'],
      [{ categories: [code('categories'), 'shoe-size'] }, 'event.categories[1]'],
    ];
    for (const [override, field] of cases) {
      await expectProblem(await log.submitEvent(accessDraft('partner-a', 1, HOUR, NINO, override)), 422, 'UNKNOWN_CODE', field);
    }
  });

  test('personal data in a public field is 422 PERSONAL_DATA naming the field, never echoing the value', async () => {
    const cases: [string, string][] = [
      ['organisation', 'AB123456C'],
      ['system', 'jane.doe@example.org'],
      ['purpose', '07700 900123'],
      ['legalBasis', 'SW1A 1AA'],
      ['actorRole', '1985-03-12'],
      ['organisation', 'Jane Smith'],
    ];
    for (const [field, value] of cases) {
      const problem = await expectProblem(await log.submitEvent(accessDraft('partner-a', 1, HOUR, NINO, { [field]: value })), 422, 'PERSONAL_DATA', `event.${field}`);
      expect(JSON.stringify(problem)).not.toContain(value);
    }
  });

  test('a bad signature, a signature by another key, or the wrong origin is 422 BAD_EVENT_SIGNATURE', async () => {
    const body = signedEvent(accessDraft('partner-a', 1, HOUR), log.meta.origin, log.partnerKey.seed);
    const flipped = unb64(body.signature as string);
    flipped[5]! ^= 1;
    await expectProblem(await log.postEvent({ ...body, signature: Buffer.from(flipped).toString('base64') }), 422, 'BAD_EVENT_SIGNATURE', 'signature');
    await expectProblem(await log.postEvent(signedEvent(accessDraft('partner-a', 1, HOUR), log.meta.origin, partnerKeyPair('mallory').seed)), 422, 'BAD_EVENT_SIGNATURE', 'signature');
    await expectProblem(await log.postEvent(signedEvent(accessDraft('partner-a', 1, HOUR), 'another.example/log', log.partnerKey.seed)), 422, 'BAD_EVENT_SIGNATURE', 'signature');
    await expectProblem(await log.postEvent({ ...body, signature: 'not base64' }), 400, 'MALFORMED_REQUEST', 'signature');
  });

  test('details or opening that do not open the commitment are 422 COMMITMENT_MISMATCH', async () => {
    const body = signedEvent(accessDraft('partner-a', 1, HOUR), log.meta.origin, log.partnerKey.seed);
    await expectProblem(await log.postEvent({ ...body, details: { note: 'something else' } }), 422, 'COMMITMENT_MISMATCH', 'details');
    await expectProblem(await log.postEvent({ ...body, opening: Buffer.alloc(32, 1).toString('base64') }), 422, 'COMMITMENT_MISMATCH', 'details');
    await expectProblem(await log.postEvent({ ...body, opening: Buffer.alloc(31).toString('base64') }), 400, 'MALFORMED_REQUEST', 'opening');
  });

  test('a partner records only its own events, signed with its registered key', async () => {
    await expectProblem(await log.submitEvent(accessDraft('partner-b', 1, HOUR)), 403, 'FORBIDDEN', 'event.partner');
    const keyless = await addPartner(log.store, 'keyless', null);
    await expectProblem(await log.submitEvent(accessDraft('keyless', 1, HOUR), keyless.token), 403, 'FORBIDDEN', 'signature');
    await expectProblem(await log.submitEvent(accessDraft('partner-a', 1, HOUR), 'sl_wrong'), 401, 'UNAUTHORIZED', 'Authorization');
  });

  test('bad subjects and bodies are 400 naming the member, never echoing the id', async () => {
    const draft = accessDraft('partner-a', 1, HOUR);
    await expectProblem(await log.submitEvent({ ...draft, subject: undefined }), 400, 'MALFORMED_REQUEST', 'subject');
    await expectProblem(await log.submitEvent({ ...draft, subject: { scheme: 'passport', id: '123' } }), 400, 'MALFORMED_REQUEST', 'subject.scheme');
    const bad = await expectProblem(await log.submitEvent({ ...draft, subject: { scheme: 'nino', id: 'ZZ99999' } }), 400, 'MALFORMED_REQUEST', 'subject.id');
    expect(JSON.stringify(bad)).not.toContain('ZZ99999');
    await expectProblem(await log.postEvent('{"event":'), 400, 'MALFORMED_REQUEST', 'body');
    await expectProblem(await log.postEvent([]), 400, 'MALFORMED_REQUEST', 'body');
    await expectProblem(await log.postEvent({ ...signedEvent(draft, log.meta.origin, log.partnerKey.seed), extra: 1 }), 400, 'MALFORMED_REQUEST', 'extra');
    await expectProblem(await log.submitEvent(accessDraft('partner-a', 1, '2099-01-01T00')), 422, 'INVALID_EVENT', 'event.hour');
    await expectProblem(await log.submitEvent(accessDraft('partner-a', 1, '2019-01-01T00')), 422, 'INVALID_EVENT', 'event.hour');
  });

  test('nothing rejected reaches the log', async () => {
    await accepted(await log.submitEvent(accessDraft('partner-a', 1, HOUR)));
    const size = ((await (await req('/v1/log')).json()) as { treeSize: number }).treeSize;
    await log.submitEvent(accessDraft('partner-a', 2, HOUR, NINO, { organisation: 'AB123456C' }));
    await log.submitEvent(accessDraft('partner-b', 2, HOUR));
    await log.postEvent({ ...signedEvent(accessDraft('partner-a', 2, HOUR), log.meta.origin, log.partnerKey.seed), details: { x: 1 } });
    expect(((await (await req('/v1/log')).json()) as { treeSize: number }).treeSize).toBe(size);
    expect(await log.store.partnerSequence('partner-a', 10)).toMatchObject({ last: 1, count: 1 });
  });
});

describe('raw entries cannot pose as typed events or log records', () => {
  // The attacks: a partner token (here one with no signing key at all) posts, as a raw
  // entry, bytes that every reader would take for a typed event leaf or a log record.
  const unvetted = async () => (await addPartner(log.store, 'partner-raw', 'Raw only', null)).token;
  const rawPost = (bytes: Uint8Array | string, token: string) => log.submit(bytes, token);
  const treeSize = async () => ((await (await req('/v1/log')).json()) as { treeSize: number }).treeSize;

  test("another partner's genuine signed event, re-posted raw as it is or under another tag, is 422 reserved-entry", async () => {
    const genuine = await accepted(await log.submitEvent(accessDraft('partner-a', 1, HOUR)));
    const token = await unvetted();
    const size = await treeSize();
    const leaf = unb64(genuine.data);
    await expectProblem(await rawPost(leaf, token), 422, 'RESERVED_ENTRY', 'body');
    const parsed = parseEventLeaf(leaf)!;
    const retagged = encodeEventLeaf({ ...parsed, subjectTag: 'ab'.repeat(32) });
    const problem = await expectProblem(await rawPost(retagged, token), 422, 'RESERVED_ENTRY', 'body');
    expect(String(problem.hint)).toContain('/v1/events');
    expect(await treeSize()).toBe(size);
  });

  test('a self-signed event carrying personal data, and a second event under a used sequence number, are refused', async () => {
    await accepted(await log.submitEvent(accessDraft('partner-a', 1, HOUR)));
    const token = await unvetted();
    const size = await treeSize();
    // Signed by a key of the attacker's own; the organisation a name and a NINO.
    const forged = signedEvent(accessDraft('partner-a', 2, HOUR, 'AB123456C', { organisation: 'John Smith AB123456C' }), log.meta.origin, partnerKeyPair('attacker').seed);
    const forgedLeaf = encodeEventLeaf({ event: forged.event as never, signature: unb64(forged.signature as string), subjectTag: 'cd'.repeat(32) });
    await expectProblem(await rawPost(forgedLeaf, token), 422, 'RESERVED_ENTRY', 'body');
    // Equivocation: partner-a's own second event under its used number 1, posted raw.
    const second = signedEvent(accessDraft('partner-a', 1, HOUR, 'CE654321D'), log.meta.origin, log.partnerKey.seed);
    const secondLeaf = encodeEventLeaf({ event: second.event as never, signature: unb64(second.signature as string), subjectTag: 'ef'.repeat(32) });
    await expectProblem(await rawPost(secondLeaf, log.token), 422, 'RESERVED_ENTRY', 'body');
    expect(await treeSize()).toBe(size);
    expect(await (await req('/v1/partners/partner-a/sequence')).json()).toMatchObject({ last: 1, count: 1 });
  });

  test('a code-lists record, and anything with the form of an event leaf, canonical or not, is refused', async () => {
    const token = await unvetted();
    await expectProblem(await rawPost(encodeCodeListsRecord({ sha256: 'ab'.repeat(32), previous: null }), token), 422, 'RESERVED_ENTRY', 'body');
    for (const text of ['{"v":1,"event":{}}', '{ "v": 1, "event": {"type": "access"} }', '{"event":{"type":"heartbeat"},"v":1,"signature":"x"}']) {
      await expectProblem(await rawPost(text, token), 422, 'RESERVED_ENTRY', 'body');
    }
    expect(await treeSize()).toBe(0);
  });

  test('every other entry, JSON included, is still a raw entry, and read as one', async () => {
    const token = await unvetted();
    for (const text of ['plain text', '{"v":1,"note":"not an event"}', '{"v":2,"event":{}}', '{"record":"codes"}', '[1,2,3]', '{"v":1,"record":"codes","sha256":"00","previous":null}']) {
      const r = await accepted(await rawPost(text, token));
      const [stored] = await log.store.readEntries(r.index, 1);
      expect(leafKind(stored!)).toBe('raw');
    }
  });
});

describe('details, erasure and correction', () => {
  test('the reveal token opens exactly its own entry; an operator token opens any; others are refused', async () => {
    const body = signedEvent(accessDraft('partner-a', 1, HOUR), log.meta.origin, log.partnerKey.seed);
    const r = await accepted(await log.postEvent(body));
    const second = await accepted(await log.submitEvent(accessDraft('partner-a', 2, HOUR)));
    const { reveal } = expectedTag(0);
    const res = await req(`/v1/entries/${r.index}/details`, { headers: { authorization: `Bearer ${reveal}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ index: r.index, details: body.details, opening: body.opening });
    await expectProblem(await req(`/v1/entries/${second.index}/details`, { headers: { authorization: `Bearer ${reveal}` } }), 403, 'FORBIDDEN', 'Authorization');
    await expectProblem(await req(`/v1/entries/${r.index}/details`), 401, 'UNAUTHORIZED', 'Authorization');
    await expectProblem(await req(`/v1/entries/${r.index}/details`, { headers: { authorization: 'Bearer sl_nobody' } }), 403, 'FORBIDDEN');
    const asOperator = await req(`/v1/entries/${second.index}/details?purpose=subject-access-request&legalBasis=ukgdpr-6-1-c`, { headers: { authorization: `Bearer ${log.operatorToken}` } });
    expect(asOperator.status).toBe(200);
    const raw = (await (await log.submit('a raw entry')).json()) as { index: number };
    await expectProblem(await req(`/v1/entries/${raw.index}/details`, { headers: { authorization: `Bearer ${reveal}` } }), 404, 'NOT_FOUND', 'index');
    await expectProblem(await req('/v1/entries/999/details'), 404, 'NOT_FOUND', 'index');
  });

  test('an erasure deletes the details in its own commit: 410 naming it, and the tree still checks', async () => {
    const target = await accepted(await log.submitEvent(accessDraft('partner-a', 1, HOUR)));
    const erasure = targetingEvent('erasure', 'partner-a', 2, '2026-03-20T10', target.index);
    const erased = await accepted(await log.submitEvent({ event: erasure, subject: { scheme: 'nino', id: NINO }, details: { reason: 'recorded against the wrong claimant' } }));
    const problem = await expectProblem(await req(`/v1/entries/${target.index}/details`, { headers: { authorization: `Bearer ${expectedTag(0).reveal}` } }), 410, 'ERASED', 'index');
    expect(problem.erasedBy).toBe(erased.index);
    expect(await log.store.readDetails(target.index)).toEqual({ erasedBy: erased.index });
    // The leaf, the proofs and fsck are untouched by erasure.
    const [leaf] = await log.store.readEntries(target.index, 1);
    expect(hex(leaf!)).toBe(hex(unb64(target.data)));
    expect(verifyReceipt(await (await req(`/v1/receipts/${target.index}`)).text(), leaf!, { log: log.verifier }).leafIndex).toBe(target.index);
    expect((await fsck(log.store)).problems).toEqual([]);
    // Erasing again, erasing what is not an event, or another partner's event: 422 naming the target.
    await expectProblem(await log.submitEvent({ event: { ...erasure, partnerSeq: 3 }, subject: { scheme: 'nino', id: NINO }, details: {} }), 422, 'INVALID_EVENT', 'event.target');
    const raw = await (await log.submit('raw')).json() as { index: number };
    await expectProblem(await log.submitEvent({ event: { ...erasure, partnerSeq: 3, target: raw.index }, subject: { scheme: 'nino', id: NINO }, details: {} }), 422, 'INVALID_EVENT', 'event.target');
    await expectProblem(await log.submitEvent({ event: { ...erasure, partnerSeq: 3, target: 10_000 }, subject: { scheme: 'nino', id: NINO }, details: {} }), 422, 'INVALID_EVENT', 'event.target');
    const other = partnerKeyPair('partner-b');
    const b = await addPartner(log.store, 'partner-b', null, other.publicKey);
    const bTarget = await accepted(await log.submitEvent(accessDraft('partner-b', 1, HOUR), b.token, other.seed));
    await expectProblem(await log.submitEvent({ event: { ...erasure, partnerSeq: 3, target: bTarget.index }, subject: { scheme: 'nino', id: NINO }, details: {} }), 422, 'INVALID_EVENT', 'event.target');
    // Two erasures of one target at once: exactly one is appended.
    const eraseB = (seq: number) => log.submitEvent({ event: { ...erasure, partner: 'partner-b', partnerSeq: seq, target: bTarget.index }, subject: { scheme: 'nino', id: NINO }, details: {} }, b.token, other.seed);
    const statuses = (await Promise.all([eraseB(2), eraseB(3)])).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 422]);
  });

  test('a correction names its target; the target keeps its details', async () => {
    const target = await accepted(await log.submitEvent(accessDraft('partner-a', 1, HOUR)));
    const correction = targetingEvent('correction', 'partner-a', 2, '2026-03-14T11', target.index);
    const r = await accepted(await log.submitEvent({ event: correction, subject: { scheme: 'nino', id: NINO }, details: { corrected: 'the screen viewed was the payment history' } }));
    expect(parseEventLeaf(unb64(r.data))!.event.target).toBe(target.index);
    expect(parseEventLeaf(unb64(r.data))!.subjectTag).toBe(expectedTag(1, NINO, '2026-03-14T11').tag);
    expect((await req(`/v1/entries/${target.index}/details`, { headers: { authorization: `Bearer ${expectedTag(0).reveal}` } })).status).toBe(200);
  });
});

describe('the partner’s signature binds the subject', () => {
  const OTHER = 'CE654321A';

  test('an event committed for one claimant cannot be filed under another: sent with another subject, it is 422 commitment-mismatch', async () => {
    const body = signedEvent(accessDraft('partner-a', 1, HOUR, OTHER), log.meta.origin, log.partnerKey.seed);
    await expectProblem(await log.postEvent({ ...body, subject: { scheme: 'nino', id: NINO } }), 422, 'COMMITMENT_MISMATCH', 'details');
    await expectProblem(await log.postEvent({ ...body, subject: { scheme: 'customer-ref', id: OTHER } }), 422, 'COMMITMENT_MISMATCH', 'details');
    expect(await log.store.readEntries(0, 10)).toEqual([]);
    // The same reference written another way is the same claimant.
    const r = await accepted(await log.postEvent({ ...body, subject: { scheme: 'nino', id: 'ce 65 43 21 a' } }));
    expect(parseEventLeaf(unb64(r.data))!.subjectTag).toBe(expectedTag(0, OTHER).tag);
  });

  test('an erasure or a correction about another claimant than its target is 422 subject-mismatch, and nothing is erased', async () => {
    const target = await accepted(await log.submitEvent(accessDraft('partner-a', 1, HOUR)));
    // Another claimant's entries that day, so that the target's day has several tags to try.
    await accepted(await log.submitEvent(accessDraft('partner-a', 2, HOUR, OTHER)));
    await accepted(await log.submitEvent(accessDraft('partner-a', 3, '2026-03-14T12')));
    const erasure = targetingEvent('erasure', 'partner-a', 4, '2026-03-20T10', target.index);
    const body = await expectProblem(await log.submitEvent({ event: erasure, subject: { scheme: 'nino', id: OTHER }, details: {} }), 422, 'SUBJECT_MISMATCH', 'subject');
    expect(JSON.stringify(body)).not.toMatch(/CE654321|AB123456/);
    const correction = targetingEvent('correction', 'partner-a', 4, '2026-03-20T10', target.index);
    await expectProblem(await log.submitEvent({ event: correction, subject: { scheme: 'customer-ref', id: NINO }, details: {} }), 422, 'SUBJECT_MISMATCH', 'subject');
    expect((await req(`/v1/entries/${target.index}/details`, { headers: { authorization: `Bearer ${expectedTag(0).reveal}` } })).status).toBe(200);
    // With the target's own subject, written another way, both are accepted.
    await accepted(await log.submitEvent({ event: correction, subject: { scheme: 'nino', id: 'ab123456' }, details: { corrected: 'x' } }));
    await accepted(await log.submitEvent({ event: { ...erasure, partnerSeq: 5 }, subject: { scheme: 'nino', id: NINO }, details: {} }));
    expect(await log.store.readDetails(target.index)).toMatchObject({ erasedBy: expect.any(Number) });
  });

  test('the subject check tells a partner nothing about another partner’s entries: their targets are refused as not theirs first', async () => {
    const other = partnerKeyPair('partner-b');
    const b = await addPartner(log.store, 'partner-b', null, other.publicKey);
    const bTarget = await accepted(await log.submitEvent(accessDraft('partner-b', 1, HOUR), b.token, other.seed));
    const erasure = targetingEvent('erasure', 'partner-a', 1, '2026-03-20T10', bTarget.index);
    // Right subject or wrong, the answer is the same: not partner-a's entry.
    const right = await expectProblem(await log.submitEvent({ event: erasure, subject: { scheme: 'nino', id: NINO }, details: {} }), 422, 'INVALID_EVENT', 'event.target');
    const wrong = await expectProblem(await log.submitEvent({ event: erasure, subject: { scheme: 'nino', id: OTHER }, details: {} }), 422, 'INVALID_EVENT', 'event.target');
    expect(wrong.detail).toBe(right.detail);
  });
});

describe("the operator's own acts are recorded before they take effect", () => {
  const WHY = 'purpose=subject-access-request&legalBasis=ukgdpr-6-1-c';
  type Partners = { partners: { id: string; publicKey: string | null; active: boolean }[] };

  async function operatorKey(): Promise<Uint8Array> {
    const { partners } = (await (await req('/v1/partners')).json()) as Partners;
    const operator = partners.find((p) => p.id === OPERATOR_PARTNER);
    expect(operator).toMatchObject({ active: true });
    return unb64(operator!.publicKey!);
  }

  async function leafAt(index: number) {
    const [data] = await log.store.readEntries(index, 1);
    return parseEventLeaf(data!)!;
  }

  test('an operator reading details without a purpose and a legal basis is refused, and sees nothing', async () => {
    const r = await accepted(await log.submitEvent(accessDraft('partner-a', 1, HOUR)));
    const size = (await log.store.readHead()).treeSize;
    const auth = { headers: { authorization: `Bearer ${log.operatorToken}` } };
    for (const [query, field] of [
      ['', 'purpose'],
      ['?purpose=subject-access-request', 'legalBasis'],
      ['?legalBasis=ukgdpr-6-1-c', 'purpose'],
    ] as const) {
      const body = await expectProblem(await req(`/v1/entries/${r.index}/details${query}`, auth), 400, 'MALFORMED_REQUEST', field);
      expect(JSON.stringify(body)).not.toContain('claim summary');
    }
    await expectProblem(await req(`/v1/entries/${r.index}/details?purpose=looking-around&legalBasis=ukgdpr-6-1-c`, auth), 422, 'UNKNOWN_CODE', 'purpose');
    await expectProblem(await req(`/v1/entries/${r.index}/details?purpose=subject-access-request&legalBasis=because`, auth), 422, 'UNKNOWN_CODE', 'legalBasis');
    expect((await log.store.readHead()).treeSize).toBe(size);
  });

  test('a read is a disclosure event signed by the operator’s own published key, filed where only the claimant finds it, committed before the details are shown', async () => {
    const r = await accepted(await log.submitEvent(accessDraft('partner-a', 1, HOUR)));
    const res = await req(`/v1/entries/${r.index}/details?${WHY}`, { headers: { authorization: `Bearer ${log.operatorToken}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { details: unknown; disclosure: number };
    expect(body.details).toMatchObject({ note: expect.any(String) });
    // The disclosure was committed before the answer: it is in the tree the answer came with.
    expect((await log.store.readHead()).treeSize).toBeGreaterThan(body.disclosure);
    const leaf = await leafAt(body.disclosure);
    expect(leaf.event).toMatchObject({ type: 'disclosure', partner: OPERATOR_PARTNER, partnerSeq: 1, purpose: 'subject-access-request', legalBasis: 'ukgdpr-6-1-c', target: r.index });
    // Who: a pseudonym, never the operator's account id.
    expect(leaf.event.actor).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(leaf.event)).not.toContain('ops');
    expect(verifyEventSignature(log.meta.origin, leaf.event, leaf.signature, await operatorKey())).toBe(true);
    // Its tag is tag_0 of the target's K_disclosures: the claimant derives it from their reveal token.
    const revealHash = createHash('sha256').update(Buffer.from(expectedTag(0).reveal, 'hex')).digest();
    const kDisclosures = disclosureKey(new Uint8Array(revealHash));
    expect(leaf.subjectTag).toBe(hex(subjectTag(kDisclosures, 0)));
    // A second read is tag_1, and the operator's numbers go on without a gap.
    const again = (await (await req(`/v1/entries/${r.index}/details?${WHY}`, { headers: { authorization: `Bearer ${log.operatorToken}` } })).json()) as { disclosure: number };
    expect((await leafAt(again.disclosure)).subjectTag).toBe(hex(subjectTag(kDisclosures, 1)));
    expect((await leafAt(again.disclosure)).event.partnerSeq).toBe(2);
    expect(await (await req(`/v1/partners/${OPERATOR_PARTNER}/sequence`)).json()).toMatchObject({ last: 2, gaps: [] });
    // The claimant opens the disclosure's own details with its reveal token.
    const opened = await req(`/v1/entries/${again.disclosure}/details`, { headers: { authorization: `Bearer ${hex(revealToken(kDisclosures, 1))}` } });
    expect(opened.status).toBe(200);
  });

  test('a subject key is recorded under the claimant’s own tag before it is handed over', async () => {
    const res = await req('/v1/subject-keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${log.operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scheme: 'nino', id: NINO, year: '2026', purpose: 'subject-access-request', legalBasis: 'ukgdpr-6-1-c' }),
    });
    expect(res.status).toBe(200);
    const { recordedAs } = (await res.json()) as { recordedAs: number };
    const leaf = await leafAt(recordedAs);
    expect(leaf.event).toMatchObject({ type: 'subject-key', partner: OPERATOR_PARTNER, year: '2026', purpose: 'subject-access-request' });
    expect(verifyEventSignature(log.meta.origin, leaf.event, leaf.signature, await operatorKey())).toBe(true);
    expect(leaf.subjectTag).toBe(expectedTag(0, NINO, leaf.event.hour).tag);
    expect(JSON.stringify(leaf)).not.toMatch(/AB123456/);
  });

  test('no partner can record the operator’s acts, and the operator’s account cannot be used as a partner', async () => {
    const disclosure = { type: 'disclosure', partner: 'partner-a', partnerSeq: 1, hour: HOUR, actor: 'ab'.repeat(16), purpose: 'subject-access-request', legalBasis: 'ukgdpr-6-1-c', target: 0 };
    await expectProblem(await log.submitEvent({ event: disclosure, details: {} }), 403, 'FORBIDDEN', 'event.type');
    // Signed as the operator (with a key the partner does not have), it is refused for the token's partner first.
    await expectProblem(await log.submitEvent({ event: { ...disclosure, partner: OPERATOR_PARTNER }, details: {} }), 403, 'FORBIDDEN', 'event.partner');
    await expect(addPartner(log.store, OPERATOR_PARTNER, 'me too')).rejects.toMatchObject({ field: 'id' });
  });
});

describe('POST /v1/details: details by reveal tokens alone', () => {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  const token = (j: number, id = NINO, hour = HOUR) => b64(Buffer.from(expectedTag(j, id, hour).reveal, 'hex'));
  const dummy = (n: number) => b64(createHash('sha256').update(`dummy ${n}`).digest());
  const details = (body: unknown, init: RequestInit = {}) =>
    req('/v1/details', { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), ...init });

  test('one result per token in the order asked: found, erased (naming the erasure) or unknown, never cached', async () => {
    const first = signedEvent(accessDraft('partner-a', 1, HOUR), log.meta.origin, log.partnerKey.seed);
    const a = await accepted(await log.postEvent(first));
    const second = signedEvent(accessDraft('partner-a', 2, HOUR), log.meta.origin, log.partnerKey.seed);
    const b = await accepted(await log.postEvent(second));
    const erasure = targetingEvent('erasure', 'partner-a', 3, '2026-03-20T10', a.index);
    const erased = await accepted(await log.submitEvent({ event: erasure, subject: { scheme: 'nino', id: NINO }, details: { reason: 'recorded against the wrong claimant' } }));
    await log.submit('a raw entry');

    const calls = (log.store as MemoryStore).calls.get('readDetailsByRevealHash') ?? 0;
    const res = await details({ revealTokens: [dummy(1), token(1), dummy(2), token(0), token(0, NINO, '2026-03-20T10')] });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      results: [
        { status: 'unknown' },
        { status: 'found', index: b.index, details: second.details, opening: second.opening },
        { status: 'unknown' },
        { status: 'erased', index: a.index, erasedBy: erased.index },
        { status: 'found', index: erased.index, details: { reason: 'recorded against the wrong claimant' }, opening: expect.any(String) },
      ],
    });
    // One store read for the whole request.
    expect((log.store as MemoryStore).calls.get('readDetailsByRevealHash')).toBe(calls + 1);

    // A full request of 64 slots, all dummies: the same shape, 64 times.
    const none = await details({ revealTokens: Array.from({ length: 64 }, (_, i) => dummy(i)) });
    expect(((await none.json()) as { results: unknown[] }).results).toEqual(Array.from({ length: 64 }, () => ({ status: 'unknown' })));
  });

  test('bad bodies are 400 naming the member or the token at fault, never echoing a token; over 4 KiB is 413', async () => {
    const good = token(0);
    const cases: [unknown, string][] = [
      ['not json', 'body'],
      [[good], 'body'],
      [{}, 'revealTokens'],
      [{ revealTokens: good }, 'revealTokens'],
      [{ revealTokens: [] }, 'revealTokens'],
      [{ revealTokens: Array.from({ length: 65 }, (_, i) => dummy(i)) }, 'revealTokens'],
      [{ revealTokens: [good], index: 3 }, 'index'],
      [{ revealTokens: [dummy(1), 7] }, 'revealTokens[1]'],
      [{ revealTokens: [dummy(1), Buffer.from(expectedTag(0).reveal, 'hex').toString('hex')] }, 'revealTokens[1]'], // hex, not base64
      [{ revealTokens: [b64(new Uint8Array(31))] }, 'revealTokens[0]'],
      [{ revealTokens: [b64(new Uint8Array(33))] }, 'revealTokens[0]'],
      [{ revealTokens: [good.slice(0, 42) + (good[42] === 'B' ? 'C' : 'B') + '='] }, 'revealTokens[0]'], // non-zero unused bits: not canonical
      [{ revealTokens: [Buffer.from(expectedTag(0).reveal, 'hex').toString('base64url')] }, 'revealTokens[0]'],
      [{ revealTokens: [` ${good}`] }, 'revealTokens[0]'],
      [{ revealTokens: [dummy(1), good, dummy(2), good] }, 'revealTokens[3]'],
    ];
    for (const [body, field] of cases) {
      const problem = await expectProblem(await details(body), 400, 'MALFORMED_REQUEST', field);
      expect(JSON.stringify(problem)).not.toContain(good);
      expect(JSON.stringify(problem)).not.toContain(expectedTag(0).reveal);
    }
    const big = await details(JSON.stringify({ revealTokens: [good] }) + ' '.repeat(4096));
    await expectProblem(big, 413, 'ENTRY_TOO_LARGE', 'body');
    expect(big.headers.get('cache-control')).toBe('no-store');
  });

  test('readable from any origin without credentials, like every read; the preflight allows POST with Content-Type', async () => {
    const origin = { origin: 'https://advice.example' };
    const res = await details({ revealTokens: [dummy(0)] }, { headers: { 'content-type': 'application/json', ...origin } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await req('/v1/details', { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
    // Only POST: the route is not a way around the other methods' refusal.
    const put = await req('/v1/details', { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'PUT' } });
    expect(put.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('lookup routes', () => {
  test('GET /v1/tags/PREFIX returns every tag of that bucket; a subject key from POST /v1/subject-keys finds the entries', async () => {
    const r = await accepted(await log.submitEvent(accessDraft('partner-a', 1, HOUR)));
    const res = await req('/v1/subject-keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${log.operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scheme: 'nino', id: 'ab 123456', year: '2026', purpose: 'subject-access-request', legalBasis: 'ukgdpr-6-1-c' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { subjectKey: text } = (await res.json()) as { subjectKey: string };
    const held = parseHeldKey(text);
    expect(hex(held.key)).toBe(hex(subjectKey(TEST_YEAR_KEYS['2026']!, 'nino', NINO)));
    const { tag } = expectedTag(0);
    const bucket = (await (await req(`/v1/tags/${tagPrefix(Buffer.from(tag, 'hex'))}`)).json()) as { tags: { tag: string; index: number }[] };
    expect(bucket.tags).toContainEqual({ tag, index: r.index });
    await expectProblem(await req('/v1/tags/ABCD'), 400, 'MALFORMED_REQUEST', 'prefix');
    await expectProblem(await req('/v1/tags/abc'), 400, 'MALFORMED_REQUEST', 'prefix');
  });

  test('POST /v1/subject-keys needs an operator token and a valid subject and year', async () => {
    const post = (body: unknown, token: string | null = log.operatorToken) =>
      req('/v1/subject-keys', { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    await expectProblem(await post({ scheme: 'nino', id: NINO, year: '2026' }, null), 401, 'UNAUTHORIZED', 'Authorization');
    await expectProblem(await post({ scheme: 'nino', id: NINO, year: '2026' }, log.token), 401, 'UNAUTHORIZED', 'Authorization');
    await expectProblem(await post({ scheme: 'nino', id: 'nonsense', year: '2026' }), 400, 'MALFORMED_REQUEST', 'id');
    await expectProblem(await post({ scheme: 'email', id: NINO, year: '2026' }), 400, 'MALFORMED_REQUEST', 'scheme');
    await expectProblem(await post({ scheme: 'nino', id: NINO, year: 2026 }), 400, 'MALFORMED_REQUEST', 'year');
    await expectProblem(await post({ scheme: 'nino', id: NINO, year: '2031' }), 404, 'NOT_FOUND', 'year');
    await expectProblem(await post({ scheme: 'nino', id: NINO, year: '2026', extra: true }), 400, 'MALFORMED_REQUEST', 'extra');
    // Why, and under which law: required, and codes from the lists in force.
    await expectProblem(await post({ scheme: 'nino', id: NINO, year: '2026' }), 400, 'MALFORMED_REQUEST', 'purpose');
    await expectProblem(await post({ scheme: 'nino', id: NINO, year: '2026', purpose: 'subject-access-request' }), 400, 'MALFORMED_REQUEST', 'legalBasis');
    await expectProblem(await post({ scheme: 'nino', id: NINO, year: '2026', purpose: 'curiosity', legalBasis: 'ukgdpr-6-1-c' }), 422, 'UNKNOWN_CODE', 'purpose');
    expect(await log.store.readEntries(0, 10)).toEqual([]); // nothing refused was recorded, and no key given out
  });

  test('GET /v1/partners publishes keys; /v1/partners/ID/sequence reports the last number and every gap', async () => {
    for (const seq of [1, 2, 5, 9]) await accepted(await log.submitEvent(accessDraft('partner-a', seq, HOUR)));
    const partners = (await (await req('/v1/partners')).json()) as { partners: { id: string; publicKey: string | null; active: boolean }[] };
    expect(partners.partners).toContainEqual(expect.objectContaining({ id: 'partner-a', publicKey: Buffer.from(log.partnerKey.publicKey).toString('base64'), active: true }));
    await log.store.setPartnerKey('partner-a', partnerKeyPair('partner-a, rotated').publicKey);
    const rotated = (await (await req('/v1/partners')).json()) as { partners: { id: string; publicKey: string; previousKeys: string[] }[] };
    expect(rotated.partners.find((p) => p.id === 'partner-a')).toMatchObject({
      publicKey: Buffer.from(partnerKeyPair('partner-a, rotated').publicKey).toString('base64'),
      previousKeys: [Buffer.from(log.partnerKey.publicKey).toString('base64')],
    });
    const sequence = await (await req('/v1/partners/partner-a/sequence')).json();
    expect(sequence).toEqual({ partner: 'partner-a', last: 9, count: 4, gaps: [{ from: 3, to: 4 }, { from: 6, to: 8 }], truncated: false });
    await expectProblem(await req('/v1/partners/nobody/sequence'), 404, 'NOT_FOUND', 'id');
  });

  test('GET /v1/schemas publishes a JSON Schema per type; GET /v1/codes the lists and their recorded hash', async () => {
    const { schemas } = (await (await req('/v1/schemas')).json()) as { schemas: Record<string, { title: string }> };
    expect(Object.keys(schemas).sort()).toEqual([...EVENT_TYPES].sort());
    const access = await req('/v1/schemas/access');
    expect(access.headers.get('content-type')).toBe('application/schema+json');
    expect(await access.json()).toEqual(schemas.access);
    await expectProblem(await req('/v1/schemas/gossip'), 404, 'NOT_FOUND', 'type');
    const before = (await (await req('/v1/codes')).json()) as { sha256: string; leafIndex: number | null; codes: Record<string, Record<string, string>> };
    expect(before.leafIndex).toBeNull(); // recorded with the first typed event
    expect(before.sha256).toBe(createHash('sha256').update(codeListsBytes(log.inForce.codes)).digest('hex'));
    expect(before.codes).toEqual(log.inForce.codes);
    await accepted(await log.submitEvent(accessDraft('partner-a', 1, HOUR)));
    const after = (await (await req('/v1/codes')).json()) as { sha256: string; leafIndex: number };
    expect(after.leafIndex).toBe(0);
    const old = (await (await req(`/v1/codes/${after.sha256}`)).json()) as { codes: unknown };
    expect(old.codes).toEqual(before.codes);
    await expectProblem(await req(`/v1/codes/${'0'.repeat(64)}`), 404, 'NOT_FOUND', 'sha256');
  });
});

describe('code lists', () => {
  test('every change is recorded, naming the version before it, changing back included; a repeat is not', async () => {
    const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
    const first = await log.inForce.ensureRecorded();
    const changed = { ...DEFAULT_CODES, purposes: { ...DEFAULT_CODES.purposes, 'winter-fuel': 'Winter fuel payment' } };
    const second = await codeListsInForce(log.store, log.sequencer, changed, sha256).ensureRecorded();
    const back = await codeListsInForce(log.store, log.sequencer, DEFAULT_CODES, sha256).ensureRecorded();
    const again = await codeListsInForce(log.store, log.sequencer, DEFAULT_CODES, sha256).ensureRecorded();
    expect([first.leafIndex, second.leafIndex, back.leafIndex]).toEqual([0, 1, 2]);
    expect(again.leafIndex).toBe(2);
    expect((await log.store.readCodeLists())?.leafIndex).toBe(2); // the lists in force again
    const records = (await log.store.readEntries(0, 3)).map((e) => parseLogRecord(e));
    expect(records).toEqual([
      { record: 'codes', sha256: hex(first.sha256), previous: null },
      { record: 'codes', sha256: hex(second.sha256), previous: hex(first.sha256) },
      { record: 'codes', sha256: hex(first.sha256), previous: hex(second.sha256) },
    ]);
    expect((await log.store.readCodeLists(second.sha256))?.body).toBe(Buffer.from(codeListsBytes(changed)).toString());
  });
});

describe('privacy', () => {
  test('no subject id, details or opening reaches a leaf, a tile, a log line or a metric', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `${['AB', 'CE', 'HJ', 'KL'][i % 4]}${String(100000 + i * 7919).padStart(6, '0')}A`);
    const secrets: string[] = [];
    for (let seq = 1; seq <= 60; seq++) {
      const id = ids[seq % ids.length]!;
      const draft = accessDraft('partner-a', seq, `2026-0${1 + (seq % 3)}-1${seq % 10}T0${seq % 10}`, id);
      const body = signedEvent(draft, log.meta.origin, log.partnerKey.seed);
      secrets.push(id, id.slice(0, 8), JSON.stringify(draft.details), (draft.details as { caseRef: string }).caseRef, body.opening as string);
      await accepted(await log.postEvent(body));
    }
    const treeSize = ((await (await req('/v1/log')).json()) as { treeSize: number }).treeSize;
    const leaves = await log.store.readEntries(0, treeSize);
    const tiles = await Promise.all([0, 1].map(async (level) => (await log.app.request(`/tile/${level}/000.p/${level === 0 ? treeSize : 1}`)).arrayBuffer()));
    const bundle = Buffer.from(await (await log.app.request(`/tile/entries/000.p/${treeSize}`)).arrayBuffer());
    const metrics = await (await req('/metrics')).text();
    const haystacks = [...leaves.map((l) => Buffer.from(l)), ...tiles.map((t) => Buffer.from(t)), bundle, Buffer.from(JSON.stringify(log.logs)), Buffer.from(metrics)];
    for (const secret of secrets) {
      const needles = [Buffer.from(secret), Buffer.from(secret.toLowerCase())];
      const opening = Buffer.from(secret, 'base64');
      if (opening.length === 32) needles.push(opening, Buffer.from(opening.toString('hex')));
      for (const hay of haystacks) for (const needle of needles) expect(hay.includes(needle)).toBe(false);
    }
  });
});
