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
}

export interface Partner {
  readonly id: string;
  readonly name: string | null;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}
