/**
 * Reading a log from its copies: mirrors (c2sp.org/tlog-mirror), which serve each log they
 * hold as tlog-tiles under `<monitoring prefix>/<hex SHA-256 of the origin>/`, and static
 * exports served from object storage or a CDN. Tiles and entry bundles never change once
 * written and are verified against a checkpoint signed by the log key, so any copy may serve
 * them: they are read from the copies first (the load taken off the log), then from the log.
 * The checkpoint is read from the log first (the freshest), then from the copies in turn; a
 * copy given with a mirror key must carry that mirror's cosignature on its checkpoint, or it
 * is passed over (it does not hold what it claims to). Whatever a copy serves is checked by
 * the caller against the log key, as the log's own answers are.
 *
 * Trust boundary: a copy is as untrusted as the log. Pure: runs in Node 20 and browsers.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeHex } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import { type NoteVerifier, openNote } from '../note/index.js';

/** A copy of one log: where its tlog-tiles are served, and the mirror key its checkpoint must carry, if any. */
export interface LogCopy {
  /** The copy's tlog-tiles URL for this log: where its `checkpoint` and `tile/…` are. */
  readonly url: string;
  /** A mirror's cosignature/v1 verifier: its checkpoint is taken only with a valid cosignature by it. */
  readonly mirror?: NoteVerifier;
}

/**
 * The tlog-tiles URL of `origin`'s copy at `url`: a mirror's monitoring prefix gets the hex
 * SHA-256 of the origin appended (c2sp.org/tlog-mirror); a URL that already ends with one, or
 * that names a static copy (`static: true`), is taken as it is.
 */
export function copyUrl(url: string, origin: string, options: { readonly static?: boolean } = {}): string {
  const base = url.replace(/\/+$/, '');
  if (options.static === true || /\/[0-9a-f]{64}$/.test(base)) return base;
  return `${base}/${encodeHex(sha256(new TextEncoder().encode(origin)))}`;
}

/** What reading from one source may fail with and still leave the next worth asking. */
function passOver(e: unknown): boolean {
  return !isLogError(e) || e.code === 'UNAVAILABLE' || e.code === 'NOT_FOUND' || e.code === 'INTERNAL' || e.code === 'UNVERIFIED_NOTE' || e.code === 'INVALID_SIGNATURE';
}

/**
 * Asks each source in turn until one has an answer: an error worth passing over (the source
 * down, answering oddly, or without it) moves on; a 404 (`undefined`) too. Undefined when no
 * source has it; the first error when every source failed.
 */
export async function firstAnswer<T>(sources: readonly (() => Promise<T | undefined>)[]): Promise<T | undefined> {
  let failure: unknown;
  for (const source of sources) {
    try {
      const answer = await source();
      if (answer !== undefined) return answer;
    } catch (e) {
      if (!passOver(e)) throw e;
      failure ??= e;
    }
  }
  if (failure !== undefined) throw failure;
  return undefined;
}

/** Checks that a copy's checkpoint carries its mirror's cosignature, when the copy is a mirror given with its key. */
export function checkCopyCheckpoint(note: string, copy: LogCopy): string {
  if (copy.mirror === undefined) return note;
  let verified;
  try {
    verified = openNote(note, [copy.mirror]).verified;
  } catch (e) {
    throw new LogError('UNVERIFIED_NOTE', `the checkpoint at ${copy.url} carries no valid cosignature by the mirror ${copy.mirror.name}: ${(e as Error).message}`, { field: 'mirror' });
  }
  if (verified.length === 0) throw new LogError('UNVERIFIED_NOTE', `the checkpoint at ${copy.url} carries no cosignature by the mirror ${copy.mirror.name}`, { field: 'mirror' });
  return note;
}

/** A source of a log's read API: the log itself or one of its copies. */
export interface ReadSource {
  checkpoint(): Promise<string>;
  tile(path: string): Promise<Uint8Array | undefined>;
}

/**
 * The log's read API through its copies: the checkpoint from the log first (the freshest),
 * then each copy's (a mirror's only with its cosignature); a tile or bundle from the copies
 * first (immutable, and verified by the caller against the checkpoint), then the log.
 */
export function readThroughCopies(log: ReadSource, copies: readonly { readonly copy: LogCopy; readonly source: ReadSource }[]): ReadSource {
  return {
    checkpoint: async () => (await firstAnswer([() => log.checkpoint(), ...copies.map(({ copy, source }) => async () => checkCopyCheckpoint(await source.checkpoint(), copy))]))!,
    tile: (path) => firstAnswer([...copies.map(({ source }) => () => source.tile(path)), () => log.tile(path)]),
  };
}
