import { createRequire } from 'node:module'
import { logs } from '@opentelemetry/api'
import { bootstrapLog } from './log'

/**
 * @opentelemetry/winston-transport still reads the logger provider from the older
 * @opentelemetry/api-logs global, which NodeSDK no longer sets. Point that global at the SDK's
 * provider, through the very copy of api-logs the transport loads, so records are exported.
 * Without it traces and metrics still work: a failure here only costs the OTLP logs.
 */
export function bridgeLegacyLogsApi(): void {
  try {
    const fromTransport = createRequire(require.resolve('@opentelemetry/winston-transport'))
    const legacy = fromTransport('@opentelemetry/api-logs') as {
      logs: { setGlobalLoggerProvider(provider: unknown): unknown }
    }
    legacy.logs.setGlobalLoggerProvider(logs.getLoggerProvider())
  } catch (err) {
    bootstrapLog('warn', 'telemetry logs will not be exported over OTLP', {
      detail: err instanceof Error ? err.message : String(err),
    })
  }
}
