/**
 * The PostgreSQL schema of a Sightline log, for both drivers (PGlite and postgres.js).
 * `npm run db:generate` turns changes here into a new migration under `migrations/`;
 * never edit a migration that has been applied somewhere.
 *
 * drizzle-kit loads this file on its own: keep its imports to drizzle-orm and the pure core.
 */
import { sql } from 'drizzle-orm';
import { bigint, check, customType, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { decodeHex } from '../encoding/index.js';

/**
 * `bytea` as a plain `Uint8Array` on both drivers: postgres.js hands back a `Buffer`, PGlite a
 * `Uint8Array` (possibly a view); both are copied into a fresh plain `Uint8Array`, so callers
 * compare and keep what they get without surprises.
 */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array | string }>({
  dataType() {
    return 'bytea';
  },
  toDriver(value: Uint8Array): Uint8Array {
    return value;
  },
  fromDriver(value: Uint8Array | string): Uint8Array {
    return byteaFromDriver(value);
  },
});

/** A driver's bytea value as a plain `Uint8Array` (a copy); accepts the `\x…` text form too. */
export function byteaFromDriver(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  const decoded = typeof value === 'string' && value.startsWith('\\x') ? decodeHex(value.slice(2)) : undefined;
  if (decoded) return decoded;
  throw new TypeError(`not a bytea value: ${typeof value}`);
}

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** Who the log is: one row, written once by `createLog`. */
export const logMeta = pgTable(
  'log_meta',
  {
    id: smallint('id').primaryKey().default(1),
    origin: text('origin').notNull(),
    verifierKey: text('verifier_key').notNull(),
    createdAt: createdAt(),
  },
  (t) => [check('log_meta_single_row', sql`${t.id} = 1`)],
);

/** The integrated tree and its signed checkpoint: one row, replaced by every commit. */
export const treeHead = pgTable(
  'tree_head',
  {
    id: smallint('id').primaryKey().default(1),
    treeSize: bigint('tree_size', { mode: 'number' }).notNull(),
    rootHash: bytea('root_hash').notNull(),
    checkpoint: text('checkpoint').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [check('tree_head_single_row', sql`${t.id} = 1`), check('tree_head_root_hash_size', sql`length(${t.rootHash}) = 32`)],
);

/** The log's entries by index; the unique leaf hash is the strong dedup. */
export const entries = pgTable(
  'entries',
  {
    leafIndex: bigint('leaf_index', { mode: 'number' }).primaryKey(),
    leafHash: bytea('leaf_hash').notNull(),
    data: bytea('data').notNull(),
    partnerId: text('partner_id'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('entries_leaf_hash_key').on(t.leafHash), check('entries_leaf_hash_size', sql`length(${t.leafHash}) = 32`)],
);

/** The latest (widest) content of each hash tile; its width is `length(data) / 32`. */
export const tiles = pgTable(
  'tiles',
  {
    level: smallint('level').notNull(),
    tileIndex: bigint('tile_index', { mode: 'number' }).notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [
    primaryKey({ name: 'tiles_pkey', columns: [t.level, t.tileIndex] }),
    // 1 to 256 hashes of 32 bytes (c2sp.org/tlog-tiles).
    check('tiles_data_size', sql`length(${t.data}) between 32 and 8192 and length(${t.data}) % 32 = 0`),
  ],
);

/** Partner systems that may submit; bearer tokens are kept only as SHA-256 hashes. */
export const partners = pgTable(
  'partners',
  {
    id: text('id').primaryKey(),
    name: text('name'),
    tokenHash: bytea('token_hash').notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('partners_token_hash_key').on(t.tokenHash), check('partners_token_hash_size', sql`length(${t.tokenHash}) = 32`)],
);
