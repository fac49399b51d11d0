import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  SERVICES,
  SERVICES_WITH_DATABASE,
  SERVICE_NAMES,
  type ServiceName,
  dependencyUrlEnv,
} from '@shopscope/system'
import { useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
import { isExposed, promClientNamesFor } from './metric-table'
import { startInstrumented, urlIn, startTogether, type ServiceProcess } from './service-process'
import { Browser } from '../../dev/traffic/browser'
import type { OtlpSpan } from '@shopscope/tests/harness'

const serviceOf = (s: Pick<OtlpSpan, 'resource'>) => String(s.resource['service.name'])

describe('one checkout across the four services', () => {
  let db: MariaDb
  let otlp: OtlpReceiver
  const running: ServiceProcess[] = []
  const traceId = randomBytes(16).toString('hex')
  // The user action's own span: the test plays an instrumented browser.
  const actionSpanId = randomBytes(8).toString('hex')
  let orderLocation = ''

  /** Starts `name`, given the URLs of its dependencies among the services running already. */
  const start = async (name: ServiceName, own: Record<string, string> = {}) => {
    const env = { ...dependencyUrlEnv(name, urlIn(running)), ...own }
    const service = await startInstrumented(name, { db, otlpEndpoint: otlp.endpoint, env })
    running.push(service)
    return service
  }

  before(async () => {
    db = await useMariaDb()
    otlp = await startOtlpReceiver()
    await startTogether([start('user-service'), start('product-service')])
    await start('order-service')
    const frontend = await start('frontend')
    const browser = new Browser(frontend.url, `00-${traceId}-${actionSpanId}-01`)
    await browser.signUp('Trace Tester', `trace-${traceId.slice(0, 8)}@shopscope.test`)
    orderLocation = await browser.checkOut('1', 2)
  })
  after(async () => {
    for (const service of running.reverse()) await service.stop()
    await otlp?.close()
    await db?.stop()
  })

  it('places the order', () => {
    assert.match(orderLocation, /^\/orders\/\d+$/)
  })

  it('produces one trace with spans and SQL from every service, parent to child', async () => {
    const inTrace = () => otlp.spans.filter((s) => s.traceId === traceId)
    const orphansIn = (spans: OtlpSpan[]) => {
      const ids = new Set([actionSpanId, ...spans.map((s) => s.spanId)])
      return spans.filter((s) => !ids.has(s.parentSpanId))
    }
    // Batches of four processes arrive in any order: wait for the last spans (the checkout and
    // the frontend's POST /checkout), then until every parent is in.
    const complete = () => {
      const spans = inTrace()
      const services = new Set(spans.map(serviceOf))
      const lastOfFrontend = spans.some(
        (s) =>
          serviceOf(s) === 'frontend' && s.kind === 2 && s.attributes['http.route'] === '/checkout',
      )
      return (
        SERVICE_NAMES.every((name) => services.has(name)) &&
        lastOfFrontend &&
        spans.some((s) => s.name === 'checkout') &&
        orphansIn(spans).length === 0
      )
    }
    await otlp.waitFor('the complete trace', complete).catch(() => undefined)
    await new Promise((r) => setTimeout(r, 500))
    await otlp.waitFor('every parent span', complete).catch(() => undefined)
    const trace = inTrace()
    assert.deepEqual([...new Set(trace.map(serviceOf))].sort(), [...SERVICE_NAMES].sort())
    assert.ok(trace.some((s) => s.name === 'checkout'))
    const sqlBy = new Set(
      trace.filter((s) => s.attributes['db.system.name'] === 'mysql').map(serviceOf),
    )
    assert.deepEqual([...sqlBy].sort(), SERVICES_WITH_DATABASE.map((s) => s.name).sort())
    // Every span hangs off another span of this trace, or off the user action itself.
    assert.deepEqual(
      orphansIn(trace).map((s) => `${serviceOf(s)} ${s.name}`),
      [],
    )
    // Each hop: a SERVER span of a backend whose parent is a CLIENT span of its caller.
    const byId = new Map(trace.map((s) => [s.spanId, s]))
    for (const server of trace.filter((s) => s.kind === 2 && serviceOf(s) !== 'frontend')) {
      const caller = byId.get(server.parentSpanId)
      assert.equal(caller?.kind, 3, `${serviceOf(server)} ${server.name} is called by a client`)
      assert.notEqual(caller && serviceOf(caller), serviceOf(server))
    }
  })

  it('records the business spans of the checkout', async () => {
    const trace = otlp.spans.filter((s) => s.traceId === traceId)
    const checkout = trace.find((s) => s.name === 'checkout')
    assert.ok(checkout?.attributes['order.id'], 'checkout carries order.id')
    assert.equal(checkout?.attributes['cart.items'], 1)
    assert.ok(trace.some((s) => s.name === 'reserve_stock'))
  })

  it('correlates every service log of the action and exports each exactly once', async () => {
    const logged = running.flatMap((service) =>
      service.records
        .filter((r) => r.trace_id === traceId)
        .map((r) => `${service.name} ${String(r.message)}`),
    )
    assert.ok(logged.includes('frontend request completed'), logged.join('\n'))
    assert.ok(logged.includes('order-service request completed'))
    const exported = () =>
      otlp.logs.filter((l) => l.traceId === traceId).map((l) => `${serviceOf(l)} ${String(l.body)}`)
    await otlp.waitFor('the logs over OTLP', () => exported().length >= logged.length)
    await new Promise((r) => setTimeout(r, 1_000)) // duplicates would arrive in a later batch
    assert.deepEqual(exported().sort(), logged.sort())
  })

  it('every service serves the prom-client metrics the table documents for it', async () => {
    for (const service of running) {
      const text = await (await fetch(`${service.url}/metrics`)).text()
      const names = promClientNamesFor(service.name, SERVICES[service.name].database !== null)
      const missing = names.filter((name) => !isExposed(text, name))
      assert.deepEqual(missing, [], `${service.name}: documented but not on /metrics`)
    }
  })
})
