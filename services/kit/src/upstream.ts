import { HttpProblem } from './problem'
import { faultState } from './faults'
import { CallFailed, httpCall } from './http-call'
import { Gauge, type Registry, type RegistryContentType } from 'prom-client'

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 }

/** `shopscope_upstream_circuit_state{upstream}`: 0 closed, 1 half-open, 2 open. */
export function registerUpstreamMetrics(
  registry: Registry<RegistryContentType>,
  upstreams: Upstream[],
): void {
  new Gauge({
    name: 'shopscope_upstream_circuit_state',
    help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open',
    labelNames: ['upstream'],
    registers: [registry],
    collect() {
      for (const u of upstreams) this.set({ upstream: u.name }, STATE_VALUE[u.state])
    },
  })
}

export interface UpstreamOptions {
  /** Short name used in errors and metrics, e.g. "product-service". */
  name: string
  baseUrl: string
  timeoutMs: number
  /** Extra attempts for idempotent calls only. */
  retries?: number
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number
  /** How long an open circuit rejects calls before letting one through. */
  openMs?: number
}

export interface UpstreamResponse<T> {
  status: number
  body: T
}

export type CircuitState = 'closed' | 'open' | 'half-open'

/** The dependency is down or timed out: callers answer 503 instead of waiting. */
export class UpstreamUnavailable extends HttpProblem {
  constructor(
    readonly upstream: string,
    reason: string,
  ) {
    super(503, `${upstream} is unavailable (${reason})`)
    this.name = 'UpstreamUnavailable'
  }
}

/**
 * JSON over HTTP to another shop service: a timeout on every call, retries only where a
 * repeat cannot change the outcome, and a circuit breaker so a dead dependency fails fast.
 */
export class Upstream {
  private failures = 0
  private openedAt = 0
  private probing = false
  private readonly retries: number
  private readonly failureThreshold: number
  private readonly openMs: number

  constructor(private readonly options: UpstreamOptions) {
    this.retries = options.retries ?? 1
    this.failureThreshold = options.failureThreshold ?? 5
    this.openMs = options.openMs ?? 5_000
  }

  get name(): string {
    return this.options.name
  }

  get state(): CircuitState {
    if (this.failures < this.failureThreshold) return 'closed'
    return Date.now() - this.openedAt >= this.openMs ? 'half-open' : 'open'
  }

  async request<T>(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; idempotent?: boolean } = {},
  ): Promise<UpstreamResponse<T>> {
    const idempotent = init.idempotent ?? (method === 'GET' || method === 'HEAD')
    const attempts = idempotent ? 1 + this.retries : 1
    let lastError = 'no attempt'
    for (let attempt = 0; attempt < attempts; attempt++) {
      this.admit()
      try {
        const { status, text } = await httpCall(new URL(path, this.options.baseUrl), {
          method,
          headers: {
            accept: 'application/json',
            ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...init.headers,
          },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          timeoutMs: this.options.timeoutMs,
        })
        if (status >= 500) {
          lastError = `status ${status}`
          this.recordFailure()
          continue
        }
        this.recordSuccess()
        return { status, body: (text ? JSON.parse(text) : undefined) as T }
      } catch (err) {
        if (err instanceof UpstreamUnavailable) throw err
        lastError = err instanceof CallFailed ? err.reason : 'unreachable'
        this.recordFailure()
      }
    }
    throw new UpstreamUnavailable(this.options.name, lastError)
  }

  private admit(): void {
    if (faultState.failDependency === this.options.name) {
      throw new UpstreamUnavailable(this.options.name, 'injected fault')
    }
    const state = this.state
    if (state === 'open') throw new UpstreamUnavailable(this.options.name, 'circuit open')
    if (state === 'half-open') {
      if (this.probing) throw new UpstreamUnavailable(this.options.name, 'circuit open')
      this.probing = true
    }
  }

  private recordSuccess(): void {
    this.failures = 0
    this.probing = false
  }

  private recordFailure(): void {
    this.failures++
    this.probing = false
    if (this.failures >= this.failureThreshold) this.openedAt = Date.now()
  }
}
