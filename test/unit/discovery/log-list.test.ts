/**
 * The witness network's `logs/v0` list: what we write is what the format says, and what we
 * read from an untrusted server is held to the format strictly, naming the line at fault.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatLogList, parseLogList, MAX_LOG_LIST_BYTES } from '../../../src/discovery/index.js';
import { generateKey } from '../../../src/note/index.js';
import { parseCosignatureVerifier, ed25519Cosigner } from '../../../src/note/index.js';
import { expectLogError } from '../../support/errors.js';

const a = generateKey('log.example.gov.uk/dwp/2026').verifierKey;
const b = generateKey('log.example.gov.uk/hmrc/2026').verifierKey;

describe('logs/v0', () => {
  test('reads the format as specified: comments, blank lines, trimmed lines, an optional origin', () => {
    const text = [
      '#',
      '# List: example',
      '#',
      'logs/v0',
      '',
      '# 1st log',
      `vkey ${a}`,
      'qpd 86400',
      'contact https://example.gov.uk/contact',
      '',
      `   vkey ${b}   `,
      'origin something-else',
      'qpd 24',
      'contact transparency (at) example.gov.uk',
      '',
    ].join('\n');
    expect(parseLogList(text)).toEqual([
      { vkey: a, origin: 'log.example.gov.uk/dwp/2026', qpd: 86400, contact: 'https://example.gov.uk/contact' },
      { vkey: b, origin: 'something-else', qpd: 24, contact: 'transparency (at) example.gov.uk' },
    ]);
    expect(parseLogList('logs/v0\n')).toEqual([]);
  });

  test('writes the header, one block per log, and an origin only where it is not the key name', () => {
    const text = formatLogList(
      [
        { vkey: a, origin: 'log.example.gov.uk/dwp/2026', qpd: 86400, contact: 'ops@example.gov.uk' },
        { vkey: b, origin: 'another origin', qpd: 1440, contact: 'ops@example.gov.uk' },
      ],
      ['Sightline logs of example.gov.uk'],
    );
    expect(text).toBe(
      `# Sightline logs of example.gov.uk\nlogs/v0\n\nvkey ${a}\nqpd 86400\ncontact ops@example.gov.uk\n\nvkey ${b}\norigin another origin\nqpd 1440\ncontact ops@example.gov.uk\n`,
    );
  });

  test('what it writes it reads back (property)', () => {
    const keys = [a, b, generateKey('third.example/log').verifierKey];
    fc.assert(
      fc.property(
        fc.subarray(keys, { minLength: 0 }),
        fc.array(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { minLength: 3, maxLength: 3 }),
        fc.stringMatching(/^[a-z0-9@.:/ ()-]*[a-z0-9)]$/),
        (vkeys, qpds, contact) => {
          const logs = vkeys.map((vkey, i) => ({ vkey, origin: vkey.split('+')[0]!, qpd: qpds[i]!, contact: contact.trim() || 'x' }));
          expect(parseLogList(formatLogList(logs))).toEqual(logs);
        },
      ),
    );
  });

  test.each([
    ['no header', `vkey ${a}\nqpd 1\ncontact x\n`, 'line 1'],
    ['another version', 'logs/v1\n', 'line 1'],
    ['lines out of order', `logs/v0\nvkey ${a}\ncontact x\nqpd 1\n`, 'line 3'],
    ['origin after qpd', `logs/v0\nvkey ${a}\nqpd 1\norigin o\ncontact x\n`, 'line 4'],
    ['a log cut short', `logs/v0\nvkey ${a}\nqpd 1\n`, 'line 3'],
    ['a qpd with a leading zero', `logs/v0\nvkey ${a}\nqpd 024\ncontact x\n`, 'line 3'],
    ['a qpd of zero', `logs/v0\nvkey ${a}\nqpd 0\ncontact x\n`, 'line 3'],
    ['a qpd of 2^31', `logs/v0\nvkey ${a}\nqpd 2147483648\ncontact x\n`, 'line 3'],
    ['a signed qpd', `logs/v0\nvkey ${a}\nqpd +5\ncontact x\n`, 'line 3'],
    ['an empty contact', `logs/v0\nvkey ${a}\nqpd 5\ncontact\n`, 'line 4'],
    ['a key whose id does not match', `logs/v0\nvkey ${a.replace(/\+([0-9a-f]{8})\+/, '+00000000+')}\nqpd 5\ncontact x\n`, 'line 2'],
    ['an unknown keyword', `logs/v0\nvkey ${a}\nqpd 5\ncontact x\nbastion none\n`, 'line 5'],
    ['a log listed twice', `logs/v0\nvkey ${a}\nqpd 5\ncontact x\nvkey ${a}\nqpd 5\ncontact y\n`, 'line 5'],
  ])('refuses %s, naming the line', (_name, text, line) => {
    expect(expectLogError(() => parseLogList(text), 'MALFORMED_LOG_LIST').message).toMatch(new RegExp(`^${line}:`));
  });

  test('refuses a key that is not Ed25519 (a cosignature key)', () => {
    const cosigner = ed25519Cosigner('witness.example/w1', new Uint8Array(32).fill(7));
    parseCosignatureVerifier(cosigner.verifierKey);
    expect(expectLogError(() => parseLogList(`logs/v0\nvkey ${cosigner.verifierKey}\nqpd 5\ncontact x\n`), 'MALFORMED_LOG_LIST').message).toMatch(/Ed25519/);
  });

  test('a list from a hostile server is bounded in size', () => {
    expectLogError(() => parseLogList(`logs/v0\n${'#'.repeat(MAX_LOG_LIST_BYTES)}`), 'MALFORMED_LOG_LIST');
  });

  test('never writes a list it could not read back', () => {
    expectLogError(() => formatLogList([{ vkey: a, origin: 'a\nqpd 1', qpd: 1, contact: 'x' }]), 'MALFORMED_LOG_LIST');
    expectLogError(() => formatLogList([{ vkey: a, origin: 'o', qpd: 0, contact: 'x' }]), 'MALFORMED_LOG_LIST');
    expectLogError(() => formatLogList([{ vkey: a, origin: 'o', qpd: 1, contact: '' }]), 'MALFORMED_LOG_LIST');
  });
});
