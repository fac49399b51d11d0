import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { buildService } from '@shopscope/kit'
import { createTestDatabase, TEST_ENV, waitUntilReady } from '@shopscope/tests/harness'
import { service } from '../src/service'
import { login, userServiceFixture } from './helpers'

const svc = userServiceFixture()

/** What a restarted pod or a second replica does: build the service on the same database. */
async function startAgain(databaseUrl: string, env: Record<string, string> = {}) {
  const app = await buildService(service, { ...TEST_ENV, DATABASE_URL: databaseUrl, ...env })
  await app.ready()
  await waitUntilReady(app)
  return app
}

const admins = async (app = svc().app) =>
  app.db('users').where({ role: 'admin' }).select('email', 'password_hash')

describe('seeded admin', () => {
  it('exists once, with role admin, and can log in', async () => {
    const rows = await admins()
    assert.equal(rows.length, 1)
    assert.equal(rows[0].email, TEST_ENV.ADMIN_EMAIL)
    assert.ok(!rows[0].password_hash.includes(TEST_ENV.ADMIN_PASSWORD))
    const res = await login(svc().app, {
      email: TEST_ENV.ADMIN_EMAIL,
      password: TEST_ENV.ADMIN_PASSWORD,
    })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().user.role, 'admin')
  })

  it('is neither duplicated nor overwritten by a restart with another password', async () => {
    const [before] = await admins()
    const app = await startAgain(svc().databaseUrl as string, {
      ADMIN_PASSWORD: 'a-different-admin-password',
    })
    try {
      const rows = await admins(app)
      assert.equal(rows.length, 1)
      assert.equal(rows[0].password_hash, before.password_hash)
      const old = { email: TEST_ENV.ADMIN_EMAIL, password: TEST_ENV.ADMIN_PASSWORD }
      assert.equal((await login(app, old)).statusCode, 200)
    } finally {
      await app.close()
    }
  })

  it('is created once when replicas start together on an empty database', async () => {
    const database = await createTestDatabase(svc().server, 'user')
    const apps = await Promise.all([1, 2, 3].map(() => startAgain(database.url)))
    try {
      assert.equal((await admins(apps[0])).length, 1)
    } finally {
      await Promise.all(apps.map((app) => app.close()))
      await database.drop()
    }
  })
})
