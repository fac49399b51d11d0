import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { getOverSocket, startTestService, type TestService } from '@shopscope/tests/harness'
import { service } from '../src/service'
import { errorView } from '../src/views/errors'
import { deadUrl } from './helpers'

/**
 * The frontend as server.ts builds it, plus one route inside it (its hooks, its error handler)
 * that sets a header Node refuses to write: what any page would do with an unchecked value.
 */
let frontend: TestService
let port: number
before(async () => {
  const dead = await deadUrl()
  frontend = await startTestService(
    {
      ...service,
      app: async (app, opts) => {
        await service.app.call(app, app, opts)
        app.get('/test/bad-header', async (_request, reply) =>
          reply.header('x-note', 'line\r\nbreak').send('never sent'),
        )
      },
    },
    undefined,
    { USER_SERVICE_URL: dead, PRODUCT_SERVICE_URL: dead, ORDER_SERVICE_URL: dead },
  )
  await frontend.app.listen({ port: 0, host: '127.0.0.1' })
  port = (frontend.app.server.address() as { port: number }).port
})
after(() => frontend?.close())

const get = (path: string, headers: Record<string, string> = {}) =>
  getOverSocket(port, path, headers)

function assertPage(res: { status: number; type: string; body: string }, status: number) {
  assert.equal(res.status, status, res.body)
  assert.match(res.type, /^text\/html; charset=utf-8/)
  assert.match(res.body, /^<!doctype html>/)
  assert.match(res.body, new RegExp(`<p class="error-code">${status}</p>`))
  assert.match(res.body, /class="site-header"/)
}

describe('an HTML site answers pages, even for requests refused before routing', () => {
  it('oversized headers → a 431 page', async () => {
    assertPage(await get('/', { 'x-big': 'a'.repeat(20_000) }), 431)
  })

  it('a URL that cannot be decoded → a 400 page', async () => {
    assertPage(await get('/static/%c0%ae%c0%ae/x'), 400)
    const injected = await frontend.app.inject('/products/%c0%ae')
    assert.equal(injected.statusCode, 400)
    assert.match(String(injected.headers['content-type']), /^text\/html/)
  })

  it('any method on an address with no page → the 404 page, not problem+json', async () => {
    for (const [method, url] of [
      ['POST', '/nope'],
      ['TRACE', '/nope'],
      ['DELETE', '/nothing/here'],
      ['OPTIONS', '/static/none'],
      ['POST', '/docs/json'],
    ] as const) {
      const res = await frontend.app.inject({ method, url })
      assert.equal(res.statusCode, 404, `${method} ${url}`)
      assert.match(String(res.headers['content-type']), /^text\/html/, `${method} ${url}`)
      assert.match(res.body, /Page not found/)
    }
  })

  it('a method a page lacks (TRACE, PUT, DELETE) → the 405 page with Allow', async () => {
    for (const [method, url, allow] of [
      ['TRACE', '/products/1', 'GET, HEAD'],
      ['PUT', '/cart', 'GET, HEAD'],
      ['DELETE', '/', 'GET, HEAD'],
      ['PATCH', '/login', 'GET, HEAD, POST'],
      ['TRACE', '/cart/items/1?x=1', 'POST'],
    ] as const) {
      const res = await frontend.app.inject({ method, url })
      assert.equal(res.statusCode, 405, `${method} ${url}`)
      assert.equal(res.headers.allow, allow, `${method} ${url}`)
      assert.match(String(res.headers['content-type']), /^text\/html/, `${method} ${url}`)
      assert.match(res.body, /<p class="error-code">405<\/p>/)
    }
  })

  it('an id in the address written other than in digits → 400 page, never the product', async () => {
    for (const id of ['1%0A', '%201', '1%20', '01', '1.0', '+1', '1e0', '0x1']) {
      for (const url of [`/products/${id}`, `/orders/${id}`]) {
        const res = await frontend.app.inject(url)
        assert.equal(res.statusCode, 400, `${url}: ${res.statusCode}`)
        assert.match(String(res.headers['content-type']), /^text\/html/, url)
      }
    }
  })

  it('publishes no OpenAPI document: nothing outside needs the forms described', async () => {
    const res = await get('/docs/json')
    assertPage(res, 404)
    assert.ok(frontend.app.swagger().paths?.['/login'], 'the fuzz suite still has it in process')
  })

  it('a header Node refuses (ERR_INVALID_CHAR) → the error page, not Fastify JSON', async () => {
    const res = await get('/test/bad-header')
    assertPage(res, 500)
    assert.doesNotMatch(res.body, /ERR_INVALID_CHAR|never sent/)
  })
})

describe('the error page', () => {
  it("quotes a failure's reference (its trace id), escaped, and none when there is none", () => {
    const page = errorView(503, 'The catalog is unavailable.', '0af7651916cd43dd8448eb211c80319c')
    assert.match(
      page,
      /<p class="error-reference">Reference: <code>0af7651916cd43dd8448eb211c80319c<\/code><\/p>/,
    )
    assert.match(errorView(503, 'x', '<b>'), /<code>&#60;b&#62;<\/code>/)
    assert.doesNotMatch(errorView(404, 'Not here.'), /error-reference/)
  })
})
