import { utf8mb4Migration, type Migration } from '@shopscope/kit'

export const migrations: Migration[] = [
  {
    name: '001_users',
    async up(db) {
      await db.schema.createTable('users', (t) => {
        t.increments('id').primary()
        // Stored lower-cased; the unique index is what makes concurrent sign-ups safe.
        t.string('email', 254).notNullable().unique()
        t.string('name', 100).notNullable()
        t.enu('role', ['customer', 'admin']).notNullable().defaultTo('customer')
        t.string('password_hash', 255).notNullable()
        t.timestamps(true, true)
      })
    },
    async down(db) {
      await db.schema.dropTable('users')
    },
  },
  // Emoji and any other Unicode text in every table (the first migrations made latin1 ones).
  utf8mb4Migration('002_utf8mb4'),
]
