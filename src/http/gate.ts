/**
 * A gate for reads of entry data: at most `atOnce` run at a time, at most `waiting` wait
 * their turn (then POOL_FULL: 503 with Retry-After), and each starts its work in a turn of
 * the event loop of its own.
 *
 * Why the turn: PGlite runs PostgreSQL in this thread and does no real I/O, so a read of it
 * resolves in promise reactions alone, and a request that reads entries ran from its socket's
 * data event to its answer without the event loop ever taking a turn. The event loop hands
 * over every socket that became readable at once, one after another: twenty clients asking
 * for pages of a MiB were twenty such reads back to back (and a socket with requests
 * pipelined behind it ran them one after another as well), and /checkpoint, /healthz and every
 * timer waited for all of them — 0.4–1.4 s at a time under the bounded-work load
 * (bench/bounded-load.ts). Deferred to a turn of their own (setImmediate), the requests that
 * arrived together are only parsed and queued here, cheap requests are answered in the next
 * pass over the sockets, and at most `atOnce` reads run between two passes.
 */
import { LogError } from '../errors.js';
import { nextTurn } from '../read/index.js';

export type Gate = <T>(task: () => Promise<T>) => Promise<T>;

export function createGate(atOnce: number, waiting: number): Gate {
  let running = 0;
  const queue: (() => void)[] = [];
  return async (task) => {
    if (running >= atOnce) {
      if (queue.length >= waiting) throw new LogError('POOL_FULL', 'too many reads of entry data are waiting', { hint: 'retry after the number of seconds in Retry-After' });
      await new Promise<void>((resolve) => queue.push(resolve));
    } else {
      running++;
    }
    try {
      await nextTurn();
      return await task();
    } finally {
      const next = queue.shift();
      if (next !== undefined) next(); // the slot passes straight to the next in line
      else running--;
    }
  };
}
