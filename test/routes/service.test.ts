/**
 * The front of a service of many logs (src/http/service-app.ts), through `fetch` on stand-in
 * log apps that echo what they were asked: each log under its own prefix with the prefix
 * taken off, an alias answered by the shard whose interval holds now (and naming it),
 * names that must not reach a log (look-alikes, encodings, dot segments), the default log at
 * the root, and the discovery documents.
 */
import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { type LogDescription, parseLogList } from '../../src/discovery/index.js';
import { type ServedLog, createServiceApp } from '../../src/http/service-app.js';
import { problemType } from '../../src/http/index.js';
import { generateKey } from '../../src/note/index.js';

/** A log app that answers every request with what reached it. */
function echoLog(id: string, options: { alias?: string; start?: string; end?: string } = {}): ServedLog {
  const app = new Hono();
  app.all('*', async (c) => c.json({ log: id, method: c.req.method, path: c.req.path, query: new URL(c.req.url).search, body: await c.req.text() }));
  const vkey = generateKey(`log.example/${id}`).verifierKey;
  const interval = options.start === undefined ? undefined : { start: new Date(options.start), end: new Date(options.end!) };
  return {
    id,
    ...(options.alias !== undefined ? { alias: options.alias } : {}),
    ...(interval !== undefined ? { interval } : {}),
    fetch: (request) => app.fetch(request),
    describe: (base): LogDescription => ({
      id,
      name: `Log ${id}`,
      origin: `log.example/${id}`,
      vkey,
      submissionUrl: `${base}/logs/${id}/`,
      monitoringUrl: `${base}/logs/${id}/`,
      ...(interval !== undefined ? { interval } : {}),
      state: 'active',
      stateSince: new Date('2026-01-01T00:00:00Z'),
      mmdSeconds: 10,
      recordSchemas: [],
    }),
    listEntry: () => ({ vkey, origin: `log.example/${id}`, qpd: 86_400, contact: 'ops@example.gov.uk' }),
  };
}

const logs = [
  echoLog('dwp-2026', { alias: 'dwp', start: '2026-01-01', end: '2027-01-01' }),
  echoLog('dwp-2027', { alias: 'dwp', start: '2027-01-01', end: '2028-01-01' }),
  echoLog('hmrc'),
];

function front(options: { now?: string; defaultLog?: ServedLog; publicUrl?: string } = {}) {
  let now = new Date(options.now ?? '2026-06-01T12:00:00Z');
  const service = createServiceApp({
    operator: { name: 'Example service', contact: ['ops@example.gov.uk'] },
    ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
    logs: () => logs,
    ...(options.defaultLog !== undefined ? { defaultLog: () => options.defaultLog } : {}),
    now: () => now,
    log: () => {},
    ready: async () => {},
  });
  return {
    get: (path: string, init?: RequestInit) => Promise.resolve(service.fetch(new Request(`http://sightline.test${path}`, init))),
    setNow: (iso: string) => (now = new Date(iso)),
  };
}

async function echoed(res: Response): Promise<{ log: string; path: string; query: string; body: string; method: string }> {
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

async function expectNoLog(res: Response): Promise<Record<string, unknown>> {
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.type).toBe(problemType('NOT_FOUND'));
  return body;
}

describe('each log under its prefix', () => {
  test("a log's app gets the path without the prefix, the query and the body unchanged", async () => {
    const { get } = front();
    expect(await echoed(await get('/logs/hmrc/checkpoint'))).toMatchObject({ log: 'hmrc', path: '/checkpoint', query: '' });
    expect(await echoed(await get('/logs/dwp-2027/tile/0/x001/234.p/7?x=1'))).toMatchObject({ log: 'dwp-2027', path: '/tile/0/x001/234.p/7', query: '?x=1' });
    const posted = await echoed(await get('/logs/hmrc/v1/entries', { method: 'POST', body: 'hello', headers: { 'content-type': 'application/octet-stream' } }));
    expect(posted).toMatchObject({ log: 'hmrc', method: 'POST', path: '/v1/entries', body: 'hello' });
  });

  test('/logs/<id> without its slash is sent to /logs/<id>/, keeping the query', async () => {
    const res = await front().get('/logs/hmrc?from=x');
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('http://sightline.test/logs/hmrc/?from=x');
  });

  test('names that only look like a log never reach one', async () => {
    const { get } = front();
    // Look-alikes: a longer id, another case, an encoded slash or dot segment, an empty segment.
    for (const path of ['/logs/hmrc0/checkpoint', '/logs/HMRC/checkpoint', '/logs/hmrc%2Fcheckpoint', '/logs/%68mrc/checkpoint', '/logs//hmrc/checkpoint', '/logs/hmrc./checkpoint', '/logs/-hmrc/checkpoint']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toBe('application/problem+json');
    }
    // Dot segments are resolved before routing: they name the log they resolve to, never two.
    expect(await echoed(await get('/logs/dwp-2026/../hmrc/checkpoint'))).toMatchObject({ log: 'hmrc', path: '/checkpoint' });
    expect(await echoed(await get('/logs/hmrc/../../logs/hmrc/checkpoint'))).toMatchObject({ log: 'hmrc', path: '/checkpoint' });
  });
});

describe('an alias', () => {
  test('is answered by the shard whose interval holds now, and says which log answered', async () => {
    const service = front({ now: '2026-12-31T23:59:59.999Z' });
    const before = await service.get('/logs/dwp/v1/entries', { method: 'POST', body: 'x' });
    expect(before.headers.get('content-location')).toBe('/logs/dwp-2026/v1/entries');
    expect(await echoed(before)).toMatchObject({ log: 'dwp-2026', path: '/v1/entries', body: 'x' });
    service.setNow('2027-01-01T00:00:00Z'); // end is exclusive: the next shard's first instant
    const after = await service.get('/logs/dwp/v1/entries', { method: 'POST', body: 'y' });
    expect(after.headers.get('content-location')).toBe('/logs/dwp-2027/v1/entries');
    expect(await echoed(after)).toMatchObject({ log: 'dwp-2027', body: 'y' });
    // A read through the alias is sent to the shard, never cached: the alias moves on.
    const read = await service.get('/logs/dwp/checkpoint?x=1');
    expect(read.status).toBe(302);
    expect(read.headers.get('location')).toBe('/logs/dwp-2027/checkpoint?x=1');
    expect(read.headers.get('cache-control')).toBe('no-store');
    // The shards stay served under their own ids whatever the alias names.
    expect(await echoed(await service.get('/logs/dwp-2026/checkpoint'))).toMatchObject({ log: 'dwp-2026' });
  });

  test('between or after its shards it names no log, and says so', async () => {
    const body = await expectNoLog(await front({ now: '2030-01-01T00:00:00Z' }).get('/logs/dwp/checkpoint'));
    expect(body.detail).toMatch(/no log of "dwp" takes entries now/);
    expect(body.hint).toMatch(/dwp-2026, dwp-2027/);
    const unknown = await expectNoLog(await front().get('/logs/nhs/checkpoint'));
    expect(unknown.detail).toMatch(/no log "nhs"/);
  });
});

describe('discovery', () => {
  test('the operator list names every log with its metadata URL, taken from the public URL when set', async () => {
    const res = await front({ publicUrl: 'https://log.example.gov.uk' }).get('/logs.json');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { operator_name: string; logs: { friendly_name: string; metadata_url: string; log_id: string }[] };
    expect(body.operator_name).toBe('Example service');
    expect(body.logs.map((l) => l.metadata_url)).toEqual(logs.map((l) => `https://log.example.gov.uk/logs/${l.id}/metadata.json`));
  });

  test("a log's metadata, at its prefix", async () => {
    const { get } = front({ publicUrl: 'https://log.example.gov.uk' });
    const res = await get('/logs/dwp-2027/metadata.json');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      log_spec: 'tlog-tiles',
      origin: 'log.example/dwp-2027',
      submission_endpoint: { url: 'https://log.example.gov.uk/logs/dwp-2027/' },
      temporal_interval: { start_inclusive: '2027-01-01T00:00:00Z', end_exclusive: '2028-01-01T00:00:00Z' },
    });
    await expectNoLog(await get('/logs/nope/metadata.json'));
  });

  test('the logs/v0 list parses, one entry per log', async () => {
    const res = await front().get('/logs.txt');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const list = parseLogList(await res.text());
    expect(list.map((l) => l.origin)).toEqual(logs.map((l) => `log.example/${l.id}`));
  });

  test('the page listing the logs links to each', async () => {
    const res = await front().get('/logs/');
    expect(res.status).toBe(200);
    const page = await res.text();
    for (const l of logs) expect(page).toContain(`href="/logs/${l.id}/"`);
  });
});

describe('a default log', () => {
  test('keeps its root URLs; the service paths and the other logs stay the front’s', async () => {
    const service = front({ defaultLog: logs[2] });
    expect(await echoed(await service.get('/checkpoint'))).toMatchObject({ log: 'hmrc', path: '/checkpoint' });
    expect(await echoed(await service.get('/'))).toMatchObject({ log: 'hmrc', path: '/' });
    expect(await echoed(await service.get('/v1/entries?start=0'))).toMatchObject({ log: 'hmrc', path: '/v1/entries' });
    expect(await echoed(await service.get('/logs/dwp-2026/checkpoint'))).toMatchObject({ log: 'dwp-2026' });
    expect((await service.get('/logs.json')).status).toBe(200);
    await expectNoLog(await service.get('/logs/nope/checkpoint'));
  });

  test('without one, the root lists the logs', async () => {
    const res = await front().get('/');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/logs/');
  });
});
