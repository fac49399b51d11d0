import { Type, type Static } from '@sinclair/typebox'
import { ProductId } from './products'

/**
 * Chosen by the caller so a retry is harmless; unguessable (order-service uses a random UUID per
 * order), since whoever knows an id could otherwise act on that order's stock.
 */
export const ReservationId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_:.-]+$',
})

export const ReservationParams = Type.Object({ id: ReservationId })

/** Most lines one reservation (so one order, so one cart) can hold. */
export const MAX_RESERVATION_LINES = 100

export const ReservationRequest = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        { productId: ProductId, quantity: Type.Integer({ minimum: 1, maximum: 1000 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_RESERVATION_LINES },
    ),
  },
  { additionalProperties: false },
)
export type ReservationRequest = Static<typeof ReservationRequest>

export const Reservation = Type.Object({
  id: ReservationId,
  /** reserved → committed (final: the order is confirmed) or → released (stock returned). */
  status: Type.Union([
    Type.Literal('reserved'),
    Type.Literal('committed'),
    Type.Literal('released'),
  ]),
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
