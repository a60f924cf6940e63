/**
 * c2sp.org/tlog-tiles entry bundles: "sequences of big-endian uint16 length-prefixed log
 * entries". Entries are therefore at most 65,535 bytes.
 */
import { LogError } from '../errors.js';
import { TILE_WIDTH } from './tile.js';

export const MAX_ENTRY_SIZE = 65_535;

export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH) throw new RangeError(`an entry bundle holds at most 256 entries, got ${entries.length}`);
  let length = 0;
  for (const e of entries) {
    if (e.length > MAX_ENTRY_SIZE) throw new RangeError(`entry of ${e.length} bytes is over the 65,535-byte limit`);
    length += 2 + e.length;
  }
  const out = new Uint8Array(length);
  let o = 0;
  for (const e of entries) {
    out[o] = Math.floor(e.length / 256);
    out[o + 1] = e.length % 256;
    out.set(e, o + 2);
    o += 2 + e.length;
  }
  return out;
}

/**
 * Decodes an entry bundle strictly: every byte belongs to exactly one entry, and when
 * `width` is given the bundle must hold exactly that many entries.
 *
 * Trust boundary: `data` may come from an untrusted log; entries still need checking
 * against a verified level-0 tile.
 */
export function decodeEntryBundle(data: Uint8Array, width?: number): Uint8Array[] {
  const entries: Uint8Array[] = [];
  let o = 0;
  while (o < data.length) {
    if (o + 2 > data.length) throw new LogError('MALFORMED_TILE', `entry bundle ends inside the length of entry ${entries.length}`);
    const length = data[o]! * 256 + data[o + 1]!;
    if (o + 2 + length > data.length) throw new LogError('MALFORMED_TILE', `entry bundle ends inside entry ${entries.length}`);
    entries.push(data.slice(o + 2, o + 2 + length));
    o += 2 + length;
    if (entries.length > TILE_WIDTH) throw new LogError('MALFORMED_TILE', 'entry bundle holds more than 256 entries');
  }
  if (width !== undefined && entries.length !== width) {
    throw new LogError('MALFORMED_TILE', `entry bundle holds ${entries.length} entries, expected ${width}`);
  }
  return entries;
}
