/**
 * A `HashReader` over the log's own stored tiles (through the tile cache, or straight from
 * the store): at most one store query per proof.
 *
 * Trust: these tiles are the log's own committed state, so they are used as they are;
 * outside clients use `tileHashReader`, which verifies tiles against a checkpoint.
 */
import { LogError } from '../errors.js';
import { type Hash, type HashReader, type NodeId, HASH_SIZE, hashFromTile, tileForNode } from '../merkle/index.js';
import type { TileSource } from './tile-cache.js';

export function storeHashReader(source: TileSource, treeSize: number): HashReader {
  return {
    async readHashes(nodes: readonly NodeId[]): Promise<Hash[]> {
      const places = nodes.map((n) => tileForNode(n, treeSize));
      // Each tile once, with the most hashes any of its nodes needs.
      const needed = new Map<string, { level: number; index: number; width: number }>();
      for (const p of places) {
        const k = `${p.tile.level}/${p.tile.index}`;
        const width = p.offset + p.count;
        const seen = needed.get(k);
        if (seen === undefined) needed.set(k, { level: p.tile.level, index: p.tile.index, width });
        else if (width > seen.width) seen.width = width;
      }
      const ids = [...needed.values()];
      const data = await source.readTiles(ids, ids.map((t) => t.width));
      const byKey = new Map<string, Uint8Array | undefined>();
      ids.forEach((t, i) => byKey.set(`${t.level}/${t.index}`, data[i]));
      return places.map((p) => {
        const tile = byKey.get(`${p.tile.level}/${p.tile.index}`);
        if (tile === undefined || tile.length < (p.offset + p.count) * HASH_SIZE) {
          throw new LogError('INTERNAL', `stored tile ${p.tile.level}/${p.tile.index} is missing or too narrow for tree size ${treeSize}`);
        }
        return source.subtreeHash?.(p.tile, tile, p.offset, p.count) ?? hashFromTile(tile, p.offset, p.count);
      });
    },
  };
}
