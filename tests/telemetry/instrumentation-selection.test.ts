import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { serviceTokenMinter } from '@shopscope/kit'
import { TEST_ENV, type OtlpSpan } from '@shopscope/tests/harness'
import {
  INSTRUMENTATION_NAMES,
  selectedInstrumentations,
} from '../../services/telemetry/src/instrumentations'
import {
  startExportingProductService,
  type ExportingProductService,
} from './exporting-product-service'
import { stagedBootstrap } from './service-process'

const SERVER = 2
const CLIENT = 3
const isSql = (s: OtlpSpan) => s.attributes['db.system.name'] === 'mysql'
const traceparentOf = (flags: string) => {
  const traceId = randomBytes(16).toString('hex')
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}` }
}

describe('OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS', () => {
  it('select from every instrumentation by default', () => {
    assert.deepEqual(selectedInstrumentations({}), [...INSTRUMENTATION_NAMES])
    assert.deepEqual(
      selectedInstrumentations({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, knex' }),
      ['http', 'knex'],
    )
    assert.ok(
      !selectedInstrumentations({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'knex' }).includes('knex'),
    )
  })
})

/** Every span of one request's trace, once its server span and (if any) SQL spans arrived. */
async function requestTrace(
  run: ExportingProductService,
  path: string,
  init: RequestInit & { headers: Record<string, string> },
  expected: { status: number; sql: boolean },
) {
  const { traceId, traceparent } = traceparentOf('01')
  const res = await fetch(`${run.service.url}${path}`, {
    ...init,
    headers: { ...init.headers, traceparent },
  })
  assert.equal(res.status, expected.status, await res.text())
  const inTrace = () => run.otlp.spans.filter((s) => s.traceId === traceId)
  await run.otlp.waitFor(
    'the request spans',
    () => inTrace().some((s) => s.kind === SERVER) && (!expected.sql || inTrace().some(isSql)),
  )
  // The server span ends last, but its statements' batch may come a moment later.
  await new Promise((r) => setTimeout(r, 500))
  return inTrace()
}

/** Every attribute value of a span, as text (to look for a value that must not be there). */
const attributeText = (s: OtlpSpan) =>
  [
    ...Object.values(s.attributes),
    s.name,
    s.statusMessage,
    ...s.eventDetails.flatMap((e) => Object.values(e.attributes)),
  ]
    .map(String)
    .join('\n')

describe('SQL spans from knex query events', () => {
  let run: ExportingProductService
  before(async () => {
    run = await startExportingProductService({ requires: [stagedBootstrap()] })
  })
  after(() => run?.stop())

  it('has one CLIENT span per statement, child of the server span, without values', async () => {
    const spans = await requestTrace(
      run,
      '/api/v1/products?q=zz-secret-term',
      { headers: {} },
      { status: 200, sql: true },
    )
    const server = spans.find((s) => s.kind === SERVER)
    const sql = spans.filter(isSql)
    assert.ok(sql.length > 0)
    for (const s of sql) {
      assert.equal(s.kind, CLIENT, s.name)
      assert.equal(s.parentSpanId, server?.spanId, `${s.name} hangs off the request's span`)
      assert.equal(s.scope, '@shopscope/telemetry')
      assert.match(s.name, /^(select|first|raw|pluck) \w+(\.\w+)?$/)
      assert.equal(typeof s.attributes['db.namespace'], 'string')
      assert.equal(s.attributes['server.address'], '127.0.0.1')
      assert.doesNotMatch(attributeText(s), /zz-secret-term/, 'SQL leaks a value')
    }
    const select = sql.find((s) => s.attributes['db.collection.name'] === 'products')
    assert.ok(select, sql.map((s) => s.name).join(', '))
    assert.equal(select.attributes['db.operation.name'], 'select')
    assert.equal(select.name, `select ${String(select.attributes['db.namespace'])}.products`)
    assert.match(String(select.attributes['db.query.text']), /\?/)
    // No second span for the same statement (the driver's, under the query builder's).
    assert.equal(new Set(sql.map((s) => s.parentSpanId)).size, 1)
  })

  const id = `zz-${randomUUID()}`
  const reserve = (status: number) =>
    requestTrace(
      run,
      `/api/v1/reservations/${id}`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${serviceTokenMinter(TEST_ENV.ORDER_SERVICE_SIGNING_KEY, 'order-service')('product-service')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ items: [{ productId: 1, quantity: 1 }] }),
      },
      { status, sql: true },
    )

  it("records a transaction's statements, none with the values bound", async () => {
    const spans = await reserve(201)
    const sql = spans.filter(isSql)
    const byId = new Map(spans.map((s) => [s.spanId, s]))
    const inserted = sql.find(
      (s) =>
        s.attributes['db.operation.name'] === 'insert' &&
        s.attributes['db.collection.name'] === 'stock_reservations',
    )
    assert.ok(inserted, `the INSERT inside the transaction: ${sql.map((s) => s.name).join(', ')}`)
    assert.ok(sql.some((s) => s.attributes['db.collection.name'] === 'products'))
    for (const s of sql) {
      assert.ok(byId.has(s.parentSpanId), `${s.name} hangs off a span of the request`)
      assert.ok(!attributeText(s).includes(id), `${s.name} carries the reservation id`)
    }
  })

  it('records a failed statement as an error, without the value the server quoted', async () => {
    // The retry's INSERT meets the first one's row: ER_DUP_ENTRY, "Duplicate entry '<id>'".
    const spans = await reserve(200)
    const failed = spans.filter(isSql).filter((s) => s.statusCode === 2)
    assert.deepEqual(
      failed.map((s) => s.attributes['db.collection.name']),
      ['stock_reservations'],
    )
    const [insert] = failed
    assert.match(insert?.statusMessage ?? '', /^database error ER_DUP_ENTRY/)
    const exception = insert?.eventDetails.find((e) => e.name === 'exception')
    assert.equal(exception?.attributes['exception.type'], 'ER_DUP_ENTRY')
    assert.ok(insert && !attributeText(insert).includes(id), 'the error quotes the reservation id')
  })
})

describe('an unsampled request', () => {
  let run: ExportingProductService
  before(async () => {
    run = await startExportingProductService({
      // After the bootstrap: reports every span started below an unsampled entry.
      requires: [stagedBootstrap(), join(__dirname, 'span-start-probe.cjs')],
    })
  })
  after(() => run?.stop())

  it('starts no span object for its statements', async () => {
    const { traceId, traceparent } = traceparentOf('00')
    const res = await fetch(`${run.service.url}/api/v1/products`, { headers: { traceparent } })
    assert.equal(res.status, 200)
    // Its log line is written as the response ends: everything the request ran has run.
    await run.otlp.waitFor('the request log line', () =>
      run.service.records.some((r) => r.trace_id === traceId),
    )
    const started = run.service.records.filter(
      (r) => r.probe === 'span-below-unsampled' && r.trace_id === traceId,
    )
    assert.deepEqual(
      started.map((r) => r.name),
      [],
    )
  })
})

describe('with OTEL_NODE_DISABLED_INSTRUMENTATIONS=knex', () => {
  let run: ExportingProductService
  before(async () => {
    run = await startExportingProductService({
      requires: [stagedBootstrap()],
      env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'knex' },
    })
  })
  after(() => run?.stop())

  it('has no SQL span', async () => {
    const spans = await requestTrace(
      run,
      '/api/v1/products',
      { headers: {} },
      { status: 200, sql: false },
    )
    assert.deepEqual(spans.filter(isSql), [])
  })
})
