import { after, before } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildService, generateServiceKeyPair, type ServiceDefinition } from '@shopscope/kit'
import type { TProperties } from '@sinclair/typebox'
import { createTestDatabase, freePort, useMariaDb, type MariaDb } from '../../dev/local/mariadb'

export interface TestService {
  app: FastifyInstance
  /** DATABASE_URL of this service's own, fresh database. */
  databaseUrl?: string
  close(): Promise<void>
}

/** Each calling service's own key pair, new in every test process (never a known key). */
const FRONTEND_KEYS = generateServiceKeyPair()
const ORDER_SERVICE_KEYS = generateServiceKeyPair()

/**
 * Variables every test service gets; tests override what they exercise. Every service picks
 * its own: the frontend and order-service their signing keys, user-service and product-service
 * the public keys of the one caller each trusts.
 */
export const TEST_ENV = {
  LOG_LEVEL: 'warn',
  JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
  SESSION_SECRET: 'test-session-secret-test-session-secret-01',
  FRONTEND_SIGNING_KEY: FRONTEND_KEYS.privateKey,
  FRONTEND_PUBLIC_KEY: FRONTEND_KEYS.publicKey,
  ORDER_SERVICE_SIGNING_KEY: ORDER_SERVICE_KEYS.privateKey,
  ORDER_SERVICE_PUBLIC_KEY: ORDER_SERVICE_KEYS.publicKey,
  ADMIN_EMAIL: 'admin@shopscope.test',
  ADMIN_PASSWORD: 'test-admin-password',
}

export async function waitUntilReady(app: FastifyInstance, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await app.inject('/readyz')
    if (res.statusCode === 200) return
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms: ${res.body}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Builds `def` as its server.ts would, on a new database of `server`, and waits until it is
 * migrated and ready. Use `app.inject` on the result.
 */
export async function startTestService<E extends TProperties>(
  def: ServiceDefinition<E>,
  server: MariaDb | undefined,
  env: Record<string, string> = {},
): Promise<TestService> {
  const database =
    def.database && server ? await createTestDatabase(server, def.name.split('-')[0]) : undefined
  const app = await buildService(def, {
    ...TEST_ENV,
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...env,
  })
  await app.ready()
  await waitUntilReady(app)
  return {
    app,
    databaseUrl: database?.url,
    async close() {
      await app.close()
      await database?.drop()
    },
  }
}

/**
 * One fresh database of `def` per test file, on the harness's MariaDB: registers the file's
 * before/after hooks, so call it at the top of the file or of a describe.
 */
export function serviceFixture<E extends TProperties>(
  def: ServiceDefinition<E>,
  env: Record<string, string> = {},
): () => TestService & { server: MariaDb } {
  let server: MariaDb
  let svc: TestService
  before(async () => {
    server = await useMariaDb()
    svc = await startTestService(def, server, env)
  })
  after(async () => {
    await svc?.close()
    await server?.stop()
  })
  return () => ({ ...svc, server })
}

export interface RestartableService {
  /** http://127.0.0.1:<port>; the same across stop() and start(). */
  url: string
  /** The instance that owns (created, migrated, will drop) the database; it never listens. */
  owner: TestService
  /** Closes the listening instance: callers see connections refused, like a pod that is gone. */
  stop(): Promise<void>
  /** A new instance on the same port and database, like a restarted pod. */
  start(): Promise<void>
  close(): Promise<void>
}

/** `def` listening on a loopback port for other services to call over real HTTP. */
export async function startRestartableService<E extends TProperties>(
  def: ServiceDefinition<E>,
  server: MariaDb,
  env: Record<string, string> = {},
): Promise<RestartableService> {
  const owner = await startTestService(def, server, env)
  const port = await freePort()
  let served: FastifyInstance | undefined
  const start = async () => {
    served = await buildService(def, {
      ...TEST_ENV,
      ...(owner.databaseUrl ? { DATABASE_URL: owner.databaseUrl } : {}),
      ...env,
    })
    await served.listen({ port, host: '127.0.0.1' })
  }
  const stop = async () => {
    await served?.close()
    served = undefined
  }
  await start().catch(async (err: unknown) => {
    await owner.close()
    throw err
  })
  return {
    url: `http://127.0.0.1:${port}`,
    owner,
    stop,
    start,
    async close() {
      await stop()
      await owner.close()
    },
  }
}
