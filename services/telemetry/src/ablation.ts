import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api'
import { bootstrapLog } from './log'

/**
 * For the benchmark's ablation only (tests/bench, docs/telemetry-cost.md): pieces of the
 * telemetry the bootstrap (and the kit) leave out, so that what each costs a request can be
 * measured. Unset, as in production, nothing is left out. Pieces the standard variables already
 * switch off are not repeated here: OTEL_NODE_DISABLED_INSTRUMENTATIONS (knex, winston,
 * winston...), OTEL_METRICS_EXPORTER=none (the OTel metrics SDK: every OTel instrument
 * becomes a no-op), OTEL_LOGS_EXPORTER=none (the log SDK and, see ./instrumentations, the winston
 * transport that feeds it).
 *
 * - `server-spans`: the bootstrap's Fastify hooks (./fastify-server) start no server span; the
 *   caller's `traceparent` is still extracted and made the active context, and
 *   `http.server.request.duration` still recorded.
 * - `http-client-spans`: no client spans: ./client-calls starts none and the undici
 *   instrumentation is left out; every outgoing node:http call still gets `traceparent` (the
 *   active context's) and `http.client.request.duration`, as an unsampled call does.
 * - `context-manager`: no context manager: the active context is always the root one. Not a
 *   removal the rest survives: spans lose their parents and calls their `traceparent`.
 * - `prom-default-metrics`: read by the kit (services/kit/src/metrics.ts): no prom-client
 *   default metrics (event-loop lag, GC, process): the only runtime metrics.
 */
export const ABLATE_ENV = 'SHOPSCOPE_ABLATE'

export const ABLATABLE = [
  'server-spans',
  'http-client-spans',
  'context-manager',
  'prom-default-metrics',
] as const
export type Ablatable = (typeof ABLATABLE)[number]

/** The pieces SHOPSCOPE_ABLATE names; unknown names are reported once and ignored. */
export function ablatedPieces(env: NodeJS.ProcessEnv): Set<Ablatable> {
  const names = (env[ABLATE_ENV] ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
  const unknown = names.filter((n) => !(ABLATABLE as readonly string[]).includes(n))
  if (unknown.length > 0) {
    bootstrapLog('warn', `unknown ${ABLATE_ENV} pieces ignored`, {
      unknown,
      known: ABLATABLE,
    })
  }
  return new Set(names.filter((n): n is Ablatable => (ABLATABLE as readonly string[]).includes(n)))
}

/**
 * A context manager that keeps nothing: what the API does without one (NodeSDK's own way to
 * register none, `contextManager: null`, is not in its types).
 */
export const NO_CONTEXT_MANAGER: ContextManager = {
  active: (): Context => ROOT_CONTEXT,
  with: (_context, fn, thisArg, ...args) => fn.call(thisArg, ...args),
  bind: (_context, target) => target,
  enable() {
    return this
  },
  disable() {
    return this
  },
}

/** Whether OTEL_LOGS_EXPORTER switches the log SDK off, read as NodeSDK reads it. */
export const logsExporterIsNone = (env: NodeJS.ProcessEnv): boolean =>
  (env.OTEL_LOGS_EXPORTER ?? '')
    .split(',')
    .map((n) => n.trim())
    .includes('none')
