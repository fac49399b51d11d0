import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { frontendFixture } from './helpers'

const shop = frontendFixture()
const get = (url: string, headers: Record<string, string> = {}) =>
  shop().frontend.app.inject({ url, headers })

const names = (html: string): string[] =>
  [...html.matchAll(/<h2 class="card-title"><a href="\/products\/\d+">([^<]+)<\/a>/g)].map(
    (m) => m[1] ?? '',
  )

describe('catalog pages', () => {
  it('renders the first page of the catalog inside the layout', async () => {
    const res = await get('/')
    assert.equal(res.statusCode, 200)
    assert.match(res.headers['content-type'] as string, /^text\/html; charset=utf-8/)
    assert.match(res.body, /^<!doctype html>/)
    assert.match(res.body, /<title>Shop · Shopscope<\/title>/)
    assert.match(res.body, /10 products in the catalog/)
    assert.equal(names(res.body).length, 8)
    assert.equal(names(res.body)[0], 'Laptop Pro')
    assert.match(res.body, /€1,299\.99/)
    assert.match(res.body, /href="\/\?page&#61;2" rel="next"|rel="next" href="\/\?page&#61;2"/)
    assert.match(res.body, /<a href="\/login">Sign in<\/a>/)
    assert.doesNotMatch(res.body, /&#60;(a|div|form|span|input)\b/, 'no markup escaped twice')
    assert.doesNotMatch(res.body, /Add to cart/, 'signed-out visitors get no cart forms')
  })

  it('pages and searches', async () => {
    const page2 = await get('/?page=2')
    assert.deepEqual(names(page2.body), ['Souris Gaming', 'Webcam HD'])
    assert.match(page2.body, /Page 2 of 2/)
    const found = await get('/?q=webcam')
    assert.deepEqual(names(found.body), ['Webcam HD'])
    assert.match(found.body, /1 product found/)
    const none = await get('/?q=nothing-like-this')
    assert.equal(none.statusCode, 200)
    assert.match(none.body, /No products match “nothing-like-this”/)
    assert.deepEqual(names((await get('/?q=')).body).length, 8, 'an empty search shows all')
  })

  it('escapes what the visitor typed', async () => {
    const res = await get(`/?q=${encodeURIComponent('<script>alert(1)</script>')}`)
    assert.equal(res.statusCode, 200)
    assert.doesNotMatch(res.body, /<script>alert/)
    assert.match(res.body, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/)
  })

  it('renders a product page', async () => {
    const res = await get('/products/10')
    assert.equal(res.statusCode, 200)
    assert.match(res.body, /<h1>Webcam HD<\/h1>/)
    assert.match(res.body, /€49\.99/)
    assert.match(res.body, /In stock/)
    assert.match(res.body, /Sign in to buy/)
    assert.doesNotMatch(res.body, /&#60;(a|div|form|span|input)\b/, 'no markup escaped twice')
  })

  it('answers unknown products and pages with a 404 page, bad input with a 400 page', async () => {
    for (const url of ['/products/999999', '/no/such/page']) {
      const res = await get(url)
      assert.equal(res.statusCode, 404, url)
      assert.match(res.headers['content-type'] as string, /^text\/html/, url)
      assert.match(res.body, /Page not found/, url)
      assert.match(res.body, /class="site-header"/, url)
    }
    const bad = await get('/products/not-a-number')
    assert.equal(bad.statusCode, 400)
    assert.match(bad.headers['content-type'] as string, /^text\/html/)
    assert.doesNotMatch(bad.body, /at .*\.ts:\d+/, 'no stack trace')
  })
})

describe('assets and headers', () => {
  it('serves the stylesheet, cacheable and revalidated by etag', async () => {
    const home = await get('/')
    const href = /<link rel="stylesheet" href="([^"]+)"/.exec(home.body)?.[1] ?? ''
    const css = await get(href.replaceAll('&#61;', '='))
    assert.equal(css.statusCode, 200)
    assert.match(css.headers['content-type'] as string, /^text\/css/)
    assert.match(css.body, /\.product-grid/)
    const again = await get('/static/app.css', { 'if-none-match': css.headers.etag as string })
    assert.equal(again.statusCode, 304)
  })

  it('sends strict security headers and no inline script', async () => {
    const res = await get('/')
    const csp = res.headers['content-security-policy'] as string
    assert.match(csp, /default-src 'self'/)
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.match(csp, /connect-src 'self'(;|$)/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.match(csp, /form-action 'self'/)
    assert.doesNotMatch(csp, /unsafe-inline/)
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    assert.equal(res.headers['referrer-policy'], 'no-referrer')
    assert.match(res.headers['strict-transport-security'] as string, /max-age=/)
    assert.equal(res.headers['cache-control'], 'private, no-store')
    assert.doesNotMatch(res.body, /style="/)
    // One script: the browser telemetry, from this origin, with no inline code.
    const scripts = [...res.body.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)]
    assert.equal(scripts.length, 1, res.body)
    assert.match(scripts[0]?.[1] ?? '', /^ src="\/static\/telemetry\.js\?v&#61;[0-9a-f]{8}" defer$/)
    assert.equal(scripts[0]?.[2], '')
    assert.equal(res.body.match(/<script/g)?.length, 1)
  })
})
