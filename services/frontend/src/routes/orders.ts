import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParams } from '@shopscope/contracts'
import { HttpProblem } from '@shopscope/kit'
import type { OrderClient } from '../clients/orders'
import { requireLogin, shopperOf } from '../session'
import { page } from '../views/layout'
import { orderView, ordersView } from '../views/orders'

export const orderRoutes: FastifyPluginAsyncTypebox<{ orders: OrderClient }> = async (
  app,
  { orders },
) => {
  app.addHook('preHandler', requireLogin)

  app.get('/orders', async (request, reply) => {
    return page(reply, 'Your orders', ordersView(await orders.orders(shopperOf(request).token)))
  })

  app.get('/orders/:id', { schema: { params: IdParams } }, async (request, reply) => {
    const order = await orders.order(shopperOf(request).token, request.params.id)
    if (!order) throw new HttpProblem(404, 'We could not find this order in your account.')
    return page(reply, `Order #${order.id}`, orderView(order))
  })
}
