import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import {
  startExportingProductService,
  type ExportingProductService,
} from './exporting-product-service'
import { ROOT } from './service-process'

/** The path the service images and the chart's no-operator mode load (not the staged copy). */
const WORKSPACE_BOOTSTRAP = join(ROOT, 'services/telemetry/dist/autoinstrumentation.js')

describe('the bootstrap loaded from the npm workspace (service image, no-operator mode)', () => {
  let run: ExportingProductService

  before(async () => {
    run = await startExportingProductService({
      env: { NODE_OPTIONS: `--require ${WORKSPACE_BOOTSTRAP}` },
    })
  })
  after(() => run?.stop())

  it('starts the SDK and exports spans', async () => {
    const failed = run.service.records.find((r) => String(r.message).startsWith('telemetry failed'))
    assert.equal(
      failed,
      undefined,
      'The SDK needs @opentelemetry/api 1.10 wherever it resolves it. If this fails with ' +
        '"reading \'UNSPECIFIED\'", the lockfile hoists an older api to the root (pulled in by ' +
        'a package whose peer range excludes 1.10, as @opentelemetry/core 2.x did): keep ' +
        '"overrides": {"@opentelemetry/api": "1.10.0"} in the root package.json and run npm ' +
        'install. Detail: ' +
        String(failed?.detail),
    )
    assert.equal((await fetch(`${run.service.url}/api/v1/products/1`)).status, 200)
    await run.otlp.waitFor('a server span', () => run.otlp.spans.some((s) => s.kind === 2))
  })
})
