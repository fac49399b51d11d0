import { ServicePublicKey, Type } from '@shopscope/kit'

export const ProductEnv = Type.Object({
  /** order-service's public key: only its service tokens may reserve, commit or release stock. */
  ORDER_SERVICE_PUBLIC_KEY: ServicePublicKey,
  /**
   * A reservation nobody commits for this long is released and its stock returned. Longer than
   * order-service's PENDING_ORDER_TIMEOUT_SECONDS, whose reconciler releases abandoned ones first.
   */
  RESERVATION_TTL_SECONDS: Type.Integer({ minimum: 60, default: 3600 }),
})
