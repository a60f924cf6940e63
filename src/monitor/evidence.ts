/**
 * Findings and the evidence a monitor keeps of them. An evidence object holds everything a
 * third party needs to check the finding without trusting the monitor: both signed
 * checkpoints verbatim (c2sp.org/tlog-checkpoint notes, verifiable with the log key it
 * names), the consistency proofs (RFC 9162 §2.1.4) computed and served, and the bytes that
 * failed (entry, tile, entry bundle), all base64.
 *
 * The alert sent to a webhook is built from an evidence file's name and digest only: it
 * carries references, never an entry's contents or any detail.
 */
import { encodeBase64 } from '../encoding/index.js';
import type { Hash } from '../merkle/index.js';
import type { PublicationCheck } from '../money/index.js';

/** What makes a log misbehave in the monitor's eyes; each ends the run with exit status 3. */
export type FindingKind =
  /**
   * The checkpoint carries no valid signature by the pinned log key (or a bad one), after an
   * earlier checkpoint of the log verified with that key (before, it is a configuration error).
   */
  | 'checkpoint-signature'
  /** The checkpoint is not a well-formed signed note or checkpoint. */
  | 'checkpoint-malformed'
  /** The checkpoint is smaller than the last verified one. */
  | 'rollback'
  /** Two checkpoints signed by the log key that cannot both be views of one append-only log. */
  | 'fork'
  /** The entries the log serves do not hash to its checkpoint's root. */
  | 'root-mismatch'
  /** A tile the log serves differs from the one computed from its entries. */
  | 'tile-mismatch'
  /** An entry bundle is not well formed (c2sp.org/tlog-tiles). */
  | 'entry-bundle'
  /** The consistency proof the log serves does not verify, or is not the one computed. */
  | 'consistency-proof'
  /** A typed event leaf breaks its schema or the code lists, or is not canonical. */
  | 'event-schema'
  /** A typed event's public fields look like personal data. */
  | 'personal-data'
  /** A typed event's partner signature does not verify with the partner's keys. */
  | 'event-signature'
  /** A partner sequence number used twice in the log. */
  | 'event-sequence'
  /** A code-lists record whose lists the log cannot produce, or that do not hash to it. */
  | 'code-lists'
  /** A read-only log signed a checkpoint larger than its final one (it took entries after it closed). */
  | 'after-final-checkpoint'
  /** A public-money record leaf that breaks its schema, or an amendment or key the log's intake refuses. */
  | 'money-record';

/**
 * Reported, but not a misbehaviour of the log: a partner's events may be missing; a body's
 * statement that a period is complete no longer matches the records of the period.
 */
export type WarningKind = 'sequence-gap' | 'publication-mismatch';

export interface Finding {
  readonly kind: FindingKind | WarningKind;
  readonly message: string;
  readonly leafIndex?: number;
  readonly entry?: Uint8Array;
  readonly tile?: { readonly path: string; readonly computed: Uint8Array; readonly served: Uint8Array | null };
  readonly entryBundle?: { readonly path: string; readonly data: Uint8Array };
  readonly partner?: string;
  readonly partnerSeq?: number;
  readonly field?: string;
  readonly gap?: { readonly partner: string; readonly from: number; readonly to: number; readonly firstSeen: string; readonly firstSeenTreeSize: number };
  /** The statement and the recount of its period. */
  readonly publication?: PublicationCheck;
}

export interface CheckpointEvidence {
  readonly treeSize: number | null;
  readonly rootHash: string | null;
  /** The signed note, verbatim. */
  readonly note: string | null;
}

/** The evidence file's content (JSON). */
export interface Evidence {
  readonly version: 1;
  readonly kind: FindingKind | WarningKind;
  readonly message: string;
  readonly detectedAt: string;
  readonly log: { readonly url: string | null; readonly origin: string; readonly logKey: string };
  /** The last checkpoint the monitor verified (null before the first). */
  readonly previous: CheckpointEvidence | null;
  /** The checkpoint being audited. */
  readonly checkpoint: CheckpointEvidence;
  readonly consistencyProof: {
    readonly from: number;
    readonly to: number | null;
    /** Computed by the monitor from hashes it computed and verified; null when none could be. */
    readonly computed: readonly string[] | null;
    /** Served by GET /v1/proofs/consistency; null when not offered or not fetched. */
    readonly served: readonly string[] | null;
    /** Computed from the log's own tiles, authenticated against the new checkpoint (a fork). */
    readonly fromLogTiles?: readonly string[];
  };
  readonly leafIndex?: number;
  /** The entry, base64. */
  readonly entry?: string;
  readonly tile?: { readonly path: string; readonly computed: string; readonly served: string | null };
  readonly entryBundle?: { readonly path: string; readonly data: string };
  readonly partner?: string;
  readonly partnerSeq?: number;
  readonly field?: string;
  readonly gap?: Finding['gap'];
  /** For a statement that no longer matches: what it says, what the entries hold, and the entries that changed it. */
  readonly publication?: PublicationCheck;
}

export interface EvidenceContext {
  readonly detectedAt: Date;
  readonly url: string | null;
  readonly origin: string;
  readonly logKey: string;
  readonly previous: CheckpointEvidence | null;
  readonly checkpoint: CheckpointEvidence;
  readonly proof: { readonly from: number; readonly to: number | null; readonly computed: readonly Hash[] | null; readonly served: readonly Hash[] | null; readonly fromLogTiles?: readonly Hash[] };
}

const b64list = (hashes: readonly Hash[] | null): string[] | null => (hashes === null ? null : hashes.map(encodeBase64));

export function buildEvidence(finding: Finding, context: EvidenceContext): Evidence {
  const evidence: Record<string, unknown> = {
    version: 1,
    kind: finding.kind,
    message: finding.message,
    detectedAt: context.detectedAt.toISOString(),
    log: { url: context.url, origin: context.origin, logKey: context.logKey },
    previous: context.previous,
    checkpoint: context.checkpoint,
    consistencyProof: {
      from: context.proof.from,
      to: context.proof.to,
      computed: b64list(context.proof.computed),
      served: b64list(context.proof.served),
      ...(context.proof.fromLogTiles === undefined ? {} : { fromLogTiles: b64list(context.proof.fromLogTiles) }),
    },
  };
  if (finding.leafIndex !== undefined) evidence.leafIndex = finding.leafIndex;
  if (finding.entry !== undefined) evidence.entry = encodeBase64(finding.entry);
  if (finding.tile !== undefined) {
    evidence.tile = {
      path: finding.tile.path,
      computed: encodeBase64(finding.tile.computed),
      served: finding.tile.served === null ? null : encodeBase64(finding.tile.served),
    };
  }
  if (finding.entryBundle !== undefined) evidence.entryBundle = { path: finding.entryBundle.path, data: encodeBase64(finding.entryBundle.data) };
  if (finding.partner !== undefined) evidence.partner = finding.partner;
  if (finding.partnerSeq !== undefined) evidence.partnerSeq = finding.partnerSeq;
  if (finding.field !== undefined) evidence.field = finding.field;
  if (finding.gap !== undefined) evidence.gap = finding.gap;
  if (finding.publication !== undefined) evidence.publication = finding.publication;
  return evidence as unknown as Evidence;
}

/** `<UTC timestamp>-<kind>.json`, with the timestamp safe in every file system's names. */
export function evidenceFileName(evidence: Evidence): string {
  const stamp = evidence.detectedAt.replace(/[-:]/g, '').replace(/\.(\d{3})Z$/, '.$1Z');
  return `${stamp}-${evidence.kind}.json`;
}

/** The webhook alert: references only (never entry contents, details or anything personal). */
export interface Alert {
  readonly kind: FindingKind | WarningKind;
  readonly origin: string;
  readonly previousTreeSize: number | null;
  readonly treeSize: number | null;
  readonly leafIndex: number | null;
  readonly evidence: string;
  readonly evidenceSha256: string;
}

export function alertFor(evidence: Evidence, fileName: string, sha256Hex: string): Alert {
  return {
    kind: evidence.kind,
    origin: evidence.log.origin,
    previousTreeSize: evidence.previous?.treeSize ?? null,
    treeSize: evidence.checkpoint.treeSize,
    leafIndex: evidence.leafIndex ?? null,
    evidence: fileName,
    evidenceSha256: sha256Hex,
  };
}
