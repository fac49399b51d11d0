import type { Knex } from 'knex'
import { conflict, notFound, transactionRetryingDeadlocks } from '@shopscope/kit'
import { MAX_CART_LINES, MAX_QUANTITY, type Cart, type Product } from '@shopscope/contracts'

export interface CartLineRow {
  product_id: number
  name: string
  quantity: number
  unit_price_cents: number
}

export const toCart = (rows: CartLineRow[]): Cart => ({
  items: rows.map((r) => ({
    productId: r.product_id,
    name: r.name,
    unitPrice: r.unit_price_cents / 100,
    quantity: r.quantity,
    lineTotal: (r.unit_price_cents * r.quantity) / 100,
  })),
  itemCount: rows.reduce((sum, r) => sum + r.quantity, 0),
  total: rows.reduce((sum, r) => sum + r.unit_price_cents * r.quantity, 0) / 100,
})

export class CartRepository {
  constructor(private readonly db: Knex) {}

  lines(userId: number, db: Knex | Knex.Transaction = this.db): Promise<CartLineRow[]> {
    return db('cart_items')
      .where({ user_id: userId })
      .orderBy('product_id')
      .select('product_id', 'name', 'quantity', 'unit_price_cents')
  }

  async get(userId: number): Promise<Cart> {
    return toCart(await this.lines(userId))
  }

  /**
   * Adds to the line (capped at MAX_QUANTITY) and refreshes its name and price snapshot. The
   * line count is checked under the locks of the user's cart rows, so concurrent adds cannot all
   * pass the check for the last free line: the second waits, then counts the first one's line.
   * READ COMMITTED: without gap locks two adds to an empty cart cannot deadlock on their inserts.
   */
  async add(
    userId: number,
    product: Pick<Product, 'id' | 'name' | 'price'>,
    quantity: number,
  ): Promise<Cart> {
    await transactionRetryingDeadlocks(
      this.db,
      async (trx) => {
        const held = (await trx('cart_items')
          .where({ user_id: userId })
          .forUpdate()
          .pluck('product_id')) as number[]
        if (!held.includes(product.id) && held.length >= MAX_CART_LINES) {
          throw conflict(`A cart holds at most ${MAX_CART_LINES} different products`)
        }
        await trx.raw(
          `INSERT INTO cart_items (user_id, product_id, quantity, name, unit_price_cents)
         VALUES (?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE quantity = LEAST(quantity + VALUES(quantity), ?),
           name = VALUES(name), unit_price_cents = VALUES(unit_price_cents)`,
          [
            userId,
            product.id,
            Math.min(quantity, MAX_QUANTITY),
            product.name,
            Math.round(product.price * 100),
            MAX_QUANTITY,
          ],
        )
      },
      { isolationLevel: 'read committed' },
    )
    return this.get(userId)
  }

  async setQuantity(userId: number, productId: number, quantity: number): Promise<Cart> {
    const updated = await this.db('cart_items')
      .where({ user_id: userId, product_id: productId })
      .update({ quantity })
    if (updated === 0) throw notFound(`Product ${productId} in the cart`)
    return this.get(userId)
  }

  /** Removing a line that is not there is not an error: the cart ends up as asked. */
  async remove(userId: number, productId: number): Promise<Cart> {
    await this.db('cart_items').where({ user_id: userId, product_id: productId }).delete()
    return this.get(userId)
  }
}
