/**
 * A client for one Sightline log: partners submit raw entries and typed events and get
 * receipts; anyone reads checkpoints, tiles, entries, proofs, tag buckets, partner keys and
 * code lists; a claimant opens details with reveal tokens.
 *
 * A typed event is committed and signed here, on the partner's side: the client draws the
 * 32-byte opening r, computes the commitment C over the details (and, for an event about a
 * claimant, over the claimant's reference too: see eventCommitment), puts C into the event
 * and signs "sightline/v1/event\n" ‖ origin ‖ "\n" ‖ JCS(event) with the partner's Ed25519
 * key. The log never sees the partner's key.
 *
 * Pure: no `node:` import, no Buffer; runs in Node 20 and browsers.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesEqual, canonicalJson, decodeHex, encodeBase64, encodeHex, isBytes } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import {
  DETAILS_REQUEST_SLOTS,
  type EventType,
  REVEAL_TOKEN_SIZE,
  type SightlineEvent,
  eventCommitment,
  eventSigningMessage,
  formatDetailsRequest,
  parseEventLeaf,
} from '../events/index.js';
import { HASH_SIZE, type Hash, leafHash, parseTilePath } from '../merkle/index.js';
import { parseNoteVerifier } from '../note/index.js';
import type { VerifiedReceipt } from '../receipt/index.js';
import type { SubjectScheme } from '../subject/index.js';
import {
  type FetchLike,
  Transport,
  badAnswer,
  base64Member,
  baseUrl,
  globalFetch,
  hashList,
  indexText,
  isIndexValue,
  isObject,
} from './http.js';
import { verifyEntryReceipt } from './verify.js';
import { type LogCopy, type ReadSource, readThroughCopies } from './copies.js';

// noble's synchronous API needs a synchronous SHA-512 (note/keys.ts sets the same).
ed.hashes.sha512 = sha512;

export interface ClientOptions {
  /** The log's base URL, e.g. `https://log.example` (a path prefix is kept). */
  readonly url: string;
  /** A partner's bearer token: needed to submit, not to read. */
  readonly token?: string;
  /**
   * The fetch to use; `globalThis.fetch` by default. A Hono app's `app.request` works too.
   * (Quoted: the purity check of the core flags the bare identifier.)
   */
  readonly 'fetch'?: FetchLike;
  /**
   * The log's verifier key text (`<origin>+<hex8>+<base64>`), pinned: every write's receipt
   * is then verified against it, and typed events are signed for its name (the origin).
   *
   * Several keys when `url` is a service's alias (`https://log.example/logs/dwp`), which names
   * one log per period: the keys of its logs, this year's and the next's, as the operator
   * publishes them. A receipt is verified with the key of the log that gave it, and typed
   * events are signed for the log the alias names now (asked of the log, and asked again
   * when that log has closed).
   */
  readonly logKey?: string | readonly string[];
  /**
   * Copies of the log to read from (mirrors, static exports; see `copyUrl`): tiles and entry
   * bundles are read from them first and from the log when none has them; the checkpoint
   * from the log first and from them when it cannot be read. Everything read is verified
   * against the log key as the log's own answers are.
   */
  readonly copies?: readonly LogCopy[];
}

/** The public fields of a typed event, before the client adds its commitment. */
export type EventFields = {
  readonly type: EventType;
  readonly partner: string;
  readonly partnerSeq: number;
  readonly hour: string;
  readonly target?: number;
  readonly [field: string]: unknown;
};

/** How a typed event is signed: the partner's 32-byte Ed25519 seed, or a signer that holds it (an HSM, a KMS). */
export type EventSigner = { readonly seed: Uint8Array } | { sign(message: Uint8Array): Uint8Array | Promise<Uint8Array> };

export interface SubmitEventInput {
  /** The public fields; the client computes and adds `commitment`. */
  readonly event: EventFields;
  /** The claimant (for access, share, erasure and correction events); it goes to the log, never into the leaf. */
  readonly subject?: { readonly scheme: SubjectScheme; readonly id: string };
  /** The private details, a JSON object; only its commitment is public. */
  readonly details: Readonly<Record<string, unknown>>;
  readonly signer: EventSigner;
  /** The log's origin; by default the pinned log key's name, else GET /v1/log's `origin`. */
  readonly origin?: string;
}

/** What a write returns: the receipt material, checked against the pinned log key when there is one. */
export interface EntryReceipt {
  readonly index: number;
  readonly leafHash: Hash;
  readonly treeSize: number;
  readonly inclusionProof: readonly Hash[];
  /** The signed checkpoint note the proof leads to. */
  readonly checkpoint: string;
  /** The c2sp.org/tlog-proof receipt: keep it; anyone can verify it offline. */
  readonly receipt: string;
  /** True when the log already held the entry (HTTP 200) rather than appending it now (201). */
  readonly duplicate: boolean;
  /** Present when the client has a pinned log key: the verified receipt. */
  readonly verified?: VerifiedReceipt;
}

export interface EventReceipt extends EntryReceipt {
  /** The leaf the log built (the event, its signature and the subject tag). */
  readonly data: Uint8Array;
  /** The event as signed, with its commitment. */
  readonly event: SightlineEvent;
  readonly signature: Uint8Array;
  /** The opening r: with the details, it opens the commitment. Keep it with the details. */
  readonly opening: Uint8Array;
  readonly commitment: Uint8Array;
  /** The subject tag the log put in the leaf (hex), if the event has a subject. */
  readonly subjectTag?: string;
}

export interface LogInfo {
  readonly origin: string;
  readonly verifierKey: string;
  readonly treeSize: number;
  readonly rootHash: Hash;
}

export interface LogEntry {
  readonly index: number;
  readonly leafHash: Hash;
  readonly data: Uint8Array;
}

export interface TagBucket {
  readonly prefix: string;
  /** Every stored subject tag with the prefix (64 lowercase hex), and the index of its entry. */
  readonly tags: readonly { readonly tag: string; readonly index: number }[];
}

export interface EntryDetails {
  readonly index: number;
  readonly details: unknown;
  readonly opening: Uint8Array;
}

/**
 * What `POST /v1/details` answered for one reveal token: its entry's details and opening, that
 * they were erased (and by which erasure entry), or that no entry has the token.
 */
export type RevealedDetails =
  | { readonly status: 'found'; readonly index: number; readonly details: unknown; readonly opening: Uint8Array }
  | { readonly status: 'erased'; readonly index: number; readonly erasedBy: number }
  | { readonly status: 'unknown' };

export interface PublishedPartner {
  readonly id: string;
  readonly name: string | null;
  /** The raw 32-byte Ed25519 key its events are signed with, or null if none is registered. */
  readonly publicKey: Uint8Array | null;
  /** Keys it signed with before, oldest first: events it signed then still verify with them. */
  readonly previousKeys: readonly Uint8Array[];
  readonly active: boolean;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface PublishedCodes {
  readonly sha256: string;
  readonly leafIndex: number | null;
  /** Per list (organisations, systems, roles, actions, purposes, legalBases, categories): code → label. */
  readonly codes: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface SightlineClient {
  readonly url: string;
  submitEntry(entry: Uint8Array): Promise<EntryReceipt>;
  submitEvent(input: SubmitEventInput): Promise<EventReceipt>;
  logInfo(): Promise<LogInfo>;
  /** GET /checkpoint: the signed note text, unverified. */
  checkpoint(): Promise<string>;
  entry(index: number): Promise<LogEntry>;
  /** GET /v1/receipts/:index: a tlog-proof receipt against the latest checkpoint, unverified. */
  receipt(index: number): Promise<string>;
  inclusionProof(index: number, treeSize: number): Promise<Hash[]>;
  consistencyProof(from: number, to: number): Promise<Hash[]>;
  tagBucket(prefix: string): Promise<TagBucket>;
  /**
   * GET /v1/entries/:index/details with a reveal token (32 bytes, or 64 lowercase hex). Erased
   * details throw `ProblemError` ERASED (410) with `extensions.erasedBy`. The path names the
   * entry: a claimant's lookup uses `revealDetails` instead.
   */
  details(index: number, revealToken: Uint8Array | string): Promise<EntryDetails>;
  /**
   * The details of the entries of these reveal tokens (32 bytes each), one answer per token in
   * the order given, by POST /v1/details: no request names an entry. Each request carries
   * exactly 64 tokens, the caller's in random order among random dummies; more than 64 tokens
   * take several requests of the same size. No request at all for no tokens.
   */
  revealDetails(revealTokens: readonly Uint8Array[]): Promise<RevealedDetails[]>;
  /**
   * GET /<path> of a c2sp.org/tlog-tiles tile or entry bundle (`tile/<L>/<N>[.p/<W>]`,
   * `tile/entries/<N>[.p/<W>]`): its bytes, unverified, or undefined when the log answers 404.
   */
  tile(path: string): Promise<Uint8Array | undefined>;
  /** GET /v1/records: one page of a body's records of a type and period as they stand, unverified (see verifyRecords). */
  records(query: { body: string; type: string; from: string; to: string }, after: number | null): Promise<{ records: unknown[]; next: number | null }>;
  partners(): Promise<PublishedPartner[]>;
  codes(): Promise<PublishedCodes>;
}

const SIGNATURE_SIZE = 64;
const OPENING_SIZE = 32;

function randomBytes(n: number): Uint8Array {
  const crypto = (globalThis as { crypto?: { getRandomValues<T extends ArrayBufferView>(a: T): T } }).crypto;
  if (crypto === undefined) throw new LogError('UNAVAILABLE', 'this runtime has no crypto.getRandomValues to draw the opening with');
  return crypto.getRandomValues(new Uint8Array(n));
}

async function signWith(signer: EventSigner, message: Uint8Array): Promise<Uint8Array> {
  let signature: unknown;
  if ('seed' in signer) {
    if (!isBytes(signer.seed) || signer.seed.length !== 32) throw new TypeError('signer.seed must be a 32-byte Uint8Array (an Ed25519 private key seed)');
    signature = ed.sign(message, signer.seed);
  } else if (typeof signer.sign === 'function') {
    signature = await signer.sign(message);
  } else {
    throw new TypeError('signer must be { seed } or { sign(message) }');
  }
  if (!isBytes(signature) || signature.length !== SIGNATURE_SIZE) throw new TypeError('the signer must return a 64-byte Ed25519 signature');
  return signature;
}

/** A uniformly random integer in [0, n), n ≤ 2^32, by rejection (no modulo bias). */
function randomBelow(n: number): number {
  const limit = 2 ** 32 - (2 ** 32 % n);
  for (;;) {
    const [x] = new Uint32Array(randomBytes(4).buffer);
    if (x! < limit) return x! % n;
  }
}

/** Fisher–Yates with the runtime's CSPRNG: the order must say nothing about which token is whose. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomBelow(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** One result of POST /v1/details, checked for shape (its truth is the caller's to check). */
function revealedResult(value: unknown, what: string): RevealedDetails {
  if (!isObject(value)) throw badAnswer(what, 'has a result that is not an object');
  if (value.status === 'unknown') return { status: 'unknown' };
  if (!isIndexValue(value.index)) throw badAnswer(what, 'has a result without an index');
  if (value.status === 'erased') {
    if (!isIndexValue(value.erasedBy)) throw badAnswer(what, 'has an erased result without erasedBy');
    return { status: 'erased', index: value.index, erasedBy: value.erasedBy };
  }
  if (value.status === 'found' && 'details' in value) {
    return { status: 'found', index: value.index, details: value.details, opening: base64Member(value.opening, what, 'opening', OPENING_SIZE) };
  }
  throw badAnswer(what, 'has a result that is not found, erased or unknown');
}

function revealText(token: Uint8Array | string): string {
  if (typeof token === 'string') {
    const bytes = decodeHex(token);
    if (bytes === undefined || bytes.length !== 32) throw new LogError('MALFORMED_REQUEST', 'a reveal token is 64 lowercase hex digits', { field: 'revealToken' });
    return token;
  }
  if (!isBytes(token) || token.length !== 32) throw new LogError('MALFORMED_REQUEST', 'a reveal token is 32 bytes', { field: 'revealToken' });
  return encodeHex(token);
}

/** The receipt members of a write's answer. */
function receiptMembers(body: Record<string, unknown>, what: string, status: number): Omit<EntryReceipt, 'verified'> {
  if (!isIndexValue(body.index)) throw badAnswer(what, 'has no index');
  if (!isIndexValue(body.treeSize) || body.treeSize <= body.index) throw badAnswer(what, 'has no tree size above the index');
  if (typeof body.checkpoint !== 'string') throw badAnswer(what, 'has no checkpoint');
  if (typeof body.receipt !== 'string') throw badAnswer(what, 'has no receipt');
  return {
    index: body.index,
    leafHash: base64Member(body.leafHash, what, 'leafHash', HASH_SIZE),
    treeSize: body.treeSize,
    inclusionProof: hashList(body.inclusionProof, what, 'inclusionProof'),
    checkpoint: body.checkpoint,
    receipt: body.receipt,
    duplicate: status === 200,
  };
}

/** The raw 32-byte Ed25519 public key of a seed: what `sightline partner add --public-key` registers (in base64). */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  if (!isBytes(seed) || seed.length !== 32) throw new TypeError('an Ed25519 seed is 32 bytes');
  return ed.getPublicKey(seed);
}

export function createClient(options: ClientOptions): SightlineClient {
  const url = baseUrl(options.url);
  const http = new Transport(url, options.fetch ?? globalFetch());
  /** The checkpoint, tiles and bundles, through the log's copies when it has any. */
  const sourceOf = (t: Transport): ReadSource => ({ checkpoint: () => t.text('/checkpoint'), tile: (path) => t.bytes(`/${path}`) });
  const reads = readThroughCopies(
    sourceOf(http),
    (options.copies ?? []).map((copy) => ({ copy, source: sourceOf(new Transport(baseUrl(copy.url), options.fetch ?? globalFetch())) })),
  );
  const token = options.token;
  const keys = options.logKey === undefined ? [] : typeof options.logKey === 'string' ? [options.logKey] : options.logKey;
  /** The pinned keys, by their log's origin (a key's name is its log's origin). */
  const pinned = new Map(keys.map((k) => parseNoteVerifier(k)).map((v) => [v.name, v] as const));
  if (pinned.size !== keys.length) throw new TypeError('logKey: two keys for one origin');
  // One pinned key names the one log written to; otherwise (an alias, or no key) the log says
  // which it is, and is asked again once it has closed (LOG_READ_ONLY) or not yet opened.
  let origin: Promise<string> | undefined = pinned.size === 1 ? Promise.resolve([...pinned.keys()][0]!) : undefined;
  const currentOrigin = (): Promise<string> => {
    const asking = (origin ??= client.logInfo().then((i) => i.origin));
    asking.catch(() => (origin = undefined)); // asked again next time
    return asking;
  };
  /**
   * Whether `e` may say that the log written to is not the one the URL names now (an alias
   * moved on): it closed, has not opened, or (the alias already names the next log) the
   * event was signed for another origin. The event is signed again only if the log the URL
   * names has in fact changed.
   */
  const movedOn = (e: unknown): boolean => pinned.size !== 1 && (isLogError(e, 'LOG_READ_ONLY') || isLogError(e, 'OUTSIDE_INTERVAL') || isLogError(e, 'BAD_EVENT_SIGNATURE'));

  function bearer(): Record<string, string> {
    if (token === undefined) throw new LogError('UNAUTHORIZED', 'submitting needs a partner bearer token: pass token to createClient', { field: 'token' });
    return { authorization: `Bearer ${token}` };
  }

  function verify(r: Omit<EntryReceipt, 'verified'>, entry: Uint8Array): EntryReceipt {
    if (!bytesEqual(leafHash(entry), r.leafHash)) throw new LogError('INVALID_PROOF', `the log's leaf hash for entry ${r.index} is not the hash of the entry`, { field: 'leafHash' });
    if (pinned.size === 0) return r;
    // The receipt's checkpoint names its log on its first line: verified with that log's pinned key.
    const from = r.checkpoint.slice(0, r.checkpoint.indexOf('\n'));
    const key = pinned.get(from);
    if (key === undefined) throw new LogError('UNVERIFIED_NOTE', `the receipt is from the log ${JSON.stringify(from)}, whose key is not pinned`, { field: 'checkpoint', hint: "pin every log the URL may name (an alias's logs) in logKey" });
    const verified = verifyEntryReceipt(r.receipt, entry, key);
    if (verified.leafIndex !== r.index) throw new LogError('INVALID_PROOF', `the receipt is for index ${verified.leafIndex}, the answer says ${r.index}`, { field: 'index' });
    return { ...r, verified };
  }

  const client: SightlineClient = {
    url,

    async submitEntry(entry) {
      if (!isBytes(entry) || entry.length === 0) throw new TypeError('the entry must be a non-empty Uint8Array');
      const { status, body } = await http.json('POST', '/v1/entries', {
        headers: { ...bearer(), 'content-type': 'application/octet-stream' },
        body: entry,
      });
      return verify(receiptMembers(body, 'POST /v1/entries', status), entry);
    },

    async submitEvent(input) {
      const headers = { ...bearer(), 'content-type': 'application/json' };
      if (!isObject(input.event)) throw new TypeError('event must be an object of the public fields');
      if ('commitment' in input.event) throw new TypeError('event.commitment is computed by the client from the details: leave it out');
      if (!isObject(input.details)) throw new TypeError('details must be a JSON object');
      // The event is signed for one log's origin. Through an alias that log changes at the
      // interval's end: told so, the client asks which log it names now and signs again.
      const send = async (logOrigin: string): Promise<EventReceipt> => {
        const opening = randomBytes(OPENING_SIZE);
        const commitment = eventCommitment(opening, input.details, input.subject);
        const event = { ...input.event, commitment: encodeBase64(commitment) } as SightlineEvent;
        const signature = await signWith(input.signer, eventSigningMessage(logOrigin, event));
        const request = {
          event,
          signature: encodeBase64(signature),
          ...(input.subject === undefined ? {} : { subject: input.subject }),
          details: input.details,
          opening: encodeBase64(opening),
        };
        const what = 'POST /v1/events';
        const { status, body } = await http.json('POST', '/v1/events', { headers, body: JSON.stringify(request) });
        const data = base64Member(body.data, what, 'data');
        let leaf: ReturnType<typeof parseEventLeaf>;
        try {
          leaf = parseEventLeaf(data);
        } catch {
          leaf = undefined;
        }
        if (leaf === undefined || canonicalJson(leaf.event) !== canonicalJson(event) || !bytesEqual(leaf.signature, signature)) {
          throw new LogError('INVALID_PROOF', 'the leaf the log built is not the event that was signed', { field: 'data' });
        }
        const receipt = verify(receiptMembers(body, what, status), data);
        return {
          ...receipt,
          data,
          event,
          signature,
          opening,
          commitment,
          ...(leaf.subjectTag === undefined ? {} : { subjectTag: leaf.subjectTag }),
        };
      };
      if (input.origin !== undefined) return send(input.origin);
      const first = await currentOrigin();
      try {
        return await send(first);
      } catch (e) {
        if (!movedOn(e)) throw e;
        origin = undefined;
        const now = await currentOrigin();
        if (now === first) throw e;
        return send(now);
      }
    },

    async logInfo() {
      const what = 'GET /v1/log';
      const { body } = await http.json('GET', '/v1/log');
      if (typeof body.origin !== 'string' || typeof body.verifierKey !== 'string' || !isIndexValue(body.treeSize)) throw badAnswer(what, 'lacks origin, verifierKey or treeSize');
      return { origin: body.origin, verifierKey: body.verifierKey, treeSize: body.treeSize, rootHash: base64Member(body.rootHash, what, 'rootHash', HASH_SIZE) };
    },

    checkpoint: () => reads.checkpoint(),

    async entry(index) {
      const path = `/v1/entries/${indexText(index, 'index')}`;
      const { body } = await http.json('GET', path);
      if (body.index !== index) throw badAnswer(`GET ${path}`, `is not for entry ${index}`);
      return { index, leafHash: base64Member(body.leafHash, `GET ${path}`, 'leafHash', HASH_SIZE), data: base64Member(body.data, `GET ${path}`, 'data') };
    },

    receipt: (index) => http.text(`/v1/receipts/${indexText(index, 'index')}`),

    async inclusionProof(index, treeSize) {
      const path = `/v1/proofs/inclusion?index=${indexText(index, 'index')}&treeSize=${indexText(treeSize, 'treeSize')}`;
      const { body } = await http.json('GET', path);
      return hashList(body.inclusionProof, `GET ${path}`, 'inclusionProof');
    },

    async consistencyProof(from, to) {
      const path = `/v1/proofs/consistency?from=${indexText(from, 'from')}&to=${indexText(to, 'to')}`;
      const { body } = await http.json('GET', path);
      return hashList(body.consistencyProof, `GET ${path}`, 'consistencyProof');
    },

    async tagBucket(prefix) {
      if (typeof prefix !== 'string' || !/^[0-9a-f]{4}$/.test(prefix)) throw new LogError('MALFORMED_REQUEST', 'a tag prefix is 4 lowercase hex digits', { field: 'prefix' });
      const path = `/v1/tags/${prefix}`;
      const { body } = await http.json('GET', path);
      if (!Array.isArray(body.tags)) throw badAnswer(`GET ${path}`, 'has no tags list');
      const tags = body.tags.map((t: unknown) => {
        if (!isObject(t) || typeof t.tag !== 'string' || !/^[0-9a-f]{64}$/.test(t.tag) || !isIndexValue(t.index)) throw badAnswer(`GET ${path}`, 'lists a tag that is not {tag: 64 hex, index}');
        return { tag: t.tag, index: t.index };
      });
      return { prefix, tags };
    },

    async details(index, revealToken) {
      const path = `/v1/entries/${indexText(index, 'index')}/details`;
      const { body } = await http.json('GET', path, { headers: { authorization: `Bearer ${revealText(revealToken)}` } });
      if (body.index !== index || !('details' in body)) throw badAnswer(`GET ${path}`, `is not the details of entry ${index}`);
      return { index, details: body.details, opening: base64Member(body.opening, `GET ${path}`, 'opening', OPENING_SIZE) };
    },

    async revealDetails(revealTokens) {
      const what = 'POST /v1/details';
      const keys = revealTokens.map((t) => {
        if (!isBytes(t) || t.length !== REVEAL_TOKEN_SIZE) throw new LogError('MALFORMED_REQUEST', 'a reveal token is 32 bytes', { field: 'revealToken' });
        return encodeHex(t);
      });
      // Each token once, in random order, in requests of exactly DETAILS_REQUEST_SLOTS tokens
      // each (the rest random dummies, shuffled in): every request has the same size, and
      // neither the order nor the position of a token says which entry or how many are asked.
      const unique = shuffle([...new Map(keys.map((k, i) => [k, revealTokens[i]!])).entries()]);
      const answers = new Map<string, RevealedDetails>();
      const requests: Promise<void>[] = [];
      for (let at = 0; at < unique.length; at += DETAILS_REQUEST_SLOTS) {
        const own = unique.slice(at, at + DETAILS_REQUEST_SLOTS);
        const slots: { key?: string; token: Uint8Array }[] = own.map(([key, token]) => ({ key, token }));
        while (slots.length < DETAILS_REQUEST_SLOTS) slots.push({ token: randomBytes(REVEAL_TOKEN_SIZE) });
        shuffle(slots);
        requests.push(
          http.json('POST', '/v1/details', { headers: { 'content-type': 'application/json' }, body: formatDetailsRequest(slots.map((s) => s.token)) }).then(({ body }) => {
            const results: unknown = body.results;
            if (!Array.isArray(results) || results.length !== slots.length) throw badAnswer(what, `does not have ${slots.length} results`);
            slots.forEach((slot, i) => {
              const result = revealedResult(results[i], what);
              if (slot.key !== undefined) answers.set(slot.key, result);
            });
          }),
        );
      }
      await Promise.all(requests);
      return keys.map((k) => answers.get(k)!);
    },

    async tile(path) {
      parseTilePath(path); // only a tile path: nothing else may be smuggled into the URL
      return reads.tile(path);
    },

    async records(query, after) {
      const what = 'GET /v1/records';
      const params = new URLSearchParams({ body: query.body, type: query.type, from: query.from, to: query.to, ...(after === null ? {} : { after: String(after) }) });
      const { body } = await http.json('GET', `/v1/records?${params.toString()}`);
      if (!Array.isArray(body.records) || !(body.next === null || isIndexValue(body.next))) throw badAnswer(what, 'is not {"records": [...], "next"}');
      return { records: body.records as unknown[], next: body.next as number | null };
    },

    async partners() {
      const what = 'GET /v1/partners';
      const { body } = await http.json('GET', '/v1/partners');
      if (!Array.isArray(body.partners)) throw badAnswer(what, 'has no partners list');
      return body.partners.map((p: unknown): PublishedPartner => {
        if (!isObject(p) || typeof p.id !== 'string') throw badAnswer(what, 'lists a partner without an id');
        return {
          id: p.id,
          name: typeof p.name === 'string' ? p.name : null,
          publicKey: p.publicKey === null || p.publicKey === undefined ? null : base64Member(p.publicKey, what, 'publicKey', 32),
          previousKeys: Array.isArray(p.previousKeys) ? p.previousKeys.map((k: unknown) => base64Member(k, what, 'previousKeys', 32)) : [],
          active: p.active === true,
          createdAt: typeof p.createdAt === 'string' ? p.createdAt : '',
          revokedAt: typeof p.revokedAt === 'string' ? p.revokedAt : null,
        };
      });
    },

    async codes() {
      const what = 'GET /v1/codes';
      const { body } = await http.json('GET', '/v1/codes');
      if (typeof body.sha256 !== 'string' || !isObject(body.codes)) throw badAnswer(what, 'has no sha256 and codes');
      const codes: Record<string, Record<string, string>> = {};
      for (const [list, entries] of Object.entries(body.codes)) {
        if (!isObject(entries)) throw badAnswer(what, `has a code list ${JSON.stringify(list.slice(0, 40))} that is not an object`);
        const labels: Record<string, string> = {};
        for (const [code, label] of Object.entries(entries)) if (typeof label === 'string') labels[code] = label;
        codes[list] = labels;
      }
      return { sha256: body.sha256, leafIndex: isIndexValue(body.leafIndex) ? body.leafIndex : null, codes };
    },
  };
  return client;
}
