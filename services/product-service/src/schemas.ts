import { Type, type Static } from '@shopscope/kit'

export const ProductId = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })

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

export const ProductParams = Type.Object({ id: ProductId })

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

/** Chosen by the caller (order-service uses its order reference) so a retry is harmless. */
export const ReservationId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_:.-]+$',
})

export const ReservationParams = Type.Object({ id: ReservationId })

export const ReservationRequest = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        { productId: ProductId, quantity: Type.Integer({ minimum: 1, maximum: 1000 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
  },
  { additionalProperties: false },
)
export type ReservationRequest = Static<typeof ReservationRequest>

export const Reservation = Type.Object({
  id: ReservationId,
  status: Type.Union([Type.Literal('reserved'), Type.Literal('released')]),
  items: Type.Array(
    Type.Object({
      productId: ProductId,
      name: Type.String(),
      quantity: Type.Integer(),
      unitPrice: Type.Number(),
    }),
  ),
  total: Type.Number(),
})
export type Reservation = Static<typeof Reservation>
