import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { notFound } from '@shopscope/kit'
import {
  Reservation,
  ReservationParams,
  ReservationRequest,
  problemResponses,
} from '@shopscope/contracts'

const problems = problemResponses(400, 404, 409, 503)

/** Used by order-service only: PUT with a caller-chosen id, so retrying can never double-book. */
export const reservationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    '/reservations/:id',
    {
      schema: {
        tags: ['stock'],
        params: ReservationParams,
        body: ReservationRequest,
        response: { 200: Reservation, 201: Reservation, ...problems },
      },
    },
    async (request, reply) => {
      const [reservation, created] = await app.reservations.reserve(request.params.id, request.body)
      return reply.code(created ? 201 : 200).send(reservation)
    },
  )

  app.get(
    '/reservations/:id',
    {
      schema: {
        tags: ['stock'],
        params: ReservationParams,
        response: { 200: Reservation, ...problems },
      },
    },
    async (request) => {
      const reservation = await app.reservations.find(request.params.id)
      if (!reservation) throw notFound(`Reservation ${request.params.id}`)
      return reservation
    },
  )

  app.delete(
    '/reservations/:id',
    {
      schema: {
        tags: ['stock'],
        params: ReservationParams,
        response: { 200: Reservation, ...problems },
      },
    },
    async (request) => app.reservations.release(request.params.id),
  )
}
