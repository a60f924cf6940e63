/**
 * Public-money records as a kind the sequencer places (src/sequencer/placed.ts). Their leaves
 * are built before sequencing (a record's bytes do not depend on its index), but what may be
 * appended depends on the log: a body's key is taken once; a replay gets the first receipt;
 * the same key with other values is refused (RECORD_EXISTS, naming the entry: a change is an
 * amendment); an amendment, withdrawal or repayment names an original record of the same
 * body that is not withdrawn, and an amendment keeps its type and key.
 *
 * In-memory state is only a view of batches sent and not yet settled; the store's unique key
 * (partner, dedup key) refuses anything a stale view lets through.
 */
import { encodeHex } from '../encoding/index.js';
import { LogError } from '../errors.js';
import type { EventDetails, LogStore, MoneyRecordRow } from '../log/index.js';
import type { Hash } from '../merkle/index.js';
import type { PlacedBatch, PlacedKind, PlacedReads } from './placed.js';

/** A record as the write path hands it over: validated, its leaf built. */
export interface MoneySubmission {
  readonly partnerId: string;
  readonly recordType: string;
  /** An original's key, an amendment's record's key; null for a withdrawal or repayment. */
  readonly recordKey: string | null;
  /** The original an amendment, withdrawal or repayment names. */
  readonly target: number | null;
  /** The day it counts under (an amendment's record's); null for a withdrawal or repayment. */
  readonly recordDay: string | null;
  /** SHA-256 of the record as submitted, sealed values included. */
  readonly contentHash: Hash;
  readonly leaf: Uint8Array;
  /** The sealed true values of a redacted record (canonical JSON) and the opening of its commitment. */
  readonly sealed?: { readonly details: string; readonly opening: Uint8Array };
}

/**
 * The key a submission takes in its body's index: unique per partner, the same for a replay.
 * A withdrawal is one per target, whatever its reason; an amendment or a repayment one per
 * target and content, so that the same change sent twice is one entry.
 */
export function dedupKeyOf(s: Pick<MoneySubmission, 'recordType' | 'recordKey' | 'target' | 'contentHash'>): string {
  if (s.target === null) return s.recordKey!;
  if (s.recordType === 'withdraw') return `withdraw/${s.target}`;
  return `${s.recordType}/${s.target}/${encodeHex(s.contentHash)}`;
}

function withdrawKey(target: number): string {
  return `withdraw/${target}`;
}

/** What a sent batch of records leaves in flight. */
interface MoneyBatchHandle {
  readonly keys: readonly string[];
}

/** The dedup key as the sequencer's map key: partner and key, never colliding with a leaf hash in hex. */
function scopedKey(partnerId: string, dedupKey: string): string {
  return `m/${JSON.stringify([partnerId, dedupKey])}`;
}

export function createMoneyKind(store: LogStore): PlacedKind<MoneySubmission, PlacedReads<MoneySubmission>, MoneyBatchHandle> {
  return new MoneySequencing(store);
}

class MoneySequencing implements PlacedKind<MoneySubmission, PlacedReads<MoneySubmission>, MoneyBatchHandle> {
  /** Scoped keys of records in batches sent and not yet settled, with their content hash in hex. */
  readonly #inFlight = new Map<string, string>();
  /** Each submission's keys, made once: the sequencer asks for them several times a batch. */
  readonly #keys = new WeakMap<MoneySubmission, { readonly scoped: string; readonly hex: string; readonly key: string }>();

  constructor(private readonly store: LogStore) {}

  #keysOf(s: MoneySubmission): { readonly scoped: string; readonly hex: string; readonly key: string } {
    let k = this.#keys.get(s);
    if (k === undefined) {
      const scoped = scopedKey(s.partnerId, dedupKeyOf(s));
      const hex = encodeHex(s.contentHash);
      k = { scoped, hex, key: `${scoped}/${hex}` };
      this.#keys.set(s, k);
    }
    return k;
  }

  key(s: MoneySubmission): string {
    return this.#keysOf(s).key;
  }

  partnerId(s: MoneySubmission): string {
    return s.partnerId;
  }

  size(s: MoneySubmission): number {
    return s.leaf.length + (s.sealed?.details.length ?? 0) + 128;
  }

  async read(subs: readonly MoneySubmission[], committedSize: number): Promise<PlacedReads<MoneySubmission>> {
    const rejected = new Map<MoneySubmission, LogError>();
    const existing = new Map<string, number>();
    const seen = new Map<string, string>();
    const ask: MoneySubmission[] = [];
    for (const s of subs) {
      const { scoped, hex } = this.#keysOf(s);
      const other = this.#inFlight.get(scoped) ?? seen.get(scoped);
      if (other !== undefined && other !== hex) rejected.set(s, recordExists(s, undefined));
      else if (other === undefined) {
        seen.set(scoped, hex);
        ask.push(s);
      }
    }
    const targets = [...new Set(ask.flatMap((s) => (s.target === null ? [] : [s.target])))];
    const keys = ask.map((s) => ({ partnerId: s.partnerId, dedupKey: dedupKeyOf(s) }));
    for (const s of ask) if (s.target !== null && s.recordType !== 'withdraw') keys.push({ partnerId: s.partnerId, dedupKey: withdrawKey(s.target) });
    const [found, targetRows] = await Promise.all([this.store.findMoneyRecords(keys), this.store.readMoneyRecordsAt(targets)]);
    let anotherWriter = false;
    for (const r of [...found, ...targetRows]) if (r.leafIndex >= committedSize) anotherWriter = true;
    const byKey = new Map(found.map((r) => [scopedKey(r.partnerId, r.dedupKey), r]));
    const byIndex = new Map(targetRows.map((r) => [r.leafIndex, r]));
    const withdrawing = new Set<number>();
    for (const s of ask) {
      const stored = byKey.get(this.#keysOf(s).scoped);
      if (stored !== undefined) {
        if (encodeHex(stored.contentHash) === this.#keysOf(s).hex) existing.set(this.key(s), stored.leafIndex);
        else rejected.set(s, recordExists(s, stored));
        continue;
      }
      if (s.target === null) continue;
      const withdrawn = byKey.get(scopedKey(s.partnerId, withdrawKey(s.target)))?.leafIndex;
      const problem = targetProblem(s, byIndex.get(s.target), withdrawn, this.#inFlight.has(scopedKey(s.partnerId, withdrawKey(s.target))) || withdrawing.has(s.target));
      if (problem !== undefined) rejected.set(s, problem);
      else if (s.recordType === 'withdraw') withdrawing.add(s.target);
    }
    return { existing, rejected, anotherWriter };
  }

  build(placed: readonly { readonly sub: MoneySubmission; readonly leafIndex: number }[]): PlacedBatch<MoneyBatchHandle> {
    const records: MoneyRecordRow[] = [];
    const details: EventDetails[] = [];
    const keys: string[] = [];
    const leaves = placed.map(({ sub: s, leafIndex }) => {
      const dedupKey = dedupKeyOf(s);
      records.push({ leafIndex, partnerId: s.partnerId, dedupKey, contentHash: s.contentHash, recordType: s.recordType, recordKey: s.recordKey, target: s.target, recordDay: s.recordDay });
      if (s.sealed !== undefined) details.push({ leafIndex, details: s.sealed.details, opening: s.sealed.opening, revealHash: null });
      const k = this.#keysOf(s);
      keys.push(k.scoped, k.hex);
      return s.leaf;
    });
    return { leaves, rows: { money: { records, details } }, handle: { keys } };
  }

  sent({ keys }: MoneyBatchHandle): void {
    for (let i = 0; i < keys.length; i += 2) this.#inFlight.set(keys[i]!, keys[i + 1]!);
  }

  settled({ keys }: MoneyBatchHandle): void {
    for (let i = 0; i < keys.length; i += 2) if (this.#inFlight.get(keys[i]!) === keys[i + 1]) this.#inFlight.delete(keys[i]!);
  }

  reset(): void {
    this.#inFlight.clear();
  }
}

function recordExists(s: MoneySubmission, stored: MoneyRecordRow | undefined): LogError {
  const where = stored === undefined ? 'by a record being appended' : `by the record at index ${stored.leafIndex}`;
  if (s.recordType === 'withdraw') {
    return new LogError('RECORD_EXISTS', `entry ${s.target} is already withdrawn ${where}`, { field: 'target', hint: 'a record is withdrawn once', extensions: stored === undefined ? {} : { existing: stored.leafIndex } });
  }
  return new LogError('RECORD_EXISTS', `this ${s.recordType}'s key is already taken ${where}, with other values`, {
    field: 'record',
    hint: stored === undefined ? 'send each record once' : `to change it, send an amend (or withdraw) naming target ${stored.leafIndex}; the log keeps the original and the change`,
    extensions: stored === undefined ? {} : { existing: stored.leafIndex },
  });
}

/** Why an amendment, withdrawal or repayment may not name its target, if it may not. */
function targetProblem(s: MoneySubmission, target: MoneyRecordRow | undefined, withdrawnAt: number | undefined, beingWithdrawn: boolean): LogError | undefined {
  const bad = (message: string, hint: string) => new LogError('INVALID_RECORD', message, { field: 'target', hint });
  if (target === undefined || target.target !== null) return bad(`entry ${s.target} is not an original record in the log`, 'name the index of the original record, as in its receipt');
  if (target.partnerId !== s.partnerId) return bad(`entry ${s.target} was recorded by another body`, 'a body amends, withdraws or repays only its own records');
  if (withdrawnAt !== undefined || beingWithdrawn) {
    const by = withdrawnAt === undefined ? 'by a withdrawal being appended' : `by the withdrawal at index ${withdrawnAt}`;
    return bad(`entry ${s.target} is withdrawn ${by}`, 'a withdrawn record stands no more: record it anew under another key if it should');
  }
  // A key is canonical JSON of the type and identifiers: the same key is the same type.
  if (s.recordType === 'amend' && s.recordKey !== target.recordKey) {
    return bad(`the amendment changes the type or key of entry ${s.target}`, "an amendment's record has its original's type and key (transaction number and line, grant id, ocid and release id, claim number, period)");
  }
  return undefined;
}
