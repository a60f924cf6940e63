/**
 * The latest committed head, kept in memory so that `/checkpoint` and every proof do not
 * read it from the database.
 *
 * The sequencer of this process offers each head it commits, so this process's own writes
 * are visible at once. Another writer on the same database (a second server) is seen
 * within `maxAgeMs`, or at once when a request names a tree size past the cached one.
 */
import { isLogError } from '../errors.js';
import type { LogStore, TreeHead } from '../log/index.js';

export interface HeadCache {
  /** The latest head, no older than `maxAgeMs`. */
  current(): Promise<TreeHead>;
  /** The latest head, re-read from the store if the cached one is smaller than `treeSize`. */
  atLeast(treeSize: number): Promise<TreeHead>;
  /** A head just committed; kept if it is newer than the cached one. */
  offer(head: TreeHead): void;
}

/**
 * The longest a request waits for a stale head to be re-read before it is answered with the
 * head last seen (a signed, published checkpoint): a database busy with large reads (PGlite
 * runs one query at a time) must not hold up /checkpoint, which monitors and witnesses poll.
 */
export const HEAD_REFRESH_WAIT_MS = 50;

export function createHeadCache(store: Pick<LogStore, 'readHead'>, maxAgeMs = 500, refreshWaitMs = HEAD_REFRESH_WAIT_MS): HeadCache {
  let cached: TreeHead | undefined;
  let readAt = 0;
  let reading: Promise<TreeHead> | undefined;

  function keep(head: TreeHead, at: number): void {
    if (cached === undefined || head.treeSize >= cached.treeSize) cached = head;
    readAt = Math.max(readAt, at);
  }

  function refresh(): Promise<TreeHead> {
    // Concurrent requests share one read.
    reading ??= (async () => {
      const at = performance.now();
      try {
        keep(await store.readHead(), at);
        return cached!;
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  }

  return {
    current() {
      if (cached === undefined) return refresh();
      if (performance.now() - readAt < maxAgeMs) return Promise.resolve(cached);
      // The database is down: the head last seen is still a signed, published checkpoint.
      const fresh = refresh().catch((e: unknown) => (isLogError(e, 'UNAVAILABLE') ? cached! : Promise.reject(e)));
      const seen = cached;
      let timer: NodeJS.Timeout | undefined;
      const slow = new Promise<TreeHead>((resolve) => {
        timer = setTimeout(() => resolve(seen), refreshWaitMs);
      });
      return Promise.race([fresh, slow]).finally(() => clearTimeout(timer));
    },
    async atLeast(treeSize) {
      const head = await this.current();
      return head.treeSize >= treeSize ? head : refresh();
    },
    offer(head) {
      keep(head, performance.now());
    },
  };
}
