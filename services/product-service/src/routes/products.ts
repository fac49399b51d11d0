import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { notFound } from '@shopscope/kit'
import type { ProductRepository } from '../repositories/products'
import {
  Product,
  ProductPage,
  ProductParams,
  ProductQuery,
  problemResponses,
} from '@shopscope/contracts'

const problems = problemResponses(400, 404, 503)

export const productRoutes: FastifyPluginAsyncTypebox<{ products: ProductRepository }> = async (
  app,
  { products },
) => {
  app.get(
    '/products',
    {
      schema: {
        tags: ['products'],
        querystring: ProductQuery,
        response: { 200: ProductPage, ...problems },
      },
    },
    async (request) => products.list(request.query),
  )

  app.get(
    '/products/:id',
    {
      schema: {
        tags: ['products'],
        params: ProductParams,
        response: { 200: Product, ...problems },
      },
    },
    async (request) => {
      const product = await products.find(request.params.id)
      if (!product) throw notFound(`Product ${request.params.id}`)
      return product
    },
  )
}
