import { randomUUID } from 'node:crypto'
import type { Knex } from 'knex'
import { notFound, transactionRetryingDeadlocks } from '@shopscope/kit'
import {
  MAX_QUANTITY,
  type Order,
  type OrderList,
  type OrderStatus,
  type Reservation,
} from '@shopscope/contracts'

interface OrderRow {
  id: number
  reservation_id: string
  user_id: number
  status: OrderStatus
  total_cents: number
  created_at: Date
}

interface OrderItemRow {
  product_id: number
  name: string
  quantity: number
  unit_price_cents: number
}

const isDuplicateKey = (err: unknown) => (err as { code?: string }).code === 'ER_DUP_ENTRY'

/** Thrown inside the transaction to roll back the order row when the cart had nothing in it. */
class EmptyCart extends Error {}

const cents = (euros: number) => Math.round(euros * 100)

/**
 * An order as order-service keeps it: with the id of its stock reservation, which is never
 * part of an answer (the API schemas leave it out), as whoever knows it could act on the stock.
 */
export type StoredOrder = Order & { reservationId: string }

/**
 * Orders move pending → confirmed | rejected, each transition at most once (under the order
 * row's lock), so concurrent retries of one checkout agree on one outcome.
 */
export class OrderRepository {
  constructor(private readonly db: Knex) {}

  /**
   * The order of this idempotency key: created pending from the cart when the key is new,
   * otherwise the existing one whatever its status. A new order consumes the cart in the same
   * transaction (its lines move into the order), so one cart makes one order however many keys
   * race for it: the others wait on the cart's row locks and then find it empty.
   * `empty`: nothing to order; `checked_out`: another order just took this cart.
   */
  async begin(
    userId: number,
    idempotencyKey: string,
  ): Promise<StoredOrder | { empty: 'empty' | 'checked_out' }> {
    try {
      const id = await transactionRetryingDeadlocks(this.db, async (trx) => {
        // Inserted first: a concurrent request with the same key waits here, then fails.
        const [orderId] = (await trx('orders').insert({
          user_id: userId,
          idempotency_key: idempotencyKey,
          // 122 random bits: nobody can name the reservation of an order before it exists.
          reservation_id: randomUUID(),
          status: 'pending',
          total_cents: 0,
        })) as [number]
        const lines = (await trx('cart_items')
          .where({ user_id: userId })
          .forUpdate()
          .select('product_id', 'name', 'quantity', 'unit_price_cents')) as OrderItemRow[]
        if (lines.length === 0) throw new EmptyCart()
        await trx('order_items').insert(lines.map((line) => ({ order_id: orderId, ...line })))
        await trx('cart_items').where({ user_id: userId }).delete()
        const totalCents = lines.reduce((sum, l) => sum + l.quantity * l.unit_price_cents, 0)
        await trx('orders').where({ id: orderId }).update({ total_cents: totalCents })
        return orderId
      })
      return this.mustFind(id)
    } catch (err) {
      if (err instanceof EmptyCart)
        return { empty: (await this.justOrdered(userId)) ? 'checked_out' : 'empty' }
      if (!isDuplicateKey(err)) throw err
      const existing = (await this.db('orders')
        .where({ user_id: userId, idempotency_key: idempotencyKey })
        .first('id')) as { id: number }
      return this.mustFind(existing.id)
    }
  }

  /** An empty cart right after an order: a second checkout of the cart that order consumed. */
  private async justOrdered(userId: number): Promise<boolean> {
    const recent = (await this.db('orders')
      .where({ user_id: userId })
      .andWhere((q) =>
        q
          .where({ status: 'pending' })
          .orWhere('created_at', '>', this.db.raw('NOW() - INTERVAL 60 SECOND')),
      )
      .whereNot({ status: 'rejected' })
      .first('id')) as { id: number } | undefined
    return recent !== undefined
  }

  /**
   * pending → confirmed with the reservation's (authoritative) prices, and the ordered lines
   * leave the cart in the same transaction. `changed` is false when another request already
   * decided this order; the returned status then says how (read back). When this call confirmed
   * it, the result is the pending order with the prices it just wrote: no second read.
   */
  async confirm(
    pending: Order,
    reservation: Reservation,
  ): Promise<{ order: Order; changed: boolean }> {
    const { id } = pending
    const priced = new Map(reservation.items.map((item) => [item.productId, item]))
    const items = pending.items.map((line) => {
      const price = priced.get(line.productId)
      return price ? { ...line, name: price.name, unitPrice: cents(price.unitPrice) / 100 } : line
    })
    const totalCents = items.reduce((sum, line) => sum + cents(line.unitPrice) * line.quantity, 0)
    const changed = await this.db.transaction(async (trx) => {
      const row = (await trx('orders').where({ id }).forUpdate().first('user_id', 'status')) as
        Pick<OrderRow, 'user_id' | 'status'> | undefined
      if (!row) throw notFound(`Order ${id}`)
      if (row.status !== 'pending') return false
      for (const item of reservation.items) {
        await trx('order_items')
          .where({ order_id: id, product_id: item.productId })
          .update({ name: item.name, unit_price_cents: cents(item.unitPrice) })
      }
      await trx('orders').where({ id }).update({ status: 'confirmed', total_cents: totalCents })
      return true
    })
    if (!changed) return { order: await this.mustFind(id), changed }
    return {
      order: { ...pending, status: 'confirmed', items, total: totalCents / 100 },
      changed,
    }
  }

  /**
   * pending → rejected; a confirmed order stays confirmed. Called only once product-service has
   * released (or refused) the order's reservation: a rejected order never holds stock. Its lines
   * go back into the cart (merged with what was added since), for the shopper to change.
   */
  async reject(id: number): Promise<{ order: Order; changed: boolean }> {
    const changed = await this.db.transaction(async (trx) => {
      const updated = await trx('orders')
        .where({ id, status: 'pending' })
        .update({ status: 'rejected' })
      if (updated === 0) return false
      await trx.raw(
        `INSERT INTO cart_items (user_id, product_id, quantity, name, unit_price_cents)
         SELECT o.user_id, i.product_id, i.quantity, i.name, i.unit_price_cents
         FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.order_id = ?
         ON DUPLICATE KEY UPDATE quantity = LEAST(cart_items.quantity + VALUES(quantity), ?)`,
        [id, MAX_QUANTITY],
      )
      return true
    })
    return { order: await this.mustFind(id), changed }
  }

  /**
   * Pending orders older than `seconds` whose next settling attempt is due, the longest due
   * first, with their reservation ids.
   */
  async stalePending(
    seconds: number,
    limit = 100,
  ): Promise<{ id: number; reservationId: string }[]> {
    const rows = (await this.db('orders')
      .where({ status: 'pending' })
      .andWhere('created_at', '<', this.db.raw('NOW() - INTERVAL ? SECOND', [seconds]))
      .andWhere((q) =>
        q.whereNull('next_settle_at').orWhere('next_settle_at', '<=', this.db.fn.now()),
      )
      .orderByRaw('COALESCE(next_settle_at, created_at), id')
      .limit(limit)
      .select('id', 'reservation_id')) as Pick<OrderRow, 'id' | 'reservation_id'>[]
    return rows.map((r) => ({ id: r.id, reservationId: r.reservation_id }))
  }

  /** Settling this order failed: the next attempt waits 30 s, doubling up to an hour. */
  async deferSettle(id: number): Promise<void> {
    await this.db('orders')
      .where({ id })
      .update({
        next_settle_at: this.db.raw(
          'NOW() + INTERVAL LEAST(30 * POW(2, settle_attempts), 3600) SECOND',
        ),
        settle_attempts: this.db.raw('settle_attempts + 1'),
      })
  }

  /**
   * Only the owner's orders exist for them: someone else's id is simply not found. One round
   * trip: the order's columns repeat on each of its lines (a checkout reads three orders).
   */
  async find(id: number, userId?: number): Promise<StoredOrder | undefined> {
    const query = this.db('orders as o')
      .leftJoin('order_items as i', 'i.order_id', 'o.id')
      .where('o.id', id)
    if (userId !== undefined) query.andWhere('o.user_id', userId)
    const rows = (await query
      .orderBy('i.product_id')
      .select(
        'o.id',
        'o.reservation_id',
        'o.status',
        'o.total_cents',
        'o.created_at',
        'i.product_id',
        'i.name',
        'i.quantity',
        'i.unit_price_cents',
      )) as (OrderRow & { [K in keyof OrderItemRow]: OrderItemRow[K] | null })[]
    const row = rows[0]
    if (!row) return undefined
    return {
      id: row.id,
      reservationId: row.reservation_id,
      status: row.status,
      items: rows.flatMap((i) =>
        i.product_id === null
          ? []
          : [
              {
                productId: i.product_id,
                name: i.name ?? '',
                quantity: i.quantity ?? 0,
                unitPrice: (i.unit_price_cents ?? 0) / 100,
              },
            ],
      ),
      total: row.total_cents / 100,
      createdAt: row.created_at.toISOString(),
    }
  }

  /** Newest first; the 100 latest are plenty for an order history page. */
  async list(userId: number): Promise<OrderList> {
    const rows = (await this.db('orders as o')
      .leftJoin('order_items as i', 'i.order_id', 'o.id')
      .where('o.user_id', userId)
      .groupBy('o.id')
      .orderBy('o.id', 'desc')
      .limit(100)
      .select('o.id', 'o.status', 'o.total_cents', 'o.created_at')
      .sum({ item_count: 'i.quantity' })) as (OrderRow & { item_count: number | null })[]
    return {
      items: rows.map((r) => ({
        id: r.id,
        status: r.status,
        itemCount: Number(r.item_count ?? 0),
        total: r.total_cents / 100,
        createdAt: r.created_at.toISOString(),
      })),
    }
  }

  private async mustFind(id: number): Promise<StoredOrder> {
    const found = await this.find(id)
    if (!found) throw notFound(`Order ${id}`)
    return found
  }
}
