import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import {
  promClient,
  registerUpstreamMetrics,
  requireUser,
  serializeError,
  serviceTokenMinter,
  Sweeper,
  tokenVerifier,
  userPseudonym,
  type ServiceConfig,
} from '@shopscope/kit'
import type { OrderEnv } from './config'
import { ProductClient } from './clients/products'
import { CartRepository } from './repositories/carts'
import { OrderRepository } from './repositories/orders'
import { Checkout, type CheckoutMetrics } from './checkout'
import { PendingOrderReconciler } from './reconciler'
import { cartRoutes } from './routes/cart'
import { orderRoutes } from './routes/orders'

declare module 'fastify' {
  interface FastifyInstance {
    carts: CartRepository
    orders: OrderRepository
    productClient: ProductClient
    checkout: Checkout
  }
}

function checkoutMetrics(registry: FastifyInstance['metrics']): CheckoutMetrics {
  const failed = new promClient.Counter({
    name: 'shopscope_orders_failed_total',
    help: 'Checkouts that did not create an order, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
    enableExemplars: true,
  })
  // Zero series from the start, so rate() and alerts see the first failure.
  for (const reason of ['out_of_stock', 'empty_cart', 'dependency'])
    failed.inc({ labels: { reason }, value: 0 })
  return {
    created: new promClient.Counter({
      name: 'shopscope_orders_created_total',
      help: 'Orders confirmed (stock reserved)',
      registers: [registry],
      enableExemplars: true,
    }),
    failed,
    value: new promClient.Histogram({
      name: 'shopscope_order_value_euros',
      help: 'Total of each confirmed order, in euros',
      buckets: [10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
      registers: [registry],
      enableExemplars: true,
    }),
  }
}

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
  fastify.decorate('carts', new CartRepository(fastify.db))
  fastify.decorate('orders', orders)
  fastify.decorate('productClient', productClient)
  fastify.decorate(
    'checkout',
    new Checkout(
      orders,
      productClient,
      checkoutMetrics(fastify.metrics),
      userPseudonym(config.JWT_SECRET),
    ),
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
  await fastify.register(cartRoutes, { prefix: '/api/v1', authenticate })
  await fastify.register(orderRoutes, { prefix: '/api/v1', authenticate })
}

export default app
