import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HttpProblem, requireUser, type User as TokenUser } from '@shopscope/kit'
import { Registration, Session, User, problemResponses } from '@shopscope/contracts'
import { countRegistration, tagSpanWithUser, type UserMetrics } from '../telemetry'
import { TOKEN_TTL_SECONDS } from './sessions'

interface Options {
  metrics: UserMetrics
  signToken: (user: TokenUser) => string
  verifyToken: (token: string) => TokenUser
}

export const userRoutes: FastifyPluginAsyncTypebox<Options> = async (
  app,
  { metrics, signToken, verifyToken },
) => {
  app.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        body: Registration,
        response: { 201: Session, ...problemResponses(400, 409, 503) },
      },
    },
    // Signed in at once: a login right after would hash the same password a second time, the
    // costliest thing this service does.
    async (request, reply) => {
      const user = await app.users.create(request.body)
      countRegistration(metrics)
      tagSpanWithUser(user.id)
      return reply.code(201).send({ token: signToken(user), expiresIn: TOKEN_TTL_SECONDS, user })
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
