/**
 * Typed events for tests: deterministic partner keys, drafts with valid default codes, and
 * the body a partner POSTs (commitment, opening and signature made as a partner makes them).
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { nodeEd25519 } from '../../src/cli/node-crypto.js';
import { DEFAULT_CODES, eventCommitment, eventSigningMessage } from '../../src/events/index.js';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** A partner's Ed25519 key pair, derived from its name so every run is the same. */
export function partnerKeyPair(name: string): { seed: Uint8Array; publicKey: Uint8Array } {
  const seed = new Uint8Array(createHash('sha256').update(`test partner key ${name}`).digest());
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  // The raw key is the last 32 bytes of its SubjectPublicKeyInfo (RFC 8410).
  return { seed, publicKey: new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32)) };
}

/** The first code of a list, or the n-th. */
export function code(list: keyof typeof DEFAULT_CODES, n = 0): string {
  const codes = Object.keys(DEFAULT_CODES[list]).filter((c) => c !== 'join' && c !== 'leave');
  return codes[n % codes.length]!;
}

export interface EventDraft {
  /** Public fields without `commitment`. */
  readonly event: Record<string, unknown>;
  readonly subject?: { scheme: string; id: string };
  readonly details: Record<string, unknown>;
  /** Defaults to 32 random bytes. */
  readonly opening?: Uint8Array;
}

/** An access event about `id` (a NINO by default) in `hour`, as partner `partner` number `seq`. */
export function accessDraft(partner: string, seq: number, hour: string, id = 'AB123456C', overrides: Record<string, unknown> = {}): EventDraft {
  return {
    event: {
      type: 'access',
      partner,
      partnerSeq: seq,
      hour,
      organisation: code('organisations'),
      system: code('systems'),
      actorRole: code('roles'),
      actor: createHash('sha256').update(`staff ${seq % 7}`).digest('hex').slice(0, 32),
      action: code('actions'),
      purpose: code('purposes'),
      legalBasis: code('legalBases'),
      categories: [code('categories')],
      ...overrides,
    },
    subject: { scheme: 'nino', id },
    details: { note: `viewed claim summary, screen ${seq}`, caseRef: `case-${seq}` },
  };
}

/** The public fields of an erasure (or, with `categories`, a correction) of entry `target`. */
export function targetingEvent(type: 'erasure' | 'correction', partner: string, seq: number, hour: string, target: number): Record<string, unknown> {
  return {
    type,
    partner,
    partnerSeq: seq,
    hour,
    organisation: code('organisations'),
    system: code('systems'),
    actorRole: code('roles'),
    actor: createHash('sha256').update(`staff ${type}`).digest('hex').slice(0, 16),
    legalBasis: code('legalBases'),
    target,
    ...(type === 'correction' ? { categories: [code('categories', 1)] } : {}),
  };
}

/**
 * The commitment a partner makes: over the subject too when it has one. A test of a bad
 * subject still gets a body to send (committed without it), for the server to refuse.
 */
function commitmentOf(opening: Uint8Array, draft: EventDraft): Uint8Array {
  try {
    return eventCommitment(opening, draft.details, draft.subject);
  } catch {
    return eventCommitment(opening, draft.details);
  }
}

/** The POST /v1/events body for a draft: commitment over the details, signature over the event. */
export function signedEvent(draft: EventDraft, origin: string, seed: Uint8Array): Record<string, unknown> {
  const opening = draft.opening ?? new Uint8Array(randomBytes(32));
  const event = { ...draft.event, commitment: b64(commitmentOf(opening, draft)) };
  const signature = nodeEd25519(seed)(eventSigningMessage(origin, event));
  return { event, signature: b64(signature), ...(draft.subject === undefined ? {} : { subject: draft.subject }), details: draft.details, opening: b64(opening) };
}
