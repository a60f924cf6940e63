/**
 * The witness's `WitnessStore` over PostgreSQL (PGlite or a server) through drizzle: one
 * row per log origin in `witness_state`, the latest checkpoint this witness cosigned.
 *
 * Each compare-and-swap is one statement, so checking the stored state and storing the new
 * one cannot be split by another writer (c2sp.org/tlog-witness: "checking the old size
 * against the latest checkpoint and persisting the new checkpoint must be performed
 * atomically"). That holds with several witness processes on one database too: under READ
 * COMMITTED, an UPDATE that waited for a concurrent one re-checks its WHERE against the
 * new row and then matches nothing.
 */
import { and, eq, sql } from 'drizzle-orm';
import { LogError } from '../errors.js';
import { type Hash, isHash, isIndex } from '../merkle/index.js';
import type { WitnessStore, WitnessedState } from '../witness/index.js';
import { OwnedDatabase } from './owned-database.js';
import type { Database } from './db.js';
import { witnessState } from './schema.js';

export class PgWitnessStore extends OwnedDatabase implements WitnessStore {
  constructor(handle: { readonly db: Database; close(): Promise<void> }) {
    super(handle, 'witness store');
  }

  async latest(origin: string): Promise<WitnessedState | undefined> {
    const rows = await this.run(`reading the witness state of ${origin}`, () =>
      this.db
        .select({ treeSize: witnessState.treeSize, rootHash: witnessState.rootHash, checkpoint: witnessState.checkpoint })
        .from(witnessState)
        .where(eq(witnessState.origin, origin)),
    );
    return rows[0];
  }

  async compareAndSwap(origin: string, expected: { readonly treeSize: number; readonly rootHash: Hash } | undefined, next: WitnessedState): Promise<boolean> {
    // Caller bugs, not races: refuse them before touching the row.
    const bad = (message: string) => new LogError('INTERNAL', `invalid witness state for ${origin}: ${message}`);
    if (!isIndex(next.treeSize)) throw bad(`tree size ${next.treeSize} is not an integer in [0, 2^53)`);
    if (!isHash(next.rootHash)) throw bad('the root hash is not 32 bytes');
    if (expected !== undefined) {
      if (!isHash(expected.rootHash)) throw bad('the expected root hash is not 32 bytes');
      // The state only grows: the witness core never asks otherwise, and the store holds to it.
      if (next.treeSize < expected.treeSize) throw bad(`the tree size would go back from ${expected.treeSize} to ${next.treeSize}`);
    }
    const rows = await this.run(`storing the witness state of ${origin}`, () =>
      expected === undefined
        ? this.db
            .insert(witnessState)
            .values({ origin, treeSize: next.treeSize, rootHash: next.rootHash, checkpoint: next.checkpoint })
            .onConflictDoNothing({ target: witnessState.origin })
            .returning({ origin: witnessState.origin })
        : this.db
            .update(witnessState)
            .set({ treeSize: next.treeSize, rootHash: next.rootHash, checkpoint: next.checkpoint, updatedAt: sql`now()` })
            .where(and(eq(witnessState.origin, origin), eq(witnessState.treeSize, expected.treeSize), eq(witnessState.rootHash, expected.rootHash)))
            .returning({ origin: witnessState.origin }),
    );
    return rows.length === 1;
  }
}
