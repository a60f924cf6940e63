/**
 * A small signed log for the explorer's pure helpers: entries, a tree, checkpoints signed at
 * any size, receipts and consistency proofs, and a witness that cosigns.
 */
import { leafHash, proveConsistency, proveInclusion, rootOfLeaves } from '../../src/merkle/index.js';
import { type Checkpoint, ed25519Cosigner, ed25519Signer, formatNote, parseCheckpoint, parseNote, signCheckpoint } from '../../src/note/index.js';
import { formatReceipt } from '../../src/receipt/index.js';
import { MemoryTree } from './memory-tree.js';

export const ORIGIN = 'explorer.sightline.example/log';
export const log = ed25519Signer(ORIGIN, new Uint8Array(32).fill(7));
export const otherLog = ed25519Signer(ORIGIN, new Uint8Array(32).fill(8));
export const witness = ed25519Cosigner('witness.example/w1', new Uint8Array(32).fill(9));

export const entries = Array.from({ length: 20 }, (_, i) => new TextEncoder().encode(`explorer entry ${i}`));
const hashes = entries.map(leafHash);
const tree = new MemoryTree(hashes);

/** The checkpoint note of the first `size` entries, signed by `signer`, optionally cosigned. */
export function checkpointNote(size: number, options: { signer?: typeof log; cosigned?: boolean; root?: Uint8Array } = {}): string {
  const signer = options.signer ?? log;
  const note = signCheckpoint({ origin: ORIGIN, treeSize: size, rootHash: options.root ?? rootOfLeaves(hashes.slice(0, size)), extensions: [] }, signer);
  if (!options.cosigned) return note;
  const parsed = parseNote(note);
  return formatNote({ text: parsed.text, signatures: [...parsed.signatures, witness.cosign(parsed.text, 1_790_000_000)] });
}

export function checkpointOf(note: string): Checkpoint {
  return parseCheckpoint(parseNote(note).text);
}

export async function receiptFor(index: number, size = entries.length, options: { cosigned?: boolean } = {}): Promise<string> {
  const proof = await proveInclusion(tree.hashReader(size), index, size);
  return formatReceipt({ leafIndex: index, inclusionProof: proof, checkpoint: checkpointNote(size, options) });
}

export async function consistency(from: number, to: number): Promise<Uint8Array[]> {
  return proveConsistency(tree.hashReader(to), from, to);
}
