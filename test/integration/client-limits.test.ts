/**
 * The HTTP server's own limits, on a real listening server: a client that leaves its answer
 * unread is cut off after the send timeout (and its memory and socket go), and one address
 * holds at most N connections at once (the next is answered 429 and closed).
 */
import type { Server } from 'node:http';
import { type Socket, connect } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { type ConnectionLimit, closeServer, createConnectionLimit, listen } from '../../src/cli/http-server.js';
import { problemType } from '../../src/http/index.js';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';
import { until } from '../support/waits.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await closeServer(s);
});

async function serve(fetch: (r: Request) => Response | Promise<Response>, sendTimeoutMs: number, limit?: ConnectionLimit) {
  const { server, url } = await listen(fetch, 0, '127.0.0.1', { sendTimeoutMs }, limit === undefined ? {} : { connections: limit });
  servers.push(server);
  const port = Number(new URL(url).port);
  const connections = () => new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
  return { server, port, connections };
}

/** A raw connection to the server; destroyed after the test whatever happens. */
async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Everything the server sends on `socket` until it closes it. */
function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => resolve(text));
    socket.on('close', () => resolve(text));
  });
}

test('a client that never reads a large answer is cut off after the send timeout; its socket and buffers go', async () => {
  const big = new Uint8Array(64 * 1024 * 1024).fill(120); // far beyond what the kernel's buffers take
  let served = 0;
  const { server, port, connections } = await serve(() => {
    served++;
    return new Response(big, { headers: { 'content-type': 'application/octet-stream' } });
  }, 300);
  const closedOnServer = new Promise<void>((resolve) => server.once('connection', (s: Socket) => s.once('close', () => resolve())));
  const client = await open(port);
  client.pause(); // never reads
  client.on('error', () => {}); // the cut may reach it as a reset
  client.write(`GET /big HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(20)); // pipelined: more answers queue behind the first
  await until(() => served >= 1, 'the server to start answering');
  await closedOnServer;
  await until(async () => (await connections()) === 0, 'the server to hold no connection');
  // Pipelined requests are answered one at a time: the 19 behind the unread answer never ran.
  expect(served).toBe(1);
});

test('a client that reads steadily is not cut off, though the answer takes several times the send timeout', async () => {
  const big = new Uint8Array(48 * 1024 * 1024).fill(121);
  const { port } = await serve(() => new Response(big), 500);
  const client = await open(port);
  let received = 0;
  const started = performance.now();
  const done = new Promise<void>((resolve, reject) => {
    client.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // Reads in short bursts, as a slow link would deliver it.
      client.pause();
      setTimeout(() => client.resume(), 2).unref();
    });
    client.on('close', () => (received > big.length ? resolve() : reject(new Error(`cut off after ${received} bytes`))));
  });
  client.write('GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await done;
  expect(received).toBeGreaterThan(big.length);
  expect(performance.now() - started).toBeGreaterThan(500); // it did outlast the timeout
});

test('one address holds at most N connections: a request on the next is answered 429 with Retry-After and a problem, and closed; a partner is served; a freed slot is usable', async () => {
  const connections = createConnectionLimit(3);
  const log = await newTestLog(new MemoryStore(), { addressLimit: { trustProxy: false, refusedConnection: connections.refused } });
  const { port, connections: count } = await serve(log.app.fetch, 30_000, connections);
  const held = [await open(port), await open(port), await open(port)];
  await until(async () => (await count()) === 3, 'three connections open');
  const extra = await open(port);
  const answer = readAll(extra);
  extra.write('GET /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n');
  const text = await answer; // complete once the server closes the connection
  expect(text).toMatch(/^HTTP\/1\.1 429 /);
  expect(text).toMatch(/\r\nretry-after: 1\r\n/i);
  expect(text).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
  expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ type: problemType('TOO_MANY_REQUESTS'), status: 429, code: 'TOO_MANY_REQUESTS' });
  // A partner's request on a connection beyond the limit is served: partners are limited per partner.
  const partner = await open(port);
  const partnerAnswer = readAll(partner);
  partner.write(`GET /checkpoint HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${log.token}\r\nConnection: close\r\n\r\n`);
  expect(await partnerAnswer).toMatch(/^HTTP\/1\.1 200 /);
  // The connections held still work; once one closes, a new connection is served.
  const first = readAll(held[0]!);
  held[0]!.write('GET /checkpoint HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  expect(await first).toMatch(/^HTTP\/1\.1 200 /);
  await until(async () => (await count()) === 2, 'the closed connection to be counted out');
  const next = await open(port);
  const nextAnswer = readAll(next);
  next.write('GET /checkpoint HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  expect(await nextAnswer).toMatch(/^HTTP\/1\.1 200 /);
});
