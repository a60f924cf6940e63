/**
 * Two real server processes on one PostgreSQL database under concurrent load: every
 * entry gets one index, every receipt verifies, no size is ever signed with two roots,
 * everything survives a restart, and fsck passes. Runs when DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, expect, test } from 'vitest';
import { openCheckpoint, parseNoteVerifier } from '../../src/note/index.js';
import { verifyReceipt } from '../../src/receipt/index.js';
import { spawnCli, startServe } from '../support/cli.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';

const serverUrl = process.env.DATABASE_URL;
if (serverUrl === undefined) throw new Error('postgres-servers.test.ts needs DATABASE_URL (vitest.config.ts should have left it out)');
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const name = `sightline_test_${randomBytes(6).toString('hex')}`;
const dir = tempDir('pg-e2e');
afterAll(async () => {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

test('two servers on one database never fork the log', async () => {
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const env = { DATABASE_URL: url.toString() };
  const keygen = await runCli(['keygen', '--origin', 'pg.sightline.example/log']);
  const [signerKey, verifierKey] = keygen.stdout.trim().split('\n') as [string, string];
  const keyFile = join(dir, 'log.key');
  writeFileSync(keyFile, signerKey + '\n', { mode: 0o600 });
  const verifier = parseNoteVerifier(verifierKey);

  // Every server of one log holds the same subject-tag year keys; one holding others refuses to start.
  const tagKeys = join(dir, 'tag-keys.json');
  writeFileSync(tagKeys, JSON.stringify({ '2026': 'a'.repeat(64), '2027': 'b'.repeat(64) }), { mode: 0o600 });
  const servers = await Promise.all([0, 1].map((i) => startServe(['--key-file', keyFile, '--tag-key-file', tagKeys, '--data-dir', join(dir, `d${i}`)], env)));
  const otherKeys = join(dir, 'other-tag-keys.json');
  writeFileSync(otherKeys, JSON.stringify({ '2026': 'c'.repeat(64) }), { mode: 0o600 });
  const refused = await spawnCli(['serve', '--port', '0', '--key-file', keyFile, '--tag-key-file', otherKeys, '--data-dir', join(dir, 'd2')], env);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toMatch(/^sightline: this server's subject-tag key for 2026 is not the one this log already uses\n$/);
  try {
    const added = await runCli(['partner', 'add', 'racer', '--json', '--key-file', keyFile], env);
    expect(added.code).toBe(0);
    const { token } = JSON.parse(added.stdout) as { token: string };

    const entries = Array.from({ length: 1000 }, (_, i) => new TextEncoder().encode(`pg race entry ${i}`));
    const results: { index: number; receipt: string; checkpoint: string; treeSize: number }[] = new Array(entries.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: 48 }, async (_, worker) => {
        const base = servers[worker % 2]!.url;
        while (next < entries.length) {
          const i = next++;
          const res = await fetch(`${base}/v1/entries`, { method: 'POST', body: entries[i], headers: { authorization: `Bearer ${token}` } });
          expect(res.status, await res.clone().text()).toBe(201);
          results[i] = (await res.json()) as (typeof results)[number];
        }
      }),
    );
    // After the log's own first entries (its code lists, its record of the token it gave).
    expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 2));
    const rootBySize = new Map<number, string>();
    results.forEach((r, i) => {
      verifyReceipt(r.receipt, entries[i]!, { log: verifier });
      const { checkpoint } = openCheckpoint(r.checkpoint, verifier);
      const root = Buffer.from(checkpoint.rootHash).toString('base64');
      expect(rootBySize.get(checkpoint.treeSize) ?? root).toBe(root);
      rootBySize.set(checkpoint.treeSize, root);
    });
  } finally {
    for (const s of servers) expect(await s.stop()).toBe(0);
  }

  const again = await startServe(['--key-file', keyFile, '--tag-key-file', tagKeys, '--data-dir', join(dir, 'd0')], env);
  try {
    expect(((await (await fetch(`${again.url}/v1/log`)).json()) as { treeSize: number }).treeSize).toBe(1002);
    const partners = JSON.parse((await runCli(['partner', 'list', '--json'], env)).stdout) as { id: string }[];
    expect(partners.map((p) => p.id).sort()).toEqual(['log-operator', 'racer']);
  } finally {
    expect(await again.stop()).toBe(0);
  }
  const checked = await runCli(['fsck'], env);
  expect(checked.stdout).toMatch(/fsck: ok, 1002 entries/);
  expect(checked.code).toBe(0);
});