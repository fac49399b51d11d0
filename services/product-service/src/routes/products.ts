import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { notFound } from '@shopscope/kit'
import {
  Product,
  ProductPage,
  ProductParams,
  ProductQuery,
  problemResponses,
} from '@shopscope/contracts'

const problems = problemResponses(400, 404, 503)

export const productRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/products',
    {
      schema: {
        tags: ['products'],
        querystring: ProductQuery,
        response: { 200: ProductPage, ...problems },
      },
    },
    async (request) => app.products.list(request.query),
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
      const product = await app.products.find(request.params.id)
      if (!product) throw notFound(`Product ${request.params.id}`)
      return product
    },
  )
}
