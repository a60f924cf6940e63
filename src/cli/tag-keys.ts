/**
 * The server's subject-tag year keys K_e (design.md, "Typed events and claimant privacy"):
 * one secret 32-byte key per calendar year, kept in a JSON file `{"2026": "<64 hex>", …}`.
 *
 * A year key, once used, must never change or be lost: every tag and reveal token of that
 * year was derived from it, and claimants' held keys with it. So an existing year's key is
 * never replaced, a write re-reads the file first and keeps every key in it, and a new key
 * is on disk (fsync'd, then renamed into place, then the directory fsync'd) before it is
 * handed out. Key material never appears in a message.
 */
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LogError } from '../errors.js';
import { bytesEqual, decodeHex, encodeHex } from '../encoding/index.js';
import type { LogStore } from '../log/index.js';
import { yearKeyCheck } from '../subject/index.js';

export interface TagKeyring {
  /**
   * K_e for a year ('2026'); generates and persists it when the file is managed by the
   * server, else throws LogError('INVALID_EVENT'). Concurrent calls for one missing year
   * generate it once.
   */
  keyFor(year: string): Promise<Uint8Array>;
  /** Years present, ascending. */
  years(): string[];
}

const KEY_SIZE = 32;
/** Four-digit years of this millennium: a wider range would only admit typos. */
const YEAR = /^2\d{3}$/;
const KEY_HEX = /^[0-9a-f]{64}$/;
/** A JSON member name followed by its colon (used only once every string is known to hold no quote). */
const MEMBER_NAME = /"[^"]*"\s*:/g;
const FILE_HINT = 'the subject-tag key file is a JSON object {"2026": "<64 lowercase hex>", …} with four-digit years 2000–2999 and nothing else';

function unavailable(message: string, hint: string, cause?: unknown): LogError {
  return new LogError('UNAVAILABLE', message, { hint, ...(cause === undefined ? {} : { cause }) });
}

/**
 * Strict parse of the key file's text. Duplicate years are refused (JSON.parse would keep
 * the last one silently, and which key a year has must never be in doubt). JSON.parse's own
 * message is not passed on: V8 quotes the text around the fault, which is key material.
 */
function parseKeyFile(file: string, text: string): Map<string, Uint8Array> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw unavailable(`the subject-tag key file ${file} is not valid JSON`, FILE_HINT);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw unavailable(`the subject-tag key file ${file} does not hold a JSON object`, FILE_HINT);
  }
  const keys = new Map<string, Uint8Array>();
  for (const [year, hex] of Object.entries(doc)) {
    // The name is shown only once it is known to be a plain year.
    if (!YEAR.test(year)) throw unavailable(`the subject-tag key file ${file} has a member that is not a year 2000–2999`, FILE_HINT);
    if (typeof hex !== 'string' || !KEY_HEX.test(hex)) {
      throw unavailable(`the subject-tag key file ${file} has a key for ${year} that is not 64 lowercase hex digits`, FILE_HINT);
    }
    keys.set(year, decodeHex(hex)!);
  }
  // Every string left is a year or lowercase hex, so no string holds a quote and each `"…":` is one member.
  if ((text.match(MEMBER_NAME) ?? []).length !== keys.size) {
    throw unavailable(`the subject-tag key file ${file} names a year more than once`, FILE_HINT);
  }
  return keys;
}

function formatKeyFile(keys: Map<string, Uint8Array>): string {
  const years = [...keys.keys()].sort();
  return `{\n${years.map((y) => `  ${JSON.stringify(y)}: "${encodeHex(keys.get(y)!)}"`).join(',\n')}\n}\n`;
}

/** The file's keys, or `undefined` when it does not exist. */
async function readKeyFile(file: string): Promise<Map<string, Uint8Array> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unavailable(`couldn't read the subject-tag key file ${file}: ${(e as Error).message}`, 'check that the file is readable by the server', e);
  }
  return parseKeyFile(file, text);
}

/** fsync a directory so that a rename or link in it survives a crash. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `keys` to a new file beside `file` (mode 0600, fsync'd) and returns its path. */
async function writeTemporary(file: string, keys: Map<string, Uint8Array>): Promise<string> {
  const temporary = join(dirname(file), `.${basename(file)}.${encodeHex(randomBytes(8))}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(formatKeyFile(keys), 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  // The umask can only narrow the mode, but say it outright: this file is a secret.
  await chmod(temporary, 0o600);
  return temporary;
}

/**
 * Creates the file with `keys` unless it exists: link() fails with EEXIST instead of
 * replacing, so two servers starting at once cannot overwrite each other's first keys.
 * Returns false when the file was already there.
 */
async function createKeyFile(file: string, keys: Map<string, Uint8Array>): Promise<boolean> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = await writeTemporary(file, keys);
  try {
    await link(temporary, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  await syncDirectory(dirname(file));
  return true;
}

async function replaceKeyFile(file: string, keys: Map<string, Uint8Array>): Promise<void> {
  const temporary = await writeTemporary(file, keys);
  try {
    await rename(temporary, file);
  } catch (e) {
    await unlink(temporary).catch(() => undefined);
    throw e;
  }
  await syncDirectory(dirname(file));
}

function noKey(year: string, hint: string): LogError {
  return new LogError('INVALID_EVENT', `no subject-tag key for year ${year}`, { field: 'event.hour', hint });
}

/**
 * file: the JSON file `{"2026": "<64 hex>", …}` (strict: 4-digit years 2000–2999, 64
 * lowercase hex each, nothing else).
 *
 * managed=true when the server chose the file itself (the data directory's
 * `tag-keys.json`): created (mode 0600, parent directory created) when absent with keys for
 * the current UTC year and the next; a missing year from the current year − 1 to + 1 is
 * added on demand. managed=false (--tag-key-file): the file must exist and is never written.
 */
export async function openTagKeyring(file: string, options: { managed: boolean; now?: () => Date }): Promise<TagKeyring> {
  const now = options.now ?? (() => new Date());
  const failed = (e: unknown): never => {
    if (e instanceof LogError) throw e;
    throw unavailable(`couldn't write the subject-tag key file ${file}: ${(e as Error).message}`, 'check that the data directory is writable by the server', e);
  };

  let keys = await readKeyFile(file);
  if (keys === undefined) {
    if (!options.managed) {
      throw unavailable(`the subject-tag key file ${file} does not exist`, 'give --tag-key-file an existing key file, or leave it out to have the server keep tag-keys.json in its data directory');
    }
    const year = now().getUTCFullYear();
    const fresh = new Map<string, Uint8Array>();
    for (const y of [year, year + 1]) if (YEAR.test(String(y))) fresh.set(String(y), new Uint8Array(randomBytes(KEY_SIZE)));
    const created = await createKeyFile(file, fresh).catch(failed);
    // Another server created it first: its keys are the ones to use.
    keys = created ? fresh : await readKeyFile(file);
    if (keys === undefined) throw unavailable(`the subject-tag key file ${file} disappeared while it was being created`, 'start the server again');
  }
  const held: Map<string, Uint8Array> = keys;

  /** One write at a time in this process, so that each re-reads what the previous one wrote. */
  let writes: Promise<unknown> = Promise.resolve();
  /** A missing year being added: every caller waits for the same key. */
  const adding = new Map<string, Promise<Uint8Array>>();

  const addYear = async (year: string): Promise<Uint8Array> => {
    const onDisk = await readKeyFile(file);
    if (onDisk === undefined) throw unavailable(`the subject-tag key file ${file} has been removed`, 'restore it from a backup: the keys in it cannot be made again');
    for (const [y, key] of held) {
      const there = onDisk.get(y);
      if (there === undefined) onDisk.set(y, key); // never lost
      else if (!bytesEqual(there, key)) {
        throw unavailable(`the key for ${y} in the subject-tag key file ${file} changed while the server was running`, 'restore the file from a backup; a year key must never change');
      }
    }
    const written = onDisk.get(year); // another process added it meanwhile: never replaced
    if (written === undefined) {
      onDisk.set(year, new Uint8Array(randomBytes(KEY_SIZE)));
      await replaceKeyFile(file, onDisk).catch(failed);
    }
    for (const [y, key] of onDisk) held.set(y, key);
    return held.get(year)!;
  };

  return {
    async keyFor(year: string): Promise<Uint8Array> {
      const key = held.get(year);
      if (key !== undefined) return key.slice();
      if (!options.managed) {
        throw noKey(year, `the key file ${file} (--tag-key-file) has no key for that year: add one (64 random lowercase hex digits) and restart`);
      }
      let pending = adding.get(year);
      if (pending === undefined) {
        const current = now().getUTCFullYear();
        const y = YEAR.test(year) ? Number(year) : NaN;
        if (!(y >= current - 1 && y <= current + 1)) {
          throw noKey(year, `the server makes keys only for ${current - 1} to ${current + 1}; is the event's hour right?`);
        }
        pending = writes.then(() => addYear(year));
        writes = pending.catch(() => undefined);
        adding.set(year, pending);
        // Forget a failed attempt so that a later call may try again.
        pending.then(
          () => adding.delete(year),
          () => adding.delete(year),
        );
      }
      return (await pending).slice();
    },
    years(): string[] {
      return [...held.keys()].sort();
    },
  };
}

/**
 * The keyring, each year's key checked against the log's database before it is used: the
 * first server to use a year's key stores its check value (`yearKeyCheck`), and a server
 * holding another key for that year refuses (UNAVAILABLE) instead of deriving tags no
 * claimant could find. The keys themselves never reach the database.
 */
export function checkedTagKeyring(keyring: TagKeyring, store: Pick<LogStore, 'claimTagKeyCheck'>): TagKeyring & { checkAll(): Promise<void> } {
  const checked = new Map<string, Promise<void>>();
  async function keyFor(year: string): Promise<Uint8Array> {
    const key = await keyring.keyFor(year);
    let check = checked.get(year);
    if (check === undefined) {
      check = (async () => {
        const mine = yearKeyCheck(key, year);
        const stored = await store.claimTagKeyCheck(year, mine);
        if (!bytesEqual(stored, mine)) {
          throw new LogError('UNAVAILABLE', `this server's subject-tag key for ${year} is not the one this log already uses`, {
            hint: 'give every server of one log the same --tag-key-file; a year key must never change once used',
          });
        }
      })();
      checked.set(year, check);
      check.catch(() => checked.delete(year)); // checked again next time, not cached as failed
    }
    await check;
    return key;
  }
  return {
    keyFor,
    years: () => keyring.years(),
    async checkAll() {
      for (const year of keyring.years()) await keyFor(year);
    },
  };
}
