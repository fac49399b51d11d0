import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { notFound } from '@shopscope/kit'
import {
  IdempotencyHeaders,
  Order,
  OrderList,
  OrderParams,
  problemResponses,
} from '@shopscope/contracts'
import type { Checkout } from '../checkout'
import type { OrderRepository } from '../repositories/orders'
import { userId, type AuthenticatedRoutes } from './cart'

// 502/503: product-service or the database failing, passed on (a `dependency` member).
const problems = problemResponses(400, 401, 404, 409, 502, 503)
const security = [{ bearerAuth: [] }]

interface Options extends AuthenticatedRoutes {
  orders: OrderRepository
  checkout: Checkout
}

export const orderRoutes: FastifyPluginAsyncTypebox<Options> = async (
  app,
  { authenticate, orders, checkout },
) => {
  app.addHook('onRequest', authenticate)

  app.post(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        security,
        headers: IdempotencyHeaders,
        response: { 200: Order, 201: Order, ...problems },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key']
      const { order, confirmedNow } = await checkout.run(userId(request), key, request.deadline)
      return reply.code(confirmedNow ? 201 : 200).send(order)
    },
  )

  app.get(
    '/orders',
    { schema: { tags: ['orders'], security, response: { 200: OrderList, ...problems } } },
    async (request) => orders.list(userId(request)),
  )

  app.get(
    '/orders/:id',
    {
      schema: {
        tags: ['orders'],
        security,
        params: OrderParams,
        response: { 200: Order, ...problems },
      },
    },
    async (request) => {
      const order = await orders.find(request.params.id, userId(request))
      if (!order) throw notFound(`Order ${request.params.id}`)
      return order
    },
  )
}
