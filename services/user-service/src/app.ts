import type { FastifyPluginAsync } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import {
  serviceTokenVerifier,
  tokenSigner,
  tokenVerifier,
  type ServiceConfig,
} from '@shopscope/kit'
import type { UserEnv } from './config'
import { User } from '@shopscope/contracts'
import { UserRepository } from './repositories/users'
import { createUserMetrics } from './telemetry'
import { userRoutes } from './routes/users'
import { sessionRoutes, TOKEN_TTL_SECONDS } from './routes/sessions'

declare module 'fastify' {
  interface FastifyInstance {
    users: UserRepository
  }
}

const app: FastifyPluginAsync<{ config: ServiceConfig<typeof UserEnv.properties> }> = async (
  fastify,
  { config },
) => {
  const metrics = createUserMetrics(fastify.metrics)
  fastify.decorate('users', new UserRepository(fastify.db))
  fastify.addSchema(User)
  // Off by default: only the login route opts in.
  await fastify.register(rateLimit, { global: false })

  const signToken = tokenSigner(config.JWT_SECRET, TOKEN_TTL_SECONDS)
  await fastify.register(userRoutes, {
    prefix: '/api/v1',
    metrics,
    signToken,
    verifyToken: tokenVerifier(config.JWT_SECRET),
  })
  await fastify.register(sessionRoutes, {
    prefix: '/api/v1',
    metrics,
    signToken,
    loginsPerMinute: config.LOGIN_RATE_LIMIT_PER_MINUTE,
    loginsPerAddressPerMinute: config.LOGIN_RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
    verifyServiceToken: serviceTokenVerifier('user-service', {
      frontend: config.FRONTEND_PUBLIC_KEY,
    }),
  })
}

export default app
