import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { notFound } from '@shopscope/kit'
import type { ProductClient } from '../clients/products'
import type { CartRepository } from '../repositories/carts'
import {
  Cart,
  CartItemBody,
  CartItemParams,
  QuantityBody,
  problemResponses,
} from '@shopscope/contracts'

export interface AuthenticatedRoutes {
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

// 502/503: product-service or the database failing, passed on (a `dependency` member).
const problems = problemResponses(400, 401, 404, 409, 502, 503)
const security = [{ bearerAuth: [] }]

/** The set preHandler guarantees a user; the token's subject is the cart's owner. */
export const userId = (request: FastifyRequest): number => {
  if (!request.user) throw new Error('route registered without authentication')
  return request.user.id
}

interface Options extends AuthenticatedRoutes {
  carts: CartRepository
  productClient: ProductClient
}

export const cartRoutes: FastifyPluginAsyncTypebox<Options> = async (
  app,
  { authenticate, carts, productClient },
) => {
  // onRequest, not preHandler: an anonymous caller gets 401 before any body validation.
  app.addHook('onRequest', authenticate)

  app.get(
    '/cart',
    { schema: { tags: ['cart'], security, response: { 200: Cart, ...problems } } },
    async (request) => carts.get(userId(request)),
  )

  app.post(
    '/cart/items',
    {
      schema: {
        tags: ['cart'],
        security,
        body: CartItemBody,
        response: { 200: Cart, ...problems },
      },
    },
    async (request) => {
      const product = await productClient.find(request.body.productId, request.deadline)
      if (!product) throw notFound(`Product ${request.body.productId}`)
      return carts.add(userId(request), product, request.body.quantity)
    },
  )

  app.put(
    '/cart/items/:productId',
    {
      schema: {
        tags: ['cart'],
        security,
        params: CartItemParams,
        body: QuantityBody,
        response: { 200: Cart, ...problems },
      },
    },
    async (request) =>
      carts.setQuantity(userId(request), request.params.productId, request.body.quantity),
  )

  app.delete(
    '/cart/items/:productId',
    {
      schema: {
        tags: ['cart'],
        security,
        params: CartItemParams,
        response: { 200: Cart, ...problems },
      },
    },
    async (request) => carts.remove(userId(request), request.params.productId),
  )
}
