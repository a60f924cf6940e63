/**
 * A `MirrorStore` in memory: for tests and embedding. Single-threaded JavaScript makes each
 * call atomic, which is all the compare-and-swaps need.
 */
import type { StoredTile, TileId } from '../log/index.js';
import { HASH_SIZE } from '../merkle/index.js';
import { MemoryWitnessStore, type WitnessedState } from '../witness/index.js';
import { type MirrorCommit, type MirrorProgress, type MirrorStore, RECENT_PENDING } from './mirror.js';

interface LogCopy {
  nextEntry: number;
  mirror: WitnessedState | undefined;
  readonly recent: WitnessedState[];
  readonly tiles: Map<string, Uint8Array>;
  readonly bundles: Map<number, { data: Uint8Array; count: number }>;
}

export class MemoryMirrorStore extends MemoryWitnessStore implements MirrorStore {
  readonly #logs = new Map<string, LogCopy>();

  #log(origin: string): LogCopy {
    let log = this.#logs.get(origin);
    if (log === undefined) {
      log = { nextEntry: 0, mirror: undefined, recent: [], tiles: new Map(), bundles: new Map() };
      this.#logs.set(origin, log);
    }
    return log;
  }

  override async compareAndSwap(origin: string, expected: { readonly treeSize: number; readonly rootHash: Uint8Array } | undefined, next: WitnessedState): Promise<boolean> {
    if (!(await super.compareAndSwap(origin, expected, next))) return false;
    const recent = this.#log(origin).recent;
    recent.push(next);
    if (recent.length > RECENT_PENDING) recent.shift();
    return true;
  }

  async pendingCheckpoint(origin: string, treeSize: number): Promise<WitnessedState | undefined> {
    return this.#log(origin).recent.find((c) => c.treeSize === treeSize);
  }

  async readProgress(origin: string): Promise<MirrorProgress> {
    const { nextEntry, mirror } = this.#log(origin);
    return { nextEntry, mirror };
  }

  async readTiles(origin: string, ids: readonly TileId[]): Promise<(Uint8Array | undefined)[]> {
    const { tiles } = this.#log(origin);
    return ids.map((id) => tiles.get(`${id.level}/${id.index}`));
  }

  async readBundle(origin: string, index: number): Promise<{ data: Uint8Array; count: number } | undefined> {
    return this.#log(origin).bundles.get(index);
  }

  async commitEntries(commit: MirrorCommit): Promise<boolean> {
    const log = this.#log(commit.origin);
    if (log.nextEntry !== commit.expectedNext) return false;
    log.bundles.set(commit.bundle.index, { data: commit.bundle.data.slice(), count: commit.nextEntry - commit.bundle.index * 256 });
    for (const t of commit.tiles as readonly StoredTile[]) {
      const key = `${t.level}/${t.index}`;
      const old = log.tiles.get(key);
      if (old === undefined || old.length / HASH_SIZE < t.data.length / HASH_SIZE) log.tiles.set(key, t.data.slice());
    }
    log.nextEntry = commit.nextEntry;
    return true;
  }

  async advanceMirror(origin: string, next: WitnessedState): Promise<boolean> {
    const log = this.#log(origin);
    if ((log.mirror !== undefined && next.treeSize < log.mirror.treeSize) || log.nextEntry < next.treeSize) return false;
    log.mirror = next;
    return true;
  }
}
