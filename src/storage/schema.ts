/**
 * The PostgreSQL schema of a Sightline log, for both drivers (PGlite and postgres.js).
 * `npm run db:generate` turns changes here into a new migration under `migrations/`;
 * never edit a migration that has been applied somewhere.
 *
 * drizzle-kit loads this file on its own: keep its imports to drizzle-orm and the pure core.
 */
import { sql } from 'drizzle-orm';
import { type PgTableFn, bigint, boolean, check, customType, index, integer, pgSchema, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { LogError } from '../errors.js';
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

/**
 * Every table of one log, made with `table` (drizzle's `pgTable`, or a schema's `table`): the
 * same definitions for the public schema (today's log, and what drizzle-kit generates from)
 * and for each named log's own schema (logTables).
 */
function buildTables<S extends string | undefined>(table: PgTableFn<S>) {
  /** Who the log is: one row, written once by `createLog`. */
  const logMeta = table(
    'log_meta',
    {
      id: smallint('id').primaryKey().default(1),
      origin: text('origin').notNull(),
      verifierKey: text('verifier_key').notNull(),
      createdAt: createdAt(),
    },
    (t) => [check('log_meta_single_row', sql`${t.id} = 1`)],
  );

  /** The integrated tree and its signed checkpoint: one row, replaced by every commit until the log is read-only. */
  const treeHead = table(
    'tree_head',
    {
      id: smallint('id').primaryKey().default(1),
      treeSize: bigint('tree_size', { mode: 'number' }).notNull(),
      rootHash: bytea('root_hash').notNull(),
      checkpoint: text('checkpoint').notNull(),
      updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
      /**
       * When the log was finalized (the end of its interval: a temporal shard): from then on
       * the head never moves and `checkpoint` is the final checkpoint. Null: writable. The
       * commit's compare-and-swap requires it null, so no server of the log ever appends to a
       * finished log, across restarts and across servers on one database.
       */
      readOnlyAt: timestamp('read_only_at', { withTimezone: true, mode: 'date' }),
    },
    (t) => [check('tree_head_single_row', sql`${t.id} = 1`), check('tree_head_root_hash_size', sql`length(${t.rootHash}) = 32`)],
  );

  /** The log's entries by index; the unique leaf hash is the strong dedup. */
  const entries = table(
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
  const tiles = table(
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
  const partners = table(
    'partners',
    {
      id: text('id').primaryKey(),
      name: text('name'),
      tokenHash: bytea('token_hash').notNull(),
      /** The raw 32-byte Ed25519 public key its typed events are signed with; null: raw entries only. */
      publicKey: bytea('public_key'),
      createdAt: createdAt(),
      revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    },
    (t) => [
      uniqueIndex('partners_token_hash_key').on(t.tokenHash),
      check('partners_token_hash_size', sql`length(${t.tokenHash}) = 32`),
      check('partners_public_key_size', sql`${t.publicKey} is null or length(${t.publicKey}) = 32`),
    ],
  );

  /** Operators (who may read any entry's details and issue subject keys); tokens kept only as SHA-256 hashes. */
  const operators = table(
    'operators',
    {
      id: text('id').primaryKey(),
      tokenHash: bytea('token_hash').notNull(),
      createdAt: createdAt(),
      revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    },
    (t) => [uniqueIndex('operators_token_hash_key').on(t.tokenHash), check('operators_token_hash_size', sql`length(${t.tokenHash}) = 32`)],
  );

  /**
   * Auditors (who may have a redacted public-money record's sealed values opened, each
   * opening recorded in the log first); tokens kept only as SHA-256 hashes.
   */
  const auditors = table(
    'auditors',
    {
      id: text('id').primaryKey(),
      tokenHash: bytea('token_hash').notNull(),
      createdAt: createdAt(),
      revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    },
    (t) => [uniqueIndex('auditors_token_hash_key').on(t.tokenHash), check('auditors_token_hash_size', sql`length(${t.tokenHash}) = 32`)],
  );

  /**
   * Typed events by leaf index: who sent them and under which partner sequence number. The
   * unique (partner, sequence number) is what makes a replay return the first receipt and a
   * different event under a used number a conflict.
   */
  const events = table(
    'events',
    {
      leafIndex: bigint('leaf_index', { mode: 'number' }).primaryKey(),
      partnerId: text('partner_id').notNull(),
      partnerSeq: bigint('partner_seq', { mode: 'number' }).notNull(),
      /** SHA-256 of the event's canonical JSON: a replay is the same event only if this matches. */
      eventHash: bytea('event_hash').notNull(),
      type: text('type').notNull(),
      /** The entry an erasure or correction is about. */
      target: bigint('target', { mode: 'number' }),
    },
    (t) => [
      uniqueIndex('events_partner_seq_key').on(t.partnerId, t.partnerSeq),
      index('events_target_idx').on(t.target),
      check('events_event_hash_size', sql`length(${t.eventHash}) = 32`),
    ],
  );

  /**
   * Public-money records (src/money): one row per record entry, so that a replay, a second
   * record under a key already taken, and an amendment's target are decided by index probes.
   * A body's key is unique: a change to a record is only ever a new entry naming it.
   */
  const moneyRecords = table(
    'money_records',
    {
      leafIndex: bigint('leaf_index', { mode: 'number' }).primaryKey(),
      partnerId: text('partner_id').notNull(),
      dedupKey: text('dedup_key').notNull(),
      contentHash: bytea('content_hash').notNull(),
      recordType: text('record_type').notNull(),
      recordKey: text('record_key'),
      target: bigint('target', { mode: 'number' }),
      /** YYYY-MM-DD: the day a record counts under in a period. */
      recordDay: text('record_day'),
    },
    (t) => [
      uniqueIndex('money_records_partner_key').on(t.partnerId, t.dedupKey),
      // What names a record, by kind, latest last: an amendment's max(leaf_index) or a
      // withdrawal is one backward step in this index, never a scan of the table.
      index('money_records_target_idx').on(t.target, t.recordType, t.leafIndex),
      // A body's records of a type in log order: a period's page (GET /v1/records) is read
      // in original order from `after`, filtered by day, and stops at its limit.
      index('money_records_type_idx').on(t.partnerId, t.recordType, t.leafIndex),
      check('money_records_content_hash_size', sql`length(${t.contentHash}) = 32`),
    ],
  );

  /**
   * Each partner's sequence numbers in brief, kept as events are committed (in the commit's
   * transaction), so that `GET /v1/partners/{id}/sequence` reads a row and a few gaps instead of
   * scanning every event of the partner: the last number used and how many are used.
   */
  const partnerSequences = table('partner_sequences', {
    partnerId: text('partner_id').primaryKey(),
    last: bigint('last', { mode: 'number' }).notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  });

  /**
   * The unused numbers between 1 and a partner's last, as inclusive ranges: a new number either
   * extends the range above the last (leaving a gap below it) or splits the one gap holding it.
   */
  const partnerSequenceGaps = table(
    'partner_sequence_gaps',
    {
      partnerId: text('partner_id').notNull(),
      gapFrom: bigint('gap_from', { mode: 'number' }).notNull(),
      gapTo: bigint('gap_to', { mode: 'number' }).notNull(),
    },
    (t) => [primaryKey({ name: 'partner_sequence_gaps_pkey', columns: [t.partnerId, t.gapFrom] }), check('partner_sequence_gaps_range', sql`${t.gapFrom} >= 1 and ${t.gapTo} >= ${t.gapFrom}`)],
  );

  /**
   * The erasable part of a typed event: its private details (canonical JSON) and the opening r
   * of its public commitment, never in the leaf. They are stored sealed (sealed-details.ts),
   * under the entry's key in `detail_keys`; an erasure deletes both rows, and the purge
   * (erasure-purge.ts) then removes the key from the database's files. The tree only ever held
   * the commitment, so every proof stays valid.
   *
   * `details` and `opening` in the clear are the form of rows written before details were
   * sealed; the server seals such rows when it starts (`sealLegacyDetails`), so outside an
   * upgrade each row is sealed.
   */
  const entryDetails = table(
    'entry_details',
    {
      leafIndex: bigint('leaf_index', { mode: 'number' }).primaryKey(),
      /** version ‖ nonce ‖ AES-256-GCM(opening ‖ details) ‖ tag, under the entry's key. */
      sealed: bytea('sealed'),
      /** Legacy, null once sealed: the details as canonical JSON. */
      details: text('details'),
      /** Legacy, null once sealed: the opening r. */
      opening: bytea('opening'),
      /** SHA-256 of the entry's reveal token; the token itself is derived, never stored. */
      revealHash: bytea('reveal_hash'),
    },
    (t) => [
      check('entry_details_opening_size', sql`length(${t.opening}) = 32`),
      check('entry_details_reveal_hash_size', sql`${t.revealHash} is null or length(${t.revealHash}) = 32`),
      check(
        'entry_details_sealed_or_legacy',
        sql`(${t.sealed} is not null and ${t.details} is null and ${t.opening} is null) or (${t.sealed} is null and ${t.details} is not null and ${t.opening} is not null)`,
      ),
      // version, nonce, the 32-byte opening and the tag at least (sealed-details.ts).
      check('entry_details_sealed_size', sql`length(${t.sealed}) >= 61`),
      // Finds the legacy rows left to seal without reading the table; empty once they are.
      index('entry_details_legacy_idx').on(t.leafIndex).where(sql`${t.sealed} is null`),
      // POST /v1/details finds entries by the hashes of the reveal tokens it is given, never by index.
      index('entry_details_reveal_hash_idx').on(t.revealHash),
    ],
  );

  /**
   * The key of each entry's sealed details. Erasing an entry deletes its key, and the purge
   * rewrites the partition that held it, so the key's bytes leave the heap files; the table is
   * partitioned by leaf index (the migration declares it; `ensureKeyPartitions` makes the
   * partitions) so that a purge rewrites one partition of bounded size, never the whole log's
   * keys. Column statistics are off for `key`: ANALYZE would otherwise copy sample keys into
   * pg_statistic, beyond the reach of any purge.
   */
  const detailKeys = table(
    'detail_keys',
    {
      leafIndex: bigint('leaf_index', { mode: 'number' }).primaryKey(),
      key: bytea('key').notNull(),
    },
    (t) => [check('detail_keys_key_size', sql`length(${t.key}) = 32`)],
  );

  /**
   * How far the purge of erased details has got: one row. Erasures at indices up to
   * `purged_through` have had their keys' partitions rewritten and the WAL moved past them;
   * `legacy_purged` is whether `entry_details` has been rewritten since its rows were sealed
   * (before that, its files may hold details in the clear, erased ones included).
   */
  const erasureState = table(
    'erasure_state',
    {
      id: smallint('id').primaryKey().default(1),
      purgedThrough: bigint('purged_through', { mode: 'number' }).notNull(),
      legacyPurged: boolean('legacy_purged').notNull(),
    },
    (t) => [check('erasure_state_single_row', sql`${t.id} = 1`)],
  );

  /**
   * Which erasure event erased which entry's details: so a request for them can name it (410).
   * The target's reveal hash moves here when its details row is deleted, so that a claimant
   * asking by reveal token (POST /v1/details) learns which erasure it was. It is no more than
   * the public subject tag already says: a hash of a token only the claimant can derive.
   */
  const erasures = table(
    'erasures',
    {
      targetIndex: bigint('target_index', { mode: 'number' }).primaryKey(),
      erasureIndex: bigint('erasure_index', { mode: 'number' }).notNull().unique('erasures_erasure_index_key'),
      revealHash: bytea('reveal_hash'),
    },
    (t) => [check('erasures_reveal_hash_size', sql`${t.revealHash} is null or length(${t.revealHash}) = 32`), index('erasures_reveal_hash_idx').on(t.revealHash)],
  );

  /** The public subject tag of each typed event about a claimant, for prefix-bucket lookups. */
  const subjectTags = table(
    'subject_tags',
    {
      tag: bytea('tag').primaryKey(),
      leafIndex: bigint('leaf_index', { mode: 'number' }).notNull().unique('subject_tags_leaf_index_key'),
    },
    (t) => [check('subject_tags_tag_size', sql`length(${t.tag}) = 32`)],
  );

  /**
   * The next j for each subject-day, keyed by a hash of the day's key and never by the
   * subject: whoever reads this table learns how many entries some unknown people have on
   * unknown days, nothing more.
   */
  const subjectCounters = table(
    'subject_counters',
    {
      counterKey: bytea('counter_key').primaryKey(),
      next: integer('next').notNull(),
    },
    (t) => [check('subject_counters_counter_key_size', sql`length(${t.counterKey}) = 32`), check('subject_counters_next_positive', sql`${t.next} > 0`)],
  );

  /** Every version of the code lists the log has used, and the log entry that recorded it. */
  const codeLists = table(
    'code_lists',
    {
      sha256: bytea('sha256').primaryKey(),
      /** The lists' canonical JSON, exactly the bytes hashed. */
      body: text('body').notNull(),
      leafIndex: bigint('leaf_index', { mode: 'number' }).notNull(),
      createdAt: createdAt(),
    },
    (t) => [check('code_lists_sha256_size', sql`length(${t.sha256}) = 32`)],
  );

  /**
   * A check value per subject-tag year key, HMAC(K_e, "sightline/v1/key-check\n" ‖ year): the
   * keys themselves are never in the database, but every server of the log must hold the same
   * ones, and the first to use a year's key fixes its check value for all.
   */
  const tagKeyChecks = table(
    'tag_key_checks',
    {
      year: text('year').primaryKey(),
      check: bytea('check').notNull(),
      createdAt: createdAt(),
    },
    (t) => [check('tag_key_checks_check_size', sql`length(${t.check}) = 32`)],
  );

  /** Keys partners signed their events with before their current one: published, so old events still verify. */
  const previousPartnerKeys = table(
    'previous_partner_keys',
    {
      partnerId: text('partner_id').notNull(),
      publicKey: bytea('public_key').notNull(),
      replacedAt: timestamp('replaced_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ name: 'previous_partner_keys_pkey', columns: [t.partnerId, t.publicKey] }), check('previous_partner_keys_public_key_size', sql`length(${t.publicKey}) = 32`)],
  );

  /**
   * Checkpoints of this log that met the witness quorum, each with the log's signature and
   * the witnesses' cosignatures (c2sp.org/tlog-cosignature), as `/checkpoint` serves them.
   * Witnesses cosign only what is consistent with what they cosigned before, so one size
   * never has two roots here; the unique size is a backstop.
   */
  const witnessedCheckpoints = table(
    'witnessed_checkpoints',
    {
      treeSize: bigint('tree_size', { mode: 'number' }).primaryKey(),
      rootHash: bytea('root_hash').notNull(),
      /** The signed note: the log's signature first, then a cosignature per witness. */
      checkpoint: text('checkpoint').notNull(),
      createdAt: createdAt(),
    },
    (t) => [check('witnessed_checkpoints_root_hash_size', sql`length(${t.rootHash}) = 32`)],
  );

  /**
   * A witness's state (c2sp.org/tlog-witness): per log origin, the latest checkpoint it
   * cosigned. Each decision is a compare-and-swap on this row, so a witness never cosigns a
   * checkpoint inconsistent with the one stored, even with two witness processes on it.
   */
  const witnessState = table(
    'witness_state',
    {
      origin: text('origin').primaryKey(),
      treeSize: bigint('tree_size', { mode: 'number' }).notNull(),
      rootHash: bytea('root_hash').notNull(),
      /** The checkpoint as the log signed it, with this witness's cosignature added. */
      checkpoint: text('checkpoint').notNull(),
      updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    },
    (t) => [check('witness_state_root_hash_size', sql`length(${t.rootHash}) = 32`), check('witness_state_tree_size', sql`${t.treeSize} >= 0`)],
  );

  /**
   * A mirror's copy of each log it mirrors (c2sp.org/tlog-mirror), one row per origin: its
   * pending checkpoint (moved by one compare-and-swap, as a witness's state), the first entry
   * not held (every entry below it is committed, with its tiles) and the mirror checkpoint,
   * cosigned, which never moves back and never passes the next entry.
   */
  const mirrorLogs = table(
    'mirror_logs',
    {
      origin: text('origin').primaryKey(),
      pendingSize: bigint('pending_size', { mode: 'number' }).notNull(),
      pendingRoot: bytea('pending_root').notNull(),
      /** As the log signed it: its verified signatures only. */
      pendingCheckpoint: text('pending_checkpoint').notNull(),
      nextEntry: bigint('next_entry', { mode: 'number' }).notNull().default(0),
      mirrorSize: bigint('mirror_size', { mode: 'number' }),
      mirrorRoot: bytea('mirror_root'),
      /** The log's signatures and this mirror's cosignature. */
      mirrorCheckpoint: text('mirror_checkpoint'),
      updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    },
    (t) => [
      check('mirror_logs_sizes', sql`${t.pendingSize} >= 0 and ${t.nextEntry} >= 0 and (${t.mirrorSize} is null or ${t.mirrorSize} <= ${t.nextEntry})`),
      check('mirror_logs_root_sizes', sql`length(${t.pendingRoot}) = 32 and (${t.mirrorRoot} is null or length(${t.mirrorRoot}) = 32)`),
    ],
  );
  /** The recent pending checkpoints of each mirrored log, so that an upload to one still lands. */
  const mirrorPending = table(
    'mirror_pending',
    {
      origin: text('origin').notNull(),
      treeSize: bigint('tree_size', { mode: 'number' }).notNull(),
      rootHash: bytea('root_hash').notNull(),
      checkpoint: text('checkpoint').notNull(),
    },
    (t) => [primaryKey({ columns: [t.origin, t.treeSize] })],
  );
  /** A mirrored log's tiles: the widest content of each, a partial tile of any size its prefix. */
  const mirrorTiles = table(
    'mirror_tiles',
    {
      origin: text('origin').notNull(),
      level: smallint('level').notNull(),
      tileIndex: bigint('tile_index', { mode: 'number' }).notNull(),
      data: bytea('data').notNull(),
    },
    (t) => [primaryKey({ columns: [t.origin, t.level, t.tileIndex] })],
  );
  /** A mirrored log's entry bundles, as many entries as are held (c2sp.org/tlog-tiles encoding). */
  const mirrorBundles = table(
    'mirror_bundles',
    {
      origin: text('origin').notNull(),
      bundleIndex: bigint('bundle_index', { mode: 'number' }).notNull(),
      entryCount: smallint('entry_count').notNull(),
      data: bytea('data').notNull(),
    },
    (t) => [primaryKey({ columns: [t.origin, t.bundleIndex] }), check('mirror_bundles_count', sql`${t.entryCount} between 1 and 256`)],
  );

  return {
    mirrorLogs,
    mirrorPending,
    mirrorTiles,
    mirrorBundles,
    logMeta,
    treeHead,
    entries,
    tiles,
    partners,
    operators,
    auditors,
    events,
    moneyRecords,
    partnerSequences,
    partnerSequenceGaps,
    entryDetails,
    detailKeys,
    erasureState,
    erasures,
    subjectTags,
    subjectCounters,
    codeLists,
    tagKeyChecks,
    previousPartnerKeys,
    witnessedCheckpoints,
    witnessState,
  };
}

/** The tables of one log: those of the public schema, or of a log's own schema. */
export type LogTables = ReturnType<typeof buildTables<string | undefined>>;

/**
 * The tables of the log whose tables live in `schema`, or in the public schema (today's log)
 * when `schema` is undefined. Every table of the log is in its schema, its indices too, so
 * one log's size never weighs on another's queries.
 */
export function logTables(schema: string | undefined): LogTables {
  if (schema === undefined || schema === 'public') return PUBLIC_TABLES;
  checkSchemaName(schema);
  return buildTables(pgSchema(schema).table as PgTableFn<string | undefined>);
}

const PUBLIC_TABLES: LogTables = buildTables(pgTable as PgTableFn<string | undefined>);

// The public schema's tables under their own names: what drizzle-kit reads, and what the
// tools and tests of a one-log database use.
export const {
  logMeta,
  treeHead,
  entries,
  tiles,
  partners,
  operators,
  auditors,
  events,
  moneyRecords,
  partnerSequences,
  partnerSequenceGaps,
  entryDetails,
  detailKeys,
  erasureState,
  erasures,
  subjectTags,
  subjectCounters,
  codeLists,
  tagKeyChecks,
  previousPartnerKeys,
  witnessedCheckpoints,
  witnessState,
  mirrorLogs,
  mirrorPending,
  mirrorTiles,
  mirrorBundles,
} = PUBLIC_TABLES;

/**
 * A log id: lowercase letters, digits and inner hyphens, at most 40 characters, so that its
 * schema name (logSchemaName) stays well under PostgreSQL's 63-byte identifier limit.
 */
export const LOG_ID = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/**
 * The PostgreSQL schema holding the tables of the log `logId`: `log_` and the id with its
 * hyphens as underscores (unambiguous, since ids hold no underscore). MALFORMED_REQUEST for
 * anything but a log id.
 */
export function logSchemaName(logId: string): string {
  if (typeof logId !== 'string' || !LOG_ID.test(logId)) {
    throw new LogError('MALFORMED_REQUEST', `${JSON.stringify(String(logId))} is not a log id: 1 to 40 lowercase letters, digits and inner hyphens`, {
      field: 'id',
      hint: 'a log id is like dwp-2026',
    });
  }
  return `log_${logId.replaceAll('-', '_')}`;
}

/**
 * A schema name this code writes into SQL: plain lowercase, not public (whose tables are
 * the unqualified ones), within PostgreSQL's identifier limit. A caller's bug otherwise.
 */
export function checkSchemaName(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema) || schema === 'public' || schema.startsWith('pg_')) {
    throw new LogError('INTERNAL', `not a log schema name: ${JSON.stringify(schema)}`);
  }
}
