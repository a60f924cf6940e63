/**
 * sightline/client against the real app in-process: writes (raw entries and typed events,
 * their commitment and signature checked here with node:crypto, independently of the
 * client), receipts verified against the pinned log key, reads, and problem answers.
 */
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, test } from 'vitest';
import { ProblemError, createClient, verifyEntryReceipt } from '../../../src/client/index.js';
import { isLogError } from '../../../src/errors.js';
import { ed25519Signer } from '../../../src/note/index.js';
import { dayKeyForHour, revealToken, subjectTag } from '../../../src/subject/index.js';
import { expectLogError } from '../../support/errors.js';
import { nodeSign, nodeVerify } from '../../support/node-ed25519.js';
import { TEST_ORIGIN, TEST_YEAR_KEYS } from '../../support/test-log.js';
import { type Log, NINO_A, URL_BASE, accessEvent, appFetch, erasureEvent, b64, hex, newLog, partnerClient, tamperingFetch, unb64 } from '../../support/client-harness.js';

const HOUR = '2026-03-14T09';
const DETAILS = { screen: 'claim summary', caseRef: 'case-1' };
/** RFC 8785 of DETAILS, written out by hand: members sorted by name, no whitespace. */
const DETAILS_JCS = '{"caseRef":"case-1","screen":"claim summary"}';

/** JCS of a flat object of strings, integers and string arrays (what an event is), by hand. */
function flatJcs(o: Record<string, unknown>): string {
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k])}`)
    .join(',')}}`;
}

const sha256 = (...parts: (string | Uint8Array)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

let log: Log;
beforeEach(async () => {
  log = await newLog();
});

describe('submitEvent', () => {
  test('commits to the details with a fresh opening, signs the canonical event for the origin, and gets a verified receipt', async () => {
    const client = partnerClient(log);
    const r = await client.submitEvent({ event: accessEvent('partner-a', 1, HOUR), subject: { scheme: 'nino', id: NINO_A }, details: DETAILS, signer: { seed: log.partnerKey.seed } });

    // The commitment of an event about a claimant covers the claimant's normalised reference:
    // SHA-256("sightline/v1/commit-subject\n" ‖ r ‖ scheme ‖ "\n" ‖ id* ‖ "\n" ‖ JCS(details)), recomputed with node:crypto.
    expect(r.opening.length).toBe(32);
    expect(hex(r.commitment)).toBe(hex(sha256('sightline/v1/commit-subject\n', r.opening, `nino\n${NINO_A.slice(0, 8)}\n`, DETAILS_JCS)));
    expect(r.event.commitment).toBe(b64(r.commitment));
    expect(r.event).toEqual({ ...accessEvent('partner-a', 1, HOUR), commitment: b64(r.commitment) });

    // The signature: Ed25519 (OpenSSL) over "sightline/v1/event\n" ‖ origin ‖ "\n" ‖ JCS(event).
    const message = new TextEncoder().encode(`sightline/v1/event\n${TEST_ORIGIN}\n${flatJcs(r.event)}`);
    expect(nodeVerify(log.partnerKey.publicKey, message, r.signature)).toBe(true);
    expect(hex(r.signature)).toBe(hex(nodeSign(log.partnerKey.seed, message)));

    // The leaf the log built: {v, event, signature, subjectTag}, the tag tag_0 of the subject's day.
    const leaf = JSON.parse(new TextDecoder().decode(r.data)) as Record<string, unknown>;
    const tag = hex(subjectTag(dayKeyForHour(TEST_YEAR_KEYS['2026']!, 'nino', NINO_A, HOUR), 0));
    expect(leaf).toEqual({ v: 1, event: r.event, signature: b64(r.signature), subjectTag: tag });
    expect(r.subjectTag).toBe(tag);

    // The receipt, verified against the pinned key; the index and tree size agree.
    expect(r.duplicate).toBe(false);
    expect(r.verified?.leafIndex).toBe(r.index);
    expect(r.verified?.checkpoint.origin).toBe(TEST_ORIGIN);
    expect(verifyEntryReceipt(r.receipt, r.data, log.signer.verifierKey).checkpoint.treeSize).toBe(r.treeSize);

    // What the log stored opens with the reveal token, and is what was committed to.
    const opened = await client.details(r.index, revealToken(dayKeyForHour(TEST_YEAR_KEYS['2026']!, 'nino', NINO_A, HOUR), 0));
    expect(opened.details).toEqual(DETAILS);
    expect(hex(opened.opening)).toBe(hex(r.opening));
  });

  test('each event gets its own random opening; a signer function works as well as a seed; the origin comes from GET /v1/log when no key is pinned', async () => {
    const fetch = tamperingFetch(appFetch(log));
    const client = createClient({ url: URL_BASE + '/', token: log.token, fetch });
    const signer = { sign: (m: Uint8Array) => nodeSign(log.partnerKey.seed, m) };
    const a = await client.submitEvent({ event: accessEvent('partner-a', 1, HOUR), subject: { scheme: 'nino', id: NINO_A }, details: DETAILS, signer });
    const b = await client.submitEvent({ event: accessEvent('partner-a', 2, HOUR), subject: { scheme: 'nino', id: NINO_A }, details: DETAILS, signer: { seed: log.partnerKey.seed } });
    expect(hex(a.opening)).not.toBe(hex(b.opening));
    expect(hex(a.commitment)).not.toBe(hex(b.commitment));
    expect(a.verified).toBeUndefined(); // nothing pinned to verify against
    expect(fetch.paths.filter((p) => p === '/v1/log')).toHaveLength(1); // the origin is fetched once
    expect(b.index).toBe(a.index + 1);
  });

  test('a replay of the same event is a duplicate with the first index; refusals are ProblemErrors with the code, field and status', async () => {
    const client = partnerClient(log);
    const event = accessEvent('partner-a', 1, HOUR);
    const first = await client.submitEvent({ event, subject: { scheme: 'nino', id: NINO_A }, details: DETAILS, signer: { seed: log.partnerKey.seed } });

    // Another key's signature: 422 BAD_EVENT_SIGNATURE, naming the member.
    const wrong = new Uint8Array(32).fill(7);
    const refused = await client
      .submitEvent({ event: accessEvent('partner-a', 2, HOUR), subject: { scheme: 'nino', id: NINO_A }, details: DETAILS, signer: { seed: wrong } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProblemError);
    expect(refused).toMatchObject({ code: 'BAD_EVENT_SIGNATURE', status: 422, field: 'signature' });
    expect(isLogError(refused, 'BAD_EVENT_SIGNATURE')).toBe(true);

    // A used sequence number with a different event: 409.
    const conflict = await client
      .submitEvent({ event: { ...event, hour: '2026-03-14T10' }, subject: { scheme: 'nino', id: NINO_A }, details: DETAILS, signer: { seed: log.partnerKey.seed } })
      .catch((e: unknown) => e);
    expect(conflict).toMatchObject({ code: 'SEQUENCE_CONFLICT', status: 409 });

    // No token, a commitment given by the caller: refused before anything is sent.
    const anonymous = createClient({ url: URL_BASE, fetch: appFetch(log) });
    await expect(anonymous.submitEvent({ event, details: DETAILS, signer: { seed: log.partnerKey.seed } })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(client.submitEvent({ event: { ...event, commitment: first.event.commitment }, details: DETAILS, signer: { seed: log.partnerKey.seed } })).rejects.toThrow(/commitment/);
  });

  test('a log that builds a different leaf than the event signed is caught', async () => {
    const fetch = tamperingFetch(appFetch(log), async (path, honest) => {
      if (path !== '/v1/events') return undefined;
      const body = (await (await honest()).json()) as Record<string, unknown>;
      const leaf = JSON.parse(new TextDecoder().decode(unb64(body.data as string))) as { event: Record<string, unknown> };
      leaf.event.purpose = 'debt-recovery';
      return new Response(JSON.stringify({ ...body, data: b64(new TextEncoder().encode(JSON.stringify(leaf))) }), { status: 201 });
    });
    const client = partnerClient(log, fetch);
    await expect(client.submitEvent({ event: accessEvent('partner-a', 1, HOUR), subject: { scheme: 'nino', id: NINO_A }, details: DETAILS, signer: { seed: log.partnerKey.seed } })).rejects.toMatchObject({
      code: 'INVALID_PROOF',
    });
  });
});

describe('submitEntry and receipts', () => {
  test('a raw entry gets a receipt verified against the pinned key; the same entry again is a duplicate', async () => {
    const client = partnerClient(log);
    const entry = new TextEncoder().encode('a raw entry');
    const r = await client.submitEntry(entry);
    expect(r.duplicate).toBe(false);
    expect(hex(r.leafHash)).toBe(hex(sha256(new Uint8Array([0]), entry)));
    expect(r.verified?.leafIndex).toBe(r.index);
    const again = await client.submitEntry(entry);
    expect(again).toMatchObject({ duplicate: true, index: r.index });
  });

  test('a receipt that does not verify against the pinned key fails the write', async () => {
    const other = ed25519Signer(TEST_ORIGIN, new Uint8Array(32).fill(1));
    const client = createClient({ url: URL_BASE, token: log.token, fetch: appFetch(log), logKey: other.verifierKey });
    const e = await client.submitEntry(new TextEncoder().encode('x')).catch((err: unknown) => err);
    expect(isLogError(e)).toBe(true);
  });

  test('verifyEntryReceipt accepts a valid receipt and rejects a mutated entry, proof, checkpoint or key', async () => {
    const client = partnerClient(log);
    const entries = ['one', 'two', 'three', 'four', 'five'].map((t) => new TextEncoder().encode(t));
    for (const e of entries) await client.submitEntry(e);
    const receipt = await client.receipt(2);
    const key = log.signer.verifierKey;
    const ok = verifyEntryReceipt(receipt, entries[2]!, key);
    expect(ok.leafIndex).toBe(2);
    expect(ok.checkpoint.treeSize).toBeGreaterThanOrEqual(5);
    expect(verifyEntryReceipt(receipt, { leafHash: sha256(new Uint8Array([0]), entries[2]!) }, key).leafIndex).toBe(2);

    // Another entry's bytes, a changed proof hash, a changed index, another root, another key.
    expectLogError(() => verifyEntryReceipt(receipt, entries[3]!, key), 'INVALID_PROOF');
    const lines = receipt.split('\n');
    const proofLine = lines.findIndex((l, i) => i > 1 && l.length === 44);
    const flipped = [...lines];
    flipped[proofLine] = b64(sha256('not a node'));
    expectLogError(() => verifyEntryReceipt(flipped.join('\n'), entries[2]!, key), 'INVALID_PROOF');
    expectLogError(() => verifyEntryReceipt(receipt.replace('\nindex 2\n', '\nindex 1\n'), entries[2]!, key), 'INVALID_PROOF');
    const blank = receipt.indexOf('\n\n');
    const note = receipt.slice(blank + 2).split('\n');
    note[2] = b64(sha256('another root'));
    expect(() => verifyEntryReceipt(receipt.slice(0, blank + 2) + note.join('\n'), entries[2]!, key)).toThrow();
    const stranger = ed25519Signer(TEST_ORIGIN, new Uint8Array(32).fill(9)).verifierKey;
    expect(() => verifyEntryReceipt(receipt, entries[2]!, stranger)).toThrow();
    expect(() => verifyEntryReceipt('not a receipt', entries[2]!, key)).toThrow();
  });
});

describe('reads', () => {
  test('log info, checkpoint, entries, proofs, buckets, partners and codes decode', async () => {
    const client = partnerClient(log);
    const r = await client.submitEvent({ event: accessEvent('partner-a', 1, HOUR), subject: { scheme: 'nino', id: NINO_A }, details: DETAILS, signer: { seed: log.partnerKey.seed } });
    const info = await client.logInfo();
    expect(info).toMatchObject({ origin: TEST_ORIGIN, verifierKey: log.signer.verifierKey, treeSize: r.treeSize });
    expect((await client.checkpoint()).startsWith(`${TEST_ORIGIN}\n${r.treeSize}\n`)).toBe(true);
    const entry = await client.entry(r.index);
    expect(hex(entry.data)).toBe(hex(r.data));
    expect(hex(entry.leafHash)).toBe(hex(r.leafHash));
    expect(await client.inclusionProof(r.index, r.treeSize)).toHaveLength(r.inclusionProof.length);
    expect(await client.consistencyProof(1, r.treeSize)).toBeInstanceOf(Array);
    const bucket = await client.tagBucket(r.subjectTag!.slice(0, 4));
    expect(bucket.tags).toContainEqual({ tag: r.subjectTag, index: r.index });
    const partners = await client.partners();
    expect(partners.find((p) => p.id === 'partner-a')).toMatchObject({ active: true, publicKey: log.partnerKey.publicKey });
    const codes = await client.codes();
    expect(codes.codes.organisations?.dwp).toBe('Department for Work and Pensions');
  });

  test('details: a wrong token is 403, erased details are 410 naming the erasure; a missing entry is 404', async () => {
    const client = partnerClient(log);
    const r = await client.submitEvent({ event: accessEvent('partner-a', 1, HOUR), subject: { scheme: 'nino', id: NINO_A }, details: DETAILS, signer: { seed: log.partnerKey.seed } });
    await expect(client.details(r.index, '00'.repeat(32))).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    await expect(client.entry(999)).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
    await expect(client.tagBucket('ABCD')).rejects.toMatchObject({ code: 'MALFORMED_REQUEST' });
    const erasure = await client.submitEvent({ event: erasureEvent('partner-a', 2, '2026-03-20T10', r.index), subject: { scheme: 'nino', id: NINO_A }, details: {}, signer: { seed: log.partnerKey.seed } });
    const reveal = revealToken(dayKeyForHour(TEST_YEAR_KEYS['2026']!, 'nino', NINO_A, HOUR), 0);
    const gone = await client.details(r.index, reveal).catch((e: unknown) => e);
    expect(gone).toMatchObject({ code: 'ERASED', status: 410, extensions: { erasedBy: erasure.index } });
  });

  test('revealDetails: one answer per token in the order given, in POSTs of 64 slots each, all one size; a lying answer is refused', async () => {
    const client = partnerClient(log);
    const r = await client.submitEvent({ event: accessEvent('partner-a', 1, HOUR), subject: { scheme: 'nino', id: NINO_A }, details: DETAILS, signer: { seed: log.partnerKey.seed } });
    const reveal = revealToken(dayKeyForHour(TEST_YEAR_KEYS['2026']!, 'nino', NINO_A, HOUR), 0);
    const strangers = Array.from({ length: 129 }, (_, i) => sha256(`not a token ${i}`));
    const fetch = tamperingFetch(appFetch(log));
    const reader = createClient({ url: URL_BASE, fetch });
    expect(await reader.revealDetails([])).toEqual([]);
    expect(fetch.requests).toEqual([]); // nothing to ask: no request
    // 130 tokens (one of them twice): 3 requests of 64 slots, the same size each.
    const tokens = [...strangers.slice(0, 70), reveal, ...strangers.slice(70), reveal];
    const answers = await reader.revealDetails(tokens);
    expect(answers).toHaveLength(tokens.length);
    expect(answers[70]).toEqual({ status: 'found', index: r.index, details: DETAILS, opening: r.opening });
    expect(answers.at(-1)).toEqual(answers[70]);
    expect(answers.filter((a) => a.status === 'unknown')).toHaveLength(129);
    const posts = fetch.requests.filter((q) => q.method === 'POST');
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((q) => q.body!.length))).toEqual(new Set([3026]));
    const sent = posts.flatMap((q) => (JSON.parse(q.body!) as { revealTokens: string[] }).revealTokens);
    expect(sent).toHaveLength(192);
    expect(sent.filter((t) => t === b64(reveal))).toHaveLength(1);
    expect(posts.every((q) => q.path === '/v1/details' && q.query === '')).toBe(true);

    // An answer of the wrong length or shape is the server's fault, not an empty result.
    const short = createClient({ url: URL_BASE, fetch: tamperingFetch(appFetch(log), (path) => (path === '/v1/details' ? Response.json({ results: [] }) : undefined)) });
    await expect(short.revealDetails([reveal])).rejects.toMatchObject({ code: 'INTERNAL' });
    const odd = createClient({ url: URL_BASE, fetch: tamperingFetch(appFetch(log), (path) => (path === '/v1/details' ? Response.json({ results: Array(64).fill({ status: 'found', index: 1 }) }) : undefined)) });
    await expect(odd.revealDetails([reveal])).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(reader.revealDetails([new Uint8Array(31)])).rejects.toMatchObject({ code: 'MALFORMED_REQUEST' });
  });

  test('tile: the bytes of a tile or entry bundle, undefined for one not served; only tile paths are asked for', async () => {
    const client = partnerClient(log);
    for (const t of ['one', 'two', 'three']) await client.submitEntry(new TextEncoder().encode(t));
    const bundle = await client.tile('tile/entries/000.p/3');
    expect(bundle && Buffer.from(bundle).toString()).toBe('\u0000\u0003one\u0000\u0003two\u0000\u0005three');
    expect((await client.tile('tile/0/000.p/3'))?.length).toBe(96);
    expect(await client.tile('tile/0/000')).toBeUndefined();
    await expect(client.tile('v1/entries/1')).rejects.toMatchObject({ code: 'MALFORMED_TILE' });
    await expect(client.tile('tile/0/000.p/3?x=1')).rejects.toMatchObject({ code: 'MALFORMED_TILE' });
  });

  test('an unreachable server is UNAVAILABLE; a malformed URL is refused', async () => {
    const client = createClient({ url: URL_BASE, fetch: () => Promise.reject(new Error('connection refused')) });
    await expect(client.logInfo()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(() => createClient({ url: 'ftp://x' })).toThrow(/http/);
  });
});
