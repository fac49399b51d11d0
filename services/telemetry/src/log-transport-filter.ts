import { createRequire } from 'node:module'
import type { Context } from '@opentelemetry/api'
import { bootstrapLog } from './log'

/** Where the winston instrumentation leaves the context a record was written in. */
const RECORD_CONTEXT = Symbol.for('opentelemetry.js.contrib.winston.context')
const LEVEL = Symbol.for('level')

interface LoggerLike {
  enabled?: (options: { context?: Context; severityNumber?: number }) => boolean
}
type WinstonRecord = Record<string | symbol, unknown>
interface TransportClass {
  prototype: { log(info: WinstonRecord, callback?: () => void): void }
}

/**
 * The winston instrumentation's OTLP transport copies and normalises every field of every record
 * into an attributes object, and only then does the SDK ask its processors whether the record is
 * wanted (`enabled`: the export policy of ./log-export-policy, the breaker of ./export-breaker).
 * Under the `sampled` policy nine records in ten are then thrown away. This asks the same
 * question first, with the record's context and severity, so a record nobody exports costs a
 * lookup, not a copy. The transport itself stays the instrumentation's (same scope, same
 * record, same OTEL_LOGS_EXPORTER=none switch): a transport of our own would cost the same per
 * record, as winston pipes every record to every transport. A record that passes is asked again
 * by the SDK, which answers the same.
 */
export function filterLogsBeforeTheTransport(): void {
  try {
    const fromTransport = createRequire(require.resolve('@opentelemetry/winston-transport'))
    const { OpenTelemetryTransportV3, otelSeverityMapping } = fromTransport(
      '@opentelemetry/winston-transport',
    ) as { OpenTelemetryTransportV3: TransportClass; otelSeverityMapping: Record<string, number> }
    const proto = OpenTelemetryTransportV3.prototype
    const build = proto.log
    proto.log = function (this: { _logger?: LoggerLike }, info, callback) {
      const wanted = this._logger?.enabled?.({
        context: info[RECORD_CONTEXT] as Context | undefined,
        severityNumber: otelSeverityMapping[info[LEVEL] as string],
      })
      if (wanted === false) {
        callback?.()
        return
      }
      build.call(this, info, callback)
    }
  } catch (err) {
    bootstrapLog('warn', 'log records are built before the export policy is asked', {
      detail: err instanceof Error ? err.message : String(err),
    })
  }
}
