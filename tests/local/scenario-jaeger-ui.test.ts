// What a person sees of a checkout: its trace in the Jaeger UI (the real one, built from
// jaeger-ui's source) across the four services, and the trace's logs link opening VictoriaLogs'
// UI on that trace's log lines. In Chromium on the local stack. Screenshots: test-results/
// (docs/img/jaeger-trace.png is a copy of one, for README.md and docs/local.md).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { SERVICE_NAMES } from '@shopscope/system'
import type { Browser as Chromium } from 'playwright-core'
import { launchChromium } from '../harness/chromium'
import { Browser } from '../../dev/traffic/browser'
import { eventually } from './eventually'
import { logs, spans, useLocalStack, type LocalStack } from './local-stack'

const RESULTS = resolve(__dirname, '../../test-results')

describe('local stack: a checkout in the Jaeger UI, and its logs', () => {
  let stack: LocalStack
  let chromiumBrowser: Chromium
  before(async () => {
    stack = await useLocalStack('jaeger-ui')
    chromiumBrowser = await launchChromium()
  })
  after(async () => {
    await chromiumBrowser?.close()
    await stack?.stop()
  })

  it("shows the checkout's trace across the four services, linked to its log lines", async () => {
    const { urls } = stack.state
    // One traceparent on every request of the visit: sign-up, cart and checkout are one trace.
    const traceId = randomBytes(16).toString('hex')
    const shopper = new Browser(
      urls.shop ?? '',
      `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    )
    await shopper.signUp('Jaeger Tour', `jaeger-ui-${Date.now()}@shopscope.test`)
    assert.match(await shopper.checkOut('1', 1), /^\/orders\/\d+$/)
    // Spans and logs arrive in batches: the UI is opened once both are in.
    await eventually(`trace ${traceId} with ${SERVICE_NAMES.join(', ')} in Jaeger`, async () => {
      const seen = new Set(
        (await spans(stack.state, { traceId })).map((s) => s.resource['service.name']),
      )
      return SERVICE_NAMES.every((s) => seen.has(s)) || undefined
    })
    const entries = await eventually(`logs of ${traceId} in VictoriaLogs`, async () => {
      const found = await logs(stack.state, traceId)
      return found.some((e) => e['service.name'] === 'order-service') ? found : undefined
    })

    const context = await chromiumBrowser.newContext({ viewport: { width: 1440, height: 900 } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(`${urls.jaeger}/trace/${traceId}`)
    // The header's summary, then each service's name in the span tree.
    await page
      .getByText(/Services\s*4/)
      .first()
      .waitFor({ timeout: 30_000 })
    for (const service of SERVICE_NAMES) {
      await page.getByText(service, { exact: true }).first().waitFor({ timeout: 10_000 })
    }
    mkdirSync(RESULTS, { recursive: true })
    await page.screenshot({ path: resolve(RESULTS, 'jaeger-trace.png') })

    const link = page.locator('a[title="Logs in VictoriaLogs"]')
    const href = (await link.getAttribute('href', { timeout: 10_000 })) ?? ''
    assert.ok(href.startsWith(`${urls.logs}/select/vmui/`), `logs link ${href}`)
    const logsPage = await context.newPage()
    await logsPage.goto(href)
    // A log line of the checkout, as VictoriaLogs' API returned it, shown in its UI.
    const line = entries.find((e) => e['service.name'] === 'order-service')!._msg!
    await logsPage.getByText(line).first().waitFor({ timeout: 30_000 })
    // Found by the trace's id (the other traces' lines say the same).
    const query = await logsPage.locator('textarea').first().inputValue()
    assert.equal(query, `trace_id:"${traceId}"`)
    await logsPage.screenshot({ path: resolve(RESULTS, 'jaeger-trace-logs.png') })
    assert.deepEqual(errors, [], 'no errors in the Jaeger UI page')
    await context.close()
  })
})
