/**
 * An outside client of a tlog-tiles log at `baseUrl` (a log at the root, or one log of a
 * service under its prefix): it trusts nothing the server says. It opens the checkpoint with
 * the log's key, reads tiles through the core's verifying tile reader, recomputes inclusion
 * proofs and checks that the server's own agree, proves consistency from the empty tree,
 * and checks that entry bundles hash to the verified level-0 tiles.
 */
import { expect } from 'vitest';
import {
  type Tile,
  EMPTY_ROOT,
  decodeEntryBundle,
  formatEntryBundlePath,
  formatTilePath,
  leafHash,
  proveConsistency,
  proveInclusion,
  tileHashReader,
  tileWidth,
  verifyConsistency,
} from '../../src/merkle/index.js';
import { type Checkpoint, type NoteVerifier, openCheckpoint } from '../../src/note/index.js';

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');

/** Audits the log at `baseUrl` (no trailing slash) as an outside client; returns its verified checkpoint. */
export async function auditAsOutsideClient(
  baseUrl: string,
  verifier: NoteVerifier,
  options: { sample?: readonly number[]; /** False for a plain tlog-tiles server (a static export, a mirror): no proof API to compare. */ servedProofs?: boolean } = {},
): Promise<Checkpoint> {
  const res = await fetch(`${baseUrl}/checkpoint`);
  expect(res.status, `${baseUrl}/checkpoint`).toBe(200);
  const checkpoint = openCheckpoint(await res.text(), verifier).checkpoint;
  const size = checkpoint.treeSize;
  if (size === 0) {
    expect(checkpoint.rootHash).toEqual(EMPTY_ROOT);
    return checkpoint;
  }
  const reader = tileHashReader(size, checkpoint.rootHash, {
    readTiles: async (tiles: readonly Tile[]) =>
      Promise.all(
        tiles.map(async (t) => {
          const tile = await fetch(`${baseUrl}/${formatTilePath(t)}`);
          expect(tile.status, formatTilePath(t)).toBe(200);
          return new Uint8Array(await tile.arrayBuffer());
        }),
      ),
  });
  const sample = options.sample ?? [...new Set([0, Math.floor(size / 2), size - 1])];
  for (const i of sample.filter((i) => i < size)) {
    const proof = await proveInclusion(reader, i, size);
    if (options.servedProofs === false) continue;
    const served = (await (await fetch(`${baseUrl}/v1/proofs/inclusion?index=${i}&treeSize=${size}`)).json()) as { inclusionProof: string[] };
    expect(served.inclusionProof, `inclusion proof of ${i}`).toEqual(proof.map(b64));
  }
  verifyConsistency(0, size, await proveConsistency(reader, 0, size), EMPTY_ROOT, checkpoint.rootHash);
  for (let index = 0; index * 256 < size; index++) {
    const width = tileWidth(0, index, size);
    const bundle = await fetch(`${baseUrl}/${formatEntryBundlePath({ index, width })}`);
    expect(bundle.status).toBe(200);
    const entries = decodeEntryBundle(new Uint8Array(await bundle.arrayBuffer()), width);
    const level0 = await reader.readHashes(entries.map((_, j) => ({ level: 0, index: index * 256 + j })));
    entries.forEach((e, j) => expect(leafHash(e), `entry ${index * 256 + j}`).toEqual(level0[j]));
  }
  return checkpoint;
}
