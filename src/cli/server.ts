/**
 * What every log of a server needs at its start, whoever starts it (the service,
 * service.ts; the account commands; the tests): the log created on first start or checked to
 * be this key's, and its code lists.
 */
import { readFileSync } from 'node:fs';
import { LogError, isLogError } from '../errors.js';
import { type CodeLists, DEFAULT_CODES, parseCodeLists } from '../events/index.js';
import type { LogMeta, LogStore } from '../log/index.js';
import { EMPTY_ROOT } from '../merkle/index.js';
import { type Ed25519NoteSigner, formatCheckpoint, signNote } from '../note/index.js';

/** Creates the log on first start, or checks that the database belongs to this key. */
export async function ensureLog(store: LogStore, signer: Ed25519NoteSigner): Promise<LogMeta> {
  const meta: LogMeta = { origin: signer.name, verifierKey: signer.verifierKey };
  let existing = await store.readMeta();
  if (existing === undefined) {
    const checkpoint = signNote(formatCheckpoint({ origin: meta.origin, treeSize: 0, rootHash: EMPTY_ROOT, extensions: [] }), [signer]);
    try {
      await store.createLog(meta, { treeSize: 0, rootHash: EMPTY_ROOT, checkpoint });
      return meta;
    } catch (e) {
      if (!isLogError(e, 'CONFLICT')) throw e;
      existing = await store.readMeta(); // another process created it first
    }
  }
  if (existing === undefined || existing.verifierKey !== meta.verifierKey) {
    throw new LogError(
      'UNAVAILABLE',
      `this database holds the log ${existing?.origin} with key ${existing?.verifierKey}, but the key given is ${meta.verifierKey}; start with that log's --key-file`,
      { field: 'key-file' },
    );
  }
  return existing;
}

/** The server-kept subject-tag key file in the data directory. */
export const TAG_KEY_FILE = 'tag-keys.json';

/** The code lists from `--codes FILE`, or the built-in lists. */
export function loadCodeLists(file: string | undefined): CodeLists {
  if (file === undefined) return DEFAULT_CODES;
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LogError('UNAVAILABLE', `couldn't read the code lists ${file}: ${(e as Error).message}`, { field: 'codes' });
  }
  try {
    return parseCodeLists(text);
  } catch (e) {
    throw new LogError('UNAVAILABLE', `the code lists ${file} are not valid: ${(e as Error).message}`, { field: 'codes' });
  }
}
