/**
 * The bootstrap runs before the service's winston logger exists, so it writes the same JSON
 * shape (level, message, service, timestamp) directly to stdout.
 */
export function bootstrapLog(
  level: 'info' | 'warn' | 'error',
  message: string,
  fields: Record<string, unknown> = {},
): void {
  const record = {
    level,
    message,
    service: process.env.OTEL_SERVICE_NAME ?? 'unknown',
    component: 'telemetry',
    ...fields,
    timestamp: new Date().toISOString(),
  }
  process.stdout.write(`${JSON.stringify(record)}\n`)
}
