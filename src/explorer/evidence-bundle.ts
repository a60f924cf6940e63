/**
 * The evidence bundle: one JSON file a claimant downloads for an entry they do not
 * recognise, and hands to an adviser, a regulator or a court. It holds everything needed to
 * check the entry offline — the entry's bytes, its c2sp.org/tlog-proof receipt and the
 * signed checkpoint — plus the keys the browser used and a summary in words:
 *
 *   { "type": "sightline-evidence-bundle", "version": 1, "origin", "index", "entry" (base64),
 *     "receipt", "checkpoint", "logKey", "witnessKeys", "quorum", "summary", "createdAt" }
 *
 * It never holds the claimant's key, tags' derivation, reveal tokens or private details.
 * Whoever verifies a bundle must not trust its `logKey`: `sightline verify --bundle` takes
 * the log key from the command line, and the Verify page uses the key the browser pinned.
 * Pure: no DOM; the CLI parses bundles with this module too.
 */
import { decodeBase64, encodeBase64, isBytes } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { parseCheckpoint, parseCosignatureVerifier, parseNote, parseNoteVerifier } from '../note/index.js';
import { parseReceipt } from '../receipt/index.js';

export const EVIDENCE_BUNDLE_TYPE = 'sightline-evidence-bundle';
export const EVIDENCE_BUNDLE_VERSION = 1;
/** A bundle holds one entry (at most 64 KiB) and one receipt: anything near this is not a bundle. */
export const MAX_BUNDLE_BYTES = 1024 * 1024;

export interface EvidenceBundle {
  readonly type: typeof EVIDENCE_BUNDLE_TYPE;
  readonly version: typeof EVIDENCE_BUNDLE_VERSION;
  readonly origin: string;
  readonly index: number;
  /** The entry's bytes, standard base64. */
  readonly entry: string;
  /** The c2sp.org/tlog-proof receipt text. */
  readonly receipt: string;
  /** The signed checkpoint note the receipt proves against (the receipt's own, verbatim). */
  readonly checkpoint: string;
  /** The verifier key the browser used: a hint only, never to be trusted by a verifier. */
  readonly logKey: string;
  readonly witnessKeys: readonly string[];
  readonly quorum: number;
  readonly summary: string;
  readonly createdAt: string;
}

const MEMBERS = ['type', 'version', 'origin', 'index', 'entry', 'receipt', 'checkpoint', 'logKey', 'witnessKeys', 'quorum', 'summary', 'createdAt'] as const;
const ISO_INSTANT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z$/;

function refuse(message: string, field: string): LogError {
  return new LogError('MALFORMED_REQUEST', `not a valid evidence bundle: ${message}`, { field, hint: 'an evidence bundle is the JSON file the explorer downloads, sightline-evidence-<index>.json' });
}

/** The bundle's file name for an entry. */
export function evidenceFileName(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError('an entry index is a whole number from 0');
  return `sightline-evidence-${index}.json`;
}

/** Checks the parts that must agree with each other: the receipt's index and checkpoint, the checkpoint's origin, the keys' forms. */
function checkConsistent(b: Omit<EvidenceBundle, 'type' | 'version'>): void {
  let receipt;
  try {
    receipt = parseReceipt(b.receipt);
  } catch (e) {
    throw refuse(`the receipt is not a c2sp.org/tlog-proof receipt (${(e as Error).message})`, 'receipt');
  }
  if (receipt.leafIndex !== b.index) throw refuse(`the receipt is for entry ${receipt.leafIndex}, the bundle says ${b.index}`, 'index');
  if (receipt.checkpoint !== b.checkpoint) throw refuse("the checkpoint is not the receipt's checkpoint", 'checkpoint');
  let origin: string;
  try {
    origin = parseCheckpoint(parseNote(b.checkpoint).text).origin;
  } catch (e) {
    throw refuse(`the checkpoint is not a signed checkpoint (${(e as Error).message})`, 'checkpoint');
  }
  if (origin !== b.origin) throw refuse("the origin is not the checkpoint's origin", 'origin');
  try {
    parseNoteVerifier(b.logKey);
  } catch {
    throw refuse('the log key is not a verifier key', 'logKey');
  }
  b.witnessKeys.forEach((k, i) => {
    try {
      parseCosignatureVerifier(k);
    } catch {
      throw refuse(`witness key ${i + 1} is not a cosignature/v1 verifier key`, 'witnessKeys');
    }
  });
  if (!Number.isSafeInteger(b.quorum) || b.quorum < 0 || b.quorum > b.witnessKeys.length) throw refuse('the quorum is not a whole number from 0 to the number of witness keys', 'quorum');
}

export interface BundleInput {
  readonly index: number;
  readonly entry: Uint8Array;
  readonly receipt: string;
  readonly logKey: string;
  readonly witnessKeys?: readonly string[];
  readonly quorum?: number;
  readonly summary: string;
  readonly createdAt: Date;
}

/** Builds a bundle from a receipt (its checkpoint and origin are taken from it); throws when the parts disagree. */
export function buildEvidenceBundle(input: BundleInput): EvidenceBundle {
  if (!isBytes(input.entry) || input.entry.length === 0) throw new TypeError('the entry must be its bytes, not empty');
  const receipt = parseReceipt(input.receipt);
  const checkpoint = receipt.checkpoint;
  const bundle: EvidenceBundle = {
    type: EVIDENCE_BUNDLE_TYPE,
    version: EVIDENCE_BUNDLE_VERSION,
    origin: parseCheckpoint(parseNote(checkpoint).text).origin,
    index: input.index,
    entry: encodeBase64(input.entry),
    receipt: input.receipt,
    checkpoint,
    logKey: input.logKey,
    witnessKeys: [...(input.witnessKeys ?? [])],
    quorum: input.quorum ?? 0,
    summary: input.summary,
    createdAt: input.createdAt.toISOString(),
  };
  checkConsistent(bundle);
  return bundle;
}

/** The file's text: the members in the contract's order, indented, ending with a newline. */
export function evidenceBundleText(bundle: EvidenceBundle): string {
  const ordered: Record<string, unknown> = {};
  for (const m of MEMBERS) ordered[m] = bundle[m];
  return JSON.stringify(ordered, null, 2) + '\n';
}

/** Whether a file's text claims to be an evidence bundle (a JSON object of that type), so it is parsed as one. */
export function looksLikeEvidenceBundle(text: string): boolean {
  if (!/^\s*\{/.test(text)) return false;
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === EVIDENCE_BUNDLE_TYPE;
  } catch {
    return false;
  }
}

/**
 * Parses a bundle strictly: exactly the members of version 1, each of its type, the entry
 * canonical base64, and the receipt, checkpoint, index and origin agreeing with each other.
 * Returns it with the entry's bytes. Throws `LogError('MALFORMED_REQUEST')`; the bundle's
 * keys are only checked for form here — never use them as trusted keys.
 */
export function parseEvidenceBundle(text: string): EvidenceBundle & { readonly entryBytes: Uint8Array } {
  if (typeof text !== 'string') throw refuse('it is not text', 'bundle');
  if (text.length > MAX_BUNDLE_BYTES) throw refuse(`it is over ${MAX_BUNDLE_BYTES} bytes`, 'bundle');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw refuse('it is not JSON', 'bundle');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw refuse('it is not a JSON object', 'bundle');
  const o = v as Record<string, unknown>;
  if (o.type !== EVIDENCE_BUNDLE_TYPE) throw refuse(`its type is not ${EVIDENCE_BUNDLE_TYPE}`, 'type');
  if (o.version !== EVIDENCE_BUNDLE_VERSION) throw refuse(`its version is not ${EVIDENCE_BUNDLE_VERSION}`, 'version');
  for (const k of Object.keys(o)) if (!(MEMBERS as readonly string[]).includes(k)) throw refuse(`it has a member ${JSON.stringify(k.slice(0, 40))} that version 1 does not have`, k.slice(0, 40));
  for (const k of ['origin', 'entry', 'receipt', 'checkpoint', 'logKey', 'summary', 'createdAt'] as const) {
    if (typeof o[k] !== 'string') throw refuse(`${k} is not text`, k);
  }
  if (typeof o.index !== 'number' || !Number.isSafeInteger(o.index) || o.index < 0) throw refuse('index is not a whole number from 0', 'index');
  if (typeof o.quorum !== 'number' || !Number.isSafeInteger(o.quorum) || o.quorum < 0) throw refuse('quorum is not a whole number from 0', 'quorum');
  if (!Array.isArray(o.witnessKeys) || !o.witnessKeys.every((k) => typeof k === 'string')) throw refuse('witnessKeys is not a list of keys', 'witnessKeys');
  const entryBytes = decodeBase64(o.entry as string);
  if (entryBytes === undefined || entryBytes.length === 0) throw refuse('entry is not canonical base64 of the entry’s bytes', 'entry');
  if (!ISO_INSTANT.test(o.createdAt as string) || !Number.isFinite(Date.parse(o.createdAt as string))) throw refuse('createdAt is not an ISO 8601 UTC time', 'createdAt');
  const bundle: EvidenceBundle = {
    type: EVIDENCE_BUNDLE_TYPE,
    version: EVIDENCE_BUNDLE_VERSION,
    origin: o.origin as string,
    index: o.index,
    entry: o.entry as string,
    receipt: o.receipt as string,
    checkpoint: o.checkpoint as string,
    logKey: o.logKey as string,
    witnessKeys: [...(o.witnessKeys as string[])],
    quorum: o.quorum,
    summary: o.summary as string,
    createdAt: o.createdAt as string,
  };
  checkConsistent(bundle);
  return { ...bundle, entryBytes };
}

/** The summary written into a bundle: what the entry says, when and how it was checked, how to check it again. */
export function bundleSummary(input: {
  readonly index: number;
  readonly origin: string;
  readonly heading: string;
  readonly when: string;
  readonly facts: readonly (readonly [string, string])[];
  readonly verdict: string;
  readonly treeSize: number;
  readonly checkedAt: Date;
}): string {
  const lines = [
    `Record ${input.index} in the public log ${input.origin}: ${input.heading}.`,
    `When: ${input.when}.`,
    ...input.facts.map(([k, v]) => `${k}: ${v}.`),
    `The person who downloaded this file does not recognise this record.`,
    `Checked in their browser on ${input.checkedAt.toISOString()}: ${input.verdict} The receipt proves that entry ${input.index} is in the log, which then held ${input.treeSize} entries (numbered from 0).`,
    `To check it yourself, get the log's key from the operator's own website or notices (not from this file), then run: sightline verify --bundle ${evidenceFileName(input.index)} --log-key KEY`,
  ];
  return lines.join('\n');
}
