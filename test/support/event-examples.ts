/** One valid event of each type, built fresh on each call so a test may mutate its copy. */
import { encodeBase64 } from '../../src/encoding/index.js';
import type { EventType } from '../../src/events/index.js';

/** Canonical base64 of 32 bytes. */
export const COMMITMENT = encodeBase64(Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1));
export const ACTOR = '3f2a9c0b7d4e1a65';

export function example(type: EventType): Record<string, unknown> {
  const common = { partner: 'dwp-uc', partnerSeq: 17, hour: '2026-03-01T09', organisation: 'dwp', system: 'uc-full-service' };
  switch (type) {
    case 'access':
      return {
        type,
        ...common,
        actorRole: 'work-coach',
        actor: ACTOR,
        action: 'view',
        purpose: 'claim-assessment',
        legalBasis: 'ukgdpr-6-1-e',
        categories: ['contact-details', 'income'],
        commitment: COMMITMENT,
      };
    case 'share':
      return {
        type,
        ...common,
        actorRole: 'case-manager',
        actor: ACTOR,
        recipient: 'la-housing-benefit',
        purpose: 'payment',
        legalBasis: 'welfare-reform-act-2012-s131',
        categories: ['income', 'housing', 'household'],
        commitment: COMMITMENT,
      };
    case 'erasure':
      return { type, ...common, actorRole: 'system-administrator', actor: ACTOR, legalBasis: 'ukgdpr-6-1-c', target: 41, commitment: COMMITMENT };
    case 'correction':
      return { type, ...common, actorRole: 'decision-maker', actor: ACTOR, legalBasis: 'ssaa-1992', target: 0, categories: ['bank-details'], commitment: COMMITMENT };
    case 'heartbeat':
      return { type, ...common, since: '2026-03-01T00', counts: { 'claim-assessment': 1200, payment: 0 }, commitment: COMMITMENT };
    case 'coverage':
      return { type, ...common, action: 'join', commitment: COMMITMENT };
    case 'disclosure':
      return { type, partner: 'log-operator', partnerSeq: 3, hour: '2026-03-01T09', actor: ACTOR, purpose: 'subject-access-request', legalBasis: 'ukgdpr-6-1-c', target: 41, commitment: COMMITMENT };
    case 'subject-key':
      return { type, partner: 'log-operator', partnerSeq: 4, hour: '2026-03-01T09', actor: ACTOR, purpose: 'subject-access-request', legalBasis: 'ukgdpr-6-1-c', year: '2026', commitment: COMMITMENT };
    case 'credential':
      return { type, partner: 'log-operator', partnerSeq: 5, hour: '2026-03-01T09', actor: ACTOR, action: 'issue', holder: 'partner', account: 'dwp-uc', commitment: COMMITMENT };
  }
}
