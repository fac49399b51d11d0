import { SpanStatusCode, type Attributes, type Span, type SpanStatus } from '@opentelemetry/api'
import { bootstrapLog } from './log'
import { addSpanProcessor } from './span-processors'

/**
 * A database span must not carry the driver's error text: the server's message can quote a value
 * ("Duplicate entry 'a@example.test' for key 'users_email_unique'"). The kit scrubs errors where
 * knex raises them (kit/src/db.ts), before the recorder (./database-spans) sees them; this is the
 * second line, for any database span from anywhere (a future instrumentation, a path the kit
 * misses): as the span ends and before any exporter reads it, its status message and exception
 * events keep the error's type (the driver's code) and stack frames, never its text.
 */

/** What the kit's scrubbing leaves (kit/src/db-errors.ts safeDatabaseMessage): kept as is. */
const SAFE_MESSAGE = /^(database error [\w ]+( \(errno \d+\))?|Knex: Timeout [\w ]+)$/

/** The SDK's span as onEnding gets it: still writable, events and status public. */
interface EndingSpan extends Span {
  attributes: Attributes
  events: { name: string; attributes?: Attributes }[]
  status: SpanStatus
}

const isDatabaseSpan = (span: EndingSpan) =>
  span.attributes['db.system.name'] !== undefined || span.attributes['db.system'] !== undefined

const safeMessage = (message: unknown, type: unknown) =>
  typeof message === 'string' && SAFE_MESSAGE.test(message)
    ? message
    : `database error ${typeof type === 'string' && /^\w+$/.test(type) ? type : 'unknown'}`

function redactException(attributes: Attributes): void {
  const type = attributes['exception.type']
  const message = safeMessage(attributes['exception.message'], type)
  attributes['exception.message'] = message
  const stack = attributes['exception.stacktrace']
  if (typeof stack === 'string') {
    const frames = stack.split('\n').filter((line) => /^\s+at /.test(line))
    attributes['exception.stacktrace'] = [`${String(type ?? 'Error')}: ${message}`, ...frames].join(
      '\n',
    )
  }
}

export function redactDatabaseErrors(span: EndingSpan): void {
  if (!isDatabaseSpan(span)) return
  const exceptions = span.events.filter((e) => e.name === 'exception' && e.attributes)
  for (const event of exceptions) redactException(event.attributes as Attributes)
  if (span.status.code === SpanStatusCode.ERROR && span.status.message !== undefined) {
    const type = exceptions[0]?.attributes?.['exception.type']
    span.status = { code: SpanStatusCode.ERROR, message: safeMessage(span.status.message, type) }
  }
}

/** Installs the redaction on every span the SDK records from now on. */
export function redactDatabaseSpanErrors(): void {
  const added = addSpanProcessor({
    onStart: () => undefined,
    onEnding: (span) => redactDatabaseErrors(span as EndingSpan),
    onEnd: () => undefined,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  })
  if (!added) {
    bootstrapLog('error', 'database span errors not redacted: unknown tracer provider layout', {})
  }
}
