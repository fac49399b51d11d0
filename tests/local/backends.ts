// What the tests ask the real trace and log backends: Jaeger's query API (the one its UI uses)
// and VictoriaLogs' LogsQL API. Spans come back in the shape of the OTLP decoder's spans
// (tests/harness/otlp-proto.ts), so a test reads a span the same whichever backend it crossed.
import type { OtlpSpan } from '../harness/otlp-proto'

export type TraceSpan = Pick<
  OtlpSpan,
  | 'traceId'
  | 'spanId'
  | 'parentSpanId'
  | 'name'
  | 'kind'
  | 'durationMs'
  | 'attributes'
  | 'statusCode'
  | 'resource'
>

interface JaegerTag {
  key: string
  value: string | number | boolean
}

interface JaegerTrace {
  traceID: string
  spans: {
    traceID: string
    spanID: string
    operationName: string
    references?: { refType: string; spanID: string }[]
    duration: number
    tags?: JaegerTag[]
    processID: string
  }[]
  processes: Record<string, { serviceName: string; tags?: JaegerTag[] }>
}

const KINDS: Record<string, number> = {
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
}
const STATUS: Record<string, number> = { OK: 1, ERROR: 2 }

// Jaeger prints a trace id's high half without its leading zeros.
const hexId = (id: string, length: number) => id.padStart(length, '0')

const tagMap = (tags: JaegerTag[] = []) => Object.fromEntries(tags.map((t) => [t.key, t.value]))

function toSpans(trace: JaegerTrace): TraceSpan[] {
  return trace.spans.map((span) => {
    const process = trace.processes[span.processID]
    const attributes = tagMap(span.tags)
    return {
      traceId: hexId(span.traceID, 32),
      spanId: hexId(span.spanID, 16),
      parentSpanId: hexId(
        span.references?.find((r) => r.refType === 'CHILD_OF')?.spanID ?? '',
        16,
      ).replace(/^0{16}$/, ''),
      name: span.operationName,
      kind: KINDS[String(attributes['span.kind'])] ?? 0,
      durationMs: span.duration / 1000,
      attributes,
      statusCode: STATUS[String(attributes['otel.status_code'])] ?? 0,
      resource: { ...tagMap(process?.tags), 'service.name': process?.serviceName ?? '' },
    }
  })
}

async function getJson<T>(url: URL | string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  if (!res.ok) throw new Error(`GET ${String(url)}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** Every span of one trace; [] while Jaeger does not know it. */
export async function jaegerTrace(jaegerUrl: string, traceId: string): Promise<TraceSpan[]> {
  const res = await fetch(`${jaegerUrl}/api/traces/${traceId}`, {
    signal: AbortSignal.timeout(10_000),
  })
  if (res.status === 404) return []
  if (!res.ok) throw new Error(`GET trace ${traceId}: ${res.status} ${await res.text()}`)
  const body = (await res.json()) as { data: JaegerTrace[] }
  return body.data.flatMap(toSpans)
}

export interface TraceSearch {
  service: string
  /** A span name (Jaeger's "operation"). */
  name?: string
  minDurationMs?: number
  /** Span attributes, compared as strings, e.g. {'http.response.status_code': '503'}. */
  tags?: Record<string, string>
  /** The newest traces first; the memory store scans at most this many matches. */
  limit?: number
}

/**
 * The spans of `service` (named `name`, at least `minDurationMs` long) in the newest traces that
 * hold one, as Jaeger's search page asks for them.
 */
export async function jaegerSearch(jaegerUrl: string, search: TraceSearch): Promise<TraceSpan[]> {
  const url = new URL('/api/traces', jaegerUrl)
  const nowUs = Date.now() * 1000
  url.searchParams.set('service', search.service)
  if (search.name) url.searchParams.set('operation', search.name)
  if (search.minDurationMs) url.searchParams.set('minDuration', `${search.minDurationMs}ms`)
  if (search.tags) url.searchParams.set('tags', JSON.stringify(search.tags))
  url.searchParams.set('start', String(nowUs - 3600e6))
  url.searchParams.set('end', String(nowUs))
  url.searchParams.set('limit', String(search.limit ?? 1000))
  const body = await getJson<{ data: JaegerTrace[] }>(url)
  return body.data
    .flatMap(toSpans)
    .filter(
      (s) =>
        s.resource['service.name'] === search.service &&
        (!search.name || s.name === search.name) &&
        s.durationMs >= (search.minDurationMs ?? 0),
    )
}

/** The services Jaeger has spans of. */
export async function jaegerServices(jaegerUrl: string): Promise<string[]> {
  return (await getJson<{ data: string[] | null }>(`${jaegerUrl}/api/services`)).data ?? []
}

/** One VictoriaLogs entry: `_msg`, `_time`, `_stream` and every field (trace_id, span_id, …). */
export type LogEntry = Record<string, string>

/** A LogsQL query (https://docs.victoriametrics.com/victorialogs/logsql/) over VictoriaLogs. */
export async function logsQuery(logsUrl: string, query: string, limit = 1000): Promise<LogEntry[]> {
  const url = new URL('/select/logsql/query', logsUrl)
  url.searchParams.set('query', query)
  url.searchParams.set('limit', String(limit))
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  if (!res.ok) throw new Error(`LogsQL ${query}: ${res.status} ${await res.text()}`)
  // One JSON object per line.
  return (await res.text())
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogEntry)
}

/** LogsQL's quoting of a phrase. */
export const quoted = (value: string) => JSON.stringify(value)

/** The log records of one trace (the collector's OTLP trace id is the `trace_id` field). */
export const logsOfTrace = (logsUrl: string, traceId: string) =>
  logsQuery(logsUrl, `trace_id:=${quoted(traceId)}`)

/** Log records per service.name over the last hour. */
export async function logCountsByService(logsUrl: string): Promise<Record<string, number>> {
  const rows = await logsQuery(logsUrl, '_time:1h | stats by (service.name) count() as n')
  return Object.fromEntries(rows.map((r) => [r['service.name'] ?? '', Number(r.n)]))
}
