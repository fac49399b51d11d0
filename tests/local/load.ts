// Steady shop traffic at a set rate for the alert scenarios: pages of the frontend and the API of
// every service directly (carts, checkouts, sign-ins), so that each service's alerts have traffic
// to judge; optionally the invalid JSON of the shop scenario (dev/traffic/scenario.json) instead
// of a share of the requests.
import { randomUUID } from 'node:crypto'
import type { StackState } from '../../dev/local/stack'
import { page, scenario } from '../../dev/traffic/scenario'

export interface LoadOptions {
  requestsPerSecond: number
  /** Share of requests replaced by the scenario's invalid JSON, 0..1; default none. */
  invalidJsonShare?: number
}

export interface Load {
  /** Responses so far by "<service> <status>" ("<service> network" when no response). */
  counts: Map<string, number>
  stop(): Promise<void>
}

type Step = (shopper: Shopper) => Promise<{ service: string; status: number }>

interface Shopper {
  token: string
}

const JSON_HEADERS = { 'content-type': 'application/json' }

export async function startLoad(state: StackState, options: LoadOptions): Promise<Load> {
  const url = (service: string, path: string) => `${state.urls[service]}${path}`
  const call = async (service: string, path: string, init: RequestInit = {}) => {
    const res = await fetch(url(service, path), { ...init, signal: AbortSignal.timeout(10_000) })
    await res.arrayBuffer()
    return { service, status: res.status }
  }

  const catalog = (await (await fetch(url('product-service', '/api/v1/products'))).json()) as {
    items: { id: string }[]
  }
  const productIds = catalog.items.map((p) => p.id)
  if (productIds.length === 0) throw new Error('the product catalog is empty')
  const anyProduct = () => productIds[Math.floor(Math.random() * productIds.length)] ?? ''

  const shoppers: Shopper[] = []
  for (let i = 0; i < 3; i++) {
    const email = `load-${randomUUID()}@${scenario.shopper.emailDomain}`
    const credentials = { email, password: scenario.shopper.password, name: `Load ${i}` }
    const registered = await fetch(url('user-service', '/api/v1/users'), {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(credentials),
    })
    if (!registered.ok) throw new Error(`load: registration failed with ${registered.status}`)
    await registered.arrayBuffer()
    // A returning shopper: signs in, so the dashboard's login series has data too.
    const session = await fetch(url('user-service', '/api/v1/sessions'), {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ email, password: credentials.password }),
    })
    if (!session.ok) throw new Error(`load: login failed with ${session.status}`)
    shoppers.push({ token: ((await session.json()) as { token: string }).token })
  }
  const bearer = (s: Shopper) => ({ ...JSON_HEADERS, authorization: `Bearer ${s.token}` })

  const steps: [number, Step][] = [
    [25, () => call('frontend', page('home'))],
    [20, () => call('frontend', page('product', anyProduct()))],
    [15, () => call('product-service', `/api/v1/products/${anyProduct()}`)],
    [10, () => call('product-service', '/api/v1/products?page=1&pageSize=5')],
    [10, (s) => call('order-service', '/api/v1/cart', { headers: bearer(s) })],
    [10, (s) => call('user-service', '/api/v1/users/me', { headers: bearer(s) })],
    [
      10,
      async (s) => {
        await call('order-service', '/api/v1/cart/items', {
          method: 'POST',
          headers: bearer(s),
          body: JSON.stringify({ productId: anyProduct(), quantity: 1 }),
        })
        return call('order-service', '/api/v1/orders', {
          method: 'POST',
          headers: { authorization: `Bearer ${s.token}`, 'idempotency-key': randomUUID() },
        })
      },
    ],
  ]
  const { service, method, path, body } = scenario.invalidJson
  const invalid: Step = () =>
    call(service, path.replace('{id}', `load-${randomUUID()}`), {
      method,
      headers: JSON_HEADERS,
      body,
    })
  const totalWeight = steps.reduce((sum, [w]) => sum + w, 0)
  const pick = (): Step => {
    if (Math.random() < (options.invalidJsonShare ?? 0)) return invalid
    let r = Math.random() * totalWeight
    for (const [weight, step] of steps) {
      if ((r -= weight) < 0) return step
    }
    return steps[0]![1]
  }

  const counts = new Map<string, number>()
  const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1)
  const inFlight = new Set<Promise<void>>()
  let n = 0
  const timer = setInterval(() => {
    if (inFlight.size >= 50) return count('load skipped')
    const shopper = shoppers[n++ % shoppers.length]!
    const request = pick()(shopper).then(
      ({ service, status }) => void count(`${service} ${status}`),
      () => void count('network error'),
    )
    inFlight.add(request)
    void request.finally(() => inFlight.delete(request))
  }, 1000 / options.requestsPerSecond)

  return {
    counts,
    async stop() {
      clearInterval(timer)
      await Promise.all(inFlight)
    },
  }
}

/** Sum of the counts whose key matches. */
export function total(counts: Map<string, number>, pattern: RegExp): number {
  return [...counts].reduce((sum, [key, n]) => (pattern.test(key) ? sum + n : sum), 0)
}
