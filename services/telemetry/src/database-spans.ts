import { subscribe } from 'node:diagnostics_channel'
import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api'

/**
 * One CLIENT span per SQL statement, from knex's own query events, in place of the knex and
 * mysql2 instrumentations. Those wrapped every query and every driver call and built a span
 * (a non-recording one, nine requests in ten) whether or not anyone would keep it
 * (docs/telemetry-cost.md §2). Here a statement under a span that does not record costs one
 * check: no span object, no attributes, nothing wrapped, no extra promise.
 *
 * No active recording span, no span: statements outside any request (migrations at start, the
 * sweepers) have no trace to join, and a one-statement root trace per sweep would be noise.
 * Transaction control (BEGIN, COMMIT, ROLLBACK) has no span either: knex announces it without
 * the query id and never reports its end, so there is nothing to close such a span with.
 */

/**
 * Where the kit announces each knex instance it creates (services/kit/src/db.ts `createDb`).
 * A channel rather than a hook on knex's Client prototype: the bootstrap is loaded from the
 * operator's image, not from the service's node_modules, so it could only reach the service's
 * knex through module-loading hooks (the machinery being replaced); a publish without
 * subscribers costs nothing, the kit imports no telemetry code, and Fastify hands the bootstrap
 * its instances the same way (`fastify.initialization`, ./fastify-server).
 */
export const KNEX_CREATED_CHANNEL = 'shopscope.knex.created'

/** What knex's `query`, `query-response` and `query-error` events carry that is read here. */
interface QueryEvent {
  __knexQueryUid?: string
  sql?: string
  method?: string
  timeout?: number
}

/** A query builder as knex's `start` event hands it over: its main table, when it has one. */
interface StartedBuilder {
  _single?: { table?: unknown }
}

/** The part of a knex instance this uses (the bootstrap has no knex dependency). */
export interface KnexLike {
  on(event: 'start', listener: (builder: StartedBuilder) => void): unknown
  on(event: 'query', listener: (query: QueryEvent) => void): unknown
  on(event: 'query-response', listener: (response: unknown, query: QueryEvent) => void): unknown
  on(event: 'query-error', listener: (error: unknown, query: QueryEvent) => void): unknown
  client?: { connectionSettings?: { database?: unknown; host?: unknown; port?: unknown } }
}

/**
 * Statements whose end never arrives (a `.stream()`, a path knex adds later) must not pile up:
 * beyond this many open ones the oldest is forgotten, unexported.
 */
const MAX_OPEN = 1_000

/** Named as the knex instrumentation named them, so span names (span metrics) stay the same. */
function spanName(operation: string | undefined, database: string | undefined, table?: string) {
  const namespace = database ?? 'mysql'
  if (!operation) return namespace
  return table ? `${operation} ${namespace}.${table}` : `${operation} ${namespace}`
}

/** Records the statements of one knex instance (the kit's scrubbing listener is already on it). */
export function recordStatements(knex: KnexLike, tracerName = '@shopscope/telemetry'): void {
  const settings = knex.client?.connectionSettings ?? {}
  const database = typeof settings.database === 'string' ? settings.database : undefined
  const connection: Attributes = { 'db.system.name': 'mysql' }
  if (database) connection['db.namespace'] = database
  if (typeof settings.host === 'string') connection['server.address'] = settings.host
  if (typeof settings.port === 'number') connection['server.port'] = settings.port
  const tracer = trace.getTracer(tracerName)
  const open = new Map<string, Span>()
  // knex emits `start` with the builder and then, in the same synchronous run, `query` for its
  // (first) statement: the builder's table is read there, as the knex instrumentation read it,
  // without parsing the SQL. Kept without any check: one assignment per statement.
  let started: StartedBuilder | undefined

  const end = (query: QueryEvent | undefined, error?: unknown) => {
    // The common case when nine requests in ten are not sampled: nothing open, nothing to look up.
    if (open.size === 0) return
    const uid = query?.__knexQueryUid
    if (uid === undefined) return
    const span = open.get(uid)
    if (span === undefined) return
    open.delete(uid)
    if (error !== undefined) {
      // Already scrubbed by the kit; ./database-span-errors redacts whatever is left.
      span.recordException(error instanceof Error ? error : String(error))
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : undefined,
      })
    }
    span.end()
  }

  knex.on('start', (builder) => {
    started = builder
  })
  knex.on('query', (query) => {
    const builder = started
    started = undefined
    if (trace.getActiveSpan()?.isRecording() !== true) return
    const uid = query.__knexQueryUid
    if (uid === undefined) return
    const operation = query.method
    // A raw statement's builder has no table: named `raw <db>`, as before.
    const table = typeof builder?._single?.table === 'string' ? builder._single.table : undefined
    const attributes: Attributes = { ...connection }
    // Compiled with `?` placeholders: the values are bindings and never reach the text.
    if (query.sql) attributes['db.query.text'] = query.sql
    if (operation) attributes['db.operation.name'] = operation
    // The name keeps knex's table text (`orders as o`, as the knex instrumentation named it);
    // the attribute is the table alone.
    if (table) attributes['db.collection.name'] = table.split(' ', 1)[0] as string
    const span = tracer.startSpan(spanName(operation, database, table), {
      kind: SpanKind.CLIENT,
      attributes,
    })
    if (open.size >= MAX_OPEN) open.delete(open.keys().next().value as string)
    open.set(uid, span)
    // knex gives up on a statement after `.timeout(ms)` and reports it on the builder only.
    if (query.timeout) {
      setTimeout(
        () => end(query, new Error(`Knex: Timeout after ${query.timeout} ms`)),
        query.timeout,
      ).unref()
    }
  })
  knex.on('query-response', (_response, query) => end(query))
  knex.on('query-error', (error, query) => end(query, error ?? new Error('query failed')))
}

/** Records the statements of every knex instance the kit creates from now on. */
export function recordDatabaseStatements(): void {
  subscribe(KNEX_CREATED_CHANNEL, (message) => {
    recordStatements((message as { knex: KnexLike }).knex)
  })
}
