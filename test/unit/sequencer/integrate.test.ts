/**
 * Integration in batches of any split gives the tree of all the leaves at once, whether
 * the next batch starts from the edge an integration carried (with its hashes) or from one
 * reloaded from the partial tiles alone (as after a restart).
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { nodeNodeHash } from '../../../src/cli/node-crypto.js';
import { EMPTY_ROOT, leafHash } from '../../../src/merkle/index.js';
import { type RightEdge, integrate } from '../../../src/sequencer/index.js';
import { ReferenceTree } from '../../support/reference-merkle.js';

const leaves = Array.from({ length: 1300 }, (_, i) => leafHash(new TextEncoder().encode(`integrate ${i}`)));
// The root of every prefix, from the RFC 6962 reference (its subtree hashes are remembered,
// so each root costs a few hashes, not one per leaf on every batch of every run).
const reference = new ReferenceTree(leaves);

/** Bytes as hex, to compare: a deep equality on an 8 KiB tile goes byte by byte through the matcher, and costs seconds over the runs. */
const hex = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('hex'));

test('any batch split, carried or reloaded edges: the same roots and the same final tiles', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 12 }), fc.boolean(), (sizes, reload) => {
      let edge: RightEdge = { treeSize: 0, rootHash: EMPTY_ROOT, tiles: new Map() };
      const tiles = new Map<string, Uint8Array>();
      let at = 0;
      for (const size of sizes) {
        const batch = leaves.slice(at, Math.min(at + size, leaves.length));
        if (batch.length === 0) break;
        // Hashed natively: what is under test is how the edge and the tiles are carried.
        const result = integrate(edge, batch, nodeNodeHash);
        at += batch.length;
        expect(hex(result.edge.rootHash)).toBe(hex(reference.root(at)));
        for (const t of result.tiles) tiles.set(`${t.level}/${t.index}`, t.data);
        // A reloaded edge knows only its tiles; the next batch must rehash them the same.
        edge = reload ? { treeSize: result.edge.treeSize, rootHash: result.edge.rootHash, tiles: result.edge.tiles } : result.edge;
      }
      const all = integrate({ treeSize: 0, rootHash: EMPTY_ROOT, tiles: new Map() }, leaves.slice(0, at), nodeNodeHash);
      for (const t of all.tiles) expect(hex(tiles.get(`${t.level}/${t.index}`)), `tile ${t.level}/${t.index}`).toBe(hex(t.data));
    }),
    { numRuns: 60 },
  );
});
