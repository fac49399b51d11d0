import { SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import {
  exemplarLabels,
  problemFor,
  promClient,
  safeError,
  UpstreamUnavailable,
  type HttpProblem,
} from '@shopscope/kit'
import type { Decision, ProductClient, ReservationOutcome } from './clients/products'
import type { OrderRepository, StoredOrder } from './repositories/orders'
import type { Order, Reservation } from '@shopscope/contracts'

const tracer = trace.getTracer('order-service')

export type FailureReason = 'out_of_stock' | 'empty_cart' | 'dependency'

export interface CheckoutMetrics {
  created: promClient.Counter
  failed: promClient.Counter<'reason'>
  value: promClient.Histogram
}

export interface CheckoutResult {
  order: Order
  /** True when this request confirmed the order (201); false for a replay (200). */
  confirmedNow: boolean
}

/** Outside a sampled trace there is nothing to link: an empty exemplar would only add noise. */
function traceExemplar(): Record<string, string> | undefined {
  const labels = exemplarLabels()
  return Object.keys(labels).length > 0 ? labels : undefined
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
    private readonly metrics: CheckoutMetrics,
    /** Traces carry a keyed pseudonym of the user id (kit), never the id. */
    private readonly pseudonym: (userId: number) => string,
  ) {}

  /**
   * `deadline` (epoch ms): when the caller stops waiting. Calls to product-service stop there; the
   * order then stays pending, for the caller's retry with the same key or the reconciler.
   */
  run(userId: number, idempotencyKey: string, deadline?: number): Promise<CheckoutResult> {
    return inSpan('checkout', async (span) => {
      span.setAttribute('user.id', this.pseudonym(userId))
      const order = await this.orders.begin(userId, idempotencyKey)
      if ('empty' in order) {
        this.fail('empty_cart')
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
    this.fail('out_of_stock')
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
      this.metrics.created.inc({ value: 1, exemplarLabels: traceExemplar() })
      this.metrics.value.observe({ value: confirmed.total, exemplarLabels: traceExemplar() })
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
        if (err instanceof UpstreamUnavailable) this.fail('dependency')
        throw err
      }
    })
  }

  private async commit(order: StoredOrder, deadline?: number): Promise<Decision> {
    try {
      return await this.products.commit(order.reservationId, deadline)
    } catch (err) {
      // Still pending, its stock reserved: a retry, the reconciler or the expiry settles it.
      if (err instanceof UpstreamUnavailable) this.fail('dependency')
      throw err
    }
  }

  private fail(reason: FailureReason): void {
    this.metrics.failed.inc({ labels: { reason }, value: 1, exemplarLabels: traceExemplar() })
  }
}
