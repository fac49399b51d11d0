import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildService } from '@shopscope/kit'
import { assertDependencyUnavailable, deadDatabaseUrl, TEST_ENV } from '@shopscope/tests/harness'
import { service } from '../src/service'

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

describe('product-service with its database down', () => {
  it('answers the catalog with 503 dependency-unavailable, not 500', async () => {
    assertDependencyUnavailable(await app.inject('/api/v1/products'), 'database')
    assertDependencyUnavailable(await app.inject('/api/v1/products?q=mug'), 'database')
    assertDependencyUnavailable(await app.inject('/api/v1/products/1'), 'database')
  })
})
