/**
 * What the parts of a log's PostgreSQL store share (pg-log-store.ts): its database, the
 * writer's connection, its tables in its schema, how its statements run and are named, and
 * the SQL helpers for sending lists of bytes as one parameter.
 */
import { sql } from 'drizzle-orm';
import { concatBytes } from '../encoding/index.js';
import { HASH_SIZE } from '../merkle/index.js';
import type { Database } from './db.js';
import type { LogTables } from './schema.js';

export interface StoreContext {
  readonly db: Database;
  /** The sequencer's commits: one connection when the handle has one, so pipelined commits keep their order. */
  readonly writer: Database;
  /** The log's tables, in its schema. */
  readonly t: LogTables;
  /**
   * The name of a prepared statement of this log: statement names are per connection, and
   * two logs' stores on one connection (the writer has one) must not share a name, or one
   * would run the other's statement on the wrong schema.
   */
  statementName(name: string): string;
  /**
   * Runs `fn` if the store is open, mapping a driver's error to a LogError; `conflict` words
   * the CONFLICT of a unique violation from the violated constraint's name.
   */
  run<T>(what: string, fn: () => Promise<T>, conflict?: (constraint: string | undefined) => string): Promise<T>;
}

/** The hash size as SQL text, for slicing concatenated hashes apart. */
export const HASH = sql.raw(String(HASH_SIZE));

/** Offsets and lengths of `items` laid end to end in one blob. */
export function layout(items: readonly { readonly data: Uint8Array }[]): { offsets: number[]; lengths: number[]; blob: Uint8Array } {
  const offsets: number[] = [];
  const lengths: number[] = [];
  let offset = 0;
  for (const item of items) {
    offsets.push(offset);
    lengths.push(item.data.length);
    offset += item.data.length;
  }
  return { offsets, lengths, blob: concatBytes(items.map((item) => item.data)) };
}

/** A 32-byte value per row, as one blob sliced in SQL by the row's ordinality `k`. */
export function slice32(blob: Uint8Array) {
  return sql`substring(${blob}::bytea from (u.k::int - 1) * ${HASH} + 1 for ${HASH})`;
}
