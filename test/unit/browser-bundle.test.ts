/**
 * The core runs unchanged in a browser: bundle it for the browser platform (any `node:`
 * import fails the build) and run the bundle in a bare JavaScript realm that has only
 * what a web page has (TextEncoder/TextDecoder, crypto.getRandomValues) and none of
 * Node's globals (process, Buffer, require). There it signs the tessera fixture's
 * checkpoint byte-identically, proves an entry through verified tiles and verifies the
 * receipt.
 */
import { build, stop as stopEsbuild } from 'esbuild';
import { createContext, runInContext } from 'node:vm';
import { webcrypto } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { TESSERA_CHECKPOINTS, TESSERA_SIGNER_KEY } from '../support/tessera.js';
import { onCleanup } from '../support/cleanup.js';

// esbuild keeps a service process for its API; it is stopped with the file.
onCleanup(() => stopEsbuild());

const entry = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'core-entry.ts');

test('the core bundles for the browser and runs without Node globals', async () => {
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'Sightline',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const code = bundle.outputFiles[0]!.text;

  const realm = createContext({
    TextEncoder,
    TextDecoder,
    crypto: { getRandomValues: (a: Uint8Array) => webcrypto.getRandomValues(a) },
    result: undefined as unknown,
    input: { signerKey: TESSERA_SIGNER_KEY },
  });
  runInContext(code, realm);
  expect(runInContext('typeof process + typeof Buffer + typeof require', realm)).toBe('undefinedundefinedundefined');

  await runInContext(
    `(async () => {
      const { merkle, note, receipt } = Sightline;
      const enc = new TextEncoder();
      const words = 'one two three four five six seven eit nain ten ileven twelf threeten fourten fivten'.split(' ');
      const tree = merkle.appendLeaves(0, [], words.map((w) => merkle.leafHash(enc.encode(w))));
      const signer = note.parseSignerKey(input.signerKey);
      const signed = note.signCheckpoint({ origin: signer.name, treeSize: 15, rootHash: tree.rootHash, extensions: [] }, signer);

      // Serve the tree as tiles, and read a proof through the verifying tile reader.
      const byId = new Map(tree.nodes.map((n) => [n.level + '/' + n.index, n.hash]));
      const tiles = { readTiles: async (ts) => ts.map((t) => merkle.buildTile(merkle.tileNodes(t).map((n) => byId.get(n.level + '/' + n.index)))) };
      const reader = merkle.tileHashReader(15, tree.rootHash, tiles);
      const inclusionProof = await merkle.proveInclusion(reader, 6, 15);
      const text = receipt.formatReceipt({ leafIndex: 6, inclusionProof, checkpoint: signed });
      const verified = receipt.verifyReceipt(text, enc.encode('seven'), { log: note.parseNoteVerifier(signer.verifierKey) });
      let wrong;
      try { receipt.verifyReceipt(text, enc.encode('eight'), { log: note.parseNoteVerifier(signer.verifierKey) }); } catch (e) { wrong = e.code; }
      result = { signed, index: verified.leafIndex, wrong, generated: note.generateKey('browser.example/log').signerKey.slice(0, 12) };
    })()`,
    realm,
  );
  const result = realm.result as { signed: string; index: number; wrong: string; generated: string };
  expect(result.signed).toBe(TESSERA_CHECKPOINTS[15]);
  expect(result.index).toBe(6);
  expect(result.wrong).toBe('INVALID_PROOF');
  expect(result.generated).toBe('PRIVATE+KEY+');
});
