import { utf8mb4Migration, type Migration } from '@shopscope/kit'

export const migrations: Migration[] = [
  {
    name: '001_cart_items',
    async up(db) {
      await db.schema.createTable('cart_items', (t) => {
        t.integer('user_id').unsigned().notNullable()
        t.integer('product_id').unsigned().notNullable()
        t.integer('quantity').unsigned().notNullable()
        // Snapshot for display; checkout charges the price product-service reserves at.
        t.string('name', 120).notNullable()
        t.integer('unit_price_cents').unsigned().notNullable()
        t.timestamps(true, true)
        t.primary(['user_id', 'product_id'])
      })
    },
    async down(db) {
      await db.schema.dropTable('cart_items')
    },
  },
  {
    name: '002_orders',
    async up(db) {
      await db.schema.createTable('orders', (t) => {
        t.increments('id').primary()
        t.integer('user_id').unsigned().notNullable()
        t.string('idempotency_key', 64).notNullable()
        t.enu('status', ['pending', 'confirmed', 'rejected']).notNullable()
        t.integer('total_cents').unsigned().notNullable()
        t.timestamp('created_at').notNullable().defaultTo(db.fn.now())
        // The database, not the code, guarantees one order per key, even under races.
        t.unique(['user_id', 'idempotency_key'])
        t.index(['user_id', 'id'])
      })
      await db.schema.createTable('order_items', (t) => {
        t.integer('order_id').unsigned().notNullable().references('orders.id')
        t.integer('product_id').unsigned().notNullable()
        t.string('name', 120).notNullable()
        t.integer('quantity').unsigned().notNullable()
        t.integer('unit_price_cents').unsigned().notNullable()
        t.primary(['order_id', 'product_id'])
      })
    },
    async down(db) {
      await db.schema.dropTable('order_items')
      await db.schema.dropTable('orders')
    },
  },
  // Emoji and any other Unicode text in every table (the first migrations made latin1 ones).
  utf8mb4Migration('003_utf8mb4'),
]
