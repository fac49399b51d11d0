import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParams } from '@shopscope/contracts'
import { HttpProblem } from '@shopscope/kit'
import type { ProductClient } from '../clients/products'
import { CatalogQuery } from '../schemas'
import { shopperCsrfToken } from '../session'
import { catalogView, productView } from '../views/catalog'
import { page } from '../views/layout'

export const PAGE_SIZE = 8

export const catalogRoutes: FastifyPluginAsyncTypebox<{ products: ProductClient }> = async (
  app,
  { products },
) => {
  app.get('/', { schema: { querystring: CatalogQuery } }, async (request, reply) => {
    const q = request.query.q.trim()
    const result = await products.list({
      page: request.query.page,
      pageSize: PAGE_SIZE,
      q: q || undefined,
    })
    const view = catalogView({
      result,
      q,
      signedIn: request.shopper !== null,
      csrfToken: shopperCsrfToken(reply),
    })
    return page(reply, q ? `Search: ${q}` : 'Shop', view)
  })

  app.get('/products/:id', { schema: { params: IdParams } }, async (request, reply) => {
    const product = await products.find(request.params.id)
    if (!product) throw new HttpProblem(404, 'This product does not exist (any more).')
    return page(
      reply,
      product.name,
      productView(product, request.shopper !== null, shopperCsrfToken(reply)),
    )
  })
}
