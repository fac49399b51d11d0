import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HttpProblem, problemFor, type TagUser, type User as TokenUser } from '@shopscope/kit'
import { Credentials, Session, problemResponses } from '@shopscope/contracts'
import type { Metrics } from '../metrics'
import type { UserRepository } from '../repositories/users'
import { AttemptLimiter, limitPerAddress } from '../attempt-limiter'
import { throughGate, type HashingGate } from '../hashing-gate'

export const TOKEN_TTL_SECONDS = 2 * 60 * 60

interface Options {
  users: UserRepository
  metrics: Metrics
  tagUser: TagUser
  signToken: (user: TokenUser) => string
  /** Per shopper address and email: guessing one account's password. */
  loginsPerMinute: number
  /** Per shopper address, whatever the email: guessing across accounts. */
  loginsPerAddressPerMinute: number
  hashing: HashingGate
}

/** Thrown into the kit error handler, which renders it as a problem with retry-after. */
const tooManyAttempts = (after: string) =>
  problemFor('too_many_attempts', `Too many login attempts, retry in ${after}`)

const problems = problemResponses(400, 401, 429, 503)

export const sessionRoutes: FastifyPluginAsyncTypebox<Options> = async (
  app,
  { users, metrics, tagUser, signToken, loginsPerMinute, loginsPerAddressPerMinute, hashing },
) => {
  // Never a limit per email alone: anyone could then lock anyone out. Whoever exhausts a limit
  // keyed on their own address locks out only themselves (and their own network).
  const perAddress = limitPerAddress(
    new AttemptLimiter(loginsPerAddressPerMinute),
    (wait) => tooManyAttempts(`${wait} seconds`),
    () => metrics.login('rate_limited'),
  )

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
          onExceeded: () => metrics.login('rate_limited'),
          errorResponseBuilder: (_request, context) => tooManyAttempts(context.after),
        },
      },
    },
    async (request, reply) => {
      const user = await throughGate(hashing, request, reply, () =>
        users.authenticate(request.body),
      )
      if (!user) {
        metrics.login('failure')
        // One message whether or not the account exists.
        throw new HttpProblem(401, 'The email or password is incorrect')
      }
      metrics.login('success')
      tagUser(user.id)
      return { token: signToken(user), expiresIn: TOKEN_TTL_SECONDS, user }
    },
  )
}
