// The spans of one trace as a trace backend of the local stack holds them, reduced to what the
// browser-traces scenario asks: who made each span, its name, its parent, whether it is SQL.
import type { StackState } from '../../scripts/local/stack'
import { spans } from './local-stack'

export interface TraceSpan {
  service: string
  name: string
  spanId: string
  /** '' for the trace's root */
  parentSpanId: string
  sql: boolean
}

interface JaegerTrace {
  spans: {
    spanID: string
    operationName: string
    references?: { refType: string; spanID: string; traceID: string }[]
    tags: { key: string; value: unknown }[]
    processID: string
  }[]
  processes: Record<string, { serviceName: string }>
}

/** GET /api/traces/<id> of Jaeger's query service: its spans, none while it is unknown. */
async function fromJaeger(jaeger: string, traceId: string): Promise<TraceSpan[]> {
  const res = await fetch(`${jaeger}/api/traces/${traceId}`, {
    signal: AbortSignal.timeout(10_000),
  })
  if (res.status === 404) return []
  if (!res.ok) throw new Error(`GET ${jaeger}/api/traces/${traceId}: ${res.status}`)
  const [trace] = ((await res.json()) as { data: JaegerTrace[] }).data
  if (!trace) return []
  return trace.spans.map((s) => ({
    service: trace.processes[s.processID]?.serviceName ?? '',
    name: s.operationName,
    spanId: s.spanID,
    parentSpanId:
      s.references?.find((r) => r.refType === 'CHILD_OF' && r.traceID.endsWith(traceId))?.spanID ??
      '',
    sql: s.tags.some((t) => t.key === 'db.system.name' && t.value === 'mysql'),
  }))
}

/** The stack's trace backend: Jaeger where the stack runs it, else the OTLP sink. */
export async function traceSpans(state: StackState, traceId: string): Promise<TraceSpan[]> {
  if (state.urls.jaeger) return fromJaeger(state.urls.jaeger, traceId)
  return (await spans(state, { traceId })).map((s) => ({
    service: String(s.resource['service.name'] ?? ''),
    name: s.name,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    sql: s.attributes['db.system.name'] === 'mysql',
  }))
}
