import winston from 'winston'
import type { FastifyBaseLogger } from 'fastify'

const levels = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 }
export type Level = keyof typeof levels

/**
 * JSON logs on stdout. The telemetry bootstrap's winston instrumentation adds trace_id/span_id
 * and ships the same records over OTLP, so services log only through this logger.
 */
export function createLogger(service: string, level: Level = 'info'): winston.Logger {
  return winston.createLogger({
    levels,
    level,
    defaultMeta: { service },
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  })
}

export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) }
  const code = (err as { code?: unknown }).code
  return { type: err.name, message: err.message, stack: err.stack, ...(code ? { code } : {}) }
}

/** Fastify expects pino's call style (`log.info(obj, msg)`); winston's is (`msg, meta`). */
export function fastifyLogger(
  logger: winston.Logger,
  bindings: Record<string, unknown> = {},
): FastifyBaseLogger {
  const write =
    (level: Level) =>
    (first?: unknown, second?: unknown): void => {
      if (typeof first === 'string') {
        logger.log(level, first, bindings)
      } else if (first instanceof Error) {
        logger.log(level, typeof second === 'string' ? second : first.message, {
          ...bindings,
          err: serializeError(first),
        })
      } else {
        const fields = { ...(first as Record<string, unknown>) }
        if (fields.err) fields.err = serializeError(fields.err)
        logger.log(level, typeof second === 'string' ? second : '', { ...bindings, ...fields })
      }
    }
  return {
    level: logger.level,
    fatal: write('fatal'),
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    trace: write('trace'),
    silent: () => undefined,
    child: (more: Record<string, unknown>) => fastifyLogger(logger, { ...bindings, ...more }),
  } as unknown as FastifyBaseLogger
}
