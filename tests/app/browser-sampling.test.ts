// The browser half of "one sampling decision on both sides" (docs/telemetry.md, "Traces from the
// browser"), in Chromium against a bare page server: the frontend's bundle, pages whose meta tags
// say sampled or not, with a grant or not; what the script sends with a traced form's post and
// what it exports. The server half is tests/telemetry/untrusted-traceparent.test.ts.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../harness/chromium'
import { BUNDLE_PATH } from '../../services/frontend/src/browser-telemetry'

const CSP = "default-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'"

interface ExportedSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  links?: { traceId: string; spanId: string }[]
}

/** What the page server saw: each request's headers and body, and the spans exported to it. */
const seen: { path: string; headers: IncomingHttpHeaders; body: string }[] = []
const exported: ExportedSpan[] = []

function page(meta: string): string {
  return `<!doctype html><html><head><title>probe</title>${meta}
    <script src="/static/telemetry.js" defer></script></head>
    <body><main><form method="post" action="/submit" data-traced="probe">
      <input type="hidden" name="item" value="42" /><button type="submit">Go</button>
    </form></main></body></html>`
}

let server: Server
let base = ''
let browser: Browser

before(async () => {
  if (!existsSync(BUNDLE_PATH)) throw new Error(`${BUNDLE_PATH} is missing: make build`)
  const bundle = readFileSync(BUNDLE_PATH)
  server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (c: Buffer) => chunks.push(c))
    request.on('end', () => {
      const url = new URL(request.url ?? '/', base)
      const body = Buffer.concat(chunks).toString('utf8')
      seen.push({ path: url.pathname, headers: request.headers, body })
      response.setHeader('content-security-policy', CSP)
      if (url.pathname === '/static/telemetry.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle)
      } else if (url.pathname === '/page') {
        response
          .writeHead(200, { 'content-type': 'text/html' })
          .end(page(url.searchParams.get('meta') ?? ''))
      } else if (url.pathname === '/submit' && request.method === 'POST') {
        response.writeHead(303, { location: '/done' }).end()
      } else if (url.pathname === '/done') {
        response
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><title>done</title><main>done</main>')
      } else if (url.pathname === '/otlp/v1/traces' && request.method === 'POST') {
        const data = JSON.parse(body) as {
          resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[]
        }
        for (const rs of data.resourceSpans)
          for (const ss of rs.scopeSpans) exported.push(...ss.spans)
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      } else if (url.pathname === '/favicon.ico') {
        response.writeHead(204).end()
      } else response.writeHead(404).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await launchChromium()
})
after(async () => {
  await browser?.close()
  await new Promise((resolve) => server?.close(resolve))
})

/** Opens a page with these meta tags, submits its traced form, closes it (which flushes). */
async function clickThrough(flags: string, grant: string | undefined) {
  const traceId = randomBytes(16).toString('hex')
  const spanId = randomBytes(8).toString('hex')
  const meta =
    `<meta name="traceparent" content="00-${traceId}-${spanId}-${flags}" />` +
    (grant ? `<meta name="shopscope-trace-grant" content="${grant}" />` : '')
  const context = await browser.newContext()
  const tab = await context.newPage()
  const errors: string[] = []
  tab.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()))
  tab.on('pageerror', (err) => errors.push(err.message))
  await tab.goto(`${base}/page?meta=${encodeURIComponent(meta)}`)
  const from = seen.length
  await tab.getByRole('button', { name: 'Go' }).click()
  await tab.locator('main', { hasText: 'done' }).waitFor()
  assert.equal(new URL(tab.url()).pathname, '/done')
  // The batch goes out within a second; closing the page flushes what is left.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  await context.close()
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.deepEqual(errors, [], 'no console errors (CSP violations)')
  const post = seen.slice(from).find((r) => r.path === '/submit')
  const redirect = seen.slice(from).find((r) => r.path === '/done')
  assert.ok(post && redirect, 'the form was posted and its redirect followed')
  assert.equal(post.body, 'item=42', 'the form body, url-encoded')
  assert.equal(
    redirect.headers.traceparent,
    post.headers.traceparent,
    'the redirect is in the trace',
  )
  const [, clickTrace = '', , clickFlags = ''] = String(post.headers.traceparent).split('-')
  assert.notEqual(clickTrace, traceId, 'a click is a trace of its own')
  return {
    page: { traceId, spanId },
    clickTrace,
    clickFlags,
    tracestate: post.headers.tracestate,
    spansOf: (id: string) => exported.filter((s) => s.traceId === id),
  }
}

describe("the browser follows its page's sampling decision", () => {
  it('samples the load and the click of a sampled page with a grant; the grant rides along', async () => {
    const grant = `${'a'.repeat(32)}.0.abc.${'b'.repeat(32)}`
    const run = await clickThrough('01', grant)
    assert.equal(run.clickFlags, '01')
    assert.equal(run.tracestate, `shopscope=${grant}`)
    const load = run.spansOf(run.page.traceId)
    assert.ok(
      load.some((s) => s.name === 'documentLoad' && s.parentSpanId === run.page.spanId),
      `documentLoad joins the page's span: ${JSON.stringify(load.map((s) => s.name))}`,
    )
    const click = run.spansOf(run.clickTrace)
    const submit = click.find((s) => s.name === 'submit probe')
    assert.ok(submit, `no submit span: ${JSON.stringify(click.map((s) => s.name))}`)
    assert.deepEqual(
      submit.links?.map((l) => [l.traceId, l.spanId]),
      [[run.page.traceId, run.page.spanId]],
      'the click links to its page',
    )
    assert.ok(
      click.some((s) => s.parentSpanId === submit.spanId),
      'the fetch is inside the click',
    )
  })

  it('does not sample a click on a sampled page without a grant (the server would not keep it)', async () => {
    const run = await clickThrough('01', undefined)
    assert.equal(run.clickFlags, '00')
    assert.equal(run.tracestate, undefined)
    assert.ok(run.spansOf(run.page.traceId).some((s) => s.name === 'documentLoad'))
    assert.deepEqual(run.spansOf(run.clickTrace), [])
  })

  it('samples nothing on a page the server did not sample, grant or not', async () => {
    const run = await clickThrough('00', `${'c'.repeat(32)}.0.abc.${'d'.repeat(32)}`)
    assert.equal(run.clickFlags, '00')
    assert.equal(run.tracestate, undefined)
    assert.deepEqual(run.spansOf(run.page.traceId), [])
    assert.deepEqual(run.spansOf(run.clickTrace), [])
  })
})
