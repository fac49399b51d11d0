/**
 * Errors of knex and mysql2. Their messages are not safe to show or log: knex prepends the
 * statement with its values formatted in, and the server's own message can quote a value
 * (ER_DUP_ENTRY names the duplicate email). Only code, errno and sqlState are kept.
 */
interface DriverError extends Error {
  code?: unknown
  errno?: unknown
  sqlState?: unknown
  sqlMessage?: unknown
  sql?: unknown
  fatal?: unknown
}

/** Codes that mean the database cannot be reached or served nothing: not the request's fault. */
const UNAVAILABLE_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_NORMAL_SHUTDOWN',
  'ER_SHUTDOWN_COMPLETE',
  'ER_CONNECTION_KILLED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
  'ER_SERVER_OFFLINE_MODE',
])
/**
 * mysql2 marks `fatal` every error after which the connection is gone: its socket failed
 * (ECONNREFUSED, ECONNRESET...), the server closed it, or a statement was sent on a connection
 * already closed ("Can't add new command when connection is in closed state", which has no
 * code). knex's ROLLBACK after a lost connection fails with that last one, and the transaction
 * rejects with it instead of the first error: it too means the database went away.
 */
const isConnectionGone = (err: DriverError) => err.fatal === true

/** knex's pool acquire timeout ("Knex: Timeout acquiring a connection") and query timeouts. */
const isKnexTimeout = (err: Error) => err.name === 'KnexTimeoutError'

export function isDatabaseError(err: unknown): err is DriverError {
  if (!(err instanceof Error)) return false
  const e = err as DriverError
  return (
    isKnexTimeout(err) ||
    e.sqlState !== undefined ||
    e.sqlMessage !== undefined ||
    e.sql !== undefined ||
    (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) ||
    isConnectionGone(e)
  )
}

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!isDatabaseError(err)) return false
  if (isKnexTimeout(err)) return true
  const code = typeof err.code === 'string' ? err.code : ''
  return UNAVAILABLE_CODES.has(code) || isConnectionGone(err)
}

/** A message that names the failure without any statement or value. */
export function safeDatabaseMessage(err: DriverError): string {
  if (isKnexTimeout(err)) return 'Knex: Timeout acquiring a connection or running a query'
  const code =
    typeof err.code === 'string'
      ? err.code
      : isConnectionGone(err)
        ? 'connection closed'
        : 'unknown'
  const errno = typeof err.errno === 'number' ? ` (errno ${err.errno})` : ''
  return `database error ${code}${errno}`
}

/** The stack's frames under a new first line: V8 put the unsafe message in the first line. */
export function restack(stack: string | undefined, header: string): string | undefined {
  if (!stack) return undefined
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line))
  return [header, ...frames].join('\n')
}

/** Rewrites a driver error in place, so whatever records it later records nothing unsafe. */
export function scrubDatabaseError(err: unknown): void {
  if (!isDatabaseError(err)) return
  const message = safeDatabaseMessage(err)
  const stack = restack(err.stack, `${err.name}: ${message}`)
  for (const key of ['sql', 'sqlMessage', 'parameters', 'bindings'] as const) {
    delete (err as unknown as Record<string, unknown>)[key]
  }
  err.message = message
  if (stack) err.stack = stack
}
