import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { csrfOf, Visitor } from './helpers'
import { SHOPPER, signedInShop } from './shop'

const shop = signedInShop()
const ORIGIN = 'https://shop.example'

/** Where a browser goes with this Location, as the WHATWG URL parser resolves it. */
const followed = (location: unknown) => new URL(String(location), `${ORIGIN}/login`)

// Each an exact reproduction of issue 24 (items 1 and 2), as the decoded `next` value.
const OFF_SITE = [
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/\r/evil.example',
  '//evil',
  '/\\evil',
  '\\/evil',
  '/\t\\evil.example',
  'https://evil',
  ' //evil.example',
  '/..//evil.example',
  '/.//evil.example',
  'javascript:alert(1)',
]
// Odd but on the shop: answered with a Location a browser and Node accept (no ERR_INVALID_CHAR).
const ON_SITE: Record<string, string> = {
  '/cart': '/cart',
  '/products/1?q=a b#top': '/products/1?q=a%20b#top',
  '/\u{1F600}': '/%F0%9F%98%80',
  '/\uFF0Fevil.example': '/%EF%BC%8Fevil.example',
  '/%2F/evil.example': '/%2F/evil.example',
}

function assertLocation(
  res: { statusCode: number; headers: Record<string, unknown> },
  want: string,
) {
  assert.equal(res.statusCode, 303)
  const location = res.headers.location
  assert.equal(followed(location).origin, ORIGIN, String(location))
  assert.equal(location, want)
}

describe('the page after sign-in is always on the shop', () => {
  it('signed in, GET /login?next= redirects off the site to / only', async () => {
    const browser = await shop().signIn()
    for (const next of OFF_SITE) {
      const res = await browser.get(`/login?next=${encodeURIComponent(next)}`)
      assertLocation(res, '/')
    }
    for (const [next, location] of Object.entries(ON_SITE)) {
      assertLocation(await browser.get(`/login?next=${encodeURIComponent(next)}`), location)
    }
  })

  it('the exact reproductions of the issue, as sent', async () => {
    const browser = await shop().signIn()
    assertLocation(await browser.get('/login?next=%2F%09%2Fevil.example'), '/')
    assertLocation(await browser.get('/login?next=%2F%0A%2Fevil.example'), '/')
    assertLocation(await browser.get('/login?next=/%F0%9F%98%80'), '/%F0%9F%98%80')
  })

  it('POST /login with next= off the site goes to /', async () => {
    // Each sign-in hashes a password: the reproductions, not every case above.
    const cases: [string, string][] = [
      ['/\t/evil.example', '/'],
      ['/\r\n/evil.example', '/'],
      ['//evil', '/'],
      ['/\\evil', '/'],
      ['https://evil', '/'],
      ['/\u{1F600}', '/%F0%9F%98%80'],
      ['/cart', '/cart'],
    ]
    for (const [next, location] of cases) {
      const browser = new Visitor(shop().frontend)
      const form = await browser.get('/login')
      const res = await browser.post('/login', {
        _csrf: csrfOf(form.body),
        email: SHOPPER.email,
        password: SHOPPER.password,
        next,
      })
      assertLocation(res, location)
    }
  })

  it('signed out, the login form carries only a next on the site, and never a 5xx', async () => {
    for (const next of OFF_SITE) {
      const res = await new Visitor(shop().frontend).get(`/login?next=${encodeURIComponent(next)}`)
      assert.equal(res.statusCode, 200, JSON.stringify(next))
      assert.match(String(res.headers['content-type']), /^text\/html/)
      assert.match(res.body, /name="next" value="\/"/, JSON.stringify(next))
    }
    const local = await new Visitor(shop().frontend).get('/login?next=%2Fcart')
    assert.match(local.body, /name="next" value="\/cart"/)
  })
})
