/**
 * Typed events as a kind the sequencer places (src/sequencer/placed.ts): a typed event's leaf
 * holds its subject tag tag_j, and j (the subject's count of entries that day) is only
 * known when the event takes its place in a batch. So the sequencer assigns j, builds the
 * leaf, and commits in the same transaction the event's record (partner and sequence
 * number), its erasable details, its tag, the moved counter and any erasure it makes.
 *
 * The sequencer knows no HMAC and no schema: the HTTP edge validates the event and hands
 * over `build(j)`, which derives the tag and reveal token from the subject's day key.
 *
 * In-memory state is only ever a view of batches sent and not yet settled; everything else
 * is read from the store for each batch (one query per kind), and the store's unique keys
 * (partner + sequence number, tag, erasure target) refuse anything a stale view lets
 * through, as a lost race that is retried on fresh reads.
 */
import { encodeHex } from '../encoding/index.js';
import { LogError } from '../errors.js';
import type { EventDetails, EventRecord, EventRows, LogStore } from '../log/index.js';
import type { Hash } from '../merkle/index.js';
import { type MoneySubmission, createMoneyKind } from './money.js';
import type { PlacedBatch, PlacedKind, PlacedReads } from './placed.js';
import { type Sequencer, type SequencerOptions, type SubmitResult, createSequencer } from './sequencer.js';

/** A typed event as the write path hands it over, validated, signature and commitment checked. */
export interface EventSubmission {
  readonly partnerId: string;
  readonly partnerSeq: number;
  /** SHA-256 of the event's canonical JSON: a replay is the same event only if this matches. */
  readonly eventHash: Hash;
  readonly type: string;
  /** The entry an erasure or correction is about. */
  readonly target: number | null;
  /** Whether appending it erases its target's details (an `erasure`). */
  readonly erases: boolean;
  /** The private details as canonical JSON, and the opening r of the commitment. */
  readonly details: string;
  readonly opening: Uint8Array;
  /** Hash of the subject's day key, naming its counter; undefined for events about no claimant. */
  readonly counterKey: Hash | undefined;
  /** The leaf for the subject's j-th entry of the day (j undefined for events about no claimant). */
  build(j: number | undefined): { readonly leaf: Uint8Array; readonly tag?: Hash; readonly revealHash?: Hash };
  /** Rough size, for the batch byte budget, before the leaf is built. */
  readonly size: number;
}

/** The dedup key of an event: a replay (same partner, number and event) has the same key. */
export function eventKey(e: EventSubmission): string {
  return `e/${e.partnerId}/${e.partnerSeq}/${encodeHex(e.eventHash)}`;
}

function seqKey(partnerId: string, partnerSeq: number): string {
  return `${partnerId}/${partnerSeq}`;
}

/** What the store says about a batch's events, read before it is built: also the subjects' counters. */
export interface EventReads extends PlacedReads<EventSubmission> {
  readonly counters: Map<string, number>;
}

/** A sent batch of events, as `sent` and `settled` track it. */
interface EventBatchHandle {
  readonly events: readonly EventSubmission[];
  readonly rows: EventRows;
}

/** The events kind of a log on `store`: one per sequencer. */
export function createEventKind(store: LogStore): PlacedKind<EventSubmission, EventReads, EventBatchHandle> {
  return new EventSequencing(store);
}

/** A sequencer with typed events plugged in. */
export interface EventSequencer extends Sequencer {
  /**
   * Queues a typed event, validated and checked by the caller; resolves once it is
   * committed. A replay (same partner, sequence number and event) gets the first receipt;
   * a different event under a used number fails with SEQUENCE_CONFLICT.
   */
  submitEvent(event: EventSubmission): Promise<SubmitResult>;
  /**
   * Queues a public-money record, validated and its leaf built by the caller; resolves once
   * it is committed. A replay gets the first receipt; other values under a key already taken
   * fail with RECORD_EXISTS.
   */
  submitRecord(record: MoneySubmission): Promise<SubmitResult>;
}

/** A log's sequencer for raw entries, typed events and public-money records. */
export async function createEventSequencer(options: SequencerOptions): Promise<EventSequencer> {
  const events = createEventKind(options.store);
  const money = createMoneyKind(options.store);
  const sequencer = await createSequencer({ ...options, kinds: [...(options.kinds ?? []), events, money] });
  return { ...sequencer, submitEvent: (event) => sequencer.submitPlaced(events, event), submitRecord: (record) => sequencer.submitPlaced(money, record) };
}

/** The sequencer's view of typed events in batches sent and not yet settled. */
class EventSequencing implements PlacedKind<EventSubmission, EventReads, EventBatchHandle> {
  /** The next j of each counter moved by a batch in flight, and how many such batches. */
  readonly #counters = new Map<string, { next: number; batches: number }>();
  /** Event key of each (partner, sequence number) in a batch in flight. */
  readonly #seqs = new Map<string, string>();
  /** Targets being erased by a batch in flight. */
  readonly #erasing = new Set<number>();

  constructor(private readonly store: LogStore) {}

  key(e: EventSubmission): string {
    return eventKey(e);
  }

  partnerId(e: EventSubmission): string {
    return e.partnerId;
  }

  size(e: EventSubmission): number {
    return e.size;
  }

  /**
   * Everything the store knows that decides a batch of events (those not found in memory
   * already): replays, used numbers, counters, and the targets of erasures and
   * corrections. `committedSize` is the head this sequencer knows is committed.
   */
  async read(events: readonly EventSubmission[], committedSize: number): Promise<EventReads> {
    const rejected = new Map<EventSubmission, LogError>();
    const existing = new Map<string, number>();
    const ask: EventSubmission[] = [];
    const seen = new Map<string, string>();
    for (const e of events) {
      const key = eventKey(e);
      const seq = seqKey(e.partnerId, e.partnerSeq);
      const other = this.#seqs.get(seq) ?? seen.get(seq);
      if (other !== undefined && other !== key) rejected.set(e, sequenceConflict(e, undefined));
      else if (other === undefined) {
        seen.set(seq, key);
        ask.push(e);
      }
    }
    const counterKeys = new Map<string, Hash>();
    for (const e of ask) {
      if (e.counterKey === undefined) continue;
      const hex = encodeHex(e.counterKey);
      if (!this.#counters.has(hex)) counterKeys.set(hex, e.counterKey);
    }
    const targets = [...new Set(ask.flatMap((e) => (e.target === null ? [] : [e.target])))];
    // A disclosure may also read a redacted public-money record (an auditor's opening).
    const disclosed = [...new Set(ask.flatMap((e) => (e.type === 'disclosure' && e.target !== null ? [e.target] : [])))];
    const [found, counters, targetRecords, disclosedRecords] = await Promise.all([
      this.store.findEvents(ask.map((e) => ({ partnerId: e.partnerId, partnerSeq: e.partnerSeq }))),
      this.store.readCounters([...counterKeys.values()]),
      this.store.readEventsAt(targets),
      disclosed.length === 0 ? [] : this.store.readMoneyRecordsAt(disclosed),
    ]);
    const records = new Set(disclosedRecords.map((r) => r.leafIndex));
    let anotherWriter = false;
    const bySeq = new Map(found.map((r) => [seqKey(r.partnerId, r.partnerSeq), r]));
    const byIndex = new Map(targetRecords.map((r) => [r.leafIndex, r]));
    for (const r of [...found, ...targetRecords, ...disclosedRecords]) if (r.leafIndex >= committedSize) anotherWriter = true;
    const erasing = new Set<number>();
    for (const e of ask) {
      const stored = bySeq.get(seqKey(e.partnerId, e.partnerSeq));
      if (stored !== undefined) {
        if (encodeHex(stored.eventHash) === encodeHex(e.eventHash)) existing.set(eventKey(e), stored.leafIndex);
        else rejected.set(e, sequenceConflict(e, stored));
        continue;
      }
      if (e.target === null) continue;
      if (e.type === 'disclosure' && records.has(e.target)) continue; // a record's sealed values: nothing erases them
      const problem = targetProblem(e, byIndex.get(e.target), this.#erasing.has(e.target) || erasing.has(e.target));
      if (problem !== undefined) rejected.set(e, problem);
      else if (e.erases) erasing.add(e.target);
    }
    return { existing, rejected, anotherWriter, counters };
  }

  /**
   * Assigns j to each new event in order, builds its leaf, and collects the rows its
   * commit writes.
   */
  build(events: readonly { readonly sub: EventSubmission; readonly leafIndex: number }[], reads: EventReads): PlacedBatch<EventBatchHandle> {
    const next = new Map<string, number>();
    const rows = { events: [] as EventRecord[], details: [] as EventDetails[], tags: [] as { tag: Hash; leafIndex: number }[], erasures: [] as { targetIndex: number; erasureIndex: number }[] };
    const counterKeys = new Map<string, Hash>();
    const leaves = events.map(({ sub: e, leafIndex }) => {
      let j: number | undefined;
      if (e.counterKey !== undefined) {
        const hex = encodeHex(e.counterKey);
        j = next.get(hex) ?? this.#counters.get(hex)?.next ?? reads.counters.get(hex) ?? 0;
        next.set(hex, j + 1);
        counterKeys.set(hex, e.counterKey);
      }
      const built = e.build(j);
      rows.events.push({ leafIndex, partnerId: e.partnerId, partnerSeq: e.partnerSeq, eventHash: e.eventHash, type: e.type, target: e.target });
      rows.details.push({ leafIndex, details: e.details, opening: e.opening, revealHash: built.revealHash ?? null });
      if (built.tag !== undefined) rows.tags.push({ tag: built.tag, leafIndex });
      if (e.erases && e.target !== null) rows.erasures.push({ targetIndex: e.target, erasureIndex: leafIndex });
      return built.leaf;
    });
    const counters = [...next].map(([hex, n]) => ({ counterKey: counterKeys.get(hex)!, next: n }));
    const built = { ...rows, counters };
    return { leaves, rows: { events: built }, handle: { events: events.map((x) => x.sub), rows: built } };
  }

  /** The batch was sent: until it settles, later batches build on its counters and numbers. */
  sent({ events, rows }: EventBatchHandle): void {
    for (const c of rows.counters) {
      const hex = encodeHex(c.counterKey);
      const held = this.#counters.get(hex);
      this.#counters.set(hex, { next: c.next, batches: (held?.batches ?? 0) + 1 });
    }
    for (const e of events) this.#seqs.set(seqKey(e.partnerId, e.partnerSeq), eventKey(e));
    for (const x of rows.erasures) this.#erasing.add(x.targetIndex);
  }

  /** The batch settled (committed or not): the store is the truth for it from now on. */
  settled({ events, rows }: EventBatchHandle): void {
    for (const c of rows.counters) {
      const hex = encodeHex(c.counterKey);
      const held = this.#counters.get(hex);
      if (held !== undefined && --held.batches === 0) this.#counters.delete(hex);
    }
    for (const e of events) {
      const seq = seqKey(e.partnerId, e.partnerSeq);
      if (this.#seqs.get(seq) === eventKey(e)) this.#seqs.delete(seq);
    }
    for (const x of rows.erasures) this.#erasing.delete(x.targetIndex);
  }

  /** After a failure nothing in memory is trusted: with no batch in flight, forget it all. */
  reset(): void {
    this.#counters.clear();
    this.#seqs.clear();
    this.#erasing.clear();
  }
}

function sequenceConflict(e: EventSubmission, stored: EventRecord | undefined): LogError {
  const where = stored === undefined ? 'by an event being appended' : `by the event at index ${stored.leafIndex}`;
  return new LogError('SEQUENCE_CONFLICT', `partner ${e.partnerId}'s sequence number ${e.partnerSeq} is already used ${where}, with a different event`, {
    field: 'event.partnerSeq',
    hint: `use the next unused number (GET /v1/partners/${e.partnerId}/sequence), or resend exactly the event first sent with this number`,
  });
}

/** Why an erasure or correction may not name this target, if it may not. */
function targetProblem(e: EventSubmission, target: (EventRecord & { erasedBy: number | null }) | undefined, beingErased: boolean): LogError | undefined {
  const bad = (message: string, hint: string) => new LogError('INVALID_EVENT', message, { field: 'event.target', hint });
  if (target === undefined) {
    return bad(`entry ${e.target} is not a typed event in the log`, 'name the index of a committed typed event, as in its receipt');
  }
  // A disclosure records the operator reading any partner's entry; an erasure or a
  // correction is its own partner's business only.
  if (target.partnerId !== e.partnerId && e.type !== 'disclosure') {
    return bad(`entry ${e.target} was recorded by another partner`, 'a partner erases or corrects only the events it recorded itself');
  }
  if (target.erasedBy !== null || beingErased) {
    const by = target.erasedBy === null ? 'by an erasure being appended' : `by the erasure at index ${target.erasedBy}`;
    return bad(`the details of entry ${e.target} are already erased ${by}`, e.type === 'disclosure' ? 'there is nothing left to read' : 'nothing is left to erase or correct');
  }
  return undefined;
}
