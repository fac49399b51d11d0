import { Type, type Static } from '@sinclair/typebox'
import { ProductId } from './products'
import { MAX_RESERVATION_LINES } from './reservations'

/** Largest quantity of one product in a cart; adding more is capped, not refused. */
export const MAX_QUANTITY = 100
export const Quantity = Type.Integer({ minimum: 1, maximum: MAX_QUANTITY })
/** A cart becomes one reservation at checkout. */
export const MAX_CART_LINES = MAX_RESERVATION_LINES

export const CartItemBody = Type.Object(
  { productId: ProductId, quantity: Quantity },
  { additionalProperties: false },
)
export type CartItemBody = Static<typeof CartItemBody>

export const QuantityBody = Type.Object({ quantity: Quantity }, { additionalProperties: false })

export const CartItemParams = Type.Object({ productId: ProductId })

export const CartItem = Type.Object({
  productId: ProductId,
  name: Type.String(),
  /** Euros, two decimals. */
  unitPrice: Type.Number(),
  quantity: Type.Integer(),
  lineTotal: Type.Number(),
})
export type CartItem = Static<typeof CartItem>

export const Cart = Type.Object({
  items: Type.Array(CartItem),
  /** Sum of the quantities. */
  itemCount: Type.Integer(),
  total: Type.Number(),
})
export type Cart = Static<typeof Cart>
