import assert from 'node:assert/strict'
import type { LightMyRequestResponse } from 'fastify'
import { freePort } from '../../dev/local/mariadb'

/** A DATABASE_URL nothing listens on: the service's database is down. */
export const deadDatabaseUrl = async (): Promise<string> =>
  `mysql://shopscope:unused@127.0.0.1:${await freePort()}/gone`

/** The 503 a service answers when `dependency` failed: problem+json naming it, Retry-After. */
export function assertDependencyUnavailable(res: LightMyRequestResponse, dependency: string): void {
  assert.equal(res.statusCode, 503, res.body)
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
  assert.match(String(res.headers['retry-after']), /^[1-9][0-9]*$/)
  const body = res.json()
  assert.equal(body.type, 'https://shopscope.dev/problems/dependency-unavailable')
  assert.equal(body.reason, 'dependency_unavailable')
  assert.equal(body.dependency, dependency)
  assert.equal(body.status, 503)
}
