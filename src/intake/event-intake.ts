/**
 * Turning a partner's POST /v1/events body into an `EventSubmission` for the sequencer:
 * every check that needs no database (schema, code lists, personal-data linter, the
 * partner's signature, the commitment's opening), and the subject's day key, from which
 * the sequencer's `build(j)` derives the entry's tag and reveal token.
 *
 * Trust boundary: everything in `body` is untrusted. The subject id is personal data: it
 * is used here to derive K_day and then dropped; no message, log line or stored row ever
 * holds it. `details` and `opening` go only to the erasable store.
 */
import { canonicalJson, decodeBase64, encodeHex, utf8 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import {
  type CodeLists,
  OPERATOR_PARTNER,
  type SubjectRef,
  encodeEventLeaf,
  eventCommitment,
  eventSigningMessage,
  hasSubject,
  isOperatorType,
  parseEventLeaf,
  validateEvent,
} from '../events/index.js';
import type { Hash } from '../merkle/index.js';
import type { EventSubmission } from '../sequencer/index.js';
import { type HmacSha256, SUBJECT_SCHEMES, type SubjectScheme, counterKey, dayKeyForHour, disclosureKey, normalizeSubjectId, revealToken, subjectTag } from '../subject/index.js';

/** The most bytes of canonical JSON `details` may take. */
export const MAX_DETAILS_BYTES = 16 * 1024;

/** The members a POST /v1/events body may have. */
const BODY_MEMBERS = new Set(['event', 'signature', 'subject', 'details', 'opening']);

/** An event's hour may run ahead of the server's clock by at most this (clock skew). */
const MAX_HOURS_AHEAD = 1;

export interface IntakeContext {
  /** The log's origin: signed over, so an event cannot be replayed into another log. */
  readonly origin: string;
  readonly codes: () => CodeLists;
  /** The secret subject-tag key of a calendar year. */
  readonly yearKey: (year: string) => Promise<Uint8Array>;
  /** Ed25519 verification with a raw 32-byte public key. */
  readonly verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
  readonly sha256: (data: Uint8Array) => Hash;
  /** HMAC-SHA256 for the subject-tag chain; the core's by default, a server may pass a native one. */
  readonly hmacSha256?: HmacSha256;
  readonly now?: () => Date;
  /** Where an erasure's or a correction's target is read, to check it is about the same claimant. */
  readonly targets?: TargetReader;
}

/** Committed entries, as an erasure's or a correction's subject check reads them. */
export interface TargetReader {
  /** The bytes of committed entry `index`, or undefined when the log has no such entry yet. */
  leaf(index: number): Promise<Uint8Array | undefined>;
  /** How many entries the subject of the day with this counter key has (its next j). */
  count(counterKey: Uint8Array): Promise<number>;
  /**
   * The stored reveal hash of entry `index` (SHA-256 of its reveal token): null when the
   * entry has no claimant or its details are gone, undefined when it is not a typed event.
   */
  revealHash(index: number): Promise<Uint8Array | null | undefined>;
}

/**
 * The most tags tried when matching a target's subject: a subject's entries of one day,
 * far above any real day (a claimant's records accessed thousands of times in a day would
 * be an incident of its own), so that one event costs the server bounded work.
 */
const MAX_SUBJECT_ENTRIES_PER_DAY = 100_000;

/** The authenticated partner: its id and the key its events must be signed with. */
export interface SubmittingPartner {
  readonly id: string;
  readonly publicKey: Uint8Array | null;
}

function malformed(message: string, field: string, hint: string): LogError {
  return new LogError('MALFORMED_REQUEST', message, { field, hint });
}

/** Exact base64 of exactly `size` bytes. */
function base64Field(value: unknown, size: number, field: string): Uint8Array {
  const bytes = typeof value === 'string' ? decodeBase64(value) : undefined;
  if (bytes === undefined || bytes.length !== size) throw malformed(`${field} must be the standard base64 of exactly ${size} bytes`, field, 'padded base64 (RFC 4648 section 4), no line breaks');
  return bytes;
}

/** The `subject` member of an event about a claimant, checked (the id in its normal form is checked by the commitment). */
function subjectOf(value: unknown, type: string): SubjectRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`a ${type} event needs subject`, 'subject', 'send {"scheme": "nino" | "customer-ref", "id": "…"}');
  }
  const { scheme, id, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw malformed('subject has members other than scheme and id', 'subject', 'send {"scheme", "id"} only');
  if (typeof scheme !== 'string' || !(SUBJECT_SCHEMES as readonly string[]).includes(scheme)) {
    throw malformed(`subject.scheme must be one of ${SUBJECT_SCHEMES.join(', ')}`, 'subject.scheme', 'nino for a National Insurance number, customer-ref for a DWP customer reference');
  }
  if (typeof id !== 'string') throw malformed('subject.id must be a string', 'subject.id', 'the claimant identifier in the chosen scheme');
  normalizeSubjectId(scheme, id); // refuses an id that is not one, naming subject.id
  return { scheme, id };
}

/**
 * An erasure or a correction must be about the claimant its target is about: otherwise a
 * partner could erase or correct one person's record with an event filed under another's
 * tags. The target's tag is tag_j of the target's day for some j below that day's count,
 * so the subject given here matches exactly when one of those tags is the target's.
 *
 * Checked only for a committed target of the same partner (the sequencer refuses any
 * other), so that the check cannot tell a partner anything about another partner's
 * entries: what an entry of its own is about, the partner knows already.
 */
async function checkTargetSubject(
  event: { readonly target?: number; readonly type: string },
  partnerId: string,
  dayKeyFor: (hour: string) => Promise<Uint8Array>,
  targets: TargetReader,
  hmacSha256: HmacSha256 | undefined,
): Promise<void> {
  const target = event.target!;
  const data = await targets.leaf(target);
  if (data === undefined) return; // not committed: the sequencer refuses it, naming the target
  let leaf: ReturnType<typeof parseEventLeaf>;
  try {
    leaf = parseEventLeaf(data);
  } catch {
    return; // not a well-formed typed leaf: the sequencer refuses the target
  }
  if (leaf === undefined || leaf.event.partner !== partnerId || leaf.subjectTag === undefined || typeof leaf.event.hour !== 'string') return;
  const targetDay = await dayKeyFor(leaf.event.hour);
  const count = Math.min(await targets.count(counterKey(targetDay)), MAX_SUBJECT_ENTRIES_PER_DAY);
  for (let j = 0; j < count; j++) {
    if (encodeHex(subjectTag(targetDay, j, hmacSha256)) === leaf.subjectTag) return;
  }
  throw new LogError('SUBJECT_MISMATCH', `the subject of this ${event.type} is not the subject of entry ${target}`, {
    field: 'subject',
    hint: `an ${event.type === 'erasure' ? 'erasure' : 'correction'} names the same claimant as the entry it targets: send the subject that entry was recorded with`,
  });
}

export async function prepareEvent(body: unknown, partner: SubmittingPartner, ctx: IntakeContext): Promise<EventSubmission> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw malformed('the body must be a JSON object', 'body', 'send {"event", "signature", "subject", "details", "opening"}');
  }
  const input = body as Record<string, unknown>;
  for (const name of Object.keys(input)) {
    if (!BODY_MEMBERS.has(name)) throw malformed(`unknown member ${JSON.stringify(name.slice(0, 40))}`, name, 'the members are event, signature, subject, details and opening');
  }
  const event = validateEvent(input.event, ctx.codes());
  if (event.partner !== partner.id) {
    throw new LogError('FORBIDDEN', `the event names partner ${event.partner}, but the bearer token is partner ${partner.id}'s`, {
      field: 'event.partner',
      hint: 'a partner records only its own events: set event.partner to your partner id',
    });
  }
  // The operator's own acts are recorded only by the log, as the operator: no partner can
  // pose as the operator reading details, and the operator records nothing else.
  if (isOperatorType(event.type) !== (partner.id === OPERATOR_PARTNER)) {
    throw new LogError('FORBIDDEN', isOperatorType(event.type) ? `only the log records ${event.type} events, as ${OPERATOR_PARTNER}` : `${OPERATOR_PARTNER} records only the operator's own acts`, {
      field: 'event.type',
      hint: 'partners record access, share, erasure, correction, heartbeat and coverage events',
    });
  }
  if (partner.publicKey === null) {
    throw new LogError('FORBIDDEN', `partner ${partner.id} has no event-signing key registered`, {
      field: 'signature',
      hint: 'the operator registers one with "sightline partner set-key ID --public-key KEY"',
    });
  }
  const now = (ctx.now ?? (() => new Date()))();
  const hourMs = Date.UTC(Number(event.hour.slice(0, 4)), Number(event.hour.slice(5, 7)) - 1, Number(event.hour.slice(8, 10)), Number(event.hour.slice(11, 13)));
  if (hourMs > now.getTime() + MAX_HOURS_AHEAD * 3_600_000) {
    throw new LogError('INVALID_EVENT', 'event.hour is in the future', { field: 'event.hour', hint: "the UTC hour the access happened, YYYY-MM-DDTHH; check the sender's clock" });
  }

  // Authenticity first: the partner's signature over the canonical event, bound to this log.
  const signature = base64Field(input.signature, 64, 'signature');
  if (!ctx.verify(partner.publicKey, eventSigningMessage(ctx.origin, event), signature)) {
    throw new LogError('BAD_EVENT_SIGNATURE', `the signature does not verify with partner ${partner.id}'s registered key`, {
      field: 'signature',
      hint: `sign "sightline/v1/event\\n" + origin + "\\n" + the RFC 8785 canonical JSON of event, with origin ${JSON.stringify(ctx.origin)}`,
    });
  }

  // The subject: it is committed to inside the signed event, and only its day key (and the
  // target check below) use it after this.
  let subject: SubjectRef | undefined;
  if (hasSubject(event.type)) {
    subject = subjectOf(input.subject, event.type);
  } else if (input.subject !== undefined) {
    throw malformed(`a ${event.type} event concerns no claimant: leave out subject`, 'subject', 'only access, share, erasure and correction events have a subject');
  }

  // The commitment must open: what the erasable store keeps is what the leaf commits to,
  // and for an event about a claimant the partner's signature covers who it is about.
  const opening = base64Field(input.opening, 32, 'opening');
  const details = input.details;
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    throw malformed('details must be a JSON object', 'details', 'the private details of the access, as a JSON object');
  }
  const detailsJson = canonicalJson(details); // throws naming the member path for what JCS cannot encode
  if (utf8(detailsJson).length > MAX_DETAILS_BYTES) {
    throw new LogError('ENTRY_TOO_LARGE', `details take more than ${MAX_DETAILS_BYTES} bytes as canonical JSON`, { field: 'details', hint: 'keep details to what a claimant needs to recognise the access' });
  }
  const commitment = decodeBase64(event.commitment)!; // validateEvent checked it is 32 bytes
  if (encodeHex(eventCommitment(opening, details, subject)) !== encodeHex(commitment)) {
    throw new LogError('COMMITMENT_MISMATCH', `details${subject === undefined ? '' : ', subject'} and opening do not open event.commitment`, {
      field: 'details',
      hint:
        subject === undefined
          ? 'commitment = SHA-256("sightline/v1/commit\\n" + opening + RFC 8785 canonical JSON of details)'
          : 'commitment = SHA-256("sightline/v1/commit-subject\\n" + opening + scheme + "\\n" + normalised id + "\\n" + RFC 8785 canonical JSON of details)',
    });
  }

  let dayKey: Uint8Array | undefined;
  if (subject !== undefined) {
    const hmacSha256 = ctx.hmacSha256;
    const keyOf = async (hour: string) => dayKeyForHour(await ctx.yearKey(hour.slice(0, 4)), subject.scheme as SubjectScheme, subject.id, hour, hmacSha256);
    dayKey = await keyOf(event.hour);
    if (event.target !== undefined && ctx.targets !== undefined) await checkTargetSubject(event, partner.id, keyOf, ctx.targets, hmacSha256);
  } else if (event.type === 'disclosure' && ctx.targets !== undefined) {
    // A read of a claimant's entry is filed under the tags of that entry's K_disclosures, so
    // the claimant finds it beneath the entry; a read of an entry about no claimant has none.
    const revealHash = await ctx.targets.revealHash(event.target!);
    if (revealHash !== null && revealHash !== undefined) dayKey = disclosureKey(revealHash, ctx.hmacSha256);
  }

  const eventJson = canonicalJson(event);
  return {
    partnerId: partner.id,
    partnerSeq: event.partnerSeq,
    eventHash: ctx.sha256(utf8(eventJson)),
    type: event.type,
    target: event.target ?? null,
    erases: event.type === 'erasure',
    details: detailsJson,
    opening,
    counterKey: dayKey === undefined ? undefined : counterKey(dayKey),
    size: eventJson.length + detailsJson.length + 256,
    build(j) {
      if (dayKey === undefined || j === undefined) return { leaf: encodeEventLeaf({ event, signature }) };
      const tag = subjectTag(dayKey, j, ctx.hmacSha256);
      return { leaf: encodeEventLeaf({ event, signature, subjectTag: encodeHex(tag) }), tag, revealHash: ctx.sha256(revealToken(dayKey, j, ctx.hmacSha256)) };
    },
  };
}
