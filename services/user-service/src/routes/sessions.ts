import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HttpProblem, type User as TokenUser } from '@shopscope/kit'
import { Credentials, Session, problemResponses } from '@shopscope/contracts'
import { countLogin, tagSpanWithUser, type UserMetrics } from '../telemetry'

export const TOKEN_TTL_SECONDS = 2 * 60 * 60

interface Options {
  metrics: UserMetrics
  signToken: (user: TokenUser) => string
  loginsPerMinute: number
}

const problems = problemResponses(400, 401, 429, 503)

export const sessionRoutes: FastifyPluginAsyncTypebox<Options> = async (
  app,
  { metrics, signToken, loginsPerMinute },
) => {
  app.post(
    '/sessions',
    {
      schema: { tags: ['sessions'], body: Credentials, response: { 200: Session, ...problems } },
      config: {
        rateLimit: {
          max: loginsPerMinute,
          timeWindow: 60_000,
          // After validation, so the key can include the email being guessed.
          hook: 'preHandler',
          keyGenerator: (request) =>
            `${request.ip}|${(request.body as Credentials).email.toLowerCase()}`,
          onExceeded: () => countLogin(metrics, 'rate_limited'),
          // Thrown into the kit error handler, which renders it as a problem with retry-after.
          errorResponseBuilder: (_request, context) =>
            new HttpProblem(429, `Too many login attempts, retry in ${context.after}`),
        },
      },
    },
    async (request) => {
      const user = await app.users.authenticate(request.body)
      if (!user) {
        countLogin(metrics, 'failure')
        // One message whether or not the account exists.
        throw new HttpProblem(401, 'The email or password is incorrect')
      }
      countLogin(metrics, 'success')
      tagSpanWithUser(user.id)
      return { token: signToken(user), expiresIn: TOKEN_TTL_SECONDS, user }
    },
  )
}
