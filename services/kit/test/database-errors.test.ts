import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyError } from 'fastify'
import { createTestDatabase, startMariaDb, waitUntilReady } from '@shopscope/tests/harness'
import { buildService, isDatabaseUnavailable, problemOf, serializeError } from '../src'
import { demoService } from './fixtures/demo-service'

/** An error as mysql2 and knex make them (knex prepends the statement with its values). */
function driverError(code: string, errno: number, extra: Record<string, unknown> = {}) {
  const sqlMessage = "Duplicate entry 'alice@example.com' for key 'users_email_unique'"
  const sql =
    "insert into `users` (`email`, `password_hash`) values ('alice@example.com', 'scrypt$x')"
  return Object.assign(new Error(`${sql} - ${sqlMessage}`), {
    code,
    errno,
    sqlState: '23000',
    sqlMessage,
    sql,
    ...extra,
  }) as unknown as FastifyError
}

const network = (code: string) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:3306`), { code, fatal: true })

describe('which database errors mean "unavailable"', () => {
  it('connection refused, lost, timed out, too many connections, shutdown → 503 database', () => {
    const knexTimeout = Object.assign(new Error('Knex: Timeout acquiring a connection.'), {
      name: 'KnexTimeoutError',
    })
    for (const err of [
      network('ECONNREFUSED'),
      network('ETIMEDOUT'),
      network('ECONNRESET'),
      Object.assign(new Error('Connection lost'), {
        code: 'PROTOCOL_CONNECTION_LOST',
        fatal: true,
      }),
      // knex's ROLLBACK on a connection the server killed: mysql2 gives it no code.
      Object.assign(
        new Error("ROLLBACK - Can't add new command when connection is in closed state"),
        { fatal: true },
      ),
      driverError('ER_CON_COUNT_ERROR', 1040),
      driverError('ER_SERVER_SHUTDOWN', 1053),
      knexTimeout,
    ]) {
      assert.ok(isDatabaseUnavailable(err), String((err as { code?: string }).code ?? err.name))
      const body = problemOf(err as FastifyError)
      assert.equal(body.status, 503)
      assert.equal(body.dependency, 'database')
      assert.equal(body.reason, 'dependency_unavailable')
    }
  })

  it('a constraint violation or a refused upstream socket is not the database being down', () => {
    assert.equal(isDatabaseUnavailable(driverError('ER_DUP_ENTRY', 1062)), false)
    assert.equal(isDatabaseUnavailable(driverError('ER_NO_REFERENCED_ROW_2', 1452)), false)
    assert.equal(
      isDatabaseUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })),
      false,
    )
    assert.equal(problemOf(driverError('ER_DUP_ENTRY', 1062)).status, 500)
  })

  it('logs a driver error with its code, never its statement or the values it quotes', () => {
    const logged = JSON.stringify(serializeError(driverError('ER_DUP_ENTRY', 1062)))
    assert.doesNotMatch(logged, /alice@example\.com|scrypt|insert into/)
    assert.match(logged, /ER_DUP_ENTRY/)
    assert.match(logged, /"sqlState":"23000"/)
  })
})

describe('a service whose database stops while it runs', () => {
  let stopped = false
  const mariadb = startMariaDb()
  let app: Awaited<ReturnType<typeof buildService>>
  before(async () => {
    const server = await mariadb
    const database = await createTestDatabase(server, 'down')
    app = await buildService(demoService(true), { LOG_LEVEL: 'fatal', DATABASE_URL: database.url })
    await app.ready()
    await waitUntilReady(app)
  })
  after(async () => {
    await app?.close()
    if (!stopped) await (await mariadb).stop()
  })

  it('answers 503 dependency-unavailable with Retry-After once the server is gone', async () => {
    assert.equal((await app.inject('/things')).statusCode, 200)
    await (await mariadb).stop()
    stopped = true
    const res = await app.inject('/things')
    assert.equal(res.statusCode, 503, res.body)
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
    assert.equal(res.headers['retry-after'], '5')
    const body = res.json()
    assert.equal(body.type, 'https://shopscope.dev/problems/dependency-unavailable')
    assert.equal(body.dependency, 'database')
    assert.doesNotMatch(res.body, /select|`/i)
  })
})
