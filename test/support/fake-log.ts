/**
 * An in-memory c2sp.org/tlog-tiles log for the monitor's tests: entries, tiles and roots
 * built with the sequencer's `integrate`, checkpoints signed with the note layer, and a
 * `LogSource` that serves them as the read API would, with hooks to make it lie.
 *
 * It hashes natively (node:crypto), as the server does: it stands in for the log, whose
 * hashing is not under test here, and the monitor's tests build logs of tens of thousands
 * of entries. Every checkpoint size up to its own can be served (all its nodes are kept),
 * so one large log also serves the audits of its smaller prefixes.
 */
import { createHash } from 'node:crypto';
import { nodeLeafHash, nodeNodeHash } from '../../src/cli/node-crypto.js';
import { encodeBase64, encodeHex, utf8 } from '../../src/encoding/index.js';
import {
  type CodeLists,
  DEFAULT_CODES,
  type SightlineEvent,
  codeListsBytes,
  encodeCodeListsRecord,
  encodeEventLeaf,
  eventSigningMessage,
  isEventType,
  subjectTagRule,
} from '../../src/events/index.js';
import {
  type Hash,
  type HashReader,
  EMPTY_ROOT,
  HASH_SIZE,
  encodeEntryBundle,
  foldSubtree,
  parseTilePath,
  proveConsistency,
  tileWidth,
  treeHashNodes,
} from '../../src/merkle/index.js';
import type { LogSource } from '../../src/monitor/index.js';
import { type Ed25519NoteSigner, ed25519Signer, signCheckpoint } from '../../src/note/index.js';
import { type RightEdge, integrate } from '../../src/sequencer/index.js';
import { nodeSign, nodePublicKey } from './node-ed25519.js';

export const ORIGIN = 'monitor.test.example/log';
export const LOG_SEED = new Uint8Array(32).fill(7);

export const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());

export function logSigner(seed = LOG_SEED, origin = ORIGIN): Ed25519NoteSigner {
  return ed25519Signer(origin, seed);
}

export interface ServeOptions {
  /** The checkpoint size to serve (default: the whole log). */
  readonly size?: number;
  /** A checkpoint note to serve instead of the honest one. */
  readonly note?: string;
  /** Rewrites what a path serves (tiles and entry bundles). */
  readonly mutate?: (path: string, data: Uint8Array) => Uint8Array;
  /** 404 on every partial tile and bundle (the full ones of a larger tree stay served). */
  readonly noPartials?: boolean;
  /** Whether GET /v1/proofs/consistency is offered, and how it may lie. */
  readonly proofs?: boolean | ((proof: string[]) => string[]);
  /** Sightline's typed-event routes (default true). */
  readonly events?: boolean;
  /** Counts every request, by path. */
  readonly requests?: string[];
}

export class FakeLog {
  readonly entries: Uint8Array[] = [];
  private edge: RightEdge = { treeSize: 0, rootHash: EMPTY_ROOT, tiles: new Map() };
  private readonly tiles = new Map<string, Uint8Array>();
  /** Every complete node of the tree, by `level/index`. */
  private readonly nodes = new Map<string, Hash>();
  readonly partners = new Map<string, { seed: Uint8Array; publicKey: Uint8Array; previousKeys: Uint8Array[] }>();
  readonly codeLists = new Map<string, CodeLists>();
  private codesInForce: string | null = null;

  constructor(readonly signer: Ed25519NoteSigner = logSigner()) {}

  get size(): number {
    return this.edge.treeSize;
  }

  /** The root of the tree of the first `size` entries, folded from its complete subtrees. */
  root(size = this.size): Hash {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) throw new Error(`the fake log has no tree of size ${size}`);
    if (size === 0) return EMPTY_ROOT;
    return foldSubtree(treeHashNodes(size).map((n) => this.nodes.get(`${n.level}/${n.index}`)!), nodeNodeHash);
  }

  /** Appends entries as one batch. */
  append(entries: readonly Uint8Array[]): this {
    const integration = integrate(this.edge, entries.map(nodeLeafHash), nodeNodeHash);
    for (const t of integration.tiles) this.tiles.set(`${t.level}/${t.index}`, t.data);
    for (const [k, h] of integration.nodes) this.nodes.set(k, h);
    this.edge = integration.edge;
    this.entries.push(...entries);
    return this;
  }

  /** `count` raw entries, `entry <i>`, in batches of at most `batch`. */
  appendRaw(count: number, batch = 4096, prefix = 'entry'): this {
    let at = this.size;
    const end = at + count;
    while (at < end) {
      const n = Math.min(batch, end - at);
      this.append(Array.from({ length: n }, (_, i) => utf8(`${prefix} ${at + i}`)));
      at += n;
    }
    return this;
  }

  checkpoint(size = this.size, root = this.root(size), signer = this.signer): string {
    return signCheckpoint({ origin: this.signer.name, treeSize: size, rootHash: root, extensions: [] }, signer);
  }

  addPartner(id: string): Uint8Array {
    const seed = sha256(utf8(`partner ${id}`));
    this.partners.set(id, { seed, publicKey: nodePublicKey(seed), previousKeys: [] });
    return seed;
  }

  /** The log's code-lists record for `lists` (it serves them by hash from then on). */
  recordCodes(lists: CodeLists = DEFAULT_CODES): this {
    const digest = encodeHex(sha256(codeListsBytes(lists)));
    this.codeLists.set(digest, lists);
    const record = encodeCodeListsRecord({ sha256: digest, previous: this.codesInForce });
    this.codesInForce = digest;
    return this.append([record]);
  }

  /** A typed event leaf signed by `partner` (or by `signWith`, to forge one). */
  eventLeaf(partner: string, event: Record<string, unknown>, signWith?: Uint8Array): Uint8Array {
    const full = { commitment: encodeBase64(sha256(utf8(`details ${String(event.partnerSeq)}`))), ...event } as unknown as SightlineEvent;
    const seed = signWith ?? this.partners.get(partner)!.seed;
    const signature = nodeSign(seed, eventSigningMessage(this.signer.name, full));
    const subjectTag = isEventType(full.type) && subjectTagRule(full.type) === 'never' ? undefined : encodeHex(sha256(utf8(`tag ${String(event.partnerSeq)} ${partner}`)));
    return encodeEventLeaf({ event: full, signature, ...(subjectTag === undefined ? {} : { subjectTag }) });
  }

  private reader(): HashReader {
    return {
      readHashes: async (nodes) =>
        nodes.map((n) => {
          const h = this.nodes.get(`${n.level}/${n.index}`);
          if (h === undefined) throw new Error(`fake log has no node ${n.level}/${n.index}`);
          return h;
        }),
    };
  }

  /** The bytes at a tile or entry-bundle path as served at checkpoint size `size`, or undefined (404). */
  serve(path: string, size: number, noPartials = false): Uint8Array | undefined {
    let parsed;
    try {
      parsed = parseTilePath(path);
    } catch {
      return undefined;
    }
    const level = parsed.kind === 'entries' ? 0 : parsed.level;
    const partial = parsed.width < 256;
    // A log may delete a partial tile once the full one exists (c2sp.org/tlog-tiles).
    if (partial && noPartials && tileWidth(level, parsed.index, this.size) === 256) return undefined;
    // Full tiles of the larger underlying tree are served too (immutable once full).
    const available = partial ? tileWidth(level, parsed.index, size) : tileWidth(level, parsed.index, this.size);
    if (parsed.width > available) return undefined;
    if (parsed.kind === 'entries') {
      return encodeEntryBundle(this.entries.slice(parsed.index * 256, parsed.index * 256 + parsed.width));
    }
    return this.tiles.get(`${level}/${parsed.index}`)!.slice(0, parsed.width * HASH_SIZE);
  }

  source(options: ServeOptions = {}): LogSource {
    const size = options.size ?? this.size;
    const note = options.note ?? this.checkpoint(size);
    const log = (p: string) => options.requests?.push(p);
    const source: LogSource = {
      checkpoint: async () => {
        log('checkpoint');
        return note;
      },
      tile: async (path) => {
        log(path);
        const data = this.serve(path, size, options.noPartials);
        return data === undefined || options.mutate === undefined ? data : options.mutate(path, data);
      },
    };
    const proofs = options.proofs ?? true;
    if (proofs !== false) {
      source.consistencyProof = async (from, to) => {
        log(`proof ${from} ${to}`);
        let proof = (await proveConsistency(this.reader(), from, to, { hashNode: nodeNodeHash })).map(encodeBase64);
        if (typeof proofs === 'function') proof = proofs(proof);
        return JSON.stringify({ from, to, consistencyProof: proof });
      };
    }
    if (options.events !== false) {
      source.codes = async (digest) => {
        const lists = this.codeLists.get(digest);
        return lists === undefined ? undefined : JSON.stringify({ sha256: digest, leafIndex: 0, codes: lists });
      };
      source.partners = async () =>
        JSON.stringify({
          partners: [...this.partners.entries()].map(([id, p]) => ({
            id,
            name: id,
            publicKey: encodeBase64(p.publicKey),
            previousKeys: p.previousKeys.map(encodeBase64),
            active: true,
          })),
        });
    }
    return source;
  }
}

/** An access event's public fields (all from the default code lists), without the commitment. */
export function accessEvent(partner: string, partnerSeq: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'access',
    partner,
    partnerSeq,
    hour: '2026-06-01T09',
    organisation: 'dwp',
    system: 'uc-full-service',
    actorRole: 'work-coach',
    actor: '5f2c9a1e7b3d4c60',
    action: 'view',
    purpose: 'claim-assessment',
    legalBasis: 'ukgdpr-6-1-e',
    categories: ['health'],
    ...overrides,
  };
}

export function flip(data: Uint8Array, at: number): Uint8Array {
  const out = data.slice();
  out[at] = out[at]! ^ 1;
  return out;
}
