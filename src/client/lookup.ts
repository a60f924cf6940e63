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
 *    pinned log key; every entry is proved against that one tree
 *    (GET /v1/proofs/inclusion?index=i&treeSize=N) rather than each against whatever
 *    checkpoint GET /v1/receipts/:i happens to use, so the whole timeline is one view of
 *    the log (and a server cannot show each entry in a different fork). If an entry found
 *    lies beyond it (appended in between), the checkpoint is fetched once more.
 * 3. Each entry: its bytes (GET /v1/entries/:i) are hashed and proved included; the leaf
 *    must be a typed event whose subject tag is tag_j, on that day, signed by its partner's
 *    published key (GET /v1/partners, or keys the caller pins) over the log's origin; and
 *    its details, fetched with reveal_j, must open its commitment with the claimant's own
 *    reference, which the partner's signature covers: the tag alone is the server's word. Erased details (410) are
 *    accepted only when the erasure entry the log names is itself a proved, signed erasure
 *    of this entry.
 * 4. Cross-marks: an entry targeted by a verified correction in the timeline gets
 *    `correctedBy`; one targeted by a verified erasure whose details are still served is a
 *    problem.
 *
 * A bad entry never stops the lookup: its row says which checks failed and why. Only what
 * makes every row meaningless throws: a malformed key or range, a checkpoint that does not
 * verify, an unreachable server.
 *
 * Privacy: the key and the reveal tokens never leave this process except each reveal_j to
 * the details of the entry tag_j found; messages never repeat them.
 */
import { encodeBase64, encodeHex, decodeBase64, isBytes } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import { type SightlineEvent, type SubjectRef, parseEventLeaf } from '../events/index.js';
import { leafHash, verifyInclusion } from '../merkle/index.js';
import { type Checkpoint, openCheckpoint } from '../note/index.js';
import { type HeldKey, dayKeysInRange, normalizeSubjectId, parseHeldKey, revealToken, subjectTag, tagPrefix } from '../subject/index.js';
import { type SightlineClient, createClient } from './client.js';
import type { FetchLike } from './http.js';
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
  readonly dayKey: Uint8Array;
  readonly index: number;
}

/** A row while the lookup builds it: cross-marks and `verified` are settled last. */
type Row = Omit<TimelineRow, 'correctedBy'> & { correctedBy?: number[] };

/** An entry proved against the checkpoint and parsed: shared by its row and by erasure checks naming it. */
interface CheckedLeaf {
  readonly inclusion: boolean;
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

  // 2. One checkpoint for the whole timeline, opened with the pinned key.
  const trusted = async (): Promise<{ note: string; checkpoint: Checkpoint }> => {
    const note = await api.checkpoint();
    return { note, checkpoint: openCheckpoint(note, log).checkpoint };
  };
  let head = await trusted();
  if (found.some((f) => f.index >= head.checkpoint.treeSize)) head = await trusted();
  const { checkpoint } = head;
  const origin = checkpoint.origin;

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
    let data: Uint8Array;
    let inclusion = false;
    try {
      const [entry, proof] = await Promise.all([limit(() => api.entry(index)), limit(() => api.inclusionProof(index, checkpoint.treeSize))]);
      data = entry.data;
      try {
        verifyInclusion(leafHash(data), index, checkpoint.treeSize, proof, checkpoint.rootHash);
        inclusion = true;
      } catch (e) {
        problems.push(`entry ${index} as served is not the leaf at index ${index} of the checkpoint's tree: ${message(e)}`);
      }
    } catch (e) {
      return { inclusion: false, partnerSignature: false, problems: [`couldn't fetch entry ${index} or its inclusion proof: ${message(e)}`] };
    }
    let leaf: ReturnType<typeof parseEventLeaf>;
    try {
      leaf = parseEventLeaf(data);
    } catch (e) {
      problems.push(`entry ${index} is not a well-formed typed event leaf: ${message(e)}`);
      return { inclusion, partnerSignature: false, problems };
    }
    if (leaf === undefined) {
      problems.push(`entry ${index} is not a typed event`);
      return { inclusion, partnerSignature: false, problems };
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
    return { inclusion, leaf, partnerSignature, problems };
  }

  async function checkRow(f: Found): Promise<Row> {
    const checked = await checkLeaf(f.index);
    const problems = [...checked.problems];
    const event = checked.leaf?.event;
    let tag = false;
    if (checked.leaf !== undefined) {
      tag = checked.leaf.subjectTag === f.tag;
      if (!tag) problems.push(`entry ${f.index} does not carry tag_${f.j} of ${f.day}`);
      else if (typeof event?.hour !== 'string' || event.hour.slice(0, 10) !== f.day) {
        tag = false;
        problems.push(`entry ${f.index}'s hour is not on ${f.day}, the day its tag is for`);
      }
    }

    let commitment: boolean | 'erased' = false;
    let details: { value: unknown } | undefined;
    let erasedBy: number | undefined;
    if (event !== undefined && tag) {
      try {
        const opened = await limit(() => api.details(f.index, revealToken(f.dayKey, f.j)));
        details = { value: opened.details };
        commitment = opensCommitment(event, opened.opening, opened.details, subject);
        if (!commitment) {
          problems.push(
            opensCommitment(event, opened.opening, opened.details)
              ? `entry ${f.index} is not about a claimant, yet it carries your tag`
              : `the details served for entry ${f.index} do not open its commitment for your reference: it is not a record about you (or the details were changed), though the log filed it under your tag`,
          );
        }
      } catch (e) {
        const by = isLogError(e, 'ERASED') ? e.extensions?.erasedBy : undefined;
        if (typeof by === 'number' && Number.isSafeInteger(by) && by >= 0) {
          erasedBy = by;
          const why = await erasureProblem(by, f.index);
          if (why === undefined) commitment = 'erased';
          else problems.push(`the log says erasure entry ${by} erased the details of entry ${f.index}, but ${why}`);
        } else {
          problems.push(`couldn't open the details of entry ${f.index}: ${message(e)}`);
        }
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

  // 4. Cross-marks within the timeline, from verified corrections and erasures only.
  const ok = (r: Row) => r.problems.length === 0 && r.checks.inclusion && r.checks.tag && r.checks.partnerSignature && r.checks.commitment !== false;
  const byIndex = new Map(rows.map((r) => [r.index, r]));
  for (const r of rows) {
    const t = r.target === null ? undefined : byIndex.get(r.target);
    if (t === undefined || !ok(r)) continue;
    if (r.type === 'correction') {
      t.correctedBy = [...(t.correctedBy ?? []), r.index].sort((a, b) => a - b);
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
  };
}
