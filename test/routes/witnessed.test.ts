/**
 * A log with witnesses, through app.request(): /checkpoint serves the latest checkpoint
 * the quorum cosigned (log signature first), receipts are made against it and verify
 * offline with the witness keys, `?witnessed=true` waits (bounded) for a witnessed receipt,
 * /v1/log lists the witnesses and the quorum, and a log without witnesses says so.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { cosignatureVerifier, ed25519Cosigner, openNote, parseCosignatureVerifier } from '../../src/note/index.js';
import { verifyReceipt } from '../../src/receipt/index.js';
import { MemoryWitnessStore, createWitness } from '../../src/witness/index.js';
import type { Post } from '../../src/witnessing/index.js';
import { mountAt } from '../../src/http/mount.js';
import { MemoryStore } from '../support/memory-store.js';
import { TEST_ORIGIN, newTestLog } from '../support/test-log.js';
import { HANG_MS } from '../support/waits.js';

const cosigners = [ed25519Cosigner('w1.witness.example', new Uint8Array(32).fill(1)), ed25519Cosigner('w2.witness.example', new Uint8Array(32).fill(2))];
const witnessVerifiers = cosigners.map((c) => cosignatureVerifier(c.name, c.publicKey));

/** Two in-process witnesses for the test log, reachable through `post` unless paused. */
async function witnessedLog(options: { quorum?: number; waitMs?: number; basePath?: string } = {}) {
  const paused = { value: false };
  let witnesses: ReturnType<typeof createWitness>[] = [];
  const post: Post = async (url, body) => {
    if (paused.value) throw new Error('connect ECONNREFUSED');
    const i = Number(/w(\d)/.exec(url)![1]) - 1;
    return witnesses[i]!.addCheckpoint(body);
  };
  const log = await newTestLog(new MemoryStore(), {
    witnessing: {
      endpoints: cosigners.map((c, i) => ({ url: `https://w${i + 1}.witness.example`, verifierKey: c.verifierKey, verifier: parseCosignatureVerifier(c.verifierKey) })),
      quorum: options.quorum ?? 2,
      post,
      waitMs: options.waitMs ?? 5_000,
    },
    ...(options.basePath === undefined ? {} : { basePath: options.basePath }),
  });
  witnesses = cosigners.map((cosigner) => createWitness({ cosigner, logs: [{ origin: TEST_ORIGIN, verifiers: [log.verifier] }], store: new MemoryWitnessStore(), now: () => Math.floor(Date.now() / 1000) }));
  return { ...log, paused };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe('a log with witnesses', () => {
  test('/checkpoint waits for the first witnessed checkpoint, then serves it with every cosignature, log signature first', async () => {
    const log = await witnessedLog();
    stops.push(() => log.witnessing!.stop());
    const before = await log.app.request('/checkpoint');
    expect(before.status).toBe(503);
    expect(((await before.json()) as { hint: string }).hint).toMatch(/witnesses/);

    const written = await log.submit('first entry', undefined);
    expect(written.status).toBe(201);
    await log.witnessing!.waitFor(1, HANG_MS);
    const res = await log.app.request('/checkpoint');
    expect(res.status).toBe(200);
    const text = await res.text();
    const opened = openNote(text, [log.verifier, ...witnessVerifiers]);
    expect(opened.verified.map((s) => s.name)).toEqual([TEST_ORIGIN, 'w1.witness.example', 'w2.witness.example']);
    expect(opened.text).toBe(`${TEST_ORIGIN}\n1\n${text.split('\n')[2]}\n`);
  });

  test('?witnessed=true answers with a receipt against a witnessed checkpoint, which verifies with quorum 2', async () => {
    const log = await witnessedLog();
    stops.push(() => log.witnessing!.stop());
    const res = await log.app.request('/v1/entries?witnessed=true', { method: 'POST', body: 'waits for witnesses', headers: { authorization: `Bearer ${log.token}` } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { index: number; receipt: string; witnessed: boolean; treeSize: number; checkpoint: string };
    expect(body.witnessed).toBe(true);
    const verified = verifyReceipt(body.receipt, new TextEncoder().encode('waits for witnesses'), { log: log.verifier, witnesses: witnessVerifiers, quorum: 2 });
    expect(verified.leafIndex).toBe(body.index);
    expect(body.checkpoint).toBe(body.receipt.slice(body.receipt.indexOf('\n\n') + 2));

    // GET /v1/receipts/I is against the witnessed checkpoint too.
    const receipt = await (await log.app.request(`/v1/receipts/${body.index}`)).text();
    verifyReceipt(receipt, new TextEncoder().encode('waits for witnesses'), { log: log.verifier, witnesses: witnessVerifiers, quorum: 2 });
  });

  test('typed events take ?witnessed=true as well', async () => {
    const { accessDraft } = await import('../support/events.js');
    const log = await witnessedLog();
    stops.push(() => log.witnessing!.stop());
    const { signedEvent } = await import('../support/events.js');
    const res = await log.app.request('/v1/events?witnessed=true', { method: 'POST', body: JSON.stringify(signedEvent(accessDraft('partner-a', 1, '2026-03-04T10'), TEST_ORIGIN, log.partnerKey.seed)), headers: { authorization: `Bearer ${log.token}`, 'content-type': 'application/json' } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { receipt: string; data: string; witnessed: boolean };
    expect(body.witnessed).toBe(true);
    verifyReceipt(body.receipt, Buffer.from(body.data, 'base64'), { log: log.verifier, witnesses: witnessVerifiers, quorum: 2 });
  });

  test('when the witnesses do not answer in time, the write still succeeds: the log-signed receipt, witnessed false, and where to fetch the witnessed one', async () => {
    const log = await witnessedLog({ waitMs: 200 });
    stops.push(() => log.witnessing!.stop());
    log.paused.value = true;
    const res = await log.app.request('/v1/entries?witnessed=true', { method: 'POST', body: 'no witnesses today', headers: { authorization: `Bearer ${log.token}` } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { index: number; receipt: string; witnessed: boolean };
    expect(body.witnessed).toBe(false);
    expect(res.headers.get('location')).toBe(`/v1/receipts/${body.index}`);
    verifyReceipt(body.receipt, new TextEncoder().encode('no witnesses today'), { log: log.verifier });

    // Not yet witnessed: a clear 404 with Retry-After, then the receipt once the witnesses are back.
    const early = await log.app.request(`/v1/receipts/${body.index}`);
    expect(early.status).toBe(404);
    expect(early.headers.get('retry-after')).toBe('1');
    expect(((await early.json()) as { type: string }).type).toBe('urn:sightline:problem:not-yet-witnessed');
    log.paused.value = false;
    await log.witnessing!.waitFor(body.index + 1, HANG_MS);
    const later = await log.app.request(`/v1/receipts/${body.index}`);
    expect(later.status).toBe(200);
    verifyReceipt(await later.text(), new TextEncoder().encode('no witnesses today'), { log: log.verifier, witnesses: witnessVerifiers, quorum: 2 });
  });

  test('under a prefix of a service of many logs, where to fetch the witnessed receipt is under the prefix', async () => {
    const log = await witnessedLog({ waitMs: 200, basePath: '/logs/dwp-2026/' });
    stops.push(() => log.witnessing!.stop());
    log.paused.value = true;
    const mounted = mountAt('/logs/dwp-2026', log.app.fetch);
    const site = 'http://service.test';
    const res = (await mounted(new Request(`${site}/logs/dwp-2026/v1/entries?witnessed=true`, { method: 'POST', body: 'no witnesses today', headers: { authorization: `Bearer ${log.token}` } })))!;
    expect(res.status).toBe(201);
    const body = (await res.json()) as { index: number; witnessed: boolean };
    expect(body.witnessed).toBe(false);
    const location = res.headers.get('location')!;
    expect(location).toBe(`/logs/dwp-2026/v1/receipts/${body.index}`);
    log.paused.value = false;
    await log.witnessing!.waitFor(body.index + 1, HANG_MS);
    const later = (await mounted(new Request(new URL(location, `${site}/logs/dwp-2026/v1/entries`))))!;
    expect(later.status).toBe(200);
    verifyReceipt(await later.text(), new TextEncoder().encode('no witnesses today'), { log: log.verifier, witnesses: witnessVerifiers, quorum: 2 });
  });

  test('/v1/log lists the witnesses, their keys, what each last cosigned, and the quorum', async () => {
    const log = await witnessedLog({ quorum: 1 });
    stops.push(() => log.witnessing!.stop());
    await log.submit('listed');
    await log.witnessing!.waitFor(1, HANG_MS);
    const body = (await (await log.app.request('/v1/log')).json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      origin: TEST_ORIGIN,
      treeSize: 1,
      quorum: 1,
      witnessedTreeSize: 1,
      witnesses: cosigners.map((c, i) => ({ name: c.name, url: `https://w${i + 1}.witness.example`, verifierKey: c.verifierKey })),
    });
    for (const w of body.witnesses as { cosignedAt?: string }[]) expect(Date.parse(w.cosignedAt ?? '')).not.toBeNaN();
  });

  test('?witnessed= is parsed strictly, before anything is written', async () => {
    const log = await witnessedLog();
    stops.push(() => log.witnessing!.stop());
    const res = await log.app.request('/v1/entries?witnessed=yes', { method: 'POST', body: 'never written', headers: { authorization: `Bearer ${log.token}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { field: string }).field).toBe('witnessed');
    expect(log.sequencer.head().treeSize).toBe(0);
  });
});

describe('a log without witnesses', () => {
  test('serves its own checkpoint, lists no witnesses, and refuses ?witnessed=true without writing', async () => {
    const log = await newTestLog(new MemoryStore());
    expect((await log.app.request('/checkpoint')).status).toBe(200);
    expect(await (await log.app.request('/v1/log')).json()).toMatchObject({ witnesses: [], quorum: 0 });
    const res = await log.app.request('/v1/entries?witnessed=true', { method: 'POST', body: 'x', headers: { authorization: `Bearer ${log.token}` } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'witnessed' });
    const ev = await log.app.request('/v1/events?witnessed=true', { method: 'POST', body: '{}', headers: { authorization: `Bearer ${log.token}`, 'content-type': 'application/json' } });
    expect(ev.status).toBe(400);
    expect(log.sequencer.head().treeSize).toBe(0);
  });
});
