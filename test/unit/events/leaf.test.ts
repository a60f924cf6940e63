/**
 * The bytes of typed events, each recomputed independently here (node:crypto, literal
 * canonical JSON written by hand): the commitment, the signing message, the leaf and the
 * code-lists record; and the strict parsers' refusals.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { generateKey } from '../../../src/note/index.js';
import { encodeBase64, encodeHex } from '../../../src/encoding/index.js';
import {
  EVENT_TYPES,
  type SightlineEvent,
  encodeCodeListsRecord,
  encodeSuccessorRecord,
  leafKind,
  encodeEventLeaf,
  eventCommitment,
  eventSigningMessage,
  hasSubject,
  isOperatorType,
  subjectTagRule,
  parseEventLeaf,
  parseLogRecord,
} from '../../../src/events/index.js';
import { expectLogError } from '../../support/errors.js';
import { ACTOR, COMMITMENT, example } from '../../support/event-examples.js';

const enc = new TextEncoder();
const bytes = (text: string) => new Uint8Array(enc.encode(text));
const OPENING = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
const SIGNATURE = Uint8Array.from({ length: 64 }, (_, i) => i);
const TAG = 'ab'.repeat(32);

/** The example access event's canonical JSON, members sorted by hand. */
const ACCESS_JSON =
  `{"action":"view","actor":"${ACTOR}","actorRole":"work-coach","categories":["contact-details","income"],"commitment":"${COMMITMENT}",` +
  `"hour":"2026-03-01T09","legalBasis":"ukgdpr-6-1-e","organisation":"dwp","partner":"dwp-uc","partnerSeq":17,"purpose":"claim-assessment",` +
  `"system":"uc-full-service","type":"access"}`;

describe('eventCommitment', () => {
  test('is SHA-256("sightline/v1/commit\\n" ‖ opening ‖ canonical details), as node:crypto computes it', () => {
    const details = { subject: 'AB123456C', note: 'Looked up “rent” €', amounts: [1.5, 1e21, -0], nested: { z: null, a: true } };
    const canonical = '{"amounts":[1.5,1e+21,0],"nested":{"a":true,"z":null},"note":"Looked up “rent” €","subject":"AB123456C"}';
    const expected = createHash('sha256').update('sightline/v1/commit\n').update(OPENING).update(canonical, 'utf8').digest();
    expect(encodeHex(eventCommitment(OPENING, details))).toBe(expected.toString('hex'));
  });

  test('binds the opening and every detail', () => {
    const c = eventCommitment(OPENING, { a: 1 });
    expect(eventCommitment(OPENING, { a: 2 })).not.toEqual(c);
    expect(eventCommitment(new Uint8Array(randomBytes(32)), { a: 1 })).not.toEqual(c);
    expect(eventCommitment(OPENING, { a: 1 })).toEqual(c);
  });

  test('refuses an opening that is not 32 bytes', () => {
    for (const n of [0, 31, 33]) expect(expectLogError(() => eventCommitment(new Uint8Array(n), {}), 'COMMITMENT_MISMATCH').field).toBe('opening');
    expect(() => eventCommitment('x'.repeat(32) as unknown as Uint8Array, {})).toThrow(TypeError);
  });

  test('refuses details that are not I-JSON, naming the path inside details', () => {
    expect(expectLogError(() => eventCommitment(OPENING, { a: { b: Number.NaN } }), 'MALFORMED_REQUEST').field).toBe('details.a.b');
    expect(expectLogError(() => eventCommitment(OPENING, [1, undefined]), 'MALFORMED_REQUEST').field).toBe('details[1]');
    expect(expectLogError(() => eventCommitment(OPENING, undefined), 'MALFORMED_REQUEST').field).toBe('details');
  });
});

describe('eventSigningMessage', () => {
  test('is "sightline/v1/event\\n" ‖ origin ‖ "\\n" ‖ canonical event, in UTF-8', () => {
    const origin = 'sightline.example/log';
    const message = eventSigningMessage(origin, example('access'));
    expect(message).toEqual(bytes(`sightline/v1/event\n${origin}\n${ACCESS_JSON}`));
    expect(Buffer.from(message).equals(Buffer.from(`sightline/v1/event\n${origin}\n${ACCESS_JSON}`, 'utf8'))).toBe(true);
  });

  test('does not depend on member order, and binds the origin', () => {
    const event = example('heartbeat');
    const reversed = Object.fromEntries(Object.entries(event).reverse());
    expect(eventSigningMessage('o', reversed)).toEqual(eventSigningMessage('o', event));
    expect(eventSigningMessage('p', event)).not.toEqual(eventSigningMessage('o', event));
  });

  test('refuses an origin that would make the framing ambiguous', () => {
    expect(() => eventSigningMessage('a\nb', {})).toThrow(TypeError);
    expect(() => eventSigningMessage('', {})).toThrow(TypeError);
  });
});

describe('hasSubject', () => {
  test('access, share, erasure, correction and subject-key concern a named claimant; the others do not', () => {
    expect(EVENT_TYPES.filter(hasSubject)).toEqual(['access', 'share', 'erasure', 'correction', 'subject-key']);
  });

  test('a subject tag: always for those, optional for a disclosure (present when the entry read has a claimant), never for the rest', () => {
    expect(Object.fromEntries(EVENT_TYPES.map((t) => [t, subjectTagRule(t)]))).toEqual({
      access: 'always',
      share: 'always',
      erasure: 'always',
      correction: 'always',
      'subject-key': 'always',
      disclosure: 'optional',
      heartbeat: 'never',
      coverage: 'never',
      credential: 'never',
    });
  });

  test('only the log operator records its own acts', () => {
    expect(EVENT_TYPES.filter(isOperatorType)).toEqual(['disclosure', 'subject-key', 'credential']);
  });
});

describe('event leaves', () => {
  const leafOf = (type: (typeof EVENT_TYPES)[number]) => {
    const event = example(type) as SightlineEvent;
    return hasSubject(type) ? { event, signature: SIGNATURE, subjectTag: TAG } : { event, signature: SIGNATURE };
  };

  test('the leaf is the canonical JSON of { v, event, signature, subjectTag }', () => {
    const leaf = encodeEventLeaf(leafOf('access'));
    expect(new TextDecoder().decode(leaf)).toBe(`{"event":${ACCESS_JSON},"signature":"${encodeBase64(SIGNATURE)}","subjectTag":"${TAG}","v":1}`);
    const heartbeat = new TextDecoder().decode(encodeEventLeaf(leafOf('heartbeat')));
    expect(heartbeat).not.toContain('subjectTag');
    expect(heartbeat.endsWith(`"signature":"${encodeBase64(SIGNATURE)}","v":1}`)).toBe(true);
  });

  test.each(EVENT_TYPES.map((t) => [t]))('a %s leaf round-trips', (type) => {
    const leaf = leafOf(type);
    const parsed = parseEventLeaf(encodeEventLeaf(leaf));
    expect(parsed).toEqual(leaf);
    expect(parsed!.signature).toBeInstanceOf(Uint8Array);
    expect('subjectTag' in parsed!).toBe(hasSubject(type));
  });

  test('encodeEventLeaf refuses a bad signature or a subject tag where it does not belong', () => {
    const event = example('access') as SightlineEvent;
    expect(() => encodeEventLeaf({ event, signature: new Uint8Array(63), subjectTag: TAG })).toThrow(TypeError);
    expect(() => encodeEventLeaf({ event, signature: SIGNATURE })).toThrow(TypeError);
    expect(() => encodeEventLeaf({ event, signature: SIGNATURE, subjectTag: TAG.toUpperCase() })).toThrow(TypeError);
    expect(() => encodeEventLeaf({ event: example('coverage') as SightlineEvent, signature: SIGNATURE, subjectTag: TAG })).toThrow(TypeError);
  });

  test('data that is no event leaf is undefined', () => {
    const record = encodeCodeListsRecord({ sha256: 'cd'.repeat(32), previous: null });
    for (const data of [
      new Uint8Array(0),
      new Uint8Array([0xff, 0xfe, 0x00]),
      bytes('hello'),
      bytes('[1,2]'),
      bytes('null'),
      bytes('{"v":2,"event":{}}'),
      bytes('{"v":1}'),
      bytes('{"event":{"type":"access"}}'),
      record,
      new Uint8Array(randomBytes(100)),
    ]) {
      expect(parseEventLeaf(data)).toBeUndefined();
    }
  });

  test('an event leaf that is not exactly canonical, or not well formed, is INVALID_EVENT', () => {
    const good = new TextDecoder().decode(encodeEventLeaf(leafOf('access')));
    const sig = encodeBase64(SIGNATURE);
    const variants = [
      good.replace('{"event":', '{ "event":'), // whitespace
      `${good}\n`,
      good.replace('"v":1}', '"v":1.0}'), // another spelling of 1
      good.replace('"partnerSeq":17', '"partnerSeq":1.7e1'),
      good.replace('"dwp-uc"', '"dwp\\u002duc"'), // an escape JCS does not use
      `{"v":1,${good.slice(1, -7)}}`, // members out of order
      good.replace(`"subjectTag":"${TAG}",`, ''), // an access leaf without its tag
      good.replace(`"subjectTag":"${TAG}"`, `"subjectTag":"${TAG.toUpperCase()}"`),
      good.replace(`"subjectTag":"${TAG}"`, `"subjectTag":"${TAG.slice(2)}"`),
      good.replace(`"signature":"${sig}"`, `"signature":"${encodeBase64(SIGNATURE.slice(1))}"`),
      good.replace(`"signature":"${sig}"`, `"signature":"${sig.slice(0, -2)}B="`), // non-canonical base64
      good.replace(`"signature":"${sig}"`, '"signature":7'),
      good.replace('"v":1}', '"v":1,"x":0}'),
      good.replace('"type":"access"', '"type":"rumour"'),
      good.replace('"type":"access"', '"type":"access","x":"\\ud800"'),
      `{"event":[],"signature":"${sig}","v":1}`,
    ];
    for (const text of variants) {
      expect(text, 'the variant must differ').not.toBe(good);
      const e = expectLogError(() => parseEventLeaf(bytes(text)), 'INVALID_EVENT');
      expect(e.field).toBe('leaf');
    }
    const heartbeat = new TextDecoder().decode(encodeEventLeaf(leafOf('heartbeat')));
    expectLogError(() => parseEventLeaf(bytes(heartbeat.replace('"v":1}', `"subjectTag":"${TAG}","v":1}`))), 'INVALID_EVENT');
  });

  test('the event is returned as stored, not validated: monitors judge it themselves', () => {
    const event = Object.assign(example('access'), { organisation: 'not-a-known-code' }) as unknown as SightlineEvent;
    expect(parseEventLeaf(encodeEventLeaf({ event, signature: SIGNATURE, subjectTag: TAG }))!.event).toEqual(event);
  });
});

describe('the code-lists record', () => {
  const sha256 = createHash('sha256').update('lists').digest('hex');
  const previous = createHash('sha256').update('older lists').digest('hex');

  test('is canonicalJson({ v: 1, record: "codes", sha256, previous }) and round-trips', () => {
    expect(new TextDecoder().decode(encodeCodeListsRecord({ sha256, previous: null }))).toBe(`{"previous":null,"record":"codes","sha256":"${sha256}","v":1}`);
    for (const prev of [null, previous]) {
      expect(parseLogRecord(encodeCodeListsRecord({ sha256, previous: prev }))).toEqual({ record: 'codes', sha256, previous: prev });
    }
  });

  test('encodeCodeListsRecord refuses digests that are not lowercase hex SHA-256', () => {
    expect(() => encodeCodeListsRecord({ sha256: sha256.toUpperCase(), previous: null })).toThrow(TypeError);
    expect(() => encodeCodeListsRecord({ sha256, previous: sha256.slice(2) })).toThrow(TypeError);
  });

  test('anything else is undefined: event leaves, other records, non-canonical bytes', () => {
    const good = new TextDecoder().decode(encodeCodeListsRecord({ sha256, previous }));
    for (const text of [
      good.replace('{', '{ '),
      good.replace('"v":1', '"v":2'),
      good.replace('"codes"', '"keys"'),
      good.replace(`"previous":"${previous}",`, ''),
      good.replace(`"previous":"${previous}"`, '"previous":7'),
      good.replace(sha256, sha256.toUpperCase()),
      good.replace('"v":1}', '"v":1,"x":0}'),
      'not json',
    ]) {
      expect(parseLogRecord(bytes(text)), text).toBeUndefined();
    }
    expect(parseLogRecord(encodeEventLeaf({ event: example('coverage') as SightlineEvent, signature: SIGNATURE }))).toBeUndefined();
  });
});

describe("the successor record: a closing log's link to the log after it", () => {
  const origin = 'log.example.gov.uk/dwp/2027';
  const vkey = `${origin}+0123abcd+AQ${'B'.repeat(42)}`;
  const start = '2027-01-01T00:00:00Z';

  test('is canonicalJson({ v: 1, record: "successor", origin, vkey, start }), round-trips, and is the log’s own (never a partner’s) entry', () => {
    const encoded = encodeSuccessorRecord({ origin, vkey, start });
    expect(new TextDecoder().decode(encoded)).toBe(`{"origin":"${origin}","record":"successor","start":"${start}","v":1,"vkey":"${vkey}"}`);
    expect(parseLogRecord(encoded)).toEqual({ record: 'successor', origin, vkey, start });
    expect(leafKind(encoded)).toBe('record');
    // Every key the log's own key generator makes is of the form it takes.
    for (let i = 0; i < 20; i++) expect(parseLogRecord(encodeSuccessorRecord({ origin, vkey: generateKey(origin).verifierKey, start }))?.record).toBe('successor');
  });

  test('refuses a key of another origin, an origin over two lines, a start that is not a UTC second', () => {
    expect(() => encodeSuccessorRecord({ origin, vkey: vkey.replace('2027', '2028'), start })).toThrow(TypeError);
    expect(() => encodeSuccessorRecord({ origin: `${origin}\nx`, vkey: `${origin}\nx+0123abcd+AQ${'B'.repeat(42)}`, start })).toThrow(TypeError);
    for (const bad of ['2027-01-01', '2027-01-01T00:00:00.000Z', '2027-01-01T00:00:00+01:00']) expect(() => encodeSuccessorRecord({ origin, vkey, start: bad })).toThrow(TypeError);
  });

  test('any other form of it is not a record', () => {
    const good = new TextDecoder().decode(encodeSuccessorRecord({ origin, vkey, start }));
    for (const text of [good.replace('{', '{ '), good.replace('"v":1', '"v":2'), good.replace(`,"vkey":"${vkey}"`, ''), good.replace('}', ',"extra":1}'), good.replace(start, '2027-01-01T00:00:00.5Z')]) {
      expect(parseLogRecord(bytes(text)), text).toBeUndefined();
    }
  });
});
