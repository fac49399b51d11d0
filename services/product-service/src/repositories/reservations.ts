import { createHash } from 'node:crypto'
import type { Knex } from 'knex'
import { notFound, problemFor } from '@shopscope/kit'
import type { Reservation, ReservationRequest } from '@shopscope/contracts'
import type { Metrics } from '../metrics'

interface ItemRow {
  product_id: number
  name: string
  quantity: number
  unit_price_cents: number
}

type Status = Reservation['status']

const isDuplicateKey = (err: unknown) => (err as { code?: string }).code === 'ER_DUP_ENTRY'
const isRefusal = (err: unknown) =>
  [404, 409].includes((err as { statusCode?: number }).statusCode ?? 0)

/** Same product twice in one request is one line; sorted, for a fixed lock order (no deadlock). */
function linesOf(request: ReservationRequest): [productId: number, quantity: number][] {
  const quantities = new Map<number, number>()
  for (const { productId, quantity } of request.items) {
    quantities.set(productId, (quantities.get(productId) ?? 0) + quantity)
  }
  return [...quantities].sort(([a], [b]) => a - b)
}

/**
 * What a repeated PUT is compared on. Migration 004 computes the same text in SQL for the
 * reservations made before it, so keep the two in step.
 */
export const requestHash = (lines: [number, number][]): string =>
  createHash('sha256')
    .update(lines.map(([productId, quantity]) => `${productId}:${quantity}`).join(','))
    .digest('hex')

/**
 * Stock moves only through reservations: one transaction takes every item or none, and the
 * conditional UPDATE (stock >= quantity) makes concurrent checkouts unable to oversell.
 *
 * A reservation id is decided once: `reserved` (stock taken) then `committed` (the order is
 * confirmed: final, never released) or `released` (stock returned: by its caller, or on expiry
 * when nobody committed it in time). A refused PUT and a DELETE of an unknown id leave a
 * `released` record too, so a late PUT under that id can never take stock its order will not
 * confirm.
 */
export class ReservationRepository {
  constructor(
    private readonly db: Knex,
    private readonly metrics: Metrics,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Returns the reservation and whether this call created it (false on a retry). A retry must
   * carry the same lines: another body under a known id is a 409, never silently the old one.
   */
  async reserve(id: string, request: ReservationRequest): Promise<[Reservation, boolean]> {
    const lines = linesOf(request)
    const hash = requestHash(lines)
    try {
      await this.db.transaction(async (trx) => {
        await trx('stock_reservations').insert({
          id,
          status: 'reserved',
          request_hash: hash,
          expires_at: trx.raw('NOW() + INTERVAL ? SECOND', [this.ttlSeconds]),
        })
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
      if (isDuplicateKey(err)) return [await this.existing(id, hash), false]
      if (isRefusal(err)) {
        this.metrics.reservation('rejected')
        // Refused for good: a retry under this id finds it released instead of trying again.
        await this.db('stock_reservations')
          .insert({ id, status: 'released', request_hash: hash })
          .onConflict('id')
          .ignore()
      }
      throw err
    }
    this.metrics.reservation('reserved')
    return [await this.mustFind(id), true]
  }

  /** reserved → committed (idempotent). A released one cannot be committed any more: 409. */
  async commit(id: string): Promise<Reservation> {
    const changed = await this.db.transaction(async (trx) => {
      const status = await this.lockStatus(trx, id)
      if (!status) throw notFound(`Reservation ${id}`)
      if (status === 'released') {
        throw problemFor('reservation_released', `Reservation ${id} was released`)
      }
      if (status === 'committed') return false
      await trx('stock_reservations')
        .where({ id })
        .update({ status: 'committed', expires_at: null })
      return true
    })
    if (changed) this.metrics.reservation('committed')
    return this.mustFind(id)
  }

  /**
   * Puts the stock back once; releasing a released one is a no-op, a committed one a 409.
   * An unknown id is recorded as released, so that a PUT arriving after it takes nothing.
   */
  async release(id: string): Promise<Reservation> {
    const changed = await this.db.transaction(async (trx) => {
      const status = await this.lockStatus(trx, id)
      if (!status) {
        await trx('stock_reservations').insert({ id, status: 'released' }).onConflict('id').ignore()
        return false
      }
      if (status === 'committed') {
        throw problemFor('reservation_committed', `Reservation ${id} is committed to an order`)
      }
      if (status === 'released') return false
      await this.returnStock(trx, id)
      return true
    })
    if (changed) this.metrics.reservation('released')
    return this.mustFind(id)
  }

  /** Releases up to `limit` reservations nobody committed in time; returns their ids. */
  async releaseExpired(limit = 100): Promise<string[]> {
    const candidates = (await this.db('stock_reservations')
      .where({ status: 'reserved' })
      .andWhere('expires_at', '<', this.db.fn.now())
      .orderBy('expires_at')
      .limit(limit)
      .pluck('id')) as string[]
    const expired: string[] = []
    for (const id of candidates) {
      const changed = await this.db.transaction(async (trx) => {
        // Checked again under the lock: a commit may have landed since the query above.
        const row = (await trx('stock_reservations')
          .where({ id, status: 'reserved' })
          .andWhere('expires_at', '<', trx.fn.now())
          .forUpdate()
          .first('id')) as { id: string } | undefined
        if (!row) return false
        await this.returnStock(trx, id)
        return true
      })
      if (changed) {
        this.metrics.reservation('expired')
        expired.push(id)
      }
    }
    return expired
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
      )) as ({ id: string; status: Status } & {
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

  /** The reservation a repeated PUT names, provided it asks for the same lines. */
  private async existing(id: string, hash: string): Promise<Reservation> {
    const row = (await this.db('stock_reservations').where({ id }).first('request_hash')) as
      { request_hash: string | null } | undefined
    // No hash: released by a DELETE before any PUT; whatever is asked, nothing is taken.
    if (row?.request_hash && row.request_hash !== hash) {
      throw problemFor(
        'reservation_conflict',
        `Reservation ${id} exists with other lines; a new reservation needs a new id`,
      )
    }
    return this.mustFind(id)
  }

  private async lockStatus(trx: Knex.Transaction, id: string): Promise<Status | undefined> {
    const row = (await trx('stock_reservations').where({ id }).forUpdate().first('status')) as
      { status: Status } | undefined
    return row?.status
  }

  /** Under the reservation's row lock: its lines go back to stock and it is released. */
  private async returnStock(trx: Knex.Transaction, id: string): Promise<void> {
    const items = (await trx('stock_reservation_items').where({
      reservation_id: id,
    })) as ItemRow[]
    for (const item of items) {
      await trx('products').where({ id: item.product_id }).increment('stock', item.quantity)
    }
    await trx('stock_reservations').where({ id }).update({ status: 'released', expires_at: null })
  }

  private async mustFind(id: string): Promise<Reservation> {
    const found = await this.find(id)
    if (!found) throw notFound(`Reservation ${id}`)
    return found
  }
}
