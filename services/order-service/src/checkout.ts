import { SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import {
  problemFor,
  safeError,
  UpstreamUnavailable,
  type HttpProblem,
  type TagUser,
} from '@shopscope/kit'
import type { Decision, ProductClient, ReservationOutcome } from './clients/products'
import type { OrderRepository, StoredOrder } from './repositories/orders'
import type { Metrics } from './metrics'
import type { Order, Reservation } from '@shopscope/contracts'

const tracer = trace.getTracer('order-service')

export interface CheckoutResult {
  order: Order
  /** True when this request confirmed the order (201); false for a replay (200). */
  confirmedNow: boolean
}

const emptyCart = () => problemFor('empty_cart', 'The cart is empty')
const checkedOut = () =>
  problemFor(
    'cart_checked_out',
    'This cart was just checked out by another order: see your orders before ordering again',
  )
const outOfStock = (detail: string, productId?: number) =>
  problemFor('out_of_stock', detail, productId === undefined ? {} : { productId })
const rejected = () => outOfStock('This order was rejected: not enough stock')

/** product-service names the product by id; the customer knows it by name. */
function rejection(
  order: Order,
  outcome: Extract<ReservationOutcome, { productId: number }>,
): HttpProblem {
  const name =
    order.items.find((i) => i.productId === outcome.productId)?.name ?? 'a product of the cart'
  return outcome.result === 'out_of_stock'
    ? outOfStock(`Not enough stock for ${name}`, outcome.productId)
    : outOfStock(`${name} is no longer sold`, outcome.productId)
}

async function inSpan<T>(name: string, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await work(span)
    } catch (err) {
      // Scrubbed: a database error's message can quote the statement's values.
      const safe = safeError(err)
      span.recordException(safe)
      span.setStatus({ code: SpanStatusCode.ERROR, message: safe.message })
      throw err
    } finally {
      span.end()
    }
  })
}

/**
 * Turns a cart into exactly one order per idempotency key: the pending order row is written
 * before stock is reserved (under the order's random reservation id), so a crash or a 503 at
 * any point is finished by retrying with the same key, and never charges the stock twice.
 *
 * product-service decides each reservation once, and the order follows its decision: confirmed
 * only after the reservation is committed (then never released), rejected only after it is
 * released or refused (then never committed). What a crash leaves pending, a retry or the
 * reconciler finishes; nothing needs undoing afterwards.
 */
export class Checkout {
  constructor(
    private readonly orders: OrderRepository,
    private readonly products: ProductClient,
    private readonly metrics: Metrics,
    private readonly tagUser: TagUser,
  ) {}

  /**
   * `deadline` (epoch ms): when the caller stops waiting. Calls to product-service stop there; the
   * order then stays pending, for the caller's retry with the same key or the reconciler.
   */
  run(userId: number, idempotencyKey: string, deadline?: number): Promise<CheckoutResult> {
    return inSpan('checkout', async (span) => {
      this.tagUser(userId, span)
      const order = await this.orders.begin(userId, idempotencyKey)
      if ('empty' in order) {
        this.metrics.checkoutFailed('empty_cart')
        throw order.empty === 'empty' ? emptyCart() : checkedOut()
      }
      span.setAttributes({ 'order.id': order.id, 'cart.items': order.items.length })
      if (order.status === 'confirmed') return { order, confirmedNow: false }
      if (order.status === 'rejected') throw rejected()
      return this.complete(order, deadline)
    })
  }

  private async complete(order: StoredOrder, deadline?: number): Promise<CheckoutResult> {
    const outcome = await this.reserve(order, deadline)
    if (outcome.result === 'reserved') {
      const decision = await this.commit(order, deadline)
      if (decision.result === 'committed') return this.confirm(order, decision.reservation)
    }
    // Refused, or released (by the reconciler or on expiry) before this request could commit.
    const { order: decided } = await this.orders.reject(order.id)
    if (decided.status === 'confirmed') return { order: decided, confirmedNow: false }
    this.metrics.checkoutFailed('out_of_stock')
    throw 'productId' in outcome ? rejection(order, outcome) : rejected()
  }

  /** The reservation is committed: the stock is this order's whatever happens next. */
  private async confirm(order: Order, reservation: Reservation): Promise<CheckoutResult> {
    const { order: confirmed, changed } = await this.orders.confirm(order, reservation)
    if (confirmed.status === 'rejected') {
      // Orders are rejected only after product-service released their reservation, which then
      // cannot be committed: reaching this is a bug, not a race.
      throw new Error(`order ${order.id} is rejected although its reservation is committed`)
    }
    if (changed) {
      this.metrics.orderConfirmed(confirmed.total)
    }
    return { order: confirmed, confirmedNow: changed }
  }

  private reserve(order: StoredOrder, deadline?: number): Promise<ReservationOutcome> {
    return inSpan('reserve_stock', async (span) => {
      span.setAttributes({ 'order.id': order.id, 'cart.items': order.items.length })
      const lines = order.items.map(({ productId, quantity }) => ({ productId, quantity }))
      try {
        const outcome = await this.products.reserve(order.reservationId, lines, deadline)
        span.setAttribute('reservation.result', outcome.result)
        return outcome
      } catch (err) {
        // The order stays pending: the customer's retry with the same key completes it.
        if (err instanceof UpstreamUnavailable) this.metrics.checkoutFailed('dependency')
        throw err
      }
    })
  }

  private async commit(order: StoredOrder, deadline?: number): Promise<Decision> {
    try {
      return await this.products.commit(order.reservationId, deadline)
    } catch (err) {
      // Still pending, its stock reserved: a retry, the reconciler or the expiry settles it.
      if (err instanceof UpstreamUnavailable) this.metrics.checkoutFailed('dependency')
      throw err
    }
  }
}
