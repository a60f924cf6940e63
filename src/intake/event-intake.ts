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
import { type CodeLists, encodeEventLeaf, eventCommitment, eventSigningMessage, hasSubject, validateEvent } from '../events/index.js';
import type { Hash } from '../merkle/index.js';
import type { EventSubmission } from '../sequencer/index.js';
import { type HmacSha256, SUBJECT_SCHEMES, type SubjectScheme, counterKey, dayKeyForHour, revealToken, subjectTag } from '../subject/index.js';

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
}

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

  // The commitment must open: what the erasable store keeps is what the leaf commits to.
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
  if (encodeHex(eventCommitment(opening, details)) !== encodeHex(commitment)) {
    throw new LogError('COMMITMENT_MISMATCH', 'details and opening do not open event.commitment', {
      field: 'details',
      hint: 'commitment = SHA-256("sightline/v1/commit\\n" + opening + RFC 8785 canonical JSON of details)',
    });
  }

  // The subject: only its day key leaves this function.
  let dayKey: Uint8Array | undefined;
  if (hasSubject(event.type)) {
    const subject = input.subject;
    if (typeof subject !== 'object' || subject === null || Array.isArray(subject)) {
      throw malformed(`a ${event.type} event needs subject`, 'subject', 'send {"scheme": "nino" | "customer-ref", "id": "…"}');
    }
    const { scheme, id, ...rest } = subject as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw malformed('subject has members other than scheme and id', 'subject', 'send {"scheme", "id"} only');
    if (typeof scheme !== 'string' || !(SUBJECT_SCHEMES as readonly string[]).includes(scheme)) {
      throw malformed(`subject.scheme must be one of ${SUBJECT_SCHEMES.join(', ')}`, 'subject.scheme', 'nino for a National Insurance number, customer-ref for a DWP customer reference');
    }
    if (typeof id !== 'string') throw malformed('subject.id must be a string', 'subject.id', 'the claimant identifier in the chosen scheme');
    dayKey = dayKeyForHour(await ctx.yearKey(event.hour.slice(0, 4)), scheme as SubjectScheme, id, event.hour, ctx.hmacSha256);
  } else if (input.subject !== undefined) {
    throw malformed(`a ${event.type} event concerns no claimant: leave out subject`, 'subject', 'only access, share, erasure and correction events have a subject');
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
