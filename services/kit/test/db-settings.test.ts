import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDb } from '../src/db'

// Tracing names SQL spans from knex's settings: a database known only inside the uri gave the
// stock auto-instrumentation spans named `undefined`, which crashed its exporter (tests/bench/stock).
describe('createDb', () => {
  it('gives knex the host, port, user and database as settings of their own', async () => {
    const db = createDb('mysql://shop%40ops:s3cret@db.example:3307/orders?connectTimeout=1000', 1)
    try {
      const settings = db.client.connectionSettings as Record<string, unknown>
      assert.equal(settings.database, 'orders')
      assert.equal(settings.host, 'db.example')
      assert.equal(settings.port, 3307)
      assert.equal(settings.user, 'shop@ops')
    } finally {
      await db.destroy()
    }
  })

  it('defaults the port to MySQL 3306', async () => {
    const db = createDb('mysql://shop:pw@db/orders', 1)
    try {
      assert.equal((db.client.connectionSettings as { port: number }).port, 3306)
    } finally {
      await db.destroy()
    }
  })
})
