/**
 * The mirror's HTTP API through `app.request()`, over the mirror core and an in-memory store:
 * a feeder speaking HTTP (gzipped and not) brings it up to the log, then the log is read back
 * from it as tlog-tiles under the origin's hash; the logs/v0 list, the monitoring API, and the
 * problems for what is not the protocol.
 */
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, test } from 'vitest';
import { problemType } from '../../src/http/problem.js';
import { createMirrorApp } from '../../src/http/mirror-app.js';
import { parseLogList } from '../../src/discovery/index.js';
import { TILE_WIDTH } from '../../src/merkle/index.js';
import { MemoryMirrorStore, type MirrorTarget, createMirror, feedMirror, originHashOf } from '../../src/mirror/index.js';
import { ed25519Cosigner, ed25519Verifier, openNote, parseCosignatureVerifier } from '../../src/note/index.js';
import type { WitnessEvidence } from '../../src/witness/index.js';
import { TiledLog } from '../support/tiled-log.js';

const cosigner = ed25519Cosigner('mirror.example/m1', new Uint8Array(32).fill(3));

function setup() {
  const log = new TiledLog();
  const evidence: WitnessEvidence[] = [];
  const mirrored: [string, number][] = [];
  const mirror = createMirror({
    cosigner,
    logs: [{ origin: log.origin, verifiers: [ed25519Verifier(log.signer.name, log.signer.publicKey)], verifierKeys: [log.signer.verifierKey] }],
    store: new MemoryMirrorStore(),
    now: () => 1_780_000_000,
  });
  const app = createMirrorApp({ mirror, onEvidence: (e) => void evidence.push(e), onMirrored: (o, n) => void mirrored.push([o, n]), log: () => {}, contact: 'mirror@example.org' });
  return { log, app, mirror, evidence, mirrored };
}

/** A feed target over the app's HTTP routes; `gzip` compresses the add-entries bodies. */
function httpTarget(app: ReturnType<typeof setup>['app'], gzip: boolean): MirrorTarget {
  const answer = async (res: Response) => ({ status: res.status, contentType: res.headers.get('content-type') ?? '', body: new Uint8Array(await res.arrayBuffer()) });
  return {
    addCheckpoint: async (body) => answer(await app.request('/add-checkpoint', { method: 'POST', body })),
    addEntries: async (parts) => {
      const raw = Buffer.concat(parts);
      const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
      if (gzip) headers['Content-Encoding'] = 'gzip';
      return answer(await app.request('/add-entries', { method: 'POST', body: gzip ? gzipSync(raw) : raw, headers }));
    },
  };
}

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.type).toBe(problemType(code as never));
  return body;
}

describe('the mirror over HTTP', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  test.each([false, true])('takes a log pushed over HTTP (gzip %s) and serves it back byte for byte', async (gzip) => {
    const { log, app } = t;
    log.grow(1_000, (i) => new TextEncoder().encode(`entry ${i}`));
    const result = await feedMirror({ target: httpTarget(app, gzip), source: log.served, checkpoint: { note: log.checkpoint(), origin: log.origin, treeSize: log.size, rootHash: log.root() } });
    expect(result.outcome).toBe('mirrored');
    expect(t.mirrored).toEqual([[log.origin, 1_000]]);
    const prefix = `/${originHashOf(log.origin)}`;
    const checkpoint = await app.request(`${prefix}/checkpoint`);
    expect(checkpoint.status).toBe(200);
    const note = await checkpoint.text();
    expect(openNote(note, [parseCosignatureVerifier(cosigner.verifierKey)]).verified).toHaveLength(1);
    for (const [path, bytes] of await log.allPaths()) {
      const res = await app.request(`${prefix}/${path}`);
      expect(res.status, path).toBe(200);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
      expect(res.headers.get('cache-control')).toBe(path.includes('.p/') ? 'public, max-age=3600' : 'public, max-age=31536000, immutable');
    }
    // Past the cosigned tree, and not a tile path: a problem, never bytes.
    await expectProblem(await app.request(`${prefix}/tile/entries/003.p/233`), 404, 'NOT_FOUND');
    await expectProblem(await app.request(`${prefix}/tile/0/03`), 404, 'MALFORMED_TILE');
    await expectProblem(await app.request(`/${'0'.repeat(64)}/checkpoint`), 404, 'NOT_FOUND');
    await expectProblem(await app.request(`/${originHashOf(log.origin).toUpperCase()}/checkpoint`), 404, 'NOT_FOUND');
  });

  test('answers add-entries with the 202 the spec words, in text/x.tlog.mirror-info, and says it takes gzip', async () => {
    const { log, app } = t;
    log.grow(3 * TILE_WIDTH);
    const target = httpTarget(app, true);
    await target.addCheckpoint(`old 0\n\n${log.checkpoint()}`);
    const res = await app.request('/add-entries', {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.concat([Buffer.from([0, log.origin.length]), Buffer.from(log.origin), Buffer.alloc(8), Buffer.from([0, 0, 0, 0, 0, 0, 3, 0]), Buffer.from([0, 0])]),
    });
    expect(res.status).toBe(400); // the header alone: no package
    const empty = await app.request('/add-entries', {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.concat([Buffer.from([0, log.origin.length]), Buffer.from(log.origin), Buffer.from([0, 0, 0, 0, 0, 0, 3, 0]), Buffer.from([0, 0, 0, 0, 0, 0, 3, 0]), Buffer.from([0, 0])]),
    });
    expect(empty.status).toBe(409); // starts past the next entry
    expect(empty.headers.get('content-type')).toBe('text/x.tlog.mirror-info');
    expect(empty.headers.get('accept-encoding')).toBe('gzip');
    expect(await empty.text()).toBe('768\n0\n\n');
  });

  test('refuses what is not the protocol with problems: another content type or encoding', async () => {
    const { app } = t;
    const wrongType = await expectProblem(await app.request('/add-entries', { method: 'POST', body: 'x', headers: { 'Content-Type': 'text/plain' } }), 400, 'MALFORMED_REQUEST');
    expect(wrongType.field).toBe('Content-Type');
    const wrongEncoding = await expectProblem(
      await app.request('/add-entries', { method: 'POST', body: 'x', headers: { 'Content-Type': 'application/octet-stream', 'Content-Encoding': 'br' } }),
      400,
      'MALFORMED_REQUEST',
    );
    expect(wrongEncoding.field).toBe('Content-Encoding');
    // A gzip body that is not gzip: the stream fails, and nothing is stored.
    const res = await app.request('/add-entries', { method: 'POST', body: 'not gzip', headers: { 'Content-Type': 'application/octet-stream', 'Content-Encoding': 'gzip' } });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/couldn't read the add-entries body/);
    expect((await t.mirror.progress(t.log.origin)).nextEntry).toBe(0);
  });

  test('publishes the logs it accepts as logs/v0, and how far it holds each', async () => {
    const { app, log } = t;
    const list = await app.request('/logs.txt');
    expect(list.status).toBe(200);
    const parsed = parseLogList(await list.text());
    expect(parsed).toEqual([{ vkey: log.signer.verifierKey, origin: log.origin, qpd: 1440, contact: 'mirror@example.org' }]);
    const logs = (await (await app.request('/v1/logs')).json()) as { name: string; verifierKey: string; logs: unknown[] };
    expect(logs).toEqual({
      name: 'mirror.example/m1',
      verifierKey: cosigner.verifierKey,
      logs: [{ origin: log.origin, originHash: originHashOf(log.origin), verifierKeys: [log.signer.verifierKey], pendingSize: null, nextEntry: 0, mirrorSize: null }],
    });
    await expectProblem(await app.request(`/${originHashOf(log.origin)}/checkpoint`), 404, 'NOT_FOUND');
  });

  test('keeps the evidence of a fork pushed to it', async () => {
    const { app, log } = t;
    log.grow(10);
    await feedMirror({ target: httpTarget(app, false), source: log.served, checkpoint: { note: log.checkpoint(), origin: log.origin, treeSize: 10, rootHash: log.root() } });
    const fork = new TiledLog(log.signer);
    fork.grow(10, (i) => new TextEncoder().encode(`other ${i}`));
    const res = await app.request('/add-checkpoint', { method: 'POST', body: `old 10\n\n${fork.checkpoint()}` });
    expect(res.status).toBe(409);
    expect(t.evidence.map((e) => e.failure)).toEqual(['conflicting-root']);
  });
});

describe('uploads at once', () => {
  test('are bounded: one more than the mirror reads is 503 with Retry-After, before its body is read', async () => {
    const log = new TiledLog();
    log.grow(10);
    const mirror = createMirror({ cosigner, logs: [{ origin: log.origin, verifiers: [ed25519Verifier(log.signer.name, log.signer.publicKey)] }], store: new MemoryMirrorStore(), now: () => 1 });
    const app = createMirrorApp({ mirror, log: () => {}, contact: 'c', maxUploads: 1 });
    await app.request('/add-checkpoint', { method: 'POST', body: `old 0\n\n${log.checkpoint()}` });
    // An upload that sends its header and then holds the connection open.
    let release!: () => void;
    const held = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([0, log.origin.length, ...new TextEncoder().encode(log.origin), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0]));
        release = () => controller.close();
      },
    });
    const first = app.request('/add-entries', { method: 'POST', body: held, headers: { 'Content-Type': 'application/octet-stream' }, duplex: 'half' } as RequestInit);
    let pulled = false;
    const second = await app.request('/add-entries', {
      method: 'POST',
      body: new ReadableStream({ pull: (c) => { pulled = true; c.close(); } }, { highWaterMark: 0 }),
      headers: { 'Content-Type': 'application/octet-stream' },
      duplex: 'half',
    } as RequestInit);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).not.toBeNull();
    expect(pulled).toBe(false);
    release();
    expect((await first).status).toBe(400); // the held upload, ended with no package
    const third = await app.request('/add-entries', { method: 'POST', body: new Uint8Array(0), headers: { 'Content-Type': 'application/octet-stream' } });
    expect(third.status).toBe(400); // read again once the first was done
  });
});
