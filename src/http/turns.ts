/**
 * Pacing the event loop's turns, so that a busy server keeps accepting connections.
 *
 * Why: libuv (from 1.45, Node 20's included) accepts one connection per turn of the event
 * loop, relying on the listening socket staying readable. A turn serves every socket that
 * became readable: on a saturated server hundreds of requests, each parsed, checked and
 * submitted, and hundreds of receipts written, so a turn took ~25 ms and the server took 40
 * new connections a second. A client that connected while others kept the server busy (a
 * partner of another log, a monitor, a claimant) waited seconds in the kernel's accept
 * queue for each connection, for as long as the busy clients kept sending: one log's load
 * stalled another's writes far beyond its share (the bench's service section showed the
 * last-started of three logs at 0–10% of an equal share for the whole run).
 *
 * So requests start in arrival order, a bounded number a turn (the rest in the turns
 * after), and a sequencer answers its receipts a bounded number a turn: a turn does bounded
 * work whatever the number of connections. While connections are arriving (one was
 * accepted within the last ACCEPTING_MS), the bounds are small, so that turns are short and
 * a burst of new connections is taken in a fraction of a second; otherwise they are large,
 * so that a saturated server still starts enough requests a turn to fill its batches.
 *
 * Nothing waits here for long: the server answers a connection's requests one at a time, so
 * the queue holds at most one request per open connection.
 */

/** Requests started in one turn, and receipts answered in one, with no connection arriving. */
export const STARTS_PER_TURN = 128;
export const ANSWERS_PER_TURN = 256;
/** The same while connections arrive. */
export const STARTS_PER_TURN_ACCEPTING = 4;
export const ANSWERS_PER_TURN_ACCEPTING = 8;
/** How long after a connection was accepted the server counts as taking connections. */
export const ACCEPTING_MS = 20;

export interface TurnPacer {
  /** Starts `task` in this turn's share of starts, or in a later turn's, in arrival order. */
  start(task: () => void): void;
  /** Called as each connection is accepted. */
  connected(): void;
  /** How many receipts a sequencer answers in one turn now. */
  answersPerTurn(): number;
  /** Requests waiting to start. */
  waiting(): number;
}

export interface TurnPacerOptions {
  readonly now?: () => number;
  /** What a task that throws is handed to; by default it is thrown again in a turn of its own. */
  readonly onError?: (error: unknown) => void;
}

export function createTurnPacer(options: TurnPacerOptions = {}): TurnPacer {
  const now = options.now ?? (() => performance.now());
  const onError =
    options.onError ??
    ((error: unknown) =>
      setImmediate(() => {
        throw error;
      }));
  const queue: (() => void)[] = [];
  let head = 0;
  let scheduled = false;
  let lastConnection = -Infinity;
  const accepting = (): boolean => now() - lastConnection < ACCEPTING_MS;
  const run = (): void => {
    const until = Math.min(queue.length, head + (accepting() ? STARTS_PER_TURN_ACCEPTING : STARTS_PER_TURN));
    while (head < until) {
      const task = queue[head]!;
      queue[head++] = noop; // released at once: a started request holds nothing here
      try {
        task();
      } catch (e) {
        onError(e); // never stops the tasks behind it
      }
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
      scheduled = false;
      return;
    }
    if (head >= 1024) {
      queue.splice(0, head);
      head = 0;
    }
    setImmediate(run);
  };
  return {
    start(task) {
      queue.push(task);
      if (!scheduled) {
        scheduled = true;
        setImmediate(run);
      }
    },
    connected() {
      lastConnection = now();
    },
    answersPerTurn: () => (accepting() ? ANSWERS_PER_TURN_ACCEPTING : ANSWERS_PER_TURN),
    waiting: () => queue.length - head,
  };
}

const noop = (): void => {};
