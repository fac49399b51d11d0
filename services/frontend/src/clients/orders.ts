import { unexpectedAnswer, type Upstream, type UpstreamRequestInit } from '@shopscope/kit'
import { detailOf, SessionExpired } from '../errors'
import type { Cart, Order, OrderList } from '@shopscope/contracts'

/** `reason`: the problem's, e.g. `cart_checked_out` (another tab's order took this cart). */
export type Rejected = { rejected: string; reason?: string }

export const isRejected = (value: object): value is Rejected => 'rejected' in value

/** Every call acts for the signed-in user: order-service reads the user from the token. */
export class OrderClient {
  constructor(
    readonly upstream: Upstream,
    private readonly checkoutTimeoutMs: number,
  ) {}

  private async call<T>(
    token: string,
    method: string,
    path: string,
    init: UpstreamRequestInit = {},
  ) {
    const res = await this.upstream.request<T>(method, `/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...init.headers },
    })
    if (res.status === 401) throw new SessionExpired()
    return res
  }

  private expect<T>(res: { status: number; body: T }, status = 200): T {
    if (res.status !== status) throw unexpectedAnswer(this.upstream.name, res.status)
    return res.body
  }

  async cart(token: string): Promise<Cart> {
    return this.expect(await this.call<Cart>(token, 'GET', '/cart'))
  }

  async addItem(token: string, productId: number, quantity: number): Promise<Cart | Rejected> {
    const res = await this.call<Cart>(token, 'POST', '/cart/items', {
      body: { productId, quantity },
    })
    if (res.status === 404) return { rejected: 'This product is no longer available.' }
    if (res.status === 409) return { rejected: detailOf(res.body, 'Not enough stock.') }
    return this.expect(res)
  }

  /** The line may be gone: removed or checked out in another tab since this page was shown. */
  async setQuantity(token: string, productId: number, quantity: number): Promise<Cart | Rejected> {
    const res = await this.call<Cart>(token, 'PUT', `/cart/items/${productId}`, {
      body: { quantity },
      idempotent: true,
    })
    if (res.status === 404) return { rejected: 'This product is no longer in your cart.' }
    return this.expect(res)
  }

  async removeItem(token: string, productId: number): Promise<Cart> {
    const res = await this.call<Cart>(token, 'DELETE', `/cart/items/${productId}`, {
      idempotent: true,
    })
    return this.expect(res)
  }

  /**
   * The whole checkout gets one budget, passed on to order-service so that it answers (a 503
   * when product-service is slow) before this call times out. Retried within the budget only,
   * after a backoff: the idempotency key makes a repeat return the same order.
   */
  async placeOrder(token: string, idempotencyKey: string): Promise<Order | Rejected> {
    const res = await this.call<Order>(token, 'POST', '/orders', {
      headers: { 'idempotency-key': idempotencyKey },
      timeoutMs: this.checkoutTimeoutMs,
      deadline: Date.now() + this.checkoutTimeoutMs,
    })
    if (res.status === 409) {
      const reason = (res.body as { reason?: unknown }).reason
      return {
        rejected: detailOf(res.body, 'The order could not be placed.'),
        ...(typeof reason === 'string' ? { reason } : {}),
      }
    }
    if (res.status !== 200 && res.status !== 201) {
      throw unexpectedAnswer(this.upstream.name, res.status)
    }
    return res.body
  }

  async orders(token: string): Promise<OrderList['items']> {
    return this.expect(await this.call<OrderList>(token, 'GET', '/orders')).items
  }

  async order(token: string, id: number): Promise<Order | undefined> {
    const res = await this.call<Order>(token, 'GET', `/orders/${id}`)
    if (res.status === 404) return undefined
    return this.expect(res)
  }
}
