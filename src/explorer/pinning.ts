/**
 * The pinned log key (the explorer contract, "Every page"): the page says which key the log
 * has (`<meta name="sightline-log-key">`); the browser keeps the first one it saw in this
 * site's localStorage (`sightline-pin:<log path>`) and from then on verifies with THAT key.
 * When a later page shows another key or another log name, every page warns
 * (`#key-warning`, role="alert") and keeps verifying with the pinned one, so a server that
 * swaps its key fails every check instead of passing them, until the user chooses to trust
 * the new key.
 *
 * The decision (`decidePin`, `resolvePin`) is pure given a storage; `pageContext` reads the
 * page and shows the warning.
 */
import { type LogCopy, type SightlineClient, copyUrl, createClient } from '../client/index.js';
import { type NoteVerifier, parseNoteVerifier } from '../note/index.js';
import { LogError } from '../errors.js';
import { type DomElement, type StorageLike, byId, h, mainElement, meta, metas, pageLocation, storage, technicalDetails } from './dom.js';

/**
 * Where the pin is kept. localStorage is already separate per web origin (scheme, host and
 * port), so the pin belongs to the site the user visits, never to whatever name its pages
 * declare: a server cannot escape its pin by showing a new key under a new log name. Within
 * a site it is kept per log, by the log's path (its base path: its pages and API are under
 * it, `/` for a log at the site's root, `/logs/dwp-2026/` for one of a service's logs), so
 * two logs of one site never look like one log whose key changed.
 */
export const PIN_PREFIX = 'sightline-pin:';

/** The path of the log on this site whose pin the pages use. */
export const ROOT_LOG_PATH = '/';

export function pinStorageKey(logPath: string = ROOT_LOG_PATH): string {
  return `${PIN_PREFIX}${logPath}`;
}

/**
 * Earlier versions kept the pin under the log name the page declared. Such a pin is taken
 * over once, so that a key pinned before is still the one trusted — including when the page
 * now declares another name, which is then the alarm it should always have been.
 */
const LEGACY_PREFIX = 'sightline-pinned-key:';

export type PinState =
  /** Nothing was pinned: the page's key is pinned now. */
  | 'first'
  /** The page shows the pinned key. */
  | 'same'
  /** The page shows another key or another log name (or none): the pinned key is used, with a lasting warning. */
  | 'mismatch'
  /** Nothing was pinned and the browser cannot store: the page's key is used for this visit only. */
  | 'unstored';

export interface PinDecision {
  readonly state: PinState;
  /** The key to verify with, as text, and parsed. */
  readonly keyText: string;
  readonly verifier: NoteVerifier;
  /** The key the page shows (when it differs from the pinned one, for the warning). */
  readonly pageKey: string | undefined;
}

function parsed(text: string | null | undefined): NoteVerifier | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return parseNoteVerifier(text.trim());
  } catch {
    return undefined;
  }
}

/**
 * Which key to verify with, from what is stored and what the page shows. A key text names
 * the log and holds its key, so a change of either is a mismatch. Throws when there is no
 * usable key at all.
 */
export function decidePin(stored: string | null | undefined, pageKey: string | undefined): { state: 'first' | 'same' | 'mismatch'; keyText: string; verifier: NoteVerifier } {
  const pinned = parsed(stored);
  if (pinned !== undefined) {
    const keyText = stored!.trim();
    return { state: pageKey !== undefined && pageKey.trim() === keyText ? 'same' : 'mismatch', keyText, verifier: pinned };
  }
  const fromPage = parsed(pageKey);
  if (fromPage === undefined) {
    throw new LogError('MALFORMED_KEY', 'the page gives no valid log key (meta sightline-log-key) and none is pinned', { field: 'sightline-log-key' });
  }
  return { state: 'first', keyText: pageKey!.trim(), verifier: fromPage };
}

/**
 * A pin kept by an earlier version: the one for `origin` if there is one, else, for the log
 * at the site's root (the only log a site had then), any.
 */
function legacyPin(store: StorageLike, origin: string, logPath: string): string | null {
  const own = store.getItem(`${LEGACY_PREFIX}${origin}`);
  if (parsed(own) !== undefined) return own;
  if (logPath !== ROOT_LOG_PATH) return null;
  for (let i = 0; i < store.length; i++) {
    const k = store.key(i);
    if (k !== null && k.startsWith(LEGACY_PREFIX)) {
      const value = store.getItem(k);
      if (parsed(value) !== undefined) return value;
    }
  }
  return null;
}

/**
 * Decides, and pins the page's key on a first visit. `origin` is the log name the page
 * declares; it only picks among pins an earlier version kept.
 */
export function resolvePin(store: StorageLike | undefined, origin: string, pageKey: string | undefined, logPath: string = ROOT_LOG_PATH): PinDecision {
  const name = pinStorageKey(logPath);
  let stored: string | null = null;
  try {
    stored = store?.getItem(name) ?? null;
    if (parsed(stored) === undefined && store !== undefined) {
      stored = legacyPin(store, origin, logPath);
      if (stored !== null) store.setItem(name, stored.trim());
    }
  } catch {
    stored = null;
  }
  const d = decidePin(stored, pageKey);
  let state: PinState = d.state;
  if (d.state === 'first') {
    try {
      if (store === undefined) throw new Error('no storage');
      store.setItem(name, d.keyText);
    } catch {
      state = 'unstored';
    }
  }
  return { state, keyText: d.keyText, verifier: d.verifier, pageKey };
}

/** Replaces the pinned key: the user checked the new key with the operator. Until then every visit warns. */
export function repin(store: StorageLike | undefined, key: string, logPath: string = ROOT_LOG_PATH): boolean {
  if (parsed(key) === undefined || store === undefined) return false;
  try {
    store.setItem(pinStorageKey(logPath), key.trim());
    return true;
  } catch {
    return false;
  }
}

/** A base path: `/`, or plain segments between slashes (no empty, `.` or `..` one), as the server's basePathOf makes it. */
const BASE_PATH = /^\/(?:[A-Za-z0-9._~-]+\/)*$/;

/**
 * The log's base path on its site: what the page declares (`<meta name="sightline-base">`,
 * `/` when it declares none), if it is a base path that holds the page itself. A page can
 * thus only name a path it is under, never another log's beside it.
 */
export function pageBasePath(declared: string | undefined, pathname: string): string {
  const base = declared === undefined || declared === '' ? ROOT_LOG_PATH : declared;
  const plain = BASE_PATH.test(base) && !base.split('/').some((s) => s === '.' || s === '..');
  if (!plain || !pathname.startsWith(base)) {
    throw new LogError('MALFORMED_REQUEST', `the page gives ${JSON.stringify(base)} as its log's path, which is not a path this page is under`, { field: 'sightline-base' });
  }
  return base;
}

export interface PageContext {
  /** The log's origin (the checkpoint origin line). */
  readonly origin: string;
  /** The log's path on this site (`/`, `/logs/dwp-2026/`): its pages and API are under it. */
  readonly basePath: string;
  /** Where the API is: this page's own web origin and the log's base path, without its trailing slash. */
  readonly baseUrl: string;
  /** The key every check uses: the pinned one. */
  readonly logKey: string;
  readonly verifier: NoteVerifier;
  readonly pin: PinDecision;
  /**
   * The log's mirrors, as the page names them (`<meta name="sightline-mirror">`, the mirrors
   * the log keeps copies in): tiles and bundles are read from them first, and the checkpoint
   * when the log cannot be read. Whatever they serve is checked against the pinned key.
   */
  readonly copies: readonly LogCopy[];
}

/** The copies of the log at `origin` that mirrors at these base URLs hold; anything but an http(s) URL is left out. */
export function pageCopies(mirrors: readonly string[], origin: string): LogCopy[] {
  return mirrors.filter((url) => /^https?:\/\/[^\s]+$/i.test(url)).map((url) => ({ url: copyUrl(url, origin) }));
}

/** A client of the page's log, reading from its copies too. */
export function pageClient(ctx: Pick<PageContext, 'baseUrl' | 'copies'>): SightlineClient {
  return createClient({ url: ctx.baseUrl, copies: ctx.copies });
}

function warningElement(): DomElement {
  let el = byId('key-warning');
  if (el === null) {
    el = h('div', { id: 'key-warning', class: 'warning' });
    mainElement().prepend(el);
  }
  el.setAttribute('role', 'alert');
  el.hidden = false;
  el.removeAttribute('hidden');
  return el;
}

function showMismatch(ctx: { origin: string; basePath: string; pin: PinDecision }): void {
  const el = warningElement();
  el.setAttribute('data-kind', 'key-changed');
  const button = h('button', { type: 'button', class: 'repin' }, 'I have checked with the operator: use the new key from now on');
  button.addEventListener('click', () => {
    if (ctx.pin.pageKey !== undefined && repin(storage(), ctx.pin.pageKey, ctx.basePath)) pageLocation().reload();
  });
  el.replaceChildren(
    h('h2', {}, 'Warning: the log’s key has changed'),
    h(
      'p',
      {},
      'This page shows a different log key, or a different log name, from the one your browser saw on your first visit to this site. Your browser keeps checking with the key it saw first, so checks below may fail, and this warning stays on every page until you choose to trust the new key.',
    ),
    h(
      'p',
      {},
      'This can happen if the operator has changed its key, and then it will have said so on its own website and in its notices. It can also mean someone is pretending to be the log. Do not rely on this site until you have checked the key with the operator.',
    ),
    technicalDetails(
      'Technical details',
      [
        ['Key your browser pinned (used for every check)', ctx.pin.keyText],
        ['Key this page shows', ctx.pin.pageKey ?? '(none)'],
      ],
      ctx.pin.pageKey !== undefined && parsed(ctx.pin.pageKey) !== undefined ? button : null,
    ),
  );
}

/** Reads the page's log origin and key, resolves the pinned key and shows the warning when needed. Throws when there is no usable key. */
export function pageContext(): PageContext {
  const pageKey = meta('sightline-log-key');
  let origin = meta('sightline-origin');
  if (origin === undefined || origin.length === 0) origin = parsed(pageKey)?.name ?? '';
  const location = pageLocation();
  const basePath = pageBasePath(meta('sightline-base'), location.pathname);
  const pin = resolvePin(storage(), origin, pageKey, basePath);
  const ctx: PageContext = {
    origin,
    basePath,
    baseUrl: location.origin + basePath.slice(0, -1),
    logKey: pin.keyText,
    verifier: pin.verifier,
    pin,
    copies: pageCopies(metas('sightline-mirror'), origin),
  };
  if (pin.state === 'mismatch') showMismatch(ctx);
  return ctx;
}
