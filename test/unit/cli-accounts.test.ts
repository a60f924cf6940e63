/**
 * `partner list` and `operator list` print a header row over their columns; revoking a token
 * already revoked says so, since when, exits 0 (the token is revoked, as asked) and records
 * nothing more in the log: the log shows each revocation once.
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('cli-accounts');

/** How many entries the log at `data` holds, from fsck's report. */
async function treeSize(data: string): Promise<number> {
  const r = await runCli(['fsck', '--data-dir', data]);
  expect(r.code).toBe(0);
  return Number(/ok, (\d+) entries/.exec(r.stdout)![1]);
}

test('partner list: a header, then a row per partner; revoking twice says it was already revoked and records nothing', async () => {
  const data = join(dir, 'partners');
  expect((await runCli(['partner', 'list', '--data-dir', data])).stdout).toBe('no partners\n');
  expect((await runCli(['partner', 'add', 'dwp-ucfs', '--name', 'Universal Credit', '--data-dir', data])).code).toBe(0);
  expect((await runCli(['partner', 'add', 'hmrc', '--data-dir', data])).code).toBe(0);
  const listed = await runCli(['partner', 'list', '--data-dir', data]);
  expect(listed.code).toBe(0);
  const lines = listed.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^ID\s+STATUS\s+EVENT KEY\s+NAME$/);
  expect(lines.slice(1).find((l) => l.startsWith('dwp-ucfs'))).toMatch(/^dwp-ucfs\s+active\s+\(none\)\s+Universal Credit$/);
  expect(lines.slice(1).find((l) => l.startsWith('hmrc'))).toMatch(/^hmrc\s+active\s+\(none\)$/);
  // The columns line up under the header.
  expect(lines.map((l) => l.indexOf(l.includes('STATUS') ? 'STATUS' : 'active'))).toEqual(lines.map(() => lines[0]!.indexOf('STATUS')));

  const first = await runCli(['partner', 'revoke', 'hmrc', '--data-dir', data]);
  expect(first).toEqual({ code: 0, stdout: 'partner hmrc revoked\n', stderr: '' });
  const size = await treeSize(data);
  const again = await runCli(['partner', 'revoke', 'hmrc', '--data-dir', data]);
  expect(again.code).toBe(0);
  expect(again.stderr).toBe('');
  expect(again.stdout).toMatch(/^partner hmrc was already revoked \(at \d{4}-\d\d-\d\dT[0-9:.]+Z\); nothing changed\n$/);
  expect(await treeSize(data)).toBe(size); // no second revocation in the log
  expect((await runCli(['partner', 'list', '--data-dir', data])).stdout).toMatch(/\nhmrc\s+revoked\s/);
  // An unknown partner is still an error.
  const unknown = await runCli(['partner', 'revoke', 'nobody', '--data-dir', data]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/^sightline: no partner "nobody"\n$/);
});

test('operator list has a header; revoking an operator twice says it was already revoked', async () => {
  const data = join(dir, 'operators');
  expect((await runCli(['operator', 'add', 'casework', '--data-dir', data])).code).toBe(0);
  expect((await runCli(['operator', 'list', '--data-dir', data])).stdout).toBe('ID        STATUS\ncasework  active\n');
  expect((await runCli(['operator', 'revoke', 'casework', '--data-dir', data])).stdout).toBe('operator casework revoked\n');
  const again = await runCli(['operator', 'revoke', 'casework', '--data-dir', data]);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/^operator casework was already revoked \(at [^)]+\); nothing changed\n$/);
  expect((await runCli(['operator', 'list', '--data-dir', data])).stdout).toBe('ID        STATUS\ncasework  revoked\n');
});

test("auditor add, list and revoke, each token's issue and revocation recorded in the log under the auditor's pseudonym", async () => {
  const data = join(dir, 'auditors');
  const added = await runCli(['auditor', 'add', 'nao-1', '--data-dir', data, '--json']);
  expect(added.code).toBe(0);
  expect(JSON.parse(added.stdout)).toMatchObject({ id: 'nao-1', token: expect.any(String) });
  const size = await treeSize(data);
  expect((await runCli(['auditor', 'list', '--data-dir', data])).stdout).toBe('ID     STATUS\nnao-1  active\n');
  // Auditors are not operators.
  expect((await runCli(['operator', 'list', '--data-dir', data])).stdout).toBe('no operators\n');
  expect((await runCli(['auditor', 'revoke', 'nao-1', '--data-dir', data])).stdout).toBe('auditor nao-1 revoked\n');
  expect(await treeSize(data)).toBe(size + 1);
  expect((await runCli(['auditor', 'revoke', 'nao-1', '--data-dir', data])).stdout).toMatch(/^auditor nao-1 was already revoked \(at [^)]+\); nothing changed\n$/);
  expect(await treeSize(data)).toBe(size + 1);
  const unknown = await runCli(['auditor', 'revoke', 'nobody', '--data-dir', data]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toBe('sightline: no auditor "nobody"\n');
});
