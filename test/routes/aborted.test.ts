/**
 * A client that closes its request mid-body is the client's abort, not the server's error:
 * anyone could otherwise set off 5xx alerts at will. It is logged as such (no "unhandled
 * error", no stack), counted under 499 (client closed request), and the log is unchanged.
 */
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { afterEach, expect, test } from 'vitest';
import { mountAt } from '../../src/http/mount.js';
import { createWitnessApp } from '../../src/http/witness-app.js';
import { ed25519Cosigner } from '../../src/note/index.js';
import { MemoryWitnessStore, createWitness } from '../../src/witness/index.js';
import { TestLog } from '../support/witness-log.js';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';
import { until } from '../support/waits.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function served(fetch: (req: Request) => Response | Promise<Response>): Promise<number> {
  const server = createServer(getRequestListener(fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** Sends the head and part of a body, then closes the connection. */
function abortMidBody(port: number, head: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`${head}\r\n\r\npart of a body`, () => setImmediate(() => socket.destroy()));
    });
    socket.on('close', () => resolve());
    socket.on('error', () => undefined);
  });
}

test('a partner closing a write mid-body: logged and counted as the client’s abort, never as a 500', async () => {
  const log = await newTestLog(new MemoryStore());
  const port = await served(log.app.fetch);
  const before = (await log.store.readHead()).treeSize;
  const head = `POST /v1/entries HTTP/1.1\r\nHost: log.test\r\nAuthorization: Bearer ${log.token}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000`;
  await abortMidBody(port, head);
  await until(() => log.logs.some((r) => r.msg === 'request' && r.route === '/v1/entries'), 'the aborted request to be logged');
  const record = log.logs.find((r) => r.msg === 'request' && r.route === '/v1/entries')!;
  expect(record).toMatchObject({ level: 'info', status: 499 });
  expect(log.logs.filter((r) => r.msg === 'unhandled error')).toEqual([]);
  const metrics = await (await log.app.request('/metrics')).text();
  expect(metrics).not.toMatch(/status="5\d\d"/);
  expect(metrics).toMatch(/status="499"/);
  expect((await log.store.readHead()).treeSize).toBe(before);
  // The same with a chunked body.
  await abortMidBody(port, `POST /v1/events HTTP/1.1\r\nHost: log.test\r\nAuthorization: Bearer ${log.token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"event": {"typ`);
  await until(() => log.logs.some((r) => r.msg === 'request' && r.route === '/v1/events'), 'the aborted chunked request to be logged');
  expect(log.logs.find((r) => r.msg === 'request' && r.route === '/v1/events')).toMatchObject({ level: 'info', status: 499 });
  expect(log.logs.filter((r) => r.msg === 'unhandled error')).toEqual([]);
});

test('the same for a log under a prefix of a service of many logs: the abort reaches the log through the mount', async () => {
  const log = await newTestLog(new MemoryStore(), { basePath: '/logs/dwp-2026/' });
  const mounted = mountAt('/logs/dwp-2026', log.app.fetch);
  const port = await served(async (req) => (await mounted(req)) ?? new Response('not a log', { status: 404 }));
  const before = (await log.store.readHead()).treeSize;
  await abortMidBody(port, `POST /logs/dwp-2026/v1/entries HTTP/1.1\r\nHost: log.test\r\nAuthorization: Bearer ${log.token}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000`);
  await until(() => log.logs.some((r) => r.msg === 'request' && r.route === '/v1/entries'), 'the aborted request to be logged');
  expect(log.logs.find((r) => r.msg === 'request' && r.route === '/v1/entries')).toMatchObject({ level: 'info', status: 499 });
  expect(log.logs.filter((r) => r.msg === 'unhandled error')).toEqual([]);
  expect((await log.store.readHead()).treeSize).toBe(before);
});

test('the same on the witness, where anyone may write: closing add-checkpoint mid-body is no 500', async () => {
  const log = new TestLog();
  const witness = createWitness({
    cosigner: ed25519Cosigner('witness.example/w1', new Uint8Array(32).fill(42)),
    store: new MemoryWitnessStore(),
    now: () => 1_700_000_000,
    logs: [{ origin: log.origin, verifiers: [log.verifier], verifierKeys: [log.signer.verifierKey] }],
  });
  const records: Record<string, unknown>[] = [];
  const app = createWitnessApp({ witness, onEvidence: () => undefined, log: (r) => void records.push(r), accessLog: true });
  const port = await served(app.fetch);
  await abortMidBody(port, 'POST /add-checkpoint HTTP/1.1\r\nHost: witness.test\r\nContent-Length: 1000');
  await until(() => records.some((r) => r.msg === 'request'), 'the aborted request to be logged');
  expect(records.find((r) => r.msg === 'request')).toMatchObject({ level: 'info', status: 499 });
  expect(records.filter((r) => r.msg === 'unhandled error')).toEqual([]);
});
