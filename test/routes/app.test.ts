/**
 * Every route and every error of the HTTP API, through `app.request()` on an in-memory
 * store. Each test first submits a few entries: index 0 hides encoding bugs.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, test } from 'vitest';
import { type LogErrorCode, LogError } from '../../src/errors.js';
import { PROBLEMS, problemType } from '../../src/http/index.js';
import {
  appendLeaves,
  buildTile,
  encodeEntryBundle,
  leafHash,
  tileNodes,
  verifyConsistency,
  verifyInclusion,
} from '../../src/merkle/index.js';
import { openCheckpoint } from '../../src/note/index.js';
import { verifyReceipt } from '../../src/receipt/index.js';
import { Hono } from 'hono';
import { problemResponse } from '../../src/http/problem.js';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const hex = (h: Uint8Array) => Buffer.from(h).toString('hex');
const entryOf = (i: number) => new TextEncoder().encode(`entry ${i} of the route tests`);

type Log = Awaited<ReturnType<typeof newTestLog>>;

async function expectProblem(res: Response, status: number, code: LogErrorCode, field?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.type).toBe(problemType(code));
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  if (field !== undefined) expect(body.field).toBe(field);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:|SELECT|INSERT/); // no stacks, no SQL
  return body;
}

async function fill(log: Log, n: number): Promise<void> {
  const results = await Promise.all(Array.from({ length: n }, (_, i) => log.submit(entryOf(i))));
  for (const r of results) expect(r.status).toBe(201);
}

let log: Log;
const req = async (path: string, init?: RequestInit): Promise<Response> => log.app.request(path, init);
beforeEach(async () => {
  log = await newTestLog(new MemoryStore());
});

describe('POST /v1/entries', () => {
  test('a new entry gets 201 and a receipt that verifies offline', async () => {
    await fill(log, 3);
    const res = await log.submit('the entry under test');
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { index: number; leafHash: string; treeSize: number; inclusionProof: string[]; checkpoint: string; receipt: string };
    expect(body.index).toBe(3);
    expect(body.treeSize).toBe(4);
    const entry = new TextEncoder().encode('the entry under test');
    expect(body.leafHash).toBe(b64(leafHash(entry)));
    const { checkpoint } = openCheckpoint(body.checkpoint, log.verifier);
    expect(checkpoint.treeSize).toBe(4);
    verifyInclusion(leafHash(entry), body.index, checkpoint.treeSize, body.inclusionProof.map(unb64), checkpoint.rootHash);
    expect(verifyReceipt(body.receipt, entry, { log: log.verifier }).leafIndex).toBe(3);
  });

  test('a duplicate gets 200 and its existing index, across and within batches', async () => {
    await fill(log, 2);
    const again = await log.submit(entryOf(1));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { index: number }).index).toBe(1);
    const [a, b] = await Promise.all([log.submit('twice'), log.submit('twice')]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    const [ja, jb] = (await Promise.all([a.json(), b.json()])) as { index: number; receipt: string }[];
    expect(ja!.index).toBe(2);
    expect(jb!.index).toBe(2);
    expect(verifyReceipt(jb!.receipt, new TextEncoder().encode('twice'), { log: log.verifier }).leafIndex).toBe(2);
    expect((await req('/v1/log').then((r) => r.json())) as { treeSize: number }).toMatchObject({ treeSize: 3 });
  });

  test('401 without a token, with a wrong one, with a malformed header, and after revocation', async () => {
    await expectProblem(await req('/v1/entries', { method: 'POST', body: 'x' }), 401, 'UNAUTHORIZED', 'Authorization');
    await expectProblem(await log.submit('x', 'sl_not-a-real-token'), 401, 'UNAUTHORIZED');
    await expectProblem(
      await req('/v1/entries', { method: 'POST', body: 'x', headers: { authorization: `Basic ${log.token}` } }),
      401,
      'UNAUTHORIZED',
    );
    expect((await log.submit('before')).status).toBe(201);
    await log.store.revokePartner('partner-a');
    await expectProblem(await log.submit('after'), 401, 'UNAUTHORIZED');
  });

  test('413 over 65,535 bytes; 65,535 bytes is accepted', async () => {
    await fill(log, 1);
    await expectProblem(await log.submit(new Uint8Array(65_536)), 413, 'ENTRY_TOO_LARGE', 'body');
    expect((await log.submit(new Uint8Array(65_535).fill(7))).status).toBe(201);
  });

  test('a declared Content-Length is checked before the body is read', async () => {
    const headers = { authorization: `Bearer ${log.token}`, 'content-type': 'application/octet-stream' };
    // A body streamed without a length is counted as it arrives (the test above); one with a
    // declared length over the limit is refused from the header alone.
    await expectProblem(await req('/v1/entries', { method: 'POST', body: 'small', headers: { ...headers, 'content-length': '70000' } }), 413, 'ENTRY_TOO_LARGE', 'body');
    await expectProblem(await req('/v1/entries', { method: 'POST', body: 'x', headers: { ...headers, 'content-length': '+1' } }), 400, 'MALFORMED_REQUEST', 'Content-Length');
    const ok = await req('/v1/entries', { method: 'POST', body: 'declared', headers: { ...headers, 'content-length': '8' } });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { leafHash: string }).leafHash).toBe(b64(leafHash(new TextEncoder().encode('declared'))));
  });

  test('400 for an empty body', async () => {
    await expectProblem(await log.submit(new Uint8Array(0)), 400, 'MALFORMED_REQUEST', 'body');
  });

  test('503 with Retry-After when the pool is full', async () => {
    const store = new MemoryStore();
    const gated = await newTestLog(store, { maxPending: 1 });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const commit = store.commitBatch.bind(store);
    store.commitBatch = async (...args: Parameters<MemoryStore['commitBatch']>) => {
      await gate;
      return commit(...args);
    };
    // Fill the commit pipeline (every batch blocked in commit), then the one-place pool.
    const accepted: (Response | Promise<Response>)[] = [];
    while (gated.sequencer.pending() < 1) {
      accepted.push(gated.submit(`accepted ${accepted.length}`));
      await new Promise((r) => setTimeout(r, 5));
    }
    const res = await gated.submit('refused');
    const body = await expectProblem(res, 503, 'POOL_FULL');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(body.hint).toMatch(/Retry-After/);
    open();
    for (const a of accepted) expect((await a).status).toBe(201);
  });
});

describe('tlog-tiles read API', () => {
  test('GET /checkpoint: signed, text/plain, no-cache; a fresh log serves size 0', async () => {
    let res = await req('/checkpoint');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(openCheckpoint(await res.text(), log.verifier).checkpoint.treeSize).toBe(0);
    await fill(log, 5);
    res = await req('/checkpoint');
    expect(openCheckpoint(await res.text(), log.verifier).checkpoint.treeSize).toBe(5);
  });

  test('tiles and bundles: byte-exact, immutable when full, narrower partials served, nothing beyond the tree', async () => {
    const n = 300;
    for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => log.submit(entryOf(i + j))));
    const tree = appendLeaves(0, [], Array.from({ length: n }, (_, i) => leafHash(entryOf(i))));
    const byId = new Map(tree.nodes.map((x) => [`${x.level}/${x.index}`, x.hash]));
    const expectTile = (level: number, index: number, width: number) =>
      buildTile(tileNodes({ level, index, width }).map((x) => byId.get(`${x.level}/${x.index}`)!));

    let res = await req('/tile/0/000');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(expectTile(0, 0, 256));

    res = await req('/tile/0/001.p/44');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(expectTile(0, 1, 44));
    res = await req('/tile/0/001.p/10'); // an older checkpoint's width
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(expectTile(0, 1, 10));
    res = await req('/tile/1/000.p/1');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(expectTile(1, 0, 1));
    res = await req('/tile/0/000.p/200'); // a partial of what is now full
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(expectTile(0, 0, 200));

    await expectProblem(await req('/tile/0/001.p/45'), 404, 'NOT_FOUND');
    await expectProblem(await req('/tile/0/001'), 404, 'NOT_FOUND');
    await expectProblem(await req('/tile/0/002.p/1'), 404, 'NOT_FOUND');
    await expectProblem(await req('/tile/1/000.p/2'), 404, 'NOT_FOUND');
    await expectProblem(await req('/tile/0/x000/001'), 404, 'MALFORMED_TILE', 'path');
    await expectProblem(await req('/tile/0/01'), 404, 'MALFORMED_TILE');
    await expectProblem(await req('/tile/0/000.p/256'), 404, 'MALFORMED_TILE');

    const entries = Array.from({ length: 256 }, (_, i) => entryOf(i));
    res = await req('/tile/entries/000', { headers: { 'accept-encoding': 'gzip, identity' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(new Uint8Array(gunzipSync(new Uint8Array(await res.arrayBuffer())))).toEqual(encodeEntryBundle(entries));
    // A full bundle never changes: read from the store once, then served from memory, the same bytes.
    const reads = () => (log.store as MemoryStore).calls.get('readEntries') ?? 0;
    const before = reads();
    for (let i = 0; i < 3; i++) expect(new Uint8Array(await (await req('/tile/entries/000')).arrayBuffer())).toEqual(encodeEntryBundle(entries));
    expect(reads()).toBe(before);
    res = await req('/tile/entries/001.p/44');
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(encodeEntryBundle(Array.from({ length: 44 }, (_, i) => entryOf(256 + i))));
    await expectProblem(await req('/tile/entries/001.p/45'), 404, 'NOT_FOUND');
  });
});

describe('bounded answers', () => {
  test('a page of entries is bounded in bytes, not only in count, and says where the rest starts', async () => {
    const big = (i: number) => new Uint8Array(60_000).fill(i % 251);
    for (let i = 0; i < 40; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => log.submit(big(i + j))));
    const size = (await log.store.readHead()).treeSize;
    const got: number[] = [];
    let start = 0;
    let pages = 0;
    for (;;) {
      const res = await log.app.request(`/v1/entries?start=${start}&count=1000`);
      const text = await res.text();
      expect(text.length).toBeLessThan(1.5 * 1024 * 1024); // 1 MiB of data, in base64
      const page = JSON.parse(text) as { entries: { index: number; data: string }[]; next?: number };
      pages++;
      expect(page.entries.length).toBeGreaterThan(0);
      for (const e of page.entries) got.push(e.index);
      if (page.next === undefined) {
        expect(res.headers.get('link')).toBeNull();
        break;
      }
      expect(page.next).toBe(page.entries.at(-1)!.index + 1);
      expect(res.headers.get('link')).toBe(`</v1/entries?start=${page.next}&count=${1000 - page.entries.length}>; rel="next"`);
      start = page.next;
    }
    expect(got).toEqual(Array.from({ length: size }, (_, i) => i));
    expect(pages).toBeGreaterThanOrEqual(3);
    // A page the size cap does not reach is as it was: no next, no link.
    const small = await log.app.request('/v1/entries?start=0&count=3');
    expect(((await small.json()) as { entries: unknown[]; next?: number })).toMatchObject({ entries: { length: 3 } });
  });
});

describe('compressed entry bundles', () => {
  test('a full bundle is gzipped once however often it is asked for; a partial one each time; off the event loop', async () => {
    let calls = 0;
    const clog = await newTestLog(new MemoryStore(), {
      gzip: async (data) => {
        calls++;
        await new Promise((r) => setImmediate(r)); // as zlib's, answered from another turn of the loop
        return new Uint8Array(gzipSync(data));
      },
    });
    for (let i = 0; i < 300; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => clog.submit(`bundle entry ${i + j}`)));
    const size = (await clog.store.readHead()).treeSize;
    const gz = { headers: { 'accept-encoding': 'gzip' } };
    const full = await Promise.all([1, 2, 3].map(() => clog.app.request('/tile/entries/000', gz)));
    const bodies = await Promise.all(full.map(async (r) => new Uint8Array(await r.arrayBuffer())));
    expect(bodies.every((b) => Buffer.from(b).equals(Buffer.from(bodies[0]!)))).toBe(true);
    expect(new Uint8Array(gunzipSync(bodies[0]!))).toEqual(encodeEntryBundle(await clog.store.readEntries(0, 256)));
    await clog.app.request('/tile/entries/000', gz);
    expect(calls).toBe(1);
    const partial = `/tile/entries/001.p/${size - 256}`;
    await clog.app.request(partial, gz);
    await clog.app.request(partial, gz);
    expect(calls).toBe(3);
  });
});

describe('the size of the bundle caches', () => {
  test('a full bundle written through the log is served from memory from the first request: no read of the store', async () => {
    const clog = await newTestLog(new MemoryStore());
    await Promise.all(Array.from({ length: 300 }, (_, i) => clog.submit(`followed bundle entry ${i}`)));
    const expected = encodeEntryBundle(await clog.store.readEntries(0, 256));
    const reads = () => (clog.store as MemoryStore).calls.get('readEntries') ?? 0;
    const before = reads();
    expect(new Uint8Array(await (await clog.app.request('/tile/entries/000')).arrayBuffer())).toEqual(expected);
    expect(reads()).toBe(before);
  });

  test('with no memory for bundles (--bundle-cache-mb 0) every request reads the store and gzips again; the bytes are the same', async () => {
    let gzips = 0;
    const clog = await newTestLog(new MemoryStore(), {
      bundleCacheBytes: 0,
      gzip: async (data) => {
        gzips++;
        return new Uint8Array(gzipSync(data));
      },
    });
    await Promise.all(Array.from({ length: 256 }, (_, i) => clog.submit(`uncached bundle entry ${i}`)));
    const expected = encodeEntryBundle(await clog.store.readEntries(0, 256));
    const reads = () => (clog.store as MemoryStore).calls.get('readEntries') ?? 0;
    const before = reads();
    for (let i = 0; i < 3; i++) expect(new Uint8Array(await (await clog.app.request('/tile/entries/000')).arrayBuffer())).toEqual(expected);
    expect(reads() - before).toBe(3);
    for (let i = 0; i < 2; i++) {
      const res = await clog.app.request('/tile/entries/000', { headers: { 'accept-encoding': 'gzip' } });
      expect(new Uint8Array(gunzipSync(new Uint8Array(await res.arrayBuffer())))).toEqual(expected);
    }
    expect(gzips).toBe(2);
  });
});

describe('JSON read API', () => {
  beforeEach(async () => {
    await fill(log, 7);
  });

  test('GET /v1/log', async () => {
    const body = (await req('/v1/log').then((r) => r.json())) as Record<string, unknown>;
    const head = await log.store.readHead();
    expect(body).toEqual({ origin: log.meta.origin, verifierKey: log.signer.verifierKey, treeSize: 7, rootHash: b64(head.rootHash), witnesses: [], quorum: 0 });
  });

  test('inclusion proofs by index and by leaf hash, at the current or an older size', async () => {
    const head = await log.store.readHead();
    for (const query of ['index=3', `leafHash=${hex(leafHash(entryOf(3)))}`]) {
      const body = (await req(`/v1/proofs/inclusion?${query}`).then((r) => r.json())) as { index: number; treeSize: number; inclusionProof: string[] };
      expect(body.index).toBe(3);
      expect(body.treeSize).toBe(7);
      verifyInclusion(leafHash(entryOf(3)), 3, 7, body.inclusionProof.map(unb64), head.rootHash);
    }
    const older = (await req('/v1/proofs/inclusion?index=3&treeSize=5').then((r) => r.json())) as { inclusionProof: string[] };
    const root5 = appendLeaves(0, [], [0, 1, 2, 3, 4].map((i) => leafHash(entryOf(i)))).rootHash;
    verifyInclusion(leafHash(entryOf(3)), 3, 5, older.inclusionProof.map(unb64), root5);
  });

  test.each([
    ['/v1/proofs/inclusion', 400, 'MALFORMED_REQUEST', 'index'],
    ['/v1/proofs/inclusion?index=1&leafHash=00', 400, 'MALFORMED_REQUEST', 'index'],
    ['/v1/proofs/inclusion?index=01', 400, 'MALFORMED_REQUEST', 'index'],
    ['/v1/proofs/inclusion?index=-1', 400, 'MALFORMED_REQUEST', 'index'],
    ['/v1/proofs/inclusion?index=1.0', 400, 'MALFORMED_REQUEST', 'index'],
    ['/v1/proofs/inclusion?index=7', 400, 'OUT_OF_RANGE', 'index'],
    ['/v1/proofs/inclusion?index=3&treeSize=3', 400, 'OUT_OF_RANGE', 'index'],
    ['/v1/proofs/inclusion?index=3&treeSize=8', 400, 'OUT_OF_RANGE', 'treeSize'],
    ['/v1/proofs/inclusion?index=3&treeSize=x', 400, 'MALFORMED_REQUEST', 'treeSize'],
    ['/v1/proofs/inclusion?leafHash=abc', 400, 'MALFORMED_REQUEST', 'leafHash'],
    [`/v1/proofs/inclusion?leafHash=${'AB'.repeat(32)}`, 400, 'MALFORMED_REQUEST', 'leafHash'],
    [`/v1/proofs/inclusion?leafHash=${'ab'.repeat(32)}`, 404, 'NOT_FOUND', 'leafHash'],
    ['/v1/proofs/consistency', 400, 'MALFORMED_REQUEST', 'from'],
    ['/v1/proofs/consistency?from=8', 400, 'OUT_OF_RANGE', 'from'],
    ['/v1/proofs/consistency?from=5&to=4', 400, 'OUT_OF_RANGE', 'from'],
    ['/v1/proofs/consistency?from=1&to=8', 400, 'OUT_OF_RANGE', 'treeSize'],
    ['/v1/proofs/consistency?from=+1', 400, 'MALFORMED_REQUEST', 'from'],
    ['/v1/entries/7', 404, 'NOT_FOUND', 'index'],
    ['/v1/entries/x', 400, 'MALFORMED_REQUEST', 'index'],
    ['/v1/entries', 400, 'MALFORMED_REQUEST', 'start'],
    ['/v1/entries?start=0&count=0', 400, 'MALFORMED_REQUEST', 'count'],
    ['/v1/entries?start=0&count=1001', 400, 'MALFORMED_REQUEST', 'count'],
    ['/v1/receipts/7', 404, 'NOT_FOUND', 'index'],
    ['/v1/receipts/007', 400, 'MALFORMED_REQUEST', 'index'],
    ['/no/such/route', 404, 'NOT_FOUND', undefined],
  ] as const)('GET %s → %i %s', async (path, status, code, field) => {
    await expectProblem(await req(path), status, code, field);
  });

  test('consistency proofs between any two sizes, defaulting to the current one', async () => {
    const roots = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => appendLeaves(0, [], Array.from({ length: n }, (_, i) => leafHash(entryOf(i)))).rootHash);
    for (const [from, to] of [[1, 7], [3, 5], [4, 7], [0, 7], [7, 7]] as const) {
      const body = (await req(`/v1/proofs/consistency?from=${from}&to=${to}`).then((r) => r.json())) as { from: number; to: number; consistencyProof: string[] };
      expect(body).toMatchObject({ from, to });
      verifyConsistency(from, to, body.consistencyProof.map(unb64), roots[from]!, roots[to]!);
    }
    const body = (await req('/v1/proofs/consistency?from=2').then((r) => r.json())) as { to: number; consistencyProof: string[] };
    expect(body.to).toBe(7);
    verifyConsistency(2, 7, body.consistencyProof.map(unb64), roots[2]!, roots[7]!);
  });

  test('entries, one or a page', async () => {
    const one = (await req('/v1/entries/4').then((r) => r.json())) as { index: number; leafHash: string; data: string };
    expect(one).toEqual({ index: 4, leafHash: b64(leafHash(entryOf(4))), data: b64(entryOf(4)) });
    const page = (await req('/v1/entries?start=5&count=10').then((r) => r.json())) as { entries: { index: number }[] };
    expect(page.entries.map((e) => e.index)).toEqual([5, 6]);
  });

  test('GET /v1/receipts/I is a tlog-proof receipt against the current checkpoint', async () => {
    const res = await req('/v1/receipts/5');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const verified = verifyReceipt(await res.text(), entryOf(5), { log: log.verifier });
    expect(verified.checkpoint.treeSize).toBe(7);
  });
});

describe('operations', () => {
  test('healthz, readyz and metrics', async () => {
    await fill(log, 2);
    expect((await req('/healthz')).status).toBe(200);
    expect((await req('/readyz')).status).toBe(200);
    log.setReady(false);
    await expectProblem(await req('/readyz'), 503, 'UNAVAILABLE');
    const metrics = await req('/metrics').then((r) => r.text());
    expect(metrics).toMatch(/sightline_submissions_total\{result="new"\} 2/);
    expect(metrics).toMatch(/sightline_http_requests_total\{method="POST",route="\/v1\/entries",status="201"\} 2/);
  });

  test('every response carries a request id, and logs carry it too', async () => {
    const res = await req('/v1/log', { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(log.logs.some((l) => l.requestId === 'abc-123' && l.route === '/v1/log' && l.status === 200)).toBe(true);
    const generated = (await req('/v1/log')).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    // Problems too: from a route's error, from an unknown route, from the write path.
    for (const path of ['/v1/entries/abc', '/no/such/route']) {
      const problem = await req(path, { headers: { 'x-request-id': 'err-1' } });
      expect(problem.status).toBeGreaterThanOrEqual(400);
      expect(problem.headers.get('x-request-id')).toBe('err-1');
    }
    const denied = await req('/v1/entries', { method: 'POST', body: 'x', headers: { 'x-request-id': 'err-2' } });
    expect([denied.status, denied.headers.get('x-request-id')]).toEqual([401, 'err-2']);
  });
});

describe('problem mapping', () => {
  test.each(Object.keys(PROBLEMS) as LogErrorCode[])('%s has one status, and internal ones are masked', async (code) => {
    const app = new Hono();
    app.get('/', (c) => problemResponse(c, new LogError(code, 'secret detail SELECT 1', { field: 'f', hint: 'h' }), 'rid'));
    const res = await app.request('/');
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(PROBLEMS[code].status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    if (PROBLEMS[code].expose) {
      expect(body).toMatchObject({ type: problemType(code), code, field: 'f', hint: 'h' });
    } else {
      expect(body.code).toBe('INTERNAL');
      expect(JSON.stringify(body)).not.toMatch(/secret|SELECT/);
      expect(body.detail).toMatch(/rid/);
    }
    if (res.status === 503) expect(res.headers.get('retry-after')).toMatch(/^[1-3]$/);
  });
});
