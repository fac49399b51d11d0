import {
  isProblem,
  OutOfStockProblem,
  UnknownProductProblem,
  type Product,
  type Reservation,
  type ReservationRequest,
} from '@shopscope/contracts'
import { serviceAuthorization, unexpectedAnswer, Upstream } from '@shopscope/kit'

export type ReservationLine = ReservationRequest['items'][number]

/** A refusal names the product concerned, read from the problem's `productId`. */
export type ReservationOutcome =
  | { result: 'reserved'; reservation: Reservation }
  | { result: 'out_of_stock' | 'unknown_product'; productId: number }
  /** The id is spent: released (by the reconciler, on expiry) or refused earlier. */
  | { result: 'released' }

/** What product-service decided for a reservation: the order follows it. */
export type Decision = { result: 'committed'; reservation: Reservation } | { result: 'released' }

const reasonOf = (body: unknown): unknown => (body as { reason?: unknown } | undefined)?.reason

/**
 * product-service over HTTP. Throws `UpstreamUnavailable` (a 503 problem) when it is down,
 * slow or its circuit is open, `UpstreamError` (a 502 problem) when it answers outside its
 * contract.
 */
export class ProductClient {
  readonly upstream: Upstream

  /** `mintToken(audience)`: order-service's service token; reservations require it. */
  constructor(
    baseUrl: string,
    timeoutMs: number,
    private readonly mintToken: (audience: string) => string,
  ) {
    this.upstream = new Upstream({ name: 'product-service', baseUrl, timeoutMs })
  }

  private reservationCall(
    method: string,
    path: string,
    deadline: number | undefined,
    body?: ReservationRequest,
  ) {
    return this.upstream.request<unknown>(method, `/api/v1/reservations/${path}`, {
      body,
      deadline,
      headers: serviceAuthorization(this.mintToken, this.upstream.name),
      // Every reservation call names its reservation: repeating one cannot change the outcome.
      idempotent: true,
    })
  }

  /** `deadline`: the caller's (epoch ms), which every call below honours. */
  async find(id: number, deadline?: number): Promise<Product | undefined> {
    const { status, body } = await this.upstream.request<Product>('GET', `/api/v1/products/${id}`, {
      deadline,
    })
    if (status === 404) return undefined
    if (status !== 200) throw unexpectedAnswer(this.upstream.name, status)
    return body
  }

  /**
   * The reservation id is the order's (random, one per order), so product-service takes the
   * stock at most once however often this is retried.
   */
  async reserve(
    id: string,
    items: ReservationLine[],
    deadline?: number,
  ): Promise<ReservationOutcome> {
    const { status, body } = await this.reservationCall('PUT', encodeURIComponent(id), deadline, {
      items,
    })
    if (status === 200 || status === 201) {
      const reservation = body as Reservation
      return reservation.status === 'released'
        ? { result: 'released' }
        : { result: 'reserved', reservation }
    }
    if (status === 409 && isProblem(OutOfStockProblem, body)) {
      return { result: 'out_of_stock', productId: body.productId }
    }
    if (status === 404 && isProblem(UnknownProductProblem, body)) {
      return { result: 'unknown_product', productId: body.productId }
    }
    throw unexpectedAnswer(this.upstream.name, status)
  }

  /** Makes the stock the order's for good; `released` when it is too late for that. */
  async commit(id: string, deadline?: number): Promise<Decision> {
    const { status, body } = await this.reservationCall(
      'POST',
      `${encodeURIComponent(id)}/commit`,
      deadline,
    )
    if (status === 200) return { result: 'committed', reservation: body as Reservation }
    if (status === 409 && reasonOf(body) === 'reservation_released') return { result: 'released' }
    throw unexpectedAnswer(this.upstream.name, status)
  }

  /**
   * Gives reserved stock back (releasing twice is harmless); `committed` when a checkout made it
   * the order's first. An id never reserved is spent by this, so no late PUT can take stock.
   */
  async release(id: string): Promise<Decision['result']> {
    const { status, body } = await this.reservationCall('DELETE', encodeURIComponent(id), undefined)
    if (status === 200 || status === 404) return 'released'
    if (status === 409 && reasonOf(body) === 'reservation_committed') return 'committed'
    throw unexpectedAnswer(this.upstream.name, status)
  }
}
