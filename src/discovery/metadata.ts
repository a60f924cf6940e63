/**
 * The documents from which monitors, witnesses, mirrors and claimants discover a service's
 * logs, in the shape of the operator-published log metadata that CT log operators serve
 * (an operator list naming each log's metadata document, and one metadata document per
 * log: the `operator-list-v1` and `log-metadata-v1` shapes), for logs of the tlog-tiles
 * kind. Pure: the caller says what each log is; nothing here reads a clock or a store.
 *
 * Field names follow those documents (`log_id`, `key`, `friendly_name`, `log_type`,
 * `temporal_interval`, `submission_endpoint`, `monitoring_endpoint`, `final_tree_head`), so
 * tools made for them read ours. What a signed-note log needs besides is added under names
 * of its own: `log_spec` (`tlog-tiles`), `origin`, `vkey` (the note verifier key clients
 * pin), `final_checkpoint` (the signed final checkpoint, once read-only), `record_schemas`
 * and `successor`.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, encodeBase64 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { SIGNATURE_TYPE_ED25519, parseVerifierKey } from '../note/index.js';

/** A log's lifecycle: taking entries, read-only for ever after its final checkpoint, or gone. */
export type LogState = 'active' | 'readonly' | 'retired';

/** What the service knows of one of its logs. */
export interface LogDescription {
  /** The service's short name for the log, used in its URL prefix (`dwp-2026`). */
  readonly id: string;
  /** A human-readable name ("Department for Work and Pensions, 2026"). */
  readonly name: string;
  readonly origin: string;
  /** The log's Ed25519 note verifier key. */
  readonly vkey: string;
  /** Where partners submit (the log's JSON API prefix) and where tlog-tiles clients read. */
  readonly submissionUrl: string;
  readonly monitoringUrl: string;
  /** The period whose entries the log takes: `start` inclusive, `end` exclusive. */
  readonly interval?: { readonly start: Date; readonly end: Date };
  readonly state: LogState;
  readonly stateSince: Date;
  /** The signed checkpoint the log ended with, once it is read-only. */
  readonly finalCheckpoint?: { readonly treeSize: number; readonly rootHash: Uint8Array; readonly text: string };
  /** The longest a submission waits for a checkpoint, in seconds. */
  readonly mmdSeconds: number;
  /** The record schemas (JSON Schema URLs) of the typed entries the log carries. */
  readonly recordSchemas: readonly string[];
  /** The id of the log that takes this one's entries after its interval, when announced. */
  readonly successor?: string;
  readonly intendedUse?: 'production' | 'pre-production' | 'test';
}

export interface OperatorDescription {
  readonly name: string;
  /** Addresses to reach the operator (e-mail or URL). */
  readonly contact: readonly string[];
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): SEQUENCE, AlgorithmIdentifier 1.3.101.112, BIT STRING. */
const ED25519_SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/**
 * The log's key as the metadata documents carry keys: base64 of its DER SubjectPublicKeyInfo,
 * and its id, the base64 SHA-256 of those DER bytes (as a CT log id is made).
 */
export function logKeyIds(vkey: string): { key: string; logId: string } {
  const parsed = parseVerifierKey(vkey);
  if (parsed.type !== SIGNATURE_TYPE_ED25519) throw new LogError('MALFORMED_KEY', 'a log key is an Ed25519 (0x01) key', { field: 'vkey' });
  const spki = concatBytes([ED25519_SPKI_PREFIX, parsed.publicKey]);
  return { key: encodeBase64(spki), logId: encodeBase64(sha256(spki)) };
}

const iso = (d: Date): string => d.toISOString().replace(/\.000Z$/, 'Z');

/** The `log-metadata-v1`-shaped document of one log. */
export function logMetadata(log: LogDescription, software?: { name: string; version?: string }): Record<string, unknown> {
  const { key, logId } = logKeyIds(log.vkey);
  // Submission stops when the log is read-only; its tiles are served for ever.
  const endpoint = (url: string, active: boolean) => ({ url, status: active ? 'active' : 'inactive', status_timestamp: iso(log.stateSince) });
  const doc: Record<string, unknown> = {
    log_id: logId,
    key,
    friendly_name: log.name,
    log_type: 'tiled',
    log_spec: 'tlog-tiles',
    origin: log.origin,
    vkey: log.vkey,
    mmd_seconds: log.mmdSeconds,
    intended_use: log.state === 'retired' ? 'retired' : (log.intendedUse ?? 'production'),
    state: log.state,
    state_timestamp: iso(log.stateSince),
    submission_endpoint: endpoint(log.submissionUrl, log.state === 'active'),
    monitoring_endpoint: endpoint(log.monitoringUrl, log.state !== 'retired'),
    record_schemas: [...log.recordSchemas],
  };
  if (log.interval !== undefined) doc.temporal_interval = { start_inclusive: iso(log.interval.start), end_exclusive: iso(log.interval.end) };
  if (log.finalCheckpoint !== undefined) {
    doc.final_tree_head = { sha256_root_hash: encodeBase64(log.finalCheckpoint.rootHash), tree_size: log.finalCheckpoint.treeSize };
    doc.final_checkpoint = log.finalCheckpoint.text;
  }
  if (log.successor !== undefined) doc.successor = log.successor;
  if (software !== undefined) doc.log_software = software;
  return doc;
}

/** The `operator-list-v1`-shaped document: the operator and a link to each log's metadata. */
export function operatorList(operator: OperatorDescription, logs: readonly { log: LogDescription; metadataUrl: string }[], lastUpdated: Date): Record<string, unknown> {
  return {
    operator_name: operator.name,
    email: [...operator.contact],
    last_updated: iso(lastUpdated),
    logs: logs.map(({ log, metadataUrl }) => ({ friendly_name: log.name, log_id: logKeyIds(log.vkey).logId, metadata_url: metadataUrl })),
  };
}
