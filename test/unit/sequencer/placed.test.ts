/**
 * The sequencer is generic over what it places: a kind it knows only through `PlacedKind`
 * gets its leaves built at their indices, its replays answered with the first receipt, its
 * rejected submissions answered at once and never appended, its view reset after a
 * failure, and its rows committed with the batch. Typed events are one such kind; this is a
 * toy one, so that nothing here depends on events.
 */
import { describe, expect, test } from 'vitest';
import { ensureLog } from '../../../src/cli/server.js';
import { LogError } from '../../../src/errors.js';
import { ed25519Signer } from '../../../src/note/index.js';
import { storeHashReader } from '../../../src/read/index.js';
import { type PlacedKind, type PlacedReads, createSequencer } from '../../../src/sequencer/index.js';
import { MemoryStore } from '../../support/memory-store.js';

const signer = ed25519Signer('placed.sightline.example/log', new Uint8Array(32).fill(8));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A toy kind: a named stamp whose leaf says where it landed; the name is its key. */
interface Stamp {
  readonly name: string;
}
function stampKind(refuse: Set<string> = new Set()) {
  const log = { reads: 0, sent: 0, settled: 0, resets: 0 };
  /** What a real kind would read from its own rows: the index of each stamp committed. */
  const committed = new Map<string, number>();
  const inFlight = new Set<string>();
  const kind: PlacedKind<Stamp, PlacedReads<Stamp>, string[]> = {
    key: (s) => `stamp/${s.name}`,
    partnerId: () => 'stamper',
    size: (s) => s.name.length,
    async read(subs) {
      log.reads++;
      const existing = new Map<string, number>();
      const rejected = new Map<Stamp, LogError>();
      for (const s of subs) {
        const at = committed.get(s.name);
        if (at !== undefined) existing.set(kind.key(s), at);
        else if (refuse.has(s.name)) rejected.set(s, new LogError('INVALID_EVENT', `${s.name} is refused`));
      }
      return { existing, rejected, anotherWriter: false };
    },
    build(placed) {
      return {
        leaves: placed.map(({ sub, leafIndex }) => new TextEncoder().encode(`stamp ${sub.name} at ${leafIndex}`)),
        rows: {},
        handle: placed.map(({ sub, leafIndex }) => `${sub.name}@${leafIndex}`),
      };
    },
    sent(handle) {
      log.sent++;
      for (const h of handle) inFlight.add(h);
    },
    settled(handle) {
      log.settled++;
      for (const h of handle) {
        inFlight.delete(h);
        const [name, at] = h.split('@');
        committed.set(name!, Number(at));
      }
    },
    reset() {
      log.resets++;
      inFlight.clear();
    },
  };
  return { kind, log, inFlight };
}

async function sequencerWith(store: MemoryStore, kinds: PlacedKind<Stamp, PlacedReads<Stamp>, string[]>[]) {
  const meta = await ensureLog(store, signer);
  return createSequencer({ store, signer, origin: meta.origin, hashReader: (n) => storeHashReader(store, n), kinds });
}

describe('placed kinds', () => {
  test('leaves are built at their indices, among raw entries, and committed as built', async () => {
    const store = new MemoryStore();
    const { kind, log, inFlight } = stampKind();
    const sequencer = await sequencerWith(store, [kind]);
    const start = sequencer.head().treeSize;
    const [a, raw, b] = await Promise.all([
      sequencer.submitPlaced(kind, { name: 'a' }),
      sequencer.submit(new TextEncoder().encode('a raw entry'), 'p'),
      sequencer.submitPlaced(kind, { name: 'b' }),
    ]);
    expect(text(a.data)).toBe(`stamp a at ${a.leafIndex}`);
    expect(text(b.data)).toBe(`stamp b at ${b.leafIndex}`);
    expect(new Set([a.leafIndex, raw.leafIndex, b.leafIndex])).toEqual(new Set([start, start + 1, start + 2]));
    const stored = await store.readEntries(start, 3);
    expect(stored.map(text)).toContain(`stamp a at ${a.leafIndex}`);
    expect(log.sent).toBe(log.settled);
    expect(inFlight.size).toBe(0);
    await sequencer.stop();
  });

  test('a replay gets the first receipt, with the stored leaf; a refused one is answered and never appended', async () => {
    const store = new MemoryStore();
    const { kind } = stampKind(new Set(['bad']));
    const sequencer = await sequencerWith(store, [kind]);
    const first = await sequencer.submitPlaced(kind, { name: 'once' });
    const size = sequencer.head().treeSize;
    const again = await sequencer.submitPlaced(kind, { name: 'once' });
    expect(again).toMatchObject({ leafIndex: first.leafIndex, duplicate: true });
    expect(text(again.data)).toBe(text(first.data));
    await expect(sequencer.submitPlaced(kind, { name: 'bad' })).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    expect(sequencer.head().treeSize).toBe(size);
    await sequencer.stop();
  });

  test('a kind the sequencer was not made with is refused', async () => {
    const store = new MemoryStore();
    const sequencer = await sequencerWith(store, [stampKind().kind]);
    await expect(sequencer.submitPlaced(stampKind().kind, { name: 'x' })).rejects.toMatchObject({ code: 'INTERNAL' });
    await sequencer.stop();
  });

  test('after a failed commit the kind’s view is reset before the next batch builds on it', async () => {
    let fail = true;
    const store = new MemoryStore({ faults: { beforeCommit: () => { if (fail) { fail = false; throw new Error('disk on fire'); } } } });
    const { kind, log } = stampKind();
    const sequencer = await sequencerWith(store, [kind]);
    await expect(sequencer.submitPlaced(kind, { name: 'lost' })).rejects.toBeInstanceOf(LogError);
    const next = await sequencer.submitPlaced(kind, { name: 'kept' });
    expect(log.resets).toBeGreaterThanOrEqual(1);
    expect(text(next.data)).toBe(`stamp kept at ${next.leafIndex}`);
    await sequencer.stop();
  });
});
