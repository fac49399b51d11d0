import {
  isProblem,
  OutOfStockProblem,
  UnknownProductProblem,
  type Product,
  type Reservation,
  type ReservationRequest,
} from '@shopscope/contracts'
import { unexpectedAnswer, Upstream } from '@shopscope/kit'

export type ReservationLine = ReservationRequest['items'][number]

/** A refusal names the product concerned, read from the problem's `productId`. */
export type ReservationOutcome =
  | { result: 'reserved'; reservation: Reservation }
  | { result: 'out_of_stock' | 'unknown_product'; productId: number }

/**
 * product-service over HTTP. Throws `UpstreamUnavailable` (a 503 problem) when it is down,
 * slow or its circuit is open, `UpstreamError` (a 502 problem) when it answers outside its
 * contract.
 */
export class ProductClient {
  readonly upstream: Upstream

  constructor(baseUrl: string, timeoutMs: number) {
    this.upstream = new Upstream({ name: 'product-service', baseUrl, timeoutMs })
  }

  async find(id: number): Promise<Product | undefined> {
    const { status, body } = await this.upstream.request<Product>('GET', `/api/v1/products/${id}`)
    if (status === 404) return undefined
    if (status !== 200) throw unexpectedAnswer(this.upstream.name, status)
    return body
  }

  /**
   * The reservation id is chosen here (one per order), so product-service takes the stock at
   * most once however often this is retried: safe to mark idempotent.
   */
  async reserve(id: string, items: ReservationLine[]): Promise<ReservationOutcome> {
    const { status, body } = await this.upstream.request<unknown>(
      'PUT',
      `/api/v1/reservations/${encodeURIComponent(id)}`,
      { body: { items } satisfies ReservationRequest, idempotent: true },
    )
    if (status === 200 || status === 201) {
      return { result: 'reserved', reservation: body as Reservation }
    }
    if (status === 409 && isProblem(OutOfStockProblem, body)) {
      return { result: 'out_of_stock', productId: body.productId }
    }
    if (status === 404 && isProblem(UnknownProductProblem, body)) {
      return { result: 'unknown_product', productId: body.productId }
    }
    throw unexpectedAnswer(this.upstream.name, status)
  }

  /** Gives reserved stock back; releasing twice is harmless on product-service's side. */
  async release(id: string): Promise<void> {
    const { status } = await this.upstream.request(
      'DELETE',
      `/api/v1/reservations/${encodeURIComponent(id)}`,
      { idempotent: true },
    )
    if (status !== 200 && status !== 404) throw unexpectedAnswer(this.upstream.name, status)
  }
}
