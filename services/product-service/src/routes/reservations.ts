import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { notFound, requireService } from '@shopscope/kit'
import type { ReservationRepository } from '../repositories/reservations'
import {
  Reservation,
  ReservationParams,
  ReservationRequest,
  problemResponses,
} from '@shopscope/contracts'

const problems = problemResponses(400, 401, 404, 409, 503)

interface Options {
  reservations: ReservationRepository
  /** Verifies a service token addressed to product-service; returns the caller's name. */
  verifyServiceToken: (token: string) => string
}

/**
 * Used by order-service only (its service token is required): PUT with a caller-chosen id, so
 * retrying can never double-book, then commit once the order is confirmed, or release.
 */
export const reservationRoutes: FastifyPluginAsyncTypebox<Options> = async (
  app,
  { reservations, verifyServiceToken },
) => {
  // After validation: a malformed request is a 400 whoever sends it (the schemas are public in
  // the OpenAPI document anyway); nothing is read or changed before the caller is known.
  app.addHook('preHandler', requireService(verifyServiceToken))
  const security = [{ bearerAuth: [] }]

  app.put(
    '/reservations/:id',
    {
      schema: {
        tags: ['stock'],
        security,
        params: ReservationParams,
        body: ReservationRequest,
        response: { 200: Reservation, 201: Reservation, ...problems },
      },
    },
    async (request, reply) => {
      const [reservation, created] = await reservations.reserve(request.params.id, request.body)
      return reply.code(created ? 201 : 200).send(reservation)
    },
  )

  app.get(
    '/reservations/:id',
    {
      schema: {
        tags: ['stock'],
        security,
        params: ReservationParams,
        response: { 200: Reservation, ...problems },
      },
    },
    async (request) => {
      const reservation = await reservations.find(request.params.id)
      if (!reservation) throw notFound(`Reservation ${request.params.id}`)
      return reservation
    },
  )

  app.post(
    '/reservations/:id/commit',
    {
      schema: {
        tags: ['stock'],
        security,
        params: ReservationParams,
        response: { 200: Reservation, ...problems },
      },
    },
    async (request) => reservations.commit(request.params.id),
  )

  app.delete(
    '/reservations/:id',
    {
      schema: {
        tags: ['stock'],
        security,
        params: ReservationParams,
        response: { 200: Reservation, ...problems },
      },
    },
    async (request) => reservations.release(request.params.id),
  )
}
