/**
 * End to end: the real `sightline serve` process on PGlite, driven over HTTP the way
 * partners and outside clients use it. Tiles are fetched and verified with the core's
 * tile hash reader against the signed checkpoint, trusting nothing the server says.
 */
import { expect, test } from 'vitest';
import {
  type Tile,
  decodeEntryBundle,
  formatEntryBundlePath,
  formatTilePath,
  leafHash,
  proveConsistency,
  proveInclusion,
  tileHashReader,
  tileWidth,
  verifyConsistency,
  verifyInclusion,
} from '../../src/merkle/index.js';
import { openCheckpoint, parseNoteVerifier } from '../../src/note/index.js';
import { verifyReceipt } from '../../src/receipt/index.js';
import { spawnCli, startServe } from '../support/cli.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';


test('serve, partner add while running, submit, verify tiles and receipts, restart, fsck', async () => {
  const dataDir = tempDir('e2e');
  const server = await startServe(['--data-dir', dataDir, '--origin', 'e2e.sightline.example/log']);
  try {
    const generated = server.lines.find((l) => l.msg === 'generated a new log key');
    expect(generated?.verifierKey).toMatch(/^e2e\.sightline\.example\/log\+[0-9a-f]{8}\+/);
    const verifier = parseNoteVerifier(String(generated!.verifierKey));

    // A fresh log serves its size-0 checkpoint at once.
    const first = openCheckpoint(await (await fetch(`${server.url}/checkpoint`)).text(), verifier).checkpoint;
    expect(first.treeSize).toBe(0);

    // The server holds the data directory; partner commands reach it through its socket.
    const added = await runCli(['partner', 'add', 'dwp-e2e', '--name', 'E2E partner', '--json', '--data-dir', dataDir]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const { token } = JSON.parse(added.stdout) as { token: string };
    // The token is on the record before it works: the log's code lists, then the operator's record of it.
    const own = openCheckpoint(await (await fetch(`${server.url}/checkpoint`)).text(), verifier).checkpoint.treeSize;
    expect(own).toBe(2);

    // A second server on the same directory refuses to start, saying why.
    const second = await spawnCli(['serve', '--port', '0', '--data-dir', dataDir]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/^sightline: the data directory .* is in use by process \d+/);

    const entries = Array.from({ length: 300 }, (_, i) => new TextEncoder().encode(`e2e entry ${i}`));
    const submit = (e: Uint8Array) =>
      fetch(`${server.url}/v1/entries`, { method: 'POST', body: e, headers: { authorization: `Bearer ${token}` } });
    const responses = await Promise.all(entries.map(submit));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { index: number; receipt: string }[];
    expect(responses.every((r) => r.status === 201)).toBe(true);
    expect(new Set(bodies.map((b) => b.index)).size).toBe(300);
    bodies.forEach((b, i) => expect(verifyReceipt(b.receipt, entries[i]!, { log: verifier }).leafIndex).toBe(b.index));

    // An outside client: verified checkpoint → verified tiles → proofs, and bundles.
    const checkpoint = openCheckpoint(await (await fetch(`${server.url}/checkpoint`)).text(), verifier).checkpoint;
    expect(checkpoint.treeSize).toBe(own + 300);
    let reads = 0;
    const reader = tileHashReader(checkpoint.treeSize, checkpoint.rootHash, {
      readTiles: async (tiles: readonly Tile[]) => {
        reads++;
        return Promise.all(tiles.map(async (t) => new Uint8Array(await (await fetch(`${server.url}/${formatTilePath(t)}`)).arrayBuffer())));
      },
    });
    for (const i of [0, 1, 255, 256, 299]) {
      const proof = await proveInclusion(reader, i, checkpoint.treeSize);
      const served = (await (await fetch(`${server.url}/v1/proofs/inclusion?index=${i}`)).json()) as { inclusionProof: string[] };
      expect(served.inclusionProof).toEqual(proof.map((h) => Buffer.from(h).toString('base64')));
    }
    expect(reads).toBe(5);
    const consistency = await proveConsistency(reader, 0, checkpoint.treeSize);
    verifyConsistency(0, checkpoint.treeSize, consistency, first.rootHash, checkpoint.rootHash);
    for (const index of [0, 1]) {
      const width = tileWidth(0, index, checkpoint.treeSize);
      const bundle = decodeEntryBundle(new Uint8Array(await (await fetch(`${server.url}/${formatEntryBundlePath({ index, width })}`)).arrayBuffer()), width);
      const level0 = await reader.readHashes(bundle.map((_, j) => ({ level: 0, index: index * 256 + j })));
      bundle.forEach((e, j) => expect(leafHash(e)).toEqual(level0[j]));
    }
    const sample = bodies[123]!;
    const proof = (await (await fetch(`${server.url}/v1/proofs/inclusion?index=${sample.index}`)).json()) as { inclusionProof: string[] };
    const entry = entries[bodies.indexOf(sample)]!;
    verifyInclusion(leafHash(entry), sample.index, checkpoint.treeSize, proof.inclusionProof.map((h) => new Uint8Array(Buffer.from(h, 'base64'))), checkpoint.rootHash);
  } finally {
    expect(await server.stop()).toBe(0);
  }

  // Everything survives a restart, and the partner's token still works.
  const again = await startServe(['--data-dir', dataDir]);
  try {
    const log = (await (await fetch(`${again.url}/v1/log`)).json()) as { treeSize: number; origin: string };
    expect(log).toMatchObject({ treeSize: 302, origin: 'e2e.sightline.example/log' });
    const list = JSON.parse((await runCli(['partner', 'list', '--json', '--data-dir', dataDir])).stdout) as { id: string }[];
    expect(list.filter((p) => p.id !== 'log-operator')).toMatchObject([{ id: 'dwp-e2e', name: 'E2E partner', revokedAt: null }]);
  } finally {
    expect(await again.stop()).toBe(0);
  }
  const checked = await runCli(['fsck', '--data-dir', dataDir]);
  expect(checked.stdout).toMatch(/fsck: ok, 302 entries/);
  expect(checked.code).toBe(0);
});
test('a SIGTERM as soon as the server says it is listening stops it cleanly, every time', async () => {
  const dataDir = tempDir('e2e-prompt-stop');
  for (let round = 0; round < 3; round++) {
    const server = await startServe(['--data-dir', dataDir]);
    expect(await server.stop()).toBe(0);
    expect(server.lines.some((l) => l.msg === 'stopped')).toBe(true);
  }
});

test('SIGTERM stops accepting, finishes what is in flight, and loses no answered entry', async () => {
  const dataDir = tempDir('e2e');
  const server = await startServe(['--data-dir', dataDir]);
  const added = await runCli(['partner', 'add', 'p', '--json', '--data-dir', dataDir]);
  const { token } = JSON.parse(added.stdout) as { token: string };
  const entries = Array.from({ length: 400 }, (_, i) => new TextEncoder().encode(`stop entry ${i}`));
  let firstCommitted!: () => void;
  const someCommitted = new Promise<void>((r) => (firstCommitted = r));
  const inFlight = entries.map((e) =>
    fetch(`${server.url}/v1/entries`, { method: 'POST', body: e, headers: { authorization: `Bearer ${token}` } }).then(
      async (r) => {
        if (r.status === 201) firstCommitted();
        return { status: r.status, body: r.status === 201 ? ((await r.json()) as { index: number }) : undefined };
      },
      () => ({ status: 0, body: undefined }), // refused once the server stopped accepting
    ),
  );
  await someCommitted; // stop while the rest is still queued or in flight
  expect(await server.stop()).toBe(0);
  const outcomes = await Promise.all(inFlight);
  expect(outcomes.every((o) => [0, 201, 503].includes(o.status))).toBe(true);
  const committed = outcomes.flatMap((o, i) => (o.body === undefined ? [] : [[i, o.body.index] as const]));
  expect(committed.length).toBeGreaterThan(0);

  const again = await startServe(['--data-dir', dataDir]);
  try {
    for (const [i, index] of committed) {
      const stored = (await (await fetch(`${again.url}/v1/entries/${index}`)).json()) as { data: string };
      expect(Buffer.from(stored.data, 'base64').toString()).toBe(`stop entry ${i}`);
    }
  } finally {
    expect(await again.stop()).toBe(0);
  }
  expect((await runCli(['fsck', '--data-dir', dataDir])).code).toBe(0);
});
test('CLI errors are one line on stderr with a non-zero exit: 2 for a usage error, 1 for any other', async () => {
  // The real bin, as a user runs it: its exit status and stderr, not just the commands' (test/unit/cli-run.test.ts).
  const cases: [number, string[]][] = [
    [2, ['nonsense']],
    [2, ['serve', '--port', 'eighty']],
    [2, ['serve', '--no-such-flag']],
    [2, ['keygen', '--origin', 'has space']],
    [1, ['partner', 'add', 'Bad Id', '--data-dir', tempDir('e2e')]],
    [1, ['partner', 'revoke', 'nobody', '--data-dir', tempDir('e2e')]],
    [1, ['serve', '--key-file', '/nonexistent/key', '--data-dir', tempDir('e2e')]],
  ];
  for (const [code, args] of cases) {
    const r = await spawnCli(args);
    expect(r.code, args.join(' ')).toBe(code);
    expect(r.stderr, args.join(' ')).toMatch(/^sightline: [^\n]+\n$/);
  }
  const version = await spawnCli(['--version']); // package.json beside the installed dist/
  expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^sightline \d+\.\d+\.\d+\n$/) as unknown });
  const help = await spawnCli(['serve', '--help']);
  expect(help.code).toBe(0);
  for (const flag of ['--data-dir', '--database-url', '--key-file', '--origin', '--host', '--port', 'DATABASE_URL', 'PORT']) expect(help.stdout).toContain(flag);
  const keygen = await spawnCli(['keygen', '--origin', 'example.gov.uk/audit-log']); // the bin's own stdout
  expect(keygen.stdout).toMatch(/^PRIVATE\+KEY\+example\.gov\.uk\/audit-log\+[0-9a-f]{8}\+\S+\nexample\.gov\.uk\/audit-log\+[0-9a-f]{8}\+\S+\n$/);
});