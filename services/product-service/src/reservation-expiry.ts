import type winston from 'winston'
import { serializeError } from '@shopscope/kit'
import type { ReservationRepository } from './repositories/reservations'

/**
 * The backstop of order-service's reconciler: a reservation nobody committed or released within
 * RESERVATION_TTL_SECONDS (its caller gone, or its release lost) gives its stock back. Committed
 * reservations never expire.
 */
export class ReservationExpiry {
  private timer?: NodeJS.Timeout

  constructor(
    private readonly reservations: ReservationRepository,
    private readonly log: winston.Logger,
  ) {}

  /** Returns the ids it released. */
  async sweep(): Promise<string[]> {
    const expired = await this.reservations.releaseExpired()
    if (expired.length > 0)
      this.log.warn('expired reservations released', { count: expired.length })
    return expired
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) =>
        this.log.warn('reservation expiry sweep failed, will retry', { err: serializeError(err) }),
      )
    }, intervalMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }
}
