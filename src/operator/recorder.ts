/**
 * The log operator's own acts on the record (issue 14: "the watchers are watched"). Reading
 * an entry's private details with an operator token, issuing a claimant's subject key, and
 * giving or taking an account's credentials are each appended to the log, before they take
 * effect, as a typed event signed by the operator's own key: the operator is a partner of its
 * own (OPERATOR_PARTNER), published at /v1/partners like any other, so monitors check its
 * events as they check every partner's, and a claimant sees them in their own timeline.
 *
 * The events go through the same intake as every partner's (schema, code lists, linter,
 * signature, commitment), so nothing the operator records is less checked than what a
 * partner records. Who acted is a pseudonym: a keyed hash of the account id.
 *
 * Pure: no I/O of its own; the caller hands over the intake, the sequencer and the clock.
 */
import { concatBytes, encodeBase64, encodeHex, utf8 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { OPERATOR_PARTNER, type SubjectRef, eventCommitment, eventSigningMessage } from '../events/index.js';
import type { EventSubmission } from '../sequencer/index.js';
import type { HmacSha256 } from '../subject/index.js';

/** The operator's event-signing key, derived from the log key (see operatorKeySeed). */
export interface OperatorKey {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
  /** The secret the operator's pseudonyms are keyed with. */
  readonly pseudonymKey: Uint8Array;
}

const SEED_LABEL = 'sightline/v1/operator-event-key';
const PSEUDONYM_KEY_LABEL = utf8('sightline/v1/operator-pseudonym-key\n');
const PSEUDONYM_LABEL = 'sightline/v1/operator-pseudonym\n';

/**
 * The operator's event-signing seed: SHA-256 of a label and the log key's own Ed25519
 * signature of that label. Ed25519 signatures are deterministic (RFC 8032 §5.1.6), so every
 * server holding the log key derives the same operator key with no key file of its own, and
 * nobody without the log key can: the operator's events are as much the operator's as its
 * checkpoints. The label ends without a newline, so no signed note (whose text ends with one,
 * c2sp.org/signed-note) ever has that signature: it is never published.
 */
export function operatorKeySeed(logKeySign: (message: Uint8Array) => Uint8Array, sha256: (data: Uint8Array) => Uint8Array): Uint8Array {
  return sha256(concatBytes([utf8(`${SEED_LABEL}\n`), logKeySign(utf8(SEED_LABEL))]));
}

/** The key of pseudonyms for the operator's accounts, from the operator's seed. */
export function pseudonymKey(seed: Uint8Array, sha256: (data: Uint8Array) => Uint8Array): Uint8Array {
  return sha256(concatBytes([PSEUDONYM_KEY_LABEL, seed]));
}

/** Whose pseudonyms the log records acts under: its operators, auditors and local administrators. */
export type AccountKind = 'operator' | 'auditor' | 'admin';

/**
 * An account's pseudonym: 32 hex digits of HMAC(pseudonymKey, label ‖ kind ‖ ":" ‖ id). It
 * is the same for every act of one account, so a pattern of reads shows; and it names no
 * one, so an operator's staff are not published by name (their ids may well be names).
 */
export function pseudonym(key: OperatorKey, hmac: HmacSha256, kind: AccountKind, id: string): string {
  return encodeHex(hmac(key.pseudonymKey, utf8(`${PSEUDONYM_LABEL}${kind}:${id}`))).slice(0, 32);
}

export interface OperatorRecorderDeps {
  readonly origin: string;
  readonly key: OperatorKey;
  /** The intake every partner's events go through. */
  prepare(body: unknown, partner: { id: string; publicKey: Uint8Array }): Promise<EventSubmission>;
  /** Appends a prepared event and resolves once it is committed. */
  submit(submission: EventSubmission): Promise<{ readonly leafIndex: number }>;
  /** The operator's last sequence number in the log (0 for none). */
  lastSequence(): Promise<number>;
  randomBytes(n: number): Uint8Array;
  now(): Date;
}

/** An event of the operator's, before its partner, number, hour and commitment are added. */
export type OperatorAct =
  | { readonly type: 'disclosure'; readonly actor: string; readonly purpose: string; readonly legalBasis: string; readonly target: number }
  | { readonly type: 'subject-key'; readonly actor: string; readonly purpose: string; readonly legalBasis: string; readonly year: string; readonly subject: SubjectRef }
  | { readonly type: 'credential'; readonly actor: string; readonly action: 'issue' | 'revoke' | 'set-key'; readonly holder: 'partner' | 'operator' | 'auditor'; readonly account: string; readonly details?: Record<string, unknown> };

export interface OperatorRecorder {
  /** Appends the act as the operator's signed event; resolves with its index once committed. */
  record(act: OperatorAct): Promise<number>;
}

/** Attempts at a sequence number another server of the log took first. */
const MAX_ATTEMPTS = 8;

export function createOperatorRecorder(deps: OperatorRecorderDeps): OperatorRecorder {
  const partner = { id: OPERATOR_PARTNER, publicKey: deps.key.publicKey };
  let next: number | undefined;
  // One act at a time, so that the numbers this server uses have no gaps and no reuse.
  let queue: Promise<unknown> = Promise.resolve();

  async function append(act: OperatorAct): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      next ??= (await deps.lastSequence()) + 1;
      const partnerSeq = next;
      const opening = deps.randomBytes(32);
      // The public fields go into the event; the subject and the details only into its commitment.
      const { subject, details, ...fields } = act as OperatorAct & { readonly subject?: SubjectRef; readonly details?: Record<string, unknown> };
      const privateDetails = details ?? {};
      const event = {
        ...fields,
        partner: OPERATOR_PARTNER,
        partnerSeq,
        hour: deps.now().toISOString().slice(0, 13),
        commitment: encodeBase64(eventCommitment(opening, privateDetails, subject)),
      };
      const body = {
        event,
        signature: encodeBase64(deps.key.sign(eventSigningMessage(deps.origin, event))),
        ...(subject === undefined ? {} : { subject }),
        details: privateDetails,
        opening: encodeBase64(opening),
      };
      try {
        const { leafIndex } = await deps.submit(await deps.prepare(body, partner));
        next = partnerSeq + 1;
        return leafIndex;
      } catch (e) {
        // Another server of the log used the number first: read the last one again.
        next = undefined;
        if (!(e instanceof LogError && e.code === 'SEQUENCE_CONFLICT') || attempt >= MAX_ATTEMPTS) throw e;
      }
    }
  }

  return {
    record(act) {
      const done = queue.then(() => append(act));
      queue = done.catch(() => undefined);
      return done;
    },
  };
}
