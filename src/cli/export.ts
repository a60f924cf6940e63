/**
 * `sightline export`: a log as plain c2sp.org/tlog-tiles files in a directory — checkpoint,
 * tiles, entry bundles — that any web server, object store or CDN serves unchanged, kept
 * current with --follow.
 *
 * The log is read through its public API and verified as a monitor verifies it (the checkpoint
 * with the log key, every entry hashed into the tree, the root compared: src/mirror/copy.ts).
 * Each file is written atomically (a temporary file, flushed, renamed) and the checkpoint last,
 * after every file its tree needs is durable: a reader never sees a checkpoint whose tiles are
 * missing. A file's name says its content (a tile's width is in its path), so no file a written
 * checkpoint names is ever rewritten with other bytes.
 *
 * Exit status: 0 exported (or stopped by SIGINT/SIGTERM), 1 the log could not be read or the
 * directory written, 2 usage, 3 the log misbehaved (a rollback, a fork, entries that do not
 * hash to its checkpoint): nothing of that checkpoint is published.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { bytesEqual, encodeBase64 } from '../encoding/index.js';
import { LogError, isLogError } from '../errors.js';
import { EMPTY_ROOT, HASH_SIZE, TILE_WIDTH, foldSubtree, formatTilePath, hashesAtTileLevel } from '../merkle/index.js';
import { copyTree } from '../mirror/index.js';
import { type NoteVerifier, openCheckpoint, parseNoteVerifier } from '../note/index.js';
import { type RightEdge, edgeHashes, rightEdgeTileIds } from '../sequencer/index.js';
import { type CommandSpec, type ParsedFlags, UsageError } from './flags.js';
import type { CliIo } from './io.js';
import { verifierKeyFlag } from './key-text.js';
import { httpLogSource, stopper } from './monitor.js';
import { nodeLeafHash, nodeNodeHash } from './node-crypto.js';
import { errorLine } from './terminal.js';

export const EXPORT_COMMAND: CommandSpec = {
  name: 'export',
  summary: 'write a log as static tlog-tiles files that any web server, object store or CDN can serve',
  about: `Writes the log served at --from as plain c2sp.org/tlog-tiles files under --to: checkpoint,
tile/…, tile/entries/…. Every entry is read through the log's public API and verified against
its checkpoint with --log-key before the checkpoint is written, and the checkpoint is written
last, so a reader of the directory never meets a checkpoint whose tiles are missing. Run it
again (or with --follow) to bring the directory up to the log's latest checkpoint; only what
is new is read. Serve the directory as it is: it is the log's read API.`,
  flags: [
    { name: 'to', value: 'DIR', help: 'the directory to write (created if missing)' },
    { name: 'from', value: 'URL', default: 'http://127.0.0.1:8080/', help: "the log's tlog-tiles URL (where its /checkpoint is)" },
    { name: 'log-key', value: 'VKEY', help: "the log's Ed25519 verifier key, or a file holding it" },
    { name: 'follow', type: 'boolean', help: 'keep the directory current: read the log again every --interval until stopped' },
    { name: 'interval', value: 'S', default: '10', help: 'seconds between reads with --follow' },
  ],
  footer: `Exit status: 0 exported (or stopped by SIGINT/SIGTERM), 1 the log or the directory could
not be read or written, 2 usage, 3 the log misbehaved (went back, forked, or served entries
that do not hash to its checkpoint): that checkpoint is not written.`,
};

/** Files written at once: each is a temporary file flushed to disk, then renamed. */
const PARALLEL_WRITES = 16;

class Misbehaved extends Error {}

/** The copied tree in DIR: its checkpoint (verified with the key) and right edge, or the empty tree. */
function readExported(dir: string, verifier: NoteVerifier, origin: string): { note: string | undefined; edge: RightEdge } {
  const file = join(dir, 'checkpoint');
  if (!existsSync(file)) return { note: undefined, edge: { treeSize: 0, rootHash: EMPTY_ROOT, tiles: new Map() } };
  const note = readFileSync(file, 'utf8');
  let checkpoint;
  try {
    ({ checkpoint } = openCheckpoint(note, verifier, { origin }));
  } catch (e) {
    throw new LogError('UNAVAILABLE', `${file} is not a checkpoint of this log (${(e as Error).message}): export another log to another directory`, { field: 'to' });
  }
  const tiles = new Map<number, Uint8Array>();
  for (const id of rightEdgeTileIds(checkpoint.treeSize)) {
    const width = hashesAtTileLevel(id.level, checkpoint.treeSize) % TILE_WIDTH;
    const path = join(dir, formatTilePath({ level: id.level, index: id.index, width }));
    const data = existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
    if (data === undefined || data.length !== width * HASH_SIZE) throw new LogError('UNAVAILABLE', `${dir} is damaged: ${path} is missing or cut short; export to a new directory`, { field: 'to' });
    tiles.set(id.level, data);
  }
  const partial: RightEdge = { treeSize: checkpoint.treeSize, rootHash: EMPTY_ROOT, tiles };
  const rootHash = checkpoint.treeSize === 0 ? EMPTY_ROOT : foldSubtree(edgeHashes(partial));
  if (!bytesEqual(rootHash, checkpoint.rootHash)) throw new LogError('UNAVAILABLE', `${dir} is damaged: its tiles do not hash to its checkpoint's root; export to a new directory`, { field: 'to' });
  return { note, edge: { ...partial, rootHash } };
}

/** Writes `data` at `path` so that a reader sees nothing or all of it, durable before it is renamed into place. */
async function writeDurably(path: string, data: Uint8Array | string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'w', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
}

/** Flushes the directories renamed into, so that the renames survive a crash before the checkpoint's. */
async function syncDirectories(dirs: Iterable<string>): Promise<void> {
  for (const dir of dirs) {
    try {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // Not every platform can fsync a directory.
    }
  }
}

export interface ExportResult {
  readonly treeSize: number;
  readonly previousTreeSize: number;
  readonly files: number;
}

/** Brings DIR up to the log's current checkpoint. Throws `Misbehaved` when the log cannot be trusted. */
export async function exportOnce(options: {
  readonly dir: string;
  readonly url: string;
  readonly verifier: NoteVerifier;
  readonly origin: string;
  readonly signal?: { readonly aborted: boolean };
}): Promise<ExportResult> {
  const { dir, verifier, origin } = options;
  const source = httpLogSource(options.url);
  mkdirSync(dir, { recursive: true });
  const exported = readExported(dir, verifier, origin);
  const note = await source.checkpoint();
  let checkpoint;
  try {
    ({ checkpoint } = openCheckpoint(note, verifier, { origin }));
  } catch (e) {
    if (exported.note === undefined) throw new LogError('UNAVAILABLE', `the checkpoint at ${options.url} does not verify with the log key: check the URL and --log-key (${(e as Error).message})`);
    throw new Misbehaved(`the log's checkpoint does not verify with its key: ${(e as Error).message}`);
  }
  const m = exported.edge.treeSize;
  const n = checkpoint.treeSize;
  if (n < m) throw new Misbehaved(`the log's checkpoint has tree size ${n}, below the ${m} exported: it went back`);
  if (n === m) {
    if (!bytesEqual(checkpoint.rootHash, exported.edge.rootHash)) throw new Misbehaved(`the log signed two roots for tree size ${n}: ${encodeBase64(exported.edge.rootHash)} exported, ${encodeBase64(checkpoint.rootHash)} now`);
    return { treeSize: n, previousTreeSize: m, files: 0 };
  }

  let files = 0;
  const inFlight = new Set<Promise<void>>();
  const dirs = new Set<string>();
  let failure: unknown;
  const write = async (path: string, data: Uint8Array): Promise<void> => {
    while (inFlight.size >= PARALLEL_WRITES) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
    const p = writeDurably(join(dir, path), data).then(
      () => {
        inFlight.delete(p);
      },
      (e) => {
        inFlight.delete(p);
        failure ??= e;
      },
    );
    inFlight.add(p);
    dirs.add(dirname(join(dir, path)));
    files++;
  };
  try {
    const copy = copyTree((path) => source.tile(path), exported.edge, { treeSize: n, rootHash: checkpoint.rootHash }, { leafHash: nodeLeafHash, nodeHash: nodeNodeHash, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    for (;;) {
      const next = await copy.next();
      if (next.done === true) break;
      await write(next.value.path, next.value.data);
    }
  } catch (e) {
    await Promise.allSettled(inFlight);
    if (isLogError(e, 'INVALID_TILE') || isLogError(e, 'MALFORMED_TILE')) throw new Misbehaved(e.message);
    throw e;
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  await syncDirectories(dirs);
  // Last: the checkpoint, as the log served it, once every file its tree needs is durable.
  await writeDurably(join(dir, 'checkpoint'), note);
  await syncDirectories([dir]);
  return { treeSize: n, previousTreeSize: m, files: files + 1 };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function exportCommand(flags: ParsedFlags, io: CliIo): Promise<number> {
  const to = flags.string('to');
  if (to === undefined) throw new UsageError('export needs --to DIR: where to write the log', { field: 'to' });
  const url = flags.string('from')!;
  if (!/^https?:\/\/[^\s]+$/i.test(url)) throw new UsageError('--from must be an http:// or https:// URL', { field: 'from' });
  const keyText = flags.string('log-key');
  if (keyText === undefined) throw new UsageError("export needs --log-key VKEY: the log's verifier key, to verify what it exports", { field: 'log-key' });
  const verifier = parseNoteVerifier(await verifierKeyFlag(keyText, 'log-key', io));
  const interval = flags.string('interval')!;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(interval) || Number(interval) < 0.1) throw new UsageError('--interval must be a number of seconds, at least 0.1', { field: 'interval' });
  const dir = resolve(to);
  const { stop, sleep, release } = stopper(io);
  try {
    for (;;) {
      try {
        const result = await exportOnce({ dir, url, verifier, origin: verifier.name, signal: stop });
        if (result.treeSize > result.previousTreeSize || !flags.boolean('follow')) {
          io.stdout.write(`checkpoint ${result.treeSize} (+${result.treeSize - result.previousTreeSize} entries, ${result.files} files) exported to ${dir}\n`);
        }
      } catch (e) {
        if (stop.aborted) return 0;
        if (e instanceof Misbehaved) {
          io.stderr.write(errorLine(`the log misbehaved; nothing of its new checkpoint is exported: ${e.message}`));
          return 3;
        }
        if (!flags.boolean('follow')) throw isLogError(e) ? e : new LogError('UNAVAILABLE', `couldn't export: ${describe(e)}`, { cause: e });
        io.stderr.write(errorLine(`couldn't export, trying again in ${interval} s: ${describe(e)}`));
      }
      if (!flags.boolean('follow') || stop.aborted) return 0;
      await sleep(Number(interval) * 1000);
      if (stop.aborted) return 0;
    }
  } finally {
    release();
  }
}
