import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createConnection } from 'mysql2/promise'
import { startMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
import { startInstrumented, type ServiceProcess } from './service-process'
import { Browser } from './browser'

/**
 * Every failure path that handles a password, a hash, an email or a token, then a grep of
 * everything the four services wrote: stdout, and the log records and spans they exported.
 */
describe('no secret or personal data in logs or spans', () => {
  let db: MariaDb
  let otlp: OtlpReceiver
  const running: ServiceProcess[] = []
  const tag = randomBytes(6).toString('hex')
  const alice = { email: `alice-${tag}@shopscope.test`, password: `pw-${tag}-alice`, name: 'Al' }
  const bob = { email: `bob-${tag}@shopscope.test`, password: `pw-${tag}-bob`, name: 'Bob' }
  // Alice's email with another password: the same one again would sign in (a retried sign-up).
  const eve = { ...alice, name: 'Eve', password: `pw-${tag}-eve` }
  const secrets: Record<string, string> = {
    'password (eve)': eve.password,
    'email (alice)': alice.email,
    'password (alice)': alice.password,
    'email (bob)': bob.email,
    'password (bob)': bob.password,
  }
  const statuses: Record<string, number> = {}

  const start = async (name: string, env: Record<string, string> = {}) => {
    const service = await startInstrumented(name, { db, otlpEndpoint: otlp.endpoint, env })
    running.push(service)
    return service
  }
  const call = async (label: string, url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    })
    statuses[label] = res.status
    return res
  }

  before(async () => {
    // A server of its own: the test stops it to take the path "database down".
    db = await startMariaDb()
    otlp = await startOtlpReceiver()
    const [users, products] = await Promise.all([start('user-service'), start('product-service')])
    const orders = await start('order-service', { PRODUCT_SERVICE_URL: products.url })
    const frontend = await start('frontend', {
      USER_SERVICE_URL: users.url,
      PRODUCT_SERVICE_URL: products.url,
      ORDER_SERVICE_URL: orders.url,
    })
    const post = (label: string, path: string, body: object, headers = {}) =>
      call(label, `${users.url}/api/v1${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers,
      })

    await post('registration', '/users', alice)
    await post('duplicate registration', '/users', eve)
    await post('wrong password', '/sessions', { email: alice.email, password: 'not-the-password' })
    const session = await post('login', '/sessions', {
      email: alice.email,
      password: alice.password,
    })
    const { token } = (await session.json()) as { token: string }
    secrets.token = token
    const auth = { authorization: `Bearer ${token}` }
    await call('me', `${users.url}/api/v1/users/me`, { headers: auth })
    await call('cart', `${orders.url}/api/v1/cart/items`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ productId: 1, quantity: 1 }),
    })

    // The shop's own forms take the same paths.
    const browser = new Browser(frontend.url, `00-${randomBytes(16).toString('hex')}-${tag}0000-01`)
    await browser.get('/login')
    await browser
      .post('/login', { email: alice.email, password: 'not-the-password' })
      .catch(() => '')
    await browser.get('/register')
    await browser.post('/register', eve).catch(() => '')

    // A failed insert: the database refuses the row (a constraint the test adds), a 500.
    const sql = await createConnection(`${db.url}/`)
    const [schemas] = (await sql.query(
      "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'user\\_%'",
    )) as unknown as [{ name: string }[]]
    const schema = schemas[0]?.name ?? ''
    const [hashes] = (await sql.query(
      `SELECT password_hash AS hash FROM \`${schema}\`.users`,
      [],
    )) as unknown as [{ hash: string }[]]
    for (const [i, row] of hashes.entries()) secrets[`password hash ${i}`] = row.hash
    await sql.query(
      `ALTER TABLE \`${schema}\`.users ADD CONSTRAINT refuse_bob CHECK (name <> 'Bob')`,
    )
    await sql.end()
    await post('failed insert', '/users', bob)

    // The database goes away: every query fails with its values in the driver's message.
    await db.stop()
    await post('login, database down', '/sessions', {
      email: alice.email,
      password: alice.password,
    })
    await post('registration, database down', '/users', bob)
    await call('me, database down', `${users.url}/api/v1/users/me`, { headers: auth })
    await call('cart, database down', `${orders.url}/api/v1/cart`, { headers: auth })

    // SIGTERM flushes what the exporters still hold.
    for (const service of running) await service.stop()
  })
  after(async () => {
    for (const service of running.reverse()) await service.stop()
    await otlp?.close()
  })

  it('took the failure paths', () => {
    assert.deepEqual(statuses, {
      registration: 201,
      'duplicate registration': 409,
      'wrong password': 401,
      login: 200,
      me: 200,
      cart: 200,
      'failed insert': 500,
      'login, database down': 503,
      'registration, database down': 503,
      'me, database down': 503,
      'cart, database down': 503,
    })
    assert.ok(Object.keys(secrets).some((k) => k.startsWith('password hash')))
  })

  it('left no secret on any service output', () => {
    assert.ok(otlp.logs.length > 0 && otlp.spans.length > 0, 'telemetry was exported')
    const sinks: Record<string, string> = {
      'OTLP log records': JSON.stringify(otlp.logs),
      'OTLP spans (attributes, events, status)': JSON.stringify(otlp.spans),
    }
    for (const service of running) sinks[`${service.name} output`] = service.output()
    const leaks = Object.entries(sinks).flatMap(([sink, text]) =>
      Object.entries(secrets)
        .filter(([, secret]) => text.includes(secret))
        .map(([what]) => `${what} in ${sink}`),
    )
    assert.deepEqual(leaks, [])
  })
})
