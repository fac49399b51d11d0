import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { login, me, register, userServiceFixture } from './helpers'

// The test database starts latin1 (MariaDB's default): the migrations must convert it.
const svc = userServiceFixture()
const app = () => svc().app

describe('Unicode names', () => {
  it('registers "Bob 😀" and gives the name back unchanged', async () => {
    const bob = { email: 'bob@example.com', password: 'bob password 1', name: 'Bob 😀 Łukasz 李' }
    const created = await register(app(), bob)
    assert.equal(created.statusCode, 201, created.body)
    assert.equal(created.json().user.name, bob.name)
    const session = await login(app(), { email: bob.email, password: bob.password })
    assert.equal(session.statusCode, 200, session.body)
    const whoami = await me(app(), session.json().token)
    assert.equal(whoami.json().name, bob.name)
  })
})
