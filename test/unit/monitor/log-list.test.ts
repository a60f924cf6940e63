/**
 * `sightline monitor --log-list` over a fake network (an injected fetch serving the lists,
 * the metadata documents and in-memory logs): every listed log audited in its own
 * directory, a new log followed when it appears, a key change reported with the pin kept,
 * a read-only log audited to its final checkpoint and then left alone (or caught signing
 * past it), and hostile lists (a path in an origin, too large, too many logs, one origin
 * twice) refused or contained.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Fetch } from '../../../src/cli/log-list-fetch.js';
import { MONITOR_COMMAND, monitorCommand } from '../../../src/cli/monitor.js';
import { parseCommand } from '../../../src/cli/flags.js';
import type { CliIo } from '../../../src/cli/io.js';
import {
  type LogDescription,
  MAX_LOG_LIST_LOGS,
  MAX_OPERATOR_LIST_BYTES,
  formatLogList,
  logDirName,
  logKeyIds,
  logMetadata,
  operatorList,
} from '../../../src/discovery/index.js';
import { utf8 } from '../../../src/encoding/index.js';
import { FakeLog, logSigner, sha256 } from '../../support/fake-log.js';
import { runCli } from '../../support/run-cli.js';
import { tempDir } from '../../support/temp.js';
import { until } from '../../support/waits.js';

const SERVICE = 'https://logs.example';
/** A log or signer seed from a word. */
const seedOf = (word: string): Uint8Array<ArrayBuffer> => new Uint8Array(sha256(utf8(word)));
const LIST = `${SERVICE}/logs.json`;

interface Hosted {
  readonly id: string;
  readonly log: FakeLog;
  /** The tree size the log serves a checkpoint of (default: all it holds). */
  servedSize?: number;
  /** A checkpoint to serve instead. */
  servedNote?: string;
  state: 'active' | 'readonly';
  finalSize?: number;
  /** The final checkpoint its metadata names instead of its own at finalSize. */
  finalNote?: string;
  /** The key its metadata names (default: its own). */
  listedKey?: string;
  /** The origin its metadata names (default: its own). */
  listedOrigin?: string;
}

/** A service of logs on a fake network: /logs.json, /logs/<id>/metadata.json, /logs/<id>/checkpoint and tiles. */
class World {
  readonly hosted = new Map<string, Hosted>();
  readonly requests: string[] = [];
  /** Bodies served as given, by URL (overrides). */
  readonly raw = new Map<string, string>();

  host(id: string, entries: number, seed = seedOf(`log ${id}`), origin = `${id}.logs.example/log`): Hosted {
    const log = new FakeLog(logSigner(seed, origin)).appendRaw(entries, 256, id);
    const h: Hosted = { id, log, state: 'active' };
    this.hosted.set(id, h);
    return h;
  }

  description(h: Hosted): LogDescription {
    const final = h.finalSize === undefined ? undefined : { treeSize: h.finalSize, rootHash: h.log.root(h.finalSize), text: h.finalNote ?? h.log.checkpoint(h.finalSize) };
    return {
      id: h.id,
      name: h.id,
      origin: h.listedOrigin ?? h.log.signer.name,
      vkey: h.listedKey ?? h.log.signer.verifierKey,
      submissionUrl: `${SERVICE}/logs/${h.id}/`,
      monitoringUrl: `${SERVICE}/logs/${h.id}/`,
      state: h.state,
      stateSince: new Date('2026-01-01T00:00:00Z'),
      mmdSeconds: 1,
      recordSchemas: [],
      ...(final === undefined ? {} : { finalCheckpoint: final }),
    };
  }

  /** What was POSTed (the webhook's alerts), by URL. */
  readonly posts: { url: string; body: unknown }[] = [];

  readonly fetch: Fetch = async (input, init) => {
    const url = String(input);
    if (init?.method === 'POST') {
      this.posts.push({ url, body: JSON.parse(String(init.body)) as unknown });
      return new Response(null, { status: 204 });
    }
    this.requests.push(url);
    const raw = this.raw.get(url);
    if (raw !== undefined) return new Response(raw, { status: 200 });
    if (url === LIST) {
      const logs = [...this.hosted.values()].map((h) => ({ log: this.description(h), metadataUrl: `/logs/${h.id}/metadata.json` }));
      return new Response(JSON.stringify(operatorList({ name: 'Test', contact: ['ops@logs.example'] }, logs, new Date())), { status: 200 });
    }
    const m = /^https:\/\/logs\.example\/logs\/([^/]+)\/(.*)$/.exec(url);
    const h = m === null ? undefined : this.hosted.get(m[1]!);
    if (h === undefined) return new Response('', { status: 404 });
    const path = m![2]!;
    if (path === 'metadata.json') return new Response(JSON.stringify(logMetadata(this.description(h))), { status: 200 });
    const size = h.servedSize ?? h.log.size;
    if (path === 'checkpoint') return new Response(h.servedNote ?? h.log.checkpoint(size), { status: 200 });
    const data = path.startsWith('tile/') ? h.log.serve(path, size) : undefined;
    return data === undefined ? new Response('', { status: 404 }) : new Response(data, { status: 200 });
  };

  checkpointRequests(id: string): number {
    return this.requests.filter((r) => r === `${SERVICE}/logs/${id}/checkpoint`).length;
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function bufferIo(): { io: CliIo; out: { stdout: string; stderr: string }; stop: () => void } {
  const out = { stdout: '', stderr: '' };
  let handler = () => {};
  const io: CliIo = {
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) },
    stdin: async () => new Uint8Array(0),
    env: {},
    onStopSignal: (h) => {
      handler = h;
      return () => {};
    },
  };
  return { io, out, stop: () => handler() };
}

async function monitor(world: World, args: string[]): Promise<Run> {
  const flags = parseCommand(MONITOR_COMMAND, args, {});
  if (flags === 'help') throw new Error('help');
  const { io, out } = bufferIo();
  const code = await monitorCommand(flags, io, { fetch: world.fetch });
  return { code, ...out };
}

function stateOf(dir: string, origin: string): { logKey: string; treeSize: number } {
  return JSON.parse(readFileSync(join(dir, 'logs', logDirName(origin), 'state.json'), 'utf8')) as { logKey: string; treeSize: number };
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe('monitor --log-list', () => {
  it('audits every log of an operator list, each in its own directory, and follows a log added later', async () => {
    const world = new World();
    const a = world.host('dwp-2026', 300);
    const b = world.host('hmrc-2026', 5);
    const state = join(tempDir('list-state'), 'state');

    const first = await monitor(world, ['--log-list', LIST, '--state', state, '--once']);
    expect(first.stderr).not.toMatch(/misbehaved|warning/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^${a.log.signer.name}: checkpoint 300 \\(\\+300 entries\\)`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^${b.log.signer.name}: checkpoint 5 \\(\\+5 entries\\)`, 'm'));
    expect(stateOf(state, a.log.signer.name)).toMatchObject({ treeSize: 300, logKey: a.log.signer.verifierKey });
    expect(stateOf(state, b.log.signer.name)).toMatchObject({ treeSize: 5, logKey: b.log.signer.verifierKey });

    const c = world.host('nhs-2026', 7);
    a.log.appendRaw(10, 256, 'more');
    const second = await monitor(world, ['--log-list', LIST, '--state', state, '--once']);
    expect(second.code).toBe(0);
    const lines = second.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${a.log.signer.name}: checkpoint 310 \\(\\+10 entries\\) root \\S+ consistent with 300`)),
        expect.stringMatching(new RegExp(`^${c.log.signer.name}: checkpoint 7 \\(\\+7 entries\\)`)),
      ]),
    );
  });

  it('follows a log that appears in the list while it runs, re-fetching the list every --list-interval', async () => {
    const world = new World();
    world.host('dwp-2026', 3);
    const state = join(tempDir('list-follow'), 'state');
    const flags = parseCommand(MONITOR_COMMAND, ['--log-list', LIST, '--state', state, '--interval', '0.1', '--list-interval', '1'], {});
    if (flags === 'help') throw new Error('help');
    const { io, out, stop } = bufferIo();
    const running = monitorCommand(flags, io, { fetch: world.fetch });
    try {
      await until(() => out.stdout.includes('dwp-2026.logs.example/log: checkpoint 3'), 'the first log audited');
      world.host('council-2026', 4);
      await until(() => out.stdout.includes('council-2026.logs.example/log: checkpoint 4'), 'the new log audited');
    } finally {
      stop();
    }
    expect(await running).toBe(0);
  });

  it('reports another key for a known origin and keeps the pinned one', async () => {
    const world = new World();
    const a = world.host('dwp-2026', 4);
    const state = join(tempDir('list-key'), 'state');
    expect((await monitor(world, ['--log-list', LIST, '--state', state, '--once'])).code).toBe(0);

    // The list's server now names a key of its own for the same origin.
    const intruder = logSigner(seedOf('intruder'), a.log.signer.name);
    a.listedKey = intruder.verifierKey;
    a.log.appendRaw(2, 256, 'later');
    const run = await monitor(world, ['--log-list', LIST, '--state', state, '--once', '--webhook', 'https://alerts.example/hook']);
    expect(run.code).toBe(0);
    expect(world.posts).toEqual([
      { url: 'https://alerts.example/hook', body: { kind: 'key-changed', origin: a.log.signer.name, pinnedKey: a.log.signer.verifierKey, listedKey: intruder.verifierKey, list: LIST } },
    ]);
    expect(run.stderr.trim().split('\n').filter((l) => l.includes('warning'))).toEqual([
      expect.stringMatching(/warning: the log list names another key for dwp-2026\.logs\.example\/log .*; the pinned key .* stays/),
    ]);
    // Still followed, with the pinned key.
    expect(run.stdout).toMatch(/^dwp-2026\.logs\.example\/log: checkpoint 6 \(\+2 entries\)/m);
    expect(stateOf(state, a.log.signer.name).logKey).toBe(a.log.signer.verifierKey);

    // A checkpoint signed by the listed key alone is not the pinned log's: misbehaviour, not a re-pin.
    a.servedNote = new FakeLog(intruder).appendRaw(9).checkpoint();
    const forged = await monitor(world, ['--log-list', LIST, '--state', state, '--once']);
    expect(forged.code).toBe(3);
    expect(forged.stderr).toMatch(/dwp-2026\.logs\.example\/log: the log misbehaved \(checkpoint-signature\)/);
    expect(stateOf(state, a.log.signer.name)).toMatchObject({ logKey: a.log.signer.verifierKey, treeSize: 6 });
  });

  it('never replaces a damaged state with the key the list gives', async () => {
    const world = new World();
    const a = world.host('dwp-2026', 2);
    const b = world.host('hmrc-2026', 2);
    const state = join(tempDir('list-damaged'), 'state');
    expect((await monitor(world, ['--log-list', LIST, '--state', state, '--once'])).code).toBe(0);
    const file = join(state, 'logs', logDirName(a.log.signer.name), 'state.json');
    writeFileSync(file, '{"damaged": true}');
    a.listedKey = logSigner(seedOf('intruder'), a.log.signer.name).verifierKey;
    b.log.appendRaw(1);
    const run = await monitor(world, ['--log-list', LIST, '--state', state, '--once']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/dwp-2026\.logs\.example\/log: couldn't read .*state\.json/);
    expect(run.stdout).toMatch(/^hmrc-2026\.logs\.example\/log: checkpoint 3/m);
    expect(readFileSync(file, 'utf8')).toBe('{"damaged": true}');
  });

  it('audits a read-only log up to its final checkpoint, then polls it no more', async () => {
    const world = new World();
    const closed = world.host('dwp-2025', 20);
    closed.state = 'readonly';
    closed.finalSize = 20;
    world.host('dwp-2026', 2);
    const state = join(tempDir('list-readonly'), 'state');
    const flags = parseCommand(MONITOR_COMMAND, ['--log-list', LIST, '--state', state, '--interval', '0.1'], {});
    if (flags === 'help') throw new Error('help');
    const { io, out, stop } = bufferIo();
    const running = monitorCommand(flags, io, { fetch: world.fetch });
    let atClose = 0;
    try {
      await until(() => out.stderr.includes('no longer polled'), 'the read-only log closed');
      expect(out.stderr).toMatch(/^sightline: dwp-2025\.logs\.example\/log: the log is read-only: audited up to its final checkpoint \(tree size 20\); no longer polled$/m);
      expect(out.stdout).toMatch(/^dwp-2025\.logs\.example\/log: checkpoint 20 \(\+20 entries\)/m);
      atClose = world.checkpointRequests('dwp-2025');
      const active = world.checkpointRequests('dwp-2026');
      await until(() => world.checkpointRequests('dwp-2026') >= active + 3, 'three more polls of the active log');
    } finally {
      stop();
    }
    expect(await running).toBe(0);
    expect(world.checkpointRequests('dwp-2025')).toBe(atClose);

    // A later run does not poll it either, while its metadata names the same final checkpoint.
    const again = await monitor(world, ['--log-list', LIST, '--state', state, '--once']);
    expect(again.code).toBe(0);
    expect(world.checkpointRequests('dwp-2025')).toBe(atClose);
    expect(again.stderr).not.toMatch(/no longer polled/);
    expect(again.stdout).not.toMatch(/dwp-2025/);
  });

  it('takes no final checkpoint that the pinned key did not sign: such a log is audited as active', async () => {
    const world = new World();
    const h = world.host('dwp-2025', 6);
    h.state = 'readonly';
    h.finalSize = 4;
    h.finalNote = new FakeLog(logSigner(seedOf('list server'), h.log.signer.name)).appendRaw(4).checkpoint();
    const run = await monitor(world, ['--log-list', LIST, '--state', join(tempDir('list-unsigned-final'), 'state'), '--once']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/the final checkpoint the metadata names does not verify with the pinned log key .*; auditing the log as active/);
    expect(run.stdout).toMatch(/^dwp-2025\.logs\.example\/log: checkpoint 6 \(\+6 entries\)/m);
    expect(run.stderr).not.toMatch(/no longer polled/);
  });

  it('is evidence when a read-only log signs past its final checkpoint, or another root at its final size', async () => {
    const world = new World();
    const grown = world.host('dwp-2025', 20);
    grown.state = 'readonly';
    grown.finalSize = 12; // the log took 8 entries after it closed
    const state = join(tempDir('list-after-final'), 'state');
    const run = await monitor(world, ['--log-list', LIST, '--state', state, '--once']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/dwp-2025\.logs\.example\/log: the log misbehaved \(after-final-checkpoint\): .*final checkpoint of tree size 12, yet signed a checkpoint of tree size 20/);
    const evidenceDir = join(state, 'logs', logDirName(grown.log.signer.name), 'evidence');
    expect(readdirSync(evidenceDir)).toEqual([expect.stringMatching(/-after-final-checkpoint\.json$/)]);

    const forked = new World();
    const f = forked.host('hmrc-2025', 12);
    f.state = 'readonly';
    f.finalSize = 12;
    f.servedNote = f.log.checkpoint(12, seedOf('another root'));
    const run2 = await monitor(forked, ['--log-list', LIST, '--state', join(tempDir('list-final-fork'), 'state'), '--once']);
    expect(run2.code).toBe(3);
    expect(run2.stderr).toMatch(/hmrc-2025\.logs\.example\/log: the log misbehaved \(fork\)/);
  });

  it('keeps each log in a directory named from its origin, never a path the list gives', async () => {
    const world = new World();
    const root = tempDir('list-traversal');
    const state = join(root, 'state');
    // An origin (and key name) made to climb out of the state directory.
    const hostile = world.host('evil', 3, seedOf('evil'), '../../../escaped');
    const run = await monitor(world, ['--log-list', LIST, '--state', state, '--once']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\.\.\/\.\.\/\.\.\/escaped: checkpoint 3/m);
    expect(readdirSync(root)).toEqual(['state']);
    const files = filesUnder(state);
    expect(files.length).toBeGreaterThan(0);
    const dir = logDirName(hostile.log.signer.name);
    expect(dir).not.toMatch(/\//);
    expect(dir).not.toMatch(/^\./);
    for (const file of files) expect(file.startsWith(join('logs', dir) + '/')).toBe(true);
  });

  it('refuses a list over its size bound, with too many logs, or naming one origin twice', async () => {
    const world = new World();
    world.raw.set(LIST, `{"operator_name":"x","logs":[],"pad":"${'x'.repeat(MAX_OPERATOR_LIST_BYTES)}"}`);
    const big = await monitor(world, ['--log-list', LIST, '--state', join(tempDir('list-big'), 'state'), '--once']);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/the log list .* is over \d+ bytes/);

    const many = new World();
    const a = many.host('a', 1);
    const entry = { friendly_name: 'a', log_id: logKeyIds(a.log.signer.verifierKey).logId, metadata_url: '/logs/a/metadata.json' };
    many.raw.set(LIST, JSON.stringify({ operator_name: 'x', email: [], last_updated: '2026-01-01T00:00:00Z', logs: Array.from({ length: MAX_LOG_LIST_LOGS + 1 }, () => entry) }));
    const tooMany = await monitor(many, ['--log-list', LIST, '--state', join(tempDir('list-many'), 'state'), '--once']);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(new RegExp(`at most ${MAX_LOG_LIST_LOGS} logs`));
    expect(many.requests).toEqual([LIST]); // not one metadata document fetched

    const twice = new World();
    twice.host('one', 2, seedOf('one'), 'same.logs.example/log');
    const other = twice.host('two', 2, seedOf('two'), 'other.logs.example/log');
    other.listedOrigin = 'same.logs.example/log';
    const state = join(tempDir('list-twice'), 'state');
    const dup = await monitor(twice, ['--log-list', LIST, '--state', state, '--once']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/the log "same\.logs\.example\/log" is listed twice/);
    expect(existsSync(join(state, 'logs')) ? readdirSync(join(state, 'logs')) : []).toEqual([]);
  });

  it('leaves out a log whose metadata is not of the key the list names, and follows the others', async () => {
    const world = new World();
    world.host('good', 2);
    const bad = world.host('bad', 2);
    const entries = [...world.hosted.values()].map((h) => ({
      friendly_name: h.id,
      // The list says "bad" is the log of good's key: its metadata must not be taken for it.
      log_id: logKeyIds((h === bad ? world.hosted.get('good')! : h).log.signer.verifierKey).logId,
      metadata_url: `/logs/${h.id}/metadata.json`,
    }));
    world.raw.set(LIST, JSON.stringify({ operator_name: 'x', email: [], last_updated: '2026-01-01T00:00:00Z', logs: entries }));
    const run = await monitor(world, ['--log-list', LIST, '--state', join(tempDir('list-logid'), 'state'), '--once']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^good\.logs\.example\/log: checkpoint 2/m);
    expect(run.stdout).not.toMatch(/bad\.logs/);
    expect(run.stderr).toMatch(/left out: the metadata at .*\/logs\/bad\/metadata\.json is of log .*, not of .* as the list says/);
  });

  it('reads a logs/v0 list with --log-url-template', async () => {
    const world = new World();
    const a = world.host('dwp-2026', 3, seedOf('v0'), 'dwp-2026');
    world.raw.set(`${SERVICE}/logs.txt`, formatLogList([{ vkey: a.log.signer.verifierKey, origin: 'dwp-2026', qpd: 86400, contact: 'ops@logs.example' }]));
    const state = join(tempDir('list-v0'), 'state');
    const without = await monitor(world, ['--log-list', `${SERVICE}/logs.txt`, '--state', state, '--once']);
    expect(without.stderr).toMatch(/dwp-2026: the list gives no URL for this log \(a logs\/v0 list needs --log-url-template\)/);
    const run = await monitor(world, ['--log-list', `${SERVICE}/logs.txt`, '--log-url-template', `${SERVICE}/logs/{origin}/`, '--state', state, '--once']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^dwp-2026: checkpoint 3 \(\+3 entries\)/m);
  });

  it('takes --log-list or URL with --log-key, not both and not neither', async () => {
    const key = logSigner().verifierKey;
    const mixed = await runCli(['monitor', 'https://log.example/', '--log-list', LIST]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--log-list follows the logs of a list; URL and --log-key name one log: give one or the other/);
    expect((await runCli(['monitor', '--log-key', key, '--log-list', LIST])).code).toBe(2);
    const neither = await runCli(['monitor']);
    expect(neither).toMatchObject({ code: 2, stderr: 'sightline: monitor needs URL; see sightline monitor --help\n' });
    expect((await runCli(['monitor', 'https://log.example/', '--log-key', key, '--log-url-template', 'https://h/{origin}'])).code).toBe(2);
  });
});
