/**
 * copyTree: a log copied as tlog-tiles files, step by step from the tree already copied, is
 * file for file what the log serves; entries that do not hash to the checkpoint end the copy
 * with an error before the partial edge (and so before any checkpoint could be written).
 */
import { describe, expect, it } from 'vitest';
import { isLogError } from '../../../src/errors.js';
import { EMPTY_ROOT } from '../../../src/merkle/index.js';
import { type TreeFile, copyTree } from '../../../src/mirror/index.js';
import type { RightEdge } from '../../../src/sequencer/index.js';
import { TiledLog } from '../../support/tiled-log.js';

async function drain(gen: AsyncGenerator<TreeFile, RightEdge>, into: Map<string, Uint8Array>): Promise<RightEdge> {
  for (;;) {
    const next = await gen.next();
    if (next.done === true) return next.value;
    expect(into.has(next.value.path) && !Buffer.from(into.get(next.value.path)!).equals(Buffer.from(next.value.data)), `${next.value.path} rewritten with other bytes`).toBe(false);
    into.set(next.value.path, next.value.data);
  }
}

describe('copyTree', () => {
  it('copies a growing log file for file, each step only what is new', async () => {
    const log = new TiledLog();
    const files = new Map<string, Uint8Array>();
    let edge: RightEdge = { treeSize: 0, rootHash: EMPTY_ROOT, tiles: new Map() };
    for (const size of [0, 1, 255, 256, 257, 700, 700, 66_000]) {
      log.grow(size - log.size, (i) => new TextEncoder().encode(`e${i}`.repeat(i % 4)));
      edge = await drain(copyTree(log.served, edge, { treeSize: size, rootHash: log.root(size) }), files);
      expect(edge.treeSize).toBe(size);
      for (const [path, bytes] of await log.allPaths(size)) expect(files.get(path), path).toEqual(bytes);
    }
  });

  it('ends with an error, before the partial edge, when the entries do not hash to the checkpoint', async () => {
    const log = new TiledLog();
    log.grow(600);
    const lying = new TiledLog(log.signer);
    lying.grow(600, (i) => new TextEncoder().encode(i === 599 ? 'rewritten' : `entry-${i}`));
    const files = new Map<string, Uint8Array>();
    const error = await drain(copyTree(lying.served, { treeSize: 0, rootHash: EMPTY_ROOT, tiles: new Map() }, { treeSize: 600, rootHash: log.root() }), files).catch((e: unknown) => e);
    expect(isLogError(error, 'INVALID_TILE')).toBe(true);
    expect([...files.keys()].some((p) => p.includes('.p/'))).toBe(false);
  });

  it('refuses a smaller tree, and says when the log does not serve a bundle', async () => {
    const log = new TiledLog();
    log.grow(300);
    const edge = await drain(copyTree(log.served, { treeSize: 0, rootHash: EMPTY_ROOT, tiles: new Map() }, { treeSize: 300, rootHash: log.root() }), new Map());
    await expect(drain(copyTree(log.served, edge, { treeSize: 10, rootHash: log.root(10) }), new Map())).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    await expect(drain(copyTree(async () => undefined, edge, { treeSize: 400, rootHash: log.root() }), new Map())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
