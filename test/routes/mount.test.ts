/**
 * mountAt: one log's app at a URL prefix. The attacks first: paths that leave the prefix
 * (dot segments, plain and percent-encoded), encoded slashes, a longer last segment, other
 * cases, encoded forms of the prefix, doubled slashes — each either answered as the log's
 * own path (exactly what the app at the root would see) or left to the next handler, never
 * given to the log with a path outside it. Then what must be kept: method, query, headers,
 * body, abort signal, and the server's bindings (the client's socket and address).
 */
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import fc from 'fast-check';
import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { mountAt } from '../../src/http/mount.js';
import { onCleanup } from '../support/cleanup.js';

type Bindings = { incoming?: { socket?: { remoteAddress?: string } } };

/** An app that says what it was asked: method, path and query, body, a header, the client's address. */
function echoApp() {
  const app = new Hono<{ Bindings: Bindings }>();
  app.all('*', async (c) =>
    c.json({
      method: c.req.method,
      path: c.req.path,
      url: new URL(c.req.url).pathname + new URL(c.req.url).search,
      body: await c.req.text(),
      header: c.req.header('x-test') ?? null,
      address: c.env?.incoming?.socket?.remoteAddress ?? null,
    }),
  );
  return app;
}

const PREFIX = '/logs/dwp-2026';
const mounted = mountAt(PREFIX, echoApp().fetch);

/** The mounted app's answer for `path` (as the URL parser makes it), or 'next' when it is not the log's. */
async function ask(path: string, init: RequestInit = {}): Promise<Response | 'next'> {
  return (await mounted(new Request(`http://log.test${path}`, init))) ?? 'next';
}

async function innerUrl(path: string): Promise<string | 'next'> {
  const res = await ask(path);
  if (res === 'next') return res;
  expect(res.status, path).toBe(200);
  return ((await res.json()) as { url: string }).url;
}

describe('which paths are the log’s', () => {
  test.each([
    ['/logs/dwp-2026/', '/'],
    ['/logs/dwp-2026/checkpoint', '/checkpoint'],
    ['/logs/dwp-2026/tile/0/000', '/tile/0/000'],
    ['/logs/dwp-2026/v1/entries?start=0&count=2', '/v1/entries?start=0&count=2'],
    ['/logs/dwp-2026/entries/5?x=%2F..%2F', '/entries/5?x=%2F..%2F'],
    // Dot segments that stay inside are resolved inside.
    ['/logs/dwp-2026/./checkpoint', '/checkpoint'],
    ['/logs/dwp-2026/v1/../checkpoint', '/checkpoint'],
    ['/logs/dwp-2026/%2e%2E/dwp-2026/checkpoint', '/checkpoint'],
    // What follows the prefix is passed on as it is: the log answers it as it would at the root.
    ['/logs/dwp-2026//checkpoint', '//checkpoint'],
    ['/logs/dwp-2026/v1%2F..%2F..%2Fother', '/v1%2F..%2F..%2Fother'],
    ['/logs/dwp-2026/v1/..', '/'],
  ])('%s → %s', async (path, inner) => {
    expect(await innerUrl(path)).toBe(inner);
  });

  test.each([
    // Leaving the prefix with dot segments, plain, encoded, or with backslashes.
    '/logs/dwp-2026/../other/checkpoint',
    '/logs/dwp-2026/%2e%2e/other/checkpoint',
    '/logs/dwp-2026/.%2E/other/checkpoint',
    '/logs/dwp-2026/..',
    '/logs/dwp-2026/%2e%2e',
    '/logs/dwp-2026\\..\\other\\checkpoint',
    // An encoded slash is not a segment boundary.
    '/logs/dwp-2026%2F..',
    '/logs/dwp-2026%2Fcheckpoint',
    '/logs/dwp-2026%2fcheckpoint',
    '/logs%2Fdwp-2026/checkpoint',
    // A longer last segment, or another log whose name starts with this one's.
    '/logs/dwp-20260/',
    '/logs/dwp-20260',
    '/logs/dwp-2026-old/checkpoint',
    '/logs/dwp-2026;x/checkpoint',
    // Doubled slashes before or inside the prefix.
    '//logs/dwp-2026/checkpoint',
    '/logs//dwp-2026/checkpoint',
    // Other cases and encoded forms of the prefix: not this log's (the service publishes one form).
    '/LOGS/DWP-2026/checkpoint',
    '/logs/DWP-2026/checkpoint',
    '/Logs/dwp-2026/checkpoint',
    '/logs/dwp%2D2026/checkpoint',
    '/%6cogs/dwp-2026/checkpoint',
    '/logs/dwp-2026%20/checkpoint',
    // Above the prefix.
    '/',
    '/logs',
    '/logs/',
    '/checkpoint',
  ])('%s is left to the next handler', async (path) => {
    expect(await ask(path)).toBe('next');
  });

  test('the prefix itself is redirected to its home page, the query and the method kept (308)', async () => {
    for (const [path, location] of [
      ['/logs/dwp-2026', '/logs/dwp-2026/'],
      ['/logs/dwp-2026?index=5', '/logs/dwp-2026/?index=5'],
    ] as const) {
      const res = await ask(path);
      expect(res, path).not.toBe('next');
      const r = res as Response;
      expect(r.status, path).toBe(308);
      expect(r.headers.get('location')).toBe(location);
    }
    const post = (await ask('/logs/dwp-2026', { method: 'POST', body: 'x' })) as Response;
    expect(post.status).toBe(308);
  });

  test('a prefix is a path of plain segments below the root', () => {
    expect(() => mountAt('/', echoApp().fetch)).toThrow();
    expect(() => mountAt('', echoApp().fetch)).toThrow();
    for (const bad of ['/logs/../x', '/logs/./x', '/logs//x', '/logs/x%2Fy', '/logs/x?y', '/logs/x#y', '/logs/x y', '/logs\\x', '/logs/é']) {
      expect(() => mountAt(bad, echoApp().fetch), bad).toThrow(/base path/);
    }
    // With or without the trailing slash: the same mount.
    expect(() => mountAt('/logs/dwp-2026/', echoApp().fetch)).not.toThrow();
  });

  test('a mount with a trailing slash matches as one without', async () => {
    const other = mountAt('/logs/dwp-2026/', echoApp().fetch);
    expect(await other(new Request('http://log.test/logs/dwp-20260/'))).toBeUndefined();
    expect((await other(new Request('http://log.test/logs/dwp-2026')))?.status).toBe(308);
    expect((await other(new Request('http://log.test/logs/dwp-2026/checkpoint')))?.status).toBe(200);
  });
});

describe('any path, made of the tricky pieces', () => {
  const PIECES = ['logs', 'dwp-2026', 'dwp-20260', 'DWP-2026', 'dwp%2D2026', '..', '.', '%2e%2e', '%2E.', '.%2e', '%2e', '', 'x', 'checkpoint', 'v1', 'dwp-2026%2F..', '%2F', '%2f..', '\\..', ';', '%20', '%00', 'é'];

  test('the log is given exactly the paths under its prefix, already resolved, and nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...PIECES), { minLength: 0, maxLength: 6 }), fc.constantFrom('', '?a=1', '?x=/../..'), async (pieces, query) => {
        const path = `/${pieces.join('/')}`;
        const resolved = new URL(`http://log.test${path}`).pathname; // what any HTTP client and server take it to mean
        const res = await mounted(new Request(`http://log.test${path}${query}`));
        if (resolved === PREFIX) {
          expect(res?.status, path).toBe(308);
          return;
        }
        if (!resolved.startsWith(`${PREFIX}/`)) {
          expect(res, path).toBeUndefined();
          return;
        }
        expect(res?.status, path).toBe(200);
        const inner = ((await res!.json()) as { url: string }).url;
        // Under the prefix, as the client meant it; the query kept.
        expect(PREFIX + inner, path).toBe(resolved + new URL(`http://log.test/${query}`).search);
        // Already resolved: nothing in it climbs out of the log's root when resolved again.
        const innerPath = inner.split('?')[0]!;
        expect(new URL(`http://log.test${innerPath}`).pathname, path).toBe(innerPath);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('what is passed on', () => {
  test('method, query, headers and body', async () => {
    const res = (await ask('/logs/dwp-2026/v1/entries?witnessed=true', { method: 'POST', body: 'an entry', headers: { 'x-test': 'kept' } })) as Response;
    expect(await res.json()).toEqual({ method: 'POST', path: '/v1/entries', url: '/v1/entries?witnessed=true', body: 'an entry', header: 'kept', address: null });
    const head = (await ask('/logs/dwp-2026/checkpoint', { method: 'HEAD' })) as Response;
    expect(head.status).toBe(200);
  });

  test('the server’s bindings: the client’s socket reaches the app', async () => {
    const res = await mounted(new Request('http://log.test/logs/dwp-2026/checkpoint'), { incoming: { socket: { remoteAddress: '192.0.2.7' } } });
    expect(((await res!.json()) as { address: string }).address).toBe('192.0.2.7');
  });

  test('the abort signal: a client that goes is gone for the app too', async () => {
    let seen: AbortSignal | undefined;
    const inner = mountAt(PREFIX, (req: Request) => {
      seen = req.signal;
      return new Response('ok');
    });
    const controller = new AbortController();
    await inner(new Request('http://log.test/logs/dwp-2026/checkpoint', { signal: controller.signal }));
    expect(seen!.aborted).toBe(false);
    controller.abort();
    expect(seen!.aborted).toBe(true);
  });
});

describe('over a real socket (@hono/node-server), with raw request targets', () => {
  async function serve(): Promise<number> {
    const handler = async (req: Request, env: unknown) => (await mounted(req, env as Bindings)) ?? new Response('next', { status: 404 });
    const server = createServer(getRequestListener(handler));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return (server.address() as AddressInfo).port;
  }

  /** Sends `method target` as written (no client normalizes it) and reads the whole answer. */
  function raw(port: number, target: string, body = ''): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        const head = body === '' ? `GET ${target} HTTP/1.1` : `POST ${target} HTTP/1.1\r\nContent-Length: ${Buffer.byteLength(body)}`;
        socket.write(`${head}\r\nHost: log.test\r\nConnection: close\r\n\r\n${body}`);
      });
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => {
        const answer = Buffer.concat(chunks).toString('utf8');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
        resolve({ status, text: answer.slice(answer.indexOf('\r\n\r\n') + 4) });
      });
    });
  }

  test('paths outside the prefix, however written, never reach the log', async () => {
    const port = await serve();
    for (const target of ['/logs/dwp-2026/../other', '/logs/dwp-2026/%2e%2e/other', '/logs/dwp-2026/%2E%2e/other', '/logs/dwp-2026%2F..', '/logs/dwp-2026%2f..%2fother', '//logs/dwp-2026/x', '/logs/dwp-20260/', '/LOGS/dwp-2026/x', '/logs/dwp-2026/./../other']) {
      const { status, text } = await raw(port, target);
      expect(text, target).not.toMatch(/"path"/);
      expect([400, 404], target).toContain(status);
    }
  });

  test('inside the prefix: the path, the body and the client’s address reach the log', async () => {
    const port = await serve();
    const got = await raw(port, '/logs/dwp-2026/v1/entries?start=1', 'a body');
    expect(got.status).toBe(200);
    expect(JSON.parse(got.text)).toMatchObject({ method: 'POST', url: '/v1/entries?start=1', body: 'a body', address: '127.0.0.1' });
    const dots = await raw(port, '/logs/dwp-2026/v1/%2e%2e/checkpoint');
    expect(JSON.parse(dots.text)).toMatchObject({ url: '/checkpoint' });
    const bare = await raw(port, '/logs/dwp-2026?x=1');
    expect(bare.status).toBe(308);
  });
});
