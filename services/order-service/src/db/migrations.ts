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
  {
    // Each order names its stock reservation with a random id (product-service acts on whatever
    // id it is given, so it must not be guessable); older orders keep the id they were made with.
    name: '004_order_reservation_ids',
    async up(db) {
      await db.schema.alterTable('orders', (t) => {
        t.string('reservation_id', 64).nullable()
      })
      await db.raw("UPDATE orders SET reservation_id = CONCAT('ord-', id)")
      await db.schema.alterTable('orders', (t) => {
        t.string('reservation_id', 64).notNullable().alter()
        t.unique(['reservation_id'])
        // The reconciler's query: stale pending orders, oldest first.
        t.index(['status', 'created_at'])
      })
    },
    async down(db) {
      await db.schema.alterTable('orders', (t) => {
        t.dropIndex(['status', 'created_at'])
        t.dropUnique(['reservation_id'])
        t.dropColumn('reservation_id')
      })
    },
  },
  {
    // The reconciler backs off per order: one that keeps failing is tried again later, and the
    // ones due first are swept first, so a few stuck orders cannot starve the others.
    name: '005_order_settle_backoff',
    async up(db) {
      await db.schema.alterTable('orders', (t) => {
        t.integer('settle_attempts').unsigned().notNullable().defaultTo(0)
        t.timestamp('next_settle_at').nullable()
      })
    },
    async down(db) {
      await db.schema.alterTable('orders', (t) => {
        t.dropColumn('next_settle_at')
        t.dropColumn('settle_attempts')
      })
    },
  },
]
