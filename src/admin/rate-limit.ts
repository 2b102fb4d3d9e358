// Failed-login counter per remote address (fixed window, in memory, per process). It slows password
// guessing against POST /auth/token; successful logins are never counted.

export interface FailureLimiterOptions {
  /** Failures allowed per window; the next attempt is refused until the window ends. */
  max: number;
  windowMs: number;
  clock: () => Date;
  /** Addresses tracked at once; beyond it expired entries, then the oldest, are dropped. */
  maxKeys?: number;
}

export class FailureLimiter {
  private readonly entries = new Map<string, { count: number; start: number }>();
  private readonly maxKeys: number;

  constructor(private readonly o: FailureLimiterOptions) {
    this.maxKeys = o.maxKeys ?? 10_000;
  }

  /** Seconds until `key` may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const e = this.live(key);
    if (!e || e.count < this.o.max) return 0;
    return Math.max(1, Math.ceil((e.start + this.o.windowMs - this.now()) / 1000));
  }

  fail(key: string): void {
    const e = this.live(key);
    if (e) {
      e.count++;
      return;
    }
    if (this.entries.size >= this.maxKeys) this.evict();
    this.entries.set(key, { count: 1, start: this.now() });
  }

  private live(key: string) {
    const e = this.entries.get(key);
    if (e && this.now() - e.start >= this.o.windowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private evict(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (now - e.start >= this.o.windowMs) this.entries.delete(k);
    // Still full (a flood of addresses): drop the oldest; Map keeps insertion order.
    while (this.entries.size >= this.maxKeys) {
      const first = this.entries.keys().next();
      if (first.done) break;
      this.entries.delete(first.value);
    }
  }

  private now(): number {
    return this.o.clock().getTime();
  }
}
