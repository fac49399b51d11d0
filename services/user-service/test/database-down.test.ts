import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildService, tokenSigner } from '@shopscope/kit'
import { assertDependencyUnavailable, deadDatabaseUrl, TEST_ENV } from '@shopscope/tests/harness'
import { service } from '../src/service'
import { login, me, register } from './helpers'

let app: FastifyInstance
before(async () => {
  app = await buildService(service, {
    ...TEST_ENV,
    LOG_LEVEL: 'error',
    DATABASE_URL: await deadDatabaseUrl(),
  })
  await app.ready()
})
after(() => app.close())

const token = tokenSigner(TEST_ENV.JWT_SECRET)({
  id: 1,
  email: 'alice@shopscope.test',
  role: 'customer',
})

describe('user-service with its database down', () => {
  it('answers /users/me with 503 dependency-unavailable, not 500', async () => {
    assertDependencyUnavailable(await me(app, token), 'database')
  })

  it('answers sign-up and sign-in with 503 too', async () => {
    const alice = { email: 'alice@shopscope.test', password: 'a good password', name: 'Alice' }
    assertDependencyUnavailable(await register(app, alice), 'database')
    assertDependencyUnavailable(
      await login(app, { email: alice.email, password: alice.password }),
      'database',
    )
  })
})
