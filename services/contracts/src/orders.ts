import { Type, type Static } from '@sinclair/typebox'
import { Id, IdParams, ProductId } from './products'

export const OrderId = Id

/** Chosen by the client per checkout attempt: a retry with the same key returns the same order. */
export const IdempotencyKey = Type.String({
  minLength: 8,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
})

export const IdempotencyHeaders = Type.Object({ 'idempotency-key': IdempotencyKey })

export const OrderStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('confirmed'),
  Type.Literal('rejected'),
])
export type OrderStatus = Static<typeof OrderStatus>

export const OrderItem = Type.Object({
  productId: ProductId,
  name: Type.String(),
  quantity: Type.Integer(),
  unitPrice: Type.Number(),
})
export type OrderItem = Static<typeof OrderItem>

export const Order = Type.Object({
  id: OrderId,
  status: OrderStatus,
  items: Type.Array(OrderItem),
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

export const OrderParams = IdParams
