/**
 * The witness's HTTP API through `app.request()`, over the witness core and an in-memory
 * store: add-checkpoint with every spec status, the monitoring API, and the problems.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { LogError } from '../../src/errors.js';
import { problemType } from '../../src/http/problem.js';
import { createWitnessApp } from '../../src/http/witness-app.js';
import { ed25519Cosigner, openCheckpoint, openNote, parseCosignatureVerifier } from '../../src/note/index.js';
import {
  type WitnessEvidence,
  type WitnessStore,
  MAX_ADD_CHECKPOINT_BODY,
  MemoryWitnessStore,
  createWitness,
  formatAddCheckpointRequest,
  parseTreeSizeBody,
} from '../../src/witness/index.js';
import { TestLog, logSigner } from '../support/witness-log.js';

const cosigner = ed25519Cosigner('witness.example/w1', new Uint8Array(32).fill(42));
const witnessVerifier = parseCosignatureVerifier(cosigner.verifierKey);

function setup(store: WitnessStore = new MemoryWitnessStore()) {
  const log = new TestLog();
  log.grow(16);
  const evidence: WitnessEvidence[] = [];
  const records: Record<string, unknown>[] = [];
  const witness = createWitness({
    cosigner,
    logs: [{ origin: log.origin, verifiers: [log.verifier], verifierKeys: [log.signer.verifierKey] }],
    store,
    now: () => 1_700_000_000,
  });
  const app = createWitnessApp({ witness, onEvidence: (e) => void evidence.push(e), log: (r) => void records.push(r) });
  const add = (body: string | Uint8Array, headers: Record<string, string> = {}) => app.request('/add-checkpoint', { method: 'POST', body, headers });
  return { log, app, add, evidence, records };
}

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.type).toBe(problemType(code as never));
  expect(body.status).toBe(status);
  return body;
}

describe('POST /add-checkpoint', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  test('200 text/plain with a cosignature line that verifies with the witness key', async () => {
    const res = await t.add(await t.log.request(0, 8));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const body = await res.text();
    expect(body).toMatch(/^— witness\.example\/w1 \S+\n$/);
    expect(openNote(t.log.checkpoint(8) + body, [witnessVerifier]).verified).toHaveLength(1);
    const next = await t.add(await t.log.request(8, 16));
    expect(next.status).toBe(200);
  });

  test('400 text/plain for a malformed body, or one that is not UTF-8', async () => {
    let res = await t.add('old 1\n');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toMatch(/couldn't parse add-checkpoint request/);
    res = await t.add(new Uint8Array([0x6f, 0x6c, 0x64, 0x20, 0x30, 0x0a, 0x0a, 0xff, 0xfe]));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/UTF-8/);
  });

  test('404 for an unknown origin, 403 without a trusted signature', async () => {
    const other = new TestLog(logSigner(3, 'example.org/other'));
    other.grow(2);
    expect((await t.add(await other.request(0, 2))).status).toBe(404);
    const body = formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [], checkpoint: t.log.checkpoint(2, [logSigner(99)]) });
    const res = await t.add(body);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  test('409 with the stored size as text/x.tlog.size', async () => {
    await t.add(await t.log.request(0, 8));
    const res = await t.add(await t.log.request(4, 16));
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('text/x.tlog.size');
    expect(parseTreeSizeBody(await res.text())).toBe(8);
    expect(t.evidence).toHaveLength(0);
  });

  test('attack: a published checkpoint with a garbage proof, sent again and again, is refused with 422 and leaves no evidence and no log line', async () => {
    await t.add(await t.log.request(0, 6));
    const junk = Array.from({ length: 5 }, (_, i) => new Uint8Array(32).fill(i + 1));
    for (let i = 0; i < 200; i++) {
      const res = await t.add(formatAddCheckpointRequest({ oldSize: 6, consistencyProof: junk.map((h) => h.map((b) => (b + i) % 256)), checkpoint: t.log.checkpoint(16) }));
      expect(res.status).toBe(422);
      expect(await res.text()).toMatch(/does not verify/);
    }
    expect(t.evidence).toHaveLength(0);
    expect(t.records.filter((r) => r.level !== 'info')).toEqual([]);
  });

  test('422 for a fork proven in its own tree: the pair of signed checkpoints is handed to the edge and logged', async () => {
    await t.add(await t.log.request(0, 6));
    const fork = t.log.fork(5);
    fork.grow(11, 'fork');
    const res = await t.add(await fork.request(6, 16));
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/does not verify/);
    expect(t.evidence).toHaveLength(1);
    expect(t.evidence[0]).toMatchObject({ origin: t.log.origin, failure: 'inconsistent', checkpoint: fork.checkpoint(16), oldSize: 6 });
    expect(t.records.some((r) => r.msg === 'refused an inconsistent checkpoint')).toBe(true);
  });

  test('a failing evidence sink is logged; the client still gets its 409', async () => {
    const log = new TestLog();
    log.grow(4);
    const records: Record<string, unknown>[] = [];
    const witness = createWitness({ cosigner, logs: [{ origin: log.origin, verifiers: [log.verifier] }], store: new MemoryWitnessStore(), now: () => 1 });
    const app = createWitnessApp({
      witness,
      onEvidence: () => {
        throw new Error('disk full');
      },
      log: (r) => void records.push(r),
    });
    await app.request('/add-checkpoint', { method: 'POST', body: await log.request(0, 2) });
    const fork = log.fork(1);
    fork.grow(1, 'fork');
    const res = await app.request('/add-checkpoint', { method: 'POST', body: formatAddCheckpointRequest({ oldSize: 2, consistencyProof: [], checkpoint: fork.checkpoint(2) }) });
    expect(res.status).toBe(409);
    expect(records.some((r) => r.msg === "couldn't keep the evidence" && String(r.error).includes('disk full'))).toBe(true);
  });

  test('413 problem for a body over the limit, by Content-Length or as it streams', async () => {
    const big = 'x'.repeat(MAX_ADD_CHECKPOINT_BODY + 1);
    await expectProblem(await t.add(big), 413, 'ENTRY_TOO_LARGE');
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const res = await t.app.request('/add-checkpoint', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    await expectProblem(res, 413, 'ENTRY_TOO_LARGE');
  });

  test('a storage outage is a 503 problem, not a spec status', async () => {
    const down: WitnessStore = {
      latest: async () => {
        throw new LogError('UNAVAILABLE', 'the database is unavailable');
      },
      compareAndSwap: async () => false,
    };
    const { add, log } = setup(down);
    await expectProblem(await add(await log.request(0, 4)), 503, 'UNAVAILABLE');
  });
});

describe('monitoring and operations', () => {
  test('GET /v1/logs: the witness key and each log with its latest cosigned size', async () => {
    const { app, add, log } = setup();
    let res = await app.request('/v1/logs');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: cosigner.name, verifierKey: cosigner.verifierKey, logs: [{ origin: log.origin, verifierKeys: [log.signer.verifierKey], treeSize: null }] });
    await add(await log.request(0, 8));
    res = await app.request('/v1/logs');
    expect(((await res.json()) as { logs: { treeSize: number }[] }).logs[0]!.treeSize).toBe(8);
  });

  test('GET /v1/logs/<origin>/checkpoint: the cosigned checkpoint, or 404', async () => {
    const { app, add, log } = setup();
    const path = `/v1/logs/${encodeURIComponent(log.origin)}/checkpoint`;
    await expectProblem(await app.request(path), 404, 'NOT_FOUND');
    await add(await log.request(0, 8));
    const res = await app.request(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const opened = openCheckpoint(await res.text(), log.verifier, { others: [witnessVerifier] });
    expect(opened.checkpoint.treeSize).toBe(8);
    expect(opened.note.verified.map((s) => s.name)).toEqual([log.origin, cosigner.name]);
    // The origin's slash unencoded works too.
    expect((await app.request(`/v1/logs/${log.origin}/checkpoint`)).status).toBe(200);
    await expectProblem(await app.request(`/v1/logs/${encodeURIComponent('example.org/unknown')}/checkpoint`), 404, 'NOT_FOUND');
    await expectProblem(await app.request('/v1/logs/%E0%A4%A/checkpoint'), 400, 'MALFORMED_REQUEST');
    await expectProblem(await app.request('/v1/logs/x/other'), 404, 'NOT_FOUND');
  });

  test('/healthz, /readyz and unknown routes', async () => {
    const { app } = setup();
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await app.request('/readyz')).status).toBe(200);
    await expectProblem(await app.request('/add-checkpoint'), 404, 'NOT_FOUND');
    await expectProblem(await app.request('/nothing'), 404, 'NOT_FOUND');
  });
});
