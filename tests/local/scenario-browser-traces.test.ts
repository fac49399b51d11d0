// Traces that start in the browser (docs/telemetry.md, "Traces from the browser"): in Chromium on
// the local stack, adding to cart and checking out are each one trace holding the browser's
// spans and frontend → order-service → product-service → SQL; a page's load joins the trace of
// the request that rendered it. Read back from Jaeger's query API.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../harness/chromium'
import type { TraceSpan } from './backends'
import { eventually } from './eventually'
import { spans as jaegerSpans, useLocalStack, type LocalStack } from './local-stack'

const BROWSER = 'frontend-web'

const serviceOf = (span: TraceSpan) => String(span.resource['service.name'] ?? '')
const isSql = (span: TraceSpan) => span.attributes['db.system.name'] === 'mysql'
const traceSpans = (stack: LocalStack, traceId: string) => jaegerSpans(stack.state, { traceId })

/** The trace id of the traceparent the page's script sent with the next POST to `path`. */
function traceOfPost(page: Page, path: string): Promise<string> {
  return new Promise((resolve) => {
    page.on('request', (request) => {
      if (request.method() !== 'POST' || new URL(request.url()).pathname !== path) return
      const traceparent = request.headers().traceparent ?? ''
      resolve(traceparent.split('-')[1] ?? `no traceparent on POST ${path}`)
    })
  })
}

/** The spans whose parent is not in the trace. */
function rootsOf(spans: TraceSpan[]) {
  const ids = new Set(spans.map((s) => s.spanId))
  return spans.filter((s) => !ids.has(s.parentSpanId))
}

/** Every span but the root has its parent in the trace: one tree, not pieces sharing an id. */
function assertOneTree(spans: TraceSpan[]) {
  const roots = rootsOf(spans)
  assert.deepEqual(
    roots.map((s) => `${serviceOf(s)}: ${s.name}`),
    [roots[0] ? `${BROWSER}: ${roots[0].name}` : 'a root'],
    'one root, in the browser',
  )
}

/** Waits until the trace holds what `complete` wants (services export in batches). */
const wholeTrace = (stack: LocalStack, traceId: string, complete: (s: TraceSpan[]) => boolean) =>
  eventually(
    `trace ${traceId}`,
    async () => {
      const spans = await traceSpans(stack, traceId)
      return complete(spans) ? spans : undefined
    },
    30_000,
    500,
  )

const servicesOf = (spans: TraceSpan[]) => new Set(spans.map(serviceOf))
const sqlServices = (spans: TraceSpan[]) => new Set(spans.filter(isSql).map(serviceOf))
const describeTrace = (spans: TraceSpan[]) =>
  spans.map((s) => `${serviceOf(s)}: ${s.name}${isSql(s) ? ' (SQL)' : ''}`).join('\n')

describe('local stack: traces that start in the browser', () => {
  let stack: LocalStack
  let browser: Browser
  before(async () => {
    stack = await useLocalStack('browser-traces')
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await stack?.stop()
  })

  it('adding to cart and checking out are each one trace from the click to the SQL', async () => {
    const shop = stack.state.urls.shop ?? ''
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()))
    page.on('pageerror', (err) => errors.push(err.message))

    await page.goto(`${shop}/register`)
    await page.getByLabel('Name').fill('Grace Hopper')
    await page.getByLabel('Email').fill(`grace-${Date.now()}@shopscope.test`)
    await page.getByLabel('Password').fill('correct horse battery')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByText('Your account is ready').waitFor()

    // The catalog's load joins the trace of GET / (its meta traceparent).
    await page.goto(shop)
    const pageTrace =
      ((await page.locator('meta[name="traceparent"]').getAttribute('content')) ?? '').split(
        '-',
      )[1] ?? ''
    assert.match(pageTrace, /^[0-9a-f]{32}$/)
    const load = await wholeTrace(stack, pageTrace, (spans) =>
      spans.some((s) => serviceOf(s) === BROWSER && s.name === 'documentLoad'),
    )
    assert.ok(
      load.some((s) => serviceOf(s) === 'frontend' && s.name === 'GET /'),
      describeTrace(load),
    )

    const added = traceOfPost(page, '/cart/items')
    await page
      .getByRole('listitem')
      .filter({ hasText: 'Laptop Pro' })
      .getByRole('button', { name: 'Add to cart' })
      .click()
    await page.locator('main', { hasText: /Laptop Pro was added to your cart/ }).waitFor()
    const addTrace = await added
    assert.notEqual(addTrace, pageTrace, 'a click is a trace of its own')

    await page.getByRole('link', { name: 'Proceed to checkout' }).click()
    const placed = traceOfPost(page, '/checkout')
    await page.getByRole('button', { name: /Place order/ }).click()
    await page.waitForURL(/\/orders\/\d+$/)
    const checkoutTrace = await placed

    const expectations = [
      {
        name: 'add to cart',
        traceId: addTrace,
        click: 'submit add-to-cart',
        post: 'POST /cart/items',
      },
      {
        name: 'checkout',
        traceId: checkoutTrace,
        click: 'submit checkout',
        post: 'POST /checkout',
      },
    ]
    for (const { name, traceId, click, post } of expectations) {
      // Spans arrive in batches from five processes (the browser's fetch span ends last, once
      // its resource timing is in): wait for all that is expected, in one tree.
      const expected: [string, (spans: TraceSpan[]) => boolean][] = [
        [
          `${BROWSER}: ${click}`,
          (t) => t.some((s) => serviceOf(s) === BROWSER && s.name === click),
        ],
        [
          `${BROWSER}: the fetch (POST)`,
          (t) => t.some((s) => serviceOf(s) === BROWSER && /^(HTTP )?POST$/.test(s.name)),
        ],
        [`frontend: ${post}`, (t) => t.some((s) => serviceOf(s) === 'frontend' && s.name === post)],
        ['order-service', (t) => servicesOf(t).has('order-service')],
        ['product-service', (t) => servicesOf(t).has('product-service')],
        ["order-service's SQL", (t) => sqlServices(t).has('order-service')],
        ["product-service's SQL", (t) => sqlServices(t).has('product-service')],
        ['one tree rooted in the browser', (t) => rootsOf(t).length === 1],
      ]
      const spans = await wholeTrace(stack, traceId, (t) =>
        expected.every(([, has]) => has(t)),
      ).catch(async (error: Error) => {
        const found = await traceSpans(stack, traceId)
        const missing = expected.filter(([, has]) => !has(found)).map(([what]) => what)
        throw new Error(
          `${name}: ${error.message}; missing: ${missing.join(', ')}\n${describeTrace(found)}`,
        )
      })
      const summary = describeTrace(spans)
      assertOneTree(spans)
      console.log(`${name}: trace ${traceId}, ${spans.length} spans\n${summary}\n`)
    }
    assert.deepEqual(errors, [], 'no console errors (CSP violations, failed loads)')
    await context.close()
  })
})
