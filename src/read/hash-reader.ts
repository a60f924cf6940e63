/**
 * A `HashReader` over the log's own stored tiles: one store query per proof.
 *
 * Trust: these tiles are the log's own committed state, so they are used as they are;
 * outside clients use `tileHashReader`, which verifies tiles against a checkpoint.
 */
import { LogError } from '../errors.js';
import type { LogStore } from '../log/index.js';
import { type Hash, type HashReader, type NodeId, HASH_SIZE, hashFromTile, tileForNode } from '../merkle/index.js';

export function storeHashReader(store: LogStore, treeSize: number): HashReader {
  return {
    async readHashes(nodes: readonly NodeId[]): Promise<Hash[]> {
      const places = nodes.map((n) => tileForNode(n, treeSize));
      const keys = [...new Set(places.map((p) => `${p.tile.level}/${p.tile.index}`))];
      const ids = keys.map((k) => {
        const [level, index] = k.split('/').map(Number) as [number, number];
        return { level, index };
      });
      const data = await store.readTiles(ids);
      const byKey = new Map(keys.map((k, i) => [k, data[i]]));
      return places.map((p) => {
        const tile = byKey.get(`${p.tile.level}/${p.tile.index}`);
        if (tile === undefined || tile.length < (p.offset + p.count) * HASH_SIZE) {
          throw new LogError('INTERNAL', `stored tile ${p.tile.level}/${p.tile.index} is missing or too narrow for tree size ${treeSize}`);
        }
        return hashFromTile(tile, p.offset, p.count);
      });
    },
  };
}
