import type { FastifyPluginAsync } from 'fastify'
import {
  registerUpstreamMetrics,
  requireUser,
  serializeError,
  serviceTokenMinter,
  Sweeper,
  tokenVerifier,
  userTagger,
  type ServiceConfig,
} from '@shopscope/kit'
import type { OrderEnv } from './config'
import { ProductClient } from './clients/products'
import { CartRepository } from './repositories/carts'
import { OrderRepository } from './repositories/orders'
import { Checkout } from './checkout'
import { createMetrics } from './metrics'
import { PendingOrderReconciler } from './reconciler'
import { cartRoutes } from './routes/cart'
import { orderRoutes } from './routes/orders'

const app: FastifyPluginAsync<{ config: ServiceConfig<typeof OrderEnv.properties> }> = async (
  fastify,
  { config },
) => {
  const productClient = new ProductClient(
    config.PRODUCT_SERVICE_URL,
    config.UPSTREAM_TIMEOUT_MS,
    serviceTokenMinter(config.ORDER_SERVICE_SIGNING_KEY, 'order-service'),
  )
  registerUpstreamMetrics(fastify.metrics, [productClient.upstream])
  const orders = new OrderRepository(fastify.db)
  const carts = new CartRepository(fastify.db)
  const checkout = new Checkout(
    orders,
    productClient,
    createMetrics(fastify.metrics),
    userTagger(config.JWT_SECRET),
  )

  const reconciler = new PendingOrderReconciler(
    orders,
    productClient,
    config.PENDING_ORDER_TIMEOUT_SECONDS,
    fastify.winston,
  )
  // One replica at a time, never overlapping itself (kit Sweeper).
  const sweeper = new Sweeper(
    fastify.db,
    'pending-orders',
    () => reconciler.sweep(),
    (err) =>
      fastify.winston.warn('pending order sweep failed, will retry', { err: serializeError(err) }),
  )
  fastify.addHook('onReady', async () => sweeper.start(30_000))
  fastify.addHook('onClose', async () => sweeper.stop())

  const authenticate = requireUser(tokenVerifier(config.JWT_SECRET))
  await fastify.register(cartRoutes, { prefix: '/api/v1', authenticate, carts, productClient })
  await fastify.register(orderRoutes, { prefix: '/api/v1', authenticate, orders, checkout })
}

export default app
