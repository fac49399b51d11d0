import type { FastifyPluginAsync } from 'fastify'
import {
  promClient,
  serializeError,
  serviceTokenVerifier,
  Sweeper,
  type ServiceConfig,
} from '@shopscope/kit'
import type { ProductEnv } from './config'
import { ProductRepository } from './repositories/products'
import { ReservationRepository } from './repositories/reservations'
import { productRoutes } from './routes/products'
import { reservationRoutes } from './routes/reservations'
import { ReservationExpiry } from './reservation-expiry'

declare module 'fastify' {
  interface FastifyInstance {
    products: ProductRepository
    reservations: ReservationRepository
  }
}

const app: FastifyPluginAsync<{ config: ServiceConfig<typeof ProductEnv.properties> }> = async (
  fastify,
  { config },
) => {
  const reservationOutcomes = new promClient.Counter({
    name: 'shopscope_stock_reservations_total',
    help: 'Stock reservations by result: reserved, rejected (not enough stock), committed, released or expired',
    labelNames: ['result'] as const,
    registers: [fastify.metrics],
    enableExemplars: true,
  })
  fastify.decorate('products', new ProductRepository(fastify.db))
  const reservations = new ReservationRepository(
    fastify.db,
    reservationOutcomes,
    config.RESERVATION_TTL_SECONDS,
  )
  fastify.decorate('reservations', reservations)
  const expiry = new ReservationExpiry(reservations, fastify.winston)
  // One replica at a time, never overlapping itself (kit Sweeper).
  const sweeper = new Sweeper(
    fastify.db,
    'reservation-expiry',
    () => expiry.sweep(),
    (err) =>
      fastify.winston.warn('reservation expiry sweep failed, will retry', {
        err: serializeError(err),
      }),
  )
  fastify.addHook('onReady', async () => sweeper.start(30_000))
  fastify.addHook('onClose', async () => sweeper.stop())

  await fastify.register(productRoutes, { prefix: '/api/v1' })
  await fastify.register(reservationRoutes, {
    prefix: '/api/v1',
    verifyServiceToken: serviceTokenVerifier('product-service', {
      'order-service': config.ORDER_SERVICE_PUBLIC_KEY,
    }),
  })
}

export default app
