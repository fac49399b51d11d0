import { FormatRegistry } from '@sinclair/typebox'
import { ServicePublicKey, Type } from '@shopscope/kit'

/** The same shape ajv-formats accepts for request bodies, so the seeded admin can log in. */
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i

// TypeBox's Value checker (used for the environment) knows no formats until registered.
if (!FormatRegistry.Has('email')) FormatRegistry.Set('email', (value) => EMAIL.test(value))

export const UserEnv = Type.Object({
  /** The frontend's public key: proves that a forwarded shopper address comes from it. */
  FRONTEND_PUBLIC_KEY: ServicePublicKey,
  /** HS256 key shared with the services that verify tokens. */
  JWT_SECRET: Type.String({ minLength: 32 }),
  ADMIN_EMAIL: Type.String({ format: 'email', maxLength: 254, default: 'admin@shopscope.local' }),
  /** Deliberately without a default: a shop must never boot with a known admin password. */
  ADMIN_PASSWORD: Type.String({ minLength: 12, maxLength: 128 }),
  /** Login attempts per minute for one shopper address and one email. */
  LOGIN_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 10 }),
  /** Login attempts per minute from one shopper address, all emails together. */
  LOGIN_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: Type.Integer({ minimum: 1, default: 100 }),
  /** Accounts created per minute from one shopper address. */
  REGISTRATION_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: Type.Integer({ minimum: 1, default: 10 }),
  /**
   * Password hashes running at once for sign-ups, and as many again for sign-ins (each kind its
   * own gate, so a burst of one never queues the other): libuv's 4 threads, shared by both.
   */
  PASSWORD_HASHING_CONCURRENCY: Type.Integer({ minimum: 1, default: 2 }),
  /** Requests of one kind waiting for a hashing slot; beyond it they are refused (429). */
  PASSWORD_HASHING_QUEUE: Type.Integer({ minimum: 0, default: 16 }),
  /** Longest wait for a slot: well under the frontend's CREDENTIALS_TIMEOUT_MS (5 s). */
  PASSWORD_HASHING_MAX_WAIT_MS: Type.Integer({ minimum: 1, default: 2000 }),
  /**
   * Requests of one kind one shopper address may have hashing or waiting at once (it runs one at
   * a time, the others wait).
   */
  PASSWORD_HASHING_PER_CLIENT: Type.Integer({ minimum: 1, default: 4 }),
})
