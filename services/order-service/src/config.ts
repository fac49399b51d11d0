import { ServiceSigningKey, Type } from '@shopscope/kit'

export const OrderEnv = Type.Object({
  /** Proves this service's identity to the others (kit service tokens); its own Ed25519 key. */
  ORDER_SERVICE_SIGNING_KEY: ServiceSigningKey,
  /** Shared with user-service, which signs the tokens this service verifies. */
  JWT_SECRET: Type.String({ minLength: 32 }),
  /** Base URL of product-service, e.g. http://product-service:8082 */
  PRODUCT_SERVICE_URL: Type.String({ pattern: '^https?://[^\\s/]+(/.*)?$' }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 2_000 }),
  /** A checkout nobody retried for this long is rejected and its stock released. */
  PENDING_ORDER_TIMEOUT_SECONDS: Type.Integer({ minimum: 10, default: 900 }),
})
