/**
 * A `WitnessStore` in memory: for tests and embedding. Single-threaded JavaScript makes
 * each call atomic, which is all the compare-and-swap needs.
 */
import { bytesEqual } from '../encoding/index.js';
import type { WitnessStore, WitnessedState } from './witness.js';

export class MemoryWitnessStore implements WitnessStore {
  readonly #states = new Map<string, WitnessedState>();

  async latest(origin: string): Promise<WitnessedState | undefined> {
    const state = this.#states.get(origin);
    return state === undefined ? undefined : { ...state, rootHash: state.rootHash.slice() };
  }

  async compareAndSwap(origin: string, expected: { readonly treeSize: number; readonly rootHash: Uint8Array } | undefined, next: WitnessedState): Promise<boolean> {
    const current = this.#states.get(origin);
    if (expected === undefined ? current !== undefined : current === undefined || current.treeSize !== expected.treeSize || !bytesEqual(current.rootHash, expected.rootHash)) {
      return false;
    }
    this.#states.set(origin, { ...next, rootHash: next.rootHash.slice() });
    return true;
  }
}
