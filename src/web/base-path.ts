/**
 * Where a log is served on its site: its base path, `/` for a log at the site's root or
 * `/logs/dwp-2026/` for one of a service's many logs. Every URL a log's answers make for
 * itself (page links, form actions, the stylesheet and script, redirects, `Link` and
 * `Location` headers) is written under it, so that a log's pages and API work unchanged
 * under any prefix.
 *
 * Links are absolute paths under the base, not relative ones: the pages forbid `<base>`
 * (Content-Security-Policy `base-uri 'none'`), and a relative link would resolve differently
 * on `/check` and on `/entries/5`, and on an error page at any depth.
 */
import { LogError } from '../errors.js';

/**
 * A path segment of a base path: RFC 3986 unreserved characters only, so that the path is
 * the same written and percent-decoded, and no segment is `.` or `..` (RFC 3986 §5.2.4).
 */
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * `text` as a base path: `/`, or `/seg/…/seg/` (a missing leading or trailing slash is
 * added). Throws on anything else: an empty segment (`//`), a dot segment, a character
 * outside RFC 3986's unreserved set (a `%`, `?`, `#`, a space, a backslash).
 */
export function basePathOf(text: string): string {
  if (typeof text !== 'string') throw new LogError('MALFORMED_REQUEST', 'a base path is a string', { field: 'basePath' });
  if (text === '' || text === '/') return '/';
  const inner = text.replace(/^\//, '').replace(/\/$/, '');
  for (const segment of inner.split('/')) {
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw new LogError('MALFORMED_REQUEST', `the base path ${JSON.stringify(text)} is not a path of plain segments`, {
        field: 'basePath',
        hint: 'for example /logs/dwp-2026/: letters, digits, ".", "_", "~" and "-" between slashes, no empty, "." or ".." segment',
      });
    }
  }
  return `/${inner}/`;
}

/** The URL path of `path` (a path of the log, such as `/entries/5` or `/v1/log?x=1`) under `basePath`. */
export function under(basePath: string, path: string): string {
  return basePath + path.replace(/^\/+/, '');
}
