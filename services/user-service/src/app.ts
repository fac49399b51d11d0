import type { FastifyPluginAsync } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import {
  serviceTokenVerifier,
  tokenSigner,
  tokenVerifier,
  userTagger,
  type ServiceConfig,
} from '@shopscope/kit'
import type { UserEnv } from './config'
import { User } from '@shopscope/contracts'
import { UserRepository } from './repositories/users'
import { createMetrics } from './metrics'
import { userRoutes } from './routes/users'
import { sessionRoutes, TOKEN_TTL_SECONDS } from './routes/sessions'
import { trackClientAddress } from './client-address'
import { HashingGate } from './hashing-gate'

const app: FastifyPluginAsync<{ config: ServiceConfig<typeof UserEnv.properties> }> = async (
  fastify,
  { config },
) => {
  const users = new UserRepository(fastify.db)
  fastify.addSchema(User)
  // Off by default: only the login route opts in.
  await fastify.register(rateLimit, { global: false })

  // Only the frontend may say who the shopper is (with its service token).
  trackClientAddress(
    fastify,
    serviceTokenVerifier('user-service', { frontend: config.FRONTEND_PUBLIC_KEY }),
  )
  // One gate per kind of request: a burst of sign-ups never queues the sign-ins, nor the reverse.
  const limits = {
    concurrency: config.PASSWORD_HASHING_CONCURRENCY,
    queue: config.PASSWORD_HASHING_QUEUE,
    maxWaitMs: config.PASSWORD_HASHING_MAX_WAIT_MS,
    perClient: config.PASSWORD_HASHING_PER_CLIENT,
  }
  const gates = { registration: new HashingGate(limits), login: new HashingGate(limits) }
  const metrics = createMetrics(fastify.metrics, gates)

  const tagUser = userTagger(config.JWT_SECRET)
  const signToken = tokenSigner(config.JWT_SECRET, TOKEN_TTL_SECONDS)
  await fastify.register(userRoutes, {
    prefix: '/api/v1',
    users,
    metrics,
    tagUser,
    signToken,
    verifyToken: tokenVerifier(config.JWT_SECRET),
    registrationsPerAddressPerMinute: config.REGISTRATION_RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
    hashing: gates.registration,
  })
  await fastify.register(sessionRoutes, {
    prefix: '/api/v1',
    users,
    metrics,
    tagUser,
    signToken,
    loginsPerMinute: config.LOGIN_RATE_LIMIT_PER_MINUTE,
    loginsPerAddressPerMinute: config.LOGIN_RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
    hashing: gates.login,
  })
}

export default app
