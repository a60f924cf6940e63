/**
 * An HTTP fuzzer over the in-process app: every route of openapi.yaml (plus the tlog-tiles
 * paths and the explorer's pages) sent random methods, mutated paths, query strings, headers
 * and bodies, with and without a valid partner or operator token. Properties: never a 5xx;
 * every error is application/problem+json with a type and a title (the explorer's pages
 * answer errors in HTML); a rejected request changes nothing (the head, the partner's
 * sequence, the details store). Requests run one at a time, so snapshots compare cleanly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { accessDraft, signedEvent } from '../support/events.js';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';
import { mutatedText, runs } from '../support/fuzz.js';
import { tempDir } from '../support/temp.js';

type Log = Awaited<ReturnType<typeof newTestLog>>;
const enc = new TextEncoder();
const scratch = tempDir('fuzz');
const SCRIPT = join(scratch, 'explorer.js');
writeFileSync(SCRIPT, 'export const explorer = 1;\n');

// ---- What to call -----------------------------------------------------------------------
const openapi = parseYaml(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
const HTTP_METHODS = ['get', 'post', 'put', 'delete', 'patch', 'head', 'options'];
const ROUTES: { method: string; path: string }[] = Object.entries(openapi.paths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((m) => HTTP_METHODS.includes(m))
    .map((m) => ({ method: m.toUpperCase(), path })),
);
/** The explorer's pages: HTML, also for their errors. */
const WEB_ROUTES = ['/', '/entries', '/entries/{index}', '/check', '/verify', '/monitor', '/assets/explorer.css', '/assets/explorer.js'];
const TILE_PATHS = ['/tile/0/000', '/tile/0/000.p/{width}', '/tile/1/000.p/1', '/tile/entries/000.p/{width}', '/tile/0/x001/234', '/tile/entries/x001/000', '/tile/63/000', '/tile/64/000'];

/** Values for a path parameter: in range, out of range, huge, negative, non-canonical, odd. */
const paramValue = fc.oneof(
  { weight: 4, arbitrary: fc.nat(12).map(String) },
  fc.constantFrom('0', '00', '01', '-1', '+1', '1e2', '0x1', '1.0', '9007199254740991', '9007199254740992', '99999999999999999999999', ' 1', '%31', '%2531', 'access', 'heartbeat', 'partner-a', 'nope', '__proto__', 'constructor', 'ab'.repeat(32), 'AB'.repeat(32), 'abcd', '..', '.', ''),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom('partner-a', 'access', 'ab12', '0'.repeat(64)),
);

/** Percent-encodes what a URL may not hold raw; sometimes everything, sometimes twice. */
function encodeSegment(s: string, mode: number): string {
  let out: string;
  try {
    out = encodeURIComponent(s);
  } catch {
    out = [...s].map((ch) => '%' + ch.charCodeAt(0).toString(16).padStart(2, '0')).join(''); // lone surrogates
  }
  if (mode === 1) out = [...enc.encode(s)].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join('');
  if (mode === 2) out = out.replaceAll('%', '%25');
  return out;
}

const pathMutation = fc.oneof({ weight: 12, arbitrary: fc.constant('none') }, { weight: 1, arbitrary: fc.constantFrom('trailing-slash', 'double-slash', 'dot', 'dotdot', 'encoded-slash', 'double-encoded', 'overlong', 'unicode', 'case', 'nul', 'semicolon') });
function mutatePath(path: string, how: string): string {
  switch (how) {
    case 'trailing-slash':
      return path + '/';
    case 'double-slash':
      return path.replace('/', '//');
    case 'dot':
      return path.replace(/\/([^/]*)$/, '/./$1');
    case 'dotdot':
      return path.replace(/\/([^/]*)$/, '/x/../$1');
    case 'encoded-slash':
      return path.replaceAll('/', '%2F').replace(/^%2F/, '/');
    case 'double-encoded':
      return path.replace(/\/([^/]*)$/, (_, s: string) => '/' + encodeSegment(s, 2) + '%252F');
    case 'overlong':
      return path + '/' + 'a'.repeat(20_000);
    case 'unicode':
      return path + encodeSegment('\u00e9\u{1f600}\u202e', 0);
    case 'case':
      return path.toUpperCase();
    case 'nul':
      return path + '%00';
    case 'semicolon':
      return path + ';x=1';
    default:
      return path;
  }
}

const QUERY_KEYS = ['index', 'from', 'to', 'start', 'count', 'leafHash', 'witnessed', 'limit', 'hash', 'year', 'reveal', 'treeSize', 'size'];
const queryValue = fc.oneof(paramValue, fc.constantFrom('true', 'false', 'TRUE', '1', '2026', '1000', '1001', 'a'.repeat(5000)));
const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 8 })), queryValue, fc.nat(2)), { maxLength: 4 }).map((pairs) =>
  pairs.length === 0 ? '' : '?' + pairs.map(([k, v, m]) => `${encodeSegment(k, 0)}=${encodeSegment(v, m)}`).join('&'),
);

type Auth = 'none' | 'partner' | 'operator' | 'random' | 'empty' | 'huge' | 'binary' | 'basic' | 'lowercase';
const auth = fc.constantFrom<Auth>('none', 'partner', 'partner', 'partner', 'operator', 'random', 'empty', 'huge', 'binary', 'basic', 'lowercase');
/** Usually absent: most requests should get past the headers to the handler. */
const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const headers = fc.record(
  {
    contentType: rarely(fc.constantFrom('application/json', 'application/octet-stream', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '', 'x'.repeat(3000), '\u00ff/\u00fe')),
    contentLength: rarely(fc.constantFrom('0', '1', '5', '99999999', '-1', 'abc')),
    acceptEncoding: rarely(fc.constantFrom('gzip', 'br, gzip;q=0', '*', 'identity', 'x'.repeat(2000))),
    accept: rarely(fc.constantFrom('application/json', 'text/html', '*/*', 'application/problem+json')),
    requestId: rarely(fc.oneof(fc.string({ maxLength: 80 }), fc.constant('ok-id_1.2'))),
  },
  { noNullPrototype: true },
);

// ---- Test setup ------------------------------------------------------------------------------
const HOUR = '2026-03-14T09';
let seq = 1000; // partner-a's next sequence number for valid events

function validEventBody(log: Log): Record<string, unknown> {
  return signedEvent(accessDraft('partner-a', seq++, HOUR), log.meta.origin, log.partnerKey.seed);
}

function body(log: Log): fc.Arbitrary<Uint8Array | undefined> {
  const validEvent = JSON.stringify(signedEvent(accessDraft('partner-a', 1, HOUR), log.meta.origin, log.partnerKey.seed));
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 100 }).map((t) => enc.encode(t)) },
    fc.constant(undefined),
    fc.constant(new Uint8Array(0)),
    fc.uint8Array({ minLength: 1, maxLength: 200 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => enc.encode(JSON.stringify(v))),
    mutatedText(validEvent).map((t) => enc.encode(t)),
    fc.constant(enc.encode(JSON.stringify({ scheme: 'nino', id: 'AB123456C', year: '2026' }))),
    fc.constant(Buffer.from(validEvent, 'utf16le') as Uint8Array),
    fc.constant(Uint8Array.from([0xef, 0xbb, 0xbf, ...enc.encode(validEvent)])), // a BOM
    fc.constant(Uint8Array.from([0xc3, 0x28, 0x7b, 0x7d])), // invalid UTF-8
    fc.constantFrom(65_536, 65_535, 300_000).map((n) => new Uint8Array(n).fill(0x61)),
    fc.constant(enc.encode('['.repeat(100_000))),
  );
}

const request = (log: Log) =>
  fc.record({
    target: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...ROUTES) },
      { weight: 1, arbitrary: fc.constantFrom(...TILE_PATHS).map((path) => ({ method: 'GET', path })) },
      { weight: 1, arbitrary: fc.constantFrom(...WEB_ROUTES).map((path) => ({ method: 'GET', path })) },
    ),
    method: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'get', 'FOO') }),
    params: fc.array(paramValue, { minLength: 3, maxLength: 3 }),
    paramEncoding: fc.nat(2),
    pathMutation,
    query,
    auth,
    randomToken: fc.string({ maxLength: 60 }),
    headers,
    body: body(log),
  });

type FuzzRequest = fc.Arbitrary<ReturnType<typeof request> extends fc.Arbitrary<infer T> ? T : never>;

function tokenFor(log: Log, a: Auth, random: string): string | undefined {
  switch (a) {
    case 'none':
      return undefined;
    case 'partner':
      return `Bearer ${log.token}`;
    case 'operator':
      return `Bearer ${log.operatorToken}`;
    case 'random':
      return `Bearer ${random}`;
    case 'empty':
      return 'Bearer ';
    case 'huge':
      return `Bearer ${'A'.repeat(200_000)}`;
    case 'binary':
      return `Bearer \u00ff\u0001\u007f${random}`;
    case 'basic':
      return `Basic ${Buffer.from('partner-a:' + log.token).toString('base64')}`;
    default:
      return `bearer ${log.token}`;
  }
}

/** What a rejected request must not change: the head, partner-a's sequence, every entry's details. */
async function snapshot(log: Log): Promise<string> {
  const head = await log.store.readHead();
  const sequence = await log.store.partnerSequence('partner-a', 10_000);
  const details: unknown[] = [];
  for (let i = 0; i < head.treeSize; i++) details.push(await log.store.readDetails(i));
  const logRes = await log.app.request('/v1/log');
  return JSON.stringify({ treeSize: head.treeSize, root: Buffer.from(head.rootHash).toString('hex'), sequence, details, log: await logRes.json() }, (_k, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? v.toString() : v,
  );
}

function isWebPath(path: string): boolean {
  return path === '/' || /^\/(entries(\/[^/]*)?|check|verify|monitor)\/?$/.test(path) || path.startsWith('/assets/');
}

test('HTTP fuzz: no 5xx, errors are problems, rejected requests change nothing', { timeout: 600_000 }, async () => {
  const log = await newTestLog(new MemoryStore(), { web: { explorerScript: SCRIPT } });
  for (let i = 0; i < 3; i++) expect((await log.submit(`seed entry ${i}`)).status).toBe(201);
  expect((await log.postEvent(validEventBody(log))).status).toBe(201);

  const routesSeen = new Set<string>();
  const statuses = new Map<number, number>();
  let requests = 0;
  let accepted = 0;
  let rejectedWrites = 0;
  let state = await snapshot(log);

  const send = async (r: ReturnType<FuzzRequest['generate']>['value']) => {
    const { target } = r;
    let i = 0;
    let path = target.path.replace(/\{[^}]+\}/g, () => encodeSegment(r.params[i++]!, r.paramEncoding));
    path = mutatePath(path, r.pathMutation);
    const method = r.method ?? target.method;
    const h = new Headers();
    const token = tokenFor(log, r.auth, r.randomToken);
    const tryHeader = (name: string, value: string | undefined) => {
      if (value === undefined) return;
      try {
        h.set(name, value);
      } catch {
        /* not a ByteString: no client could send it */
      }
    };
    tryHeader('authorization', token);
    tryHeader('content-type', r.headers.contentType);
    tryHeader('content-length', r.headers.contentLength);
    tryHeader('accept-encoding', r.headers.acceptEncoding);
    tryHeader('accept', r.headers.accept);
    tryHeader('x-request-id', r.headers.requestId);
    const withBody = method !== 'GET' && method !== 'HEAD' && r.body !== undefined;
    const init: RequestInit = { method, headers: h, ...(withBody ? { body: r.body as Uint8Array<ArrayBuffer> } : {}) };
    const url = `http://localhost${path}${r.query}`;
    let req: Request;
    try {
      req = new Request(url, init);
    } catch {
      return; // a request no client can make (e.g. a forbidden method)
    }
    const write = method.toUpperCase() !== 'GET' && method.toUpperCase() !== 'HEAD';
    requests++;
    routesSeen.add(`${target.method} ${target.path}`);
    let timer: NodeJS.Timeout | undefined;
    const res = await Promise.race([
      log.app.request(req),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in 10 s: ${method} ${url.slice(0, 200)}`)), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const what = `${method} ${url.slice(0, 300)} (auth ${r.auth}) → ${res.status}`;
    const text = await res.text();
    expect(res.status, `${what}: ${text.slice(0, 500)}`).toBeLessThan(500);
    if (res.status >= 400) {
      const type = res.headers.get('content-type') ?? '';
      // The explorer answers its own pages in HTML, and an unknown non-API path asked for as
      // HTML with its 404 page; everything else is a problem document.
      const htmlAllowed = isWebPath(new URL(url).pathname) || (res.status === 404 && r.headers.accept === 'text/html' && !/^\/(v1|tile|checkpoint|assets|healthz|readyz|metrics)(\/|%2f|$)/i.test(new URL(url).pathname));
      if (htmlAllowed && type.startsWith('text/html')) {
        if (method.toUpperCase() !== 'HEAD') expect(text, what).toMatch(/<!doctype html>/i);
      } else {
        expect(type, what).toBe('application/problem+json');
        if (method.toUpperCase() !== 'HEAD') {
          const problem = JSON.parse(text) as Record<string, unknown>;
          expect(typeof problem.type, what).toBe('string');
          expect(typeof problem.title, what).toBe('string');
          expect(problem.status, what).toBe(res.status);
          expect(text, what).not.toMatch(/at .*\.ts:|SELECT|INSERT/);
        }
      }
      if (write) {
        rejectedWrites++;
        expect(await snapshot(log), `state changed by a rejected request: ${what}`).toBe(state);
      }
    } else {
      accepted++;
      if (write) state = await snapshot(log);
    }
  };

  await fc.assert(
    fc.asyncProperty(request(log), async (r) => {
      await send(r);
      // Now and then a valid write, so the log grows and reads of new entries are fuzzed too.
      if (requests % 50 === 0) {
        expect((await log.postEvent(validEventBody(log))).status).toBe(201);
        state = await snapshot(log);
      }
    }),
    { numRuns: runs(1_500) },
  );
  // No handler threw anything but a LogError (those are logged as "unhandled error").
  expect(log.logs.filter((l) => l.level === 'error')).toEqual([]);
  const statusList = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
  console.log(`fuzz: http: ${requests} requests, ${routesSeen.size} distinct routes, ${statuses.size} statuses seen (${statusList}; ${accepted} accepted, ${rejectedWrites} rejected writes)`);
  expect(routesSeen.size).toBe(ROUTES.length + TILE_PATHS.length + WEB_ROUTES.length);
});
