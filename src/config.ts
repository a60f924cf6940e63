/**
 * Command-line flags and environment variables → a typed, validated configuration, once,
 * at the edge. Every flag of `sightline serve` is declared once, in SERVE_COMMAND's table
 * (src/cli/flags.ts makes its parsing, environment fallbacks and help from it).
 */
import { resolve } from 'node:path';
import { type CommandSpec, type Flag, type ParsedFlags, UsageError, commandHelp, parseCommand } from './cli/flags.js';
import { parseDecimal } from './encoding/index.js';
import { isValidKeyName, parseCosignatureVerifier } from './note/index.js';

export interface StoreConfig {
  /** postgres:// URL; when set, PostgreSQL is used instead of PGlite. */
  readonly databaseUrl: string | undefined;
  /** PGlite data directory, and where a generated log key is kept. */
  readonly dataDir: string;
  /** With `databaseUrl`: the longest wait for PostgreSQL to answer, in seconds; undefined: the URL's connect_timeout or the default. */
  readonly connectTimeoutSeconds?: number | undefined;
  /** A log of a service (its id) other than its default log; undefined: the default log. */
  readonly logId?: string | undefined;
}

export interface ServeConfig extends StoreConfig {
  /** A service's configuration file (YAML or JSON) naming its logs; undefined: one log, from the flags. */
  readonly serviceFile?: string | undefined;
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
  /** Memory for cached full entry bundles, in MiB (as much again for their gzipped form). */
  readonly bundleCacheMiB: number;
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
  /** Mirrors the log keeps a copy in (c2sp.org/tlog-mirror); none: no mirrored receipts. */
  readonly mirrors: readonly WitnessConfig[];
  /** How many mirrors must hold and cosign a checkpoint for a mirrored receipt. */
  readonly mirrorQuorum: number;
  /** The longest a write with `?mirrored=true` waits for a mirrored receipt, in seconds. */
  readonly mirrorWaitSeconds: number;
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

/** The per-address limits and the send timeout, from their flags or environment variables. */
function clientLimits(flags: ParsedFlags): { clients: ClientLimits; sendTimeoutMs: number } {
  const addressRate = intFlag(flags.string('address-rate-limit'), 'address-rate-limit', 0, 0, 1_000_000);
  const burstText = flags.string('address-rate-burst');
  if (addressRate === 0 && burstText !== undefined) throw usage('--address-rate-burst needs an address rate limit: give it with --address-rate-limit N', 'address-rate-burst');
  return {
    clients: {
      addressRate,
      addressBurst: addressRate === 0 ? 0 : intFlag(burstText, 'address-rate-burst', Math.max(DEFAULT_CLIENT_LIMITS.addressBurst, addressRate), 1, 10_000_000),
      maxConnectionsPerAddress: intFlag(flags.string('max-connections-per-address'), 'max-connections-per-address', 0, 0, 1_000_000),
      trustProxy: flags.boolean('trust-proxy'),
    },
    sendTimeoutMs: 1000 * intFlag(flags.string('send-timeout'), 'send-timeout', 0, 1, 3600),
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
/** The default of --bundle-cache-mb. */
export const DEFAULT_BUNDLE_CACHE_MIB = 64;

/** Where a log is kept: the flags every command that opens a log's database takes. */
export const STORE_FLAGS: readonly Flag[] = [
  { name: 'data-dir', value: 'DIR', env: 'SIGHTLINE_DATA_DIR', default: './data', help: 'PGlite data directory and generated key location' },
  { name: 'database-url', value: 'URL', env: 'DATABASE_URL', help: 'use this PostgreSQL instead of PGlite' },
  {
    name: 'connect-timeout',
    value: 'S',
    env: 'SIGHTLINE_CONNECT_TIMEOUT',
    defaultHelp: "the URL's connect_timeout, else 5",
    help: 'the longest wait for PostgreSQL to answer, in seconds',
  },
];

/** Which log of a service a command works on (store and account commands). */
export const LOG_FLAG: Flag = {
  name: 'log',
  value: 'ID',
  env: 'SIGHTLINE_LOG',
  defaultHelp: "the default log: the one a server without --config serves",
  help: 'the log of a service (serve --config) to work on, by its id',
};

/** storeConfig, and the log named by --log (LOG_FLAG). */
export function logStoreConfig(flags: ParsedFlags): StoreConfig {
  const logId = flags.string('log');
  // The id names a schema (src/storage/schema.ts): checked before the database is opened.
  if (logId !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/.test(logId)) {
    throw usage(`--log ${JSON.stringify(logId)} is not a log id: lower-case letters, digits and inner hyphens, at most 40`, 'log');
  }
  return { ...storeConfig(flags), ...(logId === undefined ? {} : { logId }) };
}

/** The flags of `sightline serve`: parsing, environment variables and help all come from here. */
export const SERVE_COMMAND: CommandSpec = {
  name: 'serve',
  summary: 'run the log server',
  about: `Runs the log server: the c2sp.org/tlog-tiles read API, the partner write API and the
JSON API (see openapi.yaml). With no flags it keeps its data in ./data using the
embedded PostgreSQL (PGlite) and creates a log key there on the first start.`,
  flags: [
    ...STORE_FLAGS,
    {
      name: 'config',
      value: 'FILE',
      env: 'SIGHTLINE_CONFIG',
      help: "a service of many logs: the YAML or JSON file naming each log (README, \"Many logs, one service\"); re-read when it changes, so logs added to it start at once. Without it, one log from these flags",
    },
    { name: 'key-file', value: 'FILE', env: 'SIGHTLINE_KEY_FILE', help: "the log's signer key (PRIVATE+KEY+<origin>+…); the origin is its name" },
    { name: 'origin', value: 'NAME', env: 'SIGHTLINE_ORIGIN', defaultHelp: 'sightline.localhost/log', help: 'origin for a key generated on the first start' },
    { name: 'host', value: 'HOST', env: 'HOST', default: '127.0.0.1', help: 'address to listen on' },
    { name: 'port', value: 'PORT', env: 'PORT', default: '8080', help: 'port to listen on' },
    { name: 'max-pending', value: 'N', env: 'SIGHTLINE_MAX_PENDING', default: '65536', help: 'submissions that may wait before new ones get 503' },
    { name: 'max-batch', value: 'N', env: 'SIGHTLINE_MAX_BATCH', default: '4096', help: 'most entries committed in one batch' },
    {
      name: 'tile-cache-mb',
      value: 'N',
      env: 'SIGHTLINE_TILE_CACHE_MB',
      default: String(DEFAULT_TILE_CACHE_MIB),
      help: 'memory for tiles cached for proofs and tile reads, in MiB',
    },
    {
      name: 'bundle-cache-mb',
      value: 'N',
      env: 'SIGHTLINE_BUNDLE_CACHE_MB',
      default: String(DEFAULT_BUNDLE_CACHE_MIB),
      help: 'memory for full entry bundles cached for reads, in MiB (and as much for gzipped ones)',
    },
    { name: 'access-log', type: 'boolean', env: 'SIGHTLINE_ACCESS_LOG', help: 'log every request as a JSON line, not only failed ones' },
    {
      name: 'codes',
      value: 'FILE',
      env: 'SIGHTLINE_CODES',
      defaultHelp: 'built-in lists for the benefits system',
      help: 'code lists for typed events (JSON; see GET /v1/codes for the form)',
    },
    {
      name: 'witness',
      value: '"URL VKEY"',
      multiple: true,
      env: 'SIGHTLINE_WITNESSES',
      envSeparator: ';',
      help: 'a witness to ask for cosignatures: its submission prefix (the log POSTs to URL/add-checkpoint) and its cosignature/v1 verifier key. With witnesses, /checkpoint and receipts serve the latest checkpoint the quorum cosigned',
    },
    { name: 'witness-quorum', value: 'K', env: 'SIGHTLINE_WITNESS_QUORUM', defaultHelp: 'all', help: 'how many witnesses must cosign a checkpoint' },
    { name: 'witness-wait', value: 'S', env: 'SIGHTLINE_WITNESS_WAIT', default: '10', help: 'the longest a write with ?witnessed=true waits for its witnessed receipt' },
    {
      name: 'mirror',
      value: '"URL VKEY"',
      multiple: true,
      env: 'SIGHTLINE_MIRRORS',
      envSeparator: ';',
      help: 'a mirror to keep a copy in (c2sp.org/tlog-mirror): its submission prefix and its cosignature/v1 verifier key. The log sends it each checkpoint (the witnessed one, with witnesses) and the entries; a receipt with ?mirrored=true waits for the quorum of mirrors to hold the entry',
    },
    { name: 'mirror-quorum', value: 'K', env: 'SIGHTLINE_MIRROR_QUORUM', defaultHelp: 'all', help: 'how many mirrors must hold and cosign a checkpoint for a mirrored receipt' },
    { name: 'mirror-wait', value: 'S', env: 'SIGHTLINE_MIRROR_WAIT', default: '30', help: 'the longest a write with ?mirrored=true waits for its mirrored receipt' },
    {
      name: 'rate-limit',
      value: 'N',
      env: 'SIGHTLINE_RATE_LIMIT',
      default: '0',
      help: 'sustained writes a second allowed to each partner (POST /v1/entries and POST /v1/events); over it a write gets 429 rate-limited with Retry-After; 0: no limit',
    },
    { name: 'rate-burst', value: 'B', env: 'SIGHTLINE_RATE_BURST', defaultHelp: '2 × N', help: 'writes a partner may make at once after being idle (needs --rate-limit)' },
    // Against greedy clients without a token: per-address limits and the send timeout.
    {
      name: 'address-rate-limit',
      value: 'N',
      env: 'SIGHTLINE_ADDRESS_RATE_LIMIT',
      default: String(DEFAULT_CLIENT_LIMITS.addressRate),
      help: 'sustained requests a second from one client address without a partner or operator token (IPv6: per /64); over it 429 too-many-requests with Retry-After; 0: no limit',
    },
    { name: 'address-rate-burst', value: 'B', env: 'SIGHTLINE_ADDRESS_RATE_BURST', defaultHelp: `${DEFAULT_CLIENT_LIMITS.addressBurst}, or N if more`, help: 'requests one address may make at once after being idle' },
    {
      name: 'max-connections-per-address',
      value: 'N',
      env: 'SIGHTLINE_MAX_CONNECTIONS_PER_ADDRESS',
      default: String(DEFAULT_CLIENT_LIMITS.maxConnectionsPerAddress),
      help: 'simultaneous connections from one address; more are answered 429 and closed; 0: no limit; not applied with --trust-proxy, where the proxy must limit connections',
    },
    {
      name: 'trust-proxy',
      type: 'boolean',
      env: 'SIGHTLINE_TRUST_PROXY',
      help: 'the client is the last address in X-Forwarded-For, written by the one proxy in front; only with such a proxy, else anyone could pose as any address',
    },
    {
      name: 'send-timeout',
      value: 'S',
      env: 'SIGHTLINE_SEND_TIMEOUT',
      default: String(DEFAULT_HTTP_LIMITS.sendTimeoutMs / 1000),
      help: 'cut the connection of a client that leaves an answer unread this many seconds',
    },
    {
      name: 'tag-key-file',
      value: 'FILE',
      env: 'SIGHTLINE_TAG_KEY_FILE',
      defaultHelp: 'DIR/tag-keys.json, created and extended as years begin',
      help: 'the secret subject-tag key of each year, {"2026": "<64 hex>", …}; never written. Every server of one log must use the same keys: one holding another key for a year the log already uses refuses to start',
    },
  ],
  footer: `Environment only (time limits against slow clients; the defaults suit production):
  SIGHTLINE_HEADERS_TIMEOUT_MS   the longest a client may take to send its request headers
                                 (default 10000, or the request timeout if that is shorter)
  SIGHTLINE_REQUEST_TIMEOUT_MS   the longest a client may take to send a whole request, body included
                                 (default 30000; at least the headers timeout); then 408 and the
                                 connection is closed`,
};

export const SERVE_HELP = commandHelp(SERVE_COMMAND);

function usage(message: string, field: string): UsageError {
  return new UsageError(message, { field, hint: 'see sightline serve --help' });
}

/** A whole number from min to max; `value` undefined: `fallback` (a computed default). */
export function intFlag(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = parseDecimal(value);
  if (n === undefined || n < min || n > max) throw usage(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`, name);
  return n;
}

function optionalPath(value: string | undefined): string | undefined {
  return value === undefined ? undefined : resolve(value);
}

/** Where the log is, from STORE_FLAGS as parsed (flag, environment or default). */
export function storeConfig(flags: ParsedFlags): StoreConfig {
  const timeoutText = flags.string('connect-timeout');
  const connectTimeoutSeconds = timeoutText === undefined ? undefined : intFlag(timeoutText, 'connect-timeout', 0, 1, 3600);
  const databaseUrl = flags.string('database-url');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw usage('--database-url must be a postgres:// or postgresql:// URL', 'database-url');
  }
  return { databaseUrl, dataDir: resolve(flags.string('data-dir')!), connectTimeoutSeconds };
}

export function parseServeArgs(args: string[], env: NodeJS.ProcessEnv): ServeConfig | 'help' {
  const flags = parseCommand(SERVE_COMMAND, args, env);
  return flags === 'help' ? 'help' : serveConfig(flags, env);
}

/** The server's configuration from its flags as parsed (SERVE_COMMAND), checked before anything is written. */
export function serveConfig(flags: ParsedFlags, env: NodeJS.ProcessEnv): ServeConfig {
  const witnesses = flags.strings('witness').map((text) => parseCosigner(text, 'witness'));
  const mirrors = flags.strings('mirror').map((text) => parseCosigner(text, 'mirror'));
  const int = (name: string, min: number, max: number) => intFlag(flags.string(name), name, 0, min, max);
  const { clients, sendTimeoutMs } = clientLimits(flags);
  const serviceFile = optionalPath(flags.string('config'));
  if (serviceFile !== undefined) {
    // A service's logs are each set in its file; a single log's flags would be ambiguous beside it.
    for (const single of ['key-file', 'origin', 'codes', 'witness', 'witness-quorum', 'mirror', 'mirror-quorum']) {
      if (single === 'witness' || single === 'mirror' ? flags.strings(single).length > 0 : flags.string(single) !== undefined) throw usage(`--${single} sets the one log of a server without --config; with --config, set it per log in the file`, single);
    }
  }
  return {
    ...storeConfig(flags),
    ...(serviceFile !== undefined ? { serviceFile } : {}),
    host: flags.string('host')!,
    port: int('port', 0, 65535),
    keyFile: flags.string('key-file'),
    // Unset unless given: a log key that exists names its own origin (src/cli/log-key.ts).
    origin: originFlag(flags.string('origin')),
    maxPending: int('max-pending', 1, 10_000_000),
    maxBatch: int('max-batch', 1, 16_384),
    tileCacheMiB: int('tile-cache-mb', 0, 1_048_576),
    bundleCacheMiB: int('bundle-cache-mb', 0, 1_048_576),
    accessLog: flags.boolean('access-log'),
    codesFile: optionalPath(flags.string('codes')),
    tagKeyFile: optionalPath(flags.string('tag-key-file')),
    witnesses,
    witnessQuorum: cosignerQuorum(flags.string('witness-quorum'), witnesses.length, 'witness'),
    witnessWaitSeconds: int('witness-wait', 1, 60),
    mirrors,
    mirrorQuorum: cosignerQuorum(flags.string('mirror-quorum'), mirrors.length, 'mirror'),
    mirrorWaitSeconds: int('mirror-wait', 1, 600),
    ...rateLimits(flags.string('rate-limit')!, flags.string('rate-burst')),
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

function cosignerQuorum(value: string | undefined, count: number, role: 'witness' | 'mirror'): number {
  if (count > 0) return intFlag(value, `${role}-quorum`, count, 1, count);
  if (value !== undefined) throw usage(`--${role}-quorum needs ${role === 'witness' ? 'witnesses' : 'mirrors'}: give them with --${role} "URL VKEY"`, `${role}-quorum`);
  return 0;
}

/** `URL VKEY`: a witness's or a mirror's submission prefix and its cosignature/v1 verifier key. */
function parseCosigner(text: string, role: 'witness' | 'mirror'): WitnessConfig {
  const parts = text.trim().split(/\s+/);
  const [url, verifierKey] = parts;
  const hint = `give --${role} "https://${role}.example/ name+hex8+base64-key"`;
  if (parts.length !== 2 || url === undefined || verifierKey === undefined || !/^https?:\/\/[^\s]+$/.test(url)) {
    throw new UsageError(`--${role} must be a URL and a verifier key separated by a space, got ${JSON.stringify(text)}`, { field: role, hint });
  }
  try {
    parseCosignatureVerifier(verifierKey);
  } catch (e) {
    throw new UsageError(`--${role} ${url}: not a cosignature/v1 verifier key: ${(e as Error).message}`, { field: role, hint });
  }
  return { url, verifierKey };
}
