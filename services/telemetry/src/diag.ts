import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { bootstrapLog } from './log'

const EXPORT_FAILURE = /export|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|socket|timeout|status/i
const MAX_DISTINCT = 20

function describe(args: unknown[]): string {
  return args
    .map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a)))
    .join(' ')
    .slice(0, 500)
}

/**
 * SDK problems (an unreachable collector above all) are logged once, not once per batch: a
 * collector outage must not flood the service logs it is meant to carry.
 */
export function installQuietDiagLogger(): void {
  const seen = new Set<string>()
  const report = (level: 'warn' | 'error', message: string, args: unknown[]) => {
    const text = `${message} ${describe(args)}`.trim()
    const key = EXPORT_FAILURE.test(text) ? 'export' : text
    if (seen.has(key) || seen.size >= MAX_DISTINCT) return
    seen.add(key)
    const summary =
      key === 'export'
        ? 'telemetry export failed; exporting continues in the background and further export errors are not logged'
        : 'telemetry problem'
    bootstrapLog(key === 'export' ? 'warn' : level, summary, { detail: text })
  }
  const logger: DiagLogger = {
    error: (message, ...args) => report('error', message, args),
    warn: (message, ...args) => report('warn', message, args),
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  }
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true })
}
