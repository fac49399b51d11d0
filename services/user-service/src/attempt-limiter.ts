import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Attempts per key in fixed windows, in this replica's memory (as @fastify/rate-limit's store).
 * Needed beside that plugin because it runs one limit per request: the first limiter to see a
 * request marks it, and any second one is skipped.
 */
export class AttemptLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>()

  constructor(
    private readonly max: number,
    private readonly windowMs = 60_000,
    /** Bounds memory whatever the number of addresses seen. */
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts one attempt; returns the seconds to wait when it is over the limit, else 0. */
  hit(key: string, now = Date.now()): number {
    let window = this.windows.get(key)
    if (!window || window.resetAt <= now) {
      this.windows.delete(key)
      if (this.windows.size >= this.maxKeys) this.evict(now)
      window = { count: 0, resetAt: now + this.windowMs }
      this.windows.set(key, window)
    }
    window.count++
    return window.count > this.max ? Math.max(1, Math.ceil((window.resetAt - now) / 1000)) : 0
  }

  /** Drops finished windows, else the oldest (a Map iterates in insertion order). */
  private evict(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key)
    if (this.windows.size < this.maxKeys) return
    const oldest = this.windows.keys().next()
    if (!oldest.done) this.windows.delete(oldest.value)
  }
}

/**
 * preHandler: counts the request against its client address (`request.clientAddress`) and,
 * over the limit, refuses it before any work with the error `refuse` makes and Retry-After.
 */
export function limitPerAddress(
  limiter: AttemptLimiter,
  refuse: (waitSeconds: number) => Error,
  onLimited: () => void = () => {},
) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const wait = limiter.hit(request.clientAddress)
    if (wait === 0) return
    onLimited()
    reply.header('retry-after', String(wait))
    throw refuse(wait)
  }
}
