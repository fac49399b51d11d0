import type { Knex } from 'knex'
import { notFound, problemFor, promClient, exemplarLabels } from '@shopscope/kit'
import type { Reservation, ReservationRequest } from '@shopscope/contracts'

interface ItemRow {
  product_id: number
  name: string
  quantity: number
  unit_price_cents: number
}

const isDuplicateKey = (err: unknown) => (err as { code?: string }).code === 'ER_DUP_ENTRY'

/**
 * Stock moves only through reservations: one transaction takes every item or none, and the
 * conditional UPDATE (stock >= quantity) makes concurrent checkouts unable to oversell.
 */
export class ReservationRepository {
  constructor(
    private readonly db: Knex,
    private readonly outcomes: promClient.Counter<'result'>,
  ) {}

  /** Returns the reservation and whether this call created it (false on a retry). */
  async reserve(id: string, request: ReservationRequest): Promise<[Reservation, boolean]> {
    // Same product twice in one request is one line; fixed lock order avoids deadlocks.
    const quantities = new Map<number, number>()
    for (const { productId, quantity } of request.items) {
      quantities.set(productId, (quantities.get(productId) ?? 0) + quantity)
    }
    const lines = [...quantities].sort(([a], [b]) => a - b)
    try {
      await this.db.transaction(async (trx) => {
        await trx('stock_reservations').insert({ id, status: 'reserved' })
        for (const [productId, quantity] of lines) {
          const taken = await trx('products')
            .where({ id: productId })
            .andWhere('stock', '>=', quantity)
            .decrement('stock', quantity)
          if (taken === 0) {
            const product = (await trx('products').where({ id: productId }).first('stock')) as
              { stock: number } | undefined
            throw product
              ? problemFor('out_of_stock', `Not enough stock for product ${productId}`, {
                  productId,
                  available: product.stock,
                })
              : problemFor('unknown_product', `Product ${productId} not found`, { productId })
          }
        }
        for (const [productId, quantity] of lines) {
          // The price is copied from the locked row, so the order pays what was reserved.
          await trx.raw(
            `INSERT INTO stock_reservation_items (reservation_id, product_id, quantity, unit_price_cents)
             SELECT ?, id, ?, price_cents FROM products WHERE id = ?`,
            [id, quantity, productId],
          )
        }
      })
    } catch (err) {
      if (isDuplicateKey(err)) return [await this.mustFind(id), false]
      if ((err as { statusCode?: number }).statusCode === 409) {
        this.outcomes.inc({
          labels: { result: 'rejected' },
          value: 1,
          exemplarLabels: exemplarLabels(),
        })
      }
      throw err
    }
    this.outcomes.inc({
      labels: { result: 'reserved' },
      value: 1,
      exemplarLabels: exemplarLabels(),
    })
    return [await this.mustFind(id), true]
  }

  /** Puts the stock back once; releasing twice or releasing a released one is a no-op. */
  async release(id: string): Promise<Reservation> {
    await this.db.transaction(async (trx) => {
      const reservation = await trx('stock_reservations').where({ id }).forUpdate().first('status')
      if (!reservation) throw notFound(`Reservation ${id}`)
      if (reservation.status === 'released') return
      const items = (await trx('stock_reservation_items').where({
        reservation_id: id,
      })) as ItemRow[]
      for (const item of items) {
        await trx('products').where({ id: item.product_id }).increment('stock', item.quantity)
      }
      await trx('stock_reservations').where({ id }).update({ status: 'released' })
    })
    this.outcomes.inc({
      labels: { result: 'released' },
      value: 1,
      exemplarLabels: exemplarLabels(),
    })
    return this.mustFind(id)
  }

  /** One round trip: the reservation's columns repeat on each of its lines. */
  async find(id: string): Promise<Reservation | undefined> {
    const rows = (await this.db('stock_reservations as r')
      .leftJoin('stock_reservation_items as i', 'i.reservation_id', 'r.id')
      .leftJoin('products as p', 'p.id', 'i.product_id')
      .where('r.id', id)
      .orderBy('i.product_id')
      .select(
        'r.id',
        'r.status',
        'i.product_id',
        'p.name',
        'i.quantity',
        'i.unit_price_cents',
      )) as ({ id: string; status: Reservation['status'] } & {
      [K in keyof ItemRow]: ItemRow[K] | null
    })[]
    const reservation = rows[0]
    if (!reservation) return undefined
    const items = rows.flatMap((i) =>
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
    )
    const totalCents = rows.reduce(
      (sum, i) => sum + (i.quantity ?? 0) * (i.unit_price_cents ?? 0),
      0,
    )
    return { id: reservation.id, status: reservation.status, items, total: totalCents / 100 }
  }

  private async mustFind(id: string): Promise<Reservation> {
    const found = await this.find(id)
    if (!found) throw notFound(`Reservation ${id}`)
    return found
  }
}
