import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Knex } from 'knex'
import { createTestDatabase, useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { createDb, Sweeper } from '../src'

let server: MariaDb
let database: Awaited<ReturnType<typeof createTestDatabase>>
let replicas: Knex[] = []

before(async () => {
  server = await useMariaDb()
  database = await createTestDatabase(server, 'sweeper')
  // Two pools on one database: two replicas of one service.
  replicas = [createDb(database.url, 3), createDb(database.url, 3)]
})
after(async () => {
  for (const db of replicas) await db.destroy()
  await database?.drop()
  await server?.stop()
})

const failOnError = (err: unknown) => assert.fail(String(err))

/** A sweep that takes a while and records how many run at the same time. */
function slowSweep() {
  const seen = { runs: 0, now: 0, most: 0 }
  const sweep = async () => {
    seen.runs++
    seen.most = Math.max(seen.most, ++seen.now)
    await new Promise((r) => setTimeout(r, 150))
    seen.now--
  }
  return { seen, sweep }
}

describe('Sweeper', () => {
  it('runs on one replica at a time: the other skips its turn', async () => {
    const { seen, sweep } = slowSweep()
    const [a, b] = replicas.map((db) => new Sweeper(db, 'test-sweep', sweep, failOnError))
    const ran = await Promise.all([a!.runOnce(), b!.runOnce()])
    assert.deepEqual(ran.sort(), [false, true])
    assert.equal(seen.most, 1)
    assert.equal(await b!.runOnce(), true, 'the lock is released after the run')
  })

  it('never overlaps itself in one process', async () => {
    const { seen, sweep } = slowSweep()
    const sweeper = new Sweeper(replicas[0]!, 'test-overlap', sweep, failOnError)
    const ran = await Promise.all([sweeper.runOnce(), sweeper.runOnce(), sweeper.runOnce()])
    assert.deepEqual(ran, [true, false, false])
    assert.equal(seen.most, 1)
  })

  it('schedules the next run only once the previous one ended', async () => {
    const { seen, sweep } = slowSweep()
    const sweeper = new Sweeper(replicas[0]!, 'test-interval', sweep, failOnError)
    sweeper.start(20)
    // At most one run per 150 ms (a 20 ms timer that did not wait would start ~50), and at least
    // two within a whole second, a margin for a loaded machine.
    await new Promise((r) => setTimeout(r, 1000))
    sweeper.stop()
    assert.equal(seen.most, 1)
    assert.ok(seen.runs >= 2 && seen.runs <= 7, `${seen.runs} runs of 150 ms in 1000 ms`)
  })
})
