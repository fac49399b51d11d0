import type { BenchService } from './stack'

const CLOSED = 0
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The export breakers' states a service's /metrics reports, by signal. */
async function breakerStates(service: BenchService): Promise<Record<string, number>> {
  const text = await (await fetch(`${service.url}/metrics`)).text()
  const states: Record<string, number> = {}
  for (const m of text.matchAll(
    /^shopscope_telemetry_export_breaker_state\{signal="(\w+)"\} (\d+)/gm,
  )) {
    states[m[1] ?? ''] = Number(m[2])
  }
  return states
}

/**
 * `collector-down` measures what a dead collector costs once the services know it is dead: each
 * service's export breaker (services/telemetry/src/export-breaker.ts) opens after a few failed
 * exports, some tens of seconds after the start, and then probes now and then (half-open). Until
 * no breaker of any service is closed any more, requests keep every service exporting;
 * the time it took is returned for the log. Throws after `timeoutMs`: a breaker that never opens
 * is what this configuration exists to catch.
 */
export async function untilBreakersOpen(
  services: BenchService[],
  timeoutMs = 120_000,
): Promise<number> {
  const started = Date.now()
  const frontend = services.find((s) => s.name === 'frontend')
  for (;;) {
    const states = await Promise.all(services.map(breakerStates))
    const closed = services.flatMap((s, i) =>
      Object.entries(states[i] ?? {})
        .filter(([, state]) => state === CLOSED)
        .map(([signal]) => `${s.name} ${signal}`),
    )
    if (closed.length === 0 && states.every((s) => Object.keys(s).length > 0)) {
      return Date.now() - started
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `collector down: export breakers still closed after ${timeoutMs} ms: ${closed.join(', ')}`,
      )
    }
    // A home page, and a request straight to each other service (a 404, traced like any
    // request): spans in every service, whose failed exports open its breakers sooner.
    await Promise.all(
      services.flatMap((s) =>
        Array.from({ length: 10 }, () =>
          fetch(s === frontend ? s.url : `${s.url}/bench-dead-collector`).then((r) =>
            r.arrayBuffer(),
          ),
        ),
      ),
    )
    await sleep(500)
  }
}
