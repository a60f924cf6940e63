/**
 * Hostile input to every parser: arbitrary text and bytes, and valid inputs (made with the
 * real formatters and signers) mutated. Each parser either returns a well-formed value or
 * throws a LogError — never another error, never for long; what it accepts formats back to
 * the same bytes where a formatter exists; a mutated signed input never verifies as anything
 * but the original. LONG=1 runs 50 times as many inputs.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseServeArgs } from '../../src/config.js';
import { canonicalJson, decodeBase64, encodeBase64, parseDecimal, bytesEqual } from '../../src/encoding/index.js';
import { LogError, isLogError } from '../../src/errors.js';
import {
  DEFAULT_CODES,
  codeListsBytes,
  encodeCodeListsRecord,
  encodeSuccessorRecord,
  encodeEventLeaf,
  lintPersonalData,
  parseCodeLists,
  parseEventLeaf,
  parseLogRecord,
  validateEvent,
  type SightlineEvent,
} from '../../src/events/index.js';
import { hexHashParam, indexParam } from '../../src/http/encoding.js';
import {
  type Hash,
  decodeEntryBundle,
  encodeEntryBundle,
  formatEntryBundlePath,
  formatTilePath,
  isHash,
  leafHash,
  nodeHash,
  parseTilePath,
} from '../../src/merkle/index.js';
import {
  type PackageRange,
  ByteStream,
  encodeAddEntriesHeader,
  encodeEntryPackage,
  formatMirrorInfo,
  packageRanges,
  parseMirrorInfo,
  readAddEntriesHeader,
  readEntryPackage,
} from '../../src/mirror/index.js';
import {
  SIGNATURE_TYPE_COSIGNATURE_V1,
  SIGNATURE_TYPE_ED25519,
  ed25519Signer,
  ed25519Verifier,
  formatCheckpoint,
  formatNote,
  formatSignerKey,
  formatVerifierKey,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
} from '../../src/note/index.js';
import { formatReceipt, parseReceipt, verifyReceipt } from '../../src/receipt/index.js';
import { formatHeldKey, normalizeSubjectId, parseHeldKey } from '../../src/subject/index.js';
import { formatAddCheckpointRequest, formatTreeSizeBody, parseAddCheckpointRequest, parseCosignatureLines, parseTreeSizeBody } from '../../src/witness/index.js';
import { accessDraft, partnerKeyPair, signedEvent } from '../support/events.js';
import { anyText, counter, logErrorOr, mutatedBytes, mutatedText, runs } from '../support/fuzz.js';

const ORIGIN = 'fuzz.sightline.example/log';
const signer = ed25519Signer(ORIGIN, new Uint8Array(32).fill(7));
const verifier = ed25519Verifier(ORIGIN, signer.publicKey);
const other = ed25519Signer('other.example/key', new Uint8Array(32).fill(8));
const otherVerifier = ed25519Verifier(other.name, other.publicKey);
const enc = new TextEncoder();
const N = 400; // runs per property by default

/** A 4-leaf tree: its root, and the inclusion proof of leaf 2. */
const entries = [0, 1, 2, 3].map((i) => enc.encode(`fuzz entry ${i}`));
const leaves = entries.map(leafHash);
const root = nodeHash(nodeHash(leaves[0]!, leaves[1]!), nodeHash(leaves[2]!, leaves[3]!));
const proofOf2: Hash[] = [leaves[3]!, nodeHash(leaves[0]!, leaves[1]!)];
const CHECKPOINT = signCheckpoint({ origin: ORIGIN, treeSize: 4, rootHash: root, extensions: [] }, signer);
const RECEIPT = formatReceipt({ leafIndex: 2, inclusionProof: proofOf2, checkpoint: CHECKPOINT });
const RECEIPT_EXTRA = formatReceipt({ extra: enc.encode('opaque'), leafIndex: 2, inclusionProof: proofOf2, checkpoint: CHECKPOINT });
const NOTE = signNote('a note of three lines\nsecond line\nthird\n', [signer, other]);

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const keyName = fc.stringMatching(/^[a-z0-9][a-z0-9./-]{0,30}$/);
const checkpointArb = fc.record({
  origin: keyName,
  treeSize: fc.oneof(fc.nat(1000), fc.maxSafeNat()),
  rootHash: hash,
  extensions: fc.array(fc.stringMatching(/^[ -~]{1,20}$/), { maxLength: 2 }),
});

/** Runs one property with `numRuns` inputs and prints its summary line. */
function fuzz<T>(name: string, arb: fc.Arbitrary<T>, check: (value: T) => void, numRuns = N): void {
  test(name, () => {
    const c = counter(name);
    fc.assert(
      fc.property(arb, (v) => {
        c.hit();
        check(v);
      }),
      { numRuns: runs(numRuns) },
    );
    c.report();
    expect(c.count).toBeGreaterThanOrEqual(runs(numRuns));
  });
}

/** `fuzz` for a check that awaits: the same run count, counter and summary line. */
function fuzzAsync<T>(name: string, arb: fc.Arbitrary<T>, check: (value: T) => Promise<void>, numRuns = N): void {
  test(name, async () => {
    const c = counter(name);
    await fc.assert(
      fc.asyncProperty(arb, async (v) => {
        c.hit();
        await check(v);
      }),
      { numRuns: runs(numRuns) },
    );
    c.report();
    expect(c.count).toBeGreaterThanOrEqual(runs(numRuns));
  });
}

describe('signed notes', () => {
  const input = fc.oneof(anyText, mutatedText(NOTE), mutatedText(CHECKPOINT));
  fuzz('parseNote', input, (text) => {
    const note = logErrorOr('parseNote', () => parseNote(text));
    if (note === undefined) return;
    expect(typeof note.text).toBe('string');
    expect(note.signatures.length).toBeGreaterThan(0);
    expect(formatNote(note)).toBe(text); // round trip: the one spelling of a note
  });
  fuzz('parseNote (bytes)', fc.oneof(fc.uint8Array({ maxLength: 300 }), mutatedBytes(enc.encode(NOTE))), (bytes) => {
    const note = logErrorOr('parseNote', () => parseNote(bytes));
    if (note !== undefined) expect(enc.encode(formatNote(note))).toEqual(bytes);
  });
  fuzz('openNote: a mutated note never verifies as other text', mutatedText(NOTE), (text) => {
    const opened = logErrorOr('openNote', () => openNote(text, [verifier, otherVerifier]));
    if (opened === undefined) return;
    // Only extra unknown signature lines, or dropping one of the two signatures, keep it valid.
    expect(opened.text).toBe(parseNote(NOTE).text);
    for (const s of opened.verified) expect(parseNote(NOTE).signatures.some((o) => o.name === s.name && bytesEqual(o.signature, s.signature))).toBe(true);
  });
});

describe('checkpoints', () => {
  fuzz('parseCheckpoint', fc.oneof(anyText, mutatedText(parseNote(CHECKPOINT).text), checkpointArb.map(formatCheckpoint).chain((t) => mutatedText(t))), (text) => {
    const cp = logErrorOr('parseCheckpoint', () => parseCheckpoint(text));
    if (cp === undefined) return;
    expect(isHash(cp.rootHash)).toBe(true);
    expect(Number.isSafeInteger(cp.treeSize) && cp.treeSize >= 0).toBe(true);
    expect(formatCheckpoint(cp)).toBe(text);
  });
  fuzz('formatCheckpoint/parseCheckpoint round trip', checkpointArb, (cp) => {
    expect(parseCheckpoint(formatCheckpoint(cp))).toEqual(cp);
  });
  fuzz('openCheckpoint: a mutated checkpoint never verifies', mutatedText(CHECKPOINT), (text) => {
    const opened = logErrorOr('openCheckpoint', () => openCheckpoint(text, verifier));
    if (opened === undefined) return;
    expect(opened.checkpoint.treeSize).toBe(4);
    expect(opened.checkpoint.rootHash).toEqual(root);
    expect(opened.note.text).toBe(parseNote(CHECKPOINT).text);
  });
});

describe('keys', () => {
  const vkeys = [signer.verifierKey, formatVerifierKey('w.example/x', SIGNATURE_TYPE_COSIGNATURE_V1, other.publicKey), formatVerifierKey('k', 0x07, new Uint8Array([1, 2, 3]))];
  fuzz('parseVerifierKey', fc.oneof(anyText, mutatedText(fc.constantFrom(...vkeys))), (text) => {
    const k = logErrorOr('parseVerifierKey', () => parseVerifierKey(text));
    if (k === undefined) return;
    expect(formatVerifierKey(k.name, k.type, k.publicKey)).toBe(text.endsWith('\n') ? text.slice(0, -1) : text);
  });
  fuzz('formatVerifierKey/parseVerifierKey round trip', fc.tuple(keyName, fc.constantFrom(SIGNATURE_TYPE_ED25519, SIGNATURE_TYPE_COSIGNATURE_V1), hash), ([name, type, key]) => {
    const k = parseVerifierKey(formatVerifierKey(name, type, key));
    expect([k.name, k.type, k.publicKey]).toEqual([name, type, key]);
  });
  const skey = formatSignerKey(ORIGIN, new Uint8Array(32).fill(7));
  fuzz('parseSignerKey', fc.oneof(anyText, anyText.map((t) => 'PRIVATE+KEY+' + t), mutatedText(skey)), (text) => {
    const s = logErrorOr('parseSignerKey', () => parseSignerKey(text));
    if (s === undefined) return;
    expect(s.verifierKey).toBe(parseVerifierKey(s.verifierKey) && s.verifierKey);
    // Only the one spelling of the key is accepted: the same key, reformatted, is the text.
    if (s.publicKey.every((b, i) => b === signer.publicKey[i]) && s.name === ORIGIN) expect(text.replace(/\n$/, '')).toBe(skey);
  });
});

describe('tiles', () => {
  const tileArb = fc.oneof(
    fc
      .record({ level: fc.nat(5), index: fc.oneof(fc.nat(2000), fc.nat(2 ** 40)), width: fc.integer({ min: 1, max: 256 }) })
      .filter((t) => t.index === 0 || Number.isSafeInteger(t.index * 256 ** (t.level + 1))) // tiles that start below 2^53
      .map((t) => formatTilePath(t)),
    fc.record({ index: fc.oneof(fc.nat(2000), fc.nat(2 ** 40)), width: fc.integer({ min: 1, max: 256 }) }).map((t) => formatEntryBundlePath(t)),
  );
  const asTilePath = (p: string) => (p.startsWith('tile/') ? p : `tile/${p}`);
  fuzz('parseTilePath', fc.oneof(anyText, anyText.map((t) => 'tile/' + t), tileArb.map(asTilePath).chain((p) => mutatedText(p))), (path) => {
    const t = logErrorOr('parseTilePath', () => parseTilePath(path));
    if (t === undefined) return;
    expect(Number.isSafeInteger(t.index) && t.index >= 0).toBe(true);
    expect(t.width >= 1 && t.width <= 256).toBe(true);
    expect(asTilePath(t.kind === 'tile' ? formatTilePath(t) : formatEntryBundlePath(t))).toBe(path);
  });
  fuzz('formatTilePath/parseTilePath round trip', tileArb.map(asTilePath), (path) => {
    const t = parseTilePath(path);
    expect(asTilePath(t.kind === 'tile' ? formatTilePath(t) : formatEntryBundlePath(t))).toBe(path);
  });
  const bundle = encodeEntryBundle([enc.encode('one'), new Uint8Array(0), enc.encode('three')]);
  fuzz('decodeEntryBundle', fc.tuple(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutatedBytes(bundle)), fc.option(fc.integer({ min: 0, max: 300 }))), ([bytes, width]) => {
    const got = logErrorOr('decodeEntryBundle', () => decodeEntryBundle(bytes, width ?? undefined));
    if (got === undefined) return;
    expect(got.length).toBeLessThanOrEqual(256);
    expect(encodeEntryBundle(got)).toEqual(bytes);
  });
});

describe('receipts', () => {
  fuzz('parseReceipt', fc.oneof(anyText, anyText.map((t) => 'c2sp.org/tlog-proof@v1\n' + t), mutatedText(fc.constantFrom(RECEIPT, RECEIPT_EXTRA))), (text) => {
    const r = logErrorOr('parseReceipt', () => parseReceipt(text));
    if (r === undefined) return;
    expect(formatReceipt(r)).toBe(text);
  });
  fuzz('verifyReceipt: a mutated receipt never verifies as another', mutatedText(fc.constantFrom(RECEIPT, RECEIPT_EXTRA)), (text) => {
    const v = logErrorOr('verifyReceipt', () => verifyReceipt(text, entries[2]!, { log: verifier }));
    if (v === undefined) return;
    // Only the unauthenticated extra line may change.
    expect(v.leafIndex).toBe(2);
    expect(v.checkpoint.rootHash).toEqual(root);
    const r = parseReceipt(text);
    expect(r.inclusionProof).toEqual(proofOf2);
    expect(r.checkpoint.startsWith(parseNote(CHECKPOINT).text)).toBe(true);
  });
  fuzz('verifyReceipt against the wrong entry never verifies', fc.oneof(fc.constantFrom(RECEIPT, RECEIPT_EXTRA), mutatedText(RECEIPT)), (text) => {
    expect(logErrorOr('verifyReceipt', () => verifyReceipt(text, entries[1]!, { log: verifier }))).toBeUndefined();
  });
});

describe('witness protocol', () => {
  const request = formatAddCheckpointRequest({ oldSize: 2, consistencyProof: [leaves[2]!, leaves[3]!, nodeHash(leaves[0]!, leaves[1]!)], checkpoint: CHECKPOINT });
  const empty = formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [], checkpoint: CHECKPOINT });
  fuzz('parseAddCheckpointRequest', fc.oneof(anyText, anyText.map((t) => 'old ' + t), mutatedText(fc.constantFrom(request, empty))), (text) => {
    const r = logErrorOr('parseAddCheckpointRequest', () => parseAddCheckpointRequest(text));
    if (r === undefined) return;
    expect(r.consistencyProof.every(isHash)).toBe(true);
    expect(formatAddCheckpointRequest(r)).toBe(text);
  });
  fuzz('parseTreeSizeBody', fc.oneof(anyText, fc.maxSafeNat().map(formatTreeSizeBody).chain((t) => mutatedText(t))), (text) => {
    const n = logErrorOr('parseTreeSizeBody', () => parseTreeSizeBody(text));
    if (n !== undefined) expect(formatTreeSizeBody(n)).toBe(text);
  });
  const cosig = NOTE.slice(NOTE.indexOf('\n\n') + 2);
  fuzz('parseCosignatureLines', fc.oneof(anyText, mutatedText(cosig)), (text) => {
    const sigs = logErrorOr('parseCosignatureLines', () => parseCosignatureLines(text));
    if (sigs === undefined) return;
    for (const s of sigs) expect(Number.isInteger(s.keyId) && s.keyId >= 0 && s.keyId < 2 ** 32).toBe(true);
  });
});

describe('mirror protocol', () => {
  /** Any error but a LogError MALFORMED_REQUEST (a 400 to the uploader) fails the property. */
  const onlyMalformed = (what: string, e: unknown): undefined => {
    if (isLogError(e, 'MALFORMED_REQUEST')) return undefined;
    throw new Error(`${what} threw ${isLogError(e) ? `LogError ${e.code}` : e instanceof Error ? e.constructor.name : typeof e}, not LogError MALFORMED_REQUEST: ${String(e)}`, { cause: e });
  };
  /**
   * The canonical sequence, made lazily from the spec's formula: a fuzzed header can name an
   * upload of 2^50 entries, which packageRanges would build in full before the first package.
   */
  function* canonical(start: number, end: number): Generator<PackageRange> {
    for (let at = Math.floor(start / 256) * 256; at < end; at += 256) yield { start: Math.max(start, at), end: Math.min(end, at + 256), subtreeStart: at };
  }
  // A valid body: a partial package, then a whole one cut short in the mutations.
  const header = { origin: 'mirror.fuzz/logé', uploadStart: 254, uploadEnd: 300, ticket: enc.encode('ticket') };
  const body = Uint8Array.from([
    ...encodeAddEntriesHeader(header),
    ...packageRanges(254, 300).flatMap((r, p) => [
      ...encodeEntryPackage(
        Array.from({ length: r.end - r.start }, (_, k) => enc.encode(`e${r.start + k}`.repeat(k % 3))),
        Array.from({ length: p + 1 }, () => leaves[p]!),
      ),
    ]),
  ]);
  const bytesArb = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    mutatedBytes(body),
    // A valid header before random bytes, so the package reader sees hostile input too.
    fc.uint8Array({ maxLength: 300 }).map((tail) => Uint8Array.from([...encodeAddEntriesHeader(header), ...tail])),
    fc.tuple(fc.constantFrom(0, 1, 63, 64, 200, 255), fc.uint8Array({ maxLength: 100 })).map(([n, tail]) => Uint8Array.from([...encodeAddEntriesHeader({ ...header, uploadStart: 256, uploadEnd: 257 }), 0, 1, 7, n, ...tail])),
  );
  /** Chunk sizes for the transport, cycled; 0 is an empty chunk. */
  const sizesArb = fc.array(fc.nat(40), { minLength: 1, maxLength: 8 });

  fuzzAsync('readAddEntriesHeader + readEntryPackage (ByteStream, any chunking)', fc.tuple(bytesArb, sizesArb), async ([bytes, sizes]) => {
    const chunks: Uint8Array[] = [];
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const take = sizes.every((n) => n === 0) ? 1 : sizes[i % sizes.length]!;
      chunks.push(bytes.slice(at, at + take));
      at += take;
    }
    // Never hang: the source ends after its chunks, and a reader that asks again past the end
    // (the loop a hang would be) fails the property instead of spinning.
    let pulls = 0;
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          pulls++;
          if (pulls > chunks.length + 1) throw new Error(`ByteStream pulled ${pulls} times from ${chunks.length} chunks`);
          return pulls <= chunks.length ? { done: false, value: chunks[pulls - 1]! } : { done: true, value: undefined };
        },
      }),
    };
    const stream = new ByteStream(source);
    let h;
    try {
      h = await readAddEntriesHeader(stream);
    } catch (e) {
      return onlyMalformed('readAddEntriesHeader', e);
    }
    expect(h.origin.length).toBeGreaterThan(0);
    expect(Number.isSafeInteger(h.uploadStart) && Number.isSafeInteger(h.uploadEnd) && h.uploadStart <= h.uploadEnd).toBe(true);
    // What was read is the one encoding of what it means: the bytes consumed re-encode exactly.
    const encoded = [encodeAddEntriesHeader(h)];
    let read = 0;
    for (const range of canonical(h.uploadStart, h.uploadEnd)) {
      let pkg;
      try {
        pkg = await readEntryPackage(stream, range);
      } catch (e) {
        return onlyMalformed('readEntryPackage', e);
      }
      if (pkg === undefined) break;
      expect(pkg.entries.length).toBe(range.end - range.start);
      expect(pkg.proof.every(isHash) && pkg.proof.length <= 63).toBe(true);
      encoded.push(encodeEntryPackage(pkg.entries, pkg.proof));
      // Each package takes at least its num_hashes byte, so the loop ends with the bytes.
      read++;
      expect(read).toBeLessThanOrEqual(bytes.length);
    }
    const consumed = Uint8Array.from(encoded.flatMap((b) => [...b]));
    expect(bytesEqual(consumed, bytes.subarray(0, consumed.length))).toBe(true);
  });

  const info = formatMirrorInfo({ pendingSize: 300, nextEntry: 256, ticket: enc.encode('ticket') });
  const infoArb = fc.record({ pendingSize: fc.maxSafeNat(), nextEntry: fc.maxSafeNat(), ticket: fc.uint8Array({ maxLength: 40 }) }).map(formatMirrorInfo);
  fuzz('parseMirrorInfo', fc.oneof(anyText, mutatedText(info), infoArb.chain((t) => mutatedText(t))), (text) => {
    let parsed;
    try {
      parsed = parseMirrorInfo(text);
    } catch (e) {
      return onlyMalformed('parseMirrorInfo', e);
    }
    expect(formatMirrorInfo(parsed)).toBe(text); // the one spelling of a mirror-info body
  });
});

describe('typed events', () => {
  const seed = partnerKeyPair('fuzz').seed;
  const valid = signedEvent(accessDraft('partner-a', 1, '2026-03-04T10'), ORIGIN, seed) as { event: Record<string, unknown>; signature: string };
  const validEvent = validateEvent(structuredClone(valid.event), DEFAULT_CODES);
  const eventJson = canonicalJson(valid.event);
  /** JSON values, with the shapes that catch validators out. */
  const jsonish: fc.Arbitrary<unknown> = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.record({ type: fc.constantFrom('access', 'erasure', 'correction', 'coverage', 'toString', '__proto__'), partnerSeq: fc.oneof(fc.integer(), fc.double()), hour: fc.string() }, { requiredKeys: [] }),
    mutatedText(eventJson).map((t) => {
      try {
        return JSON.parse(t) as unknown;
      } catch {
        return t;
      }
    }),
    fc.tuple(fc.constantFrom(...Object.keys(valid.event)), fc.oneof(fc.jsonValue({ maxDepth: 2 }), anyText, fc.constantFrom(1e308, -1, 2 ** 53, 0.5, '', 'AB123456C', 'john.smith@example.com', null))).map(([k, v]) => ({ ...valid.event, [k]: v })),
    fc.constant(JSON.parse('{"__proto__":{"type":"access"},"constructor":1}') as unknown),
  );
  fuzz('validateEvent', jsonish, (value) => {
    const e = logErrorOr('validateEvent', () => validateEvent(value, DEFAULT_CODES));
    if (e === undefined) return;
    expect(e).toBe(value);
    expect(() => canonicalJson(e)).not.toThrow();
  });
  const leaf = encodeEventLeaf({ event: validEvent, signature: decodeBase64(valid.signature)!, subjectTag: 'ab'.repeat(32) });
  fuzz('parseEventLeaf', fc.oneof(fc.uint8Array({ maxLength: 300 }), anyText.map((t) => enc.encode(t)), mutatedBytes(leaf), mutatedText(new TextDecoder().decode(leaf)).map((t) => enc.encode(t))), (bytes) => {
    const l = logErrorOr('parseEventLeaf', () => parseEventLeaf(bytes));
    if (l === undefined) return;
    expect(encodeEventLeaf({ event: l.event as SightlineEvent, signature: l.signature, ...(l.subjectTag === undefined ? {} : { subjectTag: l.subjectTag }) })).toEqual(bytes);
  });
  const record = encodeCodeListsRecord({ sha256: 'cd'.repeat(32), previous: null });
  const successor = encodeSuccessorRecord({ origin: 'log.example/dwp/2027', vkey: `log.example/dwp/2027+0123abcd+AQ${'A'.repeat(42)}`, start: '2027-01-01T00:00:00Z' });
  const records = [record, successor];
  fuzz(
    'parseLogRecord (total: never throws; one normal form)',
    fc.oneof(fc.uint8Array({ maxLength: 200 }), ...records.map(mutatedBytes), ...records.map((r) => mutatedText(new TextDecoder().decode(r)).map((t) => enc.encode(t)))),
    (bytes) => {
      const r = parseLogRecord(bytes);
      if (r !== undefined) expect(r.record === 'codes' ? encodeCodeListsRecord(r) : encodeSuccessorRecord(r)).toEqual(bytes);
    },
  );
  const codesText = new TextDecoder().decode(codeListsBytes(DEFAULT_CODES));
  fuzz('parseCodeLists', fc.oneof(anyText, fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), mutatedText(codesText)), (text) => {
    const codes = logErrorOr('parseCodeLists', () => parseCodeLists(text));
    if (codes === undefined) return;
    expect(parseCodeLists(new TextDecoder().decode(codeListsBytes(codes)))).toEqual(codes);
  });
  fuzz('lintPersonalData (total, fast)', fc.oneof(anyText, fc.string({ maxLength: 5000 }), fc.stringMatching(/^[A-Za-z0-9@._ +-]{0,3000}$/)), (text) => {
    const start = performance.now();
    const kind = lintPersonalData(text);
    expect(kind === undefined || typeof kind === 'string').toBe(true);
    expect(performance.now() - start).toBeLessThan(1_000);
  });
});

describe('subjects', () => {
  const held = ['subject-key:2026:', 'month-key:2026-02:', 'day-key:2024-02-29:'].map((p) => p + 'a1'.repeat(32));
  fuzz('parseHeldKey', fc.oneof(anyText, mutatedText(fc.constantFrom(...held))), (text) => {
    const k = logErrorOr('parseHeldKey', () => parseHeldKey(text));
    if (k !== undefined) expect(formatHeldKey(k)).toBe(text);
  });
  fuzz('normalizeSubjectId (idempotent)', fc.tuple(fc.oneof(fc.constantFrom('nino', 'customer-ref'), anyText), fc.oneof(anyText, mutatedText(fc.constantFrom('AB 12 34 56 C', 'ab123456c', 'CUST-0001')))), ([scheme, id]) => {
    const n = logErrorOr('normalizeSubjectId', () => normalizeSubjectId(scheme, id));
    if (n !== undefined) expect(normalizeSubjectId(scheme, n)).toBe(n);
  });
});

describe('encodings', () => {
  fuzz('decodeBase64 (canonical only)', fc.oneof(anyText, fc.uint8Array({ maxLength: 64 }).map(encodeBase64).chain((t) => mutatedText(t))), (text) => {
    const bytes = decodeBase64(text);
    if (bytes !== undefined) expect(encodeBase64(bytes)).toBe(text);
  });
  fuzz('encodeBase64/decodeBase64 round trip', fc.uint8Array({ maxLength: 100 }), (bytes) => {
    expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
  });
  fuzz('parseDecimal (canonical only)', fc.oneof(anyText, fc.maxSafeNat().map(String).chain((t) => mutatedText(t))), (text) => {
    const n = parseDecimal(text);
    if (n !== undefined) {
      expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
      expect(String(n)).toBe(text);
    }
  });
  fuzz('canonicalJson (LogError or a string JSON.parse reads back)', fc.oneof(fc.jsonValue({ maxDepth: 5 }), fc.anything({ maxDepth: 3 }), fc.string({ unit: 'binary' })), (v) => {
    const s = logErrorOr('canonicalJson', () => canonicalJson(v));
    if (s !== undefined) expect(canonicalJson(JSON.parse(s))).toBe(s);
  });
  test('canonicalJson refuses deep nesting with a LogError', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(LogError);
  });
});

describe('HTTP query parameters and flags', () => {
  fuzz('indexParam / hexHashParam', fc.oneof(anyText, fc.maxSafeNat().map(String).chain((t) => mutatedText(t)), hash.map((h) => Buffer.from(h).toString('hex')).chain((t) => mutatedText(t))), (text) => {
    const n = logErrorOr('indexParam', () => indexParam(text, 'index', true));
    if (n !== undefined) expect(String(n)).toBe(text);
    const h = logErrorOr('hexHashParam', () => hexHashParam(text, 'hash'));
    if (h !== undefined) expect(Buffer.from(h).toString('hex')).toBe(text);
  });
  const FLAGS = ['--port', '--max-pending', '--max-batch', '--tile-cache-mb', '--witness', '--witness-quorum', '--witness-wait', '--origin', '--host', '--key-file', '--codes', '--tag-key-file', '--access-log', '--data-dir', '--database-url', '--help', '-h', '--nope', 'positional', '--'];
  const value = fc.oneof(anyText, fc.constantFrom('0', '1', '65535', '65536', '-1', '01', '9007199254740993', 'https://w.example/ ' + signer.verifierKey, 'https://w.example/ ' + formatVerifierKey('w.example', SIGNATURE_TYPE_COSIGNATURE_V1, other.publicKey), ''));
  const env = fc.dictionary(fc.constantFrom('PORT', 'SIGHTLINE_MAX_PENDING', 'SIGHTLINE_WITNESSES', 'SIGHTLINE_WITNESS_QUORUM', 'SIGHTLINE_ACCESS_LOG', 'DATABASE_URL', 'SIGHTLINE_DATA_DIR', 'SIGHTLINE_WITNESS_WAIT'), value);
  fuzz('parseServeArgs', fc.tuple(fc.array(fc.oneof(fc.constantFrom(...FLAGS), value), { maxLength: 8 }), env), ([args, e]) => {
    try {
      const config = parseServeArgs(args, e);
      if (config !== 'help') {
        expect(Number.isInteger(config.port) && config.port >= 0 && config.port <= 65535).toBe(true);
        expect(config.witnessQuorum).toBeLessThanOrEqual(config.witnesses.length);
      }
    } catch (err) {
      // node:util parseArgs's own usage errors are reported by the CLI like LogErrors (exit 2).
      const parseArgsError = err instanceof Error && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
      if (!(err instanceof LogError) && !parseArgsError) throw err;
    }
  });
});
