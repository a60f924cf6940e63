/**
 * The bulk preload: grows a log to millions of entries fast, through the real storage path
 * (integrate, a signed checkpoint, `commitBatch`), without HTTP or the sequencer's pool. The
 * growth benchmark uses it to reach sizes that submitting one entry per request cannot.
 *
 * Speed: entries are written straight into one buffer per batch with a 0x00 byte before
 * each, so one node:crypto SHA-256 call over [0x00 ‖ entry] is its RFC 6962 leaf hash (the
 * same as `createHash('sha256').update(Uint8Array.of(0)).update(entry).digest()` and the
 * core's `leafHash`, a third faster); and the next batch is built and integrated while the
 * previous one commits, so the rate is PostgreSQL's.
 */
import { hash } from 'node:crypto';
import type { LogStore, NewEntry, TreeHead } from '../src/log/index.js';
import { type Hash, MAX_ENTRY_SIZE } from '../src/merkle/index.js';
import { type NoteSigner, formatCheckpoint, signNote } from '../src/note/index.js';
import { integrate, loadRightEdge } from '../src/sequencer/index.js';
import { accessEventPrefix } from './entries.js';

export interface PreloadOptions {
  /** Bytes per entry, about (never fewer than the record's fixed fields need). Default 300. */
  readonly entryBytes?: number;
  /** Entries per committed batch. Default 32,768. */
  readonly batchSize?: number;
  /** Called after each committed batch with the new tree size. */
  readonly onProgress?: (treeSize: number) => void;
}

/**
 * Grows the log in `store` (created with `ensureLog`) to `targetSize` entries, in batches,
 * and returns the final head. Each entry is a distinct JSON access-event record, unique by
 * its index and by a random id of this run. A log already at or past `targetSize` is
 * left as it is and its head returned.
 */
export async function preload(
  store: LogStore,
  signer: NoteSigner,
  origin: string,
  targetSize: number,
  options: PreloadOptions = {},
): Promise<TreeHead> {
  const entryBytes = options.entryBytes ?? 300;
  const batchSize = options.batchSize ?? 32_768;
  if (!Number.isSafeInteger(targetSize) || targetSize < 0) throw new RangeError(`preload: target size must be a non-negative integer, got ${targetSize}`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`preload: batch size must be a positive integer, got ${batchSize}`);
  if (!Number.isSafeInteger(entryBytes) || entryBytes < 1 || entryBytes > MAX_ENTRY_SIZE) {
    throw new RangeError(`preload: entry size must be an integer from 1 to ${MAX_ENTRY_SIZE}, got ${entryBytes}`);
  }
  const make = batchMaker(entryBytes);

  let { head, edge } = await loadRightEdge(store);
  // The batch being committed while the next is built: at most one at a time.
  let inFlight: { commit: Promise<void>; treeSize: number } | undefined;
  try {
    while (edge.treeSize < targetSize) {
      const { entries, leafHashes } = make(edge.treeSize, Math.min(batchSize, targetSize - edge.treeSize));
      const integration = integrate(edge, leafHashes);
      const { treeSize, rootHash } = integration.edge;
      const next: TreeHead = { treeSize, rootHash, checkpoint: signNote(formatCheckpoint({ origin, treeSize, rootHash, extensions: [] }), [signer]) };
      if (inFlight !== undefined) {
        await inFlight.commit;
        options.onProgress?.(inFlight.treeSize);
        inFlight = undefined;
      }
      const commit = store.commitBatch({ treeSize: head.treeSize, rootHash: head.rootHash }, { entries, tiles: integration.tiles, head: next });
      commit.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
      inFlight = { commit, treeSize };
      head = next;
      edge = integration.edge;
    }
    if (inFlight !== undefined) {
      await inFlight.commit;
      options.onProgress?.(inFlight.treeSize);
      inFlight = undefined;
    }
  } finally {
    // On a failure while building, let the commit in flight settle before returning.
    if (inFlight !== undefined) await inFlight.commit.catch(() => undefined);
  }
  return head;
}

/**
 * Builds batches of entries: `{"type":"access",…,"run":"<random>","n":<index>,"pad":"xx…"}`,
 * padded to `entryBytes`, written into one buffer per batch.
 */
function batchMaker(entryBytes: number): (start: number, count: number) => { entries: NewEntry[]; leafHashes: Hash[] } {
  const prefix = Buffer.from(accessEventPrefix());
  const middle = Buffer.from(',"pad":"');
  const suffix = Buffer.from('"}');
  const fixed = prefix.length + middle.length + suffix.length;
  return (start, count) => {
    const maxLength = Math.max(entryBytes, fixed + decimalDigits(start + count - 1));
    // A 0x00 before each entry: hashing [0x00 ‖ entry] in one call gives its leaf hash.
    const buf = Buffer.allocUnsafe(count * (1 + maxLength));
    const entries: NewEntry[] = new Array(count);
    const leafHashes: Hash[] = new Array(count);
    let o = 0;
    for (let k = 0; k < count; k++) {
      const n = start + k;
      const digits = decimalDigits(n);
      const length = Math.max(entryBytes, fixed + digits);
      const from = o;
      buf[o++] = 0;
      buf.set(prefix, o);
      o += prefix.length;
      let v = n;
      for (let d = o + digits - 1; d >= o; d--) {
        buf[d] = 0x30 + (v % 10);
        v = Math.floor(v / 10);
      }
      o += digits;
      buf.set(middle, o);
      o += middle.length;
      const pad = length - fixed - digits;
      buf.fill(0x78, o, o + pad); // "x"
      o += pad;
      buf.set(suffix, o);
      o += suffix.length;
      const leafHash = hash('sha256', new Uint8Array(buf.buffer, buf.byteOffset + from, o - from), 'buffer');
      leafHashes[k] = leafHash;
      entries[k] = { leafIndex: n, leafHash, data: new Uint8Array(buf.buffer, buf.byteOffset + from + 1, o - from - 1), partnerId: null };
    }
    return { entries, leafHashes };
  };
}

function decimalDigits(n: number): number {
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  return digits;
}
