import { utf8mb4Migration, type Migration } from '@shopscope/kit'

export const migrations: Migration[] = [
  {
    name: '001_products',
    async up(db) {
      await db.schema.createTable('products', (t) => {
        t.increments('id').primary()
        t.string('sku', 32).notNullable().unique()
        t.string('name', 120).notNullable()
        t.text('description').notNullable()
        t.integer('price_cents').unsigned().notNullable()
        // Unsigned: MySQL itself refuses a negative stock, whatever the code does.
        t.integer('stock').unsigned().notNullable().defaultTo(0)
        t.timestamps(true, true)
        t.index(['name'])
      })
    },
    async down(db) {
      await db.schema.dropTable('products')
    },
  },
  {
    name: '002_stock_reservations',
    async up(db) {
      await db.schema.createTable('stock_reservations', (t) => {
        t.string('id', 64).primary()
        t.enu('status', ['reserved', 'released']).notNullable()
        t.timestamps(true, true)
      })
      await db.schema.createTable('stock_reservation_items', (t) => {
        t.string('reservation_id', 64).notNullable().references('stock_reservations.id')
        t.integer('product_id').unsigned().notNullable().references('products.id')
        t.integer('quantity').unsigned().notNullable()
        t.integer('unit_price_cents').unsigned().notNullable()
        t.primary(['reservation_id', 'product_id'])
      })
    },
    async down(db) {
      await db.schema.dropTable('stock_reservation_items')
      await db.schema.dropTable('stock_reservations')
    },
  },
  // Emoji and any other Unicode text in every table (the first migrations made latin1 ones).
  utf8mb4Migration('003_utf8mb4'),
]
