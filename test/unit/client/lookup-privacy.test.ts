/**
 * What a claimant's lookup tells the network (issue 14, seam 4): every request it makes is
 * recorded as a proxy, a CDN or an access log in front of the log would see it — method,
 * path, query and headers — and none names one of the claimant's entries, tags or reveal
 * tokens. A lookup reads only what many people share (tag buckets, entry bundles, tiles, the
 * checkpoint, the partners' keys) and asks for details in POSTs of one fixed size.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { type EventReceipt, type LookupResult, type SightlineClient, createClient, lookup } from '../../../src/client/index.js';
import { DETAILS_REQUEST_SLOTS } from '../../../src/events/index.js';
import { formatTileIndex, parseTilePath } from '../../../src/merkle/index.js';
import { dayKeysInRange, deriveDayKey, disclosureKey, parseHeldKey, revealToken, subjectTag } from '../../../src/subject/index.js';
import {
  type Log,
  NINO_A,
  NINO_B,
  type RecordedRequest,
  URL_BASE,
  accessEvent,
  appFetch,
  b64,
  correctionEvent,
  erasureEvent,
  hex,
  newLog,
  partnerClient,
  subjectKeyText,
  tamperingFetch,
} from '../../support/client-harness.js';

/** Raw entries before the claimant's: their indices (600 and up) cannot pass for a bundle or tile number or width (all below 256). */
const PADDING = 600;
const FROM = '2026-03-01';
const TO = '2026-04-30';

let log: Log;
let requests: RecordedRequest[];
let result: LookupResult;
let erased: EventReceipt;
let corrected: EventReceipt;
let erasure: EventReceipt;
let correction: EventReceipt;
let disclosure: number;

beforeAll(async () => {
  log = await newLog();
  const client: SightlineClient = partnerClient(log);
  for (let at = 0; at < PADDING; at += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => client.submitEntry(new TextEncoder().encode(`padding ${at + i}`))));
  }
  let seq = 0;
  const record = (nino: string, hour: string, event = accessEvent('partner-a', ++seq, hour, seq)) =>
    client.submitEvent({ event, subject: { scheme: 'nino', id: nino }, details: { note: `event ${seq}` }, signer: { seed: log.partnerKey.seed } });
  // Subject A on three days, subject B and raw entries between; then an erasure of one of A's
  // entries and a correction of another, both about A.
  erased = await record(NINO_A, '2026-03-14T09');
  await record(NINO_B, '2026-03-14T09');
  await record(NINO_A, '2026-03-14T11');
  corrected = await record(NINO_A, '2026-03-14T15');
  await client.submitEntry(new TextEncoder().encode('a raw entry between'));
  await record(NINO_A, '2026-03-15T08');
  await record(NINO_B, '2026-03-15T10');
  await record(NINO_A, '2026-04-02T00');
  erasure = await record(NINO_A, '2026-03-20T10', erasureEvent('partner-a', ++seq, '2026-03-20T10', erased.index));
  correction = await record(NINO_A, '2026-03-21T10', correctionEvent('partner-a', ++seq, '2026-03-21T10', corrected.index));
  // The operator reads one of A's entries: the read is in A's timeline too.
  const read = await log.app.request(`/v1/entries/${corrected.index}/details?purpose=complaint-handling&legalBasis=ukgdpr-6-1-e`, { headers: { authorization: `Bearer ${log.operatorToken}` } });
  disclosure = ((await read.json()) as { disclosure: number }).disclosure;

  const fetch = tamperingFetch(appFetch(log));
  result = await lookup({ client: createClient({ url: URL_BASE, fetch }), key: subjectKeyText(NINO_A), subject: { scheme: 'nino', id: NINO_A }, from: FROM, to: TO, logKey: log.signer.verifierKey });
  requests = fetch.requests;
});

/** The claimant's secrets a request could give away: tag_j and reveal_j of every day searched, up to the j after the day's last entry. */
function claimantSecrets() {
  const held = parseHeldKey(subjectKeyText(NINO_A));
  const perDay = new Map<string, number>();
  for (const r of result.rows) perDay.set(r.day, Math.max(perDay.get(r.day) ?? -1, r.j));
  const tags: string[] = [];
  const tokens: Uint8Array[] = [];
  for (const { day, dayKey: key } of dayKeysInRange(held, FROM, TO)) {
    const last = perDay.get(day) ?? -1;
    for (let j = 0; j <= last + 1; j++) {
      tags.push(hex(subjectTag(key, j)));
      tokens.push(revealToken(key, j));
      // The tags and tokens of the operator's reads of that entry (K_disclosures), up to the one after the last.
      const reads = disclosureKey(new Uint8Array(createHash('sha256').update(revealToken(key, j)).digest()));
      for (let k = 0; k <= 1; k++) {
        tags.push(hex(subjectTag(reads, k)));
        tokens.push(revealToken(reads, k));
      }
    }
  }
  return { held, tags, tokens, indices: result.rows.map((r) => r.index) };
}

describe('a lookup’s requests name none of the claimant’s entries', () => {
  test('the lookup itself finds and verifies every entry, the erased and the corrected ones included', () => {
    expect(result.rows).toHaveLength(8); // seven of A's entries, and the operator's read of one
    expect(result.rows.find((r) => r.index === disclosure)).toMatchObject({ type: 'disclosure', target: corrected.index, verified: true });
    expect(result.rows.every((r) => r.verified)).toBe(true);
    expect(result.rows.find((r) => r.index === erased.index)).toMatchObject({ erasedBy: erasure.index, checks: { commitment: 'erased' } });
    expect(result.rows.find((r) => r.index === corrected.index)?.correctedBy).toEqual([correction.index]);
    expect(Math.min(...result.rows.map((r) => r.index))).toBeGreaterThanOrEqual(PADDING);
  });

  test('only shared reads and details POSTs: the checkpoint, tag buckets, partners’ keys, tiles and entry bundles, never a per-entry route', () => {
    expect(requests.length).toBeGreaterThan(0);
    const { tags } = claimantSecrets();
    const prefixes = new Set(tags.map((t) => t.slice(0, 4)));
    for (const r of requests) {
      const what = `${r.method} ${r.path}${r.query === '' ? '' : `?${r.query}`}`;
      expect(r.query, what).toBe('');
      if (r.method === 'POST') {
        expect(r.path, what).toBe('/v1/details');
        continue;
      }
      expect(r.method, what).toBe('GET');
      expect(r.body, what).toBeUndefined();
      if (r.path.startsWith('/v1/tags/')) {
        // A bucket: 4 hex digits, the prefix of a tag, shared by every tag with it.
        expect(r.path, what).toMatch(/^\/v1\/tags\/[0-9a-f]{4}$/);
        expect(prefixes.has(r.path.slice(-4)), what).toBe(true);
      } else if (r.path.startsWith('/tile/')) {
        expect(() => parseTilePath(r.path.slice(1)), what).not.toThrow();
      } else {
        expect(['/checkpoint', '/v1/partners'], what).toContain(r.path);
      }
    }
    // Bundles and tiles are read for the checkpoint's tree, each once.
    const tiles = requests.filter((r) => r.path.startsWith('/tile/')).map((r) => r.path);
    expect(tiles.some((p) => p.startsWith('/tile/entries/'))).toBe(true);
    expect(tiles.some((p) => /^\/tile\/[0-9]+\//.test(p))).toBe(true);
    expect(new Set(tiles).size).toBe(tiles.length);
  });

  test('no leaf index, no tag and no reveal token, in any form, in any method, path, query or header', () => {
    const { held, tags, tokens, indices } = claimantSecrets();
    const keyHex = hex(held.key);
    const strings = [
      keyHex,
      // The claimant's own reference, which the lookup checks the commitments with, goes nowhere.
      NINO_A,
      NINO_A.slice(0, 8),
      ...tags,
      ...tags.map((t) => t.toUpperCase()),
      ...tags.map((t) => b64(Buffer.from(t, 'hex'))),
      ...tokens.flatMap((t) => {
        const bytes = Buffer.from(t);
        return [hex(t), hex(t).toUpperCase(), bytes.toString('base64'), bytes.toString('base64url'), encodeURIComponent(bytes.toString('base64'))];
      }),
    ];
    for (const r of requests) {
      const seen = `${r.method} ${r.path}?${r.query}\n${JSON.stringify(r.headers)}`;
      for (const s of strings) expect(seen.includes(s), `${r.method} ${r.path} carries a tag, token or key`).toBe(false);
      if (r.path.startsWith('/v1/tags/')) continue; // 4 hex digits, checked above: not a number
      const numbers = new Set(seen.match(/[0-9]+/g) ?? []);
      for (const i of indices) {
        expect(numbers.has(String(i)), `${r.method} ${r.path} names leaf index ${i}`).toBe(false);
        expect(seen.includes(formatTileIndex(i)), `${r.method} ${r.path} names leaf index ${i} as a tile index`).toBe(false);
      }
    }
  });

  test('every details request is a POST of one fixed size carrying the claimant’s tokens among random ones; tokens travel nowhere else', () => {
    const { tokens } = claimantSecrets();
    const posts = requests.filter((r) => r.method === 'POST');
    expect(posts.length).toBe(1); // 8 entries: one request of 64 slots
    const sizes = new Set(posts.map((r) => new TextEncoder().encode(r.body!).length));
    expect(sizes).toEqual(new Set([3026]));
    const sent = posts.flatMap((r) => (JSON.parse(r.body!) as { revealTokens: string[] }).revealTokens);
    expect(sent).toHaveLength(DETAILS_REQUEST_SLOTS * posts.length);
    expect(new Set(sent).size).toBe(sent.length);
    const dayToken = (day: string, j: number) => revealToken(deriveDayKey(parseHeldKey(subjectKeyText(NINO_A)), day).key, j);
    const own = new Set(
      result.rows.map((r) => {
        if (r.type !== 'disclosure') return b64(dayToken(r.day, r.j));
        // A read's token comes from the K_disclosures of the entry it read.
        const target = result.rows.find((t) => t.index === r.target && t.type !== 'disclosure')!;
        return b64(revealToken(disclosureKey(new Uint8Array(createHash('sha256').update(dayToken(target.day, target.j)).digest())), r.j));
      }),
    );
    expect(sent.filter((t) => own.has(t))).toHaveLength(own.size);
    // The rest are dummies: none is a token of the claimant's (not even an unused j).
    const all = new Set(tokens.map((t) => b64(t)));
    expect(sent.filter((t) => all.has(t) && !own.has(t))).toEqual([]);
    expect(posts.every((r) => r.headers['content-type'] === 'application/json' && Object.keys(r.headers).length === 1)).toBe(true);
  });
});
