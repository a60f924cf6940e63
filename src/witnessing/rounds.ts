/**
 * Rounds of cosigning, as the log runs them for its witnesses (witnessing.ts) and its mirrors
 * (src/mirroring): one round at a time, for the latest checkpoint offered, at most one every
 * `minIntervalMs`, retried with growing pauses after a round that kept nothing; the latest
 * checkpoint a round kept, and waits for one that covers a size.
 */
import type { TreeHead } from '../log/index.js';

/** The first pause after a round that missed the quorum; doubled after each miss. */
const RETRY_MS = 2_000;
const MAX_RETRY_MS = 60_000;

export interface RoundsOptions {
  readonly minIntervalMs: number;
  /** One round for `head`: the checkpoint the quorum cosigned (kept), or undefined for a miss. */
  readonly round: (head: TreeHead) => Promise<TreeHead | undefined>;
  /** Whether `head` (offered, larger than the kept one) is worth a round at all. */
  readonly wants?: (head: TreeHead) => boolean;
  /** Run before the rounds of a run start (e.g. reading a checkpoint another server kept). */
  readonly beforeRounds?: () => Promise<void>;
  /** Told of each checkpoint kept. */
  readonly onKept?: (head: TreeHead) => void;
}

export interface Rounds {
  offer(head: TreeHead): void;
  /** Keeps `head` if it is larger than the one kept (a round's, or one read from elsewhere). */
  keep(head: TreeHead): void;
  kept(): TreeHead | undefined;
  /** Waits until a kept checkpoint covers `treeSize` entries, for at most `timeoutMs`. */
  waitFor(treeSize: number, timeoutMs: number): Promise<TreeHead | undefined>;
  readonly stopped: boolean;
  /** Stops; resolves once the round in flight is over. */
  stop(): Promise<void>;
}

export function createRounds(options: RoundsOptions): Rounds {
  let kept: TreeHead | undefined;
  let wanted: TreeHead | undefined;
  let lastRound = Number.NEGATIVE_INFINITY;
  let misses = 0;
  let running: Promise<void> | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;
  const waiters = new Set<{ treeSize: number; resolve: (head: TreeHead | undefined) => void }>();

  function keep(head: TreeHead): void {
    if (kept !== undefined && head.treeSize <= kept.treeSize) return;
    kept = head;
    options.onKept?.(head);
    for (const w of waiters) {
      if (head.treeSize >= w.treeSize) {
        waiters.delete(w);
        w.resolve(head);
      }
    }
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  const needsRound = (): boolean => wanted !== undefined && (options.wants?.(wanted) ?? true) && (kept === undefined || wanted.treeSize > kept.treeSize);

  function schedule(): void {
    running ??= (async () => {
      try {
        await options.beforeRounds?.();
        while (!stopping && needsRound()) {
          const backoff = misses === 0 ? 0 : Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** (misses - 1));
          const pause = lastRound + Math.max(options.minIntervalMs, backoff) - performance.now();
          if (pause > 0) await sleep(pause);
          if (stopping || !needsRound()) break;
          lastRound = performance.now();
          const head = await options.round(wanted!);
          if (head === undefined) misses++;
          else {
            misses = 0;
            keep(head);
          }
        }
      } finally {
        running = undefined;
      }
    })();
  }

  return {
    offer(head) {
      if (stopping || (wanted !== undefined && head.treeSize <= wanted.treeSize)) return;
      wanted = head;
      schedule();
    },
    keep,
    kept: () => kept,
    waitFor(treeSize, timeoutMs) {
      if (kept !== undefined && kept.treeSize >= treeSize) return Promise.resolve(kept);
      return new Promise((resolve) => {
        const waiter = { treeSize, resolve };
        waiters.add(waiter);
        setTimeout(() => {
          if (waiters.delete(waiter)) resolve(kept !== undefined && kept.treeSize >= treeSize ? kept : undefined);
        }, timeoutMs).unref?.();
      });
    },
    get stopped() {
      return stopping;
    },
    async stop() {
      stopping = true;
      wake?.();
      await running;
      for (const w of waiters) w.resolve(undefined);
      waiters.clear();
    },
  };
}
