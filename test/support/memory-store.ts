/**
 * An in-memory `LogStore` for fast tests of the sequencer and the HTTP layer, with the
 * semantics of the PostgreSQL store (the same contract suite runs on both):
 * compare-and-swap on the head, CONFLICT for a leaf hash or index already stored, a batch
 * applied all at once or not at all, the same argument checks, copies in and out (a caller
 * mutating its bytes cannot change what is stored), and the same fault hooks.
 */
import { bytesEqual, encodeHex } from '../../src/encoding/index.js';
import { LogError } from '../../src/errors.js';
import type { IntegratedBatch, LogMeta, LogStore, Partner, TileId, TreeHead } from '../../src/log/index.js';
import type { Hash } from '../../src/merkle/index.js';
import { type CommitFaults, checkBatch, checkHash, checkRange } from '../../src/storage/index.js';

export interface MemoryStoreOptions {
  /** Hooks run inside `commitBatch` after its checks; a throw leaves the store unchanged. */
  readonly faults?: CommitFaults;
  /** The clock for partners' `createdAt` and `revokedAt`. */
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
  readonly createdAt: Date;
  revokedAt: Date | null;
}

export class MemoryStore implements LogStore {
  readonly #faults: CommitFaults;
  readonly #now: () => Date;
  #meta: LogMeta | undefined;
  #head: TreeHead | undefined;
  readonly #entries = new Map<number, StoredEntry>();
  readonly #indexByHash = new Map<string, number>();
  readonly #tiles = new Map<string, Uint8Array>();
  readonly #partners = new Map<string, StoredPartner>();
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

  async readEntries(start: number, count: number): Promise<Uint8Array[]> {
    this.#enter('readEntries');
    checkRange(start, count);
    const end = start + count;
    // Walk the range, or the stored indices when the range is the larger (a huge count).
    const indices =
      count <= this.#entries.size
        ? Array.from({ length: count }, (_, i) => start + i)
        : [...this.#entries.keys()].filter((i) => i >= start && i < end).sort((a, b) => a - b);
    return indices.flatMap((i) => {
      const e = this.#entries.get(i);
      return e ? [e.data.slice()] : [];
    });
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
    if (head.treeSize !== expected.treeSize || !bytesEqual(head.rootHash, expected.rootHash)) {
      throw new LogError(
        'CONFLICT',
        `the stored tree head (size ${head.treeSize}) is not the expected one (size ${expected.treeSize}): another writer committed first`,
      );
    }
    const newHashes = new Map<string, number>();
    for (const e of batch.entries) {
      const key = encodeHex(e.leafHash);
      if (this.#indexByHash.has(key) || newHashes.has(key)) {
        throw new LogError('CONFLICT', 'an entry of the batch is already in the log (its leaf hash is stored): another writer got there first');
      }
      if (this.#entries.has(e.leafIndex)) throw new LogError('CONFLICT', 'a leaf index of the batch is already stored: another writer got there first');
      newHashes.set(key, e.leafIndex);
    }
    // Everything is decided; the hooks may still abort, and then nothing is written.
    await this.#faults.beforeCommit?.();
    for (const e of batch.entries) {
      this.#entries.set(e.leafIndex, { leafHash: e.leafHash.slice(), data: e.data.slice(), partnerId: e.partnerId });
    }
    for (const [key, index] of newHashes) this.#indexByHash.set(key, index);
    for (const t of batch.tiles) this.#tiles.set(tileKey(t.level, t.index), t.data.slice());
    this.#head = copyHead(batch.head);
  }

  async addPartner(partner: { id: string; name: string | null; tokenHash: Hash }): Promise<void> {
    this.#enter('addPartner');
    checkHash(partner.tokenHash, 'token hash');
    if (this.#partners.has(partner.id)) throw new LogError('CONFLICT', `partner ${partner.id} already exists`);
    const tokenHex = encodeHex(partner.tokenHash);
    if ([...this.#partners.values()].some((p) => p.tokenHex === tokenHex)) {
      throw new LogError('CONFLICT', `another partner already has the token given for ${partner.id}`);
    }
    this.#partners.set(partner.id, { id: partner.id, name: partner.name, tokenHex, createdAt: this.#now(), revokedAt: null });
  }

  async listPartners(): Promise<Partner[]> {
    this.#enter('listPartners');
    return [...this.#partners.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(toPartner);
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
  return { id: p.id, name: p.name, createdAt: new Date(p.createdAt), revokedAt: p.revokedAt && new Date(p.revokedAt) };
}
