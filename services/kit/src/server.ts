import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify'
import type { Socket } from 'node:net'
import { STATUS_CODES } from 'node:http'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox'
import swagger from '@fastify/swagger'
import type { Knex } from 'knex'
import type winston from 'winston'
import {
  BaseEnv,
  ConfigError,
  DatabaseEnv,
  loadConfig,
  trustProxy,
  type BaseConfig,
} from './config'
import { createLogger, fastifyLogger, serializeError } from './logger'
import { createDb, DatabaseState, migrate, type Migration } from './db'
import { errorHandler, notFoundHandler, Problem, problem, PROBLEM_CONTENT_TYPE } from './problem'
import { Gauge } from 'prom-client'
import { createRegistry } from './metrics'
import { validatorFactory } from './validation'
import { healthRoutes, OPERATIONAL_PATHS } from './health'
import {
  faultConfigProblems,
  faults,
  FaultEnv,
  registerFaultAdmin,
  type FaultConfig,
} from './faults'
import { BUDGET_HEADER, deadlineFromBudget } from './deadline'

export interface ServiceDefinition<E extends TProperties> {
  /** Kubernetes-style name, also the OpenTelemetry service.name: "product-service". */
  name: string
  description: string
  defaultPort: number
  /** The service's own variables; the base ones (PORT, LOG_LEVEL, ...) are added. */
  env: TObject<E>
  /** Present for services that own a MySQL database. */
  database?: {
    migrations: Migration[]
    seed?: (db: Knex, config: ServiceConfig<E>) => Promise<void>
  }
  /**
   * The body of an error answered before any route runs (431 oversized headers, 400 for a
   * request Node cannot parse); a problem+json unless the service renders pages.
   */
  clientErrorBody?: (status: number, message: string) => { contentType: string; body: string }
  /**
   * Serve the OpenAPI document at /docs/json (the default). An HTML site turns it off: its
   * document only describes its forms for fuzzing, which reads `app.swagger()` in process.
   */
  publicDocs?: boolean
  /** Its bodies are HTML forms (text): converted to the schema's types, unlike JSON bodies. */
  formBodies?: boolean
  /** The service itself, as a Fastify plugin (the app.ts of each service). */
  app: FastifyPluginAsync<{ config: ServiceConfig<E> }>
  /**
   * Routes for the admin listener only (ADMIN_PORT, bound to ADMIN_HOST): what must never be
   * reachable through the Service. The kit's own: PUT /admin/faults.
   */
  admin?: FastifyPluginAsync<{ config: ServiceConfig<E> }>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's knex instance; only decorated for services with a database. */
    db: Knex
    metrics: ReturnType<typeof createRegistry>
    winston: winston.Logger
    /** Shutting down: readiness fails and every answer closes its connection. */
    draining: boolean
    /** The admin listener's app (`listenService` starts it when ADMIN_PORT is set). */
    admin: FastifyInstance
  }
  interface FastifyRequest {
    /** Epoch ms by which the caller needs the answer (its budget header); none without one. */
    deadline: number | undefined
  }
}

function envSchema<E extends TProperties>(def: ServiceDefinition<E>) {
  const base = Type.Composite([BaseEnv, FaultEnv, ...(def.database ? [DatabaseEnv] : []), def.env])
  base.properties.PORT = Type.Integer({ minimum: 1, maximum: 65535, default: def.defaultPort })
  return base
}

export function loadServiceConfig<E extends TProperties>(
  def: ServiceDefinition<E>,
  env: NodeJS.ProcessEnv,
): ServiceConfig<E> {
  const config = loadConfig(envSchema(def), env) as ServiceConfig<E>
  const problems = faultConfigProblems(config)
  if (config.HEADERS_TIMEOUT_MS > config.REQUEST_TIMEOUT_MS)
    problems.push('HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS')
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

export type ServiceConfig<E extends TProperties> = Static<TObject<E>> &
  BaseConfig &
  FaultConfig & { DATABASE_URL: string; DB_POOL_MAX: number }

/** Builds the service without listening: what tests inject into and what `runService` starts. */
export async function buildService<E extends TProperties>(
  def: ServiceDefinition<E>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<FastifyInstance> {
  const config = loadServiceConfig(def, env)
  const logger = createLogger(def.name, config.LOG_LEVEL as never)
  const app = Fastify({
    loggerInstance: fastifyLogger(logger),
    ...rejectionHandlers(def),
    // The kit writes its own access log (one record per request); Fastify's would double it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    ...serverTimeouts(config),
    trustProxy: trustProxy(config.TRUST_PROXY),
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
    schemaController: {
      compilersFactory: { buildValidator: validatorFactory(def.formBodies ?? false) },
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('winston', logger)
  app.decorate('metrics', createRegistry(env))
  app.addSchema(Problem)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)

  // Set on SIGTERM (runService), before close(): a keep-alive client that reuses its connection
  // to this process reconnects, to a pod that stays; and in-flight keep-alive connections would
  // otherwise hold close() open until they time out.
  // The caller's budget (kit/deadline.ts): routes pass request.deadline to their upstream calls.
  app.decorateRequest('deadline', undefined)
  app.addHook('onRequest', async (request) => {
    request.deadline = deadlineFromBudget(request.headers[BUDGET_HEADER])
  })

  app.decorate('draining', false)
  app.addHook('preClose', async () => {
    app.draining = true
  })
  app.addHook('onSend', async (_request, reply) => {
    if (app.draining) reply.header('connection', 'close')
  })

  accessLog(app, logger)

  await app.register(swagger, {
    openapi: {
      info: { title: def.name, description: def.description, version: config.SERVICE_VERSION },
      // Routes behind `requireUser` declare `security: [{ bearerAuth: [] }]`.
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  })
  if (def.publicDocs !== false) {
    app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger())
  }

  let database: DatabaseState | undefined
  if (def.database) {
    const db = createDb(config.DATABASE_URL, config.DB_POOL_MAX, logger)
    const seed = def.database.seed
    database = new DatabaseState(
      db,
      {
        url: config.DATABASE_URL,
        poolMax: config.DB_POOL_MAX,
        migrations: def.database.migrations,
        seed: seed && ((knex) => seed(knex, config)),
        logger,
      },
      logger,
    )
    app.decorate('db', db)
    registerPoolMetrics(app, db, database)
    app.addHook('onReady', async () => void database?.start())
    app.addHook('onClose', async () => {
      database?.stop()
      await db.destroy()
    })
  }

  await app.register(healthRoutes, { database })
  await app.register(faults, { config })
  await app.register(def.app, { config })
  app.decorate('admin', await buildAdmin(def, config, logger))
  app.addHook('onReady', async () => {
    await app.admin.ready()
  })
  app.addHook('onClose', async () => {
    await app.admin.close()
  })
  return app
}

/** One record per request (operational paths aside), on the public and the admin listener. */
function accessLog(app: FastifyInstance, logger: winston.Logger): void {
  app.addHook('onResponse', async (request, reply) => {
    if (OPERATIONAL_PATHS.includes(request.url.split('?')[0] ?? '')) return
    logger.info('request completed', {
      req_id: request.id,
      http_method: request.method,
      http_route: request.routeOptions.url ?? 'unmatched',
      http_status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    })
  })
}

/** Fastify's and Node's budgets for a client's connection (config.ts says which is which). */
function serverTimeouts(config: BaseConfig) {
  return {
    connectionTimeout: config.CONNECTION_TIMEOUT_MS,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    http: {
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      // Node checks the two budgets above this often (30 s by default, which a slow client
      // would get on top of them).
      connectionsCheckingInterval: 1_000,
    },
  }
}

/** The admin listener's app: a Fastify instance of its own, so no public route can reach it. */
async function buildAdmin<E extends TProperties>(
  def: ServiceDefinition<E>,
  config: ServiceConfig<E>,
  logger: winston.Logger,
): Promise<FastifyInstance> {
  const admin = Fastify({
    loggerInstance: fastifyLogger(logger),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024,
    ...serverTimeouts(config),
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
    schemaController: { compilersFactory: { buildValidator: validatorFactory(false) } },
  })
  admin.addSchema(Problem)
  admin.setErrorHandler(errorHandler)
  admin.setNotFoundHandler(notFoundHandler)
  accessLog(admin, logger)
  if (config.FAULT_ADMIN_TOKEN) registerFaultAdmin(admin, config.FAULT_ADMIN_TOKEN)
  if (def.admin) await admin.register(def.admin, { config })
  return admin
}

/** Listens on HOST:PORT, and on ADMIN_HOST:ADMIN_PORT when the admin listener is on. */
export async function listenService<E extends TProperties>(
  app: FastifyInstance,
  config: ServiceConfig<E>,
): Promise<void> {
  await app.listen({ host: config.HOST, port: config.PORT })
  if (config.ADMIN_PORT > 0)
    await app.admin.listen({ host: config.ADMIN_HOST, port: config.ADMIN_PORT })
}

const problemBody = (status: number, message: string) => ({
  contentType: PROBLEM_CONTENT_TYPE,
  body: JSON.stringify(problem(status, message)),
})

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request took too long to arrive'],
}

/**
 * Requests refused before routing still get the service's error format: Node's parser errors
 * and URLs that cannot be decoded (Fastify's defaults answer its own JSON for both).
 */
function rejectionHandlers<E extends TProperties>(
  def: ServiceDefinition<E>,
): Pick<FastifyServerOptions, 'clientErrorHandler' | 'frameworkErrors'> {
  const render = def.clientErrorBody ?? problemBody
  return {
    clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
      if (err.code === 'ECONNRESET' || socket.destroyed) return
      const [status, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'The request is malformed']
      const { contentType, body } = render(status, message)
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
            `Content-Type: ${contentType}; charset=utf-8\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        )
      }
      socket.destroy(err)
    },
    // Called outside every plugin's scope: no error handler of the service can be reached here.
    frameworkErrors(error, _request, reply) {
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 400
      const message =
        error.code === 'FST_ERR_BAD_URL' ? 'The address is not a valid URL' : error.message
      const { contentType, body } = render(status, message)
      void (reply as unknown as FastifyReply)
        .code(status)
        .type(`${contentType}; charset=utf-8`)
        .send(body)
    },
  }
}

function registerPoolMetrics(app: FastifyInstance, db: Knex, database: DatabaseState): void {
  new Gauge({
    name: 'shopscope_db_up',
    help: '1 when the service database is migrated and answering',
    registers: [app.metrics],
    collect() {
      this.set(database.status === 'ready' ? 1 : 0)
    },
  })
  // tarn's pool is created lazily by knex; read it at scrape time.
  type Pool = { numUsed(): number; numFree(): number; numPendingAcquires(): number }
  const pool = () => (db.client as { pool?: Pool }).pool
  new Gauge({
    name: 'shopscope_db_pool_connections',
    help: 'Connections of the service database pool, by state',
    labelNames: ['state'],
    registers: [app.metrics],
    collect() {
      const p = pool()
      this.set({ state: 'used' }, p?.numUsed() ?? 0)
      this.set({ state: 'free' }, p?.numFree() ?? 0)
      this.set({ state: 'pending' }, p?.numPendingAcquires() ?? 0)
    },
  })
}

/**
 * Process wiring: `node dist/server.js` serves, `node dist/server.js migrate` only migrates
 * (for an init container). SIGTERM: SHUTDOWN_DELAY_MS of draining (not ready, connections
 * closed after each answer) while the endpoints routing here are withdrawn, then in-flight
 * requests finish within SHUTDOWN_TIMEOUT_MS.
 */
export async function runService<E extends TProperties>(def: ServiceDefinition<E>): Promise<void> {
  let config: ServiceConfig<E>
  try {
    config = loadServiceConfig(def, process.env)
  } catch (err) {
    createLogger(def.name).error((err as Error).message, { err: serializeError(err) })
    process.exit(78) // EX_CONFIG
  }
  const logger = createLogger(def.name, config.LOG_LEVEL as never)

  if (process.argv[2] === 'migrate') {
    if (!def.database) {
      logger.info('no database to migrate')
      return
    }
    const db = createDb(config.DATABASE_URL, 1, logger)
    try {
      const seed = def.database.seed
      const applied = await migrate(db, {
        url: config.DATABASE_URL,
        poolMax: 1,
        migrations: def.database.migrations,
        seed: seed && ((knex) => seed(knex, config)),
        logger,
      })
      logger.info('migrations applied', { migrations_applied: applied })
    } finally {
      await db.destroy()
    }
    return
  }

  const app = await buildService(def)
  const shutdown = (signal: string) => {
    if (app.draining) return
    app.draining = true
    app.log.info(
      { signal, delay_ms: config.SHUTDOWN_DELAY_MS, timeout_ms: config.SHUTDOWN_TIMEOUT_MS },
      'shutting down',
    )
    setTimeout(() => close(), config.SHUTDOWN_DELAY_MS)
  }
  const close = () => {
    const force = setTimeout(() => {
      app.log.error('shutdown timed out, exiting')
      process.exit(1)
    }, config.SHUTDOWN_TIMEOUT_MS)
    app.close().then(
      () => {
        clearTimeout(force)
        app.log.info('shutdown complete')
        // Leave a moment for telemetry exporters to flush; exit earlier if nothing is pending.
        setTimeout(() => process.exit(0), 3_000).unref()
      },
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
  await listenService(app, config)
}
