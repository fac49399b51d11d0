import type winston from 'winston'
import type { ReservationRepository } from './repositories/reservations'

/**
 * The backstop of order-service's reconciler: a reservation nobody committed or released within
 * RESERVATION_TTL_SECONDS (its caller gone, or its release lost) gives its stock back. Committed
 * reservations never expire.
 */
export class ReservationExpiry {
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
}
