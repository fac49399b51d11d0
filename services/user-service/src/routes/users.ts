import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  HttpProblem,
  problemFor,
  requireUser,
  type TagUser,
  type User as TokenUser,
} from '@shopscope/kit'
import { Registration, Session, User, problemResponses } from '@shopscope/contracts'
import type { Metrics } from '../metrics'
import type { UserRepository } from '../repositories/users'
import { TOKEN_TTL_SECONDS } from './sessions'
import { AttemptLimiter, limitPerAddress } from '../attempt-limiter'
import { throughGate, type HashingGate } from '../hashing-gate'

interface Options {
  users: UserRepository
  metrics: Metrics
  tagUser: TagUser
  signToken: (user: TokenUser) => string
  verifyToken: (token: string) => TokenUser
  /** Per shopper address: each sign-up is a password hash, the costliest thing done here. */
  registrationsPerAddressPerMinute: number
  hashing: HashingGate
}

export const userRoutes: FastifyPluginAsyncTypebox<Options> = async (
  app,
  { users, metrics, tagUser, signToken, verifyToken, registrationsPerAddressPerMinute, hashing },
) => {
  const perAddress = limitPerAddress(new AttemptLimiter(registrationsPerAddressPerMinute), (wait) =>
    problemFor('too_many_attempts', `Too many sign-ups, retry in ${wait} seconds`),
  )

  app.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        body: Registration,
        // 200: the same email and password again, the account made before (a retry).
        response: { 201: Session, 200: Session, ...problemResponses(400, 408, 409, 429, 503) },
      },
      preHandler: perAddress,
    },
    // Signed in at once: a login right after would hash the same password a second time, the
    // costliest thing this service does.
    async (request, reply) => {
      // A caller that timed out has closed its connection; it was told nothing was made.
      const stillWanted = () => !request.socket.destroyed
      const { user, created } = await throughGate(hashing, request, reply, () =>
        users.register(request.body, stillWanted),
      )
      if (created) metrics.registration()
      tagUser(user.id)
      const session = { token: signToken(user), expiresIn: TOKEN_TTL_SECONDS, user }
      return reply.code(created ? 201 : 200).send(session)
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
      const user = await users.find(request.user?.id ?? 0)
      // A valid token of a deleted account proves nothing any more.
      if (!user) throw new HttpProblem(401, 'The token is invalid or expired')
      return user
    },
  )
}
