/**
 * The HTTP edge's security policy through `app.request()` (src/http/security.ts, SECURITY.md):
 * CORS open on reads and closed on writes, preflights, the headers every answer carries,
 * the explorer's own CSP left alone, the details endpoint never cached; and no secret — a
 * token, a reveal token, a subject id or key, a details value — in a log record or a metric,
 * on accepted, refused and failed requests alike.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { API_CONTENT_SECURITY_POLICY } from '../../src/http/security.js';
import type { EventDetails, IntegratedBatch } from '../../src/log/index.js';
import { dayKeyForHour, revealToken } from '../../src/subject/index.js';
import { CONTENT_SECURITY_POLICY } from '../../src/web/index.js';
import { accessDraft, partnerKeyPair, signedEvent } from '../support/events.js';
import { MemoryStore } from '../support/memory-store.js';
import { TEST_YEAR_KEYS, newTestLog } from '../support/test-log.js';
import { tempDir } from '../support/temp.js';

const HOUR = '2026-03-14T09';
const NINO = 'AB123456C';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The reveal token the log derives for `id`'s j-th entry of HOUR's day. */
const reveal = (j: number, id = NINO) => hex(revealToken(dayKeyForHour(TEST_YEAR_KEYS['2026']!, 'nino', id, HOUR), j));

/** A MemoryStore whose commits or detail reads can be made to fail, as a lost database would. */
class FailingStore extends MemoryStore {
  failCommits = false;
  failDetails = false;
  override commitBatch(expected: { readonly treeSize: number; readonly rootHash: Uint8Array }, batch: IntegratedBatch): Promise<void> {
    if (this.failCommits) return Promise.reject(new Error('connection terminated unexpectedly'));
    return super.commitBatch(expected, batch);
  }
  override async readDetails(leafIndex: number): Promise<EventDetails | { erasedBy: number } | undefined> {
    if (this.failDetails) throw new Error('connection terminated unexpectedly');
    return super.readDetails(leafIndex);
  }
  override async readDetailsByRevealHash(revealHashes: readonly Uint8Array[]): Promise<Map<string, EventDetails | { leafIndex: number; erasedBy: number }>> {
    if (this.failDetails) throw new Error('connection terminated unexpectedly');
    return super.readDetailsByRevealHash(revealHashes);
  }
}

type Log = Awaited<ReturnType<typeof newTestLog>>;
let log: Log;
let store: FailingStore;
beforeEach(async () => {
  store = new FailingStore();
  log = await newTestLog(store);
});

const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-allow-credentials',
  'access-control-expose-headers',
  'access-control-max-age',
];
const corsOf = (res: Response) => CORS_HEADERS.filter((h) => res.headers.has(h));

/** One typed event about NINO, accepted; its index and what was sent. */
async function recordEvent(seq: number, id = NINO) {
  const body = signedEvent(accessDraft('partner-a', seq, HOUR, id), log.meta.origin, log.partnerKey.seed);
  const res = await log.postEvent(body);
  expect(res.status, await res.clone().text()).toBe(201);
  return { index: ((await res.json()) as { index: number }).index, body };
}

describe('CORS', () => {
  test('reads (GET and HEAD of /checkpoint, /tile/*, /v1/*) are open to any origin, never with credentials', async () => {
    await log.submit('one');
    const { index } = await recordEvent(1);
    const origin = { origin: 'https://monitor.example' };
    const reads = ['/checkpoint', '/tile/0/000.p/2', '/tile/entries/000.p/2', '/v1/log', '/v1/entries/0', '/v1/entries?start=0', '/v1/receipts/0', '/v1/proofs/inclusion?index=0', `/v1/tags/0000`, '/v1/codes', '/v1/partners', '/v1/schemas'];
    for (const path of reads) {
      for (const method of ['GET', 'HEAD']) {
        const res = await log.app.request(path, { method, headers: origin });
        expect(res.status, `${method} ${path}`).toBe(200);
        expect(res.headers.get('access-control-allow-origin'), `${method} ${path}`).toBe('*');
        expect(res.headers.has('access-control-allow-credentials'), `${method} ${path}`).toBe(false);
      }
    }
    // A refused read is readable too: a cross-origin client sees the problem, not a CORS error.
    const missing = await log.app.request('/v1/entries/999', { headers: origin });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
    expect(missing.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    const details = await log.app.request(`/v1/entries/${index}/details`, { headers: { ...origin, authorization: `Bearer ${reveal(0)}` } });
    expect(details.status).toBe(200);
    expect(details.headers.get('access-control-allow-origin')).toBe('*');
  });

  test('writes never carry a CORS header, accepted or refused', async () => {
    const origin = { origin: 'https://evil.example' };
    const answers = [
      await log.app.request('/v1/entries', { method: 'POST', body: 'x', headers: { ...origin, authorization: `Bearer ${log.token}` } }),
      await log.app.request('/v1/entries', { method: 'POST', body: 'x', headers: origin }),
      await log.app.request('/v1/events', { method: 'POST', body: JSON.stringify(signedEvent(accessDraft('partner-a', 1, HOUR), log.meta.origin, log.partnerKey.seed)), headers: { ...origin, authorization: `Bearer ${log.token}` } }),
      await log.app.request('/v1/events', { method: 'POST', body: '{}', headers: origin }),
      await log.app.request('/v1/subject-keys', { method: 'POST', body: JSON.stringify({ scheme: 'nino', id: NINO, year: '2026', purpose: 'subject-access-request', legalBasis: 'ukgdpr-6-1-c' }), headers: { ...origin, authorization: `Bearer ${log.operatorToken}` } }),
      await log.app.request('/v1/entries/0', { method: 'PUT', body: 'x', headers: origin }),
      await log.app.request('/v1/entries/0', { method: 'DELETE', headers: origin }),
      await log.app.request('/checkpoint', { method: 'POST', body: 'x', headers: origin }),
    ];
    expect(answers.map((r) => r.status)).toEqual([201, 401, 201, 401, 200, 404, 404, 404]);
    for (const res of answers) expect(corsOf(res)).toEqual([]);
  });

  test('operations and the explorer are not opened to other origins', async () => {
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const res = await log.app.request(path, { headers: { origin: 'https://monitor.example' } });
      expect(res.status, path).toBe(200);
      expect(corsOf(res), path).toEqual([]);
    }
  });

  test('a preflight for a read is 204 allowing GET and HEAD from any origin, with the Authorization header, without credentials', async () => {
    for (const path of ['/checkpoint', '/tile/0/000', '/v1/log', '/v1/entries/3/details']) {
      for (const asked of ['GET', 'HEAD']) {
        const res = await log.app.request(path, {
          method: 'OPTIONS',
          headers: { origin: 'https://monitor.example', 'access-control-request-method': asked, 'access-control-request-headers': 'authorization' },
        });
        expect(res.status, `${asked} ${path}`).toBe(204);
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
        expect(res.headers.get('access-control-allow-headers')?.split(/,\s*/).map((h) => h.toLowerCase())).toContain('authorization');
        expect(res.headers.has('access-control-allow-credentials')).toBe(false);
        expect(await res.text()).toBe('');
      }
    }
  });

  test('a preflight for a write, or for a path that is not a read, is 204 with no Access-Control-Allow-* header: the browser refuses', async () => {
    const preflights: [string, string][] = [
      ['/v1/entries', 'POST'],
      ['/v1/events', 'POST'],
      ['/v1/subject-keys', 'POST'],
      ['/v1/entries/0', 'PUT'],
      ['/v1/entries/0', 'DELETE'],
      ['/checkpoint', 'POST'],
      ['/metrics', 'GET'],
      ['/', 'GET'],
    ];
    for (const [path, asked] of preflights) {
      const res = await log.app.request(path, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': asked, 'access-control-request-headers': 'authorization, content-type' },
      });
      expect(res.status, `${asked} ${path}`).toBe(204);
      expect(corsOf(res), `${asked} ${path}`).toEqual([]);
    }
    // Nothing was written.
    expect(((await (await log.app.request('/v1/log')).json()) as { treeSize: number }).treeSize).toBe(0);
  });

  test('an OPTIONS that is not a preflight reaches the routes (and finds none)', async () => {
    const res = await log.app.request('/v1/log', { method: 'OPTIONS' });
    expect(res.status).toBe(404);
    expect(corsOf(res)).toEqual([]);
  });
});

describe('security headers', () => {
  test('every API answer has nosniff, no-referrer and a CSP that loads nothing and forbids framing', async () => {
    await log.submit('one');
    const answers = [
      await log.app.request('/checkpoint'),
      await log.app.request('/tile/0/000.p/1'),
      await log.app.request('/v1/log'),
      await log.app.request('/v1/entries/7'), // 404 problem
      await log.app.request('/v1/proofs/inclusion'), // 400 problem
      await log.app.request('/no/such/route'),
      await log.app.request('/metrics'),
      await log.app.request('/healthz'),
      await log.submit('two'),
      await log.submit('three', 'sl_wrong'), // 401
      await log.app.request('/v1/log', { method: 'OPTIONS', headers: { origin: 'https://a.example', 'access-control-request-method': 'GET' } }),
    ];
    for (const res of answers) {
      expect(res.headers.get('x-content-type-options'), res.url).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('content-security-policy')).toBe(API_CONTENT_SECURITY_POLICY);
    }
    expect(API_CONTENT_SECURITY_POLICY).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  test('the headers a route sets itself are kept: content types, caching, request id, Retry-After', async () => {
    const checkpoint = await log.app.request('/checkpoint', { headers: { 'x-request-id': 'abc-123' } });
    expect(checkpoint.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(checkpoint.headers.get('cache-control')).toBe('no-cache');
    expect(checkpoint.headers.get('x-request-id')).toBe('abc-123');
    const full = await newTestLog(new MemoryStore(), { maxPending: 0 });
    const busy = await full.submit('x');
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toMatch(/^[1-3]$/);
    expect(busy.headers.get('content-type')).toBe('application/problem+json');
    expect(busy.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test("the explorer's HTML pages keep their own CSP, and get nosniff, no-referrer and no CORS header", async () => {
    const app = await webApp();
    for (const path of ['/', '/check', '/verify', '/monitor', '/entries/0', '/entries/99']) {
      const res = await app.request(path, { headers: { origin: 'https://elsewhere.example' } });
      expect(res.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy'), path).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(corsOf(res)).toEqual([]);
    }
    // The API on the same app still gets the API policy.
    expect((await app.request('/v1/log')).headers.get('content-security-policy')).toBe(API_CONTENT_SECURITY_POLICY);
  });
});

describe('the details endpoint', () => {
  test('every answer, opened or refused, is Cache-Control: no-store and Vary: Authorization', async () => {
    const { index } = await recordEvent(1);
    const other = await recordEvent(2, 'CE654321A');
    const answers = [
      await log.app.request(`/v1/entries/${index}/details`, { headers: { authorization: `Bearer ${reveal(0)}` } }), // 200
      await log.app.request(`/v1/entries/${index}/details?purpose=subject-access-request&legalBasis=ukgdpr-6-1-c`, { headers: { authorization: `Bearer ${log.operatorToken}` } }), // 200
      await log.app.request(`/v1/entries/${other.index}/details`, { headers: { authorization: `Bearer ${reveal(0)}` } }), // 403
      await log.app.request(`/v1/entries/${index}/details`), // 401
      await log.app.request('/v1/entries/999/details', { headers: { authorization: `Bearer ${reveal(0)}` } }), // 404
      await log.app.request(`/v1/entries/${index}/details`, { method: 'HEAD', headers: { authorization: `Bearer ${reveal(0)}` } }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 403, 401, 404, 200]);
    for (const res of answers) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('vary')?.split(/,\s*/)).toContain('Authorization');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
    // Other reads are not made uncacheable by it.
    expect((await log.app.request('/tile/0/000.p/2')).headers.get('cache-control')).toBe('no-cache');
    expect((await log.app.request(`/v1/entries/${index}`)).headers.get('vary')).toBe(null);
  });
});

describe('no secret reaches a log record or a metric', () => {
  test('tokens, reveal tokens, subject ids and keys, details and openings, on success, refusal and failure', async () => {
    const secrets: string[] = [log.token, log.operatorToken];
    const ids = ['AB123456C', 'CE654321A', 'HJ111111D'];
    secrets.push(...ids, 'ab123456c', 'AB 12 34 56 C');
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    // Accepted: raw entries and typed events, with the partner token.
    expect((await log.submit('a raw entry')).status).toBe(201);
    const accepted = [];
    for (const [i, id] of ids.entries()) {
      const { index, body } = await recordEvent(i + 1, id);
      accepted.push(index);
      const details = body.details as Record<string, string>;
      secrets.push(body.opening as string, hex(Buffer.from(body.opening as string, 'base64')), details.note!, details.caseRef!, JSON.stringify(details));
    }

    // Refused: wrong tokens (401), personal data in a public field (422), a bad signature (422).
    const wrong = 'sl_' + 'W'.repeat(43);
    secrets.push(wrong);
    expect((await log.submit('x', wrong)).status).toBe(401);
    expect((await log.postEvent(signedEvent(accessDraft('partner-a', 9, HOUR, 'KL222222B'), log.meta.origin, log.partnerKey.seed), wrong)).status).toBe(401);
    secrets.push('KL222222B');
    const personal = accessDraft('partner-a', 10, HOUR, 'KL333333C', { actor: 'PR444444D' });
    secrets.push('KL333333C', 'PR444444D');
    expect((await log.postEvent(signedEvent(personal, log.meta.origin, log.partnerKey.seed))).status).toBe(422);
    const forged = signedEvent(accessDraft('partner-a', 11, HOUR, 'KL555555A'), log.meta.origin, partnerKeyPair('someone-else').seed);
    secrets.push('KL555555A');
    expect((await log.postEvent(forged)).status).toBe(422);
    const badSubject = { ...signedEvent(accessDraft('partner-a', 12, HOUR), log.meta.origin, log.partnerKey.seed), subject: { scheme: 'nino', id: 'KL66666' } };
    secrets.push('KL66666');
    expect((await log.postEvent(badSubject)).status).toBe(400);

    // Operators: a subject key issued (the key is a secret too), and refused without a token.
    const issued = await log.app.request('/v1/subject-keys', { method: 'POST', body: JSON.stringify({ scheme: 'nino', id: 'MN777777C', year: '2026', purpose: 'subject-access-request', legalBasis: 'ukgdpr-6-1-c' }), headers: bearer(log.operatorToken) });
    expect(issued.status).toBe(200);
    const { subjectKey } = (await issued.json()) as { subjectKey: string };
    secrets.push('MN777777C', subjectKey, subjectKey.split(':').at(-1)!);
    const refusedKey = await log.app.request('/v1/subject-keys', { method: 'POST', body: JSON.stringify({ scheme: 'nino', id: 'MN888888D', year: '2026', purpose: 'subject-access-request', legalBasis: 'ukgdpr-6-1-c' }), headers: bearer(wrong) });
    expect(refusedKey.status).toBe(401);
    secrets.push('MN888888D');

    // Details: opened by reveal token and by operator token; refused; not found.
    const reveals = ids.map((id) => reveal(0, id));
    secrets.push(...reveals);
    for (const [i, index] of accepted.entries()) {
      expect((await log.app.request(`/v1/entries/${index}/details`, { headers: bearer(reveals[i]!) })).status).toBe(200);
      expect((await log.app.request(`/v1/entries/${index}/details?purpose=subject-access-request&legalBasis=ukgdpr-6-1-c`, { headers: bearer(log.operatorToken) })).status).toBe(200);
    }
    expect((await log.app.request(`/v1/entries/${accepted[0]}/details`, { headers: bearer(reveals[1]!) })).status).toBe(403);
    expect((await log.app.request(`/v1/entries/${accepted[0]}/details`, { headers: bearer(wrong) })).status).toBe(403);
    expect((await log.app.request('/v1/entries/999/details', { headers: bearer(reveals[0]!) })).status).toBe(404);
    // …and by reveal tokens in a POST body (as base64 there), opened and refused.
    const inBody = reveals.map((r) => Buffer.from(r, 'hex').toString('base64'));
    secrets.push(...inBody);
    const postDetails = (body: unknown) => log.app.request('/v1/details', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect((await postDetails({ revealTokens: inBody })).status).toBe(200);
    expect((await postDetails({ revealTokens: [inBody[0], inBody[0]] })).status).toBe(400);

    // Failures (5xx): the database lost during a commit, and during a details read.
    store.failCommits = true;
    const lost = accessDraft('partner-a', 4, HOUR, 'ST999999A');
    const lostBody = signedEvent(lost, log.meta.origin, log.partnerKey.seed);
    secrets.push('ST999999A', lostBody.opening as string, (lost.details as { caseRef: string }).caseRef);
    expect((await log.postEvent(lostBody)).status).toBe(500);
    expect((await log.submit('another raw entry')).status).toBe(500);
    store.failCommits = false;
    store.failDetails = true;
    expect((await log.app.request(`/v1/entries/${accepted[0]}/details`, { headers: bearer(reveals[0]!) })).status).toBe(500);
    expect((await log.app.request(`/v1/entries/${accepted[1]}/details?purpose=subject-access-request&legalBasis=ukgdpr-6-1-c`, { headers: bearer(log.operatorToken) })).status).toBe(500);
    expect((await postDetails({ revealTokens: inBody })).status).toBe(500);
    store.failDetails = false;

    // The failures and refusals were logged (so the haystack is not empty by accident).
    const records = log.logs;
    expect(records.filter((r) => r.msg === 'unhandled error').length).toBeGreaterThanOrEqual(3);
    expect(records.filter((r) => r.msg === 'request' && r.status === 401).length).toBeGreaterThanOrEqual(3);
    expect(records.filter((r) => r.msg === 'request' && r.status === 500).length).toBeGreaterThanOrEqual(5);

    const metrics = await (await log.app.request('/metrics')).text();
    expect(metrics).toContain('status="500"');
    const haystacks = { logs: JSON.stringify(records), metrics };
    for (const secret of secrets) {
      const needles = new Set([secret, secret.toLowerCase(), JSON.stringify(secret).slice(1, -1)]);
      for (const [where, hay] of Object.entries(haystacks)) {
        for (const needle of needles) expect(hay.includes(needle), `${JSON.stringify(needle)} in ${where}`).toBe(false);
      }
    }
  });
});

// ---- An app with the explorer's pages -----------------------------------------------------

const scratch = tempDir('security');

async function webApp() {
  const script = join(scratch, 'explorer.js');
  writeFileSync(script, 'export const explorer = 1;\n');
  const log = await newTestLog(new MemoryStore(), { web: { explorerScript: script } });
  expect((await log.submit('one')).status).toBe(201);
  return log.app;
}
