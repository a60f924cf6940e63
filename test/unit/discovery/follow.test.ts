/**
 * Reading a list to follow its logs (src/discovery/follow.ts): the metadata a follower takes
 * from each document, checked against the list; the directory a log's origin becomes (never
 * a path); and what a fetched list changes for a follower that pinned keys on first sight.
 */
import { describe, expect, test } from 'vitest';
import {
  type ListedLog,
  type LogDescription,
  MAX_LOG_LIST_LOGS,
  logDirName,
  logKeyIds,
  logMetadata,
  logsOfTextList,
  formatLogList,
  parseLogMetadata,
  parseOperatorList,
  reconcileLogs,
} from '../../../src/discovery/index.js';
import { generateKey } from '../../../src/note/index.js';
import { expectLogError } from '../../support/errors.js';

const KEY = generateKey('dwp.example/2026').verifierKey;
const OTHER = generateKey('dwp.example/2026').verifierKey;
const LOG: LogDescription = {
  id: 'dwp-2026',
  name: 'DWP 2026',
  origin: 'dwp.example/2026',
  vkey: KEY,
  submissionUrl: 'https://logs.example/logs/dwp-2026/',
  monitoringUrl: 'https://logs.example/logs/dwp-2026/',
  state: 'active',
  stateSince: new Date('2026-01-01T00:00:00Z'),
  mmdSeconds: 1,
  recordSchemas: [],
};

describe('parseLogMetadata', () => {
  test('takes origin, key, monitoring URL, state, name and interval from a document logMetadata makes', () => {
    const doc = JSON.stringify(logMetadata(LOG));
    expect(parseLogMetadata(doc, 'https://logs.example/logs/dwp-2026/metadata.json', logKeyIds(KEY).logId)).toEqual({
      origin: 'dwp.example/2026',
      vkey: KEY,
      monitoringUrl: 'https://logs.example/logs/dwp-2026/',
      state: 'active',
      name: 'DWP 2026',
    });
    const interval = { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') };
    expect(parseLogMetadata(JSON.stringify(logMetadata({ ...LOG, interval })), 'https://logs.example/m.json').interval).toEqual(interval);
  });

  test('refuses an interval that is not two UTC instants, start first', () => {
    const url = 'https://logs.example/m.json';
    const doc = logMetadata(LOG);
    for (const temporal_interval of [{ start_inclusive: '2026-01-01', end_exclusive: '2027-01-01T00:00:00Z' }, { start_inclusive: '2027-01-01T00:00:00Z', end_exclusive: '2026-01-01T00:00:00Z' }, 'always']) {
      expectLogError(() => parseLogMetadata(JSON.stringify({ ...doc, temporal_interval }), url), 'MALFORMED_LOG_LIST');
    }
  });

  test('refuses a document of another key than the list names, a non-http URL, a bad origin', () => {
    const url = 'https://logs.example/m.json';
    expectLogError(() => parseLogMetadata(JSON.stringify(logMetadata(LOG)), url, logKeyIds(OTHER).logId), 'MALFORMED_LOG_LIST');
    expectLogError(() => parseLogMetadata(JSON.stringify(logMetadata({ ...LOG, monitoringUrl: 'file:///etc/' })), url), 'MALFORMED_LOG_LIST');
    expectLogError(() => parseLogMetadata(JSON.stringify({ ...logMetadata(LOG), origin: 'a\nb' }), url), 'MALFORMED_LOG_LIST');
    expectLogError(() => parseLogMetadata(JSON.stringify({ ...logMetadata(LOG), log_spec: 'rfc6962' }), url), 'MALFORMED_LOG_LIST');
  });
});

describe('parseOperatorList', () => {
  test('resolves metadata URLs against the list, refuses one named twice and more logs than the bound', () => {
    const entry = { friendly_name: 'a', log_id: 'x', metadata_url: '/logs/a/metadata.json' };
    expect(parseOperatorList(JSON.stringify({ operator_name: 'o', logs: [entry] }), 'https://h.example/logs.json').logs).toEqual([
      { logId: 'x', metadataUrl: 'https://h.example/logs/a/metadata.json' },
    ]);
    expectLogError(() => parseOperatorList(JSON.stringify({ operator_name: 'o', logs: [entry, entry] }), 'https://h.example/'), 'MALFORMED_LOG_LIST');
    const many = Array.from({ length: MAX_LOG_LIST_LOGS + 1 }, (_, i) => ({ ...entry, metadata_url: `/m/${i}` }));
    expectLogError(() => parseOperatorList(JSON.stringify({ operator_name: 'o', logs: many }), 'https://h.example/'), 'MALFORMED_LOG_LIST');
  });
});

describe('logsOfTextList', () => {
  test('makes each URL from --log-url-template, the origin percent-encoded but for its slashes', () => {
    const text = formatLogList([{ vkey: KEY, origin: 'dwp.example/2026 x', qpd: 1, contact: 'c' }]);
    expect(logsOfTextList(text, 'https://h.example/logs/{origin}/')[0]!.monitoringUrl).toBe('https://h.example/logs/dwp.example/2026%20x/');
    expect(logsOfTextList(text)[0]!.monitoringUrl).toBeUndefined();
  });
});

describe('logDirName', () => {
  test.each(['..', '.', '../../etc', '/abs/path', 'a/../../b', '..\\..\\win', '', 'dwp.example/2026'])('%j is one safe path component', (origin) => {
    const name = logDirName(origin);
    expect(name).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9._-]*-[0-9a-f]{32}$|^-[0-9a-f]{32}$/);
    expect(name).not.toMatch(/[/\\]/);
  });

  test('two origins that read alike have different directories', () => {
    expect(logDirName('a/b')).not.toBe(logDirName('a_b'));
  });
});

describe('reconcileLogs', () => {
  const log = (origin: string, vkey: string): ListedLog => ({ origin, vkey, state: 'active' });
  test('new origins are added, known ones with their pinned key kept, another key for a known origin reported', () => {
    const pinned = new Map([['known', KEY], ['swapped', KEY]]);
    const result = reconcileLogs(pinned, [log('known', KEY), log('swapped', OTHER), log('new', OTHER)]);
    expect(result.added.map((l) => l.origin)).toEqual(['new']);
    expect(result.known.map((l) => l.origin)).toEqual(['known']);
    expect(result.keyChanged).toEqual([{ log: log('swapped', OTHER), pinnedKey: KEY }]);
  });
});
