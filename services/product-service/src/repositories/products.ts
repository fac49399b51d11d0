import type { Knex } from 'knex'
import type { Product, ProductPage, ProductQuery } from '@shopscope/contracts'

interface ProductRow {
  id: number
  sku: string
  name: string
  description: string
  price_cents: number
  stock: number
}

const COLUMNS = ['id', 'sku', 'name', 'description', 'price_cents', 'stock']

export const toProduct = (row: ProductRow): Product => ({
  id: row.id,
  sku: row.sku,
  name: row.name,
  description: row.description,
  price: row.price_cents / 100,
  stock: row.stock,
})

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export class ProductRepository {
  constructor(private readonly db: Knex) {}

  /**
   * One round trip for a page and the total: the count rides along with the rows. Only a page
   * past the end (no row to carry it) needs a second query for the total.
   */
  async list({ page, pageSize, q }: ProductQuery): Promise<ProductPage> {
    const filtered = (query: Knex.QueryBuilder) =>
      q
        ? query.where('name', 'like', likePattern(q)).orWhere('description', 'like', likePattern(q))
        : query
    // An uncorrelated subquery runs once; a window count (COUNT(*) OVER ()) made MariaDB
    // materialize and sort the rows, doubling its CPU per page (tests/bench).
    const total = filtered(this.db('products').count('*')).as('total')
    const rows = (await filtered(this.db('products').select([...COLUMNS, total]))
      .orderBy('id')
      .limit(pageSize)
      .offset((page - 1) * pageSize)) as (ProductRow & { total: number })[]
    let count = Number(rows[0]?.total ?? 0)
    if (rows.length === 0 && page > 1) {
      const [row] = (await filtered(this.db('products').count({ total: '*' }))) as {
        total: number
      }[]
      count = Number(row?.total ?? 0)
    }
    return { items: rows.map(toProduct), page, pageSize, total: count }
  }

  async find(id: number): Promise<Product | undefined> {
    const row = (await this.db('products').select(COLUMNS).where({ id }).first()) as
      ProductRow | undefined
    return row && toProduct(row)
  }
}
