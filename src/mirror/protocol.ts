/**
 * The wire formats of c2sp.org/tlog-mirror: the binary `add-entries` body (a header, then the
 * canonical sequence of entry packages aligned at multiples of 256, each with a subtree
 * consistency proof) and the `text/x.tlog.mirror-info` body of a 202 or 409 answer.
 *
 * Reading is streaming (`ByteStream`): a package is read, checked and committed before the next
 * one's bytes are asked for, so a mirror holds at most one package (256 entries of at most
 * 65,535 bytes) of any upload however large.
 *
 * Pure: no I/O, no `node:` imports. Tree indices pass 2^32: arithmetic only.
 */
import { concatBytes, decodeBase64, decodeUtf8, encodeBase64, parseDecimal } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { HASH_SIZE, type Hash, MAX_ENTRY_SIZE, TILE_WIDTH, isIndex } from '../merkle/index.js';

export const MIRROR_INFO_CONTENT_TYPE = 'text/x.tlog.mirror-info';
/** "num_hashes, which MUST be at most 63". */
export const MAX_PACKAGE_HASHES = 63;
/** "clients SHOULD limit each add-entries request to at most 32 entry packages". */
export const PACKAGES_PER_REQUEST = 32;
/** The most bytes an origin or a ticket can take (a uint16 length). */
const MAX_U16 = 65_535;

/** The header of an add-entries body. */
export interface AddEntriesHeader {
  readonly origin: string;
  readonly uploadStart: number;
  readonly uploadEnd: number;
  readonly ticket: Uint8Array;
}

/** One entry package of the canonical sequence: entries [start, end), proven as the subtree [subtreeStart, end). */
export interface PackageRange {
  readonly start: number;
  readonly end: number;
  readonly subtreeStart: number;
}

export interface EntryPackage extends PackageRange {
  readonly entries: readonly Uint8Array[];
  readonly proof: readonly Hash[];
}

/** The three lines of a 202 or 409 answer. */
export interface MirrorInfo {
  /** The tree size of a valid pending checkpoint. */
  readonly pendingSize: number;
  /** The first entry the mirror does not hold. */
  readonly nextEntry: number;
  readonly ticket: Uint8Array;
}

function malformed(message: string, field: string): LogError {
  return new LogError('MALFORMED_REQUEST', `couldn't parse the add-entries body: ${message}`, { field });
}

/**
 * The canonical sequence of packages for [uploadStart, uploadEnd) (c2sp.org/tlog-mirror,
 * "Request Body"): package i covers [max(start, r + 256i), min(end, r + 256(i + 1))) with r the
 * start rounded down to 256, and its subtree starts at r + 256i. At most `limit` of them.
 */
export function packageRanges(uploadStart: number, uploadEnd: number, limit = Number.POSITIVE_INFINITY): PackageRange[] {
  if (!isIndex(uploadStart) || !isIndex(uploadEnd) || uploadStart > uploadEnd) throw new RangeError(`[${uploadStart}, ${uploadEnd}) is not an upload range`);
  const ranges: PackageRange[] = [];
  if (uploadStart === uploadEnd) return ranges;
  const roundedStart = Math.floor(uploadStart / TILE_WIDTH) * TILE_WIDTH;
  // `limit`: the first packages only; a caller never holds the list of a whole large upload.
  for (let at = roundedStart; at < uploadEnd && ranges.length < limit; at += TILE_WIDTH) {
    ranges.push({ start: Math.max(uploadStart, at), end: Math.min(uploadEnd, at + TILE_WIDTH), subtreeStart: at });
  }
  return ranges;
}

function u16(n: number): Uint8Array {
  return Uint8Array.of(Math.floor(n / 256), n % 256);
}

function u64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** The header bytes of an add-entries body. */
export function encodeAddEntriesHeader(header: AddEntriesHeader): Uint8Array {
  const origin = new TextEncoder().encode(header.origin);
  if (origin.length === 0 || origin.length > MAX_U16) throw new RangeError('the origin must be 1 to 65,535 bytes');
  if (header.ticket.length > MAX_U16) throw new RangeError('the ticket must be at most 65,535 bytes');
  if (!isIndex(header.uploadStart) || !isIndex(header.uploadEnd) || header.uploadStart > header.uploadEnd) throw new RangeError('bad upload range');
  return concatBytes([u16(origin.length), origin, u64(header.uploadStart), u64(header.uploadEnd), u16(header.ticket.length), header.ticket]);
}

/** The bytes of one entry package: each entry with a uint16 length, then num_hashes and the proof. */
export function encodeEntryPackage(entries: readonly Uint8Array[], proof: readonly Hash[]): Uint8Array {
  if (proof.length > MAX_PACKAGE_HASHES) throw new RangeError(`a package proof has at most ${MAX_PACKAGE_HASHES} hashes`);
  if (proof.some((h) => h.length !== HASH_SIZE)) throw new RangeError('a package proof holds 32-byte hashes');
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (e.length > MAX_ENTRY_SIZE) throw new RangeError(`an entry of ${e.length} bytes is over the 65,535-byte limit`);
    parts.push(u16(e.length), e);
  }
  parts.push(Uint8Array.of(proof.length), ...proof);
  return concatBytes(parts);
}

/**
 * Reads exact byte counts from a stream of chunks. `read(n)` gives n bytes, or undefined when
 * the stream ends first (the bytes short of n are dropped: "the mirror discards any partial
 * bytes after the last successfully authenticated entry package"); a body that cannot be read
 * (cut off, or not the gzip it says it is) is MALFORMED_REQUEST.
 */
export class ByteStream {
  readonly #chunks: AsyncIterator<Uint8Array>;
  /** Chunks received and not read yet; the first from `#at`. Joined only for a read that spans them. */
  #queue: Uint8Array[] = [];
  #at = 0;
  #buffered = 0;
  #ended = false;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.#chunks = chunks[Symbol.asyncIterator]();
  }

  async read(n: number): Promise<Uint8Array | undefined> {
    while (this.#buffered < n) {
      if (this.#ended) {
        this.#queue = [];
        this.#buffered = 0;
        return undefined;
      }
      let next: IteratorResult<Uint8Array>;
      try {
        next = await this.#chunks.next();
      } catch (e) {
        // A body cut off or not decodable (a bad gzip stream): what was read before it stands.
        this.#ended = true;
        this.#queue = [];
        this.#buffered = 0;
        throw new LogError('MALFORMED_REQUEST', `couldn't read the add-entries body: ${e instanceof Error ? e.message : String(e)}`, { field: 'body' });
      }
      if (next.done === true) this.#ended = true;
      else if (next.value.length > 0) {
        this.#queue.push(next.value);
        this.#buffered += next.value.length;
      }
    }
    this.#buffered -= n;
    const first = this.#queue[0];
    if (first !== undefined && first.length - this.#at >= n) {
      const out = first.subarray(this.#at, this.#at + n);
      this.#at += n;
      if (this.#at === first.length) {
        this.#queue.shift();
        this.#at = 0;
      }
      return out;
    }
    // The read spans chunks: copy just its bytes, once.
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#queue[0]!;
      const take = Math.min(n - filled, chunk.length - this.#at);
      out.set(chunk.subarray(this.#at, this.#at + take), filled);
      filled += take;
      this.#at += take;
      if (this.#at === chunk.length) {
        this.#queue.shift();
        this.#at = 0;
      }
    }
    return out;
  }

  /** Stops reading: the rest of the body is not wanted. */
  async close(): Promise<void> {
    await this.#chunks.return?.();
  }
}

function readU16(b: Uint8Array): number {
  return b[0]! * 256 + b[1]!;
}

function readU64(b: Uint8Array): number | undefined {
  const n = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
}

/**
 * Reads the header. Throws `MALFORMED_REQUEST` (a 400) for a short or malformed one.
 *
 * Trust boundary: the body is the uploader's.
 */
export async function readAddEntriesHeader(stream: ByteStream): Promise<AddEntriesHeader> {
  const need = async (n: number, what: string, field: string): Promise<Uint8Array> => {
    const b = await stream.read(n);
    if (b === undefined) throw malformed(`the body ends inside the ${what}`, field);
    return b;
  };
  const originLength = readU16(await need(2, 'origin length', 'log_origin'));
  if (originLength === 0) throw malformed('the origin is empty', 'log_origin');
  const origin = decodeUtf8((await need(originLength, 'origin', 'log_origin')).slice());
  if (origin === undefined || /[\u0000-\u001f\u007f]/.test(origin)) throw malformed('the origin is not one line of UTF-8 text', 'log_origin');
  const uploadStart = readU64(await need(8, 'upload start', 'upload_start'));
  if (uploadStart === undefined) throw malformed('upload_start is past 2^53', 'upload_start');
  const uploadEnd = readU64(await need(8, 'upload end', 'upload_end'));
  if (uploadEnd === undefined) throw malformed('upload_end is past 2^53', 'upload_end');
  if (uploadStart > uploadEnd) throw malformed(`upload_start ${uploadStart} is above upload_end ${uploadEnd}`, 'upload_start');
  const ticketLength = readU16(await need(2, 'ticket length', 'ticket'));
  const ticket = (await need(ticketLength, 'ticket', 'ticket')).slice();
  return { origin, uploadStart, uploadEnd, ticket };
}

/**
 * Reads the package for `range`: undefined when the body ends before all of it (nothing of a
 * partial package is kept). Throws `MALFORMED_REQUEST` for more than 63 proof hashes.
 */
export async function readEntryPackage(stream: ByteStream, range: PackageRange): Promise<EntryPackage | undefined> {
  const entries: Uint8Array[] = [];
  for (let i = range.start; i < range.end; i++) {
    const length = await stream.read(2);
    if (length === undefined) return undefined;
    const entry = await stream.read(readU16(length));
    if (entry === undefined) return undefined;
    entries.push(entry.slice());
  }
  const count = await stream.read(1);
  if (count === undefined) return undefined;
  if (count[0]! > MAX_PACKAGE_HASHES) throw malformed(`the package at ${range.start} has ${count[0]} proof hashes; at most ${MAX_PACKAGE_HASHES}`, 'num_hashes');
  const proof: Hash[] = [];
  for (let i = 0; i < count[0]!; i++) {
    const hash = await stream.read(HASH_SIZE);
    if (hash === undefined) return undefined;
    proof.push(hash.slice());
  }
  return { ...range, entries, proof };
}

/** "three lines, each followed by a newline": pending size, next entry, base64 ticket. */
export function formatMirrorInfo(info: MirrorInfo): string {
  if (!isIndex(info.pendingSize) || !isIndex(info.nextEntry)) throw new RangeError('mirror info sizes must be integers in [0, 2^53)');
  return `${info.pendingSize}\n${info.nextEntry}\n${encodeBase64(info.ticket)}\n`;
}

/**
 * Parses a `text/x.tlog.mirror-info` body strictly.
 *
 * Trust boundary: the body comes from a mirror over the network.
 */
export function parseMirrorInfo(text: string): MirrorInfo {
  const bad = () =>
    new LogError('MALFORMED_REQUEST', `couldn't parse the mirror's ${MIRROR_INFO_CONTENT_TYPE} body: expected three lines (pending size, next entry, base64 ticket)`, {
      field: 'mirrorInfo',
    });
  if (typeof text !== 'string' || !text.endsWith('\n')) throw bad();
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 3) throw bad();
  const pendingSize = parseDecimal(lines[0]!);
  const nextEntry = parseDecimal(lines[1]!);
  const ticket = lines[2] === '' ? new Uint8Array(0) : decodeBase64(lines[2]!);
  if (pendingSize === undefined || nextEntry === undefined || ticket === undefined) throw bad();
  return { pendingSize, nextEntry, ticket };
}
