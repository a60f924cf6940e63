/**
 * The code lists in force, recorded in the log whenever they change, so that anyone can
 * tell which lists every event was checked against (and fetch each version by its hash).
 *
 * The record is appended before the first typed event this process accepts, not at start:
 * a log used only for raw entries never holds one, and every typed event still follows
 * the record of the lists it was checked against.
 */
import { bytesEqual, decodeUtf8, encodeHex } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { type CodeLists, codeListsBytes, encodeCodeListsRecord } from '../events/index.js';
import type { CodeListsVersion, LogStore } from '../log/index.js';
import type { Hash } from '../merkle/index.js';
import type { Sequencer } from '../sequencer/index.js';

export interface CodeListsInForce {
  readonly codes: CodeLists;
  readonly sha256: Hash;
  /** The log entry that records these lists, once known. */
  recorded(): CodeListsVersion | undefined;
  /**
   * Makes sure the log records these lists as its latest version: when the latest recorded
   * differs (or none is), appends `{v:1, record:"codes", sha256, previous}` (naming the
   * previous version, so that changing back is recorded too) and keeps the lists by hash.
   * Concurrent callers share one attempt; a failed attempt is retried by the next call. A
   * crash between the append and the keeping repeats the same record at the next attempt,
   * which the log's dedup answers with the first index.
   */
  ensureRecorded(): Promise<CodeListsVersion>;
}

export function codeListsInForce(
  store: Pick<LogStore, 'readCodeLists' | 'recordCodeLists'>,
  sequencer: Pick<Sequencer, 'submit'>,
  codes: CodeLists,
  sha256: (data: Uint8Array) => Hash,
): CodeListsInForce {
  const bytes = codeListsBytes(codes);
  const hash = sha256(bytes);
  const body = decodeUtf8(bytes);
  if (body === undefined) throw new LogError('INTERNAL', 'the code lists are not UTF-8');
  let version: CodeListsVersion | undefined;
  let attempt: Promise<CodeListsVersion> | undefined;

  async function record(): Promise<CodeListsVersion> {
    const latest = await store.readCodeLists();
    if (latest !== undefined && bytesEqual(latest.sha256, hash)) return latest;
    const entry = encodeCodeListsRecord({ sha256: encodeHex(hash), previous: latest === undefined ? null : encodeHex(latest.sha256) });
    const { leafIndex } = await sequencer.submit(entry, null);
    const recorded: CodeListsVersion = { sha256: hash, body: body!, leafIndex };
    await store.recordCodeLists(recorded);
    return recorded;
  }

  return {
    codes,
    sha256: hash,
    recorded: () => version,
    ensureRecorded() {
      if (version !== undefined) return Promise.resolve(version);
      attempt ??= record().then(
        (v) => (version = v),
        (e: unknown) => {
          attempt = undefined;
          throw e;
        },
      );
      return attempt;
    },
  };
}
