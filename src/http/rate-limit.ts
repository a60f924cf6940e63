/**
 * Per-partner rate limits for the write routes: one token bucket per authenticated
 * partner id. A bucket holds at most `burst` tokens and refills at `rate` tokens a second;
 * a write takes one token, and with none left it is refused with the whole seconds until
 * the next token.
 *
 * Pure: the clock is injected. Memory is bounded: a bucket is only made for a partner that
 * authenticated, and buckets that have refilled to full (idle for burst / rate seconds) are
 * dropped, since a full bucket and no bucket mean the same. A revoked partner's bucket is
 * therefore gone soon after its last write.
 */

export interface RateLimitOptions {
  /** Sustained writes per second per partner; at least 1 (a limiter is only made when limits are on). */
  readonly rate: number;
  /** The most writes a partner may make at once, after being idle; at least 1. */
  readonly burst: number;
  /** Milliseconds, monotonic or not; a clock going backwards refills nothing. Default `performance.now`. */
  readonly now?: () => number;
  /** How often, at most, idle full buckets are swept, in ms (default 10 s). */
  readonly sweepIntervalMs?: number;
}

export interface RateLimiter {
  /**
   * Takes `count` tokens (default 1) of `key`'s bucket: 0 if the writes may go ahead,
   * otherwise the whole seconds (at least 1) until they are available; nothing is taken
   * then. A count over the burst costs the whole burst, so that any request can go ahead
   * from a full bucket.
   */
  take(key: string, count?: number): number;
  /** How many buckets are kept (for tests and metrics). */
  size(): number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, in ms. */
  at: number;
}

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const { rate, burst } = options;
  if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError(`rate must be a positive number, got ${rate}`);
  if (!(Number.isFinite(burst) && burst >= 1)) throw new RangeError(`burst must be at least 1, got ${burst}`);
  const now = options.now ?? (() => performance.now());
  const sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
  const perMs = rate / 1000;
  const buckets = new Map<string, Bucket>();
  let lastSweep = now();

  const refill = (bucket: Bucket, t: number): void => {
    if (t > bucket.at) bucket.tokens = Math.min(burst, bucket.tokens + (t - bucket.at) * perMs);
    bucket.at = Math.max(bucket.at, t);
  };

  const sweep = (t: number): void => {
    for (const [key, bucket] of buckets) {
      refill(bucket, t);
      if (bucket.tokens >= burst) buckets.delete(key);
    }
    lastSweep = t;
  };

  return {
    take(key, count = 1) {
      const need = Math.min(Math.max(count, 0), burst);
      const t = now();
      if (t - lastSweep >= sweepIntervalMs) sweep(t);
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { tokens: burst, at: t };
        buckets.set(key, bucket);
      } else {
        refill(bucket, t);
      }
      if (bucket.tokens >= need) {
        bucket.tokens -= need;
        return 0;
      }
      return Math.max(1, Math.ceil((need - bucket.tokens) / rate));
    },
    size: () => buckets.size,
  };
}
