/**
 * The small part of the browser's DOM the explorer uses, typed here rather than through
 * TypeScript's "dom" library (the project compiles for Node, whose fetch types the DOM
 * library would replace everywhere), and helpers that build elements.
 *
 * Everything the explorer shows from the log is untrusted: text goes in with textContent or
 * as text nodes (`append(string)`), never as HTML. Nothing here touches the document when
 * it is imported, so pure modules that import it still run in Node.
 */

export interface DomElement {
  readonly tagName: string;
  readonly parentElement: DomElement | null;
  readonly nextSibling: unknown;
  readonly children: ArrayLike<DomElement>;
  readonly dataset: Record<string, string | undefined>;
  readonly classList: { add(...names: string[]): void; remove(...names: string[]): void; contains(name: string): boolean };
  id: string;
  hidden: boolean;
  textContent: string | null;
  className: string;
  tabIndex: number;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  removeAttribute(name: string): void;
  hasAttribute(name: string): boolean;
  append(...nodes: (DomElement | string)[]): void;
  prepend(...nodes: (DomElement | string)[]): void;
  replaceChildren(...nodes: (DomElement | string)[]): void;
  insertBefore(node: DomElement, before: unknown): DomElement;
  after(...nodes: (DomElement | string)[]): void;
  remove(): void;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  addEventListener(type: string, listener: (event: DomEvent) => void): void;
  focus(): void;
  click(): void;
}

export interface DomEvent {
  preventDefault(): void;
}

/** A file the user chose: the part of the File API used. */
export interface FileLike {
  readonly name: string;
  readonly size: number;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface InputElement extends DomElement {
  value: string;
  disabled: boolean;
  readonly files: ArrayLike<FileLike> | null;
  readonly form: DomElement | null;
}

export interface AnchorElement extends DomElement {
  href: string;
  download: string;
}

interface Doc {
  readonly body: DomElement | null;
  readonly readyState: string;
  getElementById(id: string): DomElement | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  createElement(tag: string): DomElement;
  addEventListener(type: string, listener: () => void): void;
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  readonly length: number;
  key(index: number): string | null;
}

interface BrowserGlobals {
  document?: Doc;
  location?: { readonly origin: string; readonly pathname: string; reload(): void };
  localStorage?: StorageLike;
  URL: { createObjectURL(blob: unknown): string; revokeObjectURL(url: string): void };
  Blob: new (parts: (string | Uint8Array)[], options: { type: string }) => unknown;
}

const browser = globalThis as unknown as BrowserGlobals;

export function doc(): Doc {
  if (browser.document === undefined) throw new Error('the explorer runs in a web page');
  return browser.document;
}

export function pageLocation(): { readonly origin: string; readonly pathname: string; reload(): void } {
  if (browser.location === undefined) throw new Error('the explorer runs in a web page');
  return browser.location;
}

/** The page's localStorage, or undefined when the browser refuses it (private modes, policies). */
export function storage(): StorageLike | undefined {
  try {
    const s = browser.localStorage;
    if (s === undefined || s === null) return undefined;
    return s;
  } catch {
    return undefined;
  }
}

export function byId(id: string): DomElement | null {
  return doc().getElementById(id);
}

export function inputById(id: string): InputElement | null {
  return byId(id) as InputElement | null;
}

export function meta(name: string): string | undefined {
  const el = doc().querySelector(`meta[name="${name}"]`);
  const content = el?.getAttribute('content');
  return content === null || content === undefined ? undefined : content.trim();
}

/** The content of every `<meta name>` of that name, in page order. */
export function metas(name: string): string[] {
  return Array.from(doc().querySelectorAll(`meta[name="${name}"]`), (el) => el.getAttribute('content')?.trim() ?? '').filter((c) => c.length > 0);
}

type Attrs = Record<string, string | undefined>;

/** An element with attributes and children; strings become text nodes (never HTML). */
export function h(tag: string, attrs: Attrs = {}, ...children: (DomElement | string | null | undefined)[]): DomElement {
  const el = doc().createElement(tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) el.setAttribute(name, value);
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

/** A link to an entry's page under the log's base path: the index is a number, so the URL is ours, never the log's text. */
export function entryLink(index: number, text: string, basePath: string): DomElement {
  if (!Number.isSafeInteger(index) || index < 0) return h('span', {}, text);
  return h('a', { href: `${basePath}entries/${index}` }, text);
}

/** A <details> with a summary and a definition list of label/value pairs (and optional further content). */
export function technicalDetails(summary: string, pairs: readonly (readonly [string, string])[], ...more: (DomElement | string | null | undefined)[]): DomElement {
  const dl = h('dl');
  for (const [k, v] of pairs) dl.append(h('dt', {}, k), h('dd', {}, v));
  return h('details', { class: 'technical' }, h('summary', {}, summary), pairs.length > 0 ? dl : null, ...more);
}

const INLINE = new Set(['SPAN', 'STRONG', 'EM', 'B', 'I', 'OUTPUT', 'CODE', 'SMALL']);

/**
 * Sets a status element: `data-status`, `aria-live="polite"` and its text (the same thing
 * in words), and puts the technical details in a <details> right after it (after its
 * paragraph, when the status is a phrase inside one), outside the live region so a screen
 * reader announces only the sentence.
 */
export function setStatus(el: DomElement, status: string, text: string, details?: DomElement): void {
  el.setAttribute('data-status', status);
  if (!el.hasAttribute('aria-live')) el.setAttribute('aria-live', 'polite');
  el.textContent = text;
  const id = `${el.id || 'status'}-details`;
  byId(id)?.remove();
  if (details === undefined) return;
  details.id = id;
  statusAnchor(el).after(details);
}

/** Where block content about a status goes after it: the status itself, or its paragraph when it is a phrase inside one. */
export function statusAnchor(el: DomElement): DomElement {
  const parent = el.parentElement;
  return INLINE.has(el.tagName) && parent !== null && parent.tagName === 'P' ? parent : el;
}

/** A status element by id; one is made (at the end of <main>) when the page lacks it. */
export function statusElement(id: string, tag = 'p'): DomElement {
  const found = byId(id);
  if (found !== null) return found;
  const el = h(tag, { id, 'aria-live': 'polite', 'data-status': 'pending' });
  mainElement().append(el);
  return el;
}

export function mainElement(): DomElement {
  return byId('main') ?? doc().querySelector('main') ?? doc().body!;
}

/** Offers text or bytes as a file download (a Blob behind an <a download>). */
export function download(fileName: string, data: string | Uint8Array, type = 'application/json'): void {
  const blob = new browser.Blob([data], { type });
  const url = browser.URL.createObjectURL(blob);
  const a = h('a', { href: url, download: fileName, hidden: '' });
  doc().body!.append(a);
  a.click();
  a.remove();
  setTimeout(() => browser.URL.revokeObjectURL(url), 60_000);
}

/** Runs when the document is parsed (module scripts usually run after that already). */
export function whenReady(run: () => void): void {
  if (doc().readyState === 'loading') doc().addEventListener('DOMContentLoaded', run);
  else run();
}
