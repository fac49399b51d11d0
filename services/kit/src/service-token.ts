import { createSigner, createVerifier } from 'fast-jwt'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { bearerToken, CLOCK_LEEWAY_MS } from './auth'
import { problemFor } from './problem'

/**
 * The HS256 key every service shares to prove to another which service is calling. Distinct
 * from JWT_SECRET: a user's token can never pass for a service's, nor the other way round.
 */
export const ServiceTokenEnv = Type.Object({
  SERVICE_TOKEN_SECRET: Type.String({ minLength: 32 }),
})

/**
 * The shopper's address as the frontend saw it (its `request.ip`), for user-service's login rate
 * limit. Worth something only next to the frontend's service token: anyone can send a header.
 */
export const CLIENT_IP_HEADER = 'x-shopscope-client-ip'

/** Short-lived: a leaked token is worth minutes, and minting one costs a microsecond HMAC. */
export const SERVICE_TOKEN_TTL_SECONDS = 300
/** A cached token is replaced this long before it expires, so none arrives expired. */
const RENEW_BEFORE_MS = 60_000

/**
 * `mint(audience)`: a token saying "I am `issuer`, this is for `audience`", reused for most of its
 * lifetime (one signature per callee every few minutes, not one per request).
 */
export function serviceTokenMinter(secret: string, issuer: string): (audience: string) => string {
  const sign = createSigner({
    key: secret,
    algorithm: 'HS256',
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
 * `verify(token)`: the calling service's name, or throws. HS256 only; `aud` must be this
 * service, `iss` one of `allowedIssuers`, and `exp` present and not past (small leeway).
 */
export function serviceTokenVerifier(
  secret: string,
  audience: string,
  allowedIssuers: readonly string[],
): (token: string) => string {
  const verify = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    allowedAud: audience,
    allowedIss: [...allowedIssuers],
    requiredClaims: ['iss', 'aud', 'exp', 'iat'],
    clockTolerance: CLOCK_LEEWAY_MS,
    // A token lives minutes; a longer one was not minted by the kit.
    maxAge: (SERVICE_TOKEN_TTL_SECONDS + 60) * 1000,
  })
  return (token) => (verify(token) as { iss: string }).iss
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
