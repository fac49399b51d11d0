import { createRequire } from 'node:module'
import { logs } from '@opentelemetry/api'

/**
 * @opentelemetry/winston-transport still reads the logger provider from the older
 * @opentelemetry/api-logs global, which NodeSDK no longer sets. Point that global at the SDK's
 * provider, through the very copy of api-logs the transport loads, so records are exported.
 */
export function bridgeLegacyLogsApi(): void {
  const fromTransport = createRequire(require.resolve('@opentelemetry/winston-transport'))
  const legacy = fromTransport('@opentelemetry/api-logs') as {
    logs: { setGlobalLoggerProvider(provider: unknown): unknown }
  }
  legacy.logs.setGlobalLoggerProvider(logs.getLoggerProvider())
}
