import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { csrfOf, Visitor } from './helpers'
import { SHOPPER, signedInShop } from './shop'

const shop = signedInShop()

describe('a new session gets a new CSRF secret', () => {
  it('the token of the sign-in page stops working once signed in', async () => {
    const browser = new Visitor(shop().frontend)
    const before = csrfOf((await browser.get('/login')).body)
    const secret = browser.cookies.get('_csrf')
    const login = await browser.post('/login', {
      _csrf: before,
      email: SHOPPER.email,
      password: SHOPPER.password,
    })
    assert.equal(login.statusCode, 303)
    const stale = await browser.post('/cart/items', { _csrf: before, productId: '1' })
    assert.equal(stale.statusCode, 403, 'the token from before sign-in was refused')

    const after = csrfOf((await browser.get('/cart')).body)
    assert.notEqual(browser.cookies.get('_csrf'), secret, 'a new secret')
    const added = await browser.post('/cart/items', { _csrf: after, productId: '1' })
    assert.equal(added.statusCode, 303)
    assert.equal(added.headers.location, '/cart')
  })

  it('a signed-in token stops working after sign-out', async () => {
    const browser = await shop().signIn()
    const token = csrfOf((await browser.get('/cart')).body)
    assert.equal((await browser.post('/logout', { _csrf: token })).statusCode, 303)
    assert.equal((await browser.post('/logout', { _csrf: token })).statusCode, 403)
  })
})
