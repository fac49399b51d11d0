// From one shop request to what a person looks at: its trace in Jaeger's API, across every
// service the request reaches, and its log lines in VictoriaLogs by that trace's id. The test
// sends its own `traceparent`, so it knows the trace id without searching.
import { randomBytes } from 'node:crypto'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { HttpVisitor } from '../app/visitor'
import { jaegerTrace, logsOfTrace, logsQuery, type LogEntry, type TraceSpan } from './backends'
import { eventually } from './eventually'
import { useLocalStack, type LocalStack } from './local-stack'

const SPAN_KIND_SERVER = 2

function newTraceparent() {
  const traceId = randomBytes(16).toString('hex')
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` }
}

const servicesOf = (items: { service: unknown }[]) => new Set(items.map((i) => String(i.service)))

/** The trace once it holds a span of every one of `services`; Jaeger's spans arrive in batches. */
async function traceWith(jaeger: string, traceId: string, services: string[]) {
  return eventually(`trace ${traceId} with ${services.join(', ')} in Jaeger`, async () => {
    const spans = await jaegerTrace(jaeger, traceId)
    const seen = servicesOf(spans.map((s) => ({ service: s.resource['service.name'] })))
    return services.every((s) => seen.has(s)) ? spans : undefined
  })
}

async function logsWith(logs: string, traceId: string, services: string[]) {
  return eventually(`logs of ${traceId} from ${services.join(', ')} in VictoriaLogs`, async () => {
    const entries = await logsOfTrace(logs, traceId)
    const seen = servicesOf(entries.map((e) => ({ service: e['service.name'] })))
    return services.every((s) => seen.has(s)) ? entries : undefined
  })
}

/** The server span of `service` named `name`, and the span that called it. */
function serverSpan(trace: TraceSpan[], service: string, name: string) {
  const span = trace.find(
    (s) => s.resource['service.name'] === service && s.kind === SPAN_KIND_SERVER && s.name === name,
  )
  assert.ok(span, `no ${service} server span "${name}" in ${trace.map((s) => s.name).join(', ')}`)
  return { span, caller: trace.find((s) => s.spanId === span.parentSpanId) }
}

/**
 * The trace's "Logs in VictoriaLogs" link as the Jaeger UI builds it: the UI config Jaeger embeds
 * in the page it serves (JAEGER_CONFIG), its link pattern filled with the trace's id (the time
 * parameters with any value: only the query is checked here).
 */
async function logsLinkOf(jaeger: string, traceId: string): Promise<URL> {
  const page = await (await fetch(`${jaeger}/search`)).text()
  const embedded = /JAEGER_CONFIG = (\{.*?\});/s.exec(page)?.[1]
  assert.ok(embedded, 'the Jaeger UI page carries no UI config')
  const config = JSON.parse(embedded) as { linkPatterns?: { type: string; url: string }[] }
  const pattern = config.linkPatterns?.find((p) => p.type === 'traces')
  assert.ok(pattern, `no trace link pattern in ${embedded}`)
  return new URL(
    pattern.url.replaceAll('#{traceID}', traceId).replace(/#\{[^}]*\}/g, '2026-01-01T00:00:00Z'),
  )
}

const summary = (entries: LogEntry[]) =>
  entries.map((e) => `${e['service.name']}: ${e._msg}`).join('; ')

describe('local stack: one shop request, its trace in Jaeger, its logs in VictoriaLogs', () => {
  let stack: LocalStack
  before(async () => {
    stack = await useLocalStack('trace-to-logs')
  })
  after(() => stack?.stop())

  it('a sign-up: frontend → user-service, and the log lines of both', async () => {
    const { urls } = stack.state
    const shop = new HttpVisitor(urls.shop ?? '')
    const { traceId, traceparent } = newTraceparent()
    const email = `trace-${Date.now()}@shopscope.test`
    const form = { name: 'Tracy', email, password: 'correct horse battery' }
    const res = await shop.post('/register', form, '/register', { traceparent })
    assert.equal(res.status, 303, res.body)

    const trace = await traceWith(urls.jaeger ?? '', traceId, ['frontend', 'user-service'])
    const page = serverSpan(trace, 'frontend', 'POST /register')
    const users = serverSpan(trace, 'user-service', 'POST /api/v1/users')
    assert.equal(users.caller?.resource['service.name'], 'frontend')
    assert.equal(page.span.attributes['http.response.status_code'], 303)

    const entries = await logsWith(urls.logs ?? '', traceId, ['frontend', 'user-service'])
    console.log(`sign-up trace ${traceId}: ${trace.length} spans; logs: ${summary(entries)}`)
    assert.ok(entries.every((e) => e.trace_id === traceId))
  })

  it('a checkout: frontend → order-service → product-service with SQL, and their log lines', async () => {
    const { urls } = stack.state
    const shop = new HttpVisitor(urls.shop ?? '')
    await shop.register(`checkout-${Date.now()}@shopscope.test`)
    const catalog = (await (await fetch(`${urls['product-service']}/api/v1/products`)).json()) as {
      items: { id: number }[]
    }
    await shop.addToCart(catalog.items[0]?.id ?? 0)
    const checkout = (await shop.get('/checkout')).body
    const idempotencyKey = /name="idempotencyKey" value="([^"]+)"/.exec(checkout)?.[1] ?? ''
    const { traceId, traceparent } = newTraceparent()
    const res = await shop.post('/checkout', { idempotencyKey }, checkout, { traceparent })
    assert.equal(res.status, 303, res.body)
    assert.match(res.location ?? '', /^\/orders\/\d+$/)

    const services = ['frontend', 'order-service', 'product-service']
    const trace = await traceWith(urls.jaeger ?? '', traceId, services)
    serverSpan(trace, 'frontend', 'POST /checkout')
    const order = serverSpan(trace, 'order-service', 'POST /api/v1/orders')
    assert.equal(order.caller?.resource['service.name'], 'frontend')
    const stock = trace.find(
      (s) => s.resource['service.name'] === 'product-service' && s.kind === SPAN_KIND_SERVER,
    )
    assert.ok(stock, 'no product-service server span')
    const callerOfStock = trace.find((s) => s.spanId === stock.parentSpanId)
    assert.equal(callerOfStock?.resource['service.name'], 'order-service')
    const sql = trace.filter((s) => s.attributes['db.system.name'] ?? s.attributes['db.system'])
    assert.deepEqual(
      [...servicesOf(sql.map((s) => ({ service: s.resource['service.name'] })))].sort(),
      ['order-service', 'product-service'],
    )

    const entries = await logsWith(urls.logs ?? '', traceId, services)
    console.log(`checkout trace ${traceId}: ${trace.length} spans; logs: ${summary(entries)}`)
    assert.ok(entries.every((e) => e.trace_id === traceId))

    // The Jaeger UI's link on this trace opens vmui on this stack's VictoriaLogs, with a LogsQL
    // query (vmui's hash route) that returns exactly these log lines.
    const link = await logsLinkOf(urls.jaeger ?? '', traceId)
    assert.equal(`${link.origin}${link.pathname}`, `${urls.logs}/select/vmui/`)
    const query = new URLSearchParams(link.hash.slice(link.hash.indexOf('?') + 1)).get('query')
    assert.ok(query, `no query in ${link.href}`)
    const linked = await logsQuery(urls.logs ?? '', query)
    const ids = (list: LogEntry[]) => list.map((e) => `${e.span_id} ${e._msg}`).sort()
    assert.deepEqual(ids(linked), ids(await logsOfTrace(urls.logs ?? '', traceId)))
    console.log(`Jaeger UI link: ${link.href} → ${linked.length} log lines`)
  })
})
