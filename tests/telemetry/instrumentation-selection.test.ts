import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  INSTRUMENTATION_NAMES,
  selectedInstrumentations,
} from '../../services/telemetry/src/instrumentations'
import {
  startExportingProductService,
  type ExportingProductService,
} from './exporting-product-service'
import { stagedBootstrap } from './service-process'

const KNEX = '@opentelemetry/instrumentation-knex'
const MYSQL2 = '@opentelemetry/instrumentation-mysql2'

describe('OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS', () => {
  it('select from every instrumentation by default', () => {
    assert.deepEqual(selectedInstrumentations({}), [...INSTRUMENTATION_NAMES])
    assert.deepEqual(
      selectedInstrumentations({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, knex,mysql2' }),
      ['http', 'knex', 'mysql2'],
    )
    assert.ok(
      !selectedInstrumentations({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'knex' }).includes('knex'),
    )
  })
})

/** The SQL spans of one catalog request, by instrumentation scope. */
async function sqlSpans(run: ExportingProductService) {
  const traceId = randomBytes(16).toString('hex')
  const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`
  assert.equal(
    (await fetch(`${run.service.url}/api/v1/products`, { headers: { traceparent } })).status,
    200,
  )
  await run.otlp.waitFor('the driver span', () =>
    run.otlp.spans.some((s) => s.traceId === traceId && s.scope === MYSQL2),
  )
  await new Promise((r) => setTimeout(r, 500))
  return run.otlp.spans.filter((s) => s.traceId === traceId && [KNEX, MYSQL2].includes(s.scope))
}

for (const disabled of ['', 'knex']) {
  describe(`SQL spans with OTEL_NODE_DISABLED_INSTRUMENTATIONS='${disabled}'`, () => {
    let run: ExportingProductService
    before(async () => {
      run = await startExportingProductService({
        requires: [stagedBootstrap()],
        env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: disabled },
      })
    })
    after(() => run?.stop())

    it(
      disabled ? 'has only the driver span per statement' : 'nests each statement in a knex span',
      async () => {
        const spans = await sqlSpans(run)
        const knex = spans.filter((s) => s.scope === KNEX)
        const driver = spans.filter((s) => s.scope === MYSQL2)
        assert.ok(driver.length > 0)
        if (disabled) return assert.equal(knex.length, 0)
        const knexIds = new Set(knex.map((s) => s.spanId))
        for (const statement of driver)
          assert.ok(knexIds.has(statement.parentSpanId), statement.name)
      },
    )
  })
}
