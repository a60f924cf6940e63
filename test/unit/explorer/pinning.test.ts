/**
 * The pinned log key: pinned on the first visit; on a later visit with another key (or
 * none), the PINNED key is used and the page warns; a browser that cannot store uses the
 * page's key for the visit only; a first visit where other logs were pinned says so.
 */
import { describe, expect, test } from 'vitest';
import { decidePin, pinnedKeyStorageKey, repin, resolvePin } from '../../../src/explorer/pinning.js';
import { isLogError } from '../../../src/errors.js';
import type { StorageLike } from '../../../src/explorer/dom.js';
import { ORIGIN, log, otherLog } from '../../support/explorer-log.js';

function memoryStorage(initial: Record<string, string> = {}): StorageLike & { map: Map<string, string> } {
  const map = new Map(Object.entries(initial));
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
    get length() {
      return map.size;
    },
    key: (i) => [...map.keys()][i] ?? null,
  };
}

const KEY = pinnedKeyStorageKey(ORIGIN);

describe('pinning', () => {
  test('the storage key is per log origin', () => {
    expect(KEY).toBe(`sightline-pinned-key:${ORIGIN}`);
  });

  test('first visit pins the page’s key; the next visit with the same key is quiet', () => {
    const store = memoryStorage();
    const first = resolvePin(store, ORIGIN, log.verifierKey);
    expect(first).toMatchObject({ state: 'first', keyText: log.verifierKey, otherLogs: [] });
    expect(first.verifier.name).toBe(ORIGIN);
    expect(store.map.get(KEY)).toBe(log.verifierKey);
    expect(resolvePin(store, ORIGIN, ` ${log.verifierKey}\n`).state).toBe('same');
  });

  test('a different key on the page: the pinned key is used, and the page key is reported', () => {
    const store = memoryStorage({ [KEY]: log.verifierKey });
    const d = resolvePin(store, ORIGIN, otherLog.verifierKey);
    expect(d).toMatchObject({ state: 'mismatch', keyText: log.verifierKey, pageKey: otherLog.verifierKey });
    expect(d.verifier.keyId).not.toBe(undefined);
    expect(store.map.get(KEY)).toBe(log.verifierKey); // not replaced
    expect(resolvePin(store, ORIGIN, undefined).state).toBe('mismatch');
    expect(resolvePin(store, ORIGIN, 'garbage').keyText).toBe(log.verifierKey);
    // The user checked the new key with the operator.
    expect(repin(store, ORIGIN, otherLog.verifierKey)).toBe(true);
    expect(resolvePin(store, ORIGIN, otherLog.verifierKey).state).toBe('same');
    expect(repin(store, ORIGIN, 'not a key')).toBe(false);
  });

  test('no storage: the page’s key for this visit; no key at all: refused', () => {
    expect(resolvePin(undefined, ORIGIN, log.verifierKey)).toMatchObject({ state: 'unstored', keyText: log.verifierKey });
    const refusing: StorageLike = { ...memoryStorage(), setItem: () => { throw new Error('quota'); } };
    expect(resolvePin(refusing, ORIGIN, log.verifierKey).state).toBe('unstored');
    let error: unknown;
    try {
      decidePin(null, undefined);
    } catch (e) {
      error = e;
    }
    expect(isLogError(error, 'MALFORMED_KEY')).toBe(true);
    expect(() => decidePin('corrupt', 'also corrupt')).toThrow();
    // A corrupt stored value gives way to the page's key.
    expect(decidePin('corrupt', log.verifierKey).state).toBe('first');
  });

  test('a first visit names the other logs pinned in this browser for this site', () => {
    const store = memoryStorage({ 'sightline-pinned-key:old.example/log': otherLog.verifierKey, unrelated: 'x' });
    expect(resolvePin(store, ORIGIN, log.verifierKey).otherLogs).toEqual(['old.example/log']);
  });
});
