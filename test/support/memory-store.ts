/**
 * An in-memory `LogStore` for fast tests of the sequencer and the HTTP layer, with the
 * semantics of the PostgreSQL store (the same contract suite runs on both):
 * compare-and-swap on the head, CONFLICT for a leaf hash or index already stored (and for
 * every other unique key a batch's event rows would break), a batch applied all at once or
 * not at all, the same argument checks, copies in and out (a caller mutating its bytes
 * cannot change what is stored), and the same fault hooks.
 */
import { bytesEqual, decodeHex, encodeHex } from '../../src/encoding/index.js';
import { LogError } from '../../src/errors.js';
import type {
  CodeListsVersion,
  EventDetails,
  EventRecord,
  EventRows,
  IntegratedBatch,
  ListedPartner,
  LogMeta,
  LogStore,
  MoneyRecordRow,
  Operator,
  StandingRecord,
  Partner,
  PartnerSequence,
  TileId,
  TreeHead,
} from '../../src/log/index.js';
import { type Hash, encodeEntryBundle } from '../../src/merkle/index.js';
import { type CommitFaults, checkBatch, checkHash, checkRange } from '../../src/storage/index.js';

export interface MemoryStoreOptions {
  /** Hooks run inside `commitBatch` after its checks; a throw leaves the store unchanged. */
  readonly faults?: CommitFaults;
  /** The clock for partners' and operators' `createdAt` and `revokedAt`. */
  readonly now?: () => Date;
}

interface StoredEntry {
  readonly leafHash: Uint8Array;
  readonly data: Uint8Array;
  readonly partnerId: string | null;
}

interface StoredPartner {
  readonly id: string;
  readonly name: string | null;
  readonly tokenHex: string;
  publicKey: Uint8Array | null;
  /** Keys replaced by setPartnerKey, oldest first, each once. */
  readonly previousKeys: Uint8Array[];
  readonly createdAt: Date;
  revokedAt: Date | null;
}

interface StoredOperator {
  readonly id: string;
  readonly tokenHex: string;
  readonly createdAt: Date;
  revokedAt: Date | null;
}

/** The PostgreSQL store's CONFLICT wording for each unique key a batch can break. */
const CONFLICTS = {
  leafIndex: 'a leaf index of the batch is already stored: another writer got there first',
  leafHash: 'an entry of the batch is already in the log (its leaf hash is stored): another writer got there first',
  partnerSeq: 'a partner sequence number of the batch is already used: another writer got there first',
  tag: 'a subject tag of the batch is already stored: another writer moved its counter first',
  erased: 'an entry the batch erases is already erased: another writer got there first',
  money: 'a record key of the batch is already taken: another writer got there first',
  other: 'a row of the batch is already stored: another writer got there first',
};

export class MemoryStore implements LogStore {
  readonly #faults: CommitFaults;
  readonly #now: () => Date;
  #meta: LogMeta | undefined;
  #head: TreeHead | undefined;
  readonly #entries = new Map<number, StoredEntry>();
  readonly #indexByHash = new Map<string, number>();
  readonly #tiles = new Map<string, Uint8Array>();
  readonly #partners = new Map<string, StoredPartner>();
  readonly #operators = new Map<string, StoredOperator>();
  readonly #auditors = new Map<string, StoredOperator>();
  /** Typed events by leaf index, and their leaf index by (partner, sequence number). */
  readonly #events = new Map<number, EventRecord>();
  readonly #eventBySeq = new Map<string, number>();
  readonly #details = new Map<number, EventDetails>();
  /** Erasure index by target index. */
  readonly #erasures = new Map<number, number>();
  readonly #erasureIndices = new Set<number>();
  /** Each erased target's reveal hash (hex), kept from its deleted details, as the PostgreSQL store keeps it. */
  readonly #erasedRevealHashes = new Map<number, string>();
  /** Subject tags by tag in hex, and the leaf indices that have one. */
  readonly #tags = new Map<string, { tag: Uint8Array; leafIndex: number }>();
  readonly #taggedIndices = new Set<number>();
  readonly #counters = new Map<string, number>();
  readonly #codeLists = new Map<string, CodeListsVersion>();
  /** Public-money records by leaf index, and their leaf index by (partner, dedup key). */
  readonly #money = new Map<number, MoneyRecordRow>();
  readonly #moneyByKey = new Map<string, number>();
  /** Commits run one at a time, as the row lock on the head makes them in PostgreSQL. */
  #commitQueue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Every method call, by name: lets a test assert how many reads a path makes. */
  readonly calls = new Map<string, number>();

  constructor(options: MemoryStoreOptions = {}) {
    this.#faults = options.faults ?? {};
    this.#now = options.now ?? (() => new Date());
  }

  async readMeta(): Promise<LogMeta | undefined> {
    this.#enter('readMeta');
    return this.#meta && { ...this.#meta };
  }

  async createLog(meta: LogMeta, head: TreeHead): Promise<void> {
    this.#enter('createLog');
    checkHash(head.rootHash, 'root hash');
    if (this.#meta !== undefined || this.#head !== undefined) throw new LogError('CONFLICT', 'a log already exists in this database');
    this.#meta = { origin: meta.origin, verifierKey: meta.verifierKey };
    this.#head = copyHead(head);
  }

  async readHead(): Promise<TreeHead> {
    this.#enter('readHead');
    if (this.#head === undefined) throw new LogError('UNAVAILABLE', 'no log exists in this database yet');
    return copyHead(this.#head);
  }

  async readTiles(ids: readonly TileId[]): Promise<(Uint8Array | undefined)[]> {
    this.#enter('readTiles');
    return ids.map((t) => this.#tiles.get(tileKey(t.level, t.index))?.slice());
  }

  async readEntryBundle(start: number, count: number, maxBytes: number): Promise<{ count: number; bundle: Uint8Array }> {
    const entries = await this.readEntries(start, count, maxBytes);
    return { count: entries.length, bundle: encodeEntryBundle(entries) };
  }

  async readEntries(start: number, count: number, maxBytes?: number): Promise<Uint8Array[]> {
    this.#enter('readEntries');
    checkRange(start, count, maxBytes);
    const end = start + count;
    // Walk the range, or the stored indices when the range is the larger (a huge count).
    const indices =
      count <= this.#entries.size
        ? Array.from({ length: count }, (_, i) => start + i)
        : [...this.#entries.keys()].filter((i) => i >= start && i < end).sort((a, b) => a - b);
    const found = indices.flatMap((i) => {
      const e = this.#entries.get(i);
      return e ? [e.data.slice()] : [];
    });
    if (maxBytes === undefined) return found;
    let used = 0;
    const within: Uint8Array[] = [];
    for (const data of found) {
      if (within.length > 0 && used + data.length > maxBytes) break;
      within.push(data);
      used += data.length;
    }
    return within;
  }

  async findLeafHashes(leafHashes: readonly Hash[]): Promise<Map<string, number>> {
    this.#enter('findLeafHashes');
    const found = new Map<string, number>();
    for (const h of leafHashes) {
      checkHash(h, 'leaf hash');
      const key = encodeHex(h);
      const index = this.#indexByHash.get(key);
      if (index !== undefined) found.set(key, index);
    }
    return found;
  }

  commitBatch(expected: { readonly treeSize: number; readonly rootHash: Hash }, batch: IntegratedBatch): Promise<void> {
    const run = this.#commitQueue.then(() => this.#commit(expected, batch));
    this.#commitQueue = run.catch(() => {});
    return run;
  }

  async #commit(expected: { readonly treeSize: number; readonly rootHash: Hash }, batch: IntegratedBatch): Promise<void> {
    this.#enter('commitBatch');
    checkBatch(expected, batch);
    const head = this.#head;
    if (head === undefined) throw new LogError('UNAVAILABLE', 'no log exists in this database yet');
    if (this.#readOnlyAt !== undefined) {
      throw new LogError('LOG_READ_ONLY', `the log was finalized at ${this.#readOnlyAt.toISOString()} (size ${head.treeSize}): it takes no more entries`);
    }
    if (head.treeSize !== expected.treeSize || !bytesEqual(head.rootHash, expected.rootHash)) {
      throw new LogError(
        'CONFLICT',
        `the stored tree head (size ${head.treeSize}) is not the expected one (size ${expected.treeSize}): another writer committed first`,
      );
    }
    const newHashes = new Map<string, number>();
    for (const e of batch.entries) {
      const key = encodeHex(e.leafHash);
      if (this.#indexByHash.has(key) || newHashes.has(key)) throw new LogError('CONFLICT', CONFLICTS.leafHash);
      if (this.#entries.has(e.leafIndex)) throw new LogError('CONFLICT', CONFLICTS.leafIndex);
      newHashes.set(key, e.leafIndex);
    }
    if (batch.events !== undefined) this.#checkEventRows(batch.events);
    if (batch.money !== undefined) {
      const keys = batch.money.records.map((r) => JSON.stringify([r.partnerId, r.dedupKey]));
      if (new Set(keys).size !== keys.length || keys.some((k) => this.#moneyByKey.has(k))) throw new LogError('CONFLICT', CONFLICTS.money);
    }
    // Everything is decided; the hooks may still abort, and then nothing is written.
    await this.#faults.beforeCommit?.();
    for (const e of batch.entries) {
      this.#entries.set(e.leafIndex, { leafHash: e.leafHash.slice(), data: e.data.slice(), partnerId: e.partnerId });
    }
    for (const [key, index] of newHashes) this.#indexByHash.set(key, index);
    for (const t of batch.tiles) this.#tiles.set(tileKey(t.level, t.index), t.data.slice());
    if (batch.events !== undefined) this.#writeEventRows(batch.events);
    if (batch.money !== undefined) {
      for (const r of batch.money.records) {
        this.#money.set(r.leafIndex, { ...r, contentHash: r.contentHash.slice() });
        this.#moneyByKey.set(JSON.stringify([r.partnerId, r.dedupKey]), r.leafIndex);
      }
      for (const d of batch.money.details) this.#details.set(d.leafIndex, { ...d, opening: d.opening.slice() });
    }
    this.#head = copyHead(batch.head);
  }

  /** When the log was finalized; undefined while writable. */
  #readOnlyAt: Date | undefined;

  finalizeLog(expected: { readonly treeSize: number; readonly rootHash: Hash }, finalHead: TreeHead): Promise<void> {
    // In the commit queue: a finalize and a commit are ordered as the head row's lock orders them.
    const run = this.#commitQueue.then(() => this.#finalize(expected, finalHead));
    this.#commitQueue = run.catch(() => {});
    return run;
  }

  async #finalize(expected: { readonly treeSize: number; readonly rootHash: Hash }, finalHead: TreeHead): Promise<void> {
    this.#enter('finalizeLog');
    checkHash(expected.rootHash, 'root hash');
    if (finalHead.treeSize !== expected.treeSize || !bytesEqual(finalHead.rootHash, expected.rootHash)) {
      throw new LogError('INTERNAL', `the final head (size ${finalHead.treeSize}) is not of the tree it finalizes (size ${expected.treeSize})`);
    }
    const head = this.#head;
    if (head === undefined) throw new LogError('UNAVAILABLE', 'no log exists in this database yet');
    const same = head.treeSize === expected.treeSize && bytesEqual(head.rootHash, expected.rootHash);
    if (this.#readOnlyAt !== undefined) {
      if (same) return;
      throw new LogError('CONFLICT', `the log was already finalized at another tree (size ${head.treeSize}), not at size ${expected.treeSize}`);
    }
    if (!same) {
      throw new LogError(
        'CONFLICT',
        `the stored tree head (size ${head.treeSize}) is not the expected one (size ${expected.treeSize}): another writer committed first`,
      );
    }
    this.#head = copyHead(finalHead);
    this.#readOnlyAt = this.#now();
  }

  async readLifecycle(): Promise<{ readOnlyAt: Date; finalCheckpoint: string } | undefined> {
    this.#enter('readLifecycle');
    if (this.#readOnlyAt === undefined || this.#head === undefined) return undefined;
    return { readOnlyAt: new Date(this.#readOnlyAt), finalCheckpoint: this.#head.checkpoint };
  }

  /**
   * The unique keys of the PostgreSQL tables, against what is stored and within the batch:
   * events by leaf index and by (partner, sequence number), details by leaf index, tags by
   * tag and by leaf index, erasures by target and by erasure index. A counter moved twice in
   * one batch fails as PostgreSQL's `on conflict do update` does (a row affected twice), as
   * an INTERNAL error.
   */
  #checkEventRows(rows: EventRows): void {
    const eventIndices = new Set<number>();
    const seqs = new Set<string>();
    for (const e of rows.events) {
      if (this.#events.has(e.leafIndex) || eventIndices.has(e.leafIndex)) throw new LogError('CONFLICT', CONFLICTS.other);
      eventIndices.add(e.leafIndex);
      const key = seqKey(e.partnerId, e.partnerSeq);
      if (this.#eventBySeq.has(key) || seqs.has(key)) throw new LogError('CONFLICT', CONFLICTS.partnerSeq);
      seqs.add(key);
    }
    const detailIndices = new Set<number>();
    for (const d of rows.details) {
      if (this.#details.has(d.leafIndex) || detailIndices.has(d.leafIndex)) throw new LogError('CONFLICT', CONFLICTS.other);
      detailIndices.add(d.leafIndex);
    }
    const tags = new Set<string>();
    const tagIndices = new Set<number>();
    for (const t of rows.tags) {
      const key = encodeHex(t.tag);
      if (this.#tags.has(key) || tags.has(key)) throw new LogError('CONFLICT', CONFLICTS.tag);
      tags.add(key);
      if (this.#taggedIndices.has(t.leafIndex) || tagIndices.has(t.leafIndex)) throw new LogError('CONFLICT', CONFLICTS.other);
      tagIndices.add(t.leafIndex);
    }
    const counterKeys = new Set<string>();
    for (const c of rows.counters) {
      const key = encodeHex(c.counterKey);
      if (counterKeys.has(key)) {
        throw new LogError('INTERNAL', 'committing a batch failed: ON CONFLICT DO UPDATE command cannot affect row a second time');
      }
      counterKeys.add(key);
    }
    const targets = new Set<number>();
    const erasureIndices = new Set<number>();
    for (const x of rows.erasures) {
      if (this.#erasures.has(x.targetIndex) || targets.has(x.targetIndex)) throw new LogError('CONFLICT', CONFLICTS.erased);
      targets.add(x.targetIndex);
      if (this.#erasureIndices.has(x.erasureIndex) || erasureIndices.has(x.erasureIndex)) throw new LogError('CONFLICT', CONFLICTS.other);
      erasureIndices.add(x.erasureIndex);
    }
  }

  /** Writes checked event rows; an erasure deletes its target's details (never the batch's own: they come before it). */
  #writeEventRows(rows: EventRows): void {
    for (const e of rows.events) {
      this.#events.set(e.leafIndex, copyEvent(e));
      this.#eventBySeq.set(seqKey(e.partnerId, e.partnerSeq), e.leafIndex);
    }
    for (const x of rows.erasures) {
      const erased = this.#details.get(x.targetIndex);
      if (erased?.revealHash) this.#erasedRevealHashes.set(x.targetIndex, encodeHex(erased.revealHash));
      this.#details.delete(x.targetIndex);
    }
    for (const d of rows.details) this.#details.set(d.leafIndex, copyDetails(d));
    for (const t of rows.tags) {
      this.#tags.set(encodeHex(t.tag), { tag: t.tag.slice(), leafIndex: t.leafIndex });
      this.#taggedIndices.add(t.leafIndex);
    }
    for (const c of rows.counters) this.#counters.set(encodeHex(c.counterKey), c.next);
    for (const x of rows.erasures) {
      this.#erasures.set(x.targetIndex, x.erasureIndex);
      this.#erasureIndices.add(x.erasureIndex);
    }
  }

  async findMoneyRecords(keys: readonly { partnerId: string; dedupKey: string }[]): Promise<MoneyRecordRow[]> {
    this.#enter('findMoneyRecords');
    const indices = new Set<number>();
    for (const k of keys) {
      const i = this.#moneyByKey.get(JSON.stringify([k.partnerId, k.dedupKey]));
      if (i !== undefined) indices.add(i);
    }
    return [...indices].sort((a, b) => a - b).map((i) => this.#moneyAt(i)!);
  }

  async readMoneyRecordsAt(leafIndices: readonly number[]): Promise<MoneyRecordRow[]> {
    this.#enter('readMoneyRecordsAt');
    return [...new Set(leafIndices)].sort((a, b) => a - b).flatMap((i) => this.#moneyAt(i) ?? []);
  }

  async readStandingRecords(q: { partnerId: string; recordType: string; from: string; to: string; after: number; limit: number }): Promise<StandingRecord[]> {
    this.#enter('readStandingRecords');
    const rows = [...this.#money.values()];
    const inPeriod = (r: MoneyRecordRow) => r.recordDay !== null && r.recordDay >= q.from && r.recordDay <= q.to;
    const originals = new Set<number>();
    for (const r of rows) {
      if (r.partnerId !== q.partnerId) continue;
      if (r.target === null && r.recordType === q.recordType && inPeriod(r) && r.leafIndex > q.after) originals.add(r.leafIndex);
      if (r.recordType === 'amend' && this.#money.get(r.target!)?.recordType === q.recordType && inPeriod(r) && r.target! > q.after) originals.add(r.target!);
    }
    return [...originals]
      .sort((a, b) => a - b)
      .slice(0, q.limit)
      .map((original) => {
        const about = rows.filter((r) => r.target === original);
        const current = Math.max(original, ...about.filter((r) => r.recordType === 'amend').map((r) => r.leafIndex));
        const withdrawnBy = about.find((r) => r.recordType === 'withdraw')?.leafIndex ?? null;
        return { original, current, withdrawnBy, history: about.map((r) => r.leafIndex).sort((a, b) => a - b), data: this.#entries.get(current)!.data.slice() };
      });
  }

  #moneyAt(i: number): MoneyRecordRow | undefined {
    const r = this.#money.get(i);
    return r && { ...r, contentHash: r.contentHash.slice() };
  }

  async findEvents(keys: readonly { partnerId: string; partnerSeq: number }[]): Promise<EventRecord[]> {
    this.#enter('findEvents');
    const indices = new Set<number>();
    for (const k of keys) {
      const i = this.#eventBySeq.get(seqKey(k.partnerId, k.partnerSeq));
      if (i !== undefined) indices.add(i);
    }
    return [...indices].sort((a, b) => a - b).map((i) => copyEvent(this.#events.get(i)!));
  }

  async readEventsAt(leafIndices: readonly number[]): Promise<(EventRecord & { erasedBy: number | null })[]> {
    this.#enter('readEventsAt');
    return [...new Set(leafIndices)]
      .sort((a, b) => a - b)
      .flatMap((i) => {
        const e = this.#events.get(i);
        return e ? [{ ...copyEvent(e), erasedBy: this.#erasures.get(i) ?? null }] : [];
      });
  }

  async readEventsTargeting(leafIndex: number, limit: number): Promise<{ leafIndex: number; type: string }[]> {
    this.#enter('readEventsTargeting');
    return [...this.#events.values()]
      .filter((e) => e.target === leafIndex)
      .sort((a, b) => a.leafIndex - b.leafIndex)
      .slice(0, limit)
      .map((e) => ({ leafIndex: e.leafIndex, type: e.type }));
  }

  async readCounters(counterKeys: readonly Hash[]): Promise<Map<string, number>> {
    this.#enter('readCounters');
    for (const k of counterKeys) checkHash(k, 'counter key');
    const found = new Map<string, number>();
    for (const k of counterKeys) {
      const key = encodeHex(k);
      const next = this.#counters.get(key);
      if (next !== undefined) found.set(key, next);
    }
    return found;
  }

  async readDetails(leafIndex: number): Promise<EventDetails | { erasedBy: number } | undefined> {
    this.#enter('readDetails');
    // Only a typed event or a redacted record has details: an erasure of any other entry is not reported here.
    if (!this.#events.has(leafIndex) && !this.#money.has(leafIndex)) return undefined;
    const erasedBy = this.#erasures.get(leafIndex);
    if (erasedBy !== undefined) return { erasedBy };
    const d = this.#details.get(leafIndex);
    return d && copyDetails(d);
  }

  async readDetailsByRevealHash(revealHashes: readonly Hash[]): Promise<Map<string, EventDetails | { leafIndex: number; erasedBy: number }>> {
    this.#enter('readDetailsByRevealHash');
    for (const h of revealHashes) checkHash(h, 'reveal hash');
    const wanted = new Set(revealHashes.map(encodeHex));
    const found = new Map<string, EventDetails | { leafIndex: number; erasedBy: number }>();
    // In leaf-index order, so that if two entries ever shared a reveal hash, the first wins.
    const rows: [number, string, EventDetails | { leafIndex: number; erasedBy: number }][] = [];
    for (const d of this.#details.values()) if (d.revealHash !== null && wanted.has(encodeHex(d.revealHash))) rows.push([d.leafIndex, encodeHex(d.revealHash), copyDetails(d)]);
    for (const [target, hash] of this.#erasedRevealHashes) if (wanted.has(hash)) rows.push([target, hash, { leafIndex: target, erasedBy: this.#erasures.get(target)! }]);
    rows.sort((a, b) => a[0] - b[0]);
    for (const [, hash, value] of rows) if (!found.has(hash)) found.set(hash, value);
    return found;
  }

  async readTagBucket(prefix: Uint8Array): Promise<{ tag: Hash; leafIndex: number }[]> {
    this.#enter('readTagBucket');
    if (prefix.length !== 2) throw new LogError('INTERNAL', 'a tag bucket prefix is 2 bytes');
    // Tags are all 32 bytes, so their hex sorts as PostgreSQL sorts the bytea.
    return [...this.#tags.entries()]
      .filter(([, t]) => t.tag[0] === prefix[0] && t.tag[1] === prefix[1])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, t]) => ({ tag: t.tag.slice(), leafIndex: t.leafIndex }));
  }

  async partnerSequence(partnerId: string, limit: number): Promise<PartnerSequence> {
    this.#enter('partnerSequence');
    const seqs = [...this.#events.values()]
      .filter((e) => e.partnerId === partnerId)
      .map((e) => e.partnerSeq)
      .sort((a, b) => a - b);
    // As the SQL does: the number before the first is 0, a gap wherever the next is not one more.
    const gaps: { from: number; to: number }[] = [];
    let prev = 0;
    for (const n of seqs) {
      if (n > prev + 1 && gaps.length < limit + 1) gaps.push({ from: prev + 1, to: n - 1 });
      prev = n;
    }
    return {
      last: seqs.length === 0 ? null : seqs[seqs.length - 1]!,
      count: seqs.length,
      gaps: gaps.slice(0, limit),
      truncated: gaps.length > limit,
    };
  }

  readonly #witnessed = new Map<number, TreeHead>();

  async readWitnessedCheckpoint(): Promise<TreeHead | undefined> {
    this.#enter('readWitnessedCheckpoint');
    let latest: TreeHead | undefined;
    for (const head of this.#witnessed.values()) if (latest === undefined || head.treeSize > latest.treeSize) latest = head;
    return latest && copyHead(latest);
  }

  async recordWitnessedCheckpoint(head: TreeHead): Promise<void> {
    this.#enter('recordWitnessedCheckpoint');
    checkHash(head.rootHash, 'root hash');
    const stored = this.#witnessed.get(head.treeSize);
    if (stored === undefined) this.#witnessed.set(head.treeSize, copyHead(head));
    else if (!bytesEqual(stored.rootHash, head.rootHash)) throw new LogError('CONFLICT', `a checkpoint of size ${head.treeSize} with another root is already witnessed`);
  }

  async readCodeLists(sha256?: Hash): Promise<CodeListsVersion | undefined> {
    this.#enter('readCodeLists');
    let found: CodeListsVersion | undefined;
    if (sha256 === undefined) {
      for (const v of this.#codeLists.values()) if (found === undefined || v.leafIndex > found.leafIndex) found = v;
    } else {
      found = this.#codeLists.get(encodeHex(sha256));
    }
    return found && copyCodeLists(found);
  }

  async recordCodeLists(version: CodeListsVersion): Promise<void> {
    this.#enter('recordCodeLists');
    checkHash(version.sha256, 'code lists hash');
    const key = encodeHex(version.sha256);
    const stored = this.#codeLists.get(key);
    if (stored === undefined) this.#codeLists.set(key, copyCodeLists(version));
    else if (version.leafIndex > stored.leafIndex) this.#codeLists.set(key, { ...stored, leafIndex: version.leafIndex });
  }

  readonly #tagKeyChecks = new Map<string, Hash>();

  async claimTagKeyCheck(year: string, check: Hash): Promise<Hash> {
    this.#enter('claimTagKeyCheck');
    checkHash(check, 'tag key check');
    if (!this.#tagKeyChecks.has(year)) this.#tagKeyChecks.set(year, new Uint8Array(check));
    return new Uint8Array(this.#tagKeyChecks.get(year)!);
  }

  async addPartner(partner: { id: string; name: string | null; tokenHash: Hash; publicKey: Uint8Array | null }): Promise<void> {
    this.#enter('addPartner');
    checkHash(partner.tokenHash, 'token hash');
    // An omitted key is stored as null, as the PostgreSQL store's insert leaves the column null.
    const publicKey = partner.publicKey ?? null;
    checkPublicKey(publicKey, 'adding a partner');
    if (this.#partners.has(partner.id)) throw new LogError('CONFLICT', `partner ${partner.id} already exists`);
    const tokenHex = encodeHex(partner.tokenHash);
    if ([...this.#partners.values()].some((p) => p.tokenHex === tokenHex)) {
      throw new LogError('CONFLICT', `another partner already has the token given for ${partner.id}`);
    }
    this.#partners.set(partner.id, {
      id: partner.id,
      name: partner.name,
      tokenHex,
      publicKey: publicKey && publicKey.slice(),
      previousKeys: [],
      createdAt: this.#now(),
      revokedAt: null,
    });
  }

  async setPartnerKey(id: string, publicKey: Uint8Array): Promise<void> {
    this.#enter('setPartnerKey');
    if (publicKey.length !== 32) throw new LogError('INTERNAL', 'an Ed25519 public key is 32 bytes');
    const p = this.#partners.get(id);
    if (p === undefined) throw new LogError('NOT_FOUND', `no partner ${id}`);
    const old = p.publicKey;
    if (old !== null && encodeHex(old) !== encodeHex(publicKey) && !p.previousKeys.some((k) => encodeHex(k) === encodeHex(old))) p.previousKeys.push(old);
    p.publicKey = publicKey.slice();
  }

  async listPartners(): Promise<ListedPartner[]> {
    this.#enter('listPartners');
    return [...this.#partners.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((p) => ({ ...toPartner(p), previousKeys: p.previousKeys.map((k) => k.slice()) }));
  }

  async partnerTokenHashes(): Promise<Map<string, Hash>> {
    this.#enter('partnerTokenHashes');
    return new Map([...this.#partners.values()].filter((p) => p.revokedAt === null).map((p) => [p.id, decodeHex(p.tokenHex)!]));
  }

  async revokePartner(id: string): Promise<void> {
    this.#enter('revokePartner');
    const p = this.#partners.get(id);
    if (p === undefined) throw new LogError('NOT_FOUND', `no partner ${id}`);
    p.revokedAt ??= this.#now();
  }

  async findPartnerByTokenHash(tokenHash: Hash): Promise<Partner | undefined> {
    this.#enter('findPartnerByTokenHash');
    checkHash(tokenHash, 'token hash');
    const tokenHex = encodeHex(tokenHash);
    const p = [...this.#partners.values()].find((q) => q.tokenHex === tokenHex && q.revokedAt === null);
    return p && toPartner(p);
  }

  addOperator(operator: { id: string; tokenHash: Hash }): Promise<void> {
    return this.#staffAdd('operator', this.#operators, operator);
  }

  listOperators(): Promise<Operator[]> {
    return this.#staffList('operator', this.#operators);
  }

  revokeOperator(id: string): Promise<void> {
    return this.#staffRevoke('operator', this.#operators, id);
  }

  findOperatorByTokenHash(tokenHash: Hash): Promise<Operator | undefined> {
    return this.#staffFind('operator', this.#operators, tokenHash);
  }

  addAuditor(auditor: { id: string; tokenHash: Hash }): Promise<void> {
    return this.#staffAdd('auditor', this.#auditors, auditor);
  }

  listAuditors(): Promise<Operator[]> {
    return this.#staffList('auditor', this.#auditors);
  }

  revokeAuditor(id: string): Promise<void> {
    return this.#staffRevoke('auditor', this.#auditors, id);
  }

  findAuditorByTokenHash(tokenHash: Hash): Promise<Operator | undefined> {
    return this.#staffFind('auditor', this.#auditors, tokenHash);
  }

  /** Operators and auditors: accounts of one shape, each kind in its own map. */
  async #staffAdd(kind: 'operator' | 'auditor', accounts: Map<string, StoredOperator>, account: { id: string; tokenHash: Hash }): Promise<void> {
    this.#enter(kind === 'operator' ? 'addOperator' : 'addAuditor');
    checkHash(account.tokenHash, 'token hash');
    if (accounts.has(account.id)) throw new LogError('CONFLICT', `${kind} ${account.id} already exists`);
    const tokenHex = encodeHex(account.tokenHash);
    if ([...accounts.values()].some((o) => o.tokenHex === tokenHex)) {
      throw new LogError('CONFLICT', `another ${kind} already has the token given for ${account.id}`);
    }
    accounts.set(account.id, { id: account.id, tokenHex, createdAt: this.#now(), revokedAt: null });
  }

  async #staffList(kind: 'operator' | 'auditor', accounts: Map<string, StoredOperator>): Promise<Operator[]> {
    this.#enter(kind === 'operator' ? 'listOperators' : 'listAuditors');
    return [...accounts.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(toOperator);
  }

  async #staffRevoke(kind: 'operator' | 'auditor', accounts: Map<string, StoredOperator>, id: string): Promise<void> {
    this.#enter(kind === 'operator' ? 'revokeOperator' : 'revokeAuditor');
    const o = accounts.get(id);
    if (o === undefined) throw new LogError('NOT_FOUND', `no ${kind} ${id}`);
    o.revokedAt ??= this.#now();
  }

  async #staffFind(kind: 'operator' | 'auditor', accounts: Map<string, StoredOperator>, tokenHash: Hash): Promise<Operator | undefined> {
    this.#enter(kind === 'operator' ? 'findOperatorByTokenHash' : 'findAuditorByTokenHash');
    checkHash(tokenHash, 'token hash');
    const tokenHex = encodeHex(tokenHash);
    const o = [...accounts.values()].find((q) => q.tokenHex === tokenHex && q.revokedAt === null);
    return o && toOperator(o);
  }


  async ping(): Promise<void> {
    this.#enter('ping');
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #enter(method: string): void {
    if (this.#closed) throw new LogError('UNAVAILABLE', 'the log store is closed');
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
  }
}

function tileKey(level: number, index: number): string {
  return `${level}/${index}`;
}

function copyHead(head: TreeHead): TreeHead {
  return { treeSize: head.treeSize, rootHash: head.rootHash.slice(), checkpoint: head.checkpoint };
}

function toPartner(p: StoredPartner): Partner {
  return {
    id: p.id,
    name: p.name,
    publicKey: p.publicKey && p.publicKey.slice(),
    createdAt: new Date(p.createdAt),
    revokedAt: p.revokedAt && new Date(p.revokedAt),
  };
}

function toOperator(o: StoredOperator): Operator {
  return { id: o.id, createdAt: new Date(o.createdAt), revokedAt: o.revokedAt && new Date(o.revokedAt) };
}

/** The `partners_public_key_size` check: a violation is INTERNAL, as PostgreSQL's check_violation maps. */
function checkPublicKey(publicKey: Uint8Array | null, what: string): void {
  if (publicKey !== null && publicKey.length !== 32) {
    throw new LogError('INTERNAL', `${what} failed: new row for relation "partners" violates check constraint "partners_public_key_size"`);
  }
}

/** The (partner, sequence number) key of an event; JSON keeps any partner id apart from the number. */
function seqKey(partnerId: string, partnerSeq: number): string {
  return JSON.stringify([partnerId, partnerSeq]);
}

function copyEvent(e: EventRecord): EventRecord {
  return { leafIndex: e.leafIndex, partnerId: e.partnerId, partnerSeq: e.partnerSeq, eventHash: e.eventHash.slice(), type: e.type, target: e.target };
}

function copyDetails(d: EventDetails): EventDetails {
  return { leafIndex: d.leafIndex, details: d.details, opening: d.opening.slice(), revealHash: d.revealHash && d.revealHash.slice() };
}

function copyCodeLists(v: CodeListsVersion): CodeListsVersion {
  return { sha256: v.sha256.slice(), body: v.body, leafIndex: v.leafIndex };
}
