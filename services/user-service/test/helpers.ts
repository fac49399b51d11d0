import type { FastifyInstance } from 'fastify'
import { serviceFixture } from '@shopscope/tests/harness'
import { service } from '../src/service'

/** One fresh user database per test file; the MariaDB server comes from the harness. */
export const userServiceFixture = (env: Record<string, string> = {}) => serviceFixture(service, env)

export const register = (app: FastifyInstance, payload: object) =>
  app.inject({ method: 'POST', url: '/api/v1/users', payload })

export const login = (app: FastifyInstance, payload: object) =>
  app.inject({ method: 'POST', url: '/api/v1/sessions', payload })

export const me = (app: FastifyInstance, token?: string) =>
  app.inject({
    url: '/api/v1/users/me',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })
