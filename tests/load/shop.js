// The seed report's load, as a k6 scenario: shoppers browse the catalog and check out through the
// frontend's HTML forms (CSRF token and idempotency key parsed from the pages, as a browser would
// send them), and one visit in ten sends invalid JSON straight to product-service, which must
// answer 400 (never 5xx). Used by `make load` (local stack) and the in-cluster Job.
//
// Environment: FRONTEND_URL, PRODUCT_SERVICE_URL (required); K6_SCALE multiplies the stage
// durations (1 = the seed's 2.5 minutes); K6_INVALID_JSON_SHARE (0.1), K6_CHECKOUT_SHARE (0.3),
// K6_THINK_SECONDS (1), K6_P95_MS (1000).
/* global __ENV, __VU, console */ // k6 globals
import { check, fail, sleep } from 'k6'
import http from 'k6/http'
import { Counter } from 'k6/metrics'

const env = (name, fallback) => {
  const value = __ENV[name]
  if (value !== undefined && value !== '') return value
  if (fallback === undefined) fail(`${name} is required`)
  return fallback
}
const number = (name, fallback) => {
  const value = Number(env(name, String(fallback)))
  if (!Number.isFinite(value) || value < 0) fail(`${name} must be a non-negative number`)
  return value
}

const FRONTEND = env('FRONTEND_URL').replace(/\/$/, '')
const PRODUCT_SERVICE = env('PRODUCT_SERVICE_URL').replace(/\/$/, '')
const SCALE = number('K6_SCALE', 1)
const INVALID_JSON_SHARE = number('K6_INVALID_JSON_SHARE', 0.1)
const CHECKOUT_SHARE = number('K6_CHECKOUT_SHARE', 0.3)
const THINK_SECONDS = number('K6_THINK_SECONDS', 1)
const P95_MS = number('K6_P95_MS', 1000)

const seconds = (s) => `${Math.max(1, Math.round(s * SCALE))}s`

// 400 is the answer to invalid JSON and 409 to an empty or sold-out cart: expected, not failures.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 399 }, 400, 409))

const serverErrors = new Counter('server_errors')
const invalidJsonRejected = new Counter('invalid_json_rejected')
const ordersPlaced = new Counter('orders_placed')

export const options = {
  scenarios: {
    shoppers: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: seconds(30), target: 10 },
        { duration: seconds(60), target: 10 },
        { duration: seconds(30), target: 20 },
        { duration: seconds(30), target: 0 },
      ],
      gracefulRampDown: '10s',
    },
  },
  // A shopper stays signed in across visits, like a browser keeping its cookies.
  noCookiesReset: true,
  thresholds: {
    server_errors: ['count==0'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
    'http_req_duration{kind:page}': [`p(95)<${P95_MS}`],
    'http_req_duration{kind:form}': [`p(95)<${P95_MS}`],
    'http_req_duration{kind:api}': [`p(95)<${P95_MS}`],
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
}

function countServerError(res) {
  if (res.status >= 500 || res.status === 0) {
    serverErrors.add(1)
    const took = Math.round(res.timings.duration)
    console.warn(`server error: ${res.request.method} ${res.url} → ${res.status} in ${took} ms`)
  }
  return res
}

const page = (path) =>
  countServerError(http.get(`${FRONTEND}${path}`, { tags: { kind: 'page', name: path } }))

function submit(path, fields, name) {
  const res = http.post(`${FRONTEND}${path}`, fields, { tags: { kind: 'form', name } })
  return countServerError(res)
}

const field = (res, name) => res.html().find(`input[name="${name}"]`).first().attr('value')

function productIds(res) {
  const ids = []
  res
    .html()
    .find('a[href^="/products/"]')
    .each((_, a) => {
      const match = /^\/products\/(\d+)$/.exec(a.getAttribute('href') ?? '')
      if (match) ids.push(match[1])
    })
  return ids
}

const any = (items) => items[Math.floor(Math.random() * items.length)]

/** Registers a new shopper through the form; the session cookie stays in the VU's jar. */
function signUp() {
  const form = page('/register')
  const email = `k6-${__VU}-${Date.now()}-${Math.floor(Math.random() * 1e9)}@shopscope.test`
  const res = submit(
    '/register',
    { _csrf: field(form, '_csrf'), name: `k6 shopper ${__VU}`, email, password: 'k6-password-1' },
    '/register',
  )
  return check(res, { 'registered and signed in': (r) => r.status === 200 && r.url.endsWith('/') })
}

function browse() {
  const home = page('/')
  check(home, { 'home page shows products': (r) => r.status === 200 })
  const id = any(productIds(home))
  if (!id) return undefined
  const product = page(`/products/${id}`)
  check(product, { 'product page shows the product': (r) => r.status === 200 })
  return product
}

function checkout(product) {
  const productId = field(product, 'productId')
  if (!productId) return // sold out: no add-to-cart form
  const added = submit(
    '/cart/items',
    { _csrf: field(product, '_csrf'), productId, quantity: '1' },
    '/cart/items',
  )
  check(added, {
    'added to cart': (r) => r.status === 200 && /\/(cart|products\/\d+)$/.test(r.url),
  })
  const form = page('/checkout')
  const idempotencyKey = field(form, 'idempotencyKey')
  if (!idempotencyKey) return // the cart emptied meanwhile (sold out): back on /cart
  const placed = submit('/checkout', { _csrf: field(form, '_csrf'), idempotencyKey }, '/checkout')
  // A sold-out product sends the shopper back to the cart: a business answer, not an error.
  check(placed, {
    'checkout answered': (r) => r.status === 200 && /\/(orders\/\d+|cart)$/.test(r.url),
  })
  if (/\/orders\/\d+$/.test(placed.url)) ordersPlaced.add(1)
}

const hex = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16))

function sendInvalidJson() {
  const id = `k6-${hex(24).join('')}`
  const res = http.put(`${PRODUCT_SERVICE}/api/v1/reservations/${id}`, '{"items": [', {
    headers: { 'content-type': 'application/json' },
    tags: { kind: 'api', name: 'PUT /api/v1/reservations/:id (invalid JSON)' },
  })
  countServerError(res)
  if (res.status === 400) invalidJsonRejected.add(1)
  check(res, { 'invalid JSON answered 400': (r) => r.status === 400 })
}

// Each VU is one shopper: it signs up on its first purchase (so the sign-ups, two scrypt hashes
// each, spread over the run instead of landing together at the start) and only tries once.
let account = 'none'

export default function visit() {
  if (Math.random() < INVALID_JSON_SHARE) {
    sendInvalidJson()
  } else {
    const buying = Math.random() < CHECKOUT_SHARE
    if (buying && account === 'none') account = signUp() ? 'signed-in' : 'failed'
    const product = browse()
    if (product && buying && account === 'signed-in') checkout(product)
  }
  sleep(THINK_SECONDS * (0.5 + Math.random()))
}
