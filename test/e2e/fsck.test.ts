/**
 * `sightline fsck` finds what was changed behind the log's back, says where, and exits
 * non-zero; on an intact log it exits 0.
 */
import { sql } from 'drizzle-orm';
import { expect, test } from 'vitest';
import { ensureLog } from '../../src/cli/server.js';
import { openStore } from '../../src/cli/store.js';
import { ed25519Signer, formatCheckpoint, signNote } from '../../src/note/index.js';
import { storeHashReader } from '../../src/read/index.js';
import { createSequencer } from '../../src/sequencer/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('fsck');

test('fsck passes an intact log and names every corruption of a tampered one', async () => {
  const signer = ed25519Signer('fsck.sightline.example/log', new Uint8Array(32).fill(9));
  const handle = await openStore({ dataDir: dir, databaseUrl: undefined });
  const meta = await ensureLog(handle.store, signer);
  const sequencer = await createSequencer({ store: handle.store, signer, origin: meta.origin, hashReader: (n) => storeHashReader(handle.store, n) });
  await Promise.all(Array.from({ length: 300 }, (_, i) => sequencer.submit(new TextEncoder().encode(`fsck entry ${i}`), null)));
  await sequencer.stop();
  await handle.close();

  const ok = await runCli(['fsck', '--data-dir', dir]);
  expect(ok.stdout).toBe('fsck: ok, 300 entries, every tile and the checkpoint agree\n');
  expect(ok.code).toBe(0);
  const sampled = await runCli(['fsck', '--sample', '40', '--data-dir', dir]);
  expect(sampled.stdout).toMatch(/^fsck: ok, sampled (4[0-2]) of 300 entries, their tiles, proofs and the checkpoint agree\n$/);
  expect(sampled.stderr).toBe('');
  expect(sampled.code).toBe(0);

  // Tamper with the database directly: a tile hash, an entry, and the checkpoint.
  const db = await openDatabase({ dataDir: dir });
  await db.db.execute(sql`update tiles set data = overlay(data placing '\\x00'::bytea from 40 for 1) where level = 0 and tile_index = 0`);
  await db.db.execute(sql`update entries set data = '\\x6576696c'::bytea where leaf_index = 280`);
  const forged = signNote(formatCheckpoint({ origin: meta.origin, treeSize: 300, rootHash: new Uint8Array(32), extensions: [] }), [ed25519Signer(meta.origin, new Uint8Array(32).fill(1))]);
  await db.db.execute(sql`update tree_head set checkpoint = ${forged}`);
  await db.close();

  const bad = await runCli(['fsck', '--data-dir', dir]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/^sightline: fsck found \d+ problem\(s\) in a log of 300 entries\n$/);
  expect(bad.stdout).toContain('fsck: checkpoint: the note carries no signature by a trusted key');
  expect(bad.stdout).toContain('fsck: tile 0/0: differs from the tile recomputed from the entries');
  expect(bad.stdout).toContain('fsck: tile 0/1: differs from the tile recomputed from the entries'); // entry 280 lives there
  expect(bad.stdout).toMatch(/fsck: root: recomputed \S+, stored \S+/);

  // A sample as large as the log checks every entry's bundle, tile and proof.
  const badSample = await runCli(['fsck', '--sample', '300', '--data-dir', dir]);
  expect(badSample.code).toBe(1);
  expect(badSample.stderr).toMatch(/^sightline: fsck found \d+ problem\(s\) sampling 300 of a log of 300 entries\n$/);
  expect(badSample.stdout).toContain('fsck: checkpoint: the note carries no signature by a trusted key\n');
  expect(badSample.stdout).toContain('fsck: tile 0/0: differs from the tile recomputed from the entries\n');
  expect(badSample.stdout).toContain('fsck: tile 0/1: differs from the tile recomputed from the entries\n');
  expect(badSample.stdout).toContain('fsck: entry 280: inclusion proof for leaf 280 does not lead to the root of tree size 300\n');
});
test('fsck --sample takes a number of entries from 1 to 1,000,000', async () => {
  for (const value of ['abc', '0', '1000001', '07', '1e3', '']) {
    const r = await runCli(['fsck', '--sample', value, '--data-dir', dir]);
    expect(r.code, value).toBe(2);
    expect(r.stdout, value).toBe('');
    expect(r.stderr, value).toBe(`sightline: --sample ${JSON.stringify(value)} is not a number of entries from 1 to 1000000\n`);
  }
});