import type { FastifyPluginAsync } from 'fastify'
import type { DatabaseState } from './db'

/** Paths that are neither traced, access-logged, fault-injected nor documented. */
export const OPERATIONAL_PATHS = ['/healthz', '/readyz', '/metrics']

/**
 * Liveness never depends on the database (a restart would not bring it back);
 * readiness does, so a pod without its database gets no traffic.
 */
export const healthRoutes: FastifyPluginAsync<{ database?: DatabaseState }> = async (
  app,
  { database },
) => {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }))

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, string> = {}
    if (database) checks.database = (await database.isReady()) ? 'ready' : database.status
    if (app.draining) checks.server = 'closing'
    const ready = !app.draining && Object.values(checks).every((c) => c === 'ready')
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks })
  })

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(app.metrics.contentType).send(await app.metrics.metrics())
  })
}
