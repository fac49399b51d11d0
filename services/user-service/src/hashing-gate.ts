import type { FastifyReply, FastifyRequest } from 'fastify'
import { problemFor } from '@shopscope/kit'

/** Thrown before any work starts: every slot is busy and the queue is full or waited too long. */
export class GateFull extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many passwords are being checked right now')
    this.name = 'GateFull'
  }
}

interface Waiter {
  client: string
  admit: () => void
  timer: NodeJS.Timeout
}

export interface GateLimits {
  /** Hashes running at once. */
  concurrency: number
  /** Callers waiting for a slot. */
  queue: number
  /** Longest wait for a slot. */
  maxWaitMs: number
  /** Running or waiting callers of one client address: no client fills the queue alone. */
  perClient: number
}

/**
 * Bounds the password hashing (scrypt: CPU and 16 MiB each) of one kind of request. A burst
 * never piles up work nor memory: beyond `concurrency` running and `queue` waiting, after
 * `maxWaitMs` in the queue, or beyond `perClient` for one address, the caller is refused before
 * anything was done, so it can retry later and nothing it asked for happened half-way. The wait
 * is bounded well under the frontend's timeout, so an accepted request is answered before its
 * caller gives up. One client address runs one hash at a time, its others wait: with two slots
 * or more, a flood from one address always leaves a slot to everyone else.
 */
export class HashingGate {
  private readonly runningClients = new Set<string>()
  private readonly waiting: Waiter[] = []
  private readonly perClient = new Map<string, number>()

  constructor(private readonly limits: GateLimits) {}

  /** Hashes running, and callers waiting for a slot (for the metrics). */
  get load(): { running: number; waiting: number } {
    return { running: this.runningClients.size, waiting: this.waiting.length }
  }

  async run<T>(client: string, work: () => Promise<T>): Promise<T> {
    const mine = this.perClient.get(client) ?? 0
    if (mine >= this.limits.perClient) throw new GateFull(this.retryAfterSeconds)
    this.perClient.set(client, mine + 1)
    try {
      await this.enter(client)
      try {
        return await work()
      } finally {
        this.runningClients.delete(client)
        this.admitWaiters()
      }
    } finally {
      const left = (this.perClient.get(client) ?? 1) - 1
      if (left > 0) this.perClient.set(client, left)
      else this.perClient.delete(client)
    }
  }

  private get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.limits.maxWaitMs / 1000))
  }

  private canRun(client: string): boolean {
    return this.runningClients.size < this.limits.concurrency && !this.runningClients.has(client)
  }

  private enter(client: string): Promise<void> {
    if (this.canRun(client)) {
      this.runningClients.add(client)
      return Promise.resolve()
    }
    if (this.waiting.length >= this.limits.queue)
      return Promise.reject(new GateFull(this.retryAfterSeconds))
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        client,
        admit: () => {
          clearTimeout(waiter.timer)
          resolve()
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1)
          reject(new GateFull(this.retryAfterSeconds))
        }, this.limits.maxWaitMs),
      }
      this.waiting.push(waiter)
    })
  }

  /** Oldest first, skipping clients that already run one. */
  private admitWaiters(): void {
    for (let i = 0; i < this.waiting.length;) {
      const waiter = this.waiting[i] as Waiter
      if (!this.canRun(waiter.client)) {
        i++
        continue
      }
      this.waiting.splice(i, 1)
      this.runningClients.add(waiter.client)
      waiter.admit()
    }
  }
}

/**
 * `work` (which hashes a password) through `gate`, for the request's client address; a full gate
 * is a 429 `too_busy` problem with Retry-After, answered before any of the work was done.
 */
export async function throughGate<T>(
  gate: HashingGate,
  request: FastifyRequest,
  reply: FastifyReply,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await gate.run(request.clientAddress, work)
  } catch (err) {
    if (!(err instanceof GateFull)) throw err
    reply.header('retry-after', String(err.retryAfterSeconds))
    throw problemFor('too_busy', 'Too many passwords are being checked right now, retry shortly')
  }
}
