/**
 * End to end, with the real processes: a Sightline log under writes; `sightline export` to a
 * directory served by a plain static file server (no Sightline in it), kept current with
 * --follow; `sightline mirror --follow` copying the log from that static server; and a mirror
 * following the live log, killed with SIGKILL and restarted several times while the log
 * grows. Whatever the copies serve verifies against the log's checkpoints as an outside client
 * reads it, byte for byte the log's own tiles and bundles, with the mirror's cosignature.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { TILE_WIDTH, formatEntryBundlePath, newTiles, formatTilePath } from '../../src/merkle/index.js';
import { originHashOf } from '../../src/mirror/index.js';
import { openCheckpoint, openNote, parseCosignatureVerifier, parseNoteVerifier } from '../../src/note/index.js';
import { type ServerProcess, startCli, startMirror, startServe } from '../support/cli.js';
import { auditAsOutsideClient } from '../support/outside-client.js';
import { runCli } from '../support/run-cli.js';
import { serveDirectory } from '../support/static-server.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/waits.js';

const ORIGIN = 'mirror.sightline.example/log';
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function startLog(): Promise<{ server: ServerProcess; logKey: string; post: (count: number) => Promise<void> }> {
  const dataDir = tempDir('sightline-mirror-log-');
  const server = await startServe(['--data-dir', dataDir, '--origin', ORIGIN]);
  closers.push(() => server.stop());
  const logKey = String(server.lines.find((l) => l.msg === 'generated a new log key')!.verifierKey);
  const added = await runCli(['partner', 'add', 'dwp-uc', '--json', '--data-dir', dataDir]);
  expect(added.stderr).toBe('');
  const token = (JSON.parse(added.stdout) as { token: string }).token;
  let n = 0;
  const post = async (count: number) => {
    const batch = async (k: number) => {
      const body = `raw entry ${n++} `.repeat(1 + (k % 9));
      const res = await fetch(`${server.url}/v1/entries`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBeLessThan(300);
      await res.arrayBuffer();
    };
    for (let i = 0; i < count; i += 32) await Promise.all(Array.from({ length: Math.min(32, count - i) }, (_, k) => batch(i + k)));
  };
  return { server, logKey, post };
}

async function treeSizeAt(url: string, logKey: string): Promise<number> {
  const res = await fetch(`${url}/checkpoint`);
  if (res.status !== 200) return -1;
  return openCheckpoint(await res.text(), parseNoteVerifier(logKey)).checkpoint.treeSize;
}

/** Every tile and bundle of the tree of `size` at `copy` is byte for byte what the log serves for it. */
async function expectSameTree(copy: string, log: string, size: number): Promise<void> {
  const paths = newTiles(0, size).map(formatTilePath);
  for (let b = 0; b * TILE_WIDTH < size; b++) paths.push(formatEntryBundlePath({ index: b, width: Math.min(TILE_WIDTH, size - b * TILE_WIDTH) }));
  for (const path of paths) {
    const [mine, theirs] = await Promise.all([fetch(`${copy}/${path}`), fetch(`${log}/${path}`)]);
    expect(mine.status, `${copy}/${path}`).toBe(200);
    expect(Buffer.from(await mine.arrayBuffer()).equals(Buffer.from(await theirs.arrayBuffer())), path).toBe(true);
  }
}

test('export writes a log as static files a plain file server serves, kept current under writes; a mirror follows that static copy', async () => {
  const { server, logKey, post } = await startLog();
  const verifier = parseNoteVerifier(logKey);
  await post(600);
  const dir = join(tempDir('sightline-export-'), 'log');

  const once = await runCli(['export', '--from', server.url, '--log-key', logKey, '--to', dir]);
  expect(once.stderr).toBe('');
  expect(once.code).toBe(0);
  const exported = openCheckpoint(readFileSync(join(dir, 'checkpoint'), 'utf8'), verifier).checkpoint.treeSize;
  expect(once.stdout).toMatch(new RegExp(`^checkpoint ${exported} \\(\\+${exported} entries, \\d+ files\\) exported to `));

  const files = await serveDirectory(dir);
  closers.push(() => files.close());
  await auditAsOutsideClient(files.url, verifier, { servedProofs: false });
  await expectSameTree(files.url, server.url, exported);

  // Kept current while the log takes writes.
  const follow = startCli(['export', '--from', server.url, '--log-key', logKey, '--to', dir, '--follow', '--interval', '0.2']);
  closers.push(() => follow.stop());
  await post(700);
  const target = await treeSizeAt(server.url, logKey);
  await until(async () => (await treeSizeAt(files.url, logKey)) >= target, `the export reaching ${target}`);
  expect(await follow.stop()).toBe(0);
  const size = await treeSizeAt(files.url, logKey);
  await auditAsOutsideClient(files.url, verifier, { servedProofs: false });
  await expectSameTree(files.url, server.url, size);
  expect(existsSync(join(dir, 'checkpoint'))).toBe(true);

  // A mirror copies the log from the static copy: no Sightline on the other side.
  const mirror = await startMirror(['--data-dir', tempDir('sightline-mirror-pull-'), '--follow', files.url, '--log-key', logKey, '--follow-interval', '0.2', '--name', 'watchdog.example/mirror']);
  closers.push(() => mirror.stop());
  const prefix = `${mirror.url}/${originHashOf(ORIGIN)}`;
  await until(async () => (await treeSizeAt(prefix, logKey)) === size, 'the mirror holding the exported tree');
  const note = await (await fetch(`${prefix}/checkpoint`)).text();
  const mirrorKey = String(mirror.lines.find((l) => l.msg === 'listening')!.verifierKey);
  expect(openNote(note, [verifier, parseCosignatureVerifier(mirrorKey)]).verified).toHaveLength(2);
  await auditAsOutsideClient(prefix, verifier, { servedProofs: false });
  await expectSameTree(prefix, server.url, size);
  const list = await (await fetch(`${mirror.url}/logs.txt`)).text();
  expect(list).toContain(`vkey ${logKey}`);
});

test('a mirror following the live log under writes, killed with SIGKILL and restarted, serves only what verifies', async () => {
  const { server, logKey, post } = await startLog();
  const verifier = parseNoteVerifier(logKey);
  const dataDir = tempDir('sightline-mirror-kill-');
  const args = ['--data-dir', dataDir, '--follow', server.url, '--log-key', logKey, '--follow-interval', '0.1'];
  // Writes run beside the kills; a failure surfaces where they are awaited.
  let writes = post(3_000);
  writes.catch(() => {});
  for (let round = 0; round < 4; round++) {
    const mirror = await startMirror(args);
    const prefix = `${mirror.url}/${originHashOf(ORIGIN)}`;
    // Let it take some entries, then kill it mid-copy.
    const before = await treeSizeAt(prefix, logKey);
    await until(async () => (await treeSizeAt(prefix, logKey)) > before || (await treeSizeAt(prefix, logKey)) >= (await treeSizeAt(server.url, logKey)), 'the mirror advancing');
    const size = await treeSizeAt(prefix, logKey);
    if (size > 0) {
      await auditAsOutsideClient(prefix, verifier, { servedProofs: false, sample: [0, size - 1] });
    }
    expect(await mirror.stop('SIGKILL')).toBe(null);
    if (round === 1) {
      writes = writes.then(() => post(1_000));
      writes.catch(() => {});
    }
  }
  await writes;
  const mirror = await startMirror(args);
  closers.push(() => mirror.stop());
  const prefix = `${mirror.url}/${originHashOf(ORIGIN)}`;
  const final = await treeSizeAt(server.url, logKey);
  await until(async () => (await treeSizeAt(prefix, logKey)) >= final, `the mirror reaching ${final}`);
  const size = await treeSizeAt(prefix, logKey);
  await auditAsOutsideClient(prefix, verifier, { servedProofs: false });
  await expectSameTree(prefix, server.url, size);
  const mirrorKey = String(mirror.lines.find((l) => l.msg === 'listening')!.verifierKey);
  const note = await (await fetch(`${prefix}/checkpoint`)).text();
  expect(openNote(note, [verifier, parseCosignatureVerifier(mirrorKey)]).verified).toHaveLength(2);
  expect(await mirror.stop()).toBe(0);
});
