/**
 * c2sp.org/tlog-tiles paths, tile lists and entry bundles: strict parsing (one spelling
 * per tile), round trips, newTiles as a set difference, and entry bundle framing.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isLogError } from '../../../src/errors.js';
import {
  type Tile,
  MAX_ENTRY_SIZE,
  TILE_WIDTH,
  buildTile,
  decodeEntryBundle,
  encodeEntryBundle,
  entryBundlesForSize,
  formatEntryBundlePath,
  formatTilePath,
  hashFromTile,
  hashesAtTileLevel,
  leafHash,
  newTiles,
  parseTilePath,
  tileForNode,
  tileNodes,
  tilesForSize,
  tileWidth,
} from '../../../src/merkle/index.js';
import { MemoryTree } from '../../support/memory-tree.js';
import { bytesEq } from '../../support/reference-merkle.js';

const MALFORMED = expect.objectContaining({ code: 'MALFORMED_TILE' });

/** The largest index a tile at `level` can have in a tree below 2^53 leaves. */
const maxTileIndex = (level: number): number => Math.floor((2 ** 53 - 1) / TILE_WIDTH ** (level + 1));

const tileArb = fc
  .integer({ min: 0, max: 6 })
  .chain((level) => fc.record({ level: fc.constant(level), index: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: maxTileIndex(level) })), width: fc.integer({ min: 1, max: 256 }) }))
  .map(({ level, index, width }): Tile => ({ level, index: Math.min(index, maxTileIndex(level)), width }));

describe('parseTilePath', () => {
  it('accepts the canonical spellings', () => {
    expect(parseTilePath('tile/1/x001/x234/067.p/17')).toEqual({ kind: 'tile', level: 1, index: 1234067, width: 17 });
    expect(parseTilePath('tile/entries/000')).toEqual({ kind: 'entries', index: 0, width: 256 });
    expect(parseTilePath('tile/0/000.p/1')).toEqual({ kind: 'tile', level: 0, index: 0, width: 1 });
    expect(parseTilePath('tile/0/000.p/255')).toEqual({ kind: 'tile', level: 0, index: 0, width: 255 });
    expect(parseTilePath('tile/0/999')).toEqual({ kind: 'tile', level: 0, index: 999, width: 256 });
    expect(parseTilePath('tile/0/x001/000')).toEqual({ kind: 'tile', level: 0, index: 1000, width: 256 });
    expect(parseTilePath('tile/2/x001/x000/000')).toEqual({ kind: 'tile', level: 2, index: 1000000, width: 256 });
    expect(parseTilePath('tile/entries/x001/x234/067.p/17')).toEqual({ kind: 'entries', index: 1234067, width: 17 });
    expect(parseTilePath('tile/63/000')).toEqual({ kind: 'tile', level: 63, index: 0, width: 256 });
    expect(parseTilePath('tile/10/000.p/3')).toEqual({ kind: 'tile', level: 10, index: 0, width: 3 });
  });

  const rejected: [string, string][] = [
    ['tile/0/x000/001', 'leading zero group'],
    ['tile/0/x000/x001/000', 'leading zero group before more groups'],
    ['tile/entries/x000/000', 'leading zero group in a bundle'],
    ['tile/0/0001', '4-digit element'],
    ['tile/0/01', '2-digit element'],
    ['tile/0/1', '1-digit element'],
    ['tile/0/x0001/000', '4-digit x element'],
    ['tile/0/x01/000', '2-digit x element'],
    ['tile/0/001/234', 'missing x'],
    ['tile/0/X001/234', 'capital X'],
    ['tile/0/x001', 'x on the last element'],
    ['tile/0/x001/x234', 'x on the last element after groups'],
    ['tile/0/000.p/0', 'width 0'],
    ['tile/0/000.p/256', 'width 256 spelled as partial'],
    ['tile/0/000.p/007', 'width with leading zeroes'],
    ['tile/0/000.p/07', 'width with a leading zero'],
    ['tile/0/000.p/1000', 'width past 256'],
    ['tile/0/000.p/-1', 'negative width'],
    ['tile/0/000.p/+1', 'width with a sign'],
    ['tile/0/000.p/1 ', 'width with a space'],
    ['tile/0/000.p/0x1', 'hex width'],
    ['tile/0/000.P/1', 'capital P'],
    ['tile/0/000.p', '.p without a width'],
    ['tile/0/000.p/', 'empty width'],
    ['tile/entries/000.p/', 'empty bundle width'],
    ['tile/entries/000.p', 'bundle .p without a width'],
    ['tile/0/000.p/1.p/2', 'two widths'],
    ['tile/0/000.p.p/1', 'double .p'],
    ['tile/0/x001.p/1/000', '.p before the last element'],
    ['tile/0/000.p/5/', 'trailing slash after the width'],
    ['tile/0/000.p/5/6', 'element after the width'],
    ['tile/0/000/', 'trailing slash'],
    ['tile/0/000//', 'two trailing slashes'],
    ['tile/0//000', 'empty element'],
    ['tile//000', 'empty level'],
    ['tile/01/000', 'level with a leading zero'],
    ['tile/00/000', 'level 00'],
    ['tile/64/000', 'level 64'],
    ['tile/100/000', 'level 100'],
    ['tile/-1/000', 'negative level'],
    ['tile/+1/000', 'level with +'],
    ['tile/1.0/000', 'fractional level'],
    ['tile/ 1/000', 'level with a space'],
    ['tile/0/+01', 'index with +'],
    ['tile/0/-01', 'index with -'],
    ['tile/0/ 000', 'index with a leading space'],
    ['tile/0/000 ', 'index with a trailing space'],
    ['tile/0/00 0', 'index with an inner space'],
    ['tile/0/000\n', 'trailing newline'],
    ['tile/0/00a', 'hex digit'],
    ['tile/0/1e2', 'exponent'],
    ['tile/0/\u0966\u0966\u0966', 'non-ASCII digits'],
    [' tile/0/000', 'leading space'],
    ['/tile/0/000', 'leading slash'],
    ['Tile/0/000', 'capital T'],
    ['tiles/0/000', 'tiles'],
    ['tile/data/000', 'unknown kind'],
    ['tile/Entries/000', 'capital entries'],
    ['tile/entries', 'bundle without index'],
    ['tile/entries/', 'bundle with an empty index'],
    ['tile/0', 'tile without index'],
    ['tile/0/', 'tile with an empty index'],
    ['tile', 'just tile'],
    ['', 'empty'],
    ['tile/0/x009/x007/x199/x254/x740/x992/000', 'index far past 2^53'],
    ['tile/0/x009/x007/x199/x254/x740/992', 'index 2^53'],
    ['tile/0/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/999', 'index overflowing to Infinity'],
  ];

  it.each(rejected)('rejects %j (%s) with MALFORMED_TILE', (path) => {
    let thrown: unknown;
    try {
      parseTilePath(path);
    } catch (e) {
      thrown = e;
    }
    expect(isLogError(thrown, 'MALFORMED_TILE'), `${path} → ${String(thrown)}`).toBe(true);
  });

  it('parse(format(t)) == t for random tiles and bundles below 2^53', () => {
    fc.assert(
      fc.property(tileArb, (tile) => {
        const path = formatTilePath(tile);
        expect(parseTilePath(path)).toEqual({ kind: 'tile', ...tile });
        // Full tiles have no width suffix; partial ones always do.
        expect(path.endsWith(`.p/${tile.width}`)).toBe(tile.width !== 256);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: maxTileIndex(0) }), fc.integer({ min: 1, max: 256 }), (index, width) => {
        expect(parseTilePath(formatEntryBundlePath({ index, width }))).toEqual({ kind: 'entries', index, width });
      }),
      { numRuns: 500 },
    );
  });

  it('any string either fails with MALFORMED_TILE or is the one canonical spelling of what it parses to', () => {
    const piece = fc.constantFrom(
      'tile', 'entries', '/', '/', '/', '0', '1', '2', '6', '63', '64', '01', 'x', 'x0', 'x00', 'x000', 'x001', 'x999',
      '000', '001', '255', '256', '999', '.p', '.p/', '/1', '/0', '/007', '/255', '/256', ' ', '+', '-', '9', 'a', '',
    );
    /** A canonical path with one edit (or none): most edits must be caught, some give another tile. */
    const edited = fc
      .tuple(tileArb, fc.boolean(), fc.nat(), piece, fc.constantFrom('none', 'insert', 'delete', 'replace'))
      .map(([tile, bundle, at, p, edit]) => {
        const path = bundle ? formatEntryBundlePath(tile) : formatTilePath(tile);
        const i = at % (path.length + 1);
        if (edit === 'insert') return path.slice(0, i) + p + path.slice(i);
        if (edit === 'delete') return path.slice(0, i) + path.slice(i + 1);
        if (edit === 'replace') return path.slice(0, i) + p + path.slice(i + p.length);
        return path;
      });
    const path = fc.oneof(
      edited,
      fc.array(piece, { maxLength: 14 }).map((p) => p.join('')),
      fc.array(piece, { maxLength: 12 }).map((p) => `tile/${p.join('')}`),
      fc.string({ maxLength: 40 }),
    );
    let parsed = 0;
    fc.assert(
      fc.property(path, (p) => {
        let result: ReturnType<typeof parseTilePath> | undefined;
        try {
          result = parseTilePath(p);
        } catch (e) {
          expect(isLogError(e, 'MALFORMED_TILE'), String(e)).toBe(true);
          return;
        }
        parsed++;
        const canonical = result.kind === 'tile' ? formatTilePath(result) : formatEntryBundlePath(result);
        expect(canonical).toBe(p);
      }),
      { numRuns: 5000 },
    );
    expect(parsed).toBeGreaterThan(100);
  });
});

describe('tile lists', () => {
  const key = (t: Tile): string => `${t.level}/${t.index}/${t.width}`;
  /**
   * A list of up to 16,000 tiles (or entry bundles) as one string, a line per tile with its
   * fields, and the whole object where it has any other: one string comparison instead of
   * a deep equality per tile, which took seconds over the runs below.
   */
  const tileLines = (tiles: readonly Tile[]): string => tiles.map((t) => (Object.keys(t).length === 3 ? key(t) : JSON.stringify(t))).join('\n');
  const bundleLines = (bundles: readonly { index: number; width: number }[]): string =>
    bundles.map((b) => (Object.keys(b).length === 2 ? `${b.index}/${b.width}` : JSON.stringify(b))).join('\n');

  it('newTiles(old, new) is tilesForSize(new) minus tilesForSize(old), in the same order', () => {
    const size = fc.oneof(fc.integer({ min: 0, max: 70000 }), fc.integer({ min: 0, max: 2 ** 21 }), fc.constantFrom(0, 1, 255, 256, 257, 65535, 65536, 65537));
    fc.assert(
      fc.property(size, size, (a, b) => {
        const [oldSize, newSize] = a <= b ? [a, b] : [b, a];
        const old = new Set([...tilesForSize(oldSize)].map(key));
        const expected = [...tilesForSize(newSize)].filter((t) => !old.has(key(t)));
        expect(tileLines(newTiles(oldSize, newSize))).toBe(tileLines(expected));
      }),
      { numRuns: 200 },
    );
  });

  it('newTiles for one more leaf, and from a size to itself', () => {
    expect(newTiles(0, 0)).toEqual([]);
    expect(newTiles(1000, 1000)).toEqual([]);
    expect(newTiles(0, 1)).toEqual([{ level: 0, index: 0, width: 1 }]);
    expect(newTiles(255, 256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    expect(newTiles(65535, 65536)).toEqual([
      { level: 0, index: 255, width: 256 },
      { level: 1, index: 0, width: 256 },
      { level: 2, index: 0, width: 1 },
    ]);
    expect(() => newTiles(2, 1)).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
    expect(() => newTiles(-1, 1)).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
    expect(() => newTiles(0, 2 ** 53)).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
  });

  it('tilesForSize: every level has floor(n / 256^l) hashes split into full tiles and one partial', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 70000 }), fc.integer({ min: 0, max: 2 ** 22 })), (treeSize) => {
        const expected: Tile[] = [];
        for (let level = 0; Math.floor(treeSize / 256 ** level) > 0; level++) {
          const hashes = Math.floor(treeSize / 256 ** level);
          for (let index = 0; index * 256 < hashes; index++) expected.push({ level, index, width: Math.min(256, hashes - index * 256) });
        }
        const tiles = [...tilesForSize(treeSize)];
        expect(tileLines(tiles)).toBe(tileLines(expected));
        expect(tiles.every((t) => t.width === tileWidth(t.level, t.index, treeSize) && hashesAtTileLevel(t.level, treeSize) >= t.index * 256 + t.width)).toBe(true);
        const bundles = [...entryBundlesForSize(treeSize)];
        expect(bundleLines(bundles)).toBe(bundleLines(expected.filter((t) => t.level === 0).map((t) => ({ index: t.index, width: t.width }))));
      }),
      { numRuns: 200 },
    );
    expect([...tilesForSize(0)]).toEqual([]);
    expect([...entryBundlesForSize(0)]).toEqual([]);
  });
});

describe('tile contents', () => {
  let tree: MemoryTree;
  beforeAll(() => {
    tree = new MemoryTree(Array.from({ length: 3 * 256 + 77 }, (_, i) => leafHash(new TextEncoder().encode(`tile leaf ${i}`))));
  });

  it('hashFromTile(tile, offset, 2^r) is the node at level 8L + r, as tileForNode locates it', () => {
    const treeSize = tree.treeSize;
    for (const tile of tilesForSize(treeSize)) {
      const data = tree.tile(tile);
      expect(data.length).toBe(tile.width * 32);
      for (let r = 0; 2 ** r <= tile.width; r++) {
        for (let offset = 0; offset + 2 ** r <= tile.width; offset += 2 ** r) {
          const node = { level: tile.level * 8 + r, index: (tile.index * 256 + offset) / 2 ** r };
          expect(bytesEq(hashFromTile(data, offset, 2 ** r), tree.node(node)), `${formatTilePath(tile)} ${offset}+${2 ** r}`).toBe(true);
          // Level 8L + 8 is the parent tile's: r = 8 is a whole tile's hash, found one level up.
          if (r < 8) expect(tileForNode(node, treeSize)).toEqual({ tile, offset, count: 2 ** r });
        }
      }
    }
  });

  it('tileNodes lists the width nodes at level 8L; buildTile concatenates 1 to 256 hashes', () => {
    expect(tileNodes({ level: 1, index: 2, width: 3 })).toEqual([
      { level: 8, index: 512 },
      { level: 8, index: 513 },
      { level: 8, index: 514 },
    ]);
    const h = tree.node({ level: 0, index: 0 });
    expect(buildTile([h, h]).length).toBe(64);
    expect(() => buildTile([])).toThrow(RangeError);
    expect(() => buildTile(Array.from({ length: 257 }, () => h))).toThrow(RangeError);
    expect(() => buildTile([h.subarray(1)])).toThrow(RangeError);
  });
});

describe('entry bundles', () => {
  const entries = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: TILE_WIDTH });

  it('decode(encode(entries), width) round trips, and the framing is uint16 big-endian length + bytes', () => {
    fc.assert(
      fc.property(entries, (es) => {
        const data = encodeEntryBundle(es);
        expect(data.length).toBe(es.reduce((s, e) => s + 2 + e.length, 0));
        let o = 0;
        for (const e of es) {
          expect(data[o]! * 256 + data[o + 1]!).toBe(e.length);
          expect(bytesEq(data.subarray(o + 2, o + 2 + e.length), e)).toBe(true);
          o += 2 + e.length;
        }
        const decoded = decodeEntryBundle(data, es.length);
        expect(decoded.length).toBe(es.length);
        decoded.forEach((d, i) => expect(bytesEq(d, es[i]!)).toBe(true));
        expect(decodeEntryBundle(data).length).toBe(es.length);
      }),
      { numRuns: 300 },
    );
  });

  it('round trips the largest entries, 256 of them and entries of 65,535 bytes', () => {
    const big = new Uint8Array(MAX_ENTRY_SIZE).map((_, i) => i % 251);
    const data = encodeEntryBundle([big, new Uint8Array(0), big]);
    expect(data[0]).toBe(0xff);
    expect(data[1]).toBe(0xff);
    const decoded = decodeEntryBundle(data, 3);
    expect(bytesEq(decoded[0]!, big) && decoded[1]!.length === 0 && bytesEq(decoded[2]!, big)).toBe(true);
    const full = Array.from({ length: 256 }, (_, i) => new TextEncoder().encode(`entry ${i}`));
    expect(decodeEntryBundle(encodeEntryBundle(full), 256).length).toBe(256);
    expect(() => encodeEntryBundle([new Uint8Array(MAX_ENTRY_SIZE + 1)])).toThrow(RangeError);
    expect(() => encodeEntryBundle(Array.from({ length: 257 }, () => new Uint8Array(1)))).toThrow(RangeError);
  });

  it('rejects every strict prefix when the width is known, and without it exactly the cuts inside an entry', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 20 }),
        fc.nat(),
        (es, r) => {
          const data = encodeEntryBundle(es);
          const cut = r % data.length; // 0 ≤ cut < length
          const prefix = data.slice(0, cut);
          expect(() => decodeEntryBundle(prefix, es.length)).toThrow(MALFORMED);
          // Entry boundaries: 0, 2 + |e0|, …
          const boundaries = new Set<number>([0]);
          let o = 0;
          for (const e of es) boundaries.add((o += 2 + e.length));
          if (boundaries.has(cut)) {
            expect(decodeEntryBundle(prefix).length).toBe([...boundaries].filter((b) => b > 0 && b <= cut).length);
          } else {
            expect(() => decodeEntryBundle(prefix)).toThrow(MALFORMED);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rejects truncated lengths, truncated entries, trailing bytes, a width mismatch and more than 256 entries', () => {
    const data = encodeEntryBundle([Uint8Array.of(1, 2, 3), Uint8Array.of(4)]);
    expect(() => decodeEntryBundle(Uint8Array.of(0))).toThrow(MALFORMED); // half a length
    expect(() => decodeEntryBundle(data.slice(0, 6))).toThrow(MALFORMED); // ends in the second length
    expect(() => decodeEntryBundle(Uint8Array.of(0, 5, 1, 2))).toThrow(MALFORMED); // entry cut short
    expect(() => decodeEntryBundle(Uint8Array.of(0xff, 0xff))).toThrow(MALFORMED);
    expect(() => decodeEntryBundle(Uint8Array.of(...data, 0))).toThrow(MALFORMED); // a trailing byte
    expect(decodeEntryBundle(Uint8Array.of(...data, 0, 0)).length).toBe(3); // …unless it frames an empty entry
    expect(() => decodeEntryBundle(Uint8Array.of(...data, 0, 0), 2)).toThrow(MALFORMED);
    expect(() => decodeEntryBundle(data, 1)).toThrow(MALFORMED);
    expect(() => decodeEntryBundle(data, 3)).toThrow(MALFORMED);
    expect(() => decodeEntryBundle(new Uint8Array(0), 1)).toThrow(MALFORMED);
    expect(decodeEntryBundle(new Uint8Array(0))).toEqual([]);
    // 257 empty entries: 514 zero bytes.
    expect(() => decodeEntryBundle(new Uint8Array(2 * 257))).toThrow(MALFORMED);
    expect(() => decodeEntryBundle(new Uint8Array(2 * 257), 257)).toThrow(MALFORMED);
    expect(decodeEntryBundle(new Uint8Array(2 * 256), 256).length).toBe(256);
  });
});
