import { Type, type Static } from '@sinclair/typebox'

/** Every id of the shop is a positive MySQL INT. */
export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
export const ProductId = Id

export const Product = Type.Object(
  {
    id: ProductId,
    sku: Type.String(),
    name: Type.String(),
    description: Type.String(),
    /** Euros, two decimals. */
    price: Type.Number(),
    stock: Type.Integer({ minimum: 0 }),
  },
  { $id: 'Product' },
)
export type Product = Static<typeof Product>

/** The path parameter of every `/…/:id` route (kit takes its digits as written, nothing else). */
export const IdParams = Type.Object({ id: Id })
export const ProductParams = IdParams

export const ProductQuery = Type.Object(
  {
    page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
    pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
)
export type ProductQuery = Static<typeof ProductQuery>

export const ProductPage = Type.Object({
  items: Type.Array(Product),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  total: Type.Integer(),
})
export type ProductPage = Static<typeof ProductPage>
