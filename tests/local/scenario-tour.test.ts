// The guided tour (docs/tour.md), step by step, in Chromium on the local stack: break
// product-service with a fault switch, then follow it from the shop's error page to the trace in the Jaeger UI,
// its logs in VictoriaLogs, the alert in Prometheus and Alertmanager, and its runbook. The
// tour's screenshots are this test's (TOUR_IMAGES=docs/img/tour, `make tour-images`), so they
// show what the stack does today.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium } from '../harness/chromium'
import { jaegerTrace, logsOfTrace } from './backends'
import { parseFault } from '../../dev/local/faults'
import { browserUrls } from '../../dev/local/status'
import { eventually } from './eventually'
import {
  deliveries,
  prometheusAlerts,
  setFaults,
  useLocalStack,
  type LocalStack,
} from './local-stack'

const ROOT = resolve(__dirname, '..', '..')
const IMAGES = resolve(ROOT, process.env.TOUR_IMAGES ?? 'test-results/tour')
const ALERT = 'HighErrorRate'
const SPAN_ERROR = 2

describe('the guided tour: break product-service and follow the fault', () => {
  let stack: LocalStack
  let browser: Browser
  let context: BrowserContext
  let shop: Page
  let reference = ''
  const url = (name: string) => stack.state.urls[name] ?? ''
  const taken: string[] = []
  const screenshot = (page: Page, name: string) => {
    taken.push(`img/tour/${name}.png`)
    return page.screenshot({ path: join(IMAGES, `${name}.png`) })
  }

  before(async () => {
    mkdirSync(IMAGES, { recursive: true })
    stack = await useLocalStack('tour')
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    shop = await context.newPage()
  })
  after(async () => {
    await browser?.close()
    await stack?.stop()
  })

  /** Opens the catalog; resolves with the status code the page shows. */
  async function openCatalog(): Promise<number> {
    const res = await shop.goto(url('shop'))
    return res?.status() ?? 0
  }

  it('0. every URL `make local-up` prints opens in the browser', async () => {
    const page = await context.newPage()
    for (const [what, address] of browserUrls(stack.state)) {
      const res = await page.goto(address)
      assert.equal(res?.status(), 200, `${what} ${address}`)
      if (res?.headers()['content-type']?.startsWith('text/html')) {
        assert.notEqual(await page.title(), '', `${what} ${address}: a page without a title`)
      } else {
        assert.ok(Array.isArray(await res?.json()), `${what} ${address}: not the alerts API`)
      }
    }
    await page.close()
  })

  it('1. the shop works', async () => {
    assert.equal(await openCatalog(), 200)
    await shop.getByText('Laptop Pro').first().waitFor()
    await screenshot(shop, '1-shop')
  })

  it('2. break it: product-service fails every request; the catalog shows an error page', async () => {
    const now = await setFaults(stack.state, 'product-service', parseFault('errorRate=1'))
    assert.equal(now.errorRate, 1)
    const status = await openCatalog()
    assert.ok(status >= 500, `the catalog answered ${status}`)
    await shop.locator('.error-page').waitFor()
    reference = (await shop.locator('.error-reference code').textContent()) ?? ''
    assert.match(reference, /^[0-9a-f]{32}$/, 'the error page quotes its trace id')
    await screenshot(shop, '2-error-page')
    const login = await fetch(`${url('shop')}/login`)
    assert.equal(login.status, 200, 'the pages that do not need product-service still work')
  })

  it("3. the reference is the failed request's trace: the Jaeger UI shows where it broke", async () => {
    assert.ok(reference, 'no reference: step 2 failed')
    const spans = await eventually(`trace ${reference} in Jaeger`, async () => {
      const found = await jaegerTrace(url('jaeger'), reference)
      return found.some(
        (s) => s.resource['service.name'] === 'product-service' && s.statusCode === SPAN_ERROR,
      )
        ? found
        : undefined
    })
    assert.ok(spans.some((s) => s.resource['service.name'] === 'frontend'))
    const page = await context.newPage()
    await page.goto(`${url('jaeger')}/trace/${reference}`)
    const failedSpan = page.getByText('product-service').first()
    await failedSpan.waitFor({ timeout: 20_000 })
    await failedSpan.click() // its details: the error, the HTTP status, the attributes
    await screenshot(page, '3-jaeger-trace')
    await page.close()
  })

  it("4. the trace's logs link opens its log lines in VictoriaLogs", async () => {
    assert.ok(reference, 'no reference: step 2 failed')
    const lines = await eventually(`logs of ${reference}`, async () => {
      const found = await logsOfTrace(url('logs'), reference)
      return found.length > 0 ? found : undefined
    })
    const page = await context.newPage()
    await page.goto(`${url('jaeger')}/trace/${reference}`)
    const link = page.locator('a[title="Logs in VictoriaLogs"]')
    await link.waitFor({ timeout: 20_000 })
    const href = (await link.getAttribute('href')) ?? ''
    assert.ok(href.startsWith(`${url('logs')}/select/vmui/`), href)
    assert.ok(href.includes(reference), href)
    await page.goto(href)
    await page
      .getByText(lines[0]?._msg ?? '')
      .first()
      .waitFor({ timeout: 20_000 })
    await screenshot(page, '4-logs')
    await page.close()
  })

  it(`5. ${ALERT} fires in Prometheus and Alertmanager delivers it`, async () => {
    // The rule wants a rate of failed requests: shoppers keep opening the catalog.
    const firing = await eventually(
      `${ALERT} firing`,
      async () => {
        await openCatalog()
        const alerts = await prometheusAlerts(stack.state)
        return alerts.find((a) => a.labels.alertname === ALERT && a.state === 'firing')
      },
      120_000,
      1000,
    )
    assert.match(firing.labels.service_name ?? '', /^(frontend|product-service)$/)
    const page = await context.newPage()
    await page.goto(`${url('prometheus')}/alerts?state=firing`)
    const rule = page.getByText(ALERT).first()
    await rule.waitFor({ timeout: 20_000 })
    await rule.click() // the firing series and their labels
    await page.getByText('critical').first().waitFor({ timeout: 10_000 })
    await screenshot(page, '5-prometheus-alert')
    await eventually(
      `${ALERT} delivered`,
      async () =>
        (await deliveries(stack.state)).some((d) => d.alertname === ALERT && d.status === 'firing'),
      60_000,
      1000,
    )
    await page.goto(url('recorder'))
    await page.getByRole('cell', { name: ALERT }).first().waitFor({ timeout: 10_000 })
    await screenshot(page, '6-alert-delivered')
    await page.close()
  })

  it('6. the delivered alert links to its runbook, which says what to do', async () => {
    const page = await context.newPage()
    await page.goto(url('recorder'))
    await page.getByRole('link', { name: ALERT }).first().click()
    await page.waitForURL(`**/runbooks/${ALERT}.md`, { timeout: 10_000 })
    const shown = await page.locator('body').innerText()
    const runbook = readFileSync(join(ROOT, 'docs', 'runbooks', `${ALERT}.md`), 'utf8')
    assert.equal(shown.trim(), runbook.trim())
    // The tour's fault is one of the first things it says to check.
    assert.match(shown, /FAULT_ERROR_RATE/)
    await page.close()
  })

  it('docs/tour.md shows the screenshots this test takes, and only those', () => {
    const tour = readFileSync(join(ROOT, 'docs', 'tour.md'), 'utf8')
    const shown = [...tour.matchAll(/\]\((img\/tour\/[^)]+)\)/g)].map((m) => m[1])
    assert.deepEqual([...shown].sort(), [...taken].sort())
  })

  it('7. switch the fault off: the catalog is back (once the breaker lets a probe through)', async () => {
    await setFaults(stack.state, 'product-service', parseFault('off'))
    await eventually(
      'the catalog answers 200',
      async () => (await openCatalog()) === 200,
      60_000,
      1000,
    )
  })
})
