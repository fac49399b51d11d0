// A local stack per scenario file, with the short test timings, and the questions the scenarios
// ask it: Prometheus queries and alerts, delivered alerts, spans and logs in the sink, faults.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Delivery } from '../../scripts/local/alert-recorder'
import { FAST_TIMINGS } from '../../scripts/local/monitoring-config'
import { removeDatabaseFiles } from '../../scripts/local/database'
import { ROOT, startStack, stopStack, type StackState } from '../../scripts/local/stack'
import type { OtlpLogRecord, OtlpSpan } from '../harness'

export interface LocalStack {
  state: StackState
  stop(): Promise<void>
}

export async function useLocalStack(name: string): Promise<LocalStack> {
  const runDir = join(ROOT, '.run', `test-${name}-${process.pid}`)
  const state = await startStack(runDir, FAST_TIMINGS)
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
    },
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

export async function spans(state: StackState, query: Record<string, string>): Promise<OtlpSpan[]> {
  const params = new URLSearchParams(query).toString()
  return (await getJson<{ items: OtlpSpan[] }>(`${state.urls.sink}/api/spans?${params}`)).items
}

export async function logs(
  state: StackState,
  query: Record<string, string>,
): Promise<OtlpLogRecord[]> {
  const params = new URLSearchParams(query).toString()
  return (await getJson<{ items: OtlpLogRecord[] }>(`${state.urls.sink}/api/logs?${params}`)).items
}

export interface SinkStats {
  spans: { total: number; byService: Record<string, number> }
  logs: { total: number; byService: Record<string, number> }
}

export const sinkStats = (state: StackState) => getJson<SinkStats>(`${state.urls.sink}/api/stats`)

export interface Faults {
  latencyMs?: number
  errorRate?: number
  failDependency?: string
}

/** PUT /admin/faults on one service's admin listener; returns the switches now in effect. */
export async function setFaults(state: StackState, service: string, faults: Faults) {
  const res = await fetch(`${state.adminUrls[service]}/admin/faults`, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${state.faultAdminToken}`,
    },
    body: JSON.stringify(faults),
  })
  if (!res.ok) throw new Error(`PUT /admin/faults on ${service}: ${res.status} ${await res.text()}`)
  return (await res.json()) as Required<Faults>
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
