import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { HttpProblem, problemFor, type User as TokenUser } from '@shopscope/kit'
import { Credentials, Session, problemResponses } from '@shopscope/contracts'
import { countLogin, tagSpanWithUser, type UserMetrics } from '../telemetry'
import { clientAddress } from '../client-address'
import { AttemptLimiter } from '../attempt-limiter'

export const TOKEN_TTL_SECONDS = 2 * 60 * 60

interface Options {
  metrics: UserMetrics
  signToken: (user: TokenUser) => string
  /** Per shopper address and email: guessing one account's password. */
  loginsPerMinute: number
  /** Per shopper address, whatever the email: guessing across accounts. */
  loginsPerAddressPerMinute: number
  verifyServiceToken: (token: string) => string
}

declare module 'fastify' {
  interface FastifyRequest {
    clientAddress: string
  }
}

/** Thrown into the kit error handler, which renders it as a problem with retry-after. */
const tooManyAttempts = (after: string) =>
  problemFor('too_many_attempts', `Too many login attempts, retry in ${after}`)

const problems = problemResponses(400, 401, 429, 503)

export const sessionRoutes: FastifyPluginAsyncTypebox<Options> = async (
  app,
  { metrics, signToken, loginsPerMinute, loginsPerAddressPerMinute, verifyServiceToken },
) => {
  // Never a limit per email alone: anyone could then lock anyone out. Whoever exhausts a limit
  // keyed on their own address locks out only themselves (and their own network).
  app.decorateRequest('clientAddress', '')
  app.addHook('onRequest', async (request) => {
    request.clientAddress = clientAddress(request, verifyServiceToken)
  })
  const addresses = new AttemptLimiter(loginsPerAddressPerMinute)
  const perAddress = async (request: FastifyRequest, reply: FastifyReply) => {
    const wait = addresses.hit(request.clientAddress)
    if (wait === 0) return
    countLogin(metrics, 'rate_limited')
    reply.header('retry-after', String(wait))
    throw tooManyAttempts(`${wait} seconds`)
  }

  app.post(
    '/sessions',
    {
      schema: { tags: ['sessions'], body: Credentials, response: { 200: Session, ...problems } },
      preHandler: perAddress,
      config: {
        rateLimit: {
          max: loginsPerMinute,
          timeWindow: 60_000,
          // After validation, so the key can include the email being guessed.
          hook: 'preHandler',
          keyGenerator: (request) =>
            `login|${request.clientAddress}|${(request.body as Credentials).email.toLowerCase()}`,
          onExceeded: () => countLogin(metrics, 'rate_limited'),
          errorResponseBuilder: (_request, context) => tooManyAttempts(context.after),
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
