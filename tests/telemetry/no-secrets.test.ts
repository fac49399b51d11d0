import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { createConnection } from 'mysql2/promise'
import { startMariaDb, TEST_ENV, type MariaDb } from '@shopscope/tests/harness'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
import { type ServiceName, dependencyUrlEnv } from '@shopscope/system'
import { startInstrumented, urlIn, startTogether, type ServiceProcess } from './service-process'
import { Browser } from '../../dev/traffic/browser'
import { findLeaks } from './leaks'
import { holdUserRow, threadRunning } from './row-locks'

/**
 * Every failure path that handles a password, a hash, an email, a token or a reservation id,
 * all under sampled traces, then a search of everything the four services wrote: stdout, and
 * every byte of the log records and spans they exported (attributes, event attributes, status
 * messages, names: what a backend stores).
 */
describe('no secret or personal data in logs or spans', () => {
  let db: MariaDb
  let otlp: OtlpReceiver
  const running: ServiceProcess[] = []
  const tag = randomBytes(6).toString('hex')
  const alice = { email: `alice-${tag}@shopscope.test`, password: `pw-${tag}-alice`, name: 'Al' }
  const bob = { email: `bob-${tag}@shopscope.test`, password: `pw-${tag}-bob`, name: `Bob-${tag}` }
  const carol = { email: `carol-${tag}@shopscope.test`, password: `pw-${tag}-carol`, name: 'C' }
  const dave = { email: `dave-${tag}@shopscope.test`, password: `pw-${tag}-dave`, name: 'D' }
  // Alice's email with another password: the same one again would sign in (a retried sign-up).
  const eve = { ...alice, name: 'Eve', password: `pw-${tag}-eve` }
  const secrets: Record<string, string> = {
    'email (alice)': alice.email,
    'password (alice)': alice.password,
    'email (bob)': bob.email,
    'password (bob)': bob.password,
    'email (carol)': carol.email,
    'password (carol)': carol.password,
    'email (dave)': dave.email,
    'password (dave)': dave.password,
    'password (eve)': eve.password,
    // A value of the insert that fails; a name is personal data too.
    'name (bob)': bob.name,
    'admin password': TEST_ENV.ADMIN_PASSWORD,
    // What a shopper types travels in query strings (the frontend's and product-service's).
    'search term': `search-${tag}`,
    // Every stored hash starts so (user-service/src/passwords.ts).
    'password hash prefix': 'scrypt$',
  }
  const statuses: Record<string, number> = {}

  /** Starts `name`, given the URLs of its dependencies among the services running already. */
  const start = async (name: ServiceName, own: Record<string, string> = {}) => {
    const env = { ...dependencyUrlEnv(name, urlIn(running)), ...own }
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
    const [users] = await startTogether([
      start('user-service', { REGISTRATION_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '100' }),
      start('product-service'),
    ])
    const orders = await start('order-service')
    const frontend = await start('frontend')
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
    // A checkout: order-service reserves, then commits, the stock under the order's reservation
    // id, in the path of its calls to product-service. Whoever knows the id can act on it.
    await call('checkout', `${orders.url}/api/v1/orders`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': randomUUID() },
      body: '{}',
    })

    // The shop's own forms take the same paths.
    const browser = new Browser(frontend.url, `00-${randomBytes(16).toString('hex')}-${tag}0000-01`)
    await browser.get(`/?q=${secrets['search term']}`)
    await browser.get('/login')
    await browser
      .post('/login', { email: alice.email, password: 'not-the-password' })
      .catch(() => '')
    await browser.get('/register')
    await browser.post('/register', eve).catch(() => '')

    // A failed insert: the database refuses the row (a constraint the test adds), a 500.
    const sql = await createConnection(`${db.url}/`)
    const schemaOf = async (prefix: string) => {
      const [schemas] = (await sql.query(
        'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?',
        [`${prefix}\\_%`],
      )) as unknown as [{ name: string }[]]
      return schemas[0]?.name ?? ''
    }
    const [reservations] = (await sql.query(
      `SELECT reservation_id AS id FROM \`${await schemaOf('order')}\`.orders`,
    )) as unknown as [{ id: string }[]]
    for (const [i, row] of reservations.entries()) secrets[`reservation id ${i}`] = row.id
    const schema = await schemaOf('user')
    const [hashes] = (await sql.query(
      `SELECT password_hash AS hash FROM \`${schema}\`.users`,
      [],
    )) as unknown as [{ hash: string }[]]
    for (const [i, row] of hashes.entries()) secrets[`password hash ${i}`] = row.hash
    await sql.query(
      `ALTER TABLE \`${schema}\`.users ADD CONSTRAINT refuse_bob CHECK (name <> '${bob.name}')`,
    )
    await post('failed insert', '/users', bob)

    // The same email registered by someone else at the same moment: the database refuses the
    // service's INSERT, and the server's message quotes the email (ER_DUP_ENTRY).
    const schemaUrl = `${db.url}/${schema}`
    const someoneElse = await holdUserRow(schemaUrl, dave.email, hashes[0]?.hash ?? '')
    const racing = post('duplicate email, same moment', '/users', dave)
    await threadRunning(sql, schema, 'insert into `users`')
    await someoneElse.commit()
    await racing

    // The connection lost in the middle of a statement: carol's INSERT is killed while it waits.
    const holder = await holdUserRow(schemaUrl, carol.email, hashes[0]?.hash ?? '')
    const registering = post('registration, connection lost', '/users', carol)
    await sql.query('KILL CONNECTION ?', [await threadRunning(sql, schema, 'insert into `users`')])
    await registering
    await holder.rollback()
    await sql.end()

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
      checkout: 201,
      'failed insert': 500,
      'duplicate email, same moment': 409,
      'registration, connection lost': 503,
      'login, database down': 503,
      'registration, database down': 503,
      'me, database down': 503,
      'cart, database down': 503,
    })
    assert.ok(Object.keys(secrets).some((k) => k.startsWith('password hash ')))
    assert.ok(Object.keys(secrets).some((k) => k.startsWith('reservation id')))
  })

  it('left no secret on any service output', () => {
    assert.ok(otlp.logs.length > 0 && otlp.spans.length > 0, 'telemetry was exported')
    // The paths above gave the spans what a leak would ride on: errors with status messages and
    // exception events, and the reservation calls.
    assert.ok(otlp.spans.some((s) => s.statusMessage !== ''))
    assert.ok(otlp.spans.some((s) => s.eventDetails.some((e) => e.name === 'exception')))
    assert.ok(otlp.spans.some((s) => s.attributes['http.route'] === '/api/v1/reservations/:id'))
    const texts: Record<string, string> = {}
    for (const service of running) texts[`${service.name} output`] = service.output()
    assert.deepEqual(findLeaks(secrets, { ...otlp, texts }), [])
  })
})
