import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { csrfOf, frontendFixture, Visitor } from './helpers'

const shop = frontendFixture()
const visitor = () => new Visitor(shop().frontend.app)

describe('CSRF protection', () => {
  it('refuses a form post without a token with a 403 page', async () => {
    const v = visitor()
    await v.get('/login')
    const res = await v.post('/login', { email: 'a@b.test', password: 'whatever1' })
    assert.equal(res.statusCode, 403)
    assert.match(res.headers['content-type'] as string, /^text\/html/)
    assert.match(res.body, /This form has expired/)
  })

  it('refuses a token without its secret cookie, and a forged token', async () => {
    const v = visitor()
    const token = csrfOf((await v.get('/login')).body)
    const stranger = visitor()
    const res = await stranger.post('/logout', { _csrf: token })
    assert.equal(res.statusCode, 403)
    assert.equal((await v.post('/logout', { _csrf: `${token}x` })).statusCode, 403)
    assert.equal((await v.post('/cart/items', { productId: '1' })).statusCode, 403)
  })

  it('lets a form with its token through', async () => {
    const v = visitor()
    const token = csrfOf((await v.get('/login')).body)
    const res = await v.post('/logout', { _csrf: token })
    assert.equal(res.statusCode, 303)
    assert.equal(res.headers.location, '/')
  })

  it('keeps the CSRF secret in a signed, httpOnly, SameSite=Lax, secure cookie', async () => {
    const res = await shop().frontend.app.inject('/login')
    const cookie = String(res.headers['set-cookie'])
    assert.match(cookie, /^_csrf=[^;]+\.[^;]+;/, 'signed value')
    assert.match(cookie, /HttpOnly/)
    assert.match(cookie, /SameSite=Lax/)
    assert.match(cookie, /Secure/)
  })
})

describe('sessions', () => {
  it('sends signed-out visitors of the cart pages to the login form', async () => {
    for (const url of ['/cart', '/checkout', '/orders', '/orders/1']) {
      const res = await visitor().get(url)
      assert.equal(res.statusCode, 303, url)
      assert.equal(res.headers.location, `/login?next=${encodeURIComponent(url)}`, url)
    }
  })

  it('ignores a session cookie the server did not sign', async () => {
    const v = visitor()
    v.cookies.set('session', encodeURIComponent(JSON.stringify({ token: 'x', name: 'Mallory' })))
    const res = await v.get('/cart')
    assert.equal(res.statusCode, 303)
    assert.doesNotMatch((await v.get('/')).body, /Mallory/)
  })

  it('only redirects to local paths after login', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const page = await visitor().get(`/login?next=${encodeURIComponent(next)}`)
      assert.match(page.body, /name="next" value="\/"/, next)
    }
    const local = await visitor().get('/login?next=%2Fcart')
    assert.match(local.body, /name="next" value="\/cart"/)
  })
})
