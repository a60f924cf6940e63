/**
 * End to end, with the real processes: a Sightline log under writes; `sightline export` to a
 * directory served by a plain static file server (no Sightline in it), kept current with
 * --follow; `sightline mirror --follow` copying the log from that static server; a mirror
 * following the live log, killed with SIGKILL and restarted several times while the log
 * grows; a log pushing to its mirror (serve --mirror) with a receipt that verifies with the
 * mirror's key; and a mirror refusing a fork (evidence on disk) and an altered package.
 * Whatever the copies serve verifies against the log's checkpoints as an outside client reads
 * it, byte for byte the log's own tiles and bundles, with the mirror's cosignature.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { TILE_WIDTH, formatEntryBundlePath, newTiles, formatTilePath } from '../../src/merkle/index.js';
import { feedMirror, originHashOf } from '../../src/mirror/index.js';
import { type MirrorPost, httpMirrorTarget } from '../../src/mirroring/index.js';
import { openCheckpoint, openNote, parseCosignatureVerifier, parseNoteVerifier } from '../../src/note/index.js';
import { type ServerProcess, startCli, startMirror, startServe } from '../support/cli.js';
import { auditAsOutsideClient } from '../support/outside-client.js';
import { runCli } from '../support/run-cli.js';
import { serveDirectory } from '../support/static-server.js';
import { tempDir } from '../support/temp.js';
import { TiledLog, serveTiledLog } from '../support/tiled-log.js';
import { logSigner } from '../support/witness-log.js';
import { until } from '../support/waits.js';
import { freePort } from '../support/ports.js';

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

test('serve --mirror pushes to a mirror; a receipt asked with ?mirrored=true verifies offline with sightline verify --mirror-key', async () => {
  const keys = await runCli(['keygen', '--origin', 'push.sightline.example/log']);
  const [signerKey, logKey] = keys.stdout.trim().split('\n') as [string, string];
  const dir = tempDir('sightline-mirror-push-');
  const keyFile = join(dir, 'log.key');
  writeFileSync(keyFile, `${signerKey}\n`, { mode: 0o600 });
  const mirror = await startMirror(['--data-dir', join(dir, 'mirror'), '--log', logKey, '--name', 'push.mirror.example']);
  closers.push(() => mirror.stop());
  const mirrorKey = String(mirror.lines.find((l) => l.msg === 'listening')!.verifierKey);
  const server = await startServe(['--data-dir', join(dir, 'log'), '--key-file', keyFile, '--mirror', `${mirror.url} ${mirrorKey}`]);
  closers.push(() => server.stop());
  const added = await runCli(['partner', 'add', 'dwp-uc', '--json', '--data-dir', join(dir, 'log')]);
  const token = (JSON.parse(added.stdout) as { token: string }).token;
  for (let i = 0; i < 300; i += 30) {
    await Promise.all(Array.from({ length: 30 }, async (_, k) => (await fetch(`${server.url}/v1/entries`, { method: 'POST', body: `pushed ${i + k}`, headers: { authorization: `Bearer ${token}` } })).arrayBuffer()));
  }
  const res = await fetch(`${server.url}/v1/entries?mirrored=true`, { method: 'POST', body: 'stored in a mirror', headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { receipt: string; mirrored: boolean; treeSize: number };
  expect(body.mirrored).toBe(true);
  writeFileSync(join(dir, 'receipt'), body.receipt);
  writeFileSync(join(dir, 'entry'), 'stored in a mirror');
  const verified = await runCli(['verify', join(dir, 'receipt'), '--entry', join(dir, 'entry'), '--log-key', logKey, '--mirror-key', mirrorKey]);
  expect(verified.stderr).toBe('');
  expect(verified.stdout).toMatch(/^verified: entry \d+ is in push\.sightline\.example\/log .*; no witness cosignature required; mirrored by push\.mirror\.example \(/);
  // Without the mirror's cosignature on it, the log-signed receipt fails the same policy.
  const plain = (await (await fetch(`${server.url}/v1/entries`, { method: 'POST', body: 'not waited for', headers: { authorization: `Bearer ${token}` } })).json()) as { receipt: string };
  writeFileSync(join(dir, 'receipt2'), plain.receipt);
  writeFileSync(join(dir, 'entry2'), 'not waited for');
  const refused = await runCli(['verify', join(dir, 'receipt2'), '--entry', join(dir, 'entry2'), '--log-key', logKey, '--mirror-key', mirrorKey]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/mirror cosignatures, the policy needs 1/);
  const prefix = `${mirror.url}/${originHashOf('push.sightline.example/log')}`;
  const size = await treeSizeAt(prefix, logKey);
  expect(size).toBeGreaterThanOrEqual(body.treeSize);
  await expectSameTree(prefix, server.url, size);
});

test('the mirror process refuses a forked view with evidence kept on disk, and a package with one altered entry', async () => {
  const log = new TiledLog(logSigner(31, 'fork.sightline.example/log'));
  log.grow(600, (i) => new TextEncoder().encode(`entry ${i}`));
  const dataDir = tempDir('sightline-mirror-fork-');
  const mirror = await startMirror(['--data-dir', dataDir, '--log', log.signer.verifierKey]);
  closers.push(() => mirror.stop());
  const post: MirrorPost = async (url, body, headers) => {
    const res = await fetch(url, { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: new Uint8Array(await res.arrayBuffer()) };
  };
  const target = httpMirrorTarget(mirror.url, post, 30_000);
  const feed = (l: TiledLog, size: number) => feedMirror({ target, source: l.served, checkpoint: { note: l.checkpoint(size), origin: l.origin, treeSize: size, rootHash: l.root(size) } });
  expect((await feed(log, 500)).outcome).toBe('mirrored');

  // One altered entry in an upload towards 600: 422, and the mirror keeps its tree.
  const tampered = new TiledLog(log.signer);
  tampered.grow(600, (i) => new TextEncoder().encode(i === 550 ? 'entry 550, altered' : `entry ${i}`));
  const lying: typeof log.served = async (path) => (path.startsWith('tile/entries/') ? tampered.served(path) : log.served(path));
  await expect(feedMirror({ target, source: lying, checkpoint: { note: log.checkpoint(600), origin: log.origin, treeSize: 600, rootHash: log.root(600) } })).rejects.toThrow(/refused .* with 422/);
  const prefix = `${mirror.url}/${originHashOf(log.origin)}`;
  expect(await treeSizeAt(prefix, log.signer.verifierKey)).toBe(500);

  // A second view of size 600 signed by the same key: refused, the pair kept as evidence.
  const fork = new TiledLog(log.signer);
  fork.grow(600, (i) => new TextEncoder().encode(i < 500 ? `entry ${i}` : `forked ${i}`));
  expect((await feed(log, 600)).outcome).toBe('mirrored');
  await expect(feed(fork, 600)).rejects.toThrow(/refused/);
  const evidence = readdirSync(join(dataDir, 'evidence')).filter((f) => f.endsWith('.json'));
  expect(evidence).toHaveLength(1);
  expect(JSON.parse(readFileSync(join(dataDir, 'evidence', evidence[0]!), 'utf8'))).toMatchObject({ failure: 'conflicting-root', origin: log.origin, checkpoint: fork.checkpoint(600) });
  await auditAsOutsideClient(prefix, parseNoteVerifier(log.signer.verifierKey), { servedProofs: false });
  const original = await serveTiledLog(log);
  closers.push(original.close);
  await expectSameTree(prefix, original.url, 600);
});

test('a mirror the log pushes to, under writes, killed with SIGKILL and restarted on its port: it ends holding the log, byte for byte, cosigned', async () => {
  const keys = await runCli(['keygen', '--origin', 'pushed.sightline.example/log']);
  const [signerKey, logKey] = keys.stdout.trim().split('\n') as [string, string];
  const dir = tempDir('sightline-mirror-pushkill-');
  const keyFile = join(dir, 'log.key');
  writeFileSync(keyFile, `${signerKey}\n`, { mode: 0o600 });
  const port = await freePort();
  const mirrorArgs = ['mirror', '--port', String(port), '--data-dir', join(dir, 'mirror'), '--log', logKey, '--name', 'pushed.mirror.example'];
  const startPinned = async () => {
    const running = startCli(mirrorArgs);
    await running.until((o) => o.stdout.includes('"msg":"listening"'), 'listening');
    return running;
  };
  let mirror = await startPinned();
  const mirrorKey = String((JSON.parse(mirror.output.stdout.split('\n').find((l) => l.includes('"msg":"listening"'))!) as { verifierKey: string }).verifierKey);
  const mirrorUrl = `http://127.0.0.1:${port}`;
  const server = await startServe(['--data-dir', join(dir, 'log'), '--key-file', keyFile, '--mirror', `${mirrorUrl} ${mirrorKey}`]);
  closers.push(() => server.stop());
  const added = await runCli(['partner', 'add', 'dwp-uc', '--json', '--data-dir', join(dir, 'log')]);
  const token = (JSON.parse(added.stdout) as { token: string }).token;
  let n = 0;
  const post = async (count: number) => {
    for (let i = 0; i < count; i += 25) {
      await Promise.all(Array.from({ length: 25 }, async () => (await fetch(`${server.url}/v1/entries`, { method: 'POST', body: `pushed under kills ${n++} `.repeat(3), headers: { authorization: `Bearer ${token}` } })).arrayBuffer()));
    }
  };
  const prefix = `${mirrorUrl}/${originHashOf('pushed.sightline.example/log')}`;
  const writes = post(4_000);
  writes.catch(() => {});
  for (let round = 0; round < 3; round++) {
    const before = await treeSizeAt(prefix, logKey).catch(() => -1);
    await until(async () => {
      const held = await treeSizeAt(prefix, logKey).catch(() => -1);
      return held > before || held >= (await treeSizeAt(server.url, logKey));
    }, 'the mirror taking more of the log');
    expect(await mirror.stop('SIGKILL')).toBe(null);
    mirror = await startPinned();
  }
  closers.push(() => mirror.stop());
  await writes;
  const final = await treeSizeAt(server.url, logKey);
  // The log keeps pushing (its retries pause at most a minute); the mirror catches up.
  await until(async () => (await treeSizeAt(prefix, logKey).catch(() => -1)) >= final, `the mirror holding ${final}`);
  const size = await treeSizeAt(prefix, logKey);
  await auditAsOutsideClient(prefix, parseNoteVerifier(logKey), { servedProofs: false });
  await expectSameTree(prefix, server.url, size);
  const note = await (await fetch(`${prefix}/checkpoint`)).text();
  expect(openNote(note, [parseNoteVerifier(logKey), parseCosignatureVerifier(mirrorKey)]).verified).toHaveLength(2);
});
