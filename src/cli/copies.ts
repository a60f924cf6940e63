/**
 * The flags that name a log's copies for reading (`--mirror`, `--mirror-key`, `--copy`), shared
 * by `lookup` and `monitor`: a mirror's monitoring prefix (c2sp.org/tlog-mirror; the origin's
 * hash is appended unless the URL ends with one), the mirror key its checkpoint must be
 * cosigned with (one per --mirror, in order, or none), and static copies (a `sightline export`
 * served by any web server or CDN), whose URL is taken as it is.
 */
import { type LogCopy, copyUrl } from '../client/index.js';
import { parseCosignatureVerifier } from '../note/index.js';
import type { Flag, ParsedFlags } from './flags.js';
import { UsageError } from './flags.js';
import { KEY_FORMS, keyTextOrFileSync } from './key-text.js';

export const COPY_FLAGS: readonly Flag[] = [
  {
    name: 'mirror',
    value: 'URL',
    multiple: true,
    help: "read from this mirror too (its monitoring prefix; the log's origin hash is appended): tiles and bundles from it first, the checkpoint from it when the log cannot be read",
  },
  { name: 'mirror-key', value: 'VKEY', multiple: true, help: "the cosignature/v1 key of the --mirror of the same position: that mirror's checkpoint is taken only with its cosignature" },
  { name: 'copy', value: 'URL', multiple: true, help: 'read from this static copy too (a sightline export served by a web server, object store or CDN): its tlog-tiles URL' },
];

const isUrl = (url: string) => /^https?:\/\/[^\s]+$/i.test(url);

/**
 * The copies the flags name, checked now (a usage error before anything is read or written);
 * their URLs are made for the log's origin once it is known (a mirror serves it under its hash).
 */
export function copiesFromFlags(flags: ParsedFlags): (origin: string) => LogCopy[] {
  const mirrors = flags.strings('mirror');
  const keys = flags.strings('mirror-key');
  if (keys.length > 0 && keys.length !== mirrors.length) {
    throw new UsageError(`give a --mirror-key for each --mirror, or none: ${mirrors.length} --mirror and ${keys.length} --mirror-key given`, { field: 'mirror-key' });
  }
  const mirrorCopies = mirrors.map((url, i) => {
    if (!isUrl(url)) throw new UsageError(`--mirror ${JSON.stringify(url)} must be an http:// or https:// URL`, { field: 'mirror' });
    if (keys[i] === undefined) return { url };
    const text = keyTextOrFileSync(keys[i]!, 'mirror-key', KEY_FORMS.verifier);
    try {
      return { url, mirror: parseCosignatureVerifier(text) };
    } catch (e) {
      throw new UsageError(`--mirror-key is not a cosignature/v1 verifier key: ${(e as Error).message}`, { field: 'mirror-key' });
    }
  });
  const statics = flags.strings('copy');
  for (const url of statics) {
    if (!isUrl(url)) throw new UsageError(`--copy ${JSON.stringify(url)} must be an http:// or https:// URL`, { field: 'copy' });
  }
  return (origin) => [
    ...mirrorCopies.map((m) => ({ ...m, url: copyUrl(m.url, origin) })),
    ...statics.map((url) => ({ url: copyUrl(url, origin, { static: true }) })),
  ];
}
