/**
 * The vocabulary of a running log: what the sequencer, the read services and the
 * storage adapter pass between them. No I/O here.
 */
import type { Hash } from '../merkle/index.js';

/** Who the log is: fixed when the log is created, checked at every start. */
export interface LogMeta {
  /** The checkpoint origin; also the log key's name. */
  readonly origin: string;
  /** The log's Ed25519 verifier key text (`name+hex8+base64`). */
  readonly verifierKey: string;
}

/** The integrated tree and the checkpoint signed for it, always stored together. */
export interface TreeHead {
  readonly treeSize: number;
  readonly rootHash: Hash;
  /** The signed checkpoint note for exactly this size and root. */
  readonly checkpoint: string;
}

/** A tile of hashes as stored: its latest (widest) content; `data.length / 32` is its width. */
export interface StoredTile {
  readonly level: number;
  readonly index: number;
  readonly data: Uint8Array;
}

export interface TileId {
  readonly level: number;
  readonly index: number;
}

/** An entry as the sequencer appends it. */
export interface NewEntry {
  readonly leafIndex: number;
  readonly leafHash: Hash;
  readonly data: Uint8Array;
  /** The partner that submitted it, for accountability; null for entries the log writes itself. */
  readonly partnerId: string | null;
}

/** Everything one sequencer batch writes, computed before the transaction starts. */
export interface IntegratedBatch {
  /** Contiguous, starting at the expected head's size. */
  readonly entries: readonly NewEntry[];
  /** Every tile whose content changed, with its whole new content. */
  readonly tiles: readonly StoredTile[];
  /** The new head, its checkpoint already signed. */
  readonly head: TreeHead;
  /** What the batch's typed events add besides their entries; absent for raw entries only. */
  readonly events?: EventRows;
  /** What the batch's public-money records add besides their entries. */
  readonly money?: MoneyRows;
}

/**
 * A public-money record as the log indexes it: who recorded it, under which key (one per
 * body), with what content, and which earlier record an amendment names.
 */
export interface MoneyRecordRow {
  readonly leafIndex: number;
  readonly partnerId: string;
  /**
   * Unique per partner: an original's key (its type and identifiers, src/money/leaf.ts); an
   * amendment's `amend`, target and content hash; a withdrawal's `withdraw` and target; a
   * repayment's `repay`, target and content hash. A replay has the same one.
   */
  readonly dedupKey: string;
  /** SHA-256 of the record as submitted (its sealed values included): a replay has the same. */
  readonly contentHash: Hash;
  readonly recordType: string;
  /** The record's key: an original's own, an amendment's record's; null for a withdrawal or repayment. */
  readonly recordKey: string | null;
  /** The original an amendment, withdrawal or repayment names; null for an original. */
  readonly target: number | null;
  /** The day the record counts under (an amendment's record's day), YYYY-MM-DD; null for a withdrawal or repayment. */
  readonly recordDay: string | null;
}

/** A record as it stands: its original's index, its latest version (the original or an amendment), and its withdrawal. */
export interface StandingRecord {
  readonly original: number;
  /** The index of the version that stands: the original, or its latest amendment. */
  readonly current: number;
  /** The leaf of the current version. */
  readonly data: Uint8Array;
  readonly withdrawnBy: number | null;
  /** Every later entry about it (amendments, withdrawal, repayments), in log order. */
  readonly history: readonly number[];
}

/** Everything a batch of public-money records writes besides entries, tiles and the head. */
export interface MoneyRows {
  readonly records: readonly MoneyRecordRow[];
  /** The sealed true values of redacted records (no reveal hash: only an auditor opens them). */
  readonly details: readonly EventDetails[];
}

/** A typed event's record: who sent it, under which sequence number, about which earlier entry. */
export interface EventRecord {
  readonly leafIndex: number;
  readonly partnerId: string;
  readonly partnerSeq: number;
  /** SHA-256 of the event's canonical JSON. */
  readonly eventHash: Hash;
  readonly type: string;
  /** The entry an erasure or correction is about; null for other types. */
  readonly target: number | null;
}

/** The erasable part of a typed event. */
export interface EventDetails {
  readonly leafIndex: number;
  /** The private details, as canonical JSON text. */
  readonly details: string;
  /** The 32 random bytes r that open the event's commitment. */
  readonly opening: Uint8Array;
  /** SHA-256 of the entry's reveal token; null for events about no claimant. */
  readonly revealHash: Hash | null;
}

/** Everything a batch of typed events writes besides entries, tiles and the head, in the same commit. */
export interface EventRows {
  readonly events: readonly EventRecord[];
  readonly details: readonly EventDetails[];
  /** The subject tag of each event about a claimant. */
  readonly tags: readonly { readonly tag: Hash; readonly leafIndex: number }[];
  /** The new value of each subject-day counter the batch moved (the next j). */
  readonly counters: readonly { readonly counterKey: Hash; readonly next: number }[];
  /** Entries whose details this batch erases: deleted in the same commit. */
  readonly erasures: readonly { readonly targetIndex: number; readonly erasureIndex: number }[];
}

/** A partner's sequence numbers: the last one used, how many, and every gap below it. */
export interface PartnerSequence {
  readonly last: number | null;
  readonly count: number;
  /** Inclusive ranges of unused numbers between 1 and `last`, ascending (at most `limit`). */
  readonly gaps: readonly { readonly from: number; readonly to: number }[];
  /** True when there were more gaps than returned. */
  readonly truncated: boolean;
}

/** A version of the code lists and the log entry that recorded it. */
export interface CodeListsVersion {
  readonly sha256: Hash;
  /** The lists' canonical JSON: the bytes hashed. */
  readonly body: string;
  readonly leafIndex: number;
}

export interface Partner {
  readonly id: string;
  readonly name: string | null;
  /** The raw Ed25519 public key its typed events are signed with; null: raw entries only. */
  readonly publicKey: Uint8Array | null;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** A partner as listed: also the keys it signed with before its current one, oldest first. */
export interface ListedPartner extends Partner {
  readonly previousKeys: readonly Uint8Array[];
}

export interface Operator {
  readonly id: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** An auditor's account: the same shape as an operator's, in a table of its own. */
export type Auditor = Operator;
