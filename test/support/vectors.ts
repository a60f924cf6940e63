/**
 * Loads the shared test vectors made by Go's reference code (golang.org/x/mod/sumdb).
 * They live beside the checkout in ../shared/vectors and are never copied into the repo;
 * a missing directory fails the suite rather than skipping it.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VECTORS_DIR = process.env.SIGHTLINE_VECTORS ?? resolve(repoRoot, '..', 'shared', 'vectors');

function load<T>(name: string): T {
  return JSON.parse(readFileSync(resolve(VECTORS_DIR, name), 'utf8')) as T;
}

export interface MerkleVectors {
  leavesHex: string[];
  leafHashes: string[];
  roots: string[];
  inclusion: { index: number; treeSize: number; proof: string[] }[];
  consistency: { from: number; to: number; proof: string[] }[];
}

export interface TileVectors {
  sizes: {
    treeSize: number;
    root: string;
    tiles: { path: string; bytes: number; sha256: string }[];
    entryBundles: { path: string; bytes: number; sha256: string }[];
  }[];
}

export interface NoteVectors {
  name: string;
  seedHex: string;
  publicKeyHex: string;
  keyHash: string;
  signerKey: string;
  verifierKey: string;
  notes: { text: string; signed: string }[];
  invalid: Record<string, string>;
}

export const merkleVectors = (): MerkleVectors => load('merkle.json');
export const tileVectors = (): TileVectors => load('tiles.json');
export const noteVectors = (): NoteVectors => load('notes.json');

export function fromBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

export function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}
