import { ServiceTokenEnv, Type } from '@shopscope/kit'

export const ProductEnv = Type.Object({
  /** Verifies that reservations come from order-service (kit service tokens). */
  ...ServiceTokenEnv.properties,
  /**
   * A reservation nobody commits for this long is released and its stock returned. Longer than
   * order-service's PENDING_ORDER_TIMEOUT_SECONDS, whose reconciler releases abandoned ones first.
   */
  RESERVATION_TTL_SECONDS: Type.Integer({ minimum: 60, default: 3600 }),
})
