import type { KeyObject } from 'node:crypto'
import { createDecoder, createSigner, createVerifier } from 'fast-jwt'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { assertLifetime, bearerToken, CLOCK_LEEWAY_MS } from './auth'
import { problemFor } from './problem'
import {
  PRIVATE_KEY_FORMAT,
  privateServiceKey,
  PUBLIC_KEY_FORMAT,
  publicServiceKey,
} from './service-keys'

/**
 * A calling service's own Ed25519 private key (PEM or one-line base64 DER, see service-keys.ts),
 * named after it (FRONTEND_SIGNING_KEY, ORDER_SERVICE_SIGNING_KEY): each caller has its own, and
 * the frontend's cannot speak for order-service.
 */
export const ServiceSigningKey = Type.String({ format: PRIVATE_KEY_FORMAT })
/** The public key of one service allowed to call, e.g. ORDER_SERVICE_PUBLIC_KEY. */
export const ServicePublicKey = Type.String({ format: PUBLIC_KEY_FORMAT })

/**
 * The shopper's address as the frontend saw it (its `request.ip`), for user-service's login rate
 * limit. Worth something only next to the frontend's service token: anyone can send a header.
 */
export const CLIENT_IP_HEADER = 'x-shopscope-client-ip'

/** Short-lived: a leaked token is worth minutes. */
export const SERVICE_TOKEN_TTL_SECONDS = 300
/** A cached token is replaced this long before it expires, so none arrives expired. */
const RENEW_BEFORE_MS = 60_000

const pem = (key: KeyObject, type: 'pkcs8' | 'spki') => String(key.export({ format: 'pem', type }))

/**
 * `mint(audience)`: a token saying "I am `issuer`, this is for `audience`", signed with the
 * issuer's private key and reused for most of its lifetime (one signature per callee every few
 * minutes, not one per request).
 */
export function serviceTokenMinter(
  privateKey: string,
  issuer: string,
): (audience: string) => string {
  const sign = createSigner({
    key: pem(privateServiceKey(privateKey), 'pkcs8'),
    algorithm: 'EdDSA',
    iss: issuer,
    expiresIn: SERVICE_TOKEN_TTL_SECONDS * 1000,
  })
  const cache = new Map<string, { token: string; renewAt: number }>()
  return (audience) => {
    const now = Date.now()
    const cached = cache.get(audience)
    if (cached && now < cached.renewAt) return cached.token
    const token = sign({ aud: audience })
    cache.set(audience, {
      token,
      renewAt: now + SERVICE_TOKEN_TTL_SECONDS * 1000 - RENEW_BEFORE_MS,
    })
    return token
  }
}

/** The headers a call from one service to `audience` carries. */
export const serviceAuthorization = (
  mint: (audience: string) => string,
  audience: string,
): Record<string, string> => ({ authorization: `Bearer ${mint(audience)}` })

/**
 * `verify(token)`: the calling service's name, or throws. `trusted` maps each service allowed
 * to call to its public key: a token naming `iss: order-service` is checked against
 * order-service's key only, so no other caller can mint one. EdDSA only; `aud` must be this
 * service; `iat` not in the future and `exp` at most the kit's lifetime after it (small leeway).
 */
export function serviceTokenVerifier(
  audience: string,
  trusted: Readonly<Record<string, string>>,
): (token: string) => string {
  const decode = createDecoder()
  // A Map, not the object: an `iss` of "__proto__" or "constructor" finds nothing.
  const verifiers = new Map(
    Object.entries(trusted).map(([issuer, key]) => [
      issuer,
      createVerifier({
        key: pem(publicServiceKey(key), 'spki'),
        algorithms: ['EdDSA'],
        allowedAud: audience,
        allowedIss: issuer,
        requiredClaims: ['iss', 'aud', 'exp', 'iat'],
        clockTolerance: CLOCK_LEEWAY_MS,
        maxAge: (SERVICE_TOKEN_TTL_SECONDS + 60) * 1000,
      }),
    ]),
  )
  return (token) => {
    const { iss } = decode(token) as { iss?: unknown }
    const verify = typeof iss === 'string' ? verifiers.get(iss) : undefined
    if (!verify || typeof iss !== 'string') throw new Error('service not trusted')
    assertLifetime(verify(token), SERVICE_TOKEN_TTL_SECONDS)
    return iss
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The service that called, proven by its service token (see `requireService`). */
    serviceCaller?: string
  }
}

/** The caller's service name when the request carries a valid service token, else undefined. */
export function serviceCallerOf(
  request: FastifyRequest,
  verify: (token: string) => string,
): string | undefined {
  const token = bearerToken(request)
  if (!token) return undefined
  try {
    return verify(token)
  } catch {
    return undefined
  }
}

/** preHandler for routes only other services may call: a valid service token or a 401 problem. */
export function requireService(verify: (token: string) => string) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (!bearerToken(request))
      throw problemFor('service_token_required', 'A service token is required')
    const caller = serviceCallerOf(request, verify)
    if (!caller)
      throw problemFor('invalid_service_token', 'The service token is invalid or expired')
    request.serviceCaller = caller
  }
}
