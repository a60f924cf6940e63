/**
 * End to end: the real `sightline serve` with short time limits (set through
 * SIGHTLINE_HEADERS_TIMEOUT_MS and SIGHTLINE_REQUEST_TIMEOUT_MS) against slow clients on raw
 * TCP sockets: headers dribbled a byte a second, and a body dribbled after its headers.
 * Each is cut off within its bound while the server keeps answering others; and a
 * partner's writes beyond its rate limit get 429.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ServerProcess, startServe } from '../support/cli.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';

const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
/** Node checks the limits a quarter of the shorter apart; the rest is a loaded machine's slack. */
const SLACK_MS = 1_500;

let dataDir: string;
let server: ServerProcess;
let token: string;

beforeAll(async () => {
  dataDir = tempDir('slow');
  server = await startServe(['--data-dir', dataDir, '--origin', 'slow.sightline.example/log', '--rate-limit', '1', '--rate-burst', '3'], {
    SIGHTLINE_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    SIGHTLINE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  });
  const added = await runCli(['partner', 'add', 'slow-e2e', '--json', '--data-dir', dataDir]);
  expect(added.code, added.stderr).toBe(0);
  ({ token } = JSON.parse(added.stdout) as { token: string });
});
afterAll(async () => {
  await server?.stop();
});

interface SlowClient {
  /** Resolves when the server closes the connection: what it sent, and after how long. */
  readonly closed: Promise<{ received: string; ms: number }>;
  stop(): void;
}

/** Opens a raw connection, sends `head` at once, then `drip` a byte every `everyMs`. */
function slowClient(head: string, drip: string, everyMs: number): SlowClient {
  const { port, hostname } = new URL(server.url);
  const started = Date.now();
  const socket: Socket = connect(Number(port), hostname);
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('data', (d) => (received += d.toString('latin1')));
  socket.on('error', () => {}); // a reset is a close too
  socket.on('connect', () => {
    socket.write(head);
    let i = 0;
    timer = setInterval(() => {
      if (socket.destroyed || socket.writableEnded) return;
      socket.write(drip[i++ % drip.length]!);
    }, everyMs);
  });
  const closed = new Promise<{ received: string; ms: number }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ received, ms: Date.now() - started });
    }),
  );
  return {
    closed,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

async function healthy(): Promise<void> {
  const res = await fetch(`${server.url}/healthz`);
  expect(res.status).toBe(200);
}

test('headers sent a byte a second: the connection is cut within the headers timeout, and others are served meanwhile', async () => {
  const clients = Array.from({ length: 5 }, () => slowClient('GET /v1/log HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaa', 1_000));
  try {
    await new Promise((r) => setTimeout(r, 300));
    await healthy(); // while they dribble
    const results = await Promise.all(clients.map((c) => c.closed));
    for (const { received, ms } of results) {
      expect(ms).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
      expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
    }
    await healthy();
  } finally {
    clients.forEach((c) => c.stop());
  }
});

test('a body dribbled after its headers: 408 or cut off within the request timeout; a fast write goes through meanwhile', async () => {
  const head = [
    'POST /v1/entries HTTP/1.1',
    'Host: localhost',
    `Authorization: Bearer ${token}`,
    'Content-Type: application/octet-stream',
    'Content-Length: 1000',
    '',
    '',
  ].join('\r\n');
  const client = slowClient(head, 'slow entry ', 200);
  try {
    await new Promise((r) => setTimeout(r, 300));
    await healthy();
    const fast = await fetch(`${server.url}/v1/entries`, { method: 'POST', body: 'a fast entry', headers: { authorization: `Bearer ${token}` } });
    expect(fast.status).toBe(201);
    const { received, ms } = await client.closed;
    expect(ms).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
    await healthy();
    // Nothing of the dribbled entry was written: beside its own first records (the code lists,
    // the token it gave), the log holds the fast entry only.
    const log = (await (await fetch(`${server.url}/v1/log`)).json()) as { treeSize: number };
    expect(log.treeSize).toBe(3);
  } finally {
    client.stop();
  }
});

test('--rate-limit: writes beyond the burst get 429 with Retry-After; reads are not limited', async () => {
  const write = (i: number) => fetch(`${server.url}/v1/entries`, { method: 'POST', body: `burst entry ${i} ${Date.now()}`, headers: { authorization: `Bearer ${token}` } });
  const statuses: number[] = [];
  let limited: Response | undefined;
  for (let i = 0; i < 6; i++) {
    const res = await write(i);
    statuses.push(res.status);
    if (res.status === 429) limited ??= res;
    else await res.arrayBuffer();
  }
  expect(statuses).toContain(429);
  expect(limited!.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  expect(((await limited!.json()) as { code: string }).code).toBe('RATE_LIMITED');
  for (let i = 0; i < 10; i++) expect((await fetch(`${server.url}/checkpoint`)).status).toBe(200);
});
