/**
 * A log for mirror and export tests: entries (bytes), signed checkpoints at any size, and its
 * tree served as c2sp.org/tlog-tiles paths, each tile computed from the entries by the code
 * under test's `integrate` (so bytes served equal what a Sightline log serves).
 */
import { type Hash, type ServedTiles, TILE_WIDTH, encodeEntryBundle, formatEntryBundlePath, formatTilePath, leafHash, newTiles, parseTilePath, rootOfLeaves } from '../../src/merkle/index.js';
import { type Ed25519NoteSigner, formatCheckpoint, signNote } from '../../src/note/index.js';
import { EMPTY_ROOT } from '../../src/merkle/index.js';
import { integrate } from '../../src/sequencer/index.js';
import { logSigner } from './witness-log.js';

export class TiledLog {
  readonly entries: Uint8Array[] = [];
  readonly leaves: Hash[] = [];
  readonly origin: string;
  /** The widest content of each tile, by level/index: a partial tile of any size it had is its prefix. */
  readonly #tiles = new Map<string, Uint8Array>();
  #edge = { treeSize: 0, rootHash: EMPTY_ROOT, tiles: new Map<number, Uint8Array>() } as Parameters<typeof integrate>[0];

  constructor(readonly signer: Ed25519NoteSigner = logSigner(7, 'example.com/mirrored-log')) {
    this.origin = signer.name;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Appends `count` entries (`make(i)` for entry i, or `tag-i`) as one batch: its tiles become servable. */
  grow(count: number, make: (i: number) => Uint8Array = (i) => new TextEncoder().encode(`entry-${i}`)): number {
    const added: Uint8Array[] = [];
    for (let i = 0; i < count; i++) added.push(make(this.entries.length + i));
    const leaves = added.map(leafHash);
    const integration = integrate(this.#edge, leaves);
    for (const t of integration.tiles) this.#tiles.set(`${t.level}/${t.index}`, t.data);
    this.#edge = integration.edge;
    this.entries.push(...added);
    this.leaves.push(...leaves);
    return this.size;
  }

  root(size = this.size): Hash {
    return rootOfLeaves(this.leaves.slice(0, size));
  }

  checkpoint(size = this.size, signers: readonly Ed25519NoteSigner[] = [this.signer]): string {
    return signNote(formatCheckpoint({ origin: this.origin, treeSize: size, rootHash: this.root(size), extensions: [] }), signers);
  }

  /** What the log serves, as a Sightline log does: tiles and bundles, partial ones of every size it had. */
  get served(): ServedTiles {
    return async (path) => {
      const parsed = parseTilePath(path);
      if (parsed.kind === 'tile') {
        const data = this.#tiles.get(`${parsed.level}/${parsed.index}`);
        return data === undefined || data.length < parsed.width * 32 ? undefined : data.slice(0, parsed.width * 32);
      }
      const start = parsed.index * TILE_WIDTH;
      if (start + parsed.width > this.size) return undefined;
      return encodeEntryBundle(this.entries.slice(start, start + parsed.width));
    };
  }

  /** Every tile and bundle path of the tree of `size`, with the bytes this log serves for it. */
  async allPaths(size = this.size): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    for (const t of newTiles(0, size)) out.set(formatTilePath(t), (await this.served(formatTilePath(t)))!);
    for (let b = 0; b * TILE_WIDTH < size; b++) {
      const path = formatEntryBundlePath({ index: b, width: Math.min(TILE_WIDTH, size - b * TILE_WIDTH) });
      out.set(path, (await this.served(path))!);
    }
    return out;
  }
}

/**
 * Serves `log` over HTTP as a plain tlog-tiles server: `checkpoint()` gives the note served
 * (the log's current one unless a test swaps it, to show a fork or a rollback).
 */
export async function serveTiledLog(log: TiledLog, checkpoint: () => string = () => log.checkpoint()) {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.slice(1);
    if (path === 'checkpoint') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(checkpoint());
      return;
    }
    log.served(path).then(
      (data) => (data === undefined ? res.writeHead(404).end() : res.writeHead(200).end(data)),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
