import { createSigner, createVerifier } from 'fast-jwt'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { problemFor } from './problem'

export interface User {
  id: number
  email: string
  role: 'customer' | 'admin'
}

const ISSUER = 'shopscope-user-service'
/** Clocks of two pods differ a little; more would stretch every token's life. */
export const CLOCK_LEEWAY_MS = 30_000
/** MySQL's INT UNSIGNED ids of the shop fit in a signed 32-bit integer (auto-increment). */
const USER_ID = /^[1-9][0-9]{0,9}$/
const MAX_USER_ID = 2_147_483_647

class InvalidClaims extends Error {}

/** A session's length: user-service signs for this long, and no token may claim longer. */
export const USER_TOKEN_TTL_SECONDS = 7200

/**
 * `iat` and `exp` of a verified token, checked beyond what fast-jwt does: both whole seconds
 * (JSON reads 1e400 as Infinity), `iat` not in the future (a token dated ahead would outlive its
 * lifetime) and `exp` at most `maxLifetimeSeconds` after `iat` (a leaked key aside, no token
 * may live for ever).
 */
export function assertLifetime(claims: unknown, maxLifetimeSeconds: number): void {
  const { iat, exp } = claims as { iat?: unknown; exp?: unknown }
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) throw new InvalidClaims('iat/exp')
  const issued = iat as number
  const expires = exp as number
  if (issued * 1000 > Date.now() + CLOCK_LEEWAY_MS) throw new InvalidClaims('iat in the future')
  if (expires <= issued || expires - issued > maxLifetimeSeconds) throw new InvalidClaims('exp')
}

/** user-service signs; the services acting for a user verify the same HS256 secret. */
export function tokenSigner(
  secret: string,
  ttlSeconds = USER_TOKEN_TTL_SECONDS,
): (user: User) => string {
  const sign = createSigner({
    key: secret,
    algorithm: 'HS256',
    iss: ISSUER,
    expiresIn: ttlSeconds * 1000,
  })
  return (user) => sign({ sub: String(user.id), email: user.email, role: user.role })
}

/** Claims as they arrive: a token signed with the right key can still carry anything. */
interface RawClaims {
  sub?: unknown
  email?: unknown
  role?: unknown
}

/**
 * Only HS256 (no `none`, no key confusion), only user-service's tokens, `iat` and `exp` required
 * and no further apart than a session (`maxLifetimeSeconds`), `nbf`/`exp` checked with a small
 * leeway, and the user claims checked for shape: a malformed token is refused (401), it never
 * reaches a query.
 */
export function tokenVerifier(
  secret: string,
  maxLifetimeSeconds = USER_TOKEN_TTL_SECONDS,
): (token: string) => User {
  const verify = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    allowedIss: ISSUER,
    requiredClaims: ['iss', 'iat', 'exp', 'sub'],
    clockTolerance: CLOCK_LEEWAY_MS,
  })
  return (token) => {
    const claims = verify(token) as RawClaims
    assertLifetime(claims, maxLifetimeSeconds)
    const { sub, email, role } = claims
    if (typeof sub !== 'string' || !USER_ID.test(sub) || Number(sub) > MAX_USER_ID)
      throw new InvalidClaims('sub')
    if (typeof email !== 'string' || email.length === 0) throw new InvalidClaims('email')
    if (role !== 'customer' && role !== 'admin') throw new InvalidClaims('role')
    return { id: Number(sub), email, role }
  }
}

/** The bearer token of the request, or '' without one. */
export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization ?? ''
  return header.startsWith('Bearer ') ? header.slice(7).trim() : ''
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: User
  }
}

/** preHandler: a valid `Authorization: Bearer` token or a 401 problem. */
export function requireUser(verify: (token: string) => User) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearerToken(request)
    if (!token) throw problemFor('token_required', 'A bearer token is required')
    try {
      request.user = verify(token)
    } catch {
      // One answer whichever check failed: the caller learns nothing about the key or claims.
      throw problemFor('invalid_token', 'The token is invalid or expired')
    }
  }
}
