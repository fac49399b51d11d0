import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { mkdirSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { TEST_ENV } from '@shopscope/tests/harness'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium } from '../harness/chromium'
import { shopFixture } from './shop'

// Written on every run (docs/img/order-confirmation.png is a copy of one, for docs/local.md).
const SCREENSHOT = resolve(__dirname, '../../test-results/order-confirmation.png')

const shop = shopFixture()
let browser: Browser

before(async () => {
  browser = await launchChromium()
})
after(async () => browser?.close())

/** A fresh browser profile; any console error (a CSP violation, a failed load) fails the test. */
async function openShop(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()))
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(shop().url)
  return { context, page, errors }
}

const mainText = (page: Page) => page.locator('main').innerText()
/**
 * The add-to-cart and checkout forms are posted by script (the browser telemetry), which shows
 * the next page without a navigation Playwright would wait for: wait for what it shows.
 */
const mainShows = (page: Page, text: RegExp) => page.locator('main', { hasText: text }).waitFor()

async function register(page: Page, email: string): Promise<void> {
  await page.getByRole('link', { name: 'Create account' }).click()
  await page.getByLabel('Name').fill('Ada Lovelace')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill('correct horse battery')
  await page.getByRole('button', { name: 'Create account' }).click()
  assert.match(await mainText(page), /Welcome, Ada Lovelace! Your account is ready\./)
}

async function addFromCatalog(page: Page, product: string): Promise<void> {
  await page.goto(shop().url)
  const card = page.getByRole('listitem').filter({ hasText: product })
  await card.getByRole('button', { name: 'Add to cart' }).click()
  await mainShows(page, new RegExp(`${product} was added to your cart`))
}

describe('shopping in a real browser', () => {
  it('registers, signs in, fills the cart, checks out and finds the order', async () => {
    const { context, page, errors } = await openShop()
    const email = `ada-${Date.now()}@shopscope.test`
    await register(page, email)
    await page.getByRole('button', { name: 'Sign out' }).click()
    assert.match(await mainText(page), /You are signed out/)

    await page.getByRole('link', { name: 'Sign in' }).click()
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill('not the password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    assert.match(await page.getByRole('alert').innerText(), /Wrong email or password/)
    await page.getByLabel('Password').fill('correct horse battery')
    await page.getByRole('button', { name: 'Sign in' }).click()
    assert.match(await page.locator('header').innerText(), /Hi, Ada Lovelace/)
    const session = (await context.cookies()).find((c) => c.name === 'session')
    assert.ok(session?.httpOnly, 'the session cookie is httpOnly')
    assert.equal(session?.sameSite, 'Lax')

    await addFromCatalog(page, 'Laptop Pro')
    await page.goto(`${shop().url}/products/10`)
    await page.getByLabel('Quantity').fill('2')
    await page.getByRole('button', { name: 'Add to cart' }).click()
    await mainShows(page, /Webcam HD was added to your cart/)
    const cart = await mainText(page)
    assert.match(cart, /Webcam HD was added to your cart/)
    assert.match(cart, /Subtotal, 3 items/)
    assert.match(cart, /€1,399\.97/)

    await page.getByRole('link', { name: 'Proceed to checkout' }).click()
    assert.match(await mainText(page), /2 × Webcam HD/)
    await page.getByRole('button', { name: /Place order/ }).click()
    await page.waitForURL(/\/orders\/\d+$/)
    const orderId = /\/orders\/(\d+)$/.exec(page.url())?.[1]
    const confirmation = await mainText(page)
    assert.match(confirmation, new RegExp(`Thank you, order #${orderId} confirmed`))
    assert.match(confirmation, /1 × Laptop Pro/)
    assert.match(confirmation, /€1,399\.97/)
    mkdirSync(dirname(SCREENSHOT), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    assert.ok(statSync(SCREENSHOT).size > 10_000, 'the screenshot is a real picture')

    await page.getByRole('link', { name: 'Orders', exact: true }).click()
    const history = await mainText(page)
    assert.match(history, new RegExp(`Order #${orderId}\\b`))
    assert.match(history, /Confirmed|confirmed/)
    await page.getByRole('link', { name: 'Cart', exact: true }).click()
    assert.match(await mainText(page), /Your cart is empty/)
    // The one failed load this journey causes on purpose: the 401 page of the wrong password.
    const unexpected = errors.filter((e) => !/status of 401/.test(e))
    assert.deepEqual(unexpected, [], 'no console errors (CSP violations, failed loads)')
    await context.close()
  })

  it('places one order when the checkout form is submitted twice', async () => {
    const { context, page, errors } = await openShop()
    await register(page, `twice-${Date.now()}@shopscope.test`)
    await addFromCatalog(page, 'Smartphone X')
    await page.goto(`${shop().url}/checkout`)
    const form = {
      _csrf: await page.locator('form[action="/checkout"] input[name="_csrf"]').inputValue(),
      idempotencyKey: await page.locator('input[name="idempotencyKey"]').inputValue(),
    }
    // The context's request client shares the browser's cookies: the same session posts twice.
    const submit = () => context.request.post(`${shop().url}/checkout`, { form, maxRedirects: 0 })
    const [first, second] = await Promise.all([submit(), submit()])
    assert.equal(first.status(), 303)
    assert.equal(second.status(), 303)
    assert.match(first.headers().location ?? '', /^\/orders\/\d+$/)
    assert.equal(second.headers().location, first.headers().location)
    await page.goto(`${shop().url}/orders`)
    assert.equal(await page.locator('main tbody tr').count(), 1, 'one order in the history')
    assert.deepEqual(errors, [])
    await context.close()
  })
})

describe('a scripted post whose answer is lost', () => {
  it('reached the shop: the add-to-cart is not sent again, the cart shows it once', async () => {
    const { context, page } = await openShop()
    await register(page, `lost-${Date.now()}@shopscope.test`)
    let posts = 0
    await page.route('**/cart/items', async (route) => {
      if (route.request().method() !== 'POST') return route.continue()
      posts++
      if (posts > 1) return route.continue()
      // The shop takes the first post; its answer never reaches the page.
      await route.fetch()
      await route.abort('connectionreset')
    })
    await page.goto(shop().url)
    const card = page.getByRole('listitem').filter({ hasText: 'Laptop Pro' })
    await card.getByRole('button', { name: 'Add to cart' }).click()
    await page.waitForURL(/\/cart$/)
    assert.match(await mainText(page), /Subtotal, 1 item\b/)
    assert.equal(posts, 1, 'the post was not sent again')
    await context.close()
  })
})

describe('without JavaScript', () => {
  it('adds to the cart and checks out with plain form posts', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(shop().url)
    await register(page, `nojs-${Date.now()}@shopscope.test`)
    // No script ran: a navigation per form, which Playwright waits for on its own.
    await addFromCatalog(page, 'Enceinte Bluetooth')
    assert.equal(new URL(page.url()).pathname, '/cart')
    await page.getByRole('link', { name: 'Proceed to checkout' }).click()
    await page.getByRole('button', { name: /Place order/ }).click()
    await page.waitForURL(/\/orders\/\d+$/)
    assert.match(await mainText(page), /1 × Enceinte Bluetooth/)
    await context.close()
  })
})

describe('when things go wrong', () => {
  it('says so when the stock ran out before checkout, and keeps the cart', async () => {
    const { context, page } = await openShop()
    await register(page, `late-${Date.now()}@shopscope.test`)
    await page.goto(`${shop().url}/products/4`)
    await page.getByLabel('Quantity').fill('5')
    await page.getByRole('button', { name: 'Add to cart' }).click()
    await mainShows(page, /Tablette Pro was added to your cart/)
    await shop().productDb('products').where({ id: 4 }).update({ stock: 2 })
    await page.goto(`${shop().url}/checkout`)
    await page.getByRole('button', { name: /Place order/ }).click()
    await page.waitForURL(/\/cart$/)
    assert.match(await page.getByRole('alert').innerText(), /Not enough stock for Tablette Pro/)
    assert.match(await mainText(page), /Subtotal, 5 items/)
    await context.close()
  })

  it('sends a shopper whose token is refused back to the sign-in form', async () => {
    const { context, page } = await openShop()
    // Signed with the frontend's secret, so it is read; order-service refuses the token inside.
    const value = JSON.stringify({ token: 'not-a-jwt', name: 'Eve', email: 'eve@shopscope.test' })
    const signature = createHmac('sha256', TEST_ENV.SESSION_SECRET).update(value).digest('base64')
    await context.addCookies([
      {
        name: 'session',
        value: encodeURIComponent(`${value}.${signature.replace(/=/g, '')}`),
        url: shop().url,
      },
    ])
    await page.goto(shop().url)
    assert.match(await page.locator('header').innerText(), /Hi, Eve/)
    await page.goto(`${shop().url}/cart`)
    assert.equal(new URL(page.url()).pathname, '/login')
    assert.equal(new URL(page.url()).searchParams.get('next'), '/cart')
    assert.equal(
      (await context.cookies()).find((c) => c.name === 'session'),
      undefined,
    )
    await context.close()
  })
})
