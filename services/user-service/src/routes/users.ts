import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HttpProblem, requireUser, Type, type User as TokenUser } from '@shopscope/kit'
import { Registration, User } from '@shopscope/contracts'
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
        response: { 201: User, 400: Type.Ref('Problem'), 409: Type.Ref('Problem') },
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
        response: { 200: User, 401: Type.Ref('Problem') },
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
