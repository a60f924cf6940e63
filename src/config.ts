/**
 * Command-line flags and environment variables → a typed, validated configuration, once,
 * at the edge. Every flag of `sightline serve` is listed in SERVE_HELP.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { LogError } from './errors.js';
import { parseDecimal } from './encoding/index.js';
import { isValidKeyName, parseCosignatureVerifier } from './note/index.js';

export interface StoreConfig {
  /** postgres:// URL; when set, PostgreSQL is used instead of PGlite. */
  readonly databaseUrl: string | undefined;
  /** PGlite data directory, and where a generated log key is kept. */
  readonly dataDir: string;
  /** With `databaseUrl`: the longest wait for PostgreSQL to answer, in seconds; undefined: the URL's connect_timeout or the default. */
  readonly connectTimeoutSeconds?: number | undefined;
}

export interface ServeConfig extends StoreConfig {
  readonly host: string;
  readonly port: number;
  readonly keyFile: string | undefined;
  readonly origin: string | undefined;
  readonly maxPending: number;
  readonly maxBatch: number;
  /** Log every request (one JSON line each), not only failures. */
  readonly accessLog: boolean;
  /** Memory for cached tiles, in MiB. */
  readonly tileCacheMiB: number;
  /** The code lists file; undefined: the built-in default lists. */
  readonly codesFile: string | undefined;
  /** The subject-tag year keys file; undefined: `tag-keys.json` in the data directory, kept by the server. */
  readonly tagKeyFile: string | undefined;
  /** Witnesses asked to cosign each checkpoint (c2sp.org/tlog-witness); none: checkpoints are served as the log signs them. */
  readonly witnesses: readonly WitnessConfig[];
  /** How many witnesses must cosign a checkpoint before it is served. */
  readonly witnessQuorum: number;
  /** The longest a write with `?witnessed=true` waits for a witnessed receipt, in seconds. */
  readonly witnessWaitSeconds: number;
  /** Sustained writes a second per partner; 0: no rate limit. */
  readonly rateLimit: number;
  /** Writes a partner may make at once after being idle (the bucket size); 0 when there is no rate limit. */
  readonly rateBurst: number;
  /** Time limits of the HTTP server, against slow clients. */
  readonly http: HttpLimits;
  /** Limits per client address, and on clients that do not read their answers. */
  readonly clients: ClientLimits;
}

/** Time and size limits of an HTTP server, against slow or greedy clients. */
export interface HttpLimits {
  /** The longest a client may take to send a request's headers, in ms. */
  readonly headersTimeoutMs: number;
  /** The longest a client may take to send a whole request, body included, in ms. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open, in ms. */
  readonly keepAliveTimeoutMs: number;
  /** The most bytes of request headers. */
  readonly maxHeaderSize: number;
  /** The longest an answer may wait, unsent, for a client that does not read it, in ms (then the connection is cut). */
  readonly sendTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderSize: 16 * 1024,
  sendTimeoutMs: 30_000,
};

/**
 * Limits per client address (`--address-rate-limit`, `--address-rate-burst`,
 * `--max-connections-per-address`, `--trust-proxy`); `--send-timeout` is in HttpLimits.
 * The defaults let an honest monitor poll /checkpoint and read every tile of a large log
 * (100 requests a second, bursts of 1000) while one address cannot take the server's memory
 * or its event loop.
 */
export interface ClientLimits {
  /** Sustained requests a second per address without a partner or operator token; 0: no limit. */
  readonly addressRate: number;
  /** Requests an address may make at once after being idle. */
  readonly addressBurst: number;
  /** Simultaneous connections per address; 0: no limit. */
  readonly maxConnectionsPerAddress: number;
  /** Take the client's address from the last X-Forwarded-For entry. */
  readonly trustProxy: boolean;
}

export const DEFAULT_CLIENT_LIMITS: ClientLimits = { addressRate: 100, addressBurst: 1000, maxConnectionsPerAddress: 64, trustProxy: false };

export const CLIENT_LIMIT_OPTIONS = {
  'address-rate-limit': { type: 'string' },
  'address-rate-burst': { type: 'string' },
  'max-connections-per-address': { type: 'string' },
  'trust-proxy': { type: 'boolean' },
  'send-timeout': { type: 'string' },
} as const;

/** The per-address limits and the send timeout, from their flags or environment variables. */
function clientLimits(values: { 'address-rate-limit'?: string; 'address-rate-burst'?: string; 'max-connections-per-address'?: string; 'trust-proxy'?: boolean; 'send-timeout'?: string }, env: NodeJS.ProcessEnv): { clients: ClientLimits; sendTimeoutMs: number } {
  const d = DEFAULT_CLIENT_LIMITS;
  const addressRate = intFlag(values['address-rate-limit'] ?? (env.SIGHTLINE_ADDRESS_RATE_LIMIT || undefined), 'address-rate-limit', d.addressRate, 0, 1_000_000);
  const burstText = values['address-rate-burst'] ?? (env.SIGHTLINE_ADDRESS_RATE_BURST || undefined);
  if (addressRate === 0 && burstText !== undefined) throw usage('--address-rate-burst needs an address rate limit: give it with --address-rate-limit N', 'address-rate-burst');
  return {
    clients: {
      addressRate,
      addressBurst: addressRate === 0 ? 0 : intFlag(burstText, 'address-rate-burst', Math.max(d.addressBurst, addressRate), 1, 10_000_000),
      maxConnectionsPerAddress: intFlag(values['max-connections-per-address'] ?? (env.SIGHTLINE_MAX_CONNECTIONS_PER_ADDRESS || undefined), 'max-connections-per-address', d.maxConnectionsPerAddress, 0, 1_000_000),
      trustProxy: values['trust-proxy'] ?? boolEnv(env.SIGHTLINE_TRUST_PROXY, 'SIGHTLINE_TRUST_PROXY'),
    },
    sendTimeoutMs: 1000 * intFlag(values['send-timeout'] ?? (env.SIGHTLINE_SEND_TIMEOUT || undefined), 'send-timeout', DEFAULT_HTTP_LIMITS.sendTimeoutMs / 1000, 1, 3600),
  };
}

export interface WitnessConfig {
  /** The witness's submission prefix. */
  readonly url: string;
  /** Its cosignature/v1 verifier key. */
  readonly verifierKey: string;
}

/** The default of --tile-cache-mb. */
export const DEFAULT_TILE_CACHE_MIB = 256;

export const SERVE_HELP = `Usage: sightline serve [flags]

Runs the log server: the c2sp.org/tlog-tiles read API, the partner write API and the
JSON API (see openapi.yaml). With no flags it keeps its data in ./data using the
embedded PostgreSQL (PGlite) and creates a log key there on the first start.

Flags (environment variables in brackets):
  --data-dir DIR        PGlite data directory and generated key location [SIGHTLINE_DATA_DIR] (default ./data)
  --database-url URL    use this PostgreSQL instead of PGlite [DATABASE_URL]
  --connect-timeout S   the longest wait for PostgreSQL to answer, in seconds [SIGHTLINE_CONNECT_TIMEOUT]
                        (default: the URL's connect_timeout, else 5)
  --key-file FILE       the log's signer key (PRIVATE+KEY+<origin>+…); the origin is its name [SIGHTLINE_KEY_FILE]
  --origin NAME         origin for a key generated on the first start [SIGHTLINE_ORIGIN] (default sightline.localhost/log)
  --host HOST           address to listen on [HOST] (default 127.0.0.1)
  --port PORT           port to listen on [PORT] (default 8080)
  --max-pending N       submissions that may wait before new ones get 503 [SIGHTLINE_MAX_PENDING] (default 65536)
  --max-batch N         most entries committed in one batch [SIGHTLINE_MAX_BATCH] (default 4096)
  --tile-cache-mb N     memory for tiles cached for proofs and tile reads, in MiB [SIGHTLINE_TILE_CACHE_MB] (default \${DEFAULT_TILE_CACHE_MIB})
  --access-log          log every request as a JSON line, not only failed ones [SIGHTLINE_ACCESS_LOG=1]
  --codes FILE          code lists for typed events (JSON; see GET /v1/codes for the form) [SIGHTLINE_CODES]
                        (default: built-in lists for the benefits system)
  --witness "URL VKEY"  a witness to ask for cosignatures: its submission prefix (the log POSTs to
                        URL/add-checkpoint) and its cosignature/v1 verifier key; repeatable
                        [SIGHTLINE_WITNESSES, entries separated by ";"]. With witnesses, /checkpoint and
                        receipts serve the latest checkpoint the quorum cosigned
  --witness-quorum K    how many witnesses must cosign a checkpoint [SIGHTLINE_WITNESS_QUORUM] (default: all)
  --witness-wait S      the longest a write with ?witnessed=true waits for its witnessed receipt
                        [SIGHTLINE_WITNESS_WAIT] (default 10)
  --rate-limit N        sustained writes a second allowed to each partner (POST /v1/entries and
                        POST /v1/events); over it a write gets 429 rate-limited with Retry-After
                        [SIGHTLINE_RATE_LIMIT] (default 0: no limit)
  --rate-burst B        writes a partner may make at once after being idle (needs --rate-limit)
                        [SIGHTLINE_RATE_BURST] (default 2 × N)
  --address-rate-limit N  sustained requests a second from one client address without a partner or
                        operator token (IPv6: per /64); over it 429 too-many-requests with Retry-After
                        [SIGHTLINE_ADDRESS_RATE_LIMIT] (default 100; 0: no limit)
  --address-rate-burst B  requests one address may make at once after being idle
                        [SIGHTLINE_ADDRESS_RATE_BURST] (default 1000)
  --max-connections-per-address N  simultaneous connections from one address; more are answered 429 and
                        closed [SIGHTLINE_MAX_CONNECTIONS_PER_ADDRESS] (default 64;
                        0: no limit; not applied with --trust-proxy, where the proxy must limit connections)
  --trust-proxy         the client is the last address in X-Forwarded-For, written by the one proxy in
                        front; only with such a proxy, else anyone could pose as any address
                        [SIGHTLINE_TRUST_PROXY=1]
  --send-timeout S      cut the connection of a client that leaves an answer unread this many seconds
                        [SIGHTLINE_SEND_TIMEOUT] (default 30)
  --tag-key-file FILE   the secret subject-tag key of each year, {"2026": "<64 hex>", …}; never written
                        [SIGHTLINE_TAG_KEY_FILE] (default: DIR/tag-keys.json, created and extended as years
                        begin; every server of one log must use the same keys: one holding
                        another key for a year the log already uses refuses to start)
  -h, --help            show this help

Environment only (time limits against slow clients; the defaults suit production):
  SIGHTLINE_HEADERS_TIMEOUT_MS   the longest a client may take to send its request headers
                                 (default 10000, or the request timeout if that is shorter)
  SIGHTLINE_REQUEST_TIMEOUT_MS   the longest a client may take to send a whole request, body included
                                 (default 30000; at least the headers timeout); then 408 and the
                                 connection is closed
`;

function usage(message: string, field: string): LogError {
  return new LogError('MALFORMED_REQUEST', message, { field, hint: 'see sightline serve --help' });
}

function intFlag(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = parseDecimal(value);
  if (n === undefined || n < min || n > max) throw usage(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`, name);
  return n;
}

function boolEnv(value: string | undefined, name: string): boolean {
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw usage(`${name} must be 1, true, 0 or false, got ${JSON.stringify(value)}`, name);
}

function optionalPath(value: string | undefined): string | undefined {
  return value === undefined ? undefined : resolve(value);
}

export const STORE_OPTIONS = {
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  'connect-timeout': { type: 'string' },
} as const;

export function storeConfig(values: { 'data-dir'?: string; 'database-url'?: string; 'connect-timeout'?: string }, env: NodeJS.ProcessEnv): StoreConfig {
  const timeoutText = values['connect-timeout'] ?? (env.SIGHTLINE_CONNECT_TIMEOUT || undefined);
  const connectTimeoutSeconds = timeoutText === undefined ? undefined : intFlag(timeoutText, 'connect-timeout', 0, 1, 3600);
  const databaseUrl = values['database-url'] ?? (env.DATABASE_URL || undefined);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw usage('--database-url must be a postgres:// or postgresql:// URL', 'database-url');
  }
  return { databaseUrl, dataDir: resolve(values['data-dir'] ?? (env.SIGHTLINE_DATA_DIR || './data')), connectTimeoutSeconds };
}

export function parseServeArgs(args: string[], env: NodeJS.ProcessEnv): ServeConfig | 'help' {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      ...STORE_OPTIONS,
      'key-file': { type: 'string' },
      origin: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'max-pending': { type: 'string' },
      'max-batch': { type: 'string' },
      'tile-cache-mb': { type: 'string' },
      'access-log': { type: 'boolean' },
      codes: { type: 'string' },
      'tag-key-file': { type: 'string' },
      witness: { type: 'string', multiple: true },
      'witness-quorum': { type: 'string' },
      'witness-wait': { type: 'string' },
      'rate-limit': { type: 'string' },
      'rate-burst': { type: 'string' },
      ...CLIENT_LIMIT_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const { clients, sendTimeoutMs } = clientLimits(values, env);
  const witnesses = (values.witness ?? (env.SIGHTLINE_WITNESSES || '').split(';').filter((w) => w.trim() !== '')).map(parseWitness);
  return {
    ...storeConfig(values, env),
    host: values.host ?? (env.HOST || '127.0.0.1'),
    port: intFlag(values.port ?? (env.PORT || undefined), 'port', 8080, 0, 65535),
    keyFile: values['key-file'] ?? (env.SIGHTLINE_KEY_FILE || undefined),
    origin: originFlag(values.origin ?? (env.SIGHTLINE_ORIGIN || undefined)),
    maxPending: intFlag(values['max-pending'] ?? (env.SIGHTLINE_MAX_PENDING || undefined), 'max-pending', 65_536, 1, 10_000_000),
    maxBatch: intFlag(values['max-batch'] ?? (env.SIGHTLINE_MAX_BATCH || undefined), 'max-batch', 4_096, 1, 16_384),
    tileCacheMiB: intFlag(values['tile-cache-mb'] ?? (env.SIGHTLINE_TILE_CACHE_MB || undefined), 'tile-cache-mb', DEFAULT_TILE_CACHE_MIB, 0, 1_048_576),
    accessLog: values['access-log'] ?? boolEnv(env.SIGHTLINE_ACCESS_LOG, 'SIGHTLINE_ACCESS_LOG'),
    codesFile: optionalPath(values.codes ?? (env.SIGHTLINE_CODES || undefined)),
    tagKeyFile: optionalPath(values['tag-key-file'] ?? (env.SIGHTLINE_TAG_KEY_FILE || undefined)),
    witnesses,
    witnessQuorum: witnessQuorum(values['witness-quorum'] ?? (env.SIGHTLINE_WITNESS_QUORUM || undefined), witnesses.length),
    witnessWaitSeconds: intFlag(values['witness-wait'] ?? (env.SIGHTLINE_WITNESS_WAIT || undefined), 'witness-wait', 10, 1, 60),
    ...rateLimits(values['rate-limit'] ?? (env.SIGHTLINE_RATE_LIMIT || undefined), values['rate-burst'] ?? (env.SIGHTLINE_RATE_BURST || undefined)),
    http: { ...httpLimits(env), sendTimeoutMs },
    clients,
  };
}

/** Checked with the other flags, before anything is written: a bad origin once left a data directory behind. */
function originFlag(origin: string | undefined): string | undefined {
  if (origin !== undefined && !isValidKeyName(origin)) throw usage(`--origin ${JSON.stringify(origin)} is not a valid key name (no spaces, no "+")`, 'origin');
  return origin;
}

function rateLimits(limit: string | undefined, burst: string | undefined): { rateLimit: number; rateBurst: number } {
  const rateLimit = intFlag(limit, 'rate-limit', 0, 0, 1_000_000);
  if (rateLimit === 0) {
    if (burst !== undefined) throw usage('--rate-burst needs a rate limit: give it with --rate-limit N', 'rate-burst');
    return { rateLimit: 0, rateBurst: 0 };
  }
  return { rateLimit, rateBurst: intFlag(burst, 'rate-burst', 2 * rateLimit, 1, 10_000_000) };
}

function httpLimits(env: NodeJS.ProcessEnv): HttpLimits {
  const ms = (name: string, fallback: number): number => {
    const value = env[name] || undefined;
    if (value === undefined) return fallback;
    const n = parseDecimal(value);
    if (n === undefined || n < 100 || n > 3_600_000) throw usage(`${name} must be a whole number of milliseconds from 100 to 3600000, got ${JSON.stringify(value)}`, name);
    return n;
  };
  // Either alone may be set: the other's default bends so that headers ≤ request.
  const request = ms('SIGHTLINE_REQUEST_TIMEOUT_MS', 0) || undefined;
  const headersTimeoutMs = ms('SIGHTLINE_HEADERS_TIMEOUT_MS', Math.min(DEFAULT_HTTP_LIMITS.headersTimeoutMs, request ?? Infinity));
  const requestTimeoutMs = request ?? Math.max(DEFAULT_HTTP_LIMITS.requestTimeoutMs, headersTimeoutMs);
  if (requestTimeoutMs < headersTimeoutMs) throw usage('SIGHTLINE_REQUEST_TIMEOUT_MS must be at least SIGHTLINE_HEADERS_TIMEOUT_MS', 'SIGHTLINE_REQUEST_TIMEOUT_MS');
  return { ...DEFAULT_HTTP_LIMITS, headersTimeoutMs, requestTimeoutMs };
}

function witnessQuorum(value: string | undefined, witnesses: number): number {
  if (witnesses > 0) return intFlag(value, 'witness-quorum', witnesses, 1, witnesses);
  if (value !== undefined) throw usage('--witness-quorum needs witnesses: give them with --witness "URL VKEY"', 'witness-quorum');
  return 0;
}

/** `URL VKEY`: a witness's submission prefix and its cosignature/v1 verifier key. */
function parseWitness(text: string): WitnessConfig {
  const parts = text.trim().split(/\s+/);
  const [url, verifierKey] = parts;
  const hint = 'give --witness "https://witness.example/ name+hex8+base64-key"';
  if (parts.length !== 2 || url === undefined || verifierKey === undefined || !/^https?:\/\/[^\s]+$/.test(url)) {
    throw new LogError('MALFORMED_REQUEST', `--witness must be a URL and a verifier key separated by a space, got ${JSON.stringify(text)}`, { field: 'witness', hint });
  }
  try {
    parseCosignatureVerifier(verifierKey);
  } catch (e) {
    throw new LogError('MALFORMED_REQUEST', `--witness ${url}: not a cosignature/v1 verifier key: ${(e as Error).message}`, { field: 'witness', hint });
  }
  return { url, verifierKey };
}
