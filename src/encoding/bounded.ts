/**
 * Reading a byte stream up to a bound and no further. Trust boundary: the sender decides how
 * much it sends, so a body is read a chunk at a time and the reading stops (the stream is
 * cancelled) the moment it passes `max`, instead of taking whatever comes and measuring it
 * afterwards.
 */
import { concatBytes } from './text.js';

/** The whole of `stream`, or undefined (the stream cancelled) once it passes `max` bytes. */
export async function readAtMost(stream: ReadableStream<Uint8Array> | null | undefined, max: number): Promise<Uint8Array | undefined> {
  if (stream === null || stream === undefined) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concatBytes(chunks);
    size += value.length;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}
