// Per-principal rate limits: one token bucket per principal, refilled by the clock it is given.
import type { RateLimit } from './parse-config.js';

interface Bucket {
  tokens: number;
  atMs: number;
}

export class RateLimiter {
  #buckets = new Map<string, Bucket>();
  #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Takes one token for `key`: 0 when it may go on, else how many ms until a token is back. */
  take(key: string, limit: RateLimit): number {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: limit.burst, atMs: now };
    const elapsedMs = Math.max(0, now - bucket.atMs);
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (elapsedMs * limit.perSecond) / 1000);
    bucket.atMs = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / limit.perSecond);
  }
}
