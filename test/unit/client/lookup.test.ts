/**
 * lookup() against the real app in-process: it finds exactly a subject's entries within the
 * key's scope and the range, verifies each against one checkpoint, and marks (never throws
 * on) rows a dishonest server tampered with.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { type EventReceipt, type SightlineClient, type TimelineRow, createClient, lookup } from '../../../src/client/index.js';
import { nodeEd25519 } from '../../../src/cli/node-crypto.js';
import { canonicalJson } from '../../../src/encoding/index.js';
import { type SightlineEvent, encodeEventLeaf, eventCommitment, eventSigningMessage } from '../../../src/events/index.js';
import { addPartner } from '../../../src/cli/partners.js';
import { counterKey, dayKeyForHour, deriveDayKey, disclosureKey, deriveMonthKey, formatHeldKey, parseHeldKey, revealToken, subjectTag, tagPrefix } from '../../../src/subject/index.js';
import { ed25519Signer } from '../../../src/note/index.js';
import { partnerKeyPair } from '../../support/events.js';
import { TEST_ORIGIN, TEST_YEAR_KEYS } from '../../support/test-log.js';
import {
  type DetailsResult,
  type Log,
  NINO_A,
  NINO_B,
  type Tamper,
  URL_BASE,
  accessEvent,
  appFetch,
  b64,
  correctionEvent,
  erasureEvent,
  hex,
  json,
  newLog,
  partnerClient,
  rewriteBundleEntry,
  rewriteDetails,
  subjectKeyText,
  tamperingFetch,
} from '../../support/client-harness.js';

let log: Log;
let client: SightlineClient;
let seq: number;
/** Subject A's events, by name. */
let a: Record<string, EventReceipt>;
let recorded: Map<number, unknown>;

async function record(nino: string, hour: string, n = 0, event = accessEvent('partner-a', ++seq, hour, n)): Promise<EventReceipt> {
  const d = { note: `event ${seq}`, n };
  const r = await client.submitEvent({ event, subject: { scheme: 'nino', id: nino }, details: d, signer: { seed: log.partnerKey.seed } });
  recorded.set(r.index, d);
  return r;
}

beforeEach(async () => {
  log = await newLog();
  client = partnerClient(log);
  seq = 0;
  recorded = new Map();
  a = {};
  // Subject A: three on 14 March (recorded out of hour order), one on 15 March, one on 2 April;
  // subject B and raw entries in between.
  a.m14late = await record(NINO_A, '2026-03-14T15', 1);
  await record(NINO_B, '2026-03-14T09');
  a.m14early = await record(NINO_A, '2026-03-14T08', 2);
  await client.submitEntry(new TextEncoder().encode('a raw entry'));
  a.m14mid = await record(NINO_A, '2026-03-14T08', 3);
  await record(NINO_B, '2026-03-15T10');
  a.m15 = await record(NINO_A, '2026-03-15T23');
  a.a02 = await record(NINO_A, '2026-04-02T00');
});

const KEY = () => log.signer.verifierKey;
const indices = (rows: readonly TimelineRow[]) => rows.map((r) => r.index);
const allChecks = { inclusion: true, checkpointSignature: true, tag: true, partnerSignature: true, commitment: true };

const SUBJECT_A = { scheme: 'nino', id: NINO_A } as const;

function run(options: { key?: string; subject?: { scheme: string; id: string }; from?: string; to?: string; tamper?: Tamper; partnerKeys?: Record<string, Uint8Array> } = {}) {
  const fetch = tamperingFetch(appFetch(log), options.tamper);
  const result = lookup({
    client: createClient({ url: URL_BASE, fetch }),
    key: options.key ?? subjectKeyText(NINO_A),
    subject: options.subject ?? SUBJECT_A,
    from: options.from ?? '2026-03-01',
    to: options.to ?? '2026-04-30',
    logKey: KEY(),
    ...(options.partnerKeys === undefined ? {} : { partnerKeys: options.partnerKeys }),
  });
  return { fetch, result };
}

/** A tamper that rewrites the details answer (POST /v1/details) of the entry at `target`. */
const details =
  (target: number, change: (r: DetailsResult) => DetailsResult): Tamper =>
  async (path, honest) =>
    path === '/v1/details' ? rewriteDetails(await honest(), (r) => (r.status !== 'unknown' && r.index === target ? change(r) : r)) : undefined;

describe('lookup finds exactly the subject’s entries', () => {
  test('every entry of the subject in the range, verified, sorted by hour then index, with its details and j', async () => {
    const { result } = run();
    const { checkpoint, rows } = await result;
    expect(indices(rows)).toEqual([a.m14early!.index, a.m14mid!.index, a.m14late!.index, a.m15!.index, a.a02!.index]);
    for (const row of rows) {
      expect(row.problems).toEqual([]);
      expect(row.checks).toEqual(allChecks);
      expect(row.verified).toBe(true);
      expect(row.details).toEqual(recorded.get(row.index));
    }
    expect(rows.map((r) => [r.day, r.j])).toEqual([
      ['2026-03-14', 1],
      ['2026-03-14', 2],
      ['2026-03-14', 0],
      ['2026-03-15', 0],
      ['2026-04-02', 0],
    ]);
    const first = rows[0]!;
    expect(first).toMatchObject({ hour: '2026-03-14T08', type: 'access', partner: 'partner-a', target: null, recipient: null });
    expect(first.organisation).toBe(a.m14early!.event.organisation);
    expect(first.categories).toEqual(a.m14early!.event.categories);
    expect(checkpoint).toMatchObject({ origin: TEST_ORIGIN, treeSize: a.a02!.treeSize });
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows); // plain JSON
  });

  test('the range and the key’s scope both bound the search: subject, month and day keys', async () => {
    const held = parseHeldKey(subjectKeyText(NINO_A));
    const month = formatHeldKey(deriveMonthKey(held, '2026-03'));
    const day = formatHeldKey(deriveDayKey(held, '2026-03-15'));
    expect(indices((await run({ from: '2026-03-14', to: '2026-03-14' }).result).rows)).toEqual([a.m14early!.index, a.m14mid!.index, a.m14late!.index]);
    expect(indices((await run({ key: month }).result).rows)).toEqual([a.m14early!.index, a.m14mid!.index, a.m14late!.index, a.m15!.index]);
    expect(indices((await run({ key: day }).result).rows)).toEqual([a.m15!.index]);
    expect(indices((await run({ key: subjectKeyText(NINO_B), subject: { scheme: 'nino', id: NINO_B } }).result).rows)).toHaveLength(2);
    expect((await run({ key: subjectKeyText('AB999999A') }).result).rows).toEqual([]);
    // A month key cannot reach another month: nothing is searched there.
    const { fetch, result } = run({ key: month, from: '2026-04-01', to: '2026-04-30' });
    expect((await result).rows).toEqual([]);
    expect(fetch.paths.filter((p) => p.startsWith('/v1/tags/'))).toEqual([]);
  });

  test('a day stops at the first tag the log lacks: tag_0 … tag_3 are looked up for a day of three, each bucket once', async () => {
    const held = parseHeldKey(subjectKeyText(NINO_A));
    const day = deriveDayKey(held, '2026-03-14');
    const { fetch, result } = run({ key: formatHeldKey(day) });
    expect((await result).rows).toHaveLength(3);
    const asked = fetch.paths.filter((p) => p.startsWith('/v1/tags/')).map((p) => p.slice('/v1/tags/'.length));
    // And for each entry found, the first tag of its K_disclosures (the operator's reads of it: none here).
    const reads = [0, 1, 2].map((j) => tagPrefix(subjectTag(disclosureKey(new Uint8Array(createHash('sha256').update(revealToken(day.key, j)).digest())), 0)));
    const expected = [...[0, 1, 2, 3].map((j) => tagPrefix(subjectTag(day.key, j))), ...reads];
    expect(new Set(asked)).toEqual(new Set(expected));
    expect(asked).toHaveLength(new Set(expected).size);
    // The client asks only for buckets, never for a whole tag.
    expect(asked.every((p) => /^[0-9a-f]{4}$/.test(p))).toBe(true);
  });

  test('a server hiding tag_1 hides the rest of that day too (counters have no gaps): lookup sees only tag_0', async () => {
    const day = deriveDayKey(parseHeldKey(subjectKeyText(NINO_A)), '2026-03-14');
    const hidden = hex(subjectTag(day.key, 1));
    const { result } = run({
      key: formatHeldKey(day),
      tamper: async (path, honest) => {
        if (path !== `/v1/tags/${hidden.slice(0, 4)}`) return undefined;
        const body = (await (await honest()).json()) as { prefix: string; tags: { tag: string }[] };
        return json({ ...body, tags: body.tags.filter((t) => t.tag !== hidden) });
      },
    });
    expect(indices((await result).rows)).toEqual([a.m14late!.index]);
  });

  test('partner keys may be pinned; then GET /v1/partners is never asked', async () => {
    const { fetch, result } = run({ partnerKeys: { 'partner-a': log.partnerKey.publicKey } });
    expect((await result).rows.every((r) => r.verified)).toBe(true);
    expect(fetch.paths).not.toContain('/v1/partners');
  });

  test('a checkpoint not signed by the pinned key fails the whole lookup', async () => {
    const stranger = ed25519Signer(TEST_ORIGIN, new Uint8Array(32).fill(3)).verifierKey;
    await expect(lookup({ client: createClient({ url: URL_BASE, fetch: appFetch(log) }), key: subjectKeyText(NINO_A), subject: SUBJECT_A, from: '2026-03-01', to: '2026-03-31', logKey: stranger })).rejects.toMatchObject({ code: 'UNVERIFIED_NOTE', message: expect.stringMatching(/: check the log key$/), hint: expect.stringMatching(/^check the log key/) });
    await expect(lookup({ url: URL_BASE, key: 'subject-key:2026:xyz', subject: SUBJECT_A, from: '2026-03-01', to: '2026-03-31', logKey: KEY() })).rejects.toMatchObject({ code: 'MALFORMED_REQUEST', field: 'key' });
    await expect(lookup({ url: URL_BASE, key: subjectKeyText(NINO_A), subject: SUBJECT_A, from: '2026-03-31', to: '2026-03-01', logKey: KEY() })).rejects.toMatchObject({ code: 'MALFORMED_REQUEST' });
    // A reference that is not one is refused before anything is fetched, never a mismatch on every row.
    await expect(lookup({ url: URL_BASE, key: subjectKeyText(NINO_A), subject: { scheme: 'nino', id: 'QQ123456C' }, from: '2026-03-01', to: '2026-03-31', logKey: KEY() })).rejects.toMatchObject({ code: 'MALFORMED_REQUEST', field: 'subject.id' });
  });
});

describe('a dishonest or broken server: the row is marked, the lookup goes on', () => {
  function only(rows: readonly TimelineRow[], index: number): TimelineRow {
    const others = rows.filter((r) => r.index !== index);
    expect(others.every((r) => r.verified), JSON.stringify(others.map((r) => r.problems))).toBe(true);
    const row = rows.find((r) => r.index === index);
    expect(row).toBeDefined();
    expect(row!.verified).toBe(false);
    expect(row!.problems.length).toBeGreaterThan(0);
    return row!;
  }

  test('a tampered entry in its bundle fails inclusion', async () => {
    const target = a.m15!.index;
    const { result } = run({
      tamper: async (path, honest) => {
        if (!path.startsWith('/tile/entries/')) return undefined;
        return rewriteBundleEntry(path, await honest(), target, (entry) => {
          const leaf = JSON.parse(new TextDecoder().decode(entry)) as { event: Record<string, unknown> };
          leaf.event.purpose = 'fraud-error-investigation';
          return new TextEncoder().encode(JSON.stringify(leaf));
        });
      },
    });
    const row = only((await result).rows, target);
    expect(row.checks.inclusion).toBe(false);
    expect(row.problems.join()).toMatch(/not the leaf at index/);
  });

  test('a tile that does not match the checkpoint fails inclusion of every row it would prove, never a false verified', async () => {
    const { result } = run({
      tamper: async (path, honest) => {
        if (!/^\/tile\/0\//.test(path)) return undefined;
        const data = new Uint8Array(await (await honest()).arrayBuffer());
        data[40] = data[40]! ^ 1; // a byte of the second leaf hash
        return new Response(data);
      },
    });
    const { rows } = await result;
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      expect(row).toMatchObject({ verified: false, checks: { inclusion: false } });
      expect(row.problems.join()).toMatch(/couldn't prove entry .* from the log's tiles: .*does not match the checkpoint|do not hash to the checkpoint root/);
    }
  });

  test('a bucket pointing a tag at another subject’s entry fails the tag check, and that entry’s details are not asked for', async () => {
    const day = deriveDayKey(parseHeldKey(subjectKeyText(NINO_A)), '2026-03-15');
    const tag = hex(subjectTag(day.key, 0));
    const otherIndex = a.m15!.index - 1; // subject B's 15 March entry
    const { fetch, result } = run({
      tamper: async (path, honest) => {
        if (path !== `/v1/tags/${tag.slice(0, 4)}`) return undefined;
        const body = (await (await honest()).json()) as { prefix: string; tags: { tag: string; index: number }[] };
        return json({ ...body, tags: body.tags.map((t) => (t.tag === tag ? { tag, index: otherIndex } : t)) });
      },
    });
    const row = only((await result).rows, otherIndex);
    expect(row.checks).toMatchObject({ inclusion: true, tag: false, partnerSignature: true, commitment: false });
    // Its tag is not the one the token is for: the token is not sent at all.
    const sent = fetch.requests.filter((r) => r.path === '/v1/details').flatMap((r) => (JSON.parse(r.body!) as { revealTokens: string[] }).revealTokens);
    expect(sent).not.toContain(b64(revealToken(day.key, 0)));
    expect(sent).toContain(b64(revealToken(deriveDayKey(parseHeldKey(subjectKeyText(NINO_A)), '2026-03-14').key, 0)));
  });

  test('an event signed with a key other than its partner’s published one fails the partner signature', async () => {
    const b = partnerKeyPair('partner-b');
    const bToken = (await addPartner(log.store, 'partner-b', 'Partner B', b.publicKey)).token;
    const bClient = createClient({ url: URL_BASE, token: bToken, fetch: appFetch(log), logKey: KEY() });
    const r = await bClient.submitEvent({ event: accessEvent('partner-b', 1, '2026-03-20T12'), subject: { scheme: 'nino', id: NINO_A }, details: { x: 1 }, signer: { seed: b.seed } });
    // The log publishes another key for partner-b (a substituted key), or the caller pins a wrong one.
    const swapped = run({
      tamper: async (path, honest) => {
        if (path !== '/v1/partners') return undefined;
        const body = (await (await honest()).json()) as { partners: { id: string; publicKey: string | null }[] };
        return json({ partners: body.partners.map((p) => (p.id === 'partner-b' ? { ...p, publicKey: b64(partnerKeyPair('mallory').publicKey) } : p)) });
      },
    });
    expect(only((await swapped.result).rows, r.index).checks).toMatchObject({ inclusion: true, tag: true, partnerSignature: false, commitment: true });
    const pinned = run({ partnerKeys: { 'partner-a': log.partnerKey.publicKey, 'partner-b': partnerKeyPair('mallory').publicKey } });
    expect(only((await pinned.result).rows, r.index).checks.partnerSignature).toBe(false);
    const unknown = run({ partnerKeys: { 'partner-a': log.partnerKey.publicKey } });
    expect(only((await unknown.result).rows, r.index).problems.join()).toMatch(/partner-b/);
  });

  test('details that do not open the commitment fail it', async () => {
    const target = a.m14mid!.index;
    const { result } = run({ tamper: details(target, (r) => ({ ...r, details: { note: 'something else' } })) });
    const row = only((await result).rows, target);
    expect(row.checks).toMatchObject({ inclusion: true, tag: true, partnerSignature: true, commitment: false });
    expect(row.details).toEqual({ note: 'something else' });
  });

  test('a token the server says it does not know, or answers with another entry, marks the row', async () => {
    const target = a.a02!.index;
    const unknown = run({ tamper: details(target, () => ({ status: 'unknown' })) });
    expect(only((await unknown.result).rows, target).problems.join()).toMatch(/no details for entry/);
    const other = run({ tamper: details(target, (r) => ({ ...r, index: a.m15!.index })) });
    const row = only((await other.result).rows, target);
    expect(row.checks.commitment).toBe(false);
    expect(row.problems.join()).toMatch(new RegExp(`answered entry ${target}'s reveal token with entry ${a.m15!.index}`));
  });

  test('a details request the server refuses marks every row that needed it, and the lookup goes on', async () => {
    const { result } = run({ tamper: (path) => (path === '/v1/details' ? json({ code: 'FORBIDDEN', detail: 'no' }, 403, 'application/problem+json') : undefined) });
    const { rows } = await result;
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      expect(row).toMatchObject({ verified: false, checks: { inclusion: true, tag: true, partnerSignature: true, commitment: false } });
      expect(row.problems.join()).toMatch(/couldn't open the details/);
    }
  });
});

describe('the subject is bound by the partner’s signature, not by the tag the server attaches', () => {
  /**
   * What a dishonest server can do with the tag it attaches: take partner-a's genuine signed
   * event about claimant B and file it under claimant A's tags (tag, counter and reveal
   * token all from A's day key), bypassing the intake, as a server writing its own store can.
   */
  async function misfile(hour: string): Promise<number> {
    const opening = new Uint8Array(randomBytes(32));
    const d = { note: 'about claimant B' };
    const event = { ...accessEvent('partner-a', ++seq, hour), commitment: b64(eventCommitment(opening, d, { scheme: 'nino', id: NINO_B })) } as SightlineEvent;
    const signature = nodeEd25519(log.partnerKey.seed)(eventSigningMessage(TEST_ORIGIN, event));
    const dayA = dayKeyForHour(TEST_YEAR_KEYS['2026']!, 'nino', NINO_A, hour);
    const sha = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
    const result = await log.sequencer.submitEvent({
      partnerId: 'partner-a',
      partnerSeq: seq,
      eventHash: sha(new TextEncoder().encode(canonicalJson(event))),
      type: 'access',
      target: null,
      erases: false,
      details: canonicalJson(d),
      opening,
      counterKey: counterKey(dayA),
      size: 1024,
      build(j) {
        const tag = subjectTag(dayA, j!);
        return { leaf: encodeEventLeaf({ event, signature, subjectTag: hex(tag) }), tag, revealHash: sha(revealToken(dayA, j!)) };
      },
    });
    return result.leafIndex;
  }

  test('another claimant’s genuine event filed under A’s tag is found, proved and signed, but fails: it is not about A', async () => {
    const index = await misfile('2026-03-16T11');
    const { rows } = await run().result;
    const row = rows.find((r) => r.index === index)!;
    expect(row.checks).toMatchObject({ inclusion: true, tag: true, partnerSignature: true, commitment: false });
    expect(row.verified).toBe(false);
    expect(row.problems.join(' ')).toMatch(/not a record about you/);
    expect(rows.filter((r) => r.index !== index).every((r) => r.verified)).toBe(true);
  });

  test('the check is made with the claimant’s own reference: a lookup with another reference verifies none of A’s entries', async () => {
    const { rows } = await run({ subject: { scheme: 'nino', id: NINO_B } }).result;
    expect(rows.length).toBe(5);
    for (const row of rows) expect(row.checks).toMatchObject({ inclusion: true, tag: true, partnerSignature: true, commitment: false });
    // The reference is compared in its normal form: spaces and case do not matter.
    const spaced = await run({ subject: { scheme: 'nino', id: 'ab 12 34 56 c' } }).result;
    expect(spaced.rows.every((r) => r.verified)).toBe(true);
  });
});

describe("the operator's own acts in the claimant's timeline", () => {
  const WHY = 'purpose=complaint-handling&legalBasis=ukgdpr-6-1-e';

  test('a read of a record’s details by the operator shows beneath it, verified; another claimant sees nothing of it', async () => {
    const target = a.m15!.index;
    const read = await log.app.request(`/v1/entries/${target}/details?${WHY}`, { headers: { authorization: `Bearer ${log.operatorToken}` } });
    expect(read.status).toBe(200);
    const { disclosure } = (await read.json()) as { disclosure: number };
    const { rows } = await run().result;
    const readRow = rows.find((r) => r.index === disclosure);
    expect(readRow).toMatchObject({ type: 'disclosure', target, partner: 'log-operator', purpose: 'complaint-handling', verified: true, problems: [] });
    expect(rows.find((r) => r.index === target)).toMatchObject({ disclosedBy: [disclosure], verified: true });
    expect(rows.every((r) => r.verified)).toBe(true);
    // Claimant B's timeline does not hold it: its tag comes from A's reveal token.
    const b = await run({ key: subjectKeyText(NINO_B), subject: { scheme: 'nino', id: NINO_B } }).result;
    expect(b.rows.map((r) => r.index)).not.toContain(disclosure);
  });

  test('the issue of the claimant’s key is in their timeline, verified, signed by the operator’s own key', async () => {
    const issued = await log.app.request('/v1/subject-keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${log.operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scheme: 'nino', id: NINO_A, year: '2026', purpose: 'subject-access-request', legalBasis: 'ukgdpr-6-1-c' }),
    });
    const { recordedAs } = (await issued.json()) as { recordedAs: number };
    const today = new Date().toISOString().slice(0, 10);
    const { rows } = await run({ from: today, to: today }).result;
    expect(rows).toEqual([expect.objectContaining({ index: recordedAs, type: 'subject-key', partner: 'log-operator', purpose: 'subject-access-request', verified: true })]);
  });

  test('a disclosure the log files under a claimant’s read tags but about another of their entries fails', async () => {
    // The server answers the bucket of A's first read tag of one entry with a disclosure of another entry.
    const read = await log.app.request(`/v1/entries/${a.m15!.index}/details?${WHY}`, { headers: { authorization: `Bearer ${log.operatorToken}` } });
    const { disclosure } = (await read.json()) as { disclosure: number };
    const { rows } = await run({
      tamper: async (path, honest) => {
        if (!path.startsWith('/v1/tags/')) return undefined;
        const body = (await (await honest()).json()) as { prefix: string; tags: { tag: string; index: number }[] };
        const leaf = body.tags.find((t) => t.index === disclosure);
        if (leaf === undefined) return undefined;
        return json({ ...body, tags: [...body.tags, { tag: leaf.tag, index: a.m14early!.index }] });
      },
    }).result;
    const atEarly = rows.filter((r) => r.index === a.m14early!.index);
    expect(atEarly).toHaveLength(2); // found as the claimant's own entry, and as a read it is not
    expect(atEarly.filter((r) => r.verified)).toHaveLength(1);
    expect(atEarly.find((r) => !r.verified)!.problems.join(' ')).toMatch(/tag of read 0 of entry/);
  });
});

describe('erasures and corrections', () => {
  test('erased details are accepted when the erasure entry is a verified erasure of the row; the erasure is a row of its own', async () => {
    const target = a.m14early!;
    const erasure = await record(NINO_A, '2026-03-20T10', 0, erasureEvent('partner-a', ++seq, '2026-03-20T10', target.index));
    const { rows } = await run().result;
    const erased = rows.find((r) => r.index === target.index)!;
    expect(erased).toMatchObject({ verified: true, erasedBy: erasure.index, problems: [] });
    expect(erased.checks.commitment).toBe('erased');
    expect(erased.details).toBeUndefined();
    expect(rows.find((r) => r.index === erasure.index)).toMatchObject({ type: 'erasure', target: target.index, verified: true });
    expect(rows.every((r) => r.verified)).toBe(true);
  });

  test('an erasure naming an entry that is not an erasure of the row is not accepted', async () => {
    const target = a.m15!.index;
    const { result } = run({ tamper: details(target, () => ({ status: 'erased', index: target, erasedBy: a.a02!.index })) });
    const row = (await result).rows.find((r) => r.index === target)!;
    expect(row).toMatchObject({ verified: false, erasedBy: a.a02!.index });
    expect(row.checks.commitment).toBe(false);
    expect(row.problems.join()).toMatch(/not an erasure/);
  });

  test('a server still serving details an erasure in the timeline erased is caught', async () => {
    const target = a.m14early!;
    const erasure = await record(NINO_A, '2026-03-20T10', 0, erasureEvent('partner-a', ++seq, '2026-03-20T10', target.index));
    const { result } = run({ tamper: details(target.index, () => ({ status: 'found', index: target.index, details: recorded.get(target.index), opening: b64(target.opening) })) });
    const row = (await result).rows.find((r) => r.index === target.index)!;
    expect(row.checks.commitment).toBe(true);
    expect(row.verified).toBe(false);
    expect(row.problems.join()).toMatch(new RegExp(`erasure entry ${erasure.index}.*still serves`));
  });

  test('a correction in the timeline marks its target with correctedBy', async () => {
    const target = a.m14mid!;
    const correction = await record(NINO_A, '2026-03-16T10', 0, correctionEvent('partner-a', ++seq, '2026-03-16T10', target.index));
    const { rows } = await run().result;
    expect(rows.find((r) => r.index === target.index)).toMatchObject({ correctedBy: [correction.index], verified: true });
    expect(rows.find((r) => r.index === correction.index)).toMatchObject({ type: 'correction', target: target.index, verified: true });
    expect(rows.filter((r) => r.correctedBy !== undefined)).toHaveLength(1);
  });
});

describe('partner key rotation', () => {
  test('after a partner changes its key, the events signed with the old one still verify, and new ones with the new', async () => {
    const rotated = partnerKeyPair('partner-a, second key');
    await log.store.setPartnerKey('partner-a', rotated.publicKey);
    const published = await createClient({ url: URL_BASE, fetch: appFetch(log) }).partners();
    expect(published.find((p) => p.id === 'partner-a')).toMatchObject({ publicKey: rotated.publicKey, previousKeys: [log.partnerKey.publicKey] });
    // The log now refuses the old key, and takes the new one.
    await expect(client.submitEvent({ event: accessEvent('partner-a', ++seq, '2026-04-02T10', 0), subject: { scheme: 'nino', id: NINO_A }, details: {}, signer: { seed: log.partnerKey.seed } })).rejects.toMatchObject({ code: 'BAD_EVENT_SIGNATURE' });
    const fresh = await client.submitEvent({ event: accessEvent('partner-a', seq, '2026-04-02T10', 0), subject: { scheme: 'nino', id: NINO_A }, details: {}, signer: { seed: rotated.seed } });
    const { rows } = await run().result;
    expect(indices(rows)).toContain(fresh.index);
    expect(rows.length).toBe(6);
    for (const row of rows) expect(row.problems).toEqual([]);
  });
});
