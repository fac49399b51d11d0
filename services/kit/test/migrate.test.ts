import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestDatabase, useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { createDb, migrate, utf8mb4Migration, type Migration } from '../src'

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

  it('converts a latin1 database and its tables, foreign keys included, to utf8mb4', async () => {
    const database = await createTestDatabase(server, 'latin1')
    const db = createDb(database.url, 2)
    // What the first migrations made on a server defaulting to latin1.
    const old: Migration[] = [
      {
        name: '001_parents_children',
        async up(knex) {
          await knex.schema.createTable('parents', (t) => {
            t.string('id', 64).primary()
            t.string('name', 100)
          })
          await knex.schema.createTable('children', (t) => {
            t.string('parent_id', 64).references('parents.id')
            t.text('note')
          })
        },
        down: async () => undefined,
      },
    ]
    try {
      await db.raw('ALTER DATABASE ?? CHARACTER SET latin1 COLLATE latin1_swedish_ci', [
        database.name,
      ])
      await migrate(db, { url: database.url, poolMax: 2, migrations: old })
      await db('parents').insert({ id: 'p1', name: 'Café' })
      await assert.rejects(db('parents').insert({ id: 'p2', name: 'Bob 😀' }))

      const all = [...old, utf8mb4Migration('002_utf8mb4')]
      assert.deepEqual(await migrate(db, { url: database.url, poolMax: 2, migrations: all }), [
        '002_utf8mb4',
      ])
      const tables = (await db('information_schema.TABLES')
        .where({ TABLE_SCHEMA: database.name })
        .select('TABLE_NAME as name', 'TABLE_COLLATION as collation')) as {
        name: string
        collation: string
      }[]
      assert.ok(tables.length >= 2)
      for (const t of tables) assert.match(t.collation, /^utf8mb4_/, t.name)
      const [[schema]] = (await db.raw(
        'SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
        [database.name],
      )) as [{ cs: string }[]]
      assert.equal(schema?.cs, 'utf8mb4', 'tables created later default to utf8mb4 too')

      await db('parents').insert({ id: 'p2', name: 'Bob 😀' })
      await db('children').insert({ parent_id: 'p2', note: '日本語 😀' })
      const names = (await db('parents').orderBy('id')).map((r: { name: string }) => r.name)
      assert.deepEqual(names, ['Café', 'Bob 😀'])
      assert.equal((await db('parents').where('name', 'like', '%😀%')).length, 1)
      await assert.rejects(
        db('children').insert({ parent_id: 'nobody', note: '' }),
        'the foreign key still holds',
      )
    } finally {
      await db.destroy()
      await database.drop()
    }
  })
})
