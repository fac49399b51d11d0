import type winston from 'winston'
import { serializeError } from '@shopscope/kit'
import type { ProductClient } from './clients/products'
import type { OrderRepository } from './repositories/orders'
import { reservationId } from './checkout'

/**
 * A checkout interrupted after stock was reserved (503, crash) stays pending until the customer
 * retries. One nobody retries would hold its stock forever: after `timeoutSeconds` it is
 * rejected and its reservation released. Rejecting first means a retry confirming at the same
 * moment wins or loses cleanly: only the request that moved the order out of pending acts.
 */
export class PendingOrderReconciler {
  private timer?: NodeJS.Timeout

  constructor(
    private readonly orders: OrderRepository,
    private readonly products: ProductClient,
    private readonly timeoutSeconds: number,
    private readonly log: winston.Logger,
  ) {}

  /** Returns the ids of the orders it rejected. */
  async sweep(): Promise<number[]> {
    const rejected: number[] = []
    for (const id of await this.orders.stalePending(this.timeoutSeconds)) {
      const { changed } = await this.orders.reject(id)
      if (!changed) continue
      await this.products.release(reservationId(id))
      rejected.push(id)
    }
    if (rejected.length > 0)
      this.log.warn('abandoned pending orders rejected', { order_ids: rejected })
    return rejected
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) =>
        this.log.warn('pending order sweep failed, will retry', { err: serializeError(err) }),
      )
    }, intervalMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }
}
