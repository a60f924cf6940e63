/**
 * A log with mirrors, through app.request(): the log brings each mirror (an in-process mirror
 * app, reached through `post`) up to every checkpoint, entries and all; `?mirrored=true`
 * answers with a receipt against a checkpoint the mirror quorum holds and cosigned, which
 * verifies offline with the mirror keys; with witnesses too, the one note carries both; a
 * mirror that is down makes the write answer `mirrored: false` and where to fetch the
 * receipt; /v1/log lists the mirrors; a log without mirrors refuses `?mirrored=true`.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { createMirrorApp } from '../../src/http/mirror-app.js';
import { MemoryMirrorStore, createMirror, originHashOf } from '../../src/mirror/index.js';
import type { MirrorPost } from '../../src/mirroring/index.js';
import { cosignatureVerifier, ed25519Cosigner, openNote, parseCosignatureVerifier } from '../../src/note/index.js';
import { verifyReceipt } from '../../src/receipt/index.js';
import { MemoryWitnessStore, createWitness } from '../../src/witness/index.js';
import type { Post } from '../../src/witnessing/index.js';
import { MemoryStore } from '../support/memory-store.js';
import { TEST_ORIGIN, newTestLog } from '../support/test-log.js';
import { HANG_MS } from '../support/waits.js';

const mirrorKeys = [ed25519Cosigner('m1.mirror.example', new Uint8Array(32).fill(11)), ed25519Cosigner('m2.mirror.example', new Uint8Array(32).fill(12))];
const mirrorVerifiers = mirrorKeys.map((c) => cosignatureVerifier(c.name, c.publicKey));
const witnessKey = ed25519Cosigner('w1.witness.example', new Uint8Array(32).fill(13));

async function mirroredLog(options: { quorum?: number; waitMs?: number; witnessed?: boolean } = {}) {
  const down = { value: false };
  let apps: ReturnType<typeof createMirrorApp>[] = [];
  const post: MirrorPost = async (url, body, headers) => {
    if (down.value) throw new Error('connect ECONNREFUSED');
    const u = new URL(url);
    const i = Number(/m(\d)/.exec(u.hostname)![1]) - 1;
    const res = await apps[i]!.request(u.pathname, { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: new Uint8Array(await res.arrayBuffer()) };
  };
  let witness: ReturnType<typeof createWitness> | undefined;
  const witnessPost: Post = async (_url, body) => witness!.addCheckpoint(body);
  const log = await newTestLog(new MemoryStore(), {
    mirroring: {
      endpoints: mirrorKeys.map((c, i) => ({ url: `https://m${i + 1}.mirror.example/`, verifierKey: c.verifierKey, verifier: parseCosignatureVerifier(c.verifierKey) })),
      quorum: options.quorum ?? 2,
      post,
      waitMs: options.waitMs ?? HANG_MS,
    },
    ...(options.witnessed === true
      ? { witnessing: { endpoints: [{ url: 'https://w1.witness.example', verifierKey: witnessKey.verifierKey, verifier: parseCosignatureVerifier(witnessKey.verifierKey) }], quorum: 1, post: witnessPost } }
      : {}),
  });
  witness = createWitness({ cosigner: witnessKey, logs: [{ origin: TEST_ORIGIN, verifiers: [log.verifier] }], store: new MemoryWitnessStore(), now: () => Math.floor(Date.now() / 1000) });
  const mirrors = mirrorKeys.map((cosigner) => createMirror({ cosigner, logs: [{ origin: TEST_ORIGIN, verifiers: [log.verifier] }], store: new MemoryMirrorStore(), now: () => Math.floor(Date.now() / 1000) }));
  apps = mirrors.map((mirror) => createMirrorApp({ mirror, log: () => {}, contact: 'test' }));
  return { ...log, down, mirrors, apps };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const write = (log: Awaited<ReturnType<typeof mirroredLog>>, body: string, query: string) =>
  log.app.request(`/v1/entries${query}`, { method: 'POST', body, headers: { authorization: `Bearer ${log.token}` } });

describe('a log with mirrors', () => {
  test('?mirrored=true answers once two mirrors hold the entry: the receipt verifies with their keys, and each serves the log', async () => {
    const log = await mirroredLog();
    stops.push(() => log.mirroring!.stop());
    for (let i = 0; i < 300; i++) expect((await log.submit(`entry ${i}`)).status).toBe(201);
    const res = await write(log, 'kept in two places', '?mirrored=true');
    expect(res.status).toBe(201);
    const body = (await res.json()) as { index: number; receipt: string; mirrored: boolean; witnessed?: boolean };
    expect(body.mirrored).toBe(true);
    expect(body.witnessed).toBeUndefined();
    const verified = verifyReceipt(body.receipt, new TextEncoder().encode('kept in two places'), { log: log.verifier, mirrors: mirrorVerifiers, mirrorQuorum: 2 });
    expect(verified.mirrorCosigners.map((c) => c.name)).toEqual(['m1.mirror.example', 'm2.mirror.example']);
    // Each mirror serves the log's tree, with its own cosignature on the checkpoint.
    for (const [i, app] of log.apps.entries()) {
      const note = await (await app.request(`/${originHashOf(TEST_ORIGIN)}/checkpoint`)).text();
      expect(openNote(note, [log.verifier, mirrorVerifiers[i]!]).verified).toHaveLength(2);
      const bundle = await app.request(`/${originHashOf(TEST_ORIGIN)}/tile/entries/000`);
      expect(new Uint8Array(await bundle.arrayBuffer())).toEqual(new Uint8Array(await (await log.app.request('/tile/entries/000')).arrayBuffer()));
    }
    // GET /v1/receipts/I?mirrored=true, and /v1/log.
    const receipt = await (await log.app.request(`/v1/receipts/${body.index}?mirrored=true`)).text();
    verifyReceipt(receipt, new TextEncoder().encode('kept in two places'), { log: log.verifier, mirrors: mirrorVerifiers, mirrorQuorum: 2 });
    const status = (await (await log.app.request('/v1/log')).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ mirrorQuorum: 2, mirrors: mirrorKeys.map((m, i) => ({ name: m.name, url: `https://m${i + 1}.mirror.example/`, verifierKey: m.verifierKey })) });
    expect(status.mirroredTreeSize as number).toBeGreaterThan(body.index);
  });

  test('with witnesses, the mirrored checkpoint is the witnessed one: one receipt carries both', async () => {
    const log = await mirroredLog({ witnessed: true, quorum: 1 });
    stops.push(() => log.mirroring!.stop(), () => log.witnessing!.stop());
    const res = await write(log, 'witnessed and mirrored', '?mirrored=true&witnessed=true');
    const body = (await res.json()) as { receipt: string; mirrored: boolean; witnessed: boolean };
    expect(body).toMatchObject({ mirrored: true, witnessed: true });
    const verified = verifyReceipt(body.receipt, new TextEncoder().encode('witnessed and mirrored'), {
      log: log.verifier,
      witnesses: [cosignatureVerifier(witnessKey.name, witnessKey.publicKey)],
      quorum: 1,
      mirrors: mirrorVerifiers,
      mirrorQuorum: 1,
    });
    expect(verified.cosigners).toHaveLength(1);
  });

  test('when the mirrors are down, the write still succeeds: mirrored false, and where to fetch the mirrored receipt once they are back', async () => {
    const log = await mirroredLog({ waitMs: 200 });
    stops.push(() => log.mirroring!.stop());
    log.down.value = true;
    const res = await write(log, 'no mirrors today', '?mirrored=true');
    expect(res.status).toBe(201);
    const body = (await res.json()) as { index: number; mirrored: boolean };
    expect(body.mirrored).toBe(false);
    expect(res.headers.get('location')).toBe(`/v1/receipts/${body.index}?mirrored=true`);
    const early = await log.app.request(`/v1/receipts/${body.index}?mirrored=true`);
    expect(early.status).toBe(404);
    expect(early.headers.get('retry-after')).toBe('2');
    expect(((await early.json()) as { type: string }).type).toBe('urn:sightline:problem:not-yet-mirrored');
    expect(((await (await log.app.request('/v1/log')).json()) as { mirrors: { lastError?: string }[] }).mirrors[0]!.lastError).toMatch(/ECONNREFUSED/);
    log.down.value = false;
    await log.submit('another');
    await log.mirroring!.waitFor(body.index + 1, HANG_MS);
    expect((await log.app.request(`/v1/receipts/${body.index}?mirrored=true`)).status).toBe(200);
    expect((await log.app.request('/v1/receipts/999?mirrored=true')).status).toBe(404);
  });

  test('?mirrored= is parsed strictly, before anything is written', async () => {
    const log = await mirroredLog();
    stops.push(() => log.mirroring!.stop());
    const res = await write(log, 'never written', '?mirrored=1');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { field: string }).field).toBe('mirrored');
    expect(log.sequencer.head().treeSize).toBe(0);
  });
});

describe('the explorer of a log with mirrors', () => {
  test('names the mirrors for the browser checks to read from, and opens connect-src to them alone', async () => {
    const log = await newTestLog(new MemoryStore(), {
      web: {},
      mirroring: {
        endpoints: mirrorKeys.map((c, i) => ({ url: `https://m${i + 1}.mirror.example:8443/base/`, verifierKey: c.verifierKey, verifier: parseCosignatureVerifier(c.verifierKey) })),
        quorum: 1,
        post: async () => {
          throw new Error('down');
        },
      },
    });
    stops.push(() => log.mirroring!.stop());
    const res = await log.app.request('/', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<meta name="sightline-mirror" content="https://m1.mirror.example:8443/base/">');
    expect(html).toContain('<meta name="sightline-mirror" content="https://m2.mirror.example:8443/base/">');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/connect-src 'self' https:\/\/m1\.mirror\.example:8443 https:\/\/m2\.mirror\.example:8443;/);
    expect(csp).toContain("script-src 'self';");
  });

  test("the mirror's reads are open to any origin, its writes are not", async () => {
    const mirror = createMirror({ cosigner: mirrorKeys[0]!, logs: [], store: new MemoryMirrorStore(), now: () => 1 });
    const app = createMirrorApp({ mirror, log: () => {}, contact: 'c' });
    expect((await app.request('/logs.txt')).headers.get('access-control-allow-origin')).toBe('*');
    expect((await app.request('/add-checkpoint', { method: 'POST', body: 'x' })).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('a log without mirrors', () => {
  test('refuses ?mirrored=true without writing, and lists no mirrors', async () => {
    const log = await newTestLog(new MemoryStore());
    const res = await log.app.request('/v1/entries?mirrored=true', { method: 'POST', body: 'x', headers: { authorization: `Bearer ${log.token}` } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'mirrored' });
    expect(log.sequencer.head().treeSize).toBe(0);
    expect((await log.app.request('/v1/receipts/0?mirrored=true')).status).toBe(400);
    expect(await (await log.app.request('/v1/log')).json()).not.toHaveProperty('mirrors');
  });
});
