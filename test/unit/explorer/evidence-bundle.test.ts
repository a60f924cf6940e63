/**
 * The evidence bundle: built from a receipt (its checkpoint and origin taken from it),
 * written in the contract's member order, parsed back strictly — exactly the members of
 * version 1, each of its type, and the receipt, index, checkpoint and origin agreeing — and
 * the entry it carries verifies with the receipt against the log key.
 */
import { describe, expect, test } from 'vitest';
import { verifyEntryReceipt } from '../../../src/client/index.js';
import {
  type EvidenceBundle,
  bundleSummary,
  buildEvidenceBundle,
  evidenceBundleText,
  evidenceFileName,
  looksLikeEvidenceBundle,
  parseEvidenceBundle,
} from '../../../src/explorer/evidence-bundle.js';
import { isLogError } from '../../../src/errors.js';
import { ORIGIN, entries, log, receiptFor, witness } from '../../support/explorer-log.js';

const createdAt = new Date('2026-03-20T10:00:00.000Z');

async function bundle(index = 12): Promise<EvidenceBundle> {
  return buildEvidenceBundle({
    index,
    entry: entries[index]!,
    receipt: await receiptFor(index, 20, { cosigned: true }),
    logKey: log.verifierKey,
    witnessKeys: [witness.verifierKey],
    quorum: 1,
    summary: 'Record 12: a test.',
    createdAt,
  });
}

function refusal(text: string): string | undefined {
  try {
    parseEvidenceBundle(text);
    return undefined;
  } catch (e) {
    expect(isLogError(e, 'MALFORMED_REQUEST')).toBe(true);
    return (e as Error).message;
  }
}

describe('evidence bundle', () => {
  test('built, written in the contract’s order, parsed back, and its entry verifies with its receipt', async () => {
    const b = await bundle();
    const text = evidenceBundleText(b);
    expect(Object.keys(JSON.parse(text))).toEqual(['type', 'version', 'origin', 'index', 'entry', 'receipt', 'checkpoint', 'logKey', 'witnessKeys', 'quorum', 'summary', 'createdAt']);
    expect(JSON.parse(text)).toMatchObject({ type: 'sightline-evidence-bundle', version: 1, origin: ORIGIN, index: 12, quorum: 1, createdAt: '2026-03-20T10:00:00.000Z' });
    expect(text.endsWith('}\n')).toBe(true);
    expect(looksLikeEvidenceBundle(text)).toBe(true);
    const parsed = parseEvidenceBundle(text);
    expect(parsed.entryBytes).toEqual(entries[12]);
    expect(parsed.checkpoint).toBe(b.checkpoint);
    const verified = verifyEntryReceipt(parsed.receipt, parsed.entryBytes, log.verifierKey, { witnesses: [], quorum: 0 });
    expect(verified.leafIndex).toBe(12);
    expect(evidenceFileName(12)).toBe('sightline-evidence-12.json');
    expect(evidenceFileName(2 ** 32)).toBe('sightline-evidence-4294967296.json');
    expect(() => evidenceFileName(-1)).toThrow(RangeError);
  });

  test('a receipt is not a bundle, and a bundle is not a receipt', async () => {
    expect(looksLikeEvidenceBundle(await receiptFor(3))).toBe(false);
    expect(looksLikeEvidenceBundle('{"type":"something-else"}')).toBe(false);
    expect(looksLikeEvidenceBundle('{ not json')).toBe(false);
  });

  test('strict: every member of its type, nothing extra, and the parts agreeing', async () => {
    const good = JSON.parse(evidenceBundleText(await bundle())) as Record<string, unknown>;
    const other = JSON.parse(evidenceBundleText(await bundle(5))) as Record<string, unknown>;
    const variant = (change: Record<string, unknown>, drop?: string) => {
      const o: Record<string, unknown> = { ...good, ...change };
      if (drop !== undefined) delete o[drop];
      return JSON.stringify(o);
    };
    expect(refusal(JSON.stringify(good))).toBeUndefined();
    expect(refusal(variant({ extra: 1 }))).toMatch(/member "extra"/);
    expect(refusal(variant({ version: 2 }))).toMatch(/version/);
    expect(refusal(variant({ type: 'sightline-evidence' }))).toMatch(/type/);
    expect(refusal(variant({}, 'summary'))).toMatch(/summary/);
    expect(refusal(variant({ index: 5 }))).toMatch(/the receipt is for entry 12, the bundle says 5/);
    expect(refusal(variant({ index: '12' }))).toMatch(/index/);
    expect(refusal(variant({ index: 12.5 }))).toMatch(/index/);
    expect(refusal(variant({ receipt: other.receipt }))).toMatch(/the receipt is for entry 5/);
    expect(refusal(variant({ checkpoint: (other.checkpoint as string).replace('20\n', '19\n') }))).toMatch(/checkpoint/);
    expect(refusal(variant({ origin: 'another.example/log' }))).toMatch(/origin/);
    expect(refusal(variant({ entry: 'not base64!' }))).toMatch(/entry/);
    expect(refusal(variant({ entry: '' }))).toMatch(/entry/);
    expect(refusal(variant({ logKey: 'not a key' }))).toMatch(/log key/);
    expect(refusal(variant({ witnessKeys: [log.verifierKey] }))).toMatch(/witness key 1/);
    expect(refusal(variant({ witnessKeys: 'x' }))).toMatch(/witnessKeys/);
    expect(refusal(variant({ quorum: 2 }))).toMatch(/quorum/);
    expect(refusal(variant({ quorum: -1 }))).toMatch(/quorum/);
    expect(refusal(variant({ createdAt: 'yesterday' }))).toMatch(/createdAt/);
    expect(refusal(variant({ receipt: 'c2sp.org/tlog-proof@v1\nindex 12\n' }))).toMatch(/receipt/);
    expect(refusal('[]')).toMatch(/object/);
    expect(refusal('nope')).toMatch(/JSON/);
    expect(refusal(' '.repeat(1024 * 1024 + 1))).toMatch(/over/);
  });

  test('building refuses an entry index that is not the receipt’s', async () => {
    await expect(async () =>
      buildEvidenceBundle({ index: 3, entry: entries[3]!, receipt: await receiptFor(4), logKey: log.verifierKey, summary: '', createdAt }),
    ).rejects.toThrow(/the receipt is for entry 4/);
  });

  test('the summary says what the entry is, that it is not recognised, and how to check it without trusting the file’s key', () => {
    const summary = bundleSummary({
      index: 12,
      origin: ORIGIN,
      heading: 'Your data was used',
      when: 'Saturday 14 March 2026, between 9am and 10am (UK time)',
      facts: [['Who', 'Department for Work and Pensions']],
      verdict: 'Verified. This record is in the public log.',
      treeSize: 20,
      checkedAt: createdAt,
    });
    expect(summary).toContain(`Record 12 in the public log ${ORIGIN}: Your data was used.`);
    expect(summary).toContain('Who: Department for Work and Pensions.');
    expect(summary).toContain('does not recognise this record');
    expect(summary).toContain('2026-03-20T10:00:00.000Z');
    expect(summary).toContain('sightline verify --bundle sightline-evidence-12.json --log-key KEY');
    expect(summary).toContain('not from this file');
  });
});
