/**
 * The mirror core (c2sp.org/tlog-mirror) over the in-memory store, fed by the feeder: what it
 * serves is byte for byte the log's, at every size it cosigned; an altered package, a fork, a
 * stale or gapped upload and a malformed body are each refused with the spec's status and
 * leave nothing stored.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { concatBytes } from '../../../src/encoding/index.js';
import { TILE_WIDTH, type Tile, formatEntryBundlePath, readServedTile, proveConsistency, proveSubtree, tileHashReader } from '../../../src/merkle/index.js';
import {
  MAX_EXCESS_ENTRIES,
  MemoryMirrorStore,
  type Mirror,
  type MirrorTarget,
  createMirror,
  encodeAddEntriesHeader,
  encodeEntryPackage,
  feedMirror,
  localMirrorTarget,
  originHashOf,
  parseMirrorInfo,
} from '../../../src/mirror/index.js';
import { cosignatureVerifier, ed25519Cosigner, ed25519Verifier, openNote, parseCosignatureVerifier } from '../../../src/note/index.js';
import { formatAddCheckpointRequest, formatCosignatureLines } from '../../../src/witness/index.js';
import { TiledLog } from '../../support/tiled-log.js';

const NOW = 1_780_000_000;

let log: TiledLog;
let store: MemoryMirrorStore;
let mirror: Mirror;
let target: MirrorTarget;

beforeEach(() => {
  log = new TiledLog();
  store = new MemoryMirrorStore();
  mirror = createMirror({
    cosigner: ed25519Cosigner('mirror.example/m1', new Uint8Array(32).fill(9)),
    logs: [{ origin: log.origin, verifiers: [ed25519Verifier(log.signer.name, log.signer.publicKey)] }],
    store,
    now: () => NOW,
  });
  target = localMirrorTarget(mirror);
});

const feed = (size = log.size) => feedMirror({ target, source: log.served, checkpoint: { note: log.checkpoint(size), origin: log.origin, treeSize: size, rootHash: log.root(size) } });
const hash = () => originHashOf(log.origin);

async function chunks(...parts: Uint8Array[]) {
  return mirror.addEntries(
    (async function* () {
      yield* parts;
    })(),
  );
}

/** A package of the log's own entries [start, end) with its proof against size `size`. */
async function honestPackage(start: number, end: number, size: number, alter?: (entries: Uint8Array[]) => void) {
  const subtreeStart = Math.floor(start / TILE_WIDTH) * TILE_WIDTH;
  const entries = log.entries.slice(start, end).map((e) => e.slice());
  alter?.(entries);
  const reader = tileHashReader(size, log.root(size), servedTiles());
  return encodeEntryPackage(entries, await proveSubtree(reader, subtreeStart, end, size));
}

async function pend(size: number, old = 0) {
  const reader = tileHashReader(size, log.root(size), servedTiles());
  const proof = old === 0 || old === size ? [] : await proveConsistency(reader, old, size);
  return mirror.addCheckpoint(formatAddCheckpointRequest({ oldSize: old, consistencyProof: proof, checkpoint: log.checkpoint(size) }));
}

/** The log's tiles, a partial one read from the full one when the log has grown past it. */
const servedTiles = () => ({ readTiles: (tiles: readonly Tile[]) => Promise.all(tiles.map(async (t) => (await readServedTile(log.served, t))!.data)) });

const header = (start: number, end: number, origin = log.origin) => encodeAddEntriesHeader({ origin, uploadStart: start, uploadEnd: end, ticket: new Uint8Array(0) });

describe('a mirror fed by a log', () => {
  it('serves the log byte for byte at every size it cosigned, with its cosignature on the checkpoint', async () => {
    const sizes = [0, 1, 255, 256, 300, 1000, 1000, 2_600];
    const served = new Map<string, Uint8Array>();
    for (const size of sizes) {
      log.grow(size - log.size, (i) => (i % 97 === 0 ? new Uint8Array(0) : new TextEncoder().encode(`entry ${i} `.repeat(1 + (i % 5)))));
      const result = await feed();
      expect(result.outcome).toBe('mirrored');
      const note = (await mirror.checkpoint(hash()))!;
      // The log's signature kept, the mirror's cosignature added; both verify.
      const opened = openNote(note, [ed25519Verifier(log.signer.name, log.signer.publicKey), parseCosignatureVerifier(mirror.verifierKey)]);
      expect(opened.verified.map((s) => s.name)).toEqual([log.origin, 'mirror.example/m1']);
      expect(note.startsWith(log.checkpoint(size).split('\n\n')[0]!)).toBe(true);
      for (const [path, bytes] of await log.allPaths(size)) served.set(path, bytes);
      // Everything of every size cosigned so far, including partial tiles of earlier sizes.
      for (const [path, bytes] of served) expect(await mirror.tile(hash(), path), path).toEqual(bytes);
    }
    // Nothing past the cosigned tree.
    expect(await mirror.tile(hash(), formatEntryBundlePath({ index: Math.floor(log.size / TILE_WIDTH), width: (log.size % TILE_WIDTH) + 1 }))).toBeUndefined();
    expect(await mirror.tile(hash(), 'tile/0/999')).toBeUndefined();
    expect(await mirror.tile('00'.repeat(32), 'tile/0/000')).toBeUndefined();
  });

  it('mirrors entries of 0 and of 65,535 bytes', async () => {
    log.grow(3, (i) => (i === 1 ? new Uint8Array(65_535).fill(7) : new Uint8Array(0)));
    expect((await feed()).outcome).toBe('mirrored');
    expect(await mirror.tile(hash(), 'tile/entries/000.p/3')).toEqual(await log.served('tile/entries/000.p/3'));
  });

  it('takes uploads to an earlier pending checkpoint, and two feeders at once', async () => {
    log.grow(700);
    expect((await pend(300)).status).toBe(200);
    expect((await pend(700, 300)).status).toBe(200);
    // Upload to 300 although 700 is pending: the mirror checkpoint becomes 300.
    const r = await chunks(header(0, 300), await honestPackage(0, 256, 300), await honestPackage(256, 300, 300));
    expect(r.status).toBe(200);
    expect((await mirror.progress(log.origin)).mirror?.treeSize).toBe(300);
    log.grow(500);
    const results = await Promise.all([feed(), feed(), feed(1000)]);
    expect(results.map((x) => x.outcome)).toContain('mirrored');
    const progress = await mirror.progress(log.origin);
    expect(progress.mirror?.treeSize).toBe(1200);
    for (const [path, bytes] of await log.allPaths()) expect(await mirror.tile(hash(), path), path).toEqual(bytes);
  });
});

describe('a mirror refuses', () => {
  it('a package with one altered entry (422), keeping nothing of it', async () => {
    log.grow(600);
    expect((await pend(600)).status).toBe(200);
    const good = await honestPackage(0, 256, 600);
    const bad = await honestPackage(256, 512, 600, (entries) => {
      entries[17] = concatBytes([entries[17]!, Uint8Array.of(0)]);
    });
    const r = await chunks(header(0, 600), good, bad);
    expect(r.status).toBe(422);
    expect(r.body).toMatch(/\[256, 512\) does not verify/);
    // The first package verified and stays; nothing of the second.
    expect((await mirror.progress(log.origin)).nextEntry).toBe(256);
    expect(await store.readBundle(log.origin, 1)).toBeUndefined();
    expect((await mirror.progress(log.origin)).mirror).toBeUndefined();
    // An entry swapped for another of the log's: the same bytes, the wrong place.
    const swapped = await honestPackage(256, 512, 600, (entries) => {
      [entries[0], entries[1]] = [entries[1]!, entries[0]!];
    });
    expect((await chunks(header(256, 600), swapped)).status).toBe(422);
    expect((await feed()).outcome).toBe('mirrored');
  });

  it('a second view of the log (a fork), keeping the evidence', async () => {
    log.grow(400);
    expect((await feed()).outcome).toBe('mirrored');
    const fork = new TiledLog(log.signer);
    fork.grow(400, (i) => new TextEncoder().encode(i === 399 ? 'rewritten' : `entry-${i}`));
    const r = await mirror.addCheckpoint(formatAddCheckpointRequest({ oldSize: 400, consistencyProof: [], checkpoint: fork.checkpoint(400) }));
    expect(r.status).toBe(409);
    expect(r.evidence?.failure).toBe('conflicting-root');
    expect(r.evidence?.witness).toBe('mirror.example/m1');
    // The fork fed through the feeder: refused, the mirror keeps the first view.
    await expect(feedMirror({ target, source: fork.served, checkpoint: { note: fork.checkpoint(400), origin: fork.origin, treeSize: 400, rootHash: fork.root(400) } })).rejects.toThrow(/refused/);
    expect(await mirror.tile(hash(), 'tile/entries/001.p/144')).toEqual(await log.served('tile/entries/001.p/144'));
  });

  it('with the statuses of the spec: unknown log, no pending checkpoint, stale or gapped uploads, malformed bodies', async () => {
    log.grow(600);
    expect((await chunks(header(0, 0, 'example.com/other'))).status).toBe(404);
    expect((await chunks(header(0, 600))).status).toBe(422); // no pending checkpoint
    expect((await pend(600)).status).toBe(200);

    const unknownEnd = await chunks(header(0, 500));
    expect(unknownEnd.status).toBe(409);
    expect(unknownEnd.contentType).toBe('text/x.tlog.mirror-info');
    expect(parseMirrorInfo(unknownEnd.body)).toEqual({ pendingSize: 600, nextEntry: 0, ticket: new Uint8Array(0) });

    const gapped = await chunks(header(256, 600), await honestPackage(256, 512, 600));
    expect(gapped.status).toBe(409);
    expect(parseMirrorInfo(gapped.body).nextEntry).toBe(0);

    // A prefix: one package, then the body ends mid-package: 202 with the next entry.
    const second = await honestPackage(256, 512, 600);
    const prefix = await chunks(header(0, 600), await honestPackage(0, 256, 600), second.subarray(0, 1000));
    expect(prefix.status).toBe(202);
    expect(parseMirrorInfo(prefix.body)).toEqual({ pendingSize: 600, nextEntry: 256, ticket: new Uint8Array(0) });

    // Nothing whole: 400.
    expect((await chunks(header(256, 600), second.subarray(0, 10))).status).toBe(400);
    expect((await chunks(Uint8Array.of(0, 5, 0x61))).status).toBe(400);
    expect((await chunks(encodeAddEntriesHeader({ origin: log.origin, uploadStart: 256, uploadEnd: 600, ticket: new Uint8Array(0) }).subarray(0, 20))).status).toBe(400);
    const tooManyHashes = concatBytes([second.subarray(0, second.length - 1 - (second[second.length - 1]! * 32)), Uint8Array.of(64)]);
    expect((await chunks(header(256, 600), tooManyHashes)).status).toBe(400);
    // upload_start above upload_end, in the raw header.
    const raw = header(0, 600);
    raw.set([0, 0, 0, 0, 0, 0, 3, 0], 2 + new TextEncoder().encode(log.origin).length);
    expect((await chunks(raw)).status).toBe(400);

    // The same package again: held already, skipped, still 202/200-worthy.
    expect((await chunks(header(0, 600), await honestPackage(0, 256, 600))).status).toBe(202);
    expect((await mirror.progress(log.origin)).nextEntry).toBe(256);
  });

  it('an upload that would resend more than it must (409), and one below the cosigned tree', async () => {
    log.grow(MAX_EXCESS_ENTRIES + 1000);
    expect((await feed()).outcome).toBe('mirrored');
    const excess = await chunks(header(0, log.size));
    expect(excess.status).toBe(409);
    expect(parseMirrorInfo(excess.body).nextEntry).toBe(log.size);
    expect((await pend(log.size + 0, log.size)).status).toBe(200);
    const stale = await chunks(header(0, 256));
    expect(stale.status).toBe(409);
    expect(parseMirrorInfo(stale.body).pendingSize).toBe(log.size);
  });

  it('cosigns with its own key, which verifies as cosignature/v1', async () => {
    log.grow(10);
    const result = await feed();
    if (result.outcome !== 'mirrored') throw new Error('not mirrored');
    const verifier = cosignatureVerifier('mirror.example/m1', parseCosignatureVerifier(mirror.verifierKey).publicKey);
    const note = log.checkpoint(10) + formatCosignatureLines(result.cosignatures);
    expect(openNote(note, [verifier]).verified).toHaveLength(1);
  });
});
