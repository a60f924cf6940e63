/**
 * The typed-event audit of Sightline logs (design.md, "Typed events and claimant privacy"
 * and "Partner accountability"): every event leaf is checked against its schema, the code
 * lists in force (named by the log's own code-lists records), the personal-data linter and
 * its partner's Ed25519 signature, and each partner's sequence numbers are followed so that
 * gaps and reuse show.
 *
 * Trust boundary: the entries, the code lists and the partner keys all come from the log
 * and are untrusted; the lists are trusted only once they hash to the record in the
 * (verified) tree, and partner keys are what the log says they are (a forged key would be
 * the partner's complaint, not the monitor's: the monitor checks the log is self-consistent).
 */
import { decodeBase64, encodeHex } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import { type MoneyAuditState, type MoneyRecord, MoneyAudit, type PublicationCheck, formatPounds, parseMoneyLeaf } from '../money/index.js';
import {
  type CodeLists,
  OPERATOR_PARTNER,
  codeListsBytes,
  eventSigningMessage,
  isOperatorType,
  parseCodeLists,
  parseEventLeaf,
  parseLogRecord,
  validateEvent,
} from '../events/index.js';
import { ed25519Verifier } from '../note/index.js';
import type { Finding } from './evidence.js';
import type { LogSource } from './source.js';
import type { CodeListsInForce, PartnerSequence, SequenceGap } from './state.js';

/** At most this many open gaps are kept per partner; the oldest go first (bounded state). */
export const MAX_GAPS_PER_PARTNER = 1000;

export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

/** RFC 8032 verification through the note layer's verifier (noble, not ZIP-215). */
export const defaultEd25519Verify: Ed25519Verify = (publicKey, message, signature) => {
  if (publicKey.length !== 32) return false;
  return ed25519Verifier('partner', publicKey).verify(message, signature);
};

export interface EventCheckOptions {
  readonly origin: string;
  readonly source: LogSource;
  readonly sha256: (data: Uint8Array) => Uint8Array;
  readonly verifyEd25519: Ed25519Verify;
  readonly now: Date;
  readonly treeSize: number;
}

interface PartnerKeys {
  readonly keys: readonly Uint8Array[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses GET /v1/partners strictly enough to use it; unknown members are ignored. */
export function parsePartners(text: string): Map<string, PartnerKeys> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('GET /v1/partners did not answer JSON');
  }
  if (!isPlainObject(parsed) || !Array.isArray(parsed.partners)) throw new Error('GET /v1/partners did not answer {"partners": [...]}');
  const out = new Map<string, PartnerKeys>();
  for (const p of parsed.partners as unknown[]) {
    if (!isPlainObject(p) || typeof p.id !== 'string') throw new Error('GET /v1/partners holds a partner without an id');
    const texts: unknown[] = [p.publicKey ?? null, ...(Array.isArray(p.previousKeys) ? (p.previousKeys as unknown[]) : [])];
    const keys: Uint8Array[] = [];
    for (const t of texts) {
      if (t === null) continue;
      const key = typeof t === 'string' ? decodeBase64(t) : undefined;
      if (key === undefined || key.length !== 32) throw new Error(`GET /v1/partners holds a key of partner ${JSON.stringify(p.id.slice(0, 63))} that is not base64 of 32 bytes`);
      keys.push(key);
    }
    out.set(p.id, { keys });
  }
  return out;
}

export interface EventChecker {
  /** Checks one entry; undefined when it holds nothing wrong (or is a raw entry). */
  check(leafIndex: number, entry: Uint8Array): Promise<Finding | undefined>;
  readonly eventsChecked: number;
  /** False once the log was found to offer no /v1/partners (not a Sightline log). */
  readonly enabled: boolean;
  readonly codes: CodeListsInForce | null;
  readonly recordsChecked: number;
  /**
   * Partner bookkeeping, with gaps open beyond the window marked reported and returned; the
   * recount, with each publication that newly stopped matching its period returned.
   */
  finish(gapWindowSeconds: number): { partners: Record<string, PartnerSequence>; gaps: Finding[]; money: MoneyAuditState; mismatches: Finding[] };
}

export function createEventChecker(
  start: { codes: CodeListsInForce | null; partners: Readonly<Record<string, PartnerSequence>>; money: MoneyAuditState },
  options: EventCheckOptions,
): EventChecker {
  let codes = start.codes;
  const partners = new Map<string, PartnerSequence>(Object.entries(start.partners));
  let keys: Map<string, PartnerKeys> | undefined | null; // undefined: not fetched; null: not offered
  let eventsChecked = 0;
  let recordsChecked = 0;
  const audit = new MoneyAudit(start.money);
  const nowIso = options.now.toISOString();

  async function partnerKeys(): Promise<Map<string, PartnerKeys> | null> {
    if (keys !== undefined) return keys;
    const text = options.source.partners === undefined ? undefined : await options.source.partners();
    keys = text === undefined ? null : parsePartners(text);
    return keys;
  }

  async function codesRecord(leafIndex: number, entry: Uint8Array, record: { sha256: string; previous: string | null }): Promise<Finding | undefined> {
    const fail = (message: string): Finding => ({ kind: 'code-lists', message, leafIndex, entry });
    const expectedPrevious = codes?.sha256 ?? null;
    if (record.previous !== expectedPrevious) {
      return fail(`the code-lists record at leaf ${leafIndex} names ${record.previous ?? 'no'} previous lists, but ${expectedPrevious ?? 'none'} were in force`);
    }
    const text = options.source.codes === undefined ? undefined : await options.source.codes(record.sha256);
    if (text === undefined) return fail(`the log does not serve the code lists ${record.sha256} that leaf ${leafIndex} records`);
    let lists: CodeLists;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!isPlainObject(parsed) || parsed.sha256 !== record.sha256) throw new Error('wrong sha256');
      lists = parseCodeLists(JSON.stringify(parsed.codes));
    } catch {
      return fail(`GET /v1/codes/${record.sha256} did not answer well-formed code lists with that hash`);
    }
    const digest = encodeHex(options.sha256(codeListsBytes(lists)));
    if (digest !== record.sha256) return fail(`the code lists served as ${record.sha256} hash to ${digest}`);
    codes = { sha256: record.sha256, leafIndex, lists };
    return undefined;
  }

  function sequence(partner: string, seq: number, leafIndex: number, entry: Uint8Array): Finding | undefined {
    const prev = partners.get(partner) ?? { highest: 0, gaps: [] };
    if (seq > prev.highest) {
      const gaps = [...prev.gaps];
      if (seq > prev.highest + 1) {
        gaps.push({ from: prev.highest + 1, to: seq - 1, firstSeen: nowIso, firstSeenTreeSize: options.treeSize, reported: false });
        if (gaps.length > MAX_GAPS_PER_PARTNER) gaps.shift();
      }
      partners.set(partner, { highest: seq, gaps });
      return undefined;
    }
    const at = prev.gaps.findIndex((g) => g.from <= seq && seq <= g.to);
    if (at < 0) {
      return { kind: 'event-sequence', message: `the log holds two events under partner ${partner}'s sequence number ${seq} (again at leaf ${leafIndex}), which its intake refuses`, leafIndex, entry, partner, partnerSeq: seq };
    }
    // The late event fills part of the gap: what stays missing keeps when it was first seen.
    const g = prev.gaps[at]!;
    const split: SequenceGap[] = [];
    if (g.from < seq) split.push({ ...g, to: seq - 1 });
    if (seq < g.to) split.push({ ...g, from: seq + 1 });
    partners.set(partner, { highest: prev.highest, gaps: [...prev.gaps.slice(0, at), ...split, ...prev.gaps.slice(at + 1)] });
    return undefined;
  }

  /**
   * A public-money record: checked as the log's intake checks it (parseMoneyLeaf validates it
   * against its schema), and added to the recount; what the intake refuses is the log's doing.
   */
  function money(leafIndex: number, entry: Uint8Array): Finding | undefined {
    let record: MoneyRecord | undefined;
    try {
      record = parseMoneyLeaf(entry);
    } catch (e) {
      if (!isLogError(e)) throw e;
      const kind = e.cause instanceof LogError && e.cause.code === 'PERSONAL_DATA' ? 'personal-data' : 'money-record';
      return { kind, message: `leaf ${leafIndex}: ${e.message}`, leafIndex, entry, field: e.field };
    }
    if (record === undefined) return undefined;
    recordsChecked++;
    const before = audit.findings.length;
    audit.add(leafIndex, record);
    const found = audit.findings[before];
    return found === undefined ? undefined : { kind: 'money-record', message: `${found.message}, which the log's intake refuses`, leafIndex, entry };
  }

  return {
    get recordsChecked() {
      return recordsChecked;
    },
    get eventsChecked() {
      return eventsChecked;
    },
    get enabled() {
      return keys !== null;
    },
    get codes() {
      return codes;
    },
    async check(leafIndex, entry) {
      const record = parseLogRecord(entry);
      let leaf: ReturnType<typeof parseEventLeaf>;
      let malformed: Finding | undefined;
      if (record === undefined) {
        try {
          leaf = parseEventLeaf(entry);
        } catch (e) {
          if (!isLogError(e)) throw e;
          malformed = { kind: 'event-schema', message: `leaf ${leafIndex}: ${e.message}`, leafIndex, entry, field: e.field };
        }
        if (leaf === undefined && malformed === undefined) return money(leafIndex, entry); // a record, or a raw entry: audited for the tree only
      }
      if ((await partnerKeys()) === null) return undefined;
      // A successor record is the log's link to the log after it: nothing to check against the codes.
      if (record !== undefined) return record.record === 'codes' ? codesRecord(leafIndex, entry, record) : undefined;
      if (malformed !== undefined) return malformed;
      eventsChecked++;
      const { event, signature } = leaf!;
      if (codes === null) {
        return { kind: 'event-schema', message: `leaf ${leafIndex} is a typed event but no code-lists record precedes it`, leafIndex, entry };
      }
      try {
        validateEvent(event, codes.lists);
      } catch (e) {
        if (!isLogError(e)) throw e;
        // The messages name the field and what is wrong, never the value (src/events/validate.ts).
        const kind = e.code === 'PERSONAL_DATA' ? 'personal-data' : 'event-schema';
        return { kind, message: `leaf ${leafIndex}: ${e.message}`, leafIndex, entry, field: e.field };
      }
      const partner = event.partner;
      // Only the log records the operator's own acts, as the operator, and the operator records
      // nothing else (src/intake/event-intake.ts): a leaf otherwise is the log's doing.
      if (isOperatorType(event.type) !== (partner === OPERATOR_PARTNER)) {
        return { kind: 'event-schema', message: `leaf ${leafIndex}: a ${event.type} event by partner ${partner}, which the log's intake refuses`, leafIndex, entry, field: 'event.type' };
      }
      const message = eventSigningMessage(options.origin, event);
      const candidates = keys!.get(partner)?.keys ?? [];
      if (!candidates.some((k) => options.verifyEd25519(k, message, signature))) {
        const why = candidates.length === 0 ? 'the log lists no key for its partner' : "no key of its partner verifies the signature";
        // Only the log's intake makes typed leaves, and it checks the signature first: a leaf
        // that fails here is the log's doing, whoever it names.
        return { kind: 'event-signature', message: `leaf ${leafIndex}: the log holds it as partner ${partner}'s event (sequence number ${event.partnerSeq}), but ${why}`, leafIndex, entry, partner, partnerSeq: event.partnerSeq };
      }
      return sequence(partner, event.partnerSeq, leafIndex, entry);
    },
    finish(gapWindowSeconds) {
      const gaps: Finding[] = [];
      const out: Record<string, PartnerSequence> = {};
      for (const [partner, p] of [...partners.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        out[partner] = {
          highest: p.highest,
          gaps: p.gaps.map((g) => {
            // Measured from when the monitor first saw the gap (the time it verified that checkpoint).
            if (g.reported || options.now.getTime() - Date.parse(g.firstSeen) <= gapWindowSeconds * 1000) return g;
            gaps.push({
              kind: 'sequence-gap',
              message: `partner ${partner} sequence numbers ${g.from === g.to ? g.from : `${g.from} to ${g.to}`} are missing since ${g.firstSeen} (tree size ${g.firstSeenTreeSize})`,
              partner,
              gap: { partner, from: g.from, to: g.to, firstSeen: g.firstSeen, firstSeenTreeSize: g.firstSeenTreeSize },
            });
            return { ...g, reported: true };
          }),
        };
      }
      const mismatches = audit.newMismatches().map((c): Finding => ({ kind: 'publication-mismatch', message: mismatchMessage(c), leafIndex: c.leafIndex, publication: c }));
      return { partners: out, gaps, money: audit.state(), mismatches };
    },
  };
}

function describeTotals(totals: Readonly<Record<string, string>>): string {
  const parts = Object.entries(totals).map(([c, t]) => (c === 'GBP' ? formatPounds(BigInt(t)) : `${t} ${c} minor units`));
  return parts.length === 0 ? 'no amounts' : parts.join(' + ');
}

/** A statement that no longer matches its period, for a person: what it says, what the entries say, what changed it. */
function mismatchMessage(c: PublicationCheck): string {
  const late = c.lateEntries.length === 0 ? '' : `; changed since by ${c.lateEntries.length === 1 ? 'entry' : 'entries'} ${c.lateEntries.slice(0, 10).join(', ')}${c.lateEntries.length > 10 ? ', …' : ''}`;
  return `the statement at entry ${c.leafIndex} that ${c.body}'s ${c.recordType} records from ${c.periodStart} to ${c.periodEnd} are complete says ${c.declared.count} (${describeTotals(c.declared.totals)}), but the log holds ${c.found.count} (${describeTotals(c.found.totals)})${late}`;
}
