/**
 * The privacy promise, end to end through the app: after a run of many events about many
 * claimants, their lookups, the operator's reads of details, subject keys issued, corrections
 * and erasures, no byte of a subject id, of private details or of an opening — nor of a key
 * or reveal token a claimant used — is in any leaf, tile, entry bundle, page, log line or
 * metric the log produced. (After erasure, the data directory: test/e2e/erasure-disk.test.ts.)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { createClient, lookup } from '../../src/client/index.js';
import { formatEntryBundlePath, formatTilePath, tileWidth } from '../../src/merkle/index.js';
import { deriveDayKey, formatHeldKey, parseHeldKey, revealToken, subjectKey } from '../../src/subject/index.js';
import { URL_BASE } from '../support/client-harness.js';
import { accessDraft, signedEvent, targetingEvent } from '../support/events.js';
import { MemoryStore } from '../support/memory-store.js';
import { tempDir } from '../support/temp.js';
import { TEST_YEAR_KEYS, newTestLog } from '../support/test-log.js';

type Log = Awaited<ReturnType<typeof newTestLog>>;
const script = join(tempDir('privacy'), 'explorer.js');
writeFileSync(script, 'export {};\n');

const IDS = Array.from({ length: 12 }, (_, i) => `${['AB', 'CE', 'HJ', 'KL'][i % 4]}${String(100000 + i * 7919).padStart(6, '0')}${'ABCD'[i % 4]}`);
const WHY = 'purpose=complaint-handling&legalBasis=ukgdpr-6-1-e';

let log: Log;
/** Every secret of the run, as text. */
const secrets: string[] = [];
/** Every secret of the run, as bytes (openings, keys, reveal tokens). */
const secretBytes: Uint8Array[] = [];

beforeAll(async () => {
  log = await newTestLog(new MemoryStore(), { web: { explorerScript: script } });
  const post = async (body: unknown) => {
    const res = await log.postEvent(body);
    expect(res.status).toBe(201);
    return ((await res.json()) as { index: number }).index;
  };
  const remember = (body: Record<string, unknown>, id: string, details: Record<string, unknown>) => {
    secrets.push(id, id.slice(0, 8), id.toLowerCase(), JSON.stringify(details), ...Object.values(details).map(String));
    secretBytes.push(Buffer.from(body.opening as string, 'base64'));
  };
  const byClaimant = new Map<string, number[]>();
  let seq = 0;
  for (let n = 0; n < 60; n++) {
    const id = IDS[n % IDS.length]!;
    const draft = accessDraft('partner-a', ++seq, `2026-0${1 + (n % 3)}-1${n % 10}T0${n % 10}`, id);
    const details = { note: `screen ${n} of case file QX-${4000 + n}`, caseRef: `case-${90000 + n}` };
    const body = signedEvent({ ...draft, details }, log.meta.origin, log.partnerKey.seed);
    remember(body, id, details);
    const index = await post(body);
    byClaimant.set(id, [...(byClaimant.get(id) ?? []), index]);
  }
  // Corrections and erasures, about the right claimants, with details of their own.
  for (const [k, id] of IDS.slice(0, 4).entries()) {
    const target = byClaimant.get(id)![0]!;
    const type = k % 2 === 0 ? 'erasure' : 'correction';
    const details = { reason: `${type} requested in letter LT-${7000 + k}` };
    const body = signedEvent({ event: targetingEvent(type, 'partner-a', ++seq, '2026-03-28T10', target), subject: { scheme: 'nino', id }, details }, log.meta.origin, log.partnerKey.seed);
    remember(body, id, details);
    await post(body);
  }
  // The operator reads some claimants' details, and issues keys.
  for (const id of IDS.slice(4, 8)) {
    const read = await log.app.request(`/v1/entries/${byClaimant.get(id)![1]!}/details?${WHY}`, { headers: { authorization: `Bearer ${log.operatorToken}` } });
    expect(read.status).toBe(200);
    const issued = await log.app.request('/v1/subject-keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${log.operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scheme: 'nino', id, year: '2026', purpose: 'subject-access-request', legalBasis: 'ukgdpr-6-1-c' }),
    });
    expect(issued.status).toBe(200);
  }
  // Claimants look themselves up, through the app, and see everything verified.
  const fetch = (input: string, init?: RequestInit) => log.app.request(input.startsWith(URL_BASE) ? input.slice(URL_BASE.length) : input, init);
  for (const id of [IDS[0]!, IDS[1]!, IDS[5]!]) {
    const key = formatHeldKey({ kind: 'subject', year: '2026', key: subjectKey(TEST_YEAR_KEYS['2026']!, 'nino', id) });
    const held = parseHeldKey(key);
    secretBytes.push(held.key);
    const { rows } = await lookup({ client: createClient({ url: URL_BASE, fetch }), key, subject: { scheme: 'nino', id }, from: '2026-01-01', to: '2026-03-31', logKey: log.signer.verifierKey });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.verified)).toBe(true);
    for (const r of rows) if (r.type !== 'disclosure') secretBytes.push(revealToken(deriveDayKey(held, r.day).key, r.j));
  }
});

/** Everything the log produced that anyone but the claimant can see. */
async function haystacks(): Promise<Buffer[]> {
  const treeSize = ((await (await log.app.request('/v1/log')).json()) as { treeSize: number }).treeSize;
  const get = async (path: string) => Buffer.from(await (await log.app.request(path)).arrayBuffer());
  const out: Buffer[] = (await log.store.readEntries(0, treeSize)).map((l) => Buffer.from(l));
  for (let index = 0; index * 256 < treeSize; index++) {
    const width = tileWidth(0, index, treeSize);
    out.push(await get(`/${formatEntryBundlePath({ index, width })}`), await get(`/${formatTilePath({ level: 0, index, width })}`));
  }
  const above = tileWidth(1, 0, treeSize);
  if (above > 0) out.push(await get(`/${formatTilePath({ level: 1, index: 0, width: above })}`));
  for (const page of ['/', '/check', '/verify', '/monitor', '/v1/partners', '/v1/log', '/checkpoint']) out.push(await get(page));
  for (let i = 0; i < treeSize; i++) out.push(await get(`/entries/${i}`), await get(`/v1/entries/${i}`));
  out.push(await get('/metrics'), Buffer.from(JSON.stringify(log.logs)));
  return out;
}

test('no byte of a subject id, details, an opening, a key or a reveal token is in any leaf, tile, bundle, page, log line or metric', async () => {
  // A control: what a raw entry carries is public, and the search finds it.
  const control = 'control-marker-7f3a9c';
  expect((await log.submit(control)).status).toBe(201);
  const hay = await haystacks();
  expect(hay.length).toBeGreaterThan(100);
  expect(hay.filter((h) => h.includes(Buffer.from(control))).length).toBeGreaterThanOrEqual(3); // the leaf, its bundle, its page
  const needles: Buffer[] = [];
  for (const s of secrets) needles.push(Buffer.from(s));
  for (const b of secretBytes) needles.push(Buffer.from(b), Buffer.from(Buffer.from(b).toString('hex')), Buffer.from(Buffer.from(b).toString('base64')));
  for (const needle of needles) {
    for (const h of hay) {
      if (h.includes(needle)) throw new Error(`a secret (${needle.length} bytes) was found in something the log produced`);
    }
  }
});
