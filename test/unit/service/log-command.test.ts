/**
 * `sightline log list|add|retire` on a service's configuration file: a change is checked as
 * the whole new file before anything is written (a refused one leaves the file byte for
 * byte), YAML keeps its comments, retiring is idempotent, and every mistake is one line and
 * exit 2.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readServiceConfig } from '../../../src/cli/service-config.js';
import { runCli } from '../../support/run-cli.js';
import { tempDir } from '../../support/temp.js';

const YAML = `# The service's logs: one per body and year.
operator:
  name: Example transparency service
  contact: [transparency@example.gov.uk]
logs:
  - id: dwp-2026 # this year's
    name: Department for Work and Pensions, 2026
    origin: log.example.gov.uk/dwp/2026
    alias: dwp
    interval: { start: 2026-01-01, end: 2027-01-01 }
`;

function serviceFile(text = YAML, name = 'service.yaml'): string {
  const file = join(tempDir('log-command-'), name);
  writeFileSync(file, text);
  return file;
}

describe('log add', () => {
  test("adds next year's shard of an alias, keeping the file's comments", async () => {
    const file = serviceFile();
    const result = await runCli(['log', 'add', 'dwp-2027', '--config', file, '--name', 'Department for Work and Pensions, 2027', '--origin', 'log.example.gov.uk/dwp/2027', '--alias', 'dwp', '--start', '2027-01-01', '--end', '2028-01-01', '--max-entries-per-second', '500']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain("# The service's logs: one per body and year.");
    expect(text).toContain("# this year's");
    const config = readServiceConfig(file);
    expect(config.logs.map((l) => l.id)).toEqual(['dwp-2026', 'dwp-2027']);
    expect(config.logs[1]).toMatchObject({ alias: 'dwp', quota: { entriesPerSecond: 500 }, interval: { start: new Date('2027-01-01T00:00:00Z') } });
    expect(readdirSync(join(file, '..'))).toEqual(['service.yaml']); // no temp file left behind
  });

  test('a shard overlapping another of its alias is refused, and the file is left as it was', async () => {
    const file = serviceFile();
    const result = await runCli(['log', 'add', 'dwp-2026b', '--config', file, '--name', 'Overlap', '--origin', 'log.example.gov.uk/dwp/2026b', '--alias', 'dwp', '--start', '2026-06-01', '--end', '2027-06-01']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^sightline: .*dwp-2026b.*interval: overlaps dwp-2026/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toBe(YAML);
  });

  test('an id already taken, an id that is not a URL segment, or half an interval: refused, nothing written', async () => {
    const file = serviceFile();
    const base = ['--config', file, '--name', 'X', '--origin', 'log.example.gov.uk/x'];
    for (const [args, message] of [
      [['log', 'add', 'dwp-2026', ...base], /has a log dwp-2026 already/],
      [['log', 'add', '../etc', ...base], /id: must be lowercase letters/],
      [['log', 'add', 'Dwp', ...base], /id: must be lowercase letters/],
      [['log', 'add', 'x', ...base, '--start', '2027-01-01'], /needs both --start and --end/],
    ] as const) {
      const result = await runCli([...args]);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr).toMatch(message);
    }
    expect(readFileSync(file, 'utf8')).toBe(YAML);
  });

  test('creates a new file with --operator, and only then', async () => {
    const dir = tempDir('log-command-');
    const file = join(dir, 'service.json');
    const missing = await runCli(['log', 'add', 'hmrc', '--config', file, '--name', 'HMRC', '--origin', 'log.example.gov.uk/hmrc']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/give --operator NAME/);
    expect(existsSync(file)).toBe(false);
    const created = await runCli(['log', 'add', 'hmrc', '--config', file, '--name', 'HMRC', '--origin', 'log.example.gov.uk/hmrc', '--operator', 'Example service']);
    expect(created.code).toBe(0);
    expect(readServiceConfig(file)).toMatchObject({ operator: { name: 'Example service' }, logs: [{ id: 'hmrc', origin: 'log.example.gov.uk/hmrc' }] });
  });
});

describe('log retire and log list', () => {
  test('retire marks the log read-only once; again changes nothing and says so', async () => {
    const file = serviceFile();
    const first = await runCli(['log', 'retire', 'dwp-2026', '--config', file]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/final checkpoint/);
    expect(readServiceConfig(file).logs[0]!.readOnly).toBe(true);
    const after = readFileSync(file, 'utf8');
    const again = await runCli(['log', 'retire', 'dwp-2026', '--config', file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/retired already: nothing changed/);
    expect(readFileSync(file, 'utf8')).toBe(after);
    const unknown = await runCli(['log', 'retire', 'nope', '--config', file]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no log nope; its logs are dwp-2026/);
  });

  test('list prints a table with a header, or JSON', async () => {
    const file = serviceFile(`${YAML}  - id: dwp-2020
    name: Department for Work and Pensions, 2020
    origin: log.example.gov.uk/dwp/2020
    alias: dwp
    interval: { start: 2020-01-01, end: 2021-01-01 }
  - id: hmrc
    name: HM Revenue and Customs
    origin: log.example.gov.uk/hmrc
`);
    const table = await runCli(['log', 'list', '--config', file]);
    expect(table.code).toBe(0);
    const [header, , ended, always] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+STATE\s+PERIOD\s+ALIAS\s+ORIGIN\s+NAME$/);
    expect(ended).toMatch(/^dwp-2020\s+ended\s+2020-01-01 to 2021-01-01\s+dwp\s+log\.example\.gov\.uk\/dwp\/2020\s+Department for Work and Pensions, 2020$/);
    expect(always).toMatch(/^hmrc\s+active\s+always\s+log\.example\.gov\.uk\/hmrc\s+HM Revenue and Customs$/);
    const json = await runCli(['log', 'list', '--config', file, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject([{ id: 'dwp-2026', interval: { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' } }, { id: 'dwp-2020' }, { id: 'hmrc' }]);
  });
});
