import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
import { stagedBootstrap, startServiceProcess } from './service-process'

describe('SHOPSCOPE_SPAN_COUNT_FILE', () => {
  let db: MariaDb
  let otlp: OtlpReceiver
  let dir: string

  before(async () => {
    db = await useMariaDb()
    otlp = await startOtlpReceiver()
    dir = mkdtempSync(join(tmpdir(), 'span-count-'))
  })
  after(async () => {
    await otlp?.close()
    await db?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('writes, at exit, exactly as many ended spans as the exporter delivered', async () => {
    const file = join(dir, 'product-service.json')
    const service = await startServiceProcess('product-service', {
      db,
      requires: [stagedBootstrap()],
      env: {
        OTEL_SERVICE_NAME: 'product-service',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '200',
        SHOPSCOPE_SPAN_COUNT_FILE: file,
      },
    })
    for (const path of ['/api/v1/products', '/api/v1/products/1', '/api/v1/products/99999']) {
      await (await fetch(`${service.url}${path}`)).arrayBuffer()
    }
    await service.stop()
    const { ended } = JSON.parse(readFileSync(file, 'utf8')) as { ended: number }
    // Several spans per request (server, route, queries): three requests make well over three.
    assert.ok(ended > 3, `ended ${ended}`)
    assert.equal(ended, otlp.spans.length)
  })
})
