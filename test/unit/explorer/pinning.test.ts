/**
 * The pinned log key: pinned per site (and log path) on the first visit; on a later visit
 * with another key or another log name (or none), the PINNED key is used and every page
 * warns until the user trusts the new key; a browser that cannot store uses the page's key
 * for the visit only; a pin kept by an earlier version under the log name is taken over.
 */
import { describe, expect, test } from 'vitest';
import { decidePin, pageBasePath, pinStorageKey, repin, resolvePin } from '../../../src/explorer/pinning.js';
import { ed25519Signer } from '../../../src/note/index.js';
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

const KEY = pinStorageKey();

describe('pinning', () => {
  test('the pin belongs to the site (its storage) and the log path, never to the name a page declares', () => {
    expect(KEY).toBe('sightline-pin:/');
    expect(pinStorageKey('/logs/dwp-2026/')).toBe('sightline-pin:/logs/dwp-2026/');
  });

  test('the attack: a server showing a new key under a new log name gets a lasting alarm, not a fresh pin', () => {
    const store = memoryStorage();
    expect(resolvePin(store, ORIGIN, log.verifierKey).state).toBe('first');
    const impostor = ed25519Signer('impostor.example/log', new Uint8Array(32).fill(99));
    for (let visit = 0; visit < 3; visit++) {
      const d = resolvePin(store, impostor.name, impostor.verifierKey);
      expect(d).toMatchObject({ state: 'mismatch', keyText: log.verifierKey, pageKey: impostor.verifierKey });
    }
    // The same key bytes under another name are another log too.
    const renamed = ed25519Signer('renamed.example/log', new Uint8Array(32).fill(7));
    expect(resolvePin(store, renamed.name, renamed.verifierKey).state).toBe('mismatch');
    expect(store.map.get(KEY)).toBe(log.verifierKey);
    // Only the user's choice ends it.
    expect(repin(store, impostor.verifierKey)).toBe(true);
    expect(resolvePin(store, impostor.name, impostor.verifierKey).state).toBe('same');
  });

  test('a pin an earlier version kept under the log name is taken over, whatever name the page now declares', () => {
    const legacy = memoryStorage({ [`sightline-pinned-key:${ORIGIN}`]: log.verifierKey });
    expect(resolvePin(legacy, ORIGIN, log.verifierKey).state).toBe('same');
    expect(legacy.map.get(KEY)).toBe(log.verifierKey);
    const renamedSite = memoryStorage({ [`sightline-pinned-key:${ORIGIN}`]: log.verifierKey, unrelated: 'x' });
    expect(resolvePin(renamedSite, otherLog.name, otherLog.verifierKey)).toMatchObject({ state: 'mismatch', keyText: log.verifierKey });
  });

  test('first visit pins the page’s key; the next visit with the same key is quiet', () => {
    const store = memoryStorage();
    const first = resolvePin(store, ORIGIN, log.verifierKey);
    expect(first).toMatchObject({ state: 'first', keyText: log.verifierKey });
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
    expect(repin(store, otherLog.verifierKey)).toBe(true);
    expect(resolvePin(store, ORIGIN, otherLog.verifierKey).state).toBe('same');
    expect(repin(store, 'not a key')).toBe(false);
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
});

describe('two logs on one site, each under its own prefix', () => {
  const dwp = ed25519Signer('dwp.example/2026', new Uint8Array(32).fill(61));
  const hmrc = ed25519Signer('hmrc.example/2026', new Uint8Array(32).fill(62));

  test('each has its own pin: visiting one never looks like the other’s key changed', () => {
    const store = memoryStorage();
    expect(resolvePin(store, dwp.name, dwp.verifierKey, '/logs/dwp-2026/').state).toBe('first');
    expect(resolvePin(store, hmrc.name, hmrc.verifierKey, '/logs/hmrc-2026/').state).toBe('first');
    expect(resolvePin(store, ORIGIN, log.verifierKey).state).toBe('first'); // the log at the root
    for (let visit = 0; visit < 2; visit++) {
      expect(resolvePin(store, dwp.name, dwp.verifierKey, '/logs/dwp-2026/').state).toBe('same');
      expect(resolvePin(store, hmrc.name, hmrc.verifierKey, '/logs/hmrc-2026/').state).toBe('same');
      expect(resolvePin(store, ORIGIN, log.verifierKey).state).toBe('same');
    }
    // The attack still alarms, per log: another key under one prefix.
    expect(resolvePin(store, hmrc.name, hmrc.verifierKey, '/logs/dwp-2026/')).toMatchObject({ state: 'mismatch', keyText: dwp.verifierKey });
    // Trusting a new key for one log leaves the others' pins alone.
    expect(repin(store, hmrc.verifierKey, '/logs/dwp-2026/')).toBe(true);
    expect(store.map.get(pinStorageKey('/logs/hmrc-2026/'))).toBe(hmrc.verifierKey);
    expect(store.map.get(KEY)).toBe(log.verifierKey);
  });

  test('a pin an earlier version kept (when a site had one log) is not taken over by another log under a prefix', () => {
    const legacy = memoryStorage({ [`sightline-pinned-key:${ORIGIN}`]: log.verifierKey });
    expect(resolvePin(legacy, dwp.name, dwp.verifierKey, '/logs/dwp-2026/').state).toBe('first');
    expect(resolvePin(legacy, ORIGIN, log.verifierKey).state).toBe('same');
  });

  test('the page’s declared base path counts only if the page is under it', () => {
    expect(pageBasePath(undefined, '/entries/5')).toBe('/');
    expect(pageBasePath('/', '/logs/dwp-2026/entries/5')).toBe('/');
    expect(pageBasePath('/logs/dwp-2026/', '/logs/dwp-2026/entries/5')).toBe('/logs/dwp-2026/');
    expect(pageBasePath('/logs/dwp-2026/', '/logs/dwp-2026/')).toBe('/logs/dwp-2026/');
    for (const [declared, path] of [
      ['/logs/hmrc-2026/', '/logs/dwp-2026/entries/5'], // another log's pin
      ['/logs/dwp-2026/', '/logs/dwp-2026'],
      ['/logs/dwp-2026', '/logs/dwp-2026/check'], // not a base path: no trailing slash
      ['/logs/../', '/logs/../x'],
      ['/logs/./', '/logs/./x'],
      ['//', '//x'],
      ['/logs/dwp%2D2026/', '/logs/dwp%2D2026/x'],
      ['logs/', 'logs/x'],
    ] as const) {
      expect(() => pageBasePath(declared, path), `${declared} on ${path}`).toThrow(/not a path this page is under/);
    }
  });
});
