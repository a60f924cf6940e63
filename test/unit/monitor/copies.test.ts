/**
 * `sightline monitor URL --mirror M --mirror-key K` over an injected network: the audit reads
 * tiles and bundles from the mirror (the log is asked only for its checkpoint and its own
 * routes), and, the log down, audits the mirror's checkpoint; a mirror that lies about an
 * entry is no evidence against the log — the finding stands only if the log's own answers
 * show it, and here they do not.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/cli/flags.js';
import type { CliIo } from '../../../src/cli/io.js';
import { MONITOR_COMMAND, monitorCommand } from '../../../src/cli/monitor.js';
import { originHashOf } from '../../../src/mirror/index.js';
import { ed25519Cosigner } from '../../../src/note/index.js';
import { mirroredTestLog } from '../../support/mirrored-test-log.js';
import { TEST_ORIGIN } from '../../support/test-log.js';
import { tempDir } from '../../support/temp.js';

const mirrorKey = ed25519Cosigner('watch.mirror.example', new Uint8Array(32).fill(8));

async function world() {
  const { log, mirrorApp } = await mirroredTestLog(600, mirrorKey, (i) => `audited entry ${i}`);
  const state = { logDown: false, lie: false, lied: 0, asked: [] as string[] };
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const u = new URL(String(input));
    if (u.hostname === 'mirror.test') {
      const res = await mirrorApp.request(u.pathname, init);
      if (state.lie && u.pathname.endsWith('/tile/entries/001')) {
        const bytes = new Uint8Array(await res.arrayBuffer());
        bytes[10] = (bytes[10]! + 1) % 256;
        state.lied++;
        return new Response(bytes, { status: 200 });
      }
      return res;
    }
    if (state.logDown) throw new TypeError('fetch failed');
    state.asked.push(u.pathname);
    return log.app.request(`${u.pathname}${u.search}`, init);
  };
  return { log, state, fetch };
}

function bufferIo(): { io: CliIo; out: { stdout: string; stderr: string } } {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) }, stdin: async () => new Uint8Array(0), env: {}, onStopSignal: () => () => {} },
  };
}

async function monitor(w: Awaited<ReturnType<typeof world>>, dir: string) {
  const flags = parseCommand(MONITOR_COMMAND, ['http://log.test/', '--log-key', w.log.signer.verifierKey, '--state', dir, '--once', '--mirror', 'http://mirror.test/', '--mirror-key', mirrorKey.verifierKey], {});
  if (flags === 'help') throw new Error('help');
  const { io, out } = bufferIo();
  const code = await monitorCommand(flags, io, { fetch: w.fetch as never });
  return { code, ...out };
}

describe('monitor with a mirror', () => {
  it('reads the tree from the mirror, and audits the mirror when the log is down', async () => {
    const w = await world();
    const dir = tempDir('sightline-monitor-copies-');
    const first = await monitor(w, dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^checkpoint 600 \(\+600 entries\)/);
    expect(w.state.asked.filter((p) => p.startsWith('/tile/'))).toEqual([]);
    expect(w.state.asked).toContain('/checkpoint');
    await w.log.submit('one more');
    w.state.logDown = true;
    const down = await monitor(w, dir);
    expect(down.code).toBe(0); // the mirror's checkpoint (600), verified with the log key and the mirror's cosignature
    expect(originHashOf(TEST_ORIGIN)).toHaveLength(64);
  });

  it('a mirror lying about an entry is no evidence against the log', async () => {
    const w = await world();
    const dir = tempDir('sightline-monitor-copies-');
    w.state.lie = true;
    const run = await monitor(w, dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^checkpoint 600/);
    expect(w.state.lied).toBeGreaterThan(0);
    expect(w.state.asked).toContain('/tile/entries/001'); // the finding checked against the log's own bundle
    expect(readdirSync(join(dir)).includes('evidence') ? readdirSync(join(dir, 'evidence')) : []).toEqual([]);
  });
});
