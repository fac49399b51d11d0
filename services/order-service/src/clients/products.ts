import { Upstream } from '@shopscope/kit'

/** What the cart needs from product-service's `Product`. */
export interface CatalogProduct {
  id: number
  name: string
  /** Euros. */
  price: number
}

export interface ReservationLine {
  productId: number
  quantity: number
}

export interface Reservation {
  id: string
  items: { productId: number; name: string; quantity: number; unitPrice: number }[]
  total: number
}

export type ReservationOutcome =
  | { result: 'reserved'; reservation: Reservation }
  | { result: 'out_of_stock' | 'unknown_product'; detail: string }

/**
 * product-service over HTTP. Throws `UpstreamUnavailable` (a 503 problem) when it is down,
 * slow or its circuit is open.
 */
export class ProductClient {
  readonly upstream: Upstream

  constructor(baseUrl: string, timeoutMs: number) {
    this.upstream = new Upstream({ name: 'product-service', baseUrl, timeoutMs })
  }

  async find(id: number): Promise<CatalogProduct | undefined> {
    const { status, body } = await this.upstream.request<CatalogProduct>(
      'GET',
      `/api/v1/products/${id}`,
    )
    if (status === 404) return undefined
    if (status !== 200) throw new Error(`product-service answered ${status} for product ${id}`)
    return body
  }

  /**
   * The reservation id is chosen here (one per order), so product-service takes the stock at
   * most once however often this is retried: safe to mark idempotent.
   */
  async reserve(id: string, items: ReservationLine[]): Promise<ReservationOutcome> {
    const { status, body } = await this.upstream.request<Reservation & { detail?: string }>(
      'PUT',
      `/api/v1/reservations/${encodeURIComponent(id)}`,
      { body: { items }, idempotent: true },
    )
    if (status === 200 || status === 201) return { result: 'reserved', reservation: body }
    if (status === 409) return { result: 'out_of_stock', detail: body.detail ?? '' }
    if (status === 404) return { result: 'unknown_product', detail: body.detail ?? '' }
    throw new Error(`product-service answered ${status} to reservation ${id}`)
  }

  /** Gives reserved stock back; releasing twice is harmless on product-service's side. */
  async release(id: string): Promise<void> {
    const { status } = await this.upstream.request(
      'DELETE',
      `/api/v1/reservations/${encodeURIComponent(id)}`,
      { idempotent: true },
    )
    if (status !== 200 && status !== 404) {
      throw new Error(`product-service answered ${status} to releasing ${id}`)
    }
  }
}
