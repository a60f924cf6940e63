/**
 * The server's subject-tag year keys (src/cli/tag-keys.ts): creation, strict parsing,
 * never replacing a year's key, the on-demand window, the unmanaged file, and one write
 * for concurrent requests of one missing year.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { link, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { type TagKeyring, checkedTagKeyring, openTagKeyring } from '../../src/cli/tag-keys.js';
import { MemoryStore } from '../support/memory-store.js';
import { encodeHex } from '../../src/encoding/index.js';
import { LogError } from '../../src/errors.js';

// Pass-through spies: the keyring's writes are counted, not changed.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, rename: vi.fn(actual.rename), link: vi.fn(actual.link) };
});

const A = 'a1'.repeat(32);
const B = 'b2'.repeat(32);
const C = 'c3'.repeat(32);
const IN_2026 = () => new Date('2026-06-15T12:00:00Z');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sightline-tag-keys-'));
  vi.clearAllMocks();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const readKeys = (file: string): Record<string, string> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
const writes = (): number => vi.mocked(rename).mock.calls.length + vi.mocked(link).mock.calls.length;
const leftovers = (): string[] => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

async function rejected(p: Promise<unknown>): Promise<LogError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LogError);
    return e as LogError;
  }
  throw new Error('expected a LogError');
}

describe('a managed file (the data directory’s tag-keys.json)', () => {
  test('is created with mode 0600, its parent directory too, with keys for this year and the next', async () => {
    const file = join(dir, 'data', 'nested', 'tag-keys.json');
    const ring = await openTagKeyring(file, { managed: true, now: IN_2026 });
    expect(ring.years()).toEqual(['2026', '2027']);
    expect(statSync(file).mode.toString(8).slice(-3)).toBe('600');
    const onDisk = readKeys(file);
    expect(Object.keys(onDisk).sort()).toEqual(['2026', '2027']);
    for (const hex of Object.values(onDisk)) expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(onDisk['2026']).not.toBe(onDisk['2027']);
    expect(encodeHex(await ring.keyFor('2026'))).toBe(onDisk['2026']);
    expect(encodeHex(await ring.keyFor('2027'))).toBe(onDisk['2027']);
    expect(readdirSync(join(dir, 'data', 'nested'))).toEqual(['tag-keys.json']);
  });

  test('is read, not remade, when it exists', async () => {
    const file = join(dir, 'tag-keys.json');
    const first = await openTagKeyring(file, { managed: true, now: IN_2026 });
    const before = readFileSync(file, 'utf8');
    vi.clearAllMocks();
    const second = await openTagKeyring(file, { managed: true, now: IN_2026 });
    expect(writes()).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(await second.keyFor('2026')).toEqual(await first.keyFor('2026'));
  });

  test('two servers creating it at once end with one set of keys', async () => {
    const file = join(dir, 'tag-keys.json');
    const [one, two] = await Promise.all([openTagKeyring(file, { managed: true, now: IN_2026 }), openTagKeyring(file, { managed: true, now: IN_2026 })]);
    const onDisk = readKeys(file);
    expect(encodeHex(await one.keyFor('2026'))).toBe(onDisk['2026']);
    expect(encodeHex(await two.keyFor('2026'))).toBe(onDisk['2026']);
    expect(leftovers()).toEqual([]);
  });

  test('adds the previous and the next year on demand, and nothing outside that window', async () => {
    const file = join(dir, 'tag-keys.json');
    writeFileSync(file, JSON.stringify({ '2026': A }));
    const ring = await openTagKeyring(file, { managed: true, now: IN_2026 });
    expect(ring.years()).toEqual(['2026']);
    const k2025 = await ring.keyFor('2025');
    const k2027 = await ring.keyFor('2027');
    expect(ring.years()).toEqual(['2025', '2026', '2027']);
    expect(readKeys(file)).toEqual({ '2025': encodeHex(k2025), '2026': A, '2027': encodeHex(k2027) });
    expect(statSync(file).mode.toString(8).slice(-3)).toBe('600');
    const before = readFileSync(file, 'utf8');
    for (const year of ['2024', '2028', '1999', '3000', 'abcd', '26', '']) {
      const e = await rejected(ring.keyFor(year));
      expect(e.code).toBe('INVALID_EVENT');
      expect(e.field).toBe('event.hour');
      expect(e.message).toBe(`no subject-tag key for year ${year}`);
      expect(e.hint).toContain('2025 to 2027');
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(leftovers()).toEqual([]);
  });

  test('the window moves with the clock', async () => {
    const file = join(dir, 'tag-keys.json');
    writeFileSync(file, JSON.stringify({ '2026': A }));
    let now = new Date('2026-12-31T23:59:59Z');
    const ring = await openTagKeyring(file, { managed: true, now: () => now });
    expect((await rejected(ring.keyFor('2028'))).code).toBe('INVALID_EVENT');
    now = new Date('2027-01-01T00:00:00Z');
    expect(await ring.keyFor('2028')).toHaveLength(32);
  });

  test('a year outside the window is served when the file has it', async () => {
    const file = join(dir, 'tag-keys.json');
    writeFileSync(file, JSON.stringify({ '2020': B }));
    const ring = await openTagKeyring(file, { managed: true, now: IN_2026 });
    expect(encodeHex(await ring.keyFor('2020'))).toBe(B);
  });

  test('never replaces a key, nor loses one written meanwhile by someone else', async () => {
    const file = join(dir, 'tag-keys.json');
    writeFileSync(file, JSON.stringify({ '2026': A }));
    const ring = await openTagKeyring(file, { managed: true, now: IN_2026 });
    // Another process adds 2025 (in the window) and 2019 after this keyring read the file.
    writeFileSync(file, JSON.stringify({ '2019': C, '2025': B, '2026': A }));
    expect(encodeHex(await ring.keyFor('2025'))).toBe(B);
    const k2027 = encodeHex(await ring.keyFor('2027'));
    expect(readKeys(file)).toEqual({ '2019': C, '2025': B, '2026': A, '2027': k2027 });
    expect(encodeHex(await ring.keyFor('2026'))).toBe(A);
    expect(ring.years()).toEqual(['2019', '2025', '2026', '2027']);
  });

  test('puts back a key removed from the file while running, and refuses one changed', async () => {
    const file = join(dir, 'tag-keys.json');
    writeFileSync(file, JSON.stringify({ '2026': A }));
    const ring = await openTagKeyring(file, { managed: true, now: IN_2026 });
    writeFileSync(file, '{}');
    await ring.keyFor('2027');
    expect(readKeys(file)['2026']).toBe(A);

    writeFileSync(file, JSON.stringify({ ...readKeys(file), '2026': B }));
    const e = await rejected(ring.keyFor('2025'));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toContain(file);
    for (const hex of [A, B]) expect(`${e.message} ${e.hint}`).not.toContain(hex.slice(0, 16));
    expect(readKeys(file)['2026']).toBe(B); // left as found: nothing written
    expect(encodeHex(await ring.keyFor('2026'))).toBe(A);
  });

  test('concurrent requests of one missing year generate and write it once', async () => {
    const file = join(dir, 'tag-keys.json');
    writeFileSync(file, JSON.stringify({ '2026': A }));
    const ring = await openTagKeyring(file, { managed: true, now: IN_2026 });
    vi.clearAllMocks();
    const keys = await Promise.all(Array.from({ length: 20 }, () => ring.keyFor('2027')));
    expect(vi.mocked(rename)).toHaveBeenCalledTimes(1);
    expect(new Set(keys.map(encodeHex)).size).toBe(1);
    expect(readKeys(file)['2027']).toBe(encodeHex(keys[0]!));
  });

  test('concurrent requests of two missing years keep both', async () => {
    const file = join(dir, 'tag-keys.json');
    writeFileSync(file, JSON.stringify({ '2026': A }));
    const ring = await openTagKeyring(file, { managed: true, now: IN_2026 });
    const [k2025, k2027] = await Promise.all([ring.keyFor('2025'), ring.keyFor('2027'), ring.keyFor('2025'), ring.keyFor('2027')]);
    expect(readKeys(file)).toEqual({ '2025': encodeHex(k2025!), '2026': A, '2027': encodeHex(k2027!) });
    expect(vi.mocked(rename)).toHaveBeenCalledTimes(2);
    expect(leftovers()).toEqual([]);
  });

  test('hands out copies: changing a returned key changes nothing', async () => {
    const file = join(dir, 'tag-keys.json');
    writeFileSync(file, JSON.stringify({ '2026': A }));
    const ring = await openTagKeyring(file, { managed: true, now: IN_2026 });
    (await ring.keyFor('2026')).fill(0);
    expect(encodeHex(await ring.keyFor('2026'))).toBe(A);
  });
});

describe('an unmanaged file (--tag-key-file)', () => {
  test('must exist', async () => {
    const file = join(dir, 'missing.json');
    const e = await rejected(openTagKeyring(file, { managed: false, now: IN_2026 }));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toContain(file);
    expect(e.hint).toBeTruthy();
    expect(readdirSync(dir)).toEqual([]);
  });

  test('serves its years and never writes, even for a year the server could make', async () => {
    const file = join(dir, 'keys.json');
    const text = JSON.stringify({ '2026': A, '2019': B }, null, 2);
    writeFileSync(file, text, { mode: 0o640 });
    const ring = await openTagKeyring(file, { managed: false, now: IN_2026 });
    expect(ring.years()).toEqual(['2019', '2026']);
    expect(encodeHex(await ring.keyFor('2026'))).toBe(A);
    expect(encodeHex(await ring.keyFor('2019'))).toBe(B);
    for (const year of ['2027', '2025', '2030']) {
      const e = await rejected(ring.keyFor(year));
      expect(e.code).toBe('INVALID_EVENT');
      expect(e.field).toBe('event.hour');
      expect(e.message).toBe(`no subject-tag key for year ${year}`);
      expect(e.hint).toContain(file);
    }
    expect(writes()).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(statSync(file).mode.toString(8).slice(-3)).toBe('640');
    expect(readdirSync(dir)).toEqual(['keys.json']);
  });
});

describe('strict parsing', () => {
  test.each([
    ['formatted', `{\n  "2026": "${A}",\n  "2027": "${B}"\n}\n`],
    ['compact', `{"2026":"${A}","2027":"${B}"}`],
    ['empty object', '{}'],
  ])('accepts %s', async (_, text) => {
    const file = join(dir, 'keys.json');
    writeFileSync(file, text);
    const ring = await openTagKeyring(file, { managed: false });
    expect(ring.years()).toEqual(Object.keys(JSON.parse(text) as object).sort());
  });

  test.each([
    ['not JSON', `{"2026": "${A}",}`],
    ['not JSON (truncated)', `{"2026": "${A}`],
    ['empty', ''],
    ['a byte-order mark', `\ufeff{"2026": "${A}"}`],
    ['an array', `["${A}"]`],
    ['null', 'null'],
    ['a string', `"${A}"`],
    ['upper-case hex', `{"2026": "${A.toUpperCase()}"}`],
    ['63 hex digits', `{"2026": "${A.slice(1)}"}`],
    ['65 hex digits', `{"2026": "${A}0"}`],
    ['a number for a key', '{"2026": 5}'],
    ['base64 for a key', `{"2026": "${Buffer.from(A, 'hex').toString('base64')}"}`],
    ['a two-digit year', `{"26": "${A}"}`],
    ['year 1999', `{"1999": "${A}"}`],
    ['year 3000', `{"3000": "${A}"}`],
    ['a padded year', `{" 2026": "${A}"}`],
    ['another member', `{"2026": "${A}", "comment": "${B}"}`],
    ['a nested object', `{"2026": {"key": "${A}"}}`],
    ['a year twice', `{"2026": "${A}", "2026": "${B}"}`],
    ['a year twice, once escaped', `{"2026": "${A}", "\\u0032026": "${B}"}`],
  ])('refuses %s, naming the file and not the key', async (_, text) => {
    const file = join(dir, 'keys.json');
    writeFileSync(file, text);
    for (const managed of [false, true]) {
      const e = await rejected(openTagKeyring(file, { managed, now: IN_2026 }));
      expect(e.code).toBe('UNAVAILABLE');
      expect(e.message).toContain(file);
      expect(e.hint).toBeTruthy();
      for (const hex of [A, B]) {
        expect(e.message.toLowerCase()).not.toContain(hex.slice(0, 16));
        expect(e.message).not.toContain(Buffer.from(hex, 'hex').toString('base64').slice(0, 12));
      }
    }
    // A managed file that is wrong is left for a person to repair, never replaced.
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(writes()).toBe(0);
  });

  test('refuses a file it cannot read, naming it', async () => {
    const e = await rejected(openTagKeyring(dir, { managed: true, now: IN_2026 }));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toContain(dir);
  });
});

describe('checked against the log (every server of one log holds the same year keys)', () => {
  const ring = (fill: number): TagKeyring => ({ keyFor: async () => new Uint8Array(32).fill(fill), years: () => ['2026'] });

  test('the first server fixes a year key; the same key passes, another is refused until the right one is given', async () => {
    const store = new MemoryStore();
    const first = checkedTagKeyring(ring(1), store);
    await first.checkAll();
    expect(await checkedTagKeyring(ring(1), store).keyFor('2026')).toEqual(new Uint8Array(32).fill(1));
    const other = checkedTagKeyring(ring(2), store);
    const error = await other.keyFor('2026').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogError);
    expect((error as LogError).code).toBe('UNAVAILABLE');
    expect((error as LogError).message).not.toContain('0202');
    await expect(other.checkAll()).rejects.toThrow(/not the one this log already uses/);
  });

  test('a year is checked once, then served from memory', async () => {
    const store = new MemoryStore();
    let claims = 0;
    const counting = { claimTagKeyCheck: (year: string, check: Uint8Array) => (claims++, store.claimTagKeyCheck(year, check)) };
    const keyring = checkedTagKeyring(ring(3), counting);
    await Promise.all([keyring.keyFor('2026'), keyring.keyFor('2026'), keyring.keyFor('2026')]);
    await keyring.keyFor('2026');
    expect(claims).toBe(1);
  });
});
