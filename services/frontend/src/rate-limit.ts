/**
 * Token buckets keyed by client address: `burst` requests at once, then one per `everyMs`.
 * Bounded: past `maxClients` addresses the oldest bucket is forgotten (a full bucket again, which
 * only ever favours a client that has been quiet the longest).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly burst: number,
    private readonly everyMs: number,
    private readonly maxClients = 10_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Takes a token for `key`; false when it has none left. */
  take(key: string): boolean {
    const now = this.now()
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now }
    this.buckets.delete(key)
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) / this.everyMs)
    bucket.at = now
    const allowed = bucket.tokens >= 1
    if (allowed) bucket.tokens -= 1
    // Re-inserted: the Map's order is least recently seen first.
    this.buckets.set(key, bucket)
    if (this.buckets.size > this.maxClients) {
      this.buckets.delete(this.buckets.keys().next().value as string)
    }
    return allowed
  }

  /** Seconds until `key` has a token again. */
  retryAfter(key: string): number {
    const bucket = this.buckets.get(key)
    if (!bucket) return 0
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * this.everyMs) / 1000))
  }
}
