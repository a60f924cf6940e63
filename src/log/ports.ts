/**
 * The storage port: the only interface the sequencer and the read services consume.
 * One adapter implements it over PostgreSQL (PGlite or a server); tests also use an
 * in-memory fake. Every method MUST be safe to call concurrently.
 */
import type { Hash } from '../merkle/index.js';
import type { IntegratedBatch, LogMeta, Partner, TileId, TreeHead } from './types.js';

export interface LogStore {
  /** The log's identity, or undefined on a database where no log was created yet. */
  readMeta(): Promise<LogMeta | undefined>;

  /**
   * Creates the log: stores `meta` and the first head (size 0) in one transaction.
   * MUST fail with LogError('CONFLICT') if a log already exists (another process won the race).
   */
  createLog(meta: LogMeta, head: TreeHead): Promise<void>;

  /** The current head. MUST only be called once the log exists. */
  readHead(): Promise<TreeHead>;

  /**
   * The latest stored content of each tile, in the order asked, undefined where none is
   * stored. MUST be one query, whatever the number of tiles.
   */
  readTiles(ids: readonly TileId[]): Promise<(Uint8Array | undefined)[]>;

  /** Entries [start, start + count) that exist, in order (fewer at the end of the log). One query. */
  readEntries(start: number, count: number): Promise<Uint8Array[]>;

  /** The leaf index of each given leaf hash that is in the log, keyed by the hash in hex. One query. */
  findLeafHashes(leafHashes: readonly Hash[]): Promise<Map<string, number>>;

  /**
   * Appends a batch atomically: either every entry, tile and the new head are visible,
   * or none is.
   * MUST fail with LogError('CONFLICT') — and write nothing — if the stored head is not
   * `expected` (size and root), or if an entry's leaf hash or index is already stored:
   * another writer got there first. This compare-and-swap is what keeps two processes on
   * one database from ever signing two different trees of one size.
   */
  commitBatch(expected: { readonly treeSize: number; readonly rootHash: Hash }, batch: IntegratedBatch): Promise<void>;

  /** Partners: their bearer tokens are stored only as SHA-256 hashes. */
  addPartner(partner: { id: string; name: string | null; tokenHash: Hash }): Promise<void>;
  listPartners(): Promise<Partner[]>;
  /** MUST fail with LogError('NOT_FOUND') for an unknown partner. Revoking twice is not an error. */
  revokePartner(id: string): Promise<void>;
  /** The active (not revoked) partner whose token hashes to `tokenHash`. */
  findPartnerByTokenHash(tokenHash: Hash): Promise<Partner | undefined>;

  /** Whether the database answers (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
