import type { FastifyPluginAsync } from 'fastify'
import { promClient, type ServiceConfig } from '@shopscope/kit'
import type { ProductEnv } from './config'
import { ProductRepository } from './repositories/products'
import { ReservationRepository } from './repositories/reservations'
import { productRoutes } from './routes/products'
import { reservationRoutes } from './routes/reservations'

declare module 'fastify' {
  interface FastifyInstance {
    products: ProductRepository
    reservations: ReservationRepository
  }
}

const app: FastifyPluginAsync<{ config: ServiceConfig<typeof ProductEnv.properties> }> = async (
  fastify,
) => {
  const reservationOutcomes = new promClient.Counter({
    name: 'shopscope_stock_reservations_total',
    help: 'Stock reservations by result: reserved, rejected (not enough stock) or released',
    labelNames: ['result'] as const,
    registers: [fastify.metrics],
    enableExemplars: true,
  })
  fastify.decorate('products', new ProductRepository(fastify.db))
  fastify.decorate('reservations', new ReservationRepository(fastify.db, reservationOutcomes))

  await fastify.register(productRoutes, { prefix: '/api/v1' })
  await fastify.register(reservationRoutes, { prefix: '/api/v1' })
}

export default app
