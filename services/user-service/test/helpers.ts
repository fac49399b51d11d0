import { after, before } from 'node:test'
import type { FastifyInstance } from 'fastify'
import {
  startTestService,
  useMariaDb,
  type MariaDb,
  type TestService,
} from '@shopscope/tests/harness'
import { service } from '../src/service'

/** One fresh user database per test file; the MariaDB server comes from the harness. */
export function userServiceFixture(
  env: Record<string, string> = {},
): () => TestService & { server: MariaDb } {
  let server: MariaDb
  let svc: TestService
  before(async () => {
    server = await useMariaDb()
    svc = await startTestService(service, server, env)
  })
  after(async () => {
    await svc?.close()
    await server?.stop()
  })
  return () => ({ ...svc, server })
}

export const register = (app: FastifyInstance, payload: object) =>
  app.inject({ method: 'POST', url: '/api/v1/users', payload })

export const login = (app: FastifyInstance, payload: object) =>
  app.inject({ method: 'POST', url: '/api/v1/sessions', payload })

export const me = (app: FastifyInstance, token?: string) =>
  app.inject({
    url: '/api/v1/users/me',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })
