/**
 * The argument checks every `LogStore` makes before touching its data (the PostgreSQL store
 * and the in-memory fake alike). A failure here is a bug in the caller, never a race, so it
 * is INTERNAL.
 */
import { isBytes } from '../encoding/index.js';
import { LogError } from '../errors.js';
import type { EventRows, IntegratedBatch, MoneyRows } from '../log/types.js';
import { HASH_SIZE, TILE_WIDTH, type Hash, isHash } from '../merkle/index.js';

/**
 * The batch is one the sequencer can have built on `expected`: contiguous entries from its
 * size, a head that many entries larger, 32-byte hashes, each tile once with 1 to 256
 * hashes. The Merkle math itself is not re-checked.
 */
export function checkBatch(expected: { readonly treeSize: number; readonly rootHash: Hash }, batch: IntegratedBatch): void {
  const bad = (message: string) => new LogError('INTERNAL', `invalid batch: ${message}`);
  if (!isHash(expected.rootHash)) throw bad(`the expected root hash is not ${HASH_SIZE} bytes`);
  batch.entries.forEach((entry, i) => {
    if (entry.leafIndex !== expected.treeSize + i) {
      throw bad(`entry ${i} has leaf index ${entry.leafIndex}, not ${expected.treeSize + i} (entries must follow the expected size)`);
    }
    if (!isHash(entry.leafHash)) throw bad(`the leaf hash of entry ${entry.leafIndex} is not ${HASH_SIZE} bytes`);
    if (!isBytes(entry.data)) throw bad(`the data of entry ${entry.leafIndex} is not bytes`);
  });
  if (batch.head.treeSize !== expected.treeSize + batch.entries.length) {
    throw bad(`the new head has size ${batch.head.treeSize}, not ${expected.treeSize} + ${batch.entries.length} entries`);
  }
  if (!isHash(batch.head.rootHash)) throw bad(`the new root hash is not ${HASH_SIZE} bytes`);
  const seen = new Set<string>();
  for (const tile of batch.tiles) {
    const key = `${tile.level}/${tile.index}`;
    if (seen.has(key)) throw bad(`tile ${key} is listed twice`);
    seen.add(key);
    const width = tile.data.length / HASH_SIZE;
    if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) throw bad(`tile ${key} holds ${tile.data.length} bytes, not 1 to ${TILE_WIDTH} hashes`);
  }
  if (batch.events !== undefined) checkEventRows(expected.treeSize, batch.head.treeSize, batch.events, bad);
  if (batch.money !== undefined) checkMoneyRows(expected.treeSize, batch.head.treeSize, batch.money, bad);
}

/** Record rows name the batch's own new entries; an amendment's target is committed before it. */
function checkMoneyRows(from: number, to: number, rows: MoneyRows, bad: (message: string) => LogError): void {
  const inBatch = (i: number) => Number.isSafeInteger(i) && i >= from && i < to;
  for (const r of rows.records) {
    if (!inBatch(r.leafIndex)) throw bad(`record at ${r.leafIndex} is not an entry of the batch`);
    if (!isHash(r.contentHash)) throw bad(`the content hash at ${r.leafIndex} is not ${HASH_SIZE} bytes`);
    if (r.target !== null && (!Number.isSafeInteger(r.target) || r.target < 0 || r.target >= from)) throw bad(`record ${r.leafIndex} names ${r.target}, not a record committed before the batch`);
  }
  for (const d of rows.details) {
    if (!inBatch(d.leafIndex) || d.opening.length !== 32 || d.revealHash !== null) throw bad(`the sealed values at ${d.leafIndex} are malformed or not of the batch`);
  }
}

/** Event rows name only the batch's own new entries, except erasure targets, which come before it. */
function checkEventRows(from: number, to: number, rows: EventRows, bad: (message: string) => LogError): void {
  const inBatch = (i: number) => Number.isSafeInteger(i) && i >= from && i < to;
  for (const e of rows.events) {
    if (!inBatch(e.leafIndex)) throw bad(`event at ${e.leafIndex} is not an entry of the batch`);
    if (!isHash(e.eventHash)) throw bad(`the event hash at ${e.leafIndex} is not ${HASH_SIZE} bytes`);
  }
  for (const d of rows.details) {
    if (!inBatch(d.leafIndex)) throw bad(`details at ${d.leafIndex} are not of an entry of the batch`);
    if (d.opening.length !== 32 || (d.revealHash !== null && !isHash(d.revealHash))) throw bad(`the opening or reveal hash at ${d.leafIndex} is malformed`);
  }
  for (const t of rows.tags) {
    if (!inBatch(t.leafIndex) || !isHash(t.tag)) throw bad(`the subject tag at ${t.leafIndex} is malformed or not of the batch`);
  }
  for (const c of rows.counters) {
    if (!isHash(c.counterKey) || !Number.isSafeInteger(c.next) || c.next < 1) throw bad('a subject counter is malformed');
  }
  for (const x of rows.erasures) {
    // The delete cannot see rows inserted by the same statement: an erasure's target is
    // always committed before the batch that erases it.
    if (!inBatch(x.erasureIndex) || !Number.isSafeInteger(x.targetIndex) || x.targetIndex < 0 || x.targetIndex >= from) {
      throw bad(`erasure ${x.erasureIndex} of ${x.targetIndex} does not erase an entry committed before the batch`);
    }
  }
}

/** A hash argument (leaf hash, token hash) is 32 bytes. */
export function checkHash(h: unknown, what: string): void {
  if (!isHash(h)) throw new LogError('INTERNAL', `a ${what} must be ${HASH_SIZE} bytes`);
}

/** `readEntries(start, count, maxBytes?)` takes non-negative integers, start + count still exact. */
export function checkRange(start: number, count: number, maxBytes?: number): void {
  if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(count) || count < 0 || !Number.isSafeInteger(start + count)) {
    throw new LogError('INTERNAL', `readEntries(${start}, ${count}): start and count must be non-negative integers`);
  }
  if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 0)) {
    throw new LogError('INTERNAL', `readEntries(${start}, ${count}, ${maxBytes}): maxBytes must be a non-negative integer`);
  }
}
