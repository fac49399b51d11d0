import { ServiceSigningKey, Type } from '@shopscope/kit'

const ServiceUrl = Type.String({ pattern: '^https?://.+' })

export const FrontendEnv = Type.Object({
  /** Proves this service's identity to the others (kit service tokens); its own Ed25519 key. */
  FRONTEND_SIGNING_KEY: ServiceSigningKey,
  USER_SERVICE_URL: ServiceUrl,
  PRODUCT_SERVICE_URL: ServiceUrl,
  ORDER_SERVICE_URL: ServiceUrl,
  /** Signs the session and CSRF cookies. */
  SESSION_SECRET: Type.String({ minLength: 32 }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 2000 }),
  /** Registration and sign-in: user-service hashes the password, deliberately slow work. */
  CREDENTIALS_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 5000 }),
  /**
   * A checkout's whole budget, passed on to order-service (kit/deadline.ts): longer than one
   * upstream call, as order-service calls product-service twice (each within its own timeout).
   */
  CHECKOUT_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 10_000 }),
  /**
   * Where /otlp/v1/traces sends the browser's spans: the Collector the service's own SDK exports
   * to over OTLP/HTTP (the same variables, read the same way; routes/otlp.ts).
   */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(ServiceUrl),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(ServiceUrl),
  /** Only plain-HTTP development and tests turn this off. */
  COOKIE_SECURE: Type.Boolean({ default: true }),
})
