/**
 * The README's quickstart is true: `npm start` serves a new log, and every command of
 * the "Using the log" block runs against it and succeeds. The block is run as written,
 * with only the port and the data directory pointed at this test's own. It runs the package
 * as built for this run (test/support/build-setup.ts), never the checkout's dist/: the server
 * with `npm start` in the built package, and the blocks in a folder where that package is
 * installed, as a user's project has it (so `npx sightline` and `import "sightline/client"`
 * resolve to it, and nothing is installed into npm's cache).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, test } from 'vitest';
import { openCheckpoint, parseNoteVerifier } from '../../src/note/index.js';
import { verifyReceipt } from '../../src/receipt/index.js';
import { builtPackage } from '../support/cli.js';
import { exited, spawnTracked, stopProcess } from '../support/processes.js';
import { tempDir } from '../support/temp.js';

const root = resolve(import.meta.dirname, '..', '..');

function quickstart(name = 'quickstart'): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- ${name}[^>]*-->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\s*<!-- \\/${name} -->`).exec(readme);
  if (match === null) throw new Error(`README.md has no ${name} block`);
  return match[1]!;
}

test('npm start, then every quickstart command of the README', async () => {
  const pkg = builtPackage(); // `npm start` and `npx sightline` run the built CLI
  const dataDir = tempDir('readme');
  const user = tempDir('readme-user');
  mkdirSync(join(user, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(pkg, join(user, 'node_modules', 'sightline'), 'dir');
  symlinkSync(join('..', 'sightline', 'dist', 'cli', 'main.js'), join(user, 'node_modules', '.bin', 'sightline'));
  const { DATABASE_URL: _ignored, ...parentEnv } = process.env;
  const env = { ...parentEnv, SIGHTLINE_DATA_DIR: dataDir };
  const server = spawnTracked('npm', ['start', '--', '--port', '0'], { cwd: pkg, env });
  try {
    const listening = await new Promise<Record<string, unknown>>((resolvePromise, reject) => {
      void exited(server).then((code) => reject(new Error(`npm start exited with ${code}`)));
      createInterface({ input: server.stdout! }).on('line', (line) => {
        if (!line.startsWith('{')) return;
        const record = JSON.parse(line) as Record<string, unknown>;
        if (record.msg === 'listening') resolvePromise(record);
      });
    });
    const url = String(listening.url);
    const script = `set -euo pipefail\n${quickstart().replaceAll('http://127.0.0.1:8080', url)}`;
    const output = execFileSync('bash', ['-c', script], { cwd: user, env, encoding: 'utf8' });

    // What the commands printed is what they claim: a committed entry, its receipt (which
    // verifies), its proofs and the checkpoint signed by the log's key.
    const verifier = parseNoteVerifier(String(listening.verifierKey));
    const lines = output.split('\n');
    // The entry follows the log's own first entries: its code lists and its record of the token.
    const entry = JSON.parse(lines[0]!) as { index: number; treeSize: number };
    expect(entry).toMatchObject({ index: 2, treeSize: 3 });
    const receipt = await (await fetch(`${url}/v1/receipts/${entry.index}`)).text();
    expect(verifyReceipt(receipt, new TextEncoder().encode('an example entry'), { log: verifier }).leafIndex).toBe(entry.index);
    expect(output).toContain(receipt);
    expect(output).toMatch(/^\{"index":2,"treeSize":3,"inclusionProof":\["[^"]+"\]\}$/m);
    expect(output).toMatch(/^\{"from":1,"to":3,"consistencyProof":\[("[^"]+",?)+\]\}$/m);
    const checkpoint = await (await fetch(`${url}/checkpoint`)).text();
    expect(openCheckpoint(checkpoint, verifier).checkpoint.treeSize).toBe(3);
    expect(output).toContain(checkpoint);

    // The typed-events block: a signed event recorded, then found and verified by the claimant.
    const events = execFileSync('bash', ['-c', `set -euo pipefail\n${quickstart('events-quickstart').replaceAll('http://127.0.0.1:8080', url)}`], { cwd: user, env, encoding: 'utf8' });
    const recorded = /recorded as entry (\d+)/.exec(events);
    expect(recorded).not.toBeNull();
    // The claimant's timeline: the access, and the issue of their own key, both verified.
    expect(events).toMatch(/^2 entries (on|from) /m);
    expect(events).toMatch(new RegExp(`✓\\s+${recorded![1]}\\s*$`, 'm'));
    expect(events).toMatch(/Your subject key was issued/);

    // Public money: a finance team's month imported and stated complete, then a republished
    // file's changed and dropped lines recorded as an amendment and a withdrawal.
    const run = (name: string) => execFileSync('bash', ['-c', `set -euo pipefail\nexec 2>&1\n${quickstart(name).replaceAll('http://127.0.0.1:8080', url)}`], { cwd: user, env, encoding: 'utf8' });
    const money = run('money-quickstart');
    expect(money).toMatch(/spend-2026-01\.csv: 3 rows of spend \(month 2026-01\): 3 new, 0 already recorded, 0 changed/);
    expect(money).toMatch(/spend 2026-01-01 to 2026-01-31: 3 records, £101,500\.50: stated at entry \d+/);
    expect(money).toMatch(/spend-2026-01-v2\.csv: 2 rows of spend \(month 2026-01\): 0 new, 1 already recorded, 1 changed \(recorded as amendments\), 1 dropped \(recorded as withdrawals\)/);
    expect(money).toMatch(/line 2: transaction 00100001 line 1 \(entry \d+\) changed: amount: amended, entry \d+/);
    expect(money).toMatch(/transaction 00100003 line 1 \(entry \d+\) is not in the file: withdrawn, entry \d+/);

    // A journalist: the month as it stands, one payment verified offline, every statement recounted.
    const check = run('money-check');
    expect(check).toMatch(/^\d+ Acme Software Ltd 46000 $/m);
    expect(check).toMatch(/^\d+ Advice Partners LLP 26500\.5 withdrawn$/m);
    // The statement made before the republished file no longer matches the month.
    expect(check).toMatch(/warning: the statement at entry \d+ that dwp-finance's spend records from 2026-01-01 to 2026-01-31 are complete says 3 \(£101,500\.50\), but the log holds 2 \(£76,000\.00\); changed since by entries \d+, \d+/);

    // Every participant's copy: the log exported as plain files, its checkpoint last.
    const copies = run('copies-quickstart');
    const exported = /^checkpoint (\d+) \(\+(\d+) entries, \d+ files\) exported to .*log-copy$/m.exec(copies);
    expect(exported).not.toBeNull();
    const size = Number(exported![1]);
    expect(Number(exported![2])).toBe(size);
    expect(size).toBeGreaterThan(3);
    expect(copies).toContain(`${verifier.name}\n${size}\n`);
    expect(openCheckpoint(readFileSync(join(user, 'log-copy', 'checkpoint'), 'utf8'), verifier).checkpoint.treeSize).toBe(size);
  } finally {
    await stopProcess(server);
  }
});
