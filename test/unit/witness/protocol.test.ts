import { describe, expect, test } from 'vitest';
import { EMPTY_ROOT } from '../../../src/merkle/index.js';
import { ed25519Cosigner, openNote, parseCosignatureVerifier } from '../../../src/note/index.js';
import {
  MAX_CONSISTENCY_PROOF_LINES,
  TREE_SIZE_CONTENT_TYPE,
  formatAddCheckpointRequest,
  formatCosignatureLines,
  formatTreeSizeBody,
  parseAddCheckpointRequest,
  parseCosignatureLines,
  parseTreeSizeBody,
} from '../../../src/witness/index.js';
import { expectLogError } from '../../support/errors.js';
import { TestLog } from '../../support/witness-log.js';

// The example request of c2sp.org/tlog-witness "add-checkpoint", verbatim.
const SPEC_EXAMPLE = `old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
`;

const log = new TestLog();
log.grow(13);
const checkpoint = log.checkpoint(13);
const hash = (byte: number) => new Uint8Array(32).fill(byte);

describe('add-checkpoint request body', () => {
  test("parses the spec's example", () => {
    const request = parseAddCheckpointRequest(SPEC_EXAMPLE);
    expect(request.oldSize).toBe(20852014);
    expect(request.consistencyProof.map((h) => Buffer.from(h).toString('base64'))).toEqual([
      'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=',
      'jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=',
      '5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=',
      '/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=',
    ]);
    expect(request.checkpoint).toBe(SPEC_EXAMPLE.slice(SPEC_EXAMPLE.indexOf('example.com/')));
    expect(formatAddCheckpointRequest(request)).toBe(SPEC_EXAMPLE);
  });

  test('format and parse round-trip, with 0 to 63 proof lines and sizes past 2^32', async () => {
    for (const n of [0, 1, 2, 31, MAX_CONSISTENCY_PROOF_LINES]) {
      const consistencyProof = Array.from({ length: n }, (_, i) => hash(i));
      for (const oldSize of [0, 1, 4294967296, 2 ** 53 - 1]) {
        const body = formatAddCheckpointRequest({ oldSize, consistencyProof, checkpoint });
        expect(body.startsWith(`old ${oldSize}\n`)).toBe(true);
        const parsed = parseAddCheckpointRequest(body);
        expect(parsed).toEqual({ oldSize, consistencyProof, checkpoint });
        expect(formatAddCheckpointRequest(parsed)).toBe(body);
      }
    }
    const real = await log.request(5, 13);
    expect(parseAddCheckpointRequest(real).consistencyProof).toEqual(await log.proof(5, 13));
  });

  test('an old size of 0 with no proof is "old 0", the empty line, then the note', () => {
    expect(formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [], checkpoint })).toBe(`old 0\n\n${checkpoint}`);
  });

  const good = `old 5\n${Buffer.from(hash(1)).toString('base64')}\n\n${checkpoint}`;
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const malformed: [string, string][] = [
    ['empty body', ''],
    ['no newline at all', 'old 5'],
    ['no old line', `\n${checkpoint}`],
    ['old with a leading zero', `old 05\n\n${checkpoint}`],
    ['old 00', `old 00\n\n${checkpoint}`],
    ['old negative', `old -1\n\n${checkpoint}`],
    ['old with a plus sign', `old +1\n\n${checkpoint}`],
    ['old with two spaces', `old  5\n\n${checkpoint}`],
    ['old with a trailing space', `old 5 \n\n${checkpoint}`],
    ['old as hex', `old 0x5\n\n${checkpoint}`],
    ['old past 2^53', `old 9007199254740992\n\n${checkpoint}`],
    ['upper-case Old', `Old 5\n\n${checkpoint}`],
    ['a tab instead of the space', `old\t5\n\n${checkpoint}`],
    ['CRLF line ends', `old 5\r\n\r\n${checkpoint}`],
    ['a proof line of 31 bytes', `old 5\n${b64(new Uint8Array(31))}\n\n${checkpoint}`],
    ['a proof line of 33 bytes', `old 5\n${b64(new Uint8Array(33))}\n\n${checkpoint}`],
    ['a proof line without padding', `old 5\n${b64(hash(1)).replace('=', '')}\n\n${checkpoint}`],
    ['a proof line with non-zero unused bits', `old 5\n${b64(hash(0)).slice(0, 42)}B=\n\n${checkpoint}`],
    ['a proof line in base64url', `old 5\n${b64(hash(0xfb)).replaceAll('+', '-').replaceAll('/', '_')}\n\n${checkpoint}`],
    ['a proof line with a space', `old 5\n ${b64(hash(1))}\n\n${checkpoint}`],
    ['64 proof lines', `old 5\n${`${b64(hash(1))}\n`.repeat(64)}\n${checkpoint}`],
    ['no empty line before the checkpoint', `old 5\n${checkpoint}`],
    ['no checkpoint', 'old 5\n\n'],
    ['a checkpoint without signatures', `old 5\n\n${checkpoint.slice(0, checkpoint.indexOf('\n\n') + 1)}`],
    ['a checkpoint without its final newline', `old 5\n\n${checkpoint.slice(0, -1)}`],
    ['text after the signatures', `old 5\n\n${checkpoint}junk\n`],
    ['a second empty line', `old 5\n\n\n${checkpoint}`],
    ['a note whose text is not a checkpoint', `old 5\n\nexample.com/log\n013\n${b64(hash(1))}\n\n${checkpoint.slice(checkpoint.indexOf('\n\n') + 2)}`],
    ['a control character', `old 5\n\n${checkpoint.replace('\n', '\u0007\n')}`],
  ];
  test.each(malformed)('refuses %s (MALFORMED_REQUEST)', (_, body) => {
    expect(parseAddCheckpointRequest(good).oldSize).toBe(5);
    expectLogError(() => parseAddCheckpointRequest(body), 'MALFORMED_REQUEST');
  });

  test('63 proof lines are accepted', () => {
    expect(parseAddCheckpointRequest(`old 5\n${`${b64(hash(1))}\n`.repeat(63)}\n${checkpoint}`).consistencyProof).toHaveLength(63);
  });

  test('the formatter refuses what the parser would refuse', () => {
    expectLogError(() => formatAddCheckpointRequest({ oldSize: -1, consistencyProof: [], checkpoint }), 'MALFORMED_REQUEST');
    expectLogError(() => formatAddCheckpointRequest({ oldSize: 1.5, consistencyProof: [], checkpoint }), 'MALFORMED_REQUEST');
    expectLogError(() => formatAddCheckpointRequest({ oldSize: 2 ** 53, consistencyProof: [], checkpoint }), 'MALFORMED_REQUEST');
    expectLogError(() => formatAddCheckpointRequest({ oldSize: 0, consistencyProof: Array.from({ length: 64 }, () => hash(0)), checkpoint }), 'MALFORMED_REQUEST');
    expectLogError(() => formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [new Uint8Array(31)], checkpoint }), 'MALFORMED_REQUEST');
    expectLogError(() => formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [], checkpoint: 'not a note\n' }), 'MALFORMED_REQUEST');
  });
});

describe('the 409 body (text/x.tlog.size)', () => {
  test('the content type is the one the spec names', () => {
    expect(TREE_SIZE_CONTENT_TYPE).toBe('text/x.tlog.size');
  });

  test('round-trips, also past 2^32', () => {
    for (const n of [0, 1, 20852014, 4294967296, 2 ** 53 - 1]) {
      expect(formatTreeSizeBody(n)).toBe(`${n}\n`);
      expect(parseTreeSizeBody(`${n}\n`)).toBe(n);
    }
  });

  test.each(['', '5', '\n', '05\n', '-1\n', '+1\n', ' 5\n', '5 \n', '5\n\n', '5\r\n', '1e3\n', '9007199254740992\n', 'five\n'])('refuses %j', (text) => {
    expectLogError(() => parseTreeSizeBody(text), 'MALFORMED_REQUEST');
  });
});

describe('cosignature lines (the 200 body)', () => {
  const cosigner = ed25519Cosigner('witness.example/w1', new Uint8Array(32).fill(9));
  const text = checkpoint.slice(0, checkpoint.indexOf('\n\n') + 1);

  test('format and parse round-trip, and appended to the checkpoint they open as a note', () => {
    const signature = cosigner.cosign(text, 1_700_000_000);
    const body = formatCosignatureLines([signature]);
    expect(body).toMatch(/^— witness\.example\/w1 [A-Za-z0-9+/]+=*\n$/);
    expect(parseCosignatureLines(body)).toEqual([signature]);
    const note = openNote(checkpoint + body, [parseCosignatureVerifier(cosigner.verifierKey)]);
    expect(note.verified).toEqual([signature]);
  });

  test.each(['', '\n', '— w1 AAAA\n', '- witness.example/w1 AAAAAAA=\n', '— witness.example/w1\n', `— witness.example/w1 ${'A'.repeat(8)}`, '— bad name AAAAAAAA\n'])(
    'refuses %j',
    (body) => {
      expectLogError(() => parseCosignatureLines(body), 'MALFORMED_NOTE');
    },
  );

  test('needs at least one signature to format', () => {
    expect(() => formatCosignatureLines([])).toThrow(RangeError);
  });
});

test('EMPTY_ROOT is what a size-0 checkpoint carries', () => {
  const empty = new TestLog();
  expect(empty.root(0)).toEqual(EMPTY_ROOT);
});
