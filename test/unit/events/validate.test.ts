/**
 * validateEvent: a valid event of each type passes unchanged; every departure from the
 * published schema, the code lists or the calendar is refused with the right code, naming
 * the field and never quoting the value; personal data is caught in any public field.
 */
import { describe, expect, test } from 'vitest';
import { encodeBase64 } from '../../../src/encoding/index.js';
import { type CodeLists, DEFAULT_CODES, EVENT_TYPES, type EventType, validateEvent } from '../../../src/events/index.js';
import type { LogErrorCode } from '../../../src/errors.js';
import { expectLogError } from '../../support/errors.js';
import { ACTOR, COMMITMENT, example } from '../../support/event-examples.js';

const MAX = Number.MAX_SAFE_INTEGER;

function refused(event: unknown, code: LogErrorCode, field: string, value?: string, codes: CodeLists = DEFAULT_CODES): string {
  const e = expectLogError(() => validateEvent(event, codes), code);
  expect(e.field, e.message).toBe(field);
  expect(e.hint).toBeTruthy();
  if (value !== undefined && value.length > 0) expect(e.message).not.toContain(value);
  return e.message;
}

function withField(type: EventType, name: string, value: unknown): Record<string, unknown> {
  return { ...example(type), [name]: value };
}

const fieldsOf = (type: EventType) => Object.keys(example(type)).filter((f) => f !== 'type');

describe('valid events', () => {
  test.each(EVENT_TYPES.map((t) => [t]))('a %s event passes, returned as it was', (type) => {
    const event = example(type);
    const text = JSON.stringify(event);
    expect(validateEvent(event, DEFAULT_CODES)).toBe(event);
    expect(JSON.stringify(event)).toBe(text);
  });

  test('one parsed from JSON text passes, and so do the bounds of each range', () => {
    expect(validateEvent(JSON.parse(JSON.stringify(example('access'))), DEFAULT_CODES).type).toBe('access');
    validateEvent(withField('access', 'partnerSeq', 1), DEFAULT_CODES);
    validateEvent(withField('access', 'partnerSeq', MAX), DEFAULT_CODES);
    validateEvent(withField('erasure', 'target', 0), DEFAULT_CODES);
    validateEvent(withField('erasure', 'target', MAX), DEFAULT_CODES);
    validateEvent(withField('heartbeat', 'counts', {}), DEFAULT_CODES);
    validateEvent(withField('heartbeat', 'counts', { payment: MAX, appeal: 0 }), DEFAULT_CODES);
    validateEvent(withField('heartbeat', 'since', '2026-03-01T09'), DEFAULT_CODES);
    validateEvent(withField('access', 'categories', Object.keys(DEFAULT_CODES.categories).slice(0, 16)), DEFAULT_CODES);
    validateEvent(withField('access', 'hour', '2024-02-29T23'), DEFAULT_CODES);
    validateEvent(withField('access', 'partner', 'a'.repeat(63)), DEFAULT_CODES);
    validateEvent(withField('access', 'actor', 'f'.repeat(64)), DEFAULT_CODES);
    validateEvent(withField('coverage', 'action', 'leave'), DEFAULT_CODES);
  });

  test('hour, since, commitment and actor are not linted: their patterns are strict', () => {
    // Sixteen hex digits that begin with what would look like a date of birth anywhere else.
    validateEvent(withField('access', 'actor', '19850312abcdef01'), DEFAULT_CODES);
    validateEvent(withField('access', 'commitment', encodeBase64(new TextEncoder().encode('07700900123 ab123456c 1985-03-12'))), DEFAULT_CODES);
  });
});

describe('not an event', () => {
  test.each([null, [], 'access', 42, true, new Map(), new Date(0)].map((v) => [v]))('%j is refused, naming event.type', (value) => {
    refused(value, 'INVALID_EVENT', 'event.type');
  });

  test.each([undefined, 'delete', 'Access', 5, ['access']].map((t) => [t]))('type %j is refused, naming event.type', (type) => {
    const event = { ...example('access'), type };
    if (type === undefined) delete event.type;
    refused(event, 'INVALID_EVENT', 'event.type', typeof type === 'string' ? type : undefined);
  });
});

describe.each(EVENT_TYPES.map((t) => [t]))('a %s event', (type) => {
  test.each(fieldsOf(type).map((f) => [f]))('without %s is refused, naming it', (field) => {
    const event = example(type);
    delete event[field];
    expect(refused(event, 'INVALID_EVENT', `event.${field}`)).toContain('required');
  });

  test('with a field its type does not have is refused, naming it', () => {
    refused(withField(type, 'extra', 'x'), 'INVALID_EVENT', 'event.extra');
    refused(withField(type, 'subject', 'claimant-ref'), 'INVALID_EVENT', 'event.subject', 'claimant-ref');
    if (!fieldsOf(type).includes('target')) refused(withField(type, 'target', 3), 'INVALID_EVENT', 'event.target');
    if (type !== 'share') refused(withField(type, 'recipient', 'hmrc'), 'INVALID_EVENT', 'event.recipient');
  });

  test.each(fieldsOf(type).map((f) => [f]))('with %s of the wrong JSON type is refused, naming it', (field) => {
    const sample = example(type)[field];
    const wrong: unknown[] =
      typeof sample === 'string' ? [42, true, null, {}, [sample]] : typeof sample === 'number' ? [String(sample), null, [sample], true] : Array.isArray(sample) ? [sample[0], {}, null, 3] : [[], 'payment', null, 5];
    for (const value of wrong) refused(withField(type, field, value), 'INVALID_EVENT', `event.${field}`);
  });

  test('with a bad hour is refused, naming event.hour', () => {
    for (const hour of ['2026-02-30T10', '2025-02-29T00', '2026-04-31T10', '2026-01-01T24', '2026-01-01T10:00', '2026-01-01T10:00:00Z', '2026-13-01T10', '2026-1-01T10', '2026-01-01 10', '2026-01-01t10', '2026-01-01', '']) {
      refused(withField(type, 'hour', hour), 'INVALID_EVENT', 'event.hour', hour);
    }
  });

  test('with a commitment that is not canonical base64 of 32 bytes is refused, naming event.commitment', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = COMMITMENT[42]!;
    // The same bytes with the two unused bits set: decodes, but is not the canonical form.
    const nonCanonical = COMMITMENT.slice(0, 42) + alphabet[alphabet.indexOf(last) + 1] + '=';
    for (const commitment of [
      nonCanonical,
      encodeBase64(new Uint8Array(31).fill(9)),
      encodeBase64(new Uint8Array(33).fill(9)),
      encodeBase64(new Uint8Array(0)),
      COMMITMENT.slice(0, 43),
      `${COMMITMENT}\n`,
      COMMITMENT.replace(/\+/g, '-').replace(/\//g, '_').replace(/^./, '-'),
      'ab'.repeat(32),
    ]) {
      refused(withField(type, 'commitment', commitment), 'INVALID_EVENT', 'event.commitment', commitment);
    }
  });

  test('with a partner id or sequence number out of its range is refused, naming it', () => {
    for (const partner of ['DWP', '-dwp', '.dwp', 'd'.repeat(64), 'dwp uc', '']) refused(withField(type, 'partner', partner), 'INVALID_EVENT', 'event.partner', partner);
    for (const seq of [0, -1, 1.5, MAX + 1, 2 ** 64]) refused(withField(type, 'partnerSeq', seq), 'INVALID_EVENT', 'event.partnerSeq');
  });

  // Every code field of the type: the operator's own events have purposes and legal bases, not organisations.
  const codeField = fieldsOf(type).includes('organisation') ? 'organisation' : fieldsOf(type).includes('purpose') ? 'purpose' : undefined;
  const otherCodeField = fieldsOf(type).includes('system') ? 'system' : fieldsOf(type).includes('legalBasis') ? 'legalBasis' : undefined;

  test('with a code that is not a code is refused before the code lists are looked at', () => {
    if (codeField === undefined) return; // a credential event has no code field
    for (const value of ['DWP', 'dwp--uc', 'dwp_uc', 'a'.repeat(41)]) refused(withField(type, codeField, value), 'INVALID_EVENT', `event.${codeField}`, value);
  });

  test('with a code from no list, or from another list, is refused as UNKNOWN_CODE, naming it', () => {
    if (codeField === undefined || otherCodeField === undefined) return;
    for (const value of ['not-in-any-list', 'view', 'constructor', 'to-string', 'hmrc-x']) {
      refused(withField(type, codeField, value), 'UNKNOWN_CODE', `event.${codeField}`);
      refused(withField(type, otherCodeField, value), 'UNKNOWN_CODE', `event.${otherCodeField}`);
    }
  });
});

describe('fields of some types', () => {
  const actorTypes = ['access', 'share', 'erasure', 'correction'] as const;

  test.each(actorTypes.map((t) => [t]))('a %s event refuses an actor that is not a lowercase hex pseudonym', (type) => {
    for (const actor of ['ABCDEF0123456789', ACTOR.slice(0, 15), 'a'.repeat(65), 'g'.repeat(16), 'Jane Smith', `${ACTOR} `, 'staff-00123']) {
      refused(withField(type, 'actor', actor), 'INVALID_EVENT', 'event.actor', actor);
    }
  });

  test.each(actorTypes.map((t) => [t]))('a %s event refuses unknown roles and legal bases as UNKNOWN_CODE', (type) => {
    refused(withField(type, 'actorRole', 'wizard'), 'UNKNOWN_CODE', 'event.actorRole');
    refused(withField(type, 'legalBasis', 'ukgdpr-6-1-z'), 'UNKNOWN_CODE', 'event.legalBasis');
  });

  test('access refuses join and leave as an action, and unknown actions and purposes', () => {
    for (const action of ['join', 'leave']) expect(refused(withField('access', 'action', action), 'INVALID_EVENT', 'event.action')).toContain('must not be');
    refused(withField('access', 'action', 'delete'), 'UNKNOWN_CODE', 'event.action');
    refused(withField('access', 'purpose', 'curiosity'), 'UNKNOWN_CODE', 'event.purpose');
    refused(withField('share', 'purpose', 'curiosity'), 'UNKNOWN_CODE', 'event.purpose');
  });

  test('coverage takes only join or leave, checked by its schema, not the code lists', () => {
    for (const action of ['view', 'joined', 'JOIN']) refused(withField('coverage', 'action', action), 'INVALID_EVENT', 'event.action');
    const noCoverageCodes = { ...DEFAULT_CODES, actions: { view: 'Viewed a record' } };
    expect(validateEvent(example('coverage'), noCoverageCodes).type).toBe('coverage');
  });

  test('share refuses an unknown recipient as UNKNOWN_CODE', () => {
    refused(withField('share', 'recipient', 'a-journalist'), 'UNKNOWN_CODE', 'event.recipient');
  });

  test.each(['access', 'share', 'correction'].map((t) => [t as EventType]))('%s checks categories: count, uniqueness, form and code list', (type) => {
    refused(withField(type, 'categories', []), 'INVALID_EVENT', 'event.categories');
    refused(withField(type, 'categories', Object.keys(DEFAULT_CODES.categories).slice(0, 17)), 'INVALID_EVENT', 'event.categories');
    refused(withField(type, 'categories', ['income', 'health', 'income']), 'INVALID_EVENT', 'event.categories[2]');
    refused(withField(type, 'categories', ['income', 'Health']), 'INVALID_EVENT', 'event.categories[1]');
    refused(withField(type, 'categories', ['income', 7]), 'INVALID_EVENT', 'event.categories[1]');
    refused(withField(type, 'categories', ['income', 'shoe-size']), 'UNKNOWN_CODE', 'event.categories[1]');
    refused(withField(type, 'categories', ['valueOf']), 'INVALID_EVENT', 'event.categories[0]');
    refused(withField(type, 'categories', ['constructor']), 'UNKNOWN_CODE', 'event.categories[0]');
  });

  test.each(['erasure', 'correction'].map((t) => [t as EventType]))('%s refuses a target out of range', (type) => {
    for (const target of [-1, 0.5, MAX + 1, 2 ** 63]) refused(withField(type, 'target', target), 'INVALID_EVENT', 'event.target');
  });

  test('heartbeat checks since and counts', () => {
    refused(withField('heartbeat', 'since', '2026-03-01T10'), 'INVALID_EVENT', 'event.since');
    refused(withField('heartbeat', 'since', '2026-02-29T00'), 'INVALID_EVENT', 'event.since');
    refused(withField('heartbeat', 'since', '2026-03-01'), 'INVALID_EVENT', 'event.since');
    refused(withField('heartbeat', 'counts', { payment: -1 }), 'INVALID_EVENT', 'event.counts.payment');
    refused(withField('heartbeat', 'counts', { payment: 1.5 }), 'INVALID_EVENT', 'event.counts.payment');
    refused(withField('heartbeat', 'counts', { payment: MAX + 1 }), 'INVALID_EVENT', 'event.counts.payment');
    refused(withField('heartbeat', 'counts', { payment: '3' }), 'INVALID_EVENT', 'event.counts.payment');
    refused(withField('heartbeat', 'counts', { Payment: 3 }), 'INVALID_EVENT', 'event.counts.Payment');
    refused(withField('heartbeat', 'counts', JSON.parse('{"__proto__": 3}')), 'INVALID_EVENT', 'event.counts.__proto__');
    refused(withField('heartbeat', 'counts', { payment: 1, 'some-code': 2 }), 'UNKNOWN_CODE', 'event.counts.some-code');
    refused(withField('heartbeat', 'counts', { constructor: 2 }), 'UNKNOWN_CODE', 'event.counts.constructor');
    refused(withField('heartbeat', 'counts', { view: 2 }), 'UNKNOWN_CODE', 'event.counts.view');
  });

  test('code lists other than the defaults are what is checked', () => {
    const codes: CodeLists = { ...DEFAULT_CODES, organisations: { 'local-council': 'A local council' } };
    refused(example('access'), 'UNKNOWN_CODE', 'event.organisation', undefined, codes);
    expect(validateEvent({ ...example('access'), organisation: 'local-council' }, codes).organisation).toBe('local-council');
  });
});

describe('personal data in a public field', () => {
  const KINDS: readonly (readonly [string, string])[] = [
    ['a National Insurance number', 'ab123456c'],
    ['an e-mail address', 'jane@example.org'],
    ['a phone number', '07700900123'],
    ['a UK postcode', 'sw1a-1aa'],
    ['a date of birth', '1985-03-12'],
    ['a personal name', 'jane-smith'],
  ];
  const PLACES: readonly (readonly [EventType, string, (value: string) => Record<string, unknown>])[] = [
    ['access', 'event.organisation', (v) => withField('access', 'organisation', v)],
    ['access', 'event.purpose', (v) => withField('access', 'purpose', v)],
    ['access', 'event.categories[1]', (v) => withField('access', 'categories', ['income', v])],
    ['share', 'event.recipient', (v) => withField('share', 'recipient', v)],
    ['erasure', 'event.partner', (v) => withField('erasure', 'partner', v)],
    ['coverage', 'event.action', (v) => withField('coverage', 'action', v)],
    ['heartbeat', 'event.note', (v) => withField('heartbeat', 'note', v)],
    ['correction', 'event.extra.deep[1]', (v) => withField('correction', 'extra', { deep: ['fine', v] })],
    // A member name that is personal data is reported on the object holding it, not echoed in the field.
    ['heartbeat', 'event.counts', (v) => withField('heartbeat', 'counts', { payment: 1, [v]: 2 })],
    ['access', 'event', (v) => withField('access', v, 'x')],
  ];

  for (const [kind, value] of KINDS) {
    test.each(PLACES.map(([type, field, make]) => [type, field, make] as const))(`${kind} in a %s event at %s is PERSONAL_DATA`, (_, field, make) => {
      const message = refused(make(value), 'PERSONAL_DATA', field, value);
      expect(message).toContain(kind);
    });
  }

  test('is reported as such even where the schema would refuse the value too', () => {
    refused(withField('access', 'actorRole', 'Mrs Patel'), 'PERSONAL_DATA', 'event.actorRole', 'Mrs Patel');
    refused(withField('access', 'partnerSeq', 'AB 12 34 56 C'), 'PERSONAL_DATA', 'event.partnerSeq', 'AB 12 34 56 C');
  });
});

describe('the order of the checks', () => {
  test('schema before code lists, code lists before the calendar', () => {
    const event = Object.assign(example('access'), { organisation: 'nowhere', hour: '2026-02-30T10' }) as Record<string, unknown>;
    refused(event, 'UNKNOWN_CODE', 'event.organisation');
    delete event.purpose;
    refused(event, 'INVALID_EVENT', 'event.purpose');
  });

  test('nesting deeper than any event field is refused without walking it all', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const e = expectLogError(() => validateEvent(withField('access', 'extra', deep), DEFAULT_CODES), 'INVALID_EVENT');
    expect(e.field).toMatch(/^event\.extra(\[0\])+$/);
  });
});

describe('disguises', () => {
  test('the actor is linted as the text its hex spells: a National Insurance number in hex is PERSONAL_DATA', () => {
    const hex = Buffer.from('AB123456', 'latin1').toString('hex');
    refused(withField('access', 'actor', hex), 'PERSONAL_DATA', 'event.actor', hex);
    // A keyed hash, random bytes, is a pseudonym as before.
    expect(validateEvent(withField('access', 'actor', ACTOR), DEFAULT_CODES)).toBeDefined();
  });

  test('a public value or member name not in normal form is refused, naming the field', () => {
    refused(withField('access', 'system', 'uc-full\u200b-service'), 'INVALID_EVENT', 'event.system');
    refused(withField('access', 'organisation', 'ｄｗｐ'), 'INVALID_EVENT', 'event.organisation');
    refused({ ...example('access'), ['pur\u00adpose']: 'x' }, 'INVALID_EVENT', 'event');
  });

  test('personal data in disguise is PERSONAL_DATA, not merely malformed', () => {
    for (const value of ['AB.12.34.56.C', 'A\u200bB123456C', 'АВ123456С', 'SW1A  1AA', '01_02_1980', 'February 1980', '07OO 9OO123', 'Јаnе Smith']) {
      refused(withField('access', 'organisation', value), 'PERSONAL_DATA', 'event.organisation', value);
    }
  });
});
