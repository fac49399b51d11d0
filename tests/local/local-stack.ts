// A local stack per scenario file, with the short test timings, and the questions the scenarios
// ask it: Prometheus queries and alerts, delivered alerts, spans in Jaeger and logs in
// VictoriaLogs, faults.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Delivery } from '../../dev/local/alert-recorder'
export { setFaults, type Faults } from '../../dev/local/faults'
import { FAST_TIMINGS } from '../../dev/local/monitoring-config'
import { removeDatabaseFiles } from '../../dev/local/database'
import { reservePortBlock } from '../../dev/local/ports'
import { ROOT, startStack, stopStack, type StackState } from '../../dev/local/stack'
import {
  jaegerSearch,
  jaegerServices,
  jaegerTrace,
  logCountsByService,
  logsOfTrace,
  type LogEntry,
  type TraceSpan,
} from './backends'

export interface LocalStack {
  state: StackState
  stop(): Promise<void>
}

export async function useLocalStack(name: string): Promise<LocalStack> {
  const runDir = join(ROOT, '.run', `test-${name}-${process.pid}`)
  const { state, release } = await startOnABlock(runDir)
  // The stack's processes are detached: an interrupted test run must not leave them behind.
  const killAll = () => {
    for (const pid of [...Object.values(state.processes).map((p) => p.pid), state.mysql.pid]) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    removeDatabaseFiles(state.mysql)
    rmSync(runDir, { recursive: true, force: true })
    release()
  }
  const interrupted = () => process.exit(130)
  process.once('exit', killAll)
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  return {
    state,
    async stop() {
      await stopStack(state)
      process.off('exit', killAll)
      process.off('SIGINT', interrupted)
      process.off('SIGTERM', interrupted)
      rmSync(runDir, { recursive: true, force: true })
      release()
    },
  }
}

/**
 * The stack on a reserved block of ports (ports.ts). A port of the block taken between the check
 * and a process's bind fails that start: it is retried on another block.
 */
async function startOnABlock(runDir: string) {
  const tried = new Set<number>()
  for (;;) {
    const block = await reservePortBlock(tried)
    try {
      return { state: await startStack(runDir, FAST_TIMINGS, block.ports), release: block.release }
    } catch (err) {
      block.release()
      tried.add(block.block)
      const bindFailed = /EADDRINUSE|address already in use|ports are taken/i.test(String(err))
      if (!bindFailed || tried.size >= 3) throw err
      console.log(`port block ${block.block} lost a port, retrying on another: ${String(err)}`)
    }
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

export interface Sample {
  metric: Record<string, string>
  value: [number, string]
}

/** An instant query; the vector it returns. */
export async function promQuery(state: StackState, query: string): Promise<Sample[]> {
  const url = new URL('/api/v1/query', state.urls.prometheus)
  url.searchParams.set('query', query)
  const body = await getJson<{ status: string; data: { result: Sample[] } }>(url.toString())
  return body.data.result
}

/** Exemplars of the last five minutes of the series `query` selects. */
export async function promExemplars(state: StackState, query: string) {
  const url = new URL('/api/v1/query_exemplars', state.urls.prometheus)
  url.searchParams.set('query', query)
  url.searchParams.set('start', String(Date.now() / 1000 - 300))
  url.searchParams.set('end', String(Date.now() / 1000))
  const body = await getJson<{ data: { exemplars: { labels: Record<string, string> }[] }[] }>(
    url.toString(),
  )
  return body.data.flatMap((series) => series.exemplars)
}

export interface PromAlert {
  labels: Record<string, string>
  state: 'pending' | 'firing'
}

export async function prometheusAlerts(state: StackState): Promise<PromAlert[]> {
  const body = await getJson<{ data: { alerts: PromAlert[] } }>(
    `${state.urls.prometheus}/api/v1/alerts`,
  )
  return body.data.alerts
}

export const deliveries = (state: StackState) =>
  getJson<Delivery[]>(`${state.urls.recorder}/api/deliveries`)

/**
 * Spans in Jaeger: every span of `traceId`, or the spans of `service` (named `name`, at least
 * `minDurationMs` long) in its newest traces.
 */
export async function spans(
  state: StackState,
  query: { traceId?: string; service?: string; name?: string; minDurationMs?: string },
): Promise<TraceSpan[]> {
  const jaeger = state.urls.jaeger ?? ''
  if (query.traceId) return jaegerTrace(jaeger, query.traceId)
  if (!query.service) throw new Error('spans: a traceId or a service is required')
  return jaegerSearch(jaeger, {
    service: query.service,
    name: query.name,
    minDurationMs: Number(query.minDurationMs ?? 0),
  })
}

/** The log records of one trace, in VictoriaLogs. */
export const logs = (state: StackState, traceId: string): Promise<LogEntry[]> =>
  logsOfTrace(state.urls.logs ?? '', traceId)

/** Which services Jaeger has spans of, and how many log records each has in VictoriaLogs. */
export async function telemetryByService(state: StackState) {
  return {
    traces: await jaegerServices(state.urls.jaeger ?? ''),
    logs: await logCountsByService(state.urls.logs ?? ''),
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
