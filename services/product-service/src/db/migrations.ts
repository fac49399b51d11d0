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
  {
    // Reservations get a lifecycle: committed ones are final, others expire; a retried PUT is
    // compared with the lines it was made with (the same hash as requestHash in the repository).
    name: '004_reservation_lifecycle',
    async up(db) {
      await db.raw(
        "ALTER TABLE stock_reservations MODIFY status ENUM('reserved', 'committed', 'released') NOT NULL",
      )
      await db.schema.alterTable('stock_reservations', (t) => {
        t.specificType('request_hash', 'CHAR(64)').nullable()
        // NULL: never expires (committed, released, and the reservations made before this).
        t.dateTime('expires_at').nullable()
        t.index(['status', 'expires_at'])
      })
      // 100 lines of "id:quantity" outgrow GROUP_CONCAT's default 1024 bytes. The migration runs
      // in one transaction, so on one connection: the session setting holds for the UPDATE.
      await db.raw('SET SESSION group_concat_max_len = 65536')
      await db.raw(
        `UPDATE stock_reservations r SET request_hash = (
           SELECT SHA2(GROUP_CONCAT(CONCAT(i.product_id, ':', i.quantity)
                                    ORDER BY i.product_id SEPARATOR ','), 256)
           FROM stock_reservation_items i WHERE i.reservation_id = r.id)`,
      )
    },
    async down(db) {
      await db.schema.alterTable('stock_reservations', (t) => {
        t.dropIndex(['status', 'expires_at'])
        t.dropColumn('expires_at')
        t.dropColumn('request_hash')
      })
      await db.raw("UPDATE stock_reservations SET status = 'reserved' WHERE status = 'committed'")
      await db.raw(
        "ALTER TABLE stock_reservations MODIFY status ENUM('reserved', 'released') NOT NULL",
      )
    },
  },
]
