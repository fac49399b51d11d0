import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HttpProblem, requireUser, type User as TokenUser } from '@shopscope/kit'
import { Registration, User, problemResponses } from '@shopscope/contracts'
import { countRegistration, tagSpanWithUser, type UserMetrics } from '../telemetry'

interface Options {
  metrics: UserMetrics
  verifyToken: (token: string) => TokenUser
}

export const userRoutes: FastifyPluginAsyncTypebox<Options> = async (
  app,
  { metrics, verifyToken },
) => {
  app.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        body: Registration,
        response: { 201: User, ...problemResponses(400, 409, 503) },
      },
    },
    async (request, reply) => {
      const user = await app.users.create(request.body)
      countRegistration(metrics)
      tagSpanWithUser(user.id)
      return reply.code(201).send(user)
    },
  )

  app.get(
    '/users/me',
    {
      preHandler: requireUser(verifyToken),
      schema: {
        tags: ['users'],
        response: { 200: User, ...problemResponses(401, 503) },
      },
    },
    async (request) => {
      const user = await app.users.find(request.user?.id ?? 0)
      // A valid token of a deleted account proves nothing any more.
      if (!user) throw new HttpProblem(401, 'The token is invalid or expired')
      return user
    },
  )
}
