import winston from 'winston'
import type { FastifyBaseLogger } from 'fastify'
import { isDatabaseError, restack, safeDatabaseMessage } from './db-errors'

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
      redact(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  })
}

/** An error as it may be logged or recorded on a span: a driver error loses SQL and values. */
export function safeError(err: unknown): { name: string; message: string; stack?: string } {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) }
  if (!isDatabaseError(err)) return { name: err.name, message: err.message, stack: err.stack }
  const message = safeDatabaseMessage(err)
  return { name: err.name, message, stack: restack(err.stack, `${err.name}: ${message}`) }
}

export function serializeError(err: unknown): Record<string, unknown> {
  const { name, message, stack } = safeError(err)
  const { code, errno, sqlState } = (err ?? {}) as Record<string, unknown>
  return {
    type: name,
    message,
    stack,
    ...(code ? { code } : {}),
    ...(isDatabaseError(err) ? { errno, sqlState } : {}),
  }
}

/** Keys whose values are secrets or personal data, whatever logs them. */
const SENSITIVE_KEY =
  /pass(word)?|secret|token|authori[sz]ation|cookie|e-?mail|hash|^sql$|sqlmessage|bindings|credential|jwt/i
export const REDACTED = '[redacted]'

function redactValue(value: unknown, depth: number): unknown {
  if (value instanceof Error) return serializeError(value)
  if (depth > 5 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1))
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      SENSITIVE_KEY.test(key) ? REDACTED : redactValue(v, depth + 1),
    ]),
  )
}

/**
 * Defence in depth: whatever a call site passes, known secret keys and raw errors never reach
 * stdout or the OTLP log records (the instrumentation's transport runs after this format).
 */
const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue
    info[key] = SENSITIVE_KEY.test(key) ? REDACTED : redactValue(info[key], 0)
  }
  return info
})

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
