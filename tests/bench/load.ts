/**
 * One measurement: autocannon at a fixed concurrency (and optionally a fixed overall rate) for a
 * fixed duration, after a warm-up whose results are thrown away.
 */
import autocannon from 'autocannon'
import { cpuMeter } from './cpu'
import { pacedRun } from './paced'

export interface LoadSpec {
  url: string
  connections: number
  /**
   * Requests per second over all connections, paced evenly (one GET, `requests[0]`); unset
   * means as fast as answers come back.
   */
  overallRate?: number
  requests: autocannon.Request[]
  /** The status a successful request answers; anything else counts as an error. */
  expectStatus: number
}

export interface LoadResult {
  requests: number
  rps: number
  p50: number
  p95: number
  p99: number
  errors: number
  /** Responses with the expected status, measured part. */
  ok: number
  /** Responses with the expected status during the warm-up (orders placed then count too). */
  warmupOk: number
  /** Answers of any status during the warm-up (their spans reach the collector too). */
  warmupRequests: number
  /** CPU milliseconds per request of each process of the stack during the timed run. */
  cpuMsPerRequest: Record<string, number>
  /**
   * A result over several rounds (rounds.ts): each round's req/s and stack CPU per request, in
   * round order; the fields above are then the rounds' medians (counts: their sums).
   */
  rounds?: { rps: number[]; stackCpuMs: number[] }
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0
    ? NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN)

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

async function run(spec: LoadSpec, seconds: number) {
  if (spec.overallRate) {
    const url = new URL(spec.requests[0]?.path ?? '/', spec.url).toString()
    const users = spec.connections
    const paced = await pacedRun({ ...spec, url, users, rate: spec.overallRate }, seconds)
    return { ...paced, result: { errors: 0 } }
  }
  const latencies: number[] = []
  let ok = 0
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: seconds,
    timeout: 10,
    requests: spec.requests,
  })
  instance.on('response', (_client, status, _bytes, ms) => {
    latencies.push(ms)
    if (status === spec.expectStatus) ok++
  })
  const result = await instance
  return { latencies, ok, result }
}

export async function measure(
  spec: LoadSpec,
  timing: { warmupSeconds: number; seconds: number },
  pids: Record<string, number>,
): Promise<LoadResult> {
  const warmup = await run(spec, timing.warmupSeconds)
  const cpu = cpuMeter(pids)
  const { latencies, ok, result } = await run(spec, timing.seconds)
  const cpuMsPerRequest = cpu(latencies.length)
  const sorted = Float64Array.from(latencies).sort()
  return {
    requests: latencies.length,
    rps: round(latencies.length / timing.seconds, 0),
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    // Wrong status, or no answer at all (connection error, timeout).
    errors: latencies.length - ok + result.errors,
    ok,
    warmupOk: warmup.ok,
    warmupRequests: warmup.latencies.length,
    cpuMsPerRequest,
  }
}
