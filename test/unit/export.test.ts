/**
 * `sightline export` in-process against a plain tlog-tiles server: the directory it writes is
 * the log's files and checkpoint; a second run adds only what is new; a log that goes back,
 * forks, or serves entries that do not hash to its checkpoint gets exit status 3 and nothing
 * of that checkpoint is written; a directory of another log or damaged is refused.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TiledLog, serveTiledLog } from '../support/tiled-log.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';
import { logSigner } from '../support/witness-log.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup() {
  const log = new TiledLog();
  let note = () => log.checkpoint();
  const server = await serveTiledLog(log, () => note());
  closers.push(server.close);
  const dir = join(tempDir('sightline-export-unit-'), 'out');
  const run = () => runCli(['export', '--from', server.url, '--log-key', log.signer.verifierKey, '--to', dir]);
  return { log, dir, run, setNote: (f: () => string) => (note = f) };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}

describe('sightline export', () => {
  it('writes the log as its files and checkpoint, then only what is new', async () => {
    const { log, dir, run } = await setup();
    log.grow(300);
    const first = await run();
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^checkpoint 300 \(\+300 entries, 6 files\) exported to /);
    const expected = [...(await log.allPaths(300)).keys(), 'checkpoint'].sort();
    expect(filesUnder(dir)).toEqual(expected);
    for (const [path, bytes] of await log.allPaths(300)) expect(new Uint8Array(readFileSync(join(dir, path)))).toEqual(bytes);
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe(log.checkpoint(300));
    log.grow(300);
    expect((await run()).stdout).toMatch(/^checkpoint 600 \(\+300 entries, \d+ files\) exported/);
    for (const [path, bytes] of await log.allPaths(600)) expect(new Uint8Array(readFileSync(join(dir, path))), path).toEqual(bytes);
    // The partial files of size 300 stay, for readers of that checkpoint.
    expect(filesUnder(dir)).toContain('tile/entries/001.p/44');
    expect((await run()).stdout).toMatch(/^checkpoint 600 \(\+0 entries, 0 files\)/);
  });

  it('exits 3 and writes no checkpoint when the log goes back, forks or lies about its entries', async () => {
    const { log, dir, run, setNote } = await setup();
    log.grow(400);
    expect((await run()).code).toBe(0);
    const before = readFileSync(join(dir, 'checkpoint'), 'utf8');
    setNote(() => log.checkpoint(100));
    const back = await run();
    expect(back.code).toBe(3);
    expect(back.stderr).toMatch(/^sightline: the log misbehaved; nothing of its new checkpoint is exported: .*went back\n$/);
    const fork = new TiledLog(log.signer);
    fork.grow(400, (i) => new TextEncoder().encode(`other ${i}`));
    setNote(() => fork.checkpoint(400));
    expect((await run()).stderr).toMatch(/two roots for tree size 400/);
    // A checkpoint of 500 whose entries the server does not have: they hash to another root.
    fork.grow(100);
    log.grow(100);
    setNote(() => fork.checkpoint(500));
    const lie = await run();
    expect(lie.code).toBe(3);
    expect(lie.stderr).toMatch(/hash to root/);
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe(before);
  });

  it('refuses a directory of another log, or a damaged one, and says what is missing', async () => {
    const { log, dir, run } = await setup();
    log.grow(10);
    expect((await run()).code).toBe(0);
    const other = new TiledLog(logSigner(8, 'example.com/other-log'));
    other.grow(3);
    writeFileSync(join(dir, 'checkpoint'), other.checkpoint());
    expect((await run()).stderr).toMatch(/is not a checkpoint of this log/);
    writeFileSync(join(dir, 'checkpoint'), log.checkpoint(10));
    rmSync(join(dir, 'tile/0/000.p/10'));
    expect((await run()).stderr).toMatch(/is damaged: .*tile\/0\/000\.p\/10 is missing/);
    expect((await runCli(['export', '--log-key', log.signer.verifierKey])).stderr).toMatch(/export needs --to DIR/);
    expect((await runCli(['export', '--to', dir])).stderr).toMatch(/export needs --log-key/);
  });
});
