// Per-key request throttle: a token bucket (rate) plus an in-flight cap (concurrency). Pure, with an
// injectable clock; the gate turns a refusal into 503 + Retry-After ([MS-ASHTTP] 3.1.5.2.3).

export interface ThrottleOptions {
  /** Sustained requests per second per key. */
  ratePerSecond: number;
  /** Bucket size: requests a key may make in a burst. A phone reconnecting sends FolderSync, several Syncs and a Ping at once. */
  burst: number;
  /**
   * Requests per key in flight at once. Ping and Sync with Wait are held open for up to an hour, and
   * a phone that changed networks opens a new one before the old one times out, so allow a few.
   */
  maxConcurrent: number;
  /** Retry-After given when refused for concurrency (a held Ping frees its slot at an unknown time). */
  concurrencyRetryAfterSeconds?: number;
  /** Keys tracked at most; idle keys are dropped first. Default 100 000. */
  maxKeys?: number;
  /** Milliseconds, monotonic enough for rate keeping. Default Date.now. */
  clock?: () => number;
}

export type ThrottleDecision =
  | { ok: true; /** Call exactly once when the request finishes; later calls are ignored. */ release(): void }
  | { ok: false; reason: 'rate' | 'concurrency'; retryAfterSeconds: number };

export interface Throttle {
  /** Takes a token and a concurrency slot for `key`, or says how long to wait. */
  acquire(key: string): ThrottleDecision;
  /** Number of keys currently tracked (for tests and metrics). */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
  inFlight: number;
}

export function createThrottle(opts: ThrottleOptions): Throttle {
  const { ratePerSecond, burst, maxConcurrent } = opts;
  if (!(ratePerSecond > 0) || !(burst >= 1) || !(maxConcurrent >= 1)) {
    throw new RangeError('throttle: ratePerSecond > 0, burst >= 1 and maxConcurrent >= 1 are required');
  }
  const clock = opts.clock ?? Date.now;
  const maxKeys = opts.maxKeys ?? 100_000;
  const concurrencyRetry = Math.max(1, Math.ceil(opts.concurrencyRetryAfterSeconds ?? 30));
  const buckets = new Map<string, Bucket>();

  const refill = (b: Bucket, now: number) => {
    // A clock that steps backwards must not mint or destroy tokens.
    const elapsed = Math.max(0, now - b.updatedAt);
    b.tokens = Math.min(burst, b.tokens + (elapsed / 1000) * ratePerSecond);
    b.updatedAt = Math.max(b.updatedAt, now);
  };

  // Drops idle keys (full bucket, nothing in flight): they are indistinguishable from new keys.
  const prune = (now: number) => {
    for (const [k, b] of buckets) {
      if (buckets.size < maxKeys) return;
      if (b.inFlight > 0) continue;
      refill(b, now);
      if (b.tokens >= burst) buckets.delete(k);
    }
    // Still full of active keys: forget the oldest idle ones even if not yet refilled.
    for (const [k, b] of buckets) {
      if (buckets.size < maxKeys) return;
      if (b.inFlight === 0) buckets.delete(k);
    }
  };

  return {
    acquire(key: string): ThrottleDecision {
      const now = clock();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) prune(now);
        b = { tokens: burst, updatedAt: now, inFlight: 0 };
        buckets.set(key, b);
      } else {
        refill(b, now);
      }
      if (b.inFlight >= maxConcurrent) {
        return { ok: false, reason: 'concurrency', retryAfterSeconds: concurrencyRetry };
      }
      if (b.tokens < 1) {
        return {
          ok: false,
          reason: 'rate',
          retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / ratePerSecond)),
        };
      }
      b.tokens -= 1;
      b.inFlight += 1;
      const bucket = b;
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          bucket.inFlight -= 1;
        },
      };
    },
    get size() {
      return buckets.size;
    },
  };
}
