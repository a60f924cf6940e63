/** `sightline serve` flags and environment variables, parsed strictly, with their defaults. */
import { expect, test } from 'vitest';
import { parseServeArgs } from '../../src/config.js';
import { LogError } from '../../src/errors.js';

test('defaults: port 8080, tile cache 256 MiB, no access log', () => {
  expect(parseServeArgs([], {})).toMatchObject({ port: 8080, tileCacheMiB: 256, accessLog: false, maxBatch: 4096, databaseUrl: undefined });
});

test('flags and environment variables; a flag wins over the environment', () => {
  expect(parseServeArgs(['--tile-cache-mb', '1024', '--access-log'], {})).toMatchObject({ tileCacheMiB: 1024, accessLog: true });
  expect(parseServeArgs([], { SIGHTLINE_TILE_CACHE_MB: '64', SIGHTLINE_ACCESS_LOG: 'true' })).toMatchObject({ tileCacheMiB: 64, accessLog: true });
  expect(parseServeArgs(['--tile-cache-mb', '32'], { SIGHTLINE_TILE_CACHE_MB: '64', SIGHTLINE_ACCESS_LOG: '0' })).toMatchObject({ tileCacheMiB: 32, accessLog: false });
  expect(parseServeArgs(['--help'], {})).toBe('help');
});

test.each([
  [['--tile-cache-mb=-1'], {}, 'tile-cache-mb'],
  [['--tile-cache-mb', '1e3'], {}, 'tile-cache-mb'],
  [[], { SIGHTLINE_ACCESS_LOG: 'yes' }, 'SIGHTLINE_ACCESS_LOG'],
  [['--port', '65536'], {}, 'port'],
])('%j %j is refused, naming %s', (args, env, field) => {
  let error: unknown;
  try {
    parseServeArgs(args, env);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(LogError);
  expect(error).toMatchObject({ code: 'MALFORMED_REQUEST', field });
});
