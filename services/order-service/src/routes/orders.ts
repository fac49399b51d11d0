import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { notFound } from '@shopscope/kit'
import {
  IdempotencyHeaders,
  Order,
  OrderList,
  OrderParams,
  problemResponses,
} from '@shopscope/contracts'
import { userId, type AuthenticatedRoutes } from './cart'

// 502/503: product-service or the database failing, passed on (a `dependency` member).
const problems = problemResponses(400, 401, 404, 409, 502, 503)
const security = [{ bearerAuth: [] }]

export const orderRoutes: FastifyPluginAsyncTypebox<AuthenticatedRoutes> = async (
  app,
  { authenticate },
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
      const { order, confirmedNow } = await app.checkout.run(userId(request), key, request.deadline)
      return reply.code(confirmedNow ? 201 : 200).send(order)
    },
  )

  app.get(
    '/orders',
    { schema: { tags: ['orders'], security, response: { 200: OrderList, ...problems } } },
    async (request) => app.orders.list(userId(request)),
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
      const order = await app.orders.find(request.params.id, userId(request))
      if (!order) throw notFound(`Order ${request.params.id}`)
      return order
    },
  )
}
