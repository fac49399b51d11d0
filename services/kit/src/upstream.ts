import { isPassedOn, PROBLEMS } from '@shopscope/contracts'
import { HttpProblem } from './problem'
import { faultState } from './faults'
import { CallFailed, httpCall } from './http-call'
import { backoffMs, BUDGET_HEADER } from './deadline'
import { Gauge, type Registry, type RegistryContentType } from 'prom-client'

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 }

/**
 * `shopscope_upstream_circuit_state{upstream}`: 0 closed, 1 half-open, 2 open; of an upstream
 * called through several breakers (one per kind of call), the worst.
 */
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
      const worst = new Map<string, number>()
      for (const u of upstreams)
        worst.set(u.name, Math.max(worst.get(u.name) ?? 0, STATE_VALUE[u.state]))
      for (const [upstream, value] of worst) this.set({ upstream }, value)
    },
  })
}

export interface UpstreamOptions {
  /** Short name used in errors and metrics, e.g. "product-service". */
  name: string
  baseUrl: string
  timeoutMs: number
  /** Extra attempts for idempotent calls only, after a jittered backoff, within the deadline. */
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

/** What one call adds to the method and path. */
export interface UpstreamRequestInit {
  body?: unknown
  headers?: Record<string, string>
  /** Repeating the call cannot change its outcome; a POST with an Idempotency-Key is. */
  idempotent?: boolean
  /** For a call known to be slower than the rest (password hashing, a checkout). */
  timeoutMs?: number
  /** Epoch ms after which nobody waits for the answer (the caller's own deadline). */
  deadline?: number
}

export type CircuitState = 'closed' | 'open' | 'half-open'

/**
 * The upstream is down, timed out, its circuit is open, or it passed on that its own dependency
 * is: callers answer 503 dependency-unavailable (with Retry-After) instead of waiting.
 */
export class UpstreamUnavailable extends HttpProblem {
  constructor(
    readonly upstream: string,
    reason: string,
  ) {
    super(503, `${upstream} is unavailable (${reason})`, PROBLEMS.dependency_unavailable.type, {
      reason: 'dependency_unavailable',
      dependency: upstream,
    })
    this.name = 'UpstreamUnavailable'
  }
}

/**
 * The upstream answered with an error of its own making (a 500: a bug, perhaps triggered by this
 * very request) or outside its contract: callers answer 502 upstream-error. Never opens a circuit.
 */
export class UpstreamError extends HttpProblem {
  constructor(
    readonly upstream: string,
    reason: string,
  ) {
    super(502, `${upstream} failed: ${reason}`, PROBLEMS.upstream_error.type, {
      reason: 'upstream_error',
      dependency: upstream,
    })
    this.name = 'UpstreamError'
  }
}

/** An upstream answered outside its contract: a bug on one side or the other. */
export const unexpectedAnswer = (upstream: string, status: number): UpstreamError =>
  new UpstreamError(upstream, `answered ${status} unexpectedly`)

/** Less time than this left before the deadline: no attempt is started. */
const MIN_ATTEMPT_MS = 20

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Only these answers, when the upstream originates them, say that it is out of service. */
const OUTAGE_STATUSES = new Set([502, 503, 504])

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined
  } catch {
    return undefined
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
    init: UpstreamRequestInit = {},
  ): Promise<UpstreamResponse<T>> {
    const idempotent =
      init.idempotent ??
      (method === 'GET' || method === 'HEAD' || init.headers?.['idempotency-key'] !== undefined)
    const attempts = idempotent ? 1 + this.retries : 1
    const ownTimeout = init.timeoutMs ?? this.options.timeoutMs
    let lastError = 'no attempt'
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep(backoffMs(attempt))
      const left = init.deadline === undefined ? ownTimeout : init.deadline - Date.now()
      // Too late to start: the caller is no longer waiting. Not the upstream's failure.
      if (left < MIN_ATTEMPT_MS) break
      const timeoutMs = Math.min(ownTimeout, left)
      this.admit()
      try {
        const { status, text } = await httpCall(new URL(path, this.options.baseUrl), {
          method,
          headers: {
            accept: 'application/json',
            ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...init.headers,
            [BUDGET_HEADER]: String(timeoutMs),
          },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          timeoutMs,
        })
        const body = parseBody(text)
        if (OUTAGE_STATUSES.has(status) && !isPassedOn(body)) {
          lastError = `status ${status}`
          this.recordFailure()
          continue
        }
        // Any other answer, errors included, shows the upstream itself is up.
        this.recordSuccess()
        if (status >= 500) throw this.passOn(status, body)
        return { status, body: body as T }
      } catch (err) {
        if (err instanceof HttpProblem) throw err
        lastError = err instanceof CallFailed ? err.reason : 'unreachable'
        // A call the caller's deadline left less than half its usual time says nothing against
        // the upstream when it times out (the caller's budget was spent elsewhere): no failure.
        if (lastError === 'timeout' && timeoutMs < ownTimeout / 2) this.probing = false
        else this.recordFailure()
      }
    }
    throw new UpstreamUnavailable(
      this.options.name,
      lastError === 'no attempt' ? 'deadline exceeded' : lastError,
    )
  }

  /** A 503 passed on stays a 503 (the shop is unavailable, not broken); any other 5xx is a 502. */
  private passOn(status: number, body: unknown): HttpProblem {
    const name = this.options.name
    if (status === 503 && isPassedOn(body)) {
      const { dependency } = body as { dependency: string }
      return new UpstreamUnavailable(name, `${dependency} unavailable`)
    }
    return unexpectedAnswer(name, status)
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
