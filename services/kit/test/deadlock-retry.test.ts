import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Knex } from 'knex'
import { createTestDatabase, useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { createDb, DEADLOCK_ATTEMPTS, transactionRetryingDeadlocks } from '../src/db'

let server: MariaDb
let database: Awaited<ReturnType<typeof createTestDatabase>>
let db: Knex

before(async () => {
  server = await useMariaDb()
  database = await createTestDatabase(server, 'deadlock')
  db = createDb(database.url, 4)
  await db.schema.createTable('rows', (t) => {
    t.integer('id').primary()
    t.integer('value')
  })
  await db('rows').insert([
    { id: 1, value: 0 },
    { id: 2, value: 0 },
  ])
})
after(async () => {
  await db?.destroy()
  await database?.drop()
  await server?.stop()
})

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Locks row `first`, waits until the other transaction holds the other row, then asks for it:
 * two of these in opposite orders are a deadlock, and InnoDB rolls one of them back.
 */
async function crossLock(trx: Knex.Transaction, first: number, held: { count: number }) {
  await trx('rows').where({ id: first }).forUpdate().select('id')
  held.count++
  while (held.count < 2) await pause(5)
  await trx('rows')
    .where({ id: 3 - first })
    .increment('value', 1)
}

describe('transactionRetryingDeadlocks', () => {
  it("runs a deadlock's victim again, so both transactions commit", async () => {
    const held = { count: 0 }
    let runs = 0
    const twice = (first: number) =>
      transactionRetryingDeadlocks(db, async (trx) => {
        runs++
        // A run after a rollback finds the other transaction gone or finishing.
        if (runs > 2) held.count = 2
        await crossLock(trx, first, held)
      })
    await Promise.all([twice(1), twice(2)])
    assert.equal(runs, 3, 'one of the two ran again')
    const values = (await db('rows').orderBy('id').pluck('value')) as number[]
    assert.deepEqual(values, [1, 1], 'both committed, each once')
  })

  it('does not run again what failed for another reason', async () => {
    let runs = 0
    await assert.rejects(
      transactionRetryingDeadlocks(db, async (trx) => {
        runs++
        await trx('no_such_table').select('id')
      }),
      (err: { code?: string }) => err.code === 'ER_NO_SUCH_TABLE',
    )
    assert.equal(runs, 1)
    assert.ok(DEADLOCK_ATTEMPTS >= 2)
  })
})
