/**
 * The HTTP side of the client: one `fetch` (passed in, or the global one), the JSON API's
 * answers checked and decoded, and `application/problem+json` answers turned into
 * `ProblemError`s (a `LogError` with the server's code, field, hint and HTTP status).
 *
 * Trust boundary: every answer is untrusted. This module checks only the shape of what it
 * decodes; whether it is true (proofs, signatures, commitments) is checked by the callers
 * against a pinned log key (verify.ts, lookup.ts).
 *
 * Pure: no `node:` import, no Buffer; runs in Node 20 and browsers.
 */
import { decodeBase64 } from '../encoding/index.js';
import { LogError, type LogErrorCode } from '../errors.js';
import { HASH_SIZE, type Hash } from '../merkle/index.js';

/** The part of WHATWG `fetch` the client uses: `globalThis.fetch`, undici's, or `app.request` of a Hono app. */
export type FetchLike = (input: string, init?: RequestInit) => Response | Promise<Response>;

/** A problem answer (RFC 9457) from the server, as a `LogError` carrying the HTTP status. */
export class ProblemError extends LogError {
  readonly status: number;
  /** The problem document as the server sent it (its `code`, `field`, `hint`, `erasedBy`, …). */
  readonly problem: Readonly<Record<string, unknown>>;

  constructor(status: number, problem: Readonly<Record<string, unknown>>, fallback: string) {
    const code = typeof problem.code === 'string' && /^[A-Z_]{1,40}$/.test(problem.code) ? (problem.code as LogErrorCode) : codeForStatus(status);
    const detail = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : fallback;
    const extensions: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(problem)) {
      if (STANDARD_MEMBERS.has(name)) continue;
      if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) extensions[name] = value;
    }
    super(code, detail, {
      ...(typeof problem.field === 'string' ? { field: problem.field } : {}),
      ...(typeof problem.hint === 'string' ? { hint: problem.hint } : {}),
      extensions,
    });
    this.name = 'ProblemError';
    this.status = status;
    this.problem = problem;
  }
}

const STANDARD_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance', 'code', 'field', 'hint']);

function codeForStatus(status: number): LogErrorCode {
  switch (status) {
    case 400:
      return 'MALFORMED_REQUEST';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'SEQUENCE_CONFLICT';
    case 410:
      return 'ERASED';
    case 413:
      return 'ENTRY_TOO_LARGE';
    case 422:
      return 'INVALID_EVENT';
    case 503:
      return 'UNAVAILABLE';
    default:
      return 'INTERNAL';
  }
}

/** The server's answer is not what the API promises: a broken or hostile server. */
export function badAnswer(what: string, why: string): LogError {
  return new LogError('INTERNAL', `the server's answer to ${what} ${why}`, { hint: 'the server is not a Sightline log, or it is misbehaving' });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isIndexValue(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Canonical base64 of `size` bytes (any size when undefined), or a `badAnswer`. */
export function base64Member(value: unknown, what: string, member: string, size?: number): Uint8Array {
  const bytes = typeof value === 'string' ? decodeBase64(value) : undefined;
  if (bytes === undefined || (size !== undefined && bytes.length !== size)) {
    throw badAnswer(what, `has no ${member} as canonical base64${size === undefined ? '' : ` of ${size} bytes`}`);
  }
  return bytes;
}

export function hashList(value: unknown, what: string, member: string): Hash[] {
  if (!Array.isArray(value)) throw badAnswer(what, `has no ${member} list`);
  return value.map((h) => base64Member(h, what, member, HASH_SIZE));
}

/** A base URL without its trailing slashes, so paths join with one. */
export function baseUrl(url: string): string {
  if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/i.test(url)) {
    throw new LogError('MALFORMED_REQUEST', 'the log URL must be an http:// or https:// URL', { field: 'url', hint: 'for example http://127.0.0.1:8080' });
  }
  return url.replace(/\/+$/, '');
}

/** The global `fetch`, looked up when needed (a property access: the pure core names no Node-only global). */
export function globalFetch(): FetchLike {
  const f = (globalThis as { 'fetch'?: FetchLike }).fetch;
  if (typeof f !== 'function') {
    throw new LogError('UNAVAILABLE', 'no fetch: this runtime has no global fetch', { hint: 'pass one in the options (the fetch member)' });
  }
  return f.bind(globalThis);
}

/** Sends requests to one log and turns non-2xx answers into `ProblemError`s. */
export class Transport {
  constructor(
    readonly url: string,
    private readonly send: FetchLike,
  ) {}

  async request(method: string, path: string, init: { headers?: Record<string, string>; body?: Uint8Array | string } = {}): Promise<Response> {
    const what = `${method} ${path}`;
    let res: Response;
    try {
      res = await this.send(this.url + path, {
        method,
        headers: init.headers ?? {},
        ...(init.body === undefined ? {} : { body: init.body as NonNullable<RequestInit['body']> }),
      });
    } catch (e) {
      throw new LogError('UNAVAILABLE', `couldn't reach ${this.url} (${what}): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (res.status >= 200 && res.status < 300) return res;
    let problem: Record<string, unknown> = {};
    try {
      const text = await res.text();
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) problem = parsed;
    } catch {
      // Not a problem document: the status alone says what went wrong.
    }
    throw new ProblemError(res.status, problem, `${what} answered HTTP ${res.status}`);
  }

  async json(method: string, path: string, init?: { headers?: Record<string, string>; body?: Uint8Array | string }): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await this.request(method, path, init);
    let body: unknown;
    try {
      body = JSON.parse(await res.text());
    } catch {
      throw badAnswer(`${method} ${path}`, 'is not JSON');
    }
    if (!isObject(body)) throw badAnswer(`${method} ${path}`, 'is not a JSON object');
    return { status: res.status, body };
  }

  async text(path: string): Promise<string> {
    return (await this.request('GET', path)).text();
  }

  /** GET `path` as bytes; undefined when the server answers 404 (a tile it does not serve). */
  async bytes(path: string): Promise<Uint8Array | undefined> {
    let res: Response;
    try {
      res = await this.request('GET', path);
    } catch (e) {
      if (e instanceof ProblemError && e.status === 404) return undefined;
      throw e;
    }
    return new Uint8Array(await res.arrayBuffer());
  }
}

/** A decimal path or query value, checked so that no caller can smuggle path syntax into a URL. */
export function indexText(value: number, name: string): string {
  if (!isIndexValue(value)) throw new LogError('MALFORMED_REQUEST', `${name} must be an integer in [0, 2^53)`, { field: name });
  return String(value);
}
