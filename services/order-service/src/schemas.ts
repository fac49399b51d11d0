import { Type, type Static } from '@shopscope/kit'

export const ProductId = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
export const OrderId = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
export const Quantity = Type.Integer({ minimum: 1, maximum: 100 })
/** Largest quantity of one product in a cart; adding more is capped, not refused. */
export const MAX_QUANTITY = 100
/** product-service reserves at most 100 lines at once. */
export const MAX_CART_LINES = 100

export const CartItemBody = Type.Object(
  { productId: ProductId, quantity: Quantity },
  { additionalProperties: false },
)
export type CartItemBody = Static<typeof CartItemBody>

export const QuantityBody = Type.Object({ quantity: Quantity }, { additionalProperties: false })

export const CartItemParams = Type.Object({ productId: ProductId })

export const Cart = Type.Object({
  items: Type.Array(
    Type.Object({
      productId: ProductId,
      name: Type.String(),
      /** Euros, two decimals. */
      unitPrice: Type.Number(),
      quantity: Type.Integer(),
      lineTotal: Type.Number(),
    }),
  ),
  /** Sum of the quantities. */
  itemCount: Type.Integer(),
  total: Type.Number(),
})
export type Cart = Static<typeof Cart>

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
})

export const OrderStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('confirmed'),
  Type.Literal('rejected'),
])
export type OrderStatus = Static<typeof OrderStatus>

export const Order = Type.Object({
  id: OrderId,
  status: OrderStatus,
  items: Type.Array(
    Type.Object({
      productId: ProductId,
      name: Type.String(),
      quantity: Type.Integer(),
      unitPrice: Type.Number(),
    }),
  ),
  total: Type.Number(),
  createdAt: Type.String({ format: 'date-time' }),
})
export type Order = Static<typeof Order>

export const OrderSummary = Type.Object({
  id: OrderId,
  status: OrderStatus,
  /** Sum of the quantities. */
  itemCount: Type.Integer(),
  total: Type.Number(),
  createdAt: Type.String({ format: 'date-time' }),
})
export type OrderSummary = Static<typeof OrderSummary>

export const OrderList = Type.Object({ items: Type.Array(OrderSummary) })
export type OrderList = Static<typeof OrderList>

export const OrderParams = Type.Object({ id: OrderId })
