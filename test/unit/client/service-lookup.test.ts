/**
 * lookupAcrossLogs's choice of logs (src/client/service-lookup.ts), on a fake service: every
 * log whose interval meets the days is searched and the others are said to be left out; a
 * list that points at another host is never followed (a claimant's reads stay with the
 * service); one log that cannot be searched does not stop the others.
 */
import { describe, expect, test } from 'vitest';
import { lookupAcrossLogs } from '../../../src/client/index.js';
import { MAX_OPERATOR_LIST_BYTES, logMetadata } from '../../../src/discovery/index.js';
import { generateKey } from '../../../src/note/index.js';

const SERVICE = 'https://log.example.gov.uk';

function metadata(id: string, interval?: [string, string], monitoring = `${SERVICE}/logs/${id}/`) {
  const origin = `log.example.gov.uk/${id}`;
  return logMetadata({
    id,
    name: `Log ${id}`,
    origin,
    vkey: generateKey(origin).verifierKey,
    submissionUrl: monitoring,
    monitoringUrl: monitoring,
    ...(interval === undefined ? {} : { interval: { start: new Date(interval[0]), end: new Date(interval[1]) } }),
    state: 'active',
    stateSince: new Date('2026-01-01T00:00:00Z'),
    mmdSeconds: 10,
    recordSchemas: [],
  });
}

function service(docs: Record<string, Record<string, unknown>>, listed: Record<string, string> = {}) {
  const asked: string[] = [];
  const fetch = async (url: string) => {
    asked.push(url);
    const path = url.slice(SERVICE.length);
    if (path === '/logs.json') {
      const logs = Object.entries(docs).map(([id, doc]) => ({ friendly_name: id, log_id: doc.log_id, metadata_url: listed[id] ?? `${SERVICE}/logs/${id}/metadata.json` }));
      return Response.json({ operator_name: 'Example', email: [], last_updated: '2026-12-01T00:00:00Z', logs });
    }
    const m = /^\/logs\/([a-z0-9-]+)\/metadata\.json$/.exec(path);
    if (m !== null && docs[m[1]!] !== undefined) return Response.json(docs[m[1]!]);
    return new Response('down for maintenance', { status: 503 });
  };
  return { fetch, asked };
}

const options = { key: `subject-key:2026:${'ab'.repeat(32)}`, subject: { scheme: 'nino', id: 'AB123456C' }, from: '2026-03-01', to: '2026-03-31' };

describe('lookupAcrossLogs', () => {
  test('searches every log whose interval meets the days, and says which it left out', async () => {
    const { fetch, asked } = service({
      'dwp-2025': metadata('dwp-2025', ['2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z']),
      'dwp-2026': metadata('dwp-2026', ['2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z']),
      hmrc: metadata('hmrc'),
      'dwp-2026b': metadata('dwp-2026b', ['2026-03-31T23:00:00Z', '2026-04-30T00:00:00Z']),
    });
    const result = await lookupAcrossLogs({ ...options, serviceUrl: SERVICE, fetch });
    expect(result.logs.map((l) => l.origin)).toEqual(['log.example.gov.uk/dwp-2026', 'log.example.gov.uk/hmrc', 'log.example.gov.uk/dwp-2026b']);
    expect(result.skipped.map((s) => s.origin)).toEqual(['log.example.gov.uk/dwp-2025']);
    // Each searched log was asked for its checkpoint; it was down, and that is said per log.
    for (const l of result.logs) expect(l.error).toMatch(/503|down|unavailable/i);
    expect(asked.some((u) => u.startsWith(`${SERVICE}/logs/dwp-2025/`) && !u.endsWith('metadata.json'))).toBe(false);
  });

  test('never reads a log the list places on another host', async () => {
    const { fetch, asked } = service(
      { elsewhere: metadata('elsewhere', undefined, 'https://tracker.example.net/logs/elsewhere/'), moved: metadata('moved') },
      { moved: 'https://tracker.example.net/logs/moved/metadata.json' },
    );
    const result = await lookupAcrossLogs({ ...options, serviceUrl: SERVICE, fetch });
    expect(result.logs).toEqual([]);
    expect(result.skipped.map((s) => s.why)).toEqual([expect.stringMatching(/another host/), expect.stringMatching(/another host/)]);
    expect(asked.filter((u) => !u.startsWith(SERVICE))).toEqual([]);
  });

  test('a list of logs that never ends is cut off at its bound, not read whole', async () => {
    let pulled = 0;
    let cancelled = false;
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    const fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled++;
            controller.enqueue(chunk);
          },
          cancel() {
            cancelled = true;
          },
        }),
      );
    await expect(lookupAcrossLogs({ ...options, serviceUrl: SERVICE, fetch })).rejects.toMatchObject({ code: 'MALFORMED_LOG_LIST' });
    expect(cancelled).toBe(true);
    expect(pulled * chunk.length).toBeLessThan(MAX_OPERATOR_LIST_BYTES + 4 * chunk.length);
  });
});
