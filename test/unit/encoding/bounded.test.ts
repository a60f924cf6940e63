/** readAtMost: a body is read up to its bound and no further, whatever the sender sends. */
import { expect, test } from 'vitest';
import { readAtMost } from '../../../src/encoding/index.js';

/** A stream of `chunk` repeated for ever (an attacker's body), counting what was pulled. */
function endless(chunk: Uint8Array): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

function streamOf(...chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
}

test('a body within the bound is read whole, chunks joined in order; exactly the bound is within it', async () => {
  expect(await readAtMost(streamOf(new Uint8Array([1, 2]), new Uint8Array([3])), 3)).toEqual(new Uint8Array([1, 2, 3]));
  expect(await readAtMost(streamOf(), 0)).toEqual(new Uint8Array(0));
  expect(await readAtMost(null, 10)).toEqual(new Uint8Array(0));
});

test('an endless body is cut off just past the bound: the stream is cancelled, not read to its end', async () => {
  const attack = endless(new Uint8Array(1024));
  expect(await readAtMost(attack.stream, 10 * 1024)).toBeUndefined();
  expect(attack.cancelled()).toBe(true);
  expect(attack.pulled()).toBeLessThanOrEqual(12);
});

test('one byte over the bound is refused', async () => {
  expect(await readAtMost(streamOf(new Uint8Array(3), new Uint8Array(1)), 3)).toBeUndefined();
});
