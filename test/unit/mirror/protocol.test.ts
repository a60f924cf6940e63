/**
 * The add-entries wire formats of c2sp.org/tlog-mirror: the canonical package sequence against
 * the spec's own formula, the byte layout against the spec's field list, encode/read round trips
 * however the transport splits the body into chunks, the readers' refusals of malformed headers
 * and their quiet stop inside a truncated package, and the strict text/x.tlog.mirror-info body.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBase64 } from '../../../src/encoding/index.js';
import { isLogError } from '../../../src/errors.js';
import type { Hash } from '../../../src/merkle/index.js';
import {
  type AddEntriesHeader,
  type EntryPackage,
  type PackageRange,
  ByteStream,
  MAX_PACKAGE_HASHES,
  encodeAddEntriesHeader,
  encodeEntryPackage,
  formatMirrorInfo,
  packageRanges,
  parseMirrorInfo,
  readAddEntriesHeader,
  readEntryPackage,
} from '../../../src/mirror/index.js';

const enc = new TextEncoder();
/** Non-ASCII in 2-, 3- and 4-byte UTF-8 sequences: the origin length is in bytes, not characters. */
const ORIGIN = 'mirror.test/logé/日本/🪞';
const TWO_32 = 2 ** 32;
const TWO_52 = 2 ** 52;
const MAX_INDEX = Number.MAX_SAFE_INTEGER;

/** The canonical sequence written straight from the spec's formula, independent of the code under test. */
function referenceRanges(uploadStart: number, uploadEnd: number): PackageRange[] {
  if (uploadStart === uploadEnd) return [];
  const roundedStart = Math.floor(uploadStart / 256) * 256;
  const roundedEnd = Math.ceil(uploadEnd / 256) * 256;
  const numPackages = (roundedEnd - roundedStart) / 256;
  return Array.from({ length: numPackages }, (_, i) => ({
    start: Math.max(uploadStart, roundedStart + i * 256),
    end: Math.min(uploadEnd, roundedStart + (i + 1) * 256),
    subtreeStart: roundedStart + i * 256,
  }));
}

function sameRanges(a: readonly PackageRange[], b: readonly PackageRange[]): boolean {
  return a.length === b.length && a.every((r, i) => r.start === b[i]!.start && r.end === b[i]!.end && r.subtreeStart === b[i]!.subtreeStart);
}

/** Big-endian uint16 by arithmetic, for building bodies by hand. */
const u16 = (n: number) => [Math.floor(n / 256), n % 256];
function u64(n: bigint): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return [...b];
}

/** A header laid out field by field from the spec's list, so invalid values can be written too. */
function rawHeader(origin: Uint8Array, uploadStart: bigint, uploadEnd: bigint, ticket: Uint8Array = new Uint8Array(0)): Uint8Array {
  return Uint8Array.from([...u16(origin.length), ...origin, ...u64(uploadStart), ...u64(uploadEnd), ...u16(ticket.length), ...ticket]);
}

/** A package laid out by hand: entries with uint16 lengths, then num_hashes and the hashes. */
function rawPackage(entries: readonly Uint8Array[], numHashes: number, hashes: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from([...entries.flatMap((e) => [...u16(e.length), ...e]), numHashes, ...hashes.flatMap((h) => [...h])]);
}

const hashOf = (byte: number): Hash => new Uint8Array(32).fill(byte);

/**
 * The bytes as an async iterable of chunks of `size` bytes (the whole body in one chunk when
 * size is undefined). Each chunk is its own copy, as a transport hands over its own buffers.
 */
function chunked(bytes: Uint8Array, size?: number): Uint8Array[] {
  if (size === undefined) return [bytes.slice()];
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.slice(at, at + size));
  return out;
}

/** Chunks cut at the given sizes in turn (0 makes an empty chunk), cycling until the bytes run out. */
function chunkedBySizes(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    // A run of only zeros would never advance: every full cycle without progress takes one byte.
    const take = sizes.every((s) => s === 0) ? 1 : size;
    out.push(bytes.slice(at, at + take));
    at += take;
  }
  return out;
}

async function* yieldAll(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

const streamOf = (bytes: Uint8Array, size?: number) => new ByteStream(yieldAll(chunked(bytes, size)));

/** What `p` rejected with; fails when it resolved. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a refusal, but it resolved');
}

async function expectMalformed(p: Promise<unknown>, what: string): Promise<void> {
  const e = await rejection(p);
  expect(isLogError(e, 'MALFORMED_REQUEST'), `${what}: ${String(e)}`).toBe(true);
}

function expectMalformedSync(f: () => unknown, what: string): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(isLogError(thrown, 'MALFORMED_REQUEST'), `${what}: ${String(thrown)}`).toBe(true);
}

/** Reads the header and every package of `ranges`, then checks nothing is left over. */
async function readBody(stream: ByteStream, ranges: readonly PackageRange[]): Promise<{ header: AddEntriesHeader; packages: (EntryPackage | undefined)[] }> {
  const header = await readAddEntriesHeader(stream);
  const packages: (EntryPackage | undefined)[] = [];
  for (const range of ranges) packages.push(await readEntryPackage(stream, range));
  return { header, packages };
}

describe('packageRanges', () => {
  it('is the spec formula for every 0 <= start <= end <= 1100 on a grid dense at the 256 boundaries', () => {
    // Every value within 3 of a multiple of 256, and every 7th value between: all the
    // alignment cases without the ~600k pairs of the full square.
    const points = Array.from({ length: 1101 }, (_, n) => n).filter((n) => n % 7 === 0 || Math.abs(n - Math.round(n / 256) * 256) <= 3 || n === 1100);
    const mismatches: string[] = [];
    let pairs = 0;
    for (const start of points) {
      for (const end of points) {
        if (end < start) continue;
        pairs++;
        const got = packageRanges(start, end);
        if (!sameRanges(got, referenceRanges(start, end))) mismatches.push(`[${start}, ${end})`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(pairs).toBeGreaterThan(10_000);
  });

  it('is the spec formula around 2^32, 2^52 and the top of the index domain', () => {
    const bases = [TWO_32, TWO_52, MAX_INDEX + 1 - 2048]; // the last: every end below 2^53
    const starts = bases.flatMap((b) => [-257, -256, -255, -1, 0, 1, 255, 256, 257].map((d) => b + d));
    const lengths = [0, 1, 255, 256, 257, 511, 512, 513, 1000];
    for (const start of starts) {
      for (const length of lengths) {
        const end = start + length;
        expect(sameRanges(packageRanges(start, end), referenceRanges(start, end)), `[${start}, ${end})`).toBe(true);
      }
    }
    // The last index itself: the final package ends at 2^53 - 1, inside a tile that would end at 2^53.
    const top = packageRanges(MAX_INDEX - 300, MAX_INDEX);
    expect(top.at(-1)).toEqual({ start: MAX_INDEX + 1 - 256, end: MAX_INDEX, subtreeStart: MAX_INDEX + 1 - 256 });
    expect(sameRanges(top, referenceRanges(MAX_INDEX - 300, MAX_INDEX))).toBe(true);
  });

  it('covers [start, end) exactly, in order, one package per 256-aligned tile', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(5000), fc.integer({ min: TWO_52, max: TWO_52 + 5000 })), fc.nat(3000), (start, length) => {
        const ranges = packageRanges(start, start + length);
        let at = start;
        for (const r of ranges) {
          expect(r.start).toBe(at);
          expect(r.end).toBeGreaterThan(r.start);
          expect(r.subtreeStart % 256).toBe(0);
          expect(r.subtreeStart).toBeLessThanOrEqual(r.start);
          expect(r.end - r.subtreeStart).toBeLessThanOrEqual(256);
          at = r.end;
        }
        expect(at).toBe(start + length);
      }),
    );
  });

  it('gives the first `limit` packages only, however large the upload', () => {
    expect(packageRanges(100, 2 ** 52, 3)).toEqual([
      { start: 100, end: 256, subtreeStart: 0 },
      { start: 256, end: 512, subtreeStart: 256 },
      { start: 512, end: 768, subtreeStart: 512 },
    ]);
    expect(packageRanges(0, 10, 5)).toHaveLength(1);
  });

  it('is empty when start == end, aligned or not', () => {
    for (const n of [0, 1, 255, 256, 257, TWO_32, TWO_52 + 3, MAX_INDEX]) expect(packageRanges(n, n)).toEqual([]);
  });

  it('throws RangeError for start > end and for values outside [0, 2^53)', () => {
    for (const [s, e] of [
      [1, 0],
      [257, 256],
      [MAX_INDEX, 0],
      [-1, 5],
      [0, MAX_INDEX + 1],
      [0.5, 3],
      [0, Number.NaN],
    ] as const) {
      expect(() => packageRanges(s, e), `[${s}, ${e})`).toThrow(RangeError);
    }
  });
});

describe('encoding', () => {
  it("lays the header out as the spec's field list", () => {
    const ticket = Uint8Array.of(0, 1, 254, 255);
    const header = { origin: ORIGIN, uploadStart: TWO_32 + 7, uploadEnd: MAX_INDEX, ticket };
    expect(encodeAddEntriesHeader(header)).toEqual(rawHeader(enc.encode(ORIGIN), BigInt(TWO_32 + 7), BigInt(MAX_INDEX), ticket));
  });

  it("lays a package out as the spec's field list", () => {
    const entries = [new Uint8Array(0), enc.encode('abc'), new Uint8Array(300).fill(9)];
    const proof = [hashOf(1), hashOf(2)];
    expect(encodeEntryPackage(entries, proof)).toEqual(rawPackage(entries, 2, proof));
  });

  it('refuses to encode what the format cannot carry', () => {
    const header = { origin: ORIGIN, uploadStart: 0, uploadEnd: 0, ticket: new Uint8Array(0) };
    expect(() => encodeAddEntriesHeader({ ...header, origin: '' })).toThrow(RangeError);
    expect(() => encodeAddEntriesHeader({ ...header, origin: 'x'.repeat(65_536) })).toThrow(RangeError);
    expect(() => encodeAddEntriesHeader({ ...header, ticket: new Uint8Array(65_536) })).toThrow(RangeError);
    expect(() => encodeAddEntriesHeader({ ...header, uploadStart: 2, uploadEnd: 1 })).toThrow(RangeError);
    expect(() => encodeAddEntriesHeader({ ...header, uploadEnd: MAX_INDEX + 1 })).toThrow(RangeError);
    expect(() => encodeEntryPackage([new Uint8Array(65_536)], [])).toThrow(RangeError);
    expect(() => encodeEntryPackage([], Array.from({ length: MAX_PACKAGE_HASHES + 1 }, () => hashOf(0)))).toThrow(RangeError);
  });
});

describe('encode then read, in any chunking', () => {
  // [250, 520): a partial first package, a full one, a partial last one. The proofs take 0,
  // the most allowed (63) and 1 hash; the entries include an empty one and one of the
  // 65,535-byte maximum, so a single entry spans many chunks.
  const header: AddEntriesHeader = { origin: ORIGIN, uploadStart: 250, uploadEnd: 520, ticket: Uint8Array.of(0, 10, 255) };
  const ranges = packageRanges(header.uploadStart, header.uploadEnd);
  const entryAt = (i: number): Uint8Array => (i === 251 ? new Uint8Array(0) : i === 300 ? Uint8Array.from({ length: 65_535 }, (_, k) => k % 251) : enc.encode(`entry ${i}`));
  const proofCounts = [0, MAX_PACKAGE_HASHES, 1];
  const packages: EntryPackage[] = ranges.map((r, p) => ({
    ...r,
    entries: Array.from({ length: r.end - r.start }, (_, k) => entryAt(r.start + k)),
    proof: Array.from({ length: proofCounts[p]! }, (_, k) => hashOf(p * 64 + k)),
  }));
  const body = Uint8Array.from([...encodeAddEntriesHeader(header), ...packages.flatMap((p) => [...encodeEntryPackage(p.entries, p.proof)])]);

  it('has the three packages the test means to exercise', () => {
    expect(ranges).toEqual([
      { start: 250, end: 256, subtreeStart: 0 },
      { start: 256, end: 512, subtreeStart: 256 },
      { start: 512, end: 520, subtreeStart: 512 },
    ]);
  });

  for (const size of [1, 2, 3, 4, 5, 6, 7, undefined]) {
    it(`reads back the header and every package from chunks of ${size ?? 'the whole body'} bytes`, async () => {
      const stream = streamOf(body, size);
      const got = await readBody(stream, ranges);
      expect(got.header).toEqual(header);
      expect(got.packages).toEqual(packages);
      // The packages used every byte: the body holds nothing past them.
      expect(await stream.read(1)).toBeUndefined();
    });
  }

  it('reads an empty upload: the header alone', async () => {
    const empty: AddEntriesHeader = { origin: 'a', uploadStart: 7, uploadEnd: 7, ticket: new Uint8Array(0) };
    const stream = streamOf(encodeAddEntriesHeader(empty), 1);
    expect(await readAddEntriesHeader(stream)).toEqual(empty);
    expect(packageRanges(7, 7)).toEqual([]);
    expect(await stream.read(1)).toBeUndefined();
  });

  for (const size of [5, undefined]) {
    it(`keeps nothing that aliases the chunks, which a transport may reuse (chunks of ${size ?? 'the whole body'} bytes)`, async () => {
      // In one chunk every field lies inside it; in small ones most span chunks.
      const chunks = chunked(body, size);
      const got = await readBody(new ByteStream(yieldAll(chunks)), ranges);
      for (const c of chunks) c.fill(0xee);
      expect(got.header).toEqual(header);
      expect(got.packages).toEqual(packages);
    });
  }

  /** Random uploads: origin, range, ticket, entries, proofs and the chunk sizes of the transport. */
  const originArb = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
    // The reader refuses control characters in the origin (a checkpoint's origin is one line).
    .filter((s) => !/[\u0000-\u001f\u007f]/.test(s));
  const uploadArb = fc
    .record({
      origin: originArb,
      uploadStart: fc.oneof(fc.nat(1000), fc.integer({ min: TWO_32 - 600, max: TWO_32 + 600 })),
      length: fc.nat(600),
      ticket: fc.uint8Array({ maxLength: 40 }),
      sizes: fc.array(fc.nat(70), { minLength: 1, maxLength: 10 }),
    })
    .chain(({ origin, uploadStart, length, ticket, sizes }) => {
      const rs = packageRanges(uploadStart, uploadStart + length);
      return fc.record({
        header: fc.constant<AddEntriesHeader>({ origin, uploadStart, uploadEnd: uploadStart + length, ticket }),
        packages: fc.tuple(
          ...rs.map((r) =>
            fc.record({
              entries: fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: r.end - r.start, maxLength: r.end - r.start }),
              proof: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: MAX_PACKAGE_HASHES }),
            }).map((p): EntryPackage => ({ ...r, ...p })),
          ),
        ),
        sizes: fc.constant(sizes),
      });
    });

  it('round-trips random uploads in random chunkings (empty chunks included)', async () => {
    await fc.assert(
      fc.asyncProperty(uploadArb, async ({ header: h, packages: ps, sizes }) => {
        const bytes = Uint8Array.from([...encodeAddEntriesHeader(h), ...ps.flatMap((p) => [...encodeEntryPackage(p.entries, p.proof)])]);
        const stream = new ByteStream(yieldAll(chunkedBySizes(bytes, sizes)));
        const got = await readBody(stream, packageRanges(h.uploadStart, h.uploadEnd));
        expect(got.header).toEqual(h);
        expect(got.packages).toEqual(ps);
        expect(await stream.read(1)).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });

  it('from a body cut anywhere past the header, reads exactly the packages wholly before the cut', async () => {
    await fc.assert(
      fc.asyncProperty(uploadArb, fc.double({ min: 0, max: 1, noNaN: true }), async ({ header: h, packages: ps, sizes }, where) => {
        const head = encodeAddEntriesHeader(h);
        const encoded = ps.map((p) => encodeEntryPackage(p.entries, p.proof));
        const bytes = Uint8Array.from([...head, ...encoded.flatMap((p) => [...p])]);
        const cut = head.length + Math.floor(where * (bytes.length - head.length));
        // The packages whose last byte is before the cut.
        let whole = 0;
        let end = head.length;
        for (const p of encoded) {
          end += p.length;
          if (end > cut) break;
          whole++;
        }
        const stream = new ByteStream(yieldAll(chunkedBySizes(bytes.subarray(0, cut), sizes)));
        expect(await readAddEntriesHeader(stream)).toEqual(h);
        for (const [i, range] of packageRanges(h.uploadStart, h.uploadEnd).entries()) {
          const pkg = await readEntryPackage(stream, range);
          if (i < whole) expect(pkg).toEqual(ps[i]);
          else {
            expect(pkg).toBeUndefined();
            break;
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('readAddEntriesHeader refuses', () => {
  const valid = encodeAddEntriesHeader({ origin: ORIGIN, uploadStart: 3, uploadEnd: 300, ticket: Uint8Array.of(1, 2, 3) });

  it('a header cut at every point, in one chunk and in 1-byte chunks', async () => {
    for (let cut = 0; cut < valid.length; cut++) {
      for (const size of [undefined, 1]) await expectMalformed(readAddEntriesHeader(streamOf(valid.subarray(0, cut), size)), `cut at ${cut} of ${valid.length}`);
    }
    // The whole header is accepted: the refusals above are about the cut alone.
    expect((await readAddEntriesHeader(streamOf(valid))).origin).toBe(ORIGIN);
  });

  it('an empty origin', async () => {
    await expectMalformed(readAddEntriesHeader(streamOf(rawHeader(new Uint8Array(0), 0n, 0n))), 'empty origin');
  });

  it('an origin that is not UTF-8', async () => {
    const invalid = [
      [0xff],
      [0x61, 0x80], // a lone continuation byte
      [0xc0, 0x80], // an overlong NUL
      [0xe2, 0x82], // a sequence cut short
      [0xed, 0xa0, 0x80], // a UTF-16 surrogate
      [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
    ];
    for (const bytes of invalid) await expectMalformed(readAddEntriesHeader(streamOf(rawHeader(Uint8Array.from(bytes), 0n, 1n))), `origin bytes ${bytes.join(',')}`);
  });

  it('an origin with a newline or another control character', async () => {
    for (const c of ['\n', '\r', '\t', '\u0000', '\u001b', '\u001f', '\u007f']) {
      for (const origin of [`log.example${c}x`, `${c}log.example`, `log.example${c}`]) {
        await expectMalformed(readAddEntriesHeader(streamOf(rawHeader(enc.encode(origin), 0n, 1n))), JSON.stringify(origin));
      }
    }
  });

  it('upload_start above upload_end', async () => {
    for (const [s, e] of [
      [1n, 0n],
      [257n, 256n],
      [BigInt(MAX_INDEX), 0n],
    ] as const) {
      await expectMalformed(readAddEntriesHeader(streamOf(rawHeader(enc.encode('a'), s, e))), `[${s}, ${e})`);
    }
  });

  it('a u64 past 2^53 - 1, and takes 2^53 - 1 itself', async () => {
    const past = [2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];
    for (const big of past) {
      await expectMalformed(readAddEntriesHeader(streamOf(rawHeader(enc.encode('a'), 0n, big))), `upload_end ${big}`);
      await expectMalformed(readAddEntriesHeader(streamOf(rawHeader(enc.encode('a'), big, big))), `upload_start ${big}`);
    }
    const top = await readAddEntriesHeader(streamOf(rawHeader(enc.encode('a'), BigInt(MAX_INDEX), BigInt(MAX_INDEX))));
    expect([top.uploadStart, top.uploadEnd]).toEqual([MAX_INDEX, MAX_INDEX]);
  });
});

describe('readEntryPackage', () => {
  const range: PackageRange = { start: 3, end: 6, subtreeStart: 0 };
  const entries = [new Uint8Array(0), enc.encode('abc'), new Uint8Array(300).fill(7)];
  const proof = [hashOf(1), hashOf(2)];
  const bytes = encodeEntryPackage(entries, proof);

  it('returns undefined when the body ends at any point inside the package', async () => {
    for (let cut = 0; cut < bytes.length; cut++) {
      for (const size of [undefined, 1]) expect(await readEntryPackage(streamOf(bytes.subarray(0, cut), size), range), `cut at ${cut}`).toBeUndefined();
    }
    expect(await readEntryPackage(streamOf(bytes), range)).toEqual({ ...range, entries, proof });
  });

  it('throws MALFORMED_REQUEST for num_hashes 64 to 255, and takes 63', async () => {
    const entryBytes = rawPackage(entries, 0, []).subarray(0, -1);
    for (let n = MAX_PACKAGE_HASHES + 1; n <= 255; n++) {
      // With all n hashes present, so the refusal is of the count and not of a short body.
      const hashes = Array.from({ length: n }, (_, k) => hashOf(k));
      await expectMalformed(readEntryPackage(streamOf(Uint8Array.from([...entryBytes, ...rawPackage([], n, hashes)])), range), `num_hashes ${n}`);
      await expectMalformed(readEntryPackage(streamOf(Uint8Array.from([...entryBytes, n])), range), `num_hashes ${n}, no hashes`);
    }
    const hashes = Array.from({ length: MAX_PACKAGE_HASHES }, (_, k) => hashOf(k));
    expect((await readEntryPackage(streamOf(Uint8Array.from([...entryBytes, ...rawPackage([], MAX_PACKAGE_HASHES, hashes)])), range))?.proof).toEqual(hashes);
  });
});

describe('ByteStream', () => {
  it('reads nothing more from the source than the bytes asked for need', async () => {
    // Streaming: a mirror holds one package at a time, so a read must not pull the next chunk early.
    let pulls = 0;
    const chunks = [Uint8Array.of(1, 2), Uint8Array.of(3), Uint8Array.of(4, 5, 6)];
    const stream = new ByteStream(
      (async function* () {
        for (const c of chunks) {
          pulls++;
          yield c;
        }
      })(),
    );
    expect(await stream.read(0)).toEqual(new Uint8Array(0));
    expect(pulls).toBe(0);
    expect(await stream.read(2)).toEqual(Uint8Array.of(1, 2));
    expect(pulls).toBe(1);
    expect(await stream.read(2)).toEqual(Uint8Array.of(3, 4));
    expect(pulls).toBe(3);
    expect(await stream.read(2)).toEqual(Uint8Array.of(5, 6));
    expect(await stream.read(1)).toBeUndefined();
  });

  it('drops the bytes short of a read the stream ends inside, as the spec discards partial bytes', async () => {
    const stream = new ByteStream(yieldAll([Uint8Array.of(1, 2, 3, 4, 5)]));
    expect(await stream.read(10)).toBeUndefined();
    expect(await stream.read(2)).toBeUndefined();
  });

  it('reads across many tiny chunks, each byte copied once', async () => {
    const entry = Uint8Array.from({ length: 65_535 }, (_, i) => i % 251);
    const stream = new ByteStream(yieldAll(Array.from(entry, (b) => Uint8Array.of(b))));
    expect(await stream.read(65_535)).toEqual(entry);
  });

  it('passes over empty chunks', async () => {
    const stream = new ByteStream(yieldAll([new Uint8Array(0), Uint8Array.of(1), new Uint8Array(0), new Uint8Array(0), Uint8Array.of(2, 3)]));
    expect(await stream.read(3)).toEqual(Uint8Array.of(1, 2, 3));
    expect(await stream.read(1)).toBeUndefined();
  });

  it("close() calls the iterator's return(), so the transport can stop sending", async () => {
    let returned = 0;
    const iterable: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: Uint8Array.of(1, 2, 3) }),
        return: async () => {
          returned++;
          return { done: true, value: undefined };
        },
      }),
    };
    const stream = new ByteStream(iterable);
    expect(await stream.read(2)).toEqual(Uint8Array.of(1, 2));
    expect(returned).toBe(0);
    await stream.close();
    expect(returned).toBe(1);
  });

  it("close() runs an async generator's finally block", async () => {
    let finished = false;
    const stream = new ByteStream(
      (async function* () {
        try {
          // Bounded, so a reader that never gathers 3 bytes fails rather than hangs.
          for (let i = 0; i < 100; i++) yield Uint8Array.of(i);
        } finally {
          finished = true;
        }
      })(),
    );
    expect(await stream.read(3)).toEqual(Uint8Array.of(0, 1, 2));
    expect(finished).toBe(false);
    await stream.close();
    expect(finished).toBe(true);
  });

  it('close() is fine on an iterator without return()', async () => {
    const stream = new ByteStream({ [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) });
    await expect(stream.close()).resolves.toBeUndefined();
  });
});

describe('mirror info', () => {
  it('formats three lines, each ending in a newline', () => {
    expect(formatMirrorInfo({ pendingSize: 10, nextEntry: 3, ticket: Uint8Array.of(1, 2, 3) })).toBe('10\n3\nAQID\n');
    expect(formatMirrorInfo({ pendingSize: 0, nextEntry: 0, ticket: new Uint8Array(0) })).toBe('0\n0\n\n');
    expect(() => formatMirrorInfo({ pendingSize: -1, nextEntry: 0, ticket: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => formatMirrorInfo({ pendingSize: 0, nextEntry: MAX_INDEX + 1, ticket: new Uint8Array(0) })).toThrow(RangeError);
  });

  it('round-trips through parseMirrorInfo', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(1000), fc.maxSafeNat()), fc.oneof(fc.nat(1000), fc.maxSafeNat()), fc.uint8Array({ maxLength: 100 }), (pendingSize, nextEntry, ticket) => {
        const text = formatMirrorInfo({ pendingSize, nextEntry, ticket });
        expect(parseMirrorInfo(text)).toEqual({ pendingSize, nextEntry, ticket });
      }),
    );
  });

  it('parses the largest sizes and an empty ticket', () => {
    expect(parseMirrorInfo(`${MAX_INDEX}\n${MAX_INDEX}\n\n`)).toEqual({ pendingSize: MAX_INDEX, nextEntry: MAX_INDEX, ticket: new Uint8Array(0) });
  });

  const ticket = encodeBase64(Uint8Array.of(1, 2, 3)); // AQID
  const refused: [string, string][] = [
    ['no final newline', `10\n3\n${ticket}`],
    ['empty body', ''],
    ['two lines', '10\n3\n'],
    ['four lines', `10\n3\n${ticket}\nmore\n`],
    ['four lines, the last empty', `10\n3\n${ticket}\n\n`],
    ['leading zero, first line', `010\n3\n${ticket}\n`],
    ['leading zero, second line', `10\n03\n${ticket}\n`],
    ['zero written twice', `00\n3\n${ticket}\n`],
    ['plus sign', `+10\n3\n${ticket}\n`],
    ['minus sign', `10\n-3\n${ticket}\n`],
    ['negative zero', `-0\n3\n${ticket}\n`],
    ['leading space', ` 10\n3\n${ticket}\n`],
    ['trailing space', `10\n3 \n${ticket}\n`],
    ['space in the ticket', `10\n3\n${ticket} \n`],
    ['empty size', `\n3\n${ticket}\n`],
    ['size past 2^53 - 1', `9007199254740992\n3\n${ticket}\n`],
    ['exponent', `1e3\n3\n${ticket}\n`],
    ['ticket without padding', '10\n3\nAQI\n'],
    ['ticket with unused bits set', '10\n3\nAQJ=\n'],
    ['ticket with unused bits set, two pads', '10\n3\nAR==\n'],
    ['ticket in the URL alphabet', '10\n3\n-_8=\n'],
    ['ticket with extra padding', `10\n3\n${ticket}=\n`],
    ['CRLF line ends', `10\r\n3\r\n${ticket}\r\n`],
    ['CRLF on the last line', `10\n3\n${ticket}\r\n`],
    ['CR on an empty ticket line', '10\n3\n\r\n'],
  ];
  for (const [what, text] of refused) {
    it(`refuses: ${what}`, () => {
      expectMalformedSync(() => parseMirrorInfo(text), what);
    });
  }
});
