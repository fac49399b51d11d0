import type winston from 'winston'
import { serializeError, UpstreamUnavailable } from '@shopscope/kit'
import type { ProductClient } from './clients/products'
import type { OrderRepository } from './repositories/orders'

export interface SweepResult {
  /** Abandoned orders whose reservation product-service released: rejected. */
  rejected: number[]
  /** Abandoned orders whose reservation a checkout had committed: confirmed. */
  confirmed: number[]
}

/**
 * A checkout interrupted after stock was reserved (503, crash) stays pending until the customer
 * retries. One nobody retries would hold its stock: after `timeoutSeconds` its reservation is
 * released, and only once product-service has confirmed the release is the order rejected. Until
 * then it stays pending, so a release that failed (product-service down, which is exactly when
 * orders get abandoned) is simply tried again at the next sweep: compensation is never lost.
 * product-service decides each reservation once, so a retry committing at the same moment wins
 * or loses cleanly, and stock is never returned twice.
 */
export class PendingOrderReconciler {
  constructor(
    private readonly orders: OrderRepository,
    private readonly products: ProductClient,
    private readonly timeoutSeconds: number,
    private readonly log: winston.Logger,
    /** Orders settled per sweep at most. */
    private readonly batchSize = 100,
  ) {}

  /** Rejects with UpstreamUnavailable when product-service is down: the rest waits a sweep. */
  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { rejected: [], confirmed: [] }
    try {
      const due = await this.orders.stalePending(this.timeoutSeconds, this.batchSize)
      for (const { id, reservationId } of due) {
        try {
          await this.settle(id, reservationId, result)
        } catch (err) {
          if (err instanceof UpstreamUnavailable) throw err
          // Something wrong with this one order must not hold up the others: it is tried again
          // later, backing off, and the orders due before it are swept first meanwhile.
          this.log.error('abandoned order not settled, will retry', {
            order_id: id,
            err: serializeError(err),
          })
          await this.orders.deferSettle(id)
        }
      }
    } finally {
      if (result.rejected.length > 0)
        this.log.warn('abandoned pending orders rejected', { order_ids: result.rejected })
      if (result.confirmed.length > 0)
        this.log.warn('abandoned pending orders confirmed', { order_ids: result.confirmed })
    }
    return result
  }

  private async settle(id: number, reservationId: string, result: SweepResult): Promise<void> {
    if ((await this.products.release(reservationId)) === 'released') {
      if ((await this.orders.reject(id)).changed) result.rejected.push(id)
      return
    }
    // A checkout committed the stock, then stopped before confirming: the order is due.
    const decision = await this.products.commit(reservationId)
    const order = await this.orders.find(id)
    if (decision.result !== 'committed' || !order) return
    if ((await this.orders.confirm(order, decision.reservation)).changed) result.confirmed.push(id)
  }
}
