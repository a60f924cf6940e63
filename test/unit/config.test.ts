/** `sightline serve` flags and environment variables, parsed strictly, with their defaults. */
import { expect, test } from 'vitest';
import { SERVE_HELP, parseServeArgs } from '../../src/config.js';
import { LogError } from '../../src/errors.js';
import { ed25519Cosigner } from '../../src/note/index.js';

const W1 = ed25519Cosigner('w1.example', new Uint8Array(32).fill(1)).verifierKey;
const W2 = ed25519Cosigner('w2.example', new Uint8Array(32).fill(2)).verifierKey;

test('mirrors: "URL VKEY" flags or SIGHTLINE_MIRRORS; the quorum defaults to all of them', () => {
  expect(parseServeArgs([], {})).toMatchObject({ mirrors: [], mirrorQuorum: 0, mirrorWaitSeconds: 30 });
  expect(parseServeArgs(['--mirror', `https://m1.example/ ${W1}`, '--mirror', `https://m2.example ${W2}`], {})).toMatchObject({
    mirrors: [{ url: 'https://m1.example/', verifierKey: W1 }, { url: 'https://m2.example', verifierKey: W2 }],
    mirrorQuorum: 2,
  });
  expect(parseServeArgs(['--mirror-quorum', '1', '--mirror-wait', '60'], { SIGHTLINE_MIRRORS: `https://m1.example ${W1}; https://m2.example ${W2}` })).toMatchObject({ mirrorQuorum: 1, mirrorWaitSeconds: 60 });
});

test('witnesses: "URL VKEY" flags or SIGHTLINE_WITNESSES; the quorum defaults to all of them', () => {
  expect(parseServeArgs([], {})).toMatchObject({ witnesses: [], witnessQuorum: 0, witnessWaitSeconds: 10 });
  const two = parseServeArgs(['--witness', `https://w1.example/ ${W1}`, '--witness', `https://w2.example ${W2}`], {});
  expect(two).toMatchObject({ witnesses: [{ url: 'https://w1.example/', verifierKey: W1 }, { url: 'https://w2.example', verifierKey: W2 }], witnessQuorum: 2 });
  expect(parseServeArgs(['--witness-quorum', '1', '--witness-wait', '3'], { SIGHTLINE_WITNESSES: `https://w1.example ${W1}; https://w2.example ${W2}` })).toMatchObject({ witnesses: [{ verifierKey: W1 }, { verifierKey: W2 }], witnessQuorum: 1, witnessWaitSeconds: 3 });
});

test('defaults: port 8080, tile cache 256 MiB, no access log', () => {
  expect(parseServeArgs([], {})).toMatchObject({ port: 8080, tileCacheMiB: 256, accessLog: false, maxBatch: 4096, databaseUrl: undefined });
});

test('flags and environment variables; a flag wins over the environment', () => {
  expect(parseServeArgs(['--tile-cache-mb', '1024', '--access-log'], {})).toMatchObject({ tileCacheMiB: 1024, accessLog: true });
  expect(parseServeArgs([], {})).toMatchObject({ bundleCacheMiB: 64 });
  expect(parseServeArgs(['--bundle-cache-mb', '512'], { SIGHTLINE_BUNDLE_CACHE_MB: '128' })).toMatchObject({ bundleCacheMiB: 512 });
  expect(parseServeArgs([], { SIGHTLINE_BUNDLE_CACHE_MB: '128' })).toMatchObject({ bundleCacheMiB: 128 });
  expect(parseServeArgs([], { SIGHTLINE_TILE_CACHE_MB: '64', SIGHTLINE_ACCESS_LOG: 'true' })).toMatchObject({ tileCacheMiB: 64, accessLog: true });
  expect(parseServeArgs(['--tile-cache-mb', '32'], { SIGHTLINE_TILE_CACHE_MB: '64', SIGHTLINE_ACCESS_LOG: '0' })).toMatchObject({ tileCacheMiB: 32, accessLog: false });
  expect(parseServeArgs(['--help'], {})).toBe('help');
});

test('rate limits: off by default; --rate-limit N with a burst of 2 × N unless --rate-burst; flags win over the environment', () => {
  expect(parseServeArgs([], {})).toMatchObject({ rateLimit: 0, rateBurst: 0 });
  expect(parseServeArgs(['--rate-limit', '50'], {})).toMatchObject({ rateLimit: 50, rateBurst: 100 });
  expect(parseServeArgs(['--rate-limit', '50', '--rate-burst', '1'], {})).toMatchObject({ rateLimit: 50, rateBurst: 1 });
  expect(parseServeArgs([], { SIGHTLINE_RATE_LIMIT: '20', SIGHTLINE_RATE_BURST: '5' })).toMatchObject({ rateLimit: 20, rateBurst: 5 });
  expect(parseServeArgs(['--rate-limit', '10'], { SIGHTLINE_RATE_LIMIT: '20' })).toMatchObject({ rateLimit: 10, rateBurst: 20 });
  expect(parseServeArgs(['--rate-limit', '0'], {})).toMatchObject({ rateLimit: 0, rateBurst: 0 });
  expect(parseServeArgs([], { SIGHTLINE_RATE_LIMIT: '' })).toMatchObject({ rateLimit: 0 });
});

test('HTTP time limits: 10 s for headers, 30 s for a whole request, 5 s keep-alive, 16 KiB of headers', () => {
  expect(parseServeArgs([], {})).toMatchObject({ http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxHeaderSize: 16_384 } });
  expect(parseServeArgs([], { SIGHTLINE_REQUEST_TIMEOUT_MS: '2000' })).toMatchObject({ http: { headersTimeoutMs: 2_000, requestTimeoutMs: 2_000 } });
  expect(parseServeArgs([], { SIGHTLINE_HEADERS_TIMEOUT_MS: '1000', SIGHTLINE_REQUEST_TIMEOUT_MS: '3000' })).toMatchObject({ http: { headersTimeoutMs: 1_000, requestTimeoutMs: 3_000 } });
  expect(parseServeArgs([], { SIGHTLINE_HEADERS_TIMEOUT_MS: '60000' })).toMatchObject({ http: { headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 } });
});

test('the help lists the rate limits and the time limits', () => {
  for (const text of ['--rate-limit N', '--rate-burst B', 'SIGHTLINE_RATE_LIMIT', 'SIGHTLINE_RATE_BURST', 'SIGHTLINE_HEADERS_TIMEOUT_MS', 'SIGHTLINE_REQUEST_TIMEOUT_MS']) {
    expect(SERVE_HELP).toContain(text);
  }
});

test('client limits: 100 requests a second per address with bursts of 1000, 64 connections, no proxy trusted, a 30 s send timeout; flags win over the environment', () => {
  expect(parseServeArgs([], {})).toMatchObject({ clients: { addressRate: 100, addressBurst: 1000, maxConnectionsPerAddress: 64, trustProxy: false }, http: { sendTimeoutMs: 30_000 } });
  expect(
    parseServeArgs(['--address-rate-limit', '5', '--address-rate-burst', '7', '--max-connections-per-address', '0', '--trust-proxy', '--send-timeout', '2'], { SIGHTLINE_ADDRESS_RATE_LIMIT: '9' }),
  ).toMatchObject({ clients: { addressRate: 5, addressBurst: 7, maxConnectionsPerAddress: 0, trustProxy: true }, http: { sendTimeoutMs: 2_000 } });
  expect(
    parseServeArgs([], { SIGHTLINE_ADDRESS_RATE_LIMIT: '2000', SIGHTLINE_MAX_CONNECTIONS_PER_ADDRESS: '8', SIGHTLINE_TRUST_PROXY: '1', SIGHTLINE_SEND_TIMEOUT: '5' }),
  ).toMatchObject({ clients: { addressRate: 2000, addressBurst: 2000, maxConnectionsPerAddress: 8, trustProxy: true }, http: { sendTimeoutMs: 5_000 } });
  expect(parseServeArgs(['--address-rate-limit', '0'], {})).toMatchObject({ clients: { addressRate: 0, addressBurst: 0 } });
  for (const text of ['--address-rate-limit N', '--address-rate-burst B', '--max-connections-per-address N', '--trust-proxy', '--send-timeout S', 'SIGHTLINE_SEND_TIMEOUT', 'SIGHTLINE_TRUST_PROXY']) expect(SERVE_HELP).toContain(text);
});

test.each([
  [['--address-rate-limit=-1'], {}, 'address-rate-limit'],
  [['--address-rate-limit', '0', '--address-rate-burst', '5'], {}, 'address-rate-burst'],
  [['--address-rate-burst', '0'], {}, 'address-rate-burst'],
  [['--max-connections-per-address', 'many'], {}, 'max-connections-per-address'],
  [['--send-timeout', '0'], {}, 'send-timeout'],
  [[], { SIGHTLINE_SEND_TIMEOUT: '30s' }, 'send-timeout'],
  [[], { SIGHTLINE_TRUST_PROXY: 'yes' }, 'SIGHTLINE_TRUST_PROXY'],
])('client limit flags %j %j: a usage error naming %s', (args, env, field) => {
  let thrown: unknown;
  try {
    parseServeArgs(args, env);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toMatchObject({ code: 'MALFORMED_REQUEST', field });
});

test.each([
  [['--rate-limit=-1'], {}, 'rate-limit'],
  [['--rate-limit', '1.5'], {}, 'rate-limit'],
  [['--rate-limit', '1000001'], {}, 'rate-limit'],
  [[], { SIGHTLINE_RATE_LIMIT: 'lots' }, 'rate-limit'],
  [['--rate-limit', '10', '--rate-burst', '0'], {}, 'rate-burst'],
  [['--rate-burst', '10'], {}, 'rate-burst'],
  [[], { SIGHTLINE_RATE_BURST: '10' }, 'rate-burst'],
  [[], { SIGHTLINE_REQUEST_TIMEOUT_MS: '50' }, 'SIGHTLINE_REQUEST_TIMEOUT_MS'],
  [[], { SIGHTLINE_REQUEST_TIMEOUT_MS: '30s' }, 'SIGHTLINE_REQUEST_TIMEOUT_MS'],
  [[], { SIGHTLINE_HEADERS_TIMEOUT_MS: '5000', SIGHTLINE_REQUEST_TIMEOUT_MS: '1000' }, 'SIGHTLINE_REQUEST_TIMEOUT_MS'],
  [['--tile-cache-mb=-1'], {}, 'tile-cache-mb'],
  [['--tile-cache-mb', '1e3'], {}, 'tile-cache-mb'],
  [['--bundle-cache-mb=-5'], {}, 'bundle-cache-mb'],
  [['--bundle-cache-mb', '0x10'], {}, 'bundle-cache-mb'],
  [[], { SIGHTLINE_ACCESS_LOG: 'yes' }, 'SIGHTLINE_ACCESS_LOG'],
  [['--port', '65536'], {}, 'port'],
  [['--witness', 'https://w.example'], {}, 'witness'],
  [['--witness', `ftp://w.example ${W1}`], {}, 'witness'],
  [['--witness', 'https://w.example log.example+01234567+AQ=='], {}, 'witness'],
  [['--witness', `https://w.example ${W1}`, '--witness-quorum', '2'], {}, 'witness-quorum'],
  [['--witness', `https://w.example ${W1}`, '--witness-quorum', '0'], {}, 'witness-quorum'],
  [['--witness-quorum', '1'], {}, 'witness-quorum'],
  [['--witness-wait', '0'], {}, 'witness-wait'],
  [['--mirror', 'https://m.example'], {}, 'mirror'],
  [['--mirror', 'https://m.example log.example+01234567+AQ=='], {}, 'mirror'],
  [['--mirror', `https://m.example ${W1}`, '--mirror-quorum', '2'], {}, 'mirror-quorum'],
  [['--mirror-quorum', '1'], {}, 'mirror-quorum'],
  [['--mirror-wait', '0'], {}, 'mirror-wait'],
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
