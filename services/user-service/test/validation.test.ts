import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { login, register, userServiceFixture } from './helpers'

const svc = userServiceFixture()
const app = () => svc().app

const valid = { email: 'dave@example.com', password: 'dave password', name: 'Dave' }

const post = (url: string, payload: string) =>
  app().inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload })

const assertProblem = (
  res: { statusCode: number; headers: object; body: string },
  status: number,
) => {
  assert.equal(res.statusCode, status, res.body)
  const type = (res.headers as Record<string, string>)['content-type']
  assert.match(type ?? '', /application\/problem\+json/)
  assert.equal(JSON.parse(res.body).status, status)
}

const fieldsOf = (body: string) =>
  (JSON.parse(body).errors as { field: string }[]).map((e) => e.field)

describe('request validation', () => {
  it('rejects malformed JSON on both endpoints', async () => {
    for (const url of ['/api/v1/users', '/api/v1/sessions']) {
      for (const payload of ['{"email": ', 'not json', '']) {
        assertProblem(await post(url, payload), 400)
      }
    }
  })

  it('takes a JSON body as typed: no value of another type is coerced into a string', async () => {
    for (const name of [false, 0, 12, null, ['Dave']]) {
      const res = await register(app(), {
        ...valid,
        email: `typed${String(name)}@example.com`,
        name,
      })
      assertProblem(res, 400)
      assert.deepEqual(fieldsOf(res.body), ['body.name'], JSON.stringify(name))
    }
    assertProblem(await login(app(), { email: valid.email, password: 12345678 }), 400)
  })

  it('names every missing field', async () => {
    const res = await register(app(), {})
    assertProblem(res, 400)
    assert.deepEqual(fieldsOf(res.body).sort(), ['body.email', 'body.name', 'body.password'])
    assertProblem(await login(app(), { email: valid.email }), 400)
  })

  it('rejects wrong types, bad lengths and unknown fields', async () => {
    const cases: [object, string][] = [
      [{ ...valid, email: 42 }, 'body.email'],
      [{ ...valid, password: ['a', 'b'] }, 'body.password'],
      [{ ...valid, name: null }, 'body.name'],
      [{ ...valid, password: 'short' }, 'body.password'],
      [{ ...valid, password: 'x'.repeat(129) }, 'body.password'],
      [{ ...valid, name: '' }, 'body.name'],
      [{ ...valid, name: 'n'.repeat(101) }, 'body.name'],
      [{ ...valid, email: `${'a'.repeat(250)}@example.com` }, 'body.email'],
      [{ ...valid, role: 'admin' }, 'body'],
    ]
    for (const [payload, field] of cases) {
      const res = await register(app(), payload)
      assertProblem(res, 400)
      assert.ok(fieldsOf(res.body).includes(field), `${field} in ${res.body}`)
    }
    // The kit's ajv coerces scalars (42 becomes "42"); objects and arrays cannot pass as text.
    assertProblem(await login(app(), { email: valid.email, password: { $ne: '' } }), 400)
  })

  it('treats SQL-looking input as data', async () => {
    for (const email of ["' OR 1=1 --", "admin@shopscope.test' --", '"; DROP TABLE users; --']) {
      assertProblem(await register(app(), { ...valid, email }), 400)
      assertProblem(await login(app(), { email, password: 'whatever1' }), 400)
    }
    // Valid addresses may hold quotes; they must reach the database as plain values.
    const quoted = { ...valid, email: "o'brien@example.com", name: "Robert'); DROP TABLE users;--" }
    assert.equal((await register(app(), quoted)).statusCode, 201)
    const res = await login(app(), {
      email: "o'brien@example.com' OR '1'='1",
      password: 'x'.repeat(8),
    })
    assertProblem(res, 400)
    const session = await login(app(), { email: quoted.email, password: quoted.password })
    assert.equal(session.statusCode, 200)
    assert.equal(session.json().user.name, quoted.name)
    assert.equal((await app().db('users').count({ n: '*' }))[0]?.n, 2)
  })

  it('refuses bodies over 64 KiB with 413', async () => {
    const big = JSON.stringify({ ...valid, name: 'x'.repeat(70_000) })
    for (const url of ['/api/v1/users', '/api/v1/sessions'])
      assertProblem(await post(url, big), 413)
  })

  it('answers unknown routes and methods with a problem', async () => {
    assertProblem(await app().inject({ method: 'GET', url: '/api/v1/nothing-here' }), 404)
    const wrongMethod = await app().inject({ method: 'DELETE', url: '/api/v1/users/me' })
    assertProblem(wrongMethod, 405)
    assert.equal(wrongMethod.headers.allow, 'GET, HEAD')
  })
})
