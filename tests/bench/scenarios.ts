/**
 * The four shop paths under load, plus the seed's load. Cart and checkout go to order-service's
 * API, the calls the frontend's form posts make (the form adds only a CSRF check and a redirect):
 * bearer tokens are signed with dev.env's JWT secret, as user-service would sign them, so the
 * shoppers need no sign-up and every checkout has its own user, cart and idempotency key.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createConnection } from 'mysql2/promise'
import { tokenSigner } from '@shopscope/kit'
import type { LoadSpec } from './load'

const ROOT = join(__dirname, '..', '..')

export const PRODUCT_IDS = [1, 2, 3, 4, 5, 6, 7, 8]
const ADD_TO_CART_USERS = 500

export interface Scenario {
  name: string
  description: string
  spec: LoadSpec
}

function jwtSecret(): string {
  const line = readFileSync(join(ROOT, 'dev.env'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('JWT_SECRET='))
  if (!line) throw new Error('dev.env has no JWT_SECRET')
  return line.slice('JWT_SECRET='.length)
}

export function signTokens(firstUserId: number, count: number): string[] {
  const sign = tokenSigner(jwtSecret())
  return Array.from({ length: count }, (_, i) =>
    sign({
      id: firstUserId + i,
      email: `bench-${firstUserId + i}@shopscope.test`,
      role: 'customer',
    }),
  )
}

/** Every checkout user starts with a one-line cart; stock never runs out during the run. */
export async function prepareCheckouts(mysqlUrl: string, firstUserId: number, count: number) {
  const conn = await createConnection(`${mysqlUrl}/`)
  try {
    await conn.query('UPDATE products.products SET stock = 1000000000')
    const [products] = await conn.query('SELECT id, name, price_cents FROM products.products')
    const catalog = products as { id: number; name: string; price_cents: number }[]
    for (let start = 0; start < count; start += 5000) {
      const rows = Array.from({ length: Math.min(5000, count - start) }, (_, i) => {
        const p = catalog[(start + i) % catalog.length]
        if (!p) throw new Error('the product catalog is empty')
        return [firstUserId + start + i, p.id, 1, p.name, p.price_cents]
      })
      await conn.query(
        'INSERT INTO orders.cart_items (user_id, product_id, quantity, name, unit_price_cents) VALUES ?',
        [rows],
      )
    }
  } finally {
    await conn.end()
  }
}

/** The idempotency keys answered 201, recorded as the answers arrive. */
export interface CheckoutLedger {
  answered201: Set<string>
}

/**
 * The checkout users' orders in MySQL against the 201 answers: an answered key without a
 * confirmed order is lost, a user with two orders is doubled. Orders whose answer was still in
 * flight when a timed run ended exist without a recorded 201: at most one per connection and run.
 */
export async function auditOrders(
  mysqlUrl: string,
  firstUserId: number,
  count: number,
  ledger: CheckoutLedger,
) {
  const conn = await createConnection(`${mysqlUrl}/`)
  try {
    const [rows] = await conn.query(
      `SELECT user_id, idempotency_key, status FROM orders.orders WHERE user_id BETWEEN ? AND ?`,
      [firstUserId, firstUserId + count - 1],
    )
    const orders = rows as { user_id: number; idempotency_key: string; status: string }[]
    const confirmed = new Set(
      orders.filter((o) => o.status === 'confirmed').map((o) => o.idempotency_key),
    )
    const users = new Set(orders.map((o) => o.user_id))
    return {
      answered201: ledger.answered201.size,
      ordersInDb: orders.length,
      lost: [...ledger.answered201].filter((key) => !confirmed.has(key)).length,
      doubled: orders.length - users.size,
      unanswered: [...confirmed].filter((key) => !ledger.answered201.has(key)).length,
      notConfirmed: orders.length - confirmed.size,
    }
  } finally {
    await conn.end()
  }
}

export interface ScenarioUrls {
  frontend: string
  orderService: string
}

export function scenarios(
  urls: ScenarioUrls,
  options: {
    connections: number
    seedRate: number
    cartTokens: string[]
    checkoutTokens: string[]
    ledger: CheckoutLedger
  },
): Scenario[] {
  let nextCartUser = 0
  let nextProduct = 0
  let nextCheckout = 0
  const { connections } = options
  return [
    {
      name: 'home',
      description: 'GET / (frontend → product-service → MySQL)',
      spec: { url: urls.frontend, connections, requests: [{ path: '/' }], expectStatus: 200 },
    },
    {
      name: 'product',
      description: 'GET /products/:id (frontend → product-service → MySQL)',
      spec: {
        url: urls.frontend,
        connections,
        requests: PRODUCT_IDS.map((id) => ({ path: `/products/${id}` })),
        expectStatus: 200,
      },
    },
    {
      name: 'add-to-cart',
      description: 'POST /api/v1/cart/items (order-service → product-service, MySQL ×2)',
      spec: {
        url: urls.orderService,
        connections,
        requests: [
          {
            method: 'POST',
            path: '/api/v1/cart/items',
            setupRequest: (request) => {
              const token = options.cartTokens[nextCartUser++ % options.cartTokens.length]
              const productId = PRODUCT_IDS[nextProduct++ % PRODUCT_IDS.length]
              return {
                ...request,
                headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
                body: JSON.stringify({ productId, quantity: 1 }),
              }
            },
          },
        ],
        expectStatus: 200,
      },
    },
    {
      name: 'checkout',
      description: 'POST /api/v1/orders (order-service → product-service reservation, MySQL ×2)',
      spec: {
        url: urls.orderService,
        connections,
        requests: [
          {
            method: 'POST',
            path: '/api/v1/orders',
            setupRequest: (request, context) => {
              const i = nextCheckout++
              // Past the prepared users a cart is empty: 409, counted as errors, never hidden.
              const token = options.checkoutTokens[i % options.checkoutTokens.length]
              context.key = `bench-${i}`
              return {
                ...request,
                headers: { authorization: `Bearer ${token}`, 'idempotency-key': `bench-${i}` },
              }
            },
            onResponse: (status, _body, context) => {
              if (status === 201) options.ledger.answered201.add(String(context.key))
            },
          },
        ],
        expectStatus: 201,
      },
    },
    {
      name: 'seed-load',
      description: `GET / by 20 users at ${options.seedRate} req/s in all (the seed's load)`,
      spec: {
        url: urls.frontend,
        connections: 20,
        overallRate: options.seedRate,
        requests: [{ path: '/' }],
        expectStatus: 200,
      },
    },
  ]
}

export const ADD_TO_CART_USER_COUNT = ADD_TO_CART_USERS
