import { unexpectedAnswer, type Upstream } from '@shopscope/kit'
import type { Product, ProductPage } from '@shopscope/contracts'

export class ProductClient {
  constructor(readonly upstream: Upstream) {}

  async list(query: { page: number; pageSize: number; q?: string }): Promise<ProductPage> {
    const params = new URLSearchParams({
      page: String(query.page),
      pageSize: String(query.pageSize),
    })
    if (query.q) params.set('q', query.q)
    const res = await this.upstream.request<ProductPage>('GET', `/api/v1/products?${params}`)
    if (res.status !== 200) throw unexpectedAnswer(this.upstream.name, res.status)
    return res.body
  }

  async find(id: number): Promise<Product | undefined> {
    const res = await this.upstream.request<Product>('GET', `/api/v1/products/${id}`)
    if (res.status === 404) return undefined
    if (res.status !== 200) throw unexpectedAnswer(this.upstream.name, res.status)
    return res.body
  }
}
