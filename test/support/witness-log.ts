/**
 * A log for witness tests, built with the code under test's own Merkle and note core: a
 * list of entries, its roots, consistency proofs and signed checkpoints at any size, and
 * the add-checkpoint request bodies a log would send.
 */
import { type Hash, type HashReader, leafHash, proveConsistency, rootOfLeaves } from '../../src/merkle/index.js';
import { type Ed25519NoteSigner, ed25519Signer, ed25519Verifier, formatCheckpoint, signNote } from '../../src/note/index.js';
import { formatAddCheckpointRequest } from '../../src/witness/index.js';

export const ORIGIN = 'example.com/witnessed-log';

/** A log key for `origin` from a fixed seed byte. */
export function logSigner(seedByte = 7, origin = ORIGIN): Ed25519NoteSigner {
  return ed25519Signer(origin, new Uint8Array(32).fill(seedByte));
}

export class TestLog {
  readonly leaves: Hash[] = [];
  readonly origin: string;

  /** The origin is the key's name. */
  constructor(readonly signer: Ed25519NoteSigner = logSigner()) {
    this.origin = signer.name;
  }

  get verifier() {
    return ed25519Verifier(this.signer.name, this.signer.publicKey);
  }

  /** Appends entries named `${tag}-${i}`; returns the new size. */
  grow(count: number, tag = 'entry'): number {
    for (let i = 0; i < count; i++) this.leaves.push(leafHash(new TextEncoder().encode(`${tag}-${this.leaves.length}`)));
    return this.leaves.length;
  }

  /** A copy of this log's first `size` entries: the start of a fork. */
  fork(size: number): TestLog {
    const other = new TestLog(this.signer);
    other.leaves.push(...this.leaves.slice(0, size));
    return other;
  }

  root(size: number): Hash {
    return rootOfLeaves(this.leaves.slice(0, size));
  }

  checkpoint(size: number, signers: readonly Ed25519NoteSigner[] = [this.signer]): string {
    return signNote(formatCheckpoint({ origin: this.origin, treeSize: size, rootHash: this.root(size), extensions: [] }), signers);
  }

  proof(oldSize: number, newSize: number): Promise<Hash[]> {
    const reader: HashReader = {
      readHashes: async (nodes) => nodes.map((n) => rootOfLeaves(this.leaves.slice(n.index * 2 ** n.level, (n.index + 1) * 2 ** n.level))),
    };
    return proveConsistency(reader, oldSize, newSize);
  }

  /** The add-checkpoint body for a checkpoint at `newSize`, proven from `oldSize`. */
  async request(oldSize: number, newSize: number): Promise<string> {
    return formatAddCheckpointRequest({ oldSize, consistencyProof: await this.proof(oldSize, newSize), checkpoint: this.checkpoint(newSize) });
  }
}
