import type { FastifyPluginAsync } from 'fastify'
import { serializeError, serviceTokenVerifier, Sweeper, type ServiceConfig } from '@shopscope/kit'
import type { ProductEnv } from './config'
import { createMetrics } from './metrics'
import { ProductRepository } from './repositories/products'
import { ReservationRepository } from './repositories/reservations'
import { productRoutes } from './routes/products'
import { reservationRoutes } from './routes/reservations'
import { ReservationExpiry } from './reservation-expiry'

const app: FastifyPluginAsync<{ config: ServiceConfig<typeof ProductEnv.properties> }> = async (
  fastify,
  { config },
) => {
  const products = new ProductRepository(fastify.db)
  const reservations = new ReservationRepository(
    fastify.db,
    createMetrics(fastify.metrics),
    config.RESERVATION_TTL_SECONDS,
  )
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

  await fastify.register(productRoutes, { prefix: '/api/v1', products })
  await fastify.register(reservationRoutes, {
    prefix: '/api/v1',
    reservations,
    verifyServiceToken: serviceTokenVerifier('product-service', {
      'order-service': config.ORDER_SERVICE_PUBLIC_KEY,
    }),
  })
}

export default app
