/**
 * A service's configuration file is checked as a whole before anything is opened: every
 * mistake is found at once and named by log and field, and shards of one alias never
 * overlap, so an alias resolves to at most one log at any moment.
 */
import { describe, expect, test } from 'vitest';
import { currentShard, intervalHolds, successorOf, validateServiceConfig } from '../../../src/service/index.js';
import { ed25519Cosigner } from '../../../src/note/index.js';
import { expectLogError } from '../../support/errors.js';

const witnessKey = ed25519Cosigner('witness.example/w1', new Uint8Array(32).fill(3)).verifierKey;
const shard = (year: number, extra: Record<string, unknown> = {}) => ({
  id: `dwp-${year}`,
  name: `Department for Work and Pensions, ${year}`,
  origin: `log.example.gov.uk/dwp/${year}`,
  alias: 'dwp',
  interval: { start: `${year}-01-01`, end: `${year + 1}-01-01` },
  ...extra,
});
const good = {
  operator: { name: 'Example transparency service', contact: ['transparency@example.gov.uk'] },
  publicUrl: 'https://log.example.gov.uk/',
  logs: [
    shard(2026, { witnesses: [{ url: 'https://w1.example', key: witnessKey }], quota: { entriesPerSecond: 500, storageBytes: 10_000_000_000 } }),
    shard(2027),
    { id: 'hmrc', name: 'HM Revenue and Customs', origin: 'log.example.gov.uk/hmrc', databaseUrl: 'postgres://db2.example/hmrc', qpd: 1440, contact: 'hmrc@example.gov.uk' },
  ],
};

function problems(value: unknown): string[] {
  const message = expectLogError(() => validateServiceConfig(value, 'service.yaml'), 'MALFORMED_REQUEST').message;
  expect(message.startsWith('service.yaml: ')).toBe(true);
  const body = message.slice('service.yaml: '.length);
  return /^\d+ problems:\n/.test(body) ? body.split('\n').slice(1).map((l) => l.trim()) : [body];
}

describe('service configuration', () => {
  test('a good file: defaults filled, dates as UTC instants, the public URL without its trailing slash', () => {
    const config = validateServiceConfig(good);
    expect(config.publicUrl).toBe('https://log.example.gov.uk');
    const [dwp2026, dwp2027, hmrc] = config.logs;
    expect(dwp2026).toMatchObject({ id: 'dwp-2026', alias: 'dwp', witnessQuorum: 1, qpd: 86_400, contact: 'transparency@example.gov.uk', quota: { entriesPerSecond: 500 } });
    expect(dwp2026!.interval).toEqual({ start: new Date('2026-01-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
    expect(dwp2027).toMatchObject({ witnesses: [], witnessQuorum: 0, quota: {} });
    expect(hmrc).toMatchObject({ databaseUrl: 'postgres://db2.example/hmrc', qpd: 1440, contact: 'hmrc@example.gov.uk' });
    expect(hmrc).not.toHaveProperty('interval');
  });

  test('every problem at once, each naming the log and the field', () => {
    const bad = {
      operator: { name: 'x', contact: 'ops@example' },
      logs: [
        shard(2026, { interval: { start: '2026-01-01', end: '2025-01-01' } }),
        { ...shard(2027), origin: 'has space', qpd: 0, witnesses: [{ url: 'ftp://w', key: 'nonsense' }], witnessQuorum: 3, colour: 'blue' },
        { id: 'Bad_Id', name: '', origin: 'log.example.gov.uk/other' },
      ],
    };
    expect(problems(bad)).toEqual([
      'logs[0] (dwp-2026): interval.end: must be after start (the interval is start inclusive, end exclusive)',
      expect.stringMatching(/^logs\[1\] \(dwp-2027\): colour: is not a log setting/),
      'logs[1] (dwp-2027): origin: must be a valid key name (no spaces, no "+")',
      'logs[1] (dwp-2027): witnesses[0].url: must be an http(s) URL',
      expect.stringMatching(/^logs\[1\] \(dwp-2027\): witnesses\[0\]\.key: is not a witness cosignature verifier key/),
      'logs[1] (dwp-2027): witnessQuorum: is 3 but only 0 witnesses are listed',
      'logs[1] (dwp-2027): qpd: must be a whole number from 1 to 2147483647',
      expect.stringMatching(/^logs\[2\] \(Bad_Id\): id: must be lowercase/),
      'logs[2] (Bad_Id): name: must be one line of text',
    ]);
  });

  test('mirrors per log, as witnesses are: listed with their keys, the quorum all of them unless given', () => {
    const config = validateServiceConfig({ ...good, logs: [shard(2026, { mirrors: [{ url: 'https://m1.example', key: witnessKey }] }), shard(2027)] });
    expect(config.logs[0]).toMatchObject({ mirrors: [{ url: 'https://m1.example', verifierKey: witnessKey }], mirrorQuorum: 1 });
    expect(config.logs[1]).toMatchObject({ mirrors: [], mirrorQuorum: 0 });
    expect(problems({ ...good, logs: [shard(2026, { mirrors: [{ url: 'https://m1.example', key: 'nonsense' }], mirrorQuorum: 2 })] })).toEqual([
      expect.stringMatching(/^logs\[0\] \(dwp-2026\): mirrors\[0\]\.key: is not a mirror cosignature verifier key/),
      'logs[0] (dwp-2026): mirrorQuorum: is 2 but only 0 mirrors are listed',
    ]);
  });

  test('shards of one alias must not overlap, so an alias is never two logs at once', () => {
    const overlapping = { ...good, logs: [shard(2026), shard(2027, { interval: { start: '2026-12-31T23:00:00Z', end: '2028-01-01' } })] };
    expect(problems(overlapping)).toEqual(["logs[1] (dwp-2027): interval: overlaps dwp-2026's (shards of the alias \"dwp\" must not overlap)"]);
  });

  test('ids, aliases and origins are each one log’s; an id may not be a route name', () => {
    expect(problems({ ...good, logs: [shard(2026), { ...shard(2027), id: 'dwp-2026' }] })).toEqual(["logs[1] (dwp-2026): id: name \"dwp-2026\" is already logs[0] (dwp-2026): id's"]);
    expect(problems({ ...good, logs: [shard(2026), { ...shard(2027), origin: 'log.example.gov.uk/dwp/2026' }] })[0]).toMatch(/origin: origin "log.example.gov.uk\/dwp\/2026" is already/);
    expect(problems({ ...good, logs: [{ ...shard(2026), alias: 'hmrc' }, { id: 'hmrc', name: 'H', origin: 'o.example/h' }] })[0]).toMatch(/alias: "hmrc" is already a log's id/);
    expect(problems({ ...good, logs: [{ id: 'v1', name: 'x', origin: 'o.example/x' }] })[0]).toMatch(/^logs\[0\] \(v1\): id: .*not a route name/);
  });

  test('an alias needs intervals; dates that do not exist and local times are refused', () => {
    expect(problems({ ...good, logs: [{ ...shard(2026), interval: undefined }] })).toEqual([
      'logs[0] (dwp-2026): interval: a log with an alias needs an interval, so that the alias knows when it is current',
    ]);
    for (const start of ['2026-02-30', '2026-01-01T00:00:00+01:00', '2026-1-1', 20260101]) {
      expect(problems({ ...good, logs: [shard(2026, { interval: { start, end: '2027-01-01' } })] })[0]).toMatch(/interval\.start: must be a date/);
    }
  });

  test('control characters never reach names (they end up in log lines, pages and lists)', () => {
    expect(problems({ ...good, logs: [{ ...shard(2026), name: 'DWP\nqpd 1' }] })).toEqual(['logs[0] (dwp-2026): name: must be one line of text']);
  });

  test('not an object, no logs, unknown top-level settings', () => {
    expect(problems([])).toEqual(['the file: must be an object with "operator" and "logs"']);
    expect(problems({ operator: good.operator, logs: [] })).toEqual(['logs: must be a list of at least one log']);
    expect(problems({ ...good, log: [] })[0]).toMatch(/^log: is not a setting/);
  });
});

describe('shards', () => {
  const config = validateServiceConfig(good);
  test('an alias resolves to the shard whose interval holds: start inclusive, end exclusive', () => {
    expect(currentShard(config, 'dwp', new Date('2026-12-31T23:59:59.999Z'))?.id).toBe('dwp-2026');
    expect(currentShard(config, 'dwp', new Date('2027-01-01T00:00:00Z'))?.id).toBe('dwp-2027');
    expect(currentShard(config, 'dwp', new Date('2025-06-01T00:00:00Z'))).toBeUndefined();
    expect(currentShard(config, 'dwp', new Date('2028-01-01T00:00:00Z'))).toBeUndefined();
    expect(currentShard(config, 'nobody', new Date())).toBeUndefined();
  });
  test('a shard’s successor is the next of its alias; a log with no interval always holds', () => {
    expect(successorOf(config, config.logs[0]!)?.id).toBe('dwp-2027');
    expect(successorOf(config, config.logs[1]!)).toBeUndefined();
    expect(intervalHolds(undefined, new Date(0))).toBe(true);
  });
});
