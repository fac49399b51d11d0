import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestDatabase, useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { createDb, migrate, type Migration } from '../src'

let server: MariaDb
before(async () => {
  server = await useMariaDb()
})
after(() => server?.stop())

const migrations: Migration[] = [
  {
    name: '001_things',
    up: (db) => db.schema.createTable('things', (t) => t.increments('id')),
    down: (db) => db.schema.dropTable('things'),
  },
]

describe('migrate', () => {
  it('lets replicas starting together on an empty database migrate once, in turn', async () => {
    const database = await createTestDatabase(server, 'migrate')
    const dbs = Array.from({ length: 6 }, () => createDb(database.url, 2))
    try {
      const applied = await Promise.all(
        dbs.map((db) => migrate(db, { url: database.url, poolMax: 2, migrations })),
      )
      assert.equal(applied.flat().length, 1, 'one replica applied the migration')
      const [db] = dbs
      assert.ok(db)
      assert.equal((await db('knex_migrations_lock')).length, 1)
      assert.equal((await db('knex_migrations')).length, 1)
      // Still usable afterwards: the lock was released, a later start migrates nothing.
      assert.deepEqual(await migrate(db, { url: database.url, poolMax: 2, migrations }), [])
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()))
      await database.drop()
    }
  })

  it('creates a wiped database again', async () => {
    const database = await createTestDatabase(server, 'wiped')
    await database.drop()
    const db = createDb(database.url, 2)
    try {
      assert.deepEqual(await migrate(db, { url: database.url, poolMax: 2, migrations }), [
        '001_things',
      ])
      assert.deepEqual(await db('things'), [])
    } finally {
      await db.destroy()
      await database.drop()
    }
  })
})
