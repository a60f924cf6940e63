/**
 * A claimant's (or an advocate's) timeline: every entry the log holds about them in a date
 * range, found with a held key and verified one by one, trusting nothing but the pinned log
 * key (and, if given, pinned partner keys).
 *
 * 1. Discovery. For each day of the range the key covers, K_day gives tag_0, tag_1, …; each
 *    tag is looked up in its 4-hex-digit bucket (GET /v1/tags/:prefix, each bucket fetched
 *    once), so the server never learns which tag was wanted. A subject's counter of a day
 *    has no gaps, so the day ends at the first tag_j the log does not hold.
 * 2. One checkpoint. GET /checkpoint is fetched once, after discovery, and opened with the
 *    pinned log key; every entry is proved against that one tree, so the whole timeline is
 *    one view of the log (and a server cannot show each entry in a different fork). If an
 *    entry found lies beyond it (appended in between), the checkpoint is fetched once more.
 * 3. Each entry, as any c2sp.org/tlog-tiles client reads it (tiles.ts): its bytes from the
 *    entry bundle that holds it, hashed and proved included by an inclusion proof computed
 *    from hash tiles authenticated against the checkpoint. The leaf must be a typed event
 *    whose subject tag is tag_j, on that day, signed by its partner's published key
 *    (GET /v1/partners, or keys the caller pins) over the log's origin.
 * 4. Details. The reveal tokens reveal_j of every entry that carries its tag go in one
 *    POST /v1/details (several of the same size past 64), padded with random tokens and
 *    shuffled by the client; the details each returns must open its entry's commitment
 *    with the claimant's own reference, which the partner's signature covers: the tag
 *    alone is the server's word.
 *    Erased details are accepted only when the erasure entry the log names is itself a
 *    proved, signed erasure of this entry (read from its bundle, as in 3).
 *    The log operator's reads of each entry found (disclosure events) are found the same way,
 *    by the tags of the entry's K_disclosures, derived from the entry's reveal token: they
 *    are rows of their own, and the entry they read gets `disclosedBy`.
 * 5. Cross-marks: an entry targeted by a verified correction in the timeline gets
 *    `correctedBy`; one targeted by a verified erasure whose details are still served is a
 *    problem.
 *
 * A bad entry never stops the lookup: its row says which checks failed and why. Only what
 * makes every row meaningless throws: a malformed key or range, a checkpoint that does not
 * verify, an unreachable server.
 *
 * Privacy (design.md, "The watchers are watched"): a lookup reads only what many people share
 * — tag buckets, entry bundles, tiles, the checkpoint, the partners' keys — so no request
 * path, query or header carries a leaf index, a tag or a reveal token, and nothing in front
 * of the server (a proxy, a CDN, an access log) can link one person's entries by what was
 * asked for. The reveal tokens leave this process only in the bodies of the details
 * requests; the key never does, and messages never repeat either.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeBase64, encodeHex, decodeBase64, isBytes } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import { type SightlineEvent, type SubjectRef, parseEventLeaf } from '../events/index.js';
import { type Hash, leafHash, verifyInclusion } from '../merkle/index.js';
import { type Checkpoint, openCheckpoint } from '../note/index.js';
import { type HeldKey, dayKeysInRange, searchedPeriod, disclosureKey, normalizeSubjectId, parseHeldKey, revealToken, subjectTag, tagPrefix } from '../subject/index.js';
import { type RevealedDetails, type SightlineClient, createClient } from './client.js';
import type { FetchLike } from './http.js';
import { tileTreeReader } from './tiles.js';
import { type LogKey, logVerifier, opensCommitment, verifyEventSignature } from './verify.js';

export interface LookupOptions {
  /** The log's base URL; or pass `client`. */
  readonly url?: string;
  readonly client?: SightlineClient;
  /** The fetch for a client made from `url`. */
  readonly 'fetch'?: FetchLike;
  /** A held key: `subject-key:YYYY:<hex>`, `month-key:YYYY-MM:<hex>` or `day-key:YYYY-MM-DD:<hex>`. */
  readonly key: string | HeldKey;
  /**
   * The claimant's own reference (scheme and id), as their records were made with. Each
   * entry's commitment covers it (signed by the partner), so an entry the log filed under
   * this claimant's tag but made about someone else fails its commitment check. It never
   * leaves this process.
   */
  readonly subject: SubjectRef;
  /** First and last day, YYYY-MM-DD, inclusive; only the days the key covers are searched. */
  readonly from: string;
  readonly to: string;
  /** The log's verifier key, pinned: the one thing the lookup trusts. */
  readonly logKey: LogKey;
  /**
   * Partner id → raw 32-byte Ed25519 public key (bytes or standard base64). When absent the
   * keys are read from GET /v1/partners, i.e. trusted from the log operator.
   */
  readonly partnerKeys?: Readonly<Record<string, Uint8Array | string>>;
  /** Most requests in flight at once; 8 by default. */
  readonly concurrency?: number;
}

export interface TimelineChecks {
  /** The entry's bytes are in the checkpoint's tree at its index. */
  readonly inclusion: boolean;
  /** The checkpoint is signed by the pinned log key (always true in a result: otherwise the lookup throws). */
  readonly checkpointSignature: boolean;
  /** The leaf is a typed event whose subject tag is tag_j of the day, and its hour is on that day. */
  readonly tag: boolean;
  /** The partner's published (or pinned) key signed the event for this log's origin. */
  readonly partnerSignature: boolean;
  /**
   * The details open the commitment for the claimant's own reference (so the entry is
   * about them); `'erased'` when a verified erasure entry erased them.
   */
  readonly commitment: boolean | 'erased';
}

export interface TimelineRow {
  readonly index: number;
  /** The day searched (YYYY-MM-DD) and the entry's number j among the subject's entries that day. */
  readonly day: string;
  readonly j: number;
  /** The event's public fields (null where the leaf has none, or is not a typed event). */
  readonly hour: string | null;
  readonly type: string | null;
  readonly organisation: string | null;
  readonly system: string | null;
  readonly actorRole: string | null;
  readonly actor: string | null;
  readonly action: string | null;
  readonly purpose: string | null;
  readonly legalBasis: string | null;
  readonly categories: readonly string[] | null;
  readonly recipient: string | null;
  readonly target: number | null;
  readonly partner: string | null;
  /** The private details, when the log served them (and whether they open the commitment is in `checks`). */
  readonly details?: unknown;
  /** The index of the erasure entry that erased the details. */
  readonly erasedBy?: number;
  /** The entry's bytes as its bundle served them (standard base64), when they could be read. */
  readonly entry?: string;
  /**
   * The entry's inclusion proof in the result's checkpoint (standard base64 hashes, from the
   * leaf upwards), computed from the log's tiles: with `entry` and the checkpoint it makes a
   * c2sp.org/tlog-proof receipt, without asking the log for one by index.
   */
  readonly inclusionProof?: string[];
  /** Indices of the log operator's verified reads of this entry's details (disclosure entries in this timeline). */
  readonly disclosedBy?: number[];
  /** Indices of verified correction entries in this timeline that target this entry. */
  readonly correctedBy?: number[];
  readonly checks: TimelineChecks;
  /** Every check passed and there is no problem. */
  readonly verified: boolean;
  /** Why a check failed, one sentence each; empty when verified. */
  readonly problems: string[];
}

export interface LookupResult {
  /** The one checkpoint every row was proved against, verified with the pinned log key. */
  readonly checkpoint: { readonly origin: string; readonly treeSize: number; readonly rootHash: string; readonly note: string };
  /** Sorted by hour, then index. */
  readonly rows: TimelineRow[];
  /**
   * The days actually searched: the part of [from, to] the key covers (a day key asked for a
   * month searches its one day). Undefined when the key covers none of them.
   */
  readonly searched?: { readonly from: string; readonly to: string; readonly days: number } | undefined;
}

const DEFAULT_CONCURRENCY = 8;
/** A day's counter this high means a server answering every tag: stop rather than loop on. */
const MAX_ENTRIES_PER_DAY = 100_000;

/** At most `n` tasks running at once; tasks must not wait on each other through it. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function stringField(event: SightlineEvent | undefined, name: string): string | null {
  const v = event?.[name];
  return typeof v === 'string' ? v : null;
}

function partnerKeyMap(keys: Readonly<Record<string, Uint8Array | string>>): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [id, key] of Object.entries(keys)) {
    const bytes = typeof key === 'string' ? decodeBase64(key.trim()) : isBytes(key) ? key : undefined;
    if (bytes === undefined || bytes.length !== 32) throw new TypeError(`partnerKeys.${id} must be a raw 32-byte Ed25519 public key (bytes or base64)`);
    out.set(id, bytes);
  }
  return out;
}

interface Found {
  readonly day: string;
  readonly j: number;
  readonly tag: string;
  /** K_day of the day; for a disclosure, K_disclosures of the entry it read. */
  readonly dayKey: Uint8Array;
  readonly index: number;
  /** For a disclosure: the index of the claimant's entry whose K_disclosures found it. */
  readonly about?: number;
}

/** A row while the lookup builds it: cross-marks and `verified` are settled last. */
type Row = Omit<TimelineRow, 'correctedBy' | 'disclosedBy'> & { correctedBy?: number[]; disclosedBy?: number[] };

/** An entry proved against the checkpoint and parsed: shared by its row and by erasure checks naming it. */
interface CheckedLeaf {
  readonly inclusion: boolean;
  /** The entry as served and its proof as computed, whether or not they verified. */
  readonly entry?: Uint8Array;
  readonly inclusionProof?: Hash[];
  readonly leaf?: { readonly event: SightlineEvent; readonly signature: Uint8Array; readonly subjectTag?: string };
  readonly partnerSignature: boolean;
  readonly problems: string[];
}

export async function lookup(options: LookupOptions): Promise<LookupResult> {
  const held = typeof options.key === 'string' ? parseHeldKey(options.key.trim()) : options.key;
  const subject = options.subject;
  if (typeof subject !== 'object' || subject === null) throw new TypeError('lookup needs subject: the claimant\'s { scheme, id }');
  normalizeSubjectId(subject.scheme, subject.id); // a reference that is not one is refused here, not found as a mismatch on every row
  const days = dayKeysInRange(held, options.from, options.to);
  const log = logVerifier(options.logKey);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a whole number from 1 up');
  const pinnedPartners = options.partnerKeys === undefined ? undefined : partnerKeyMap(options.partnerKeys);
  let client = options.client;
  if (client === undefined) {
    if (options.url === undefined) throw new TypeError('lookup needs url or client');
    client = createClient({ url: options.url, ...(options.fetch === undefined ? {} : { 'fetch': options.fetch }) });
  }
  const api = client;
  const limit = limiter(concurrency);

  // 1. Discovery: tag_j of each day, bucket by bucket, up to the first tag the log lacks.
  const buckets = new Map<string, Promise<Map<string, number[]>>>();
  const bucket = (prefix: string): Promise<Map<string, number[]>> => {
    let b = buckets.get(prefix);
    if (b === undefined) {
      b = limit(() => api.tagBucket(prefix)).then(({ tags }) => {
        const byTag = new Map<string, number[]>();
        for (const { tag, index } of tags) byTag.set(tag, [...(byTag.get(tag) ?? []), index]);
        return byTag;
      });
      buckets.set(prefix, b);
    }
    return b;
  };
  const found: Found[] = [];
  await Promise.all(
    days.map(async ({ day, dayKey }) => {
      for (let j = 0; ; j++) {
        if (j >= MAX_ENTRIES_PER_DAY) {
          throw new LogError('OUT_OF_RANGE', `the log answers more than ${MAX_ENTRIES_PER_DAY} tags for ${day}: it is misbehaving`, { field: 'tags' });
        }
        const tag = subjectTag(dayKey, j);
        const indices = (await bucket(tagPrefix(tag))).get(encodeHex(tag));
        if (indices === undefined) break;
        for (const index of indices) found.push({ day, j, tag: encodeHex(tag), dayKey, index });
      }
    }),
  );

  // 1b. The log operator's reads of each entry found: tag_k of the entry's K_disclosures, from
  //     the claimant's own reveal token (never sent for this), bucket by bucket as above.
  const disclosures: Found[] = [];
  await Promise.all(
    found.map(async (f) => {
      const key = disclosureKey(sha256(revealToken(f.dayKey, f.j)));
      for (let k = 0; k < MAX_ENTRIES_PER_DAY; k++) {
        const tag = subjectTag(key, k);
        const indices = (await bucket(tagPrefix(tag))).get(encodeHex(tag));
        if (indices === undefined) return;
        for (const index of indices) disclosures.push({ day: f.day, j: k, tag: encodeHex(tag), dayKey: key, index, about: f.index });
      }
      throw new LogError('OUT_OF_RANGE', `the log answers more than ${MAX_ENTRIES_PER_DAY} reads of entry ${f.index}: it is misbehaving`, { field: 'tags' });
    }),
  );
  found.push(...disclosures);

  // 2. One checkpoint for the whole timeline, opened with the pinned key.
  const trusted = async (): Promise<{ note: string; checkpoint: Checkpoint }> => {
    const note = await api.checkpoint();
    try {
      return { note, checkpoint: openCheckpoint(note, log).checkpoint };
    } catch (e) {
      // The key is the caller's: a checkpoint of this URL it does not open is, first of all,
      // a sign of the wrong key (or of a URL that is another log's), so the error says so.
      if (!isLogError(e, 'UNVERIFIED_NOTE') && !isLogError(e, 'INVALID_SIGNATURE')) throw e;
      throw new LogError(e.code, `${e.message}: check the log key`, {
        field: e.field,
        hint: 'check the log key: the checkpoint this URL serves does not verify with it (a key of another log, or the URL of another log)',
        cause: e,
      });
    }
  };
  let head = await trusted();
  if (found.some((f) => f.index >= head.checkpoint.treeSize)) head = await trusted();
  const { checkpoint } = head;
  const origin = checkpoint.origin;
  const tree = tileTreeReader((path) => limit(() => api.tile(path)), checkpoint);

  // Partner keys: pinned, or as the log publishes them (only fetched if there is anything to check).
  // A partner's keys are its current one and those it signed with before (oldest first).
  let partnerKeys: Promise<Map<string, Uint8Array[]>> | undefined;
  const partnerKey = (id: string): Promise<Uint8Array[] | undefined> => {
    partnerKeys ??=
      pinnedPartners !== undefined
        ? Promise.resolve(new Map([...pinnedPartners].map(([p, k]) => [p, [k]])))
        : limit(() => api.partners()).then((list) => new Map(list.map((p) => [p.id, [...(p.publicKey === null ? [] : [p.publicKey]), ...p.previousKeys]])));
    return partnerKeys.then((m) => m.get(id));
  };

  // 3. Each entry, proved and parsed once, however many rows or erasures name it.
  const leaves = new Map<number, Promise<CheckedLeaf>>();
  const checkLeaf = (index: number): Promise<CheckedLeaf> => {
    let c = leaves.get(index);
    if (c === undefined) {
      c = proveAndParse(index);
      leaves.set(index, c);
    }
    return c;
  };
  async function proveAndParse(index: number): Promise<CheckedLeaf> {
    const problems: string[] = [];
    if (index >= checkpoint.treeSize) {
      return { inclusion: false, partnerSignature: false, problems: [`entry ${index} is not in the checkpoint of tree size ${checkpoint.treeSize}`] };
    }
    // Its bundle and the tiles of its proof: shared with every other entry under them.
    const [entry, proof] = await Promise.allSettled([tree.entry(index), tree.inclusionProof(index)]);
    if (entry.status === 'rejected') {
      return { inclusion: false, partnerSignature: false, problems: [`couldn't read entry ${index} from its entry bundle: ${message(entry.reason)}`] };
    }
    const data = entry.value;
    let inclusion = false;
    let inclusionProof: Hash[] | undefined;
    if (proof.status === 'rejected') {
      problems.push(`couldn't prove entry ${index} from the log's tiles: ${message(proof.reason)}`);
    } else {
      inclusionProof = proof.value;
      try {
        verifyInclusion(leafHash(data), index, checkpoint.treeSize, inclusionProof, checkpoint.rootHash);
        inclusion = true;
      } catch (e) {
        problems.push(`entry ${index} as served is not the leaf at index ${index} of the checkpoint's tree: ${message(e)}`);
      }
    }
    const served = { entry: data, ...(inclusionProof === undefined ? {} : { inclusionProof }) };
    let leaf: ReturnType<typeof parseEventLeaf>;
    try {
      leaf = parseEventLeaf(data);
    } catch (e) {
      problems.push(`entry ${index} is not a well-formed typed event leaf: ${message(e)}`);
      return { inclusion, ...served, partnerSignature: false, problems };
    }
    if (leaf === undefined) {
      problems.push(`entry ${index} is not a typed event`);
      return { inclusion, ...served, partnerSignature: false, problems };
    }
    let partnerSignature = false;
    const partner = typeof leaf.event.partner === 'string' ? leaf.event.partner : '';
    const shown = JSON.stringify(partner.slice(0, 64));
    let keys: Uint8Array[] | undefined;
    try {
      keys = await partnerKey(partner);
      if (keys === undefined) problems.push(`partner ${shown} is not known${pinnedPartners === undefined ? ' to the log' : ' among the pinned partner keys'}`);
      else if (keys.length === 0) problems.push(`partner ${shown} has no published event-signing key`);
    } catch (e) {
      problems.push(`couldn't fetch the partners' keys: ${message(e)}`);
    }
    if (keys !== undefined && keys.length > 0) {
      partnerSignature = keys.some((key) => verifyEventSignature(origin, leaf.event, leaf.signature, key));
      if (!partnerSignature) problems.push(`the event's signature does not verify with partner ${shown}'s keys for origin ${origin}`);
    }
    return { inclusion, ...served, leaf, partnerSignature, problems };
  }

  /**
   * Whether the leaf carries tag_j of the day it was found for, on that day (or, for a read
   * of the claimant's entry, tag_k of that entry's K_disclosures, on a disclosure of that very
   * entry); why not, if it has a leaf.
   */
  function tagCheck(f: Found, checked: CheckedLeaf): { tag: boolean; problem?: string } {
    if (checked.leaf === undefined) return { tag: false };
    if (f.about !== undefined) {
      if (checked.leaf.subjectTag !== f.tag) return { tag: false, problem: `entry ${f.index} does not carry the tag of read ${f.j} of entry ${f.about}` };
      const { type, target } = checked.leaf.event;
      if (type !== 'disclosure' || target !== f.about) return { tag: false, problem: `entry ${f.index} carries the tag of a read of entry ${f.about}, but is not a disclosure of it` };
      return { tag: true };
    }
    if (checked.leaf.subjectTag !== f.tag) return { tag: false, problem: `entry ${f.index} does not carry tag_${f.j} of ${f.day}` };
    const hour = checked.leaf.event.hour;
    if (typeof hour !== 'string' || hour.slice(0, 10) !== f.day) return { tag: false, problem: `entry ${f.index}'s hour is not on ${f.day}, the day its tag is for` };
    return { tag: true };
  }

  const checkedFound = await Promise.all(found.map((f) => checkLeaf(f.index)));

  // 4. Details: reveal_j of each entry that carries its tag, all in one POST /v1/details (or
  //    several of one size); no request names an entry, and no token goes to a wrong one.
  const asking = found.filter((f, k) => tagCheck(f, checkedFound[k]!).tag);
  const opened = new Map<Found, RevealedDetails | { readonly failed: unknown }>();
  try {
    const answers = await api.revealDetails(asking.map((f) => revealToken(f.dayKey, f.j)));
    asking.forEach((f, k) => opened.set(f, answers[k]!));
  } catch (e) {
    for (const f of asking) opened.set(f, { failed: e });
  }

  async function checkRow(f: Found): Promise<Row> {
    const checked = await checkLeaf(f.index);
    const problems = [...checked.problems];
    const event = checked.leaf?.event;
    const { tag, problem } = tagCheck(f, checked);
    if (problem !== undefined) problems.push(problem);

    let commitment: boolean | 'erased' = false;
    let details: { value: unknown } | undefined;
    let erasedBy: number | undefined;
    const answer = opened.get(f);
    if (event !== undefined && tag && answer !== undefined) {
      if ('failed' in answer) {
        problems.push(`couldn't open the details of entry ${f.index}: ${message(answer.failed)}`);
      } else if (answer.status === 'unknown') {
        problems.push(`the log has no details for entry ${f.index}'s reveal token`);
      } else if (answer.index !== f.index) {
        problems.push(`the log answered entry ${f.index}'s reveal token with entry ${answer.index}`);
      } else if (answer.status === 'found') {
        details = { value: answer.details };
        commitment = opensCommitment(event, answer.opening, answer.details, subject);
        if (!commitment) {
          problems.push(
            opensCommitment(event, answer.opening, answer.details)
              ? `entry ${f.index} is not about a claimant, yet it carries your tag`
              : `the details served for entry ${f.index} do not open its commitment for your reference: it is not a record about you (or the details were changed), though the log filed it under your tag`,
          );
        }
      } else {
        const by = answer.erasedBy;
        erasedBy = by;
        const why = await erasureProblem(by, f.index);
        if (why === undefined) commitment = 'erased';
        else problems.push(`the log says erasure entry ${by} erased the details of entry ${f.index}, but ${why}`);
      }
    }

    const categories = event?.categories;
    const checks: TimelineChecks = { inclusion: checked.inclusion, checkpointSignature: true, tag, partnerSignature: checked.partnerSignature, commitment };
    return {
      index: f.index,
      day: f.day,
      j: f.j,
      hour: stringField(event, 'hour'),
      type: stringField(event, 'type'),
      organisation: stringField(event, 'organisation'),
      system: stringField(event, 'system'),
      actorRole: stringField(event, 'actorRole'),
      actor: stringField(event, 'actor'),
      action: stringField(event, 'action'),
      purpose: stringField(event, 'purpose'),
      legalBasis: stringField(event, 'legalBasis'),
      categories: Array.isArray(categories) && categories.every((c) => typeof c === 'string') ? (categories as string[]) : null,
      recipient: stringField(event, 'recipient'),
      target: typeof event?.target === 'number' ? event.target : null,
      partner: stringField(event, 'partner'),
      ...(details === undefined ? {} : { details: details.value }),
      ...(erasedBy === undefined ? {} : { erasedBy }),
      ...(checked.entry === undefined ? {} : { entry: encodeBase64(checked.entry) }),
      ...(checked.inclusionProof === undefined ? {} : { inclusionProof: checked.inclusionProof.map(encodeBase64) }),
      checks,
      verified: false, // settled after the cross-marks
      problems,
    };
  }

  /** Why entry `by` is not a proved, signed erasure of `target`; undefined when it is. */
  async function erasureProblem(by: number, target: number): Promise<string | undefined> {
    const e = await checkLeaf(by);
    if (!e.inclusion) return `entry ${by} is not proved in the checkpoint`;
    if (e.leaf === undefined) return `entry ${by} is not a typed event`;
    if (e.leaf.event.type !== 'erasure' || e.leaf.event.target !== target) return `entry ${by} is not an erasure of entry ${target}`;
    if (!e.partnerSignature) return `entry ${by}'s partner signature does not verify`;
    return undefined;
  }

  const rows = await Promise.all(found.map(checkRow));

  // 5. Cross-marks within the timeline, from verified corrections and erasures only.
  const ok = (r: Row) => r.problems.length === 0 && r.checks.inclusion && r.checks.tag && r.checks.partnerSignature && r.checks.commitment !== false;
  const byIndex = new Map(rows.map((r) => [r.index, r]));
  for (const r of rows) {
    const t = r.target === null ? undefined : byIndex.get(r.target);
    if (t === undefined || !ok(r)) continue;
    if (r.type === 'correction') {
      t.correctedBy = [...(t.correctedBy ?? []), r.index].sort((a, b) => a - b);
    } else if (r.type === 'disclosure') {
      t.disclosedBy = [...(t.disclosedBy ?? []), r.index].sort((a, b) => a - b);
    } else if (r.type === 'erasure' && t.erasedBy !== r.index) {
      t.problems.push(
        t.erasedBy === undefined
          ? `erasure entry ${r.index} erases entry ${t.index}'s details, but the log still serves them`
          : `the log says entry ${t.erasedBy} erased entry ${t.index}'s details, but erasure entry ${r.index} also targets it`,
      );
    }
  }
  const final: TimelineRow[] = rows.map((r) => ({ ...r, verified: ok(r) }));
  final.sort((a, b) => {
    const ha = a.hour ?? `${a.day}T00`;
    const hb = b.hour ?? `${b.day}T00`;
    return ha < hb ? -1 : ha > hb ? 1 : a.index - b.index;
  });

  return {
    checkpoint: { origin, treeSize: checkpoint.treeSize, rootHash: encodeBase64(checkpoint.rootHash), note: head.note },
    rows: final,
    searched: searchedPeriod(held, options.from, options.to),
  };
}
