/**
 * What the sequencer can sequence besides raw entries: a *placed kind*, whose leaf is only
 * built once its index in the log is known (a typed event's subject tag depends on how
 * many entries its subject had that day), and whose commit writes rows of its own in the
 * same transaction. Typed events are one such kind (src/sequencer/events.ts); the sequencer
 * knows none of them by name, only this interface.
 *
 * A kind keeps an in-memory view of its batches sent and not yet settled (so that the next
 * batch builds on them without waiting); the store's unique keys refuse anything a stale
 * view lets through, as a lost race that is retried on fresh reads.
 */
import type { LogError } from '../errors.js';
import type { IntegratedBatch } from '../log/index.js';

/** What a kind's commit writes besides entries, tiles and the head. */
export type PlacedRows = Omit<IntegratedBatch, 'entries' | 'tiles' | 'head'>;

/** What the store says about a batch's submissions of one kind, read before it is built. */
export interface PlacedReads<S> {
  /** Leaf index of submissions already in the log (replays), by key. */
  readonly existing: ReadonlyMap<string, number>;
  /** Submissions that can never be appended, with why: answered at once and dropped. */
  readonly rejected: ReadonlyMap<S, LogError>;
  /** An index the store returned lies past the head the sequencer knows: another writer moved on. */
  readonly anotherWriter: boolean;
}

/** A built batch of one kind: the leaves in the order given, the rows its commit writes. */
export interface PlacedBatch<H> {
  readonly leaves: readonly Uint8Array[];
  readonly rows: PlacedRows;
  /** Handed back to `sent` and `settled`: whatever the kind needs to track the batch. */
  readonly handle: H;
}

export interface PlacedKind<S, R extends PlacedReads<S> = PlacedReads<S>, H = unknown> {
  /** The dedup key: a replay of the same submission has the same key; distinct from any leaf hash in hex. */
  key(sub: S): string;
  /** The partner accountable for it. */
  partnerId(sub: S): string | null;
  /** Rough size in bytes, for the batch byte budget, before the leaf is built. */
  size(sub: S): number;
  /** Everything the store knows that decides these submissions; `committedSize` is the committed head's size. */
  read(subs: readonly S[], committedSize: number): Promise<R>;
  /** Builds the leaves of the new submissions at their indices, in order, and the rows they write. */
  build(placed: readonly { readonly sub: S; readonly leafIndex: number }[], reads: R): PlacedBatch<H>;
  /** The batch was sent: until it settles, later batches build on it. */
  sent(handle: H): void;
  /** The batch settled (committed or not): the store is the truth for it from now on. */
  settled(handle: H): void;
  /** After a failure nothing in memory is trusted: with no batch in flight, forget it all. */
  reset(): void;
}

/** The rows of several kinds' batches as one commit's; two kinds may not write the same field. */
export function mergeRows(parts: readonly PlacedRows[]): PlacedRows | undefined {
  if (parts.length === 0) return undefined;
  const merged: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [field, value] of Object.entries(part)) {
      if (value === undefined) continue;
      if (field in merged) throw new Error(`two placed kinds write ${field} in one batch`);
      merged[field] = value;
    }
  }
  return merged as PlacedRows;
}
